//! Snapshots and their coverage: what a scan looked at and what it saw.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Edge, Resource};

/// Whether one (account, region, service) unit was collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageStatus {
    /// Every list call of the unit succeeded to its last page.
    Ok,
    /// The unit could not be collected, or only in part: its resources (if
    /// any) must not be taken as the whole.
    Error,
}

impl CoverageStatus {
    /// `ok` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageStatus::Ok => "ok",
            CoverageStatus::Error => "error",
        }
    }
}

/// What was collected for one account, region and service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// The account.
    pub account: String,
    /// The region, or `global` for global services.
    pub region: String,
    /// The collector service (`s3`, `ec2`, …).
    pub service: String,
    /// `ok` or `error`.
    pub status: CoverageStatus,
    /// What went wrong, when `status` is `error`: the AWS error code, the
    /// operation and the message.
    pub error: Option<String>,
    /// The AWS error code alone (`AccessDenied`, `Throttling`, …).
    #[serde(default)]
    pub error_code: Option<String>,
    /// The IAM action that was refused, for access-denied errors.
    #[serde(default)]
    pub missing_permission: Option<String>,
    /// API requests made by the unit, retries included.
    pub api_calls: u64,
    /// Resources the unit recorded.
    pub resources: u64,
    /// Resources of the unit with a failed sub-call (see `_errors` in props).
    #[serde(default)]
    pub partial_resources: u64,
}

/// What a scan was asked to look at.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scope {
    /// Accounts scanned.
    pub accounts: Vec<String>,
    /// Regions scanned (global services appear as `global` in coverage).
    pub regions: Vec<String>,
    /// Services scanned.
    pub services: Vec<String>,
}

/// One scan: resources, edges and coverage, written to the store as a whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The store's id for the snapshot; 0 until it is stored.
    pub id: i64,
    /// When collection started.
    pub started_at: DateTime<Utc>,
    /// When collection finished.
    pub finished_at: DateTime<Utc>,
    /// What the scan was asked to look at.
    pub scope: Scope,
    /// Per (account, region, service): what was collected.
    pub coverage: Vec<Coverage>,
    /// Every resource seen.
    pub resources: Vec<Resource>,
    /// Every relationship seen.
    pub edges: Vec<Edge>,
}

impl Snapshot {
    /// Whether every unit was collected and no resource has a gap.
    pub fn is_complete(&self) -> bool {
        self.coverage
            .iter()
            .all(|c| c.status == CoverageStatus::Ok && c.partial_resources == 0)
    }

    /// The summary the store lists, without resources and edges.
    pub fn summary(&self) -> SnapshotSummary {
        SnapshotSummary {
            id: self.id,
            started_at: self.started_at,
            finished_at: self.finished_at,
            scope: self.scope.clone(),
            resources: self.resources.len() as u64,
            edges: self.edges.len() as u64,
            coverage: self.coverage.clone(),
        }
    }
}

/// A stored snapshot without its resources: what `plumb snapshots` lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotSummary {
    /// The store's id.
    pub id: i64,
    /// When collection started.
    pub started_at: DateTime<Utc>,
    /// When collection finished.
    pub finished_at: DateTime<Utc>,
    /// What the scan was asked to look at.
    pub scope: Scope,
    /// How many resources it holds.
    pub resources: u64,
    /// How many edges it holds.
    pub edges: u64,
    /// Per (account, region, service): what was collected.
    pub coverage: Vec<Coverage>,
}

impl SnapshotSummary {
    /// Whether every unit was collected and no resource has a gap.
    pub fn is_complete(&self) -> bool {
        self.coverage
            .iter()
            .all(|c| c.status == CoverageStatus::Ok && c.partial_resources == 0)
    }
}
