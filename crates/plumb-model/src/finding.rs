//! Findings: what a check says of one resource in one snapshot.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How bad a failing check is if it is true, before any context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; no direct risk.
    Info,
    /// Hardening.
    Low,
    /// A weakness an attacker needs more to exploit.
    Medium,
    /// A direct path to data or control.
    High,
    /// Exploitable now, with broad impact.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses `high`, and `high+` as "high or above" (the bool is true).
    pub fn parse(text: &str) -> Option<(Severity, bool)> {
        let (name, and_above) = match text.strip_suffix('+') {
            Some(name) => (name, true),
            None => (text, false),
        };
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(name.trim()))
            .map(|s| (s, and_above))
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of one check on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The resource meets the check.
    Pass,
    /// The resource does not.
    Fail,
    /// The check could not decide: data missing or unreadable. Never a pass.
    Error,
    /// The check failed but a mute with a reason applies.
    Muted,
}

impl Status {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Muted => "muted",
        }
    }
}

/// What a check found on one resource of one snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The check's id.
    pub check_id: String,
    /// The check's title.
    pub title: String,
    /// How bad a failure is.
    pub severity: Severity,
    /// Pass, fail, error or muted.
    pub status: Status,
    /// The resource's uid.
    pub resource_uid: String,
    /// The resource's kind.
    pub kind: String,
    /// The resource's account.
    pub account: String,
    /// The resource's region.
    pub region: String,
    /// The property values that decided the outcome, by path.
    pub evidence: Map<String, Value>,
    /// The framework controls the check maps to, as `framework:control`.
    pub controls: Vec<String>,
    /// How to fix it, rendered for this resource.
    pub remediation: String,
    /// Why the status is `error` or `muted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
