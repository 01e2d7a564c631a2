//! The export itself: which failing findings get a ticket, which tickets
//! are resolved, and what happened to each. The store remembers every
//! ticket by system and fingerprint, written as soon as the system has
//! answered, so a run that stops halfway never opens a ticket twice.

use std::collections::{BTreeMap, BTreeSet};

use plumb_model::{Finding, Severity, Status};
use plumb_store::{Store, Ticket, TicketState};

use crate::{Destination, ExportError, Resolved, System};

/// A finding's identity across snapshots: its check and its resource.
pub fn fingerprint(check_id: &str, resource_uid: &str) -> String {
    format!("{check_id}|{resource_uid}")
}

/// Which failing findings are exported.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Selection {
    /// Only failures whose risk is at least this (unscored ones count as 0).
    pub min_risk: Option<f64>,
    /// Only this severity, or at least it when the flag is true.
    pub severity: Option<(Severity, bool)>,
}

impl Selection {
    fn selects(&self, f: &Finding) -> bool {
        let risk_ok = self.min_risk.is_none_or(|min| f.risk.unwrap_or(0.0) >= min);
        let severity_ok = self.severity.is_none_or(|(s, and_above)| {
            if and_above {
                f.severity >= s
            } else {
                f.severity == s
            }
        });
        risk_ok && severity_ok
    }
}

/// Why a ticket was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The check passes on the resource now.
    Passed,
    /// The resource is no longer in the snapshot.
    ResourceGone,
}

impl Resolution {
    /// The lowercase name, as webhook events carry it.
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Passed => "passed",
            Resolution::ResourceGone => "resource_gone",
        }
    }

    /// The comment posted on the ticket.
    pub fn comment(self, snapshot: i64) -> String {
        match self {
            Resolution::Passed => format!(
                "Resolved: the check passes in Plumb snapshot {snapshot}. Closed by `plumb export`."
            ),
            Resolution::ResourceGone => format!(
                "Resolved: the resource is no longer in Plumb snapshot {snapshot}. Closed by `plumb export`."
            ),
        }
    }
}

/// What happened to one finding or ticket.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A ticket was opened (its page, when the system has one).
    Opened {
        /// Its page.
        url: String,
    },
    /// Its ticket was already open: nothing was sent.
    AlreadyOpen {
        /// Its page.
        url: String,
    },
    /// Its ticket was commented on and closed (or announced resolved).
    Resolved {
        /// Its page.
        url: String,
        /// Why.
        resolution: Resolution,
    },
    /// `--dry-run`: a ticket would be opened.
    WouldOpen,
    /// `--dry-run`: the ticket would be resolved.
    WouldResolve {
        /// Its page.
        url: String,
        /// Why.
        resolution: Resolution,
    },
    /// The system refused or could not be reached, after every retry.
    Failed {
        /// What went wrong (no credential in it).
        reason: String,
    },
}

/// One line of the export's account.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The check.
    pub check_id: String,
    /// The resource.
    pub resource_uid: String,
    /// The finding's severity, when the snapshot has the finding.
    pub severity: Option<Severity>,
    /// Its risk, when scored.
    pub risk: Option<f64>,
    /// What happened.
    pub action: Action,
}

/// The account of one export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportReport {
    /// The system.
    pub system: System,
    /// The snapshot exported.
    pub snapshot: i64,
    /// One per selected failing finding and per resolved ticket.
    pub items: Vec<Item>,
    /// With `--dry-run`: each request that would be sent, as printed.
    pub previews: Vec<String>,
}

impl ExportReport {
    /// How many items ended with this kind of action.
    pub fn count(&self, wanted: fn(&Action) -> bool) -> usize {
        self.items.iter().filter(|i| wanted(&i.action)).count()
    }

    /// Whether any export failed.
    pub fn failed(&self) -> bool {
        self.count(|a| matches!(a, Action::Failed { .. })) > 0
    }
}

fn item(f: &Finding, action: Action) -> Item {
    Item {
        check_id: f.check_id.to_string(),
        resource_uid: f.resource_uid.to_string(),
        severity: Some(f.severity),
        risk: f.risk,
        action,
    }
}

/// Exports the findings of `snapshot` to `destination`: opens a ticket
/// for each selected failure that has no open one, and resolves each open
/// ticket whose finding now passes or whose resource is gone. A finding
/// that errors, is muted, or was not evaluated this time keeps its ticket
/// open. With `dry_run` nothing is sent or stored.
pub fn export(
    store: &mut dyn Store,
    destination: &mut dyn Destination,
    snapshot: i64,
    findings: &[Finding],
    selection: &Selection,
    dry_run: bool,
) -> Result<ExportReport, ExportError> {
    let system = destination.system();
    let tickets: BTreeMap<String, Ticket> = store
        .tickets(system.as_str())?
        .into_iter()
        .map(|t| (t.fingerprint.clone(), t))
        .collect();
    let by_fingerprint: BTreeMap<String, &Finding> = findings
        .iter()
        .map(|f| (fingerprint(&f.check_id, &f.resource_uid), f))
        .collect();
    let mut report = ExportReport {
        system,
        snapshot,
        items: Vec::new(),
        previews: Vec::new(),
    };

    // New failures, and those whose ticket is already open.
    let mut to_open = Vec::new();
    for f in findings
        .iter()
        .filter(|f| f.status == Status::Fail && selection.selects(f))
    {
        match tickets.get(&fingerprint(&f.check_id, &f.resource_uid)) {
            Some(t) if t.state == TicketState::Open => report
                .items
                .push(item(f, Action::AlreadyOpen { url: t.url.clone() })),
            _ => to_open.push(f),
        }
    }

    // Open tickets whose finding stopped failing. A ticket written from a
    // newer snapshot is left alone: an older snapshot cannot resolve it.
    let open: Vec<&Ticket> = tickets
        .values()
        .filter(|t| t.state == TicketState::Open && t.snapshot_id <= snapshot)
        .filter(|t| !by_fingerprint.contains_key(&t.fingerprint))
        .collect();
    let absent: Vec<&str> = open.iter().map(|t| t.resource_uid.as_str()).collect();
    let present: BTreeSet<String> = if absent.is_empty() {
        BTreeSet::new()
    } else {
        store
            .resources_by_uid(snapshot, &absent)?
            .into_iter()
            .map(|r| r.uid)
            .collect()
    };
    let mut to_resolve = Vec::new();
    for t in tickets
        .values()
        .filter(|t| t.state == TicketState::Open && t.snapshot_id <= snapshot)
    {
        match by_fingerprint.get(&t.fingerprint) {
            Some(f) if f.status == Status::Pass => to_resolve.push(Resolved {
                ticket: t,
                resolution: Resolution::Passed,
                finding: Some(f),
            }),
            Some(_) => {}
            None if !present.contains(&t.resource_uid) => to_resolve.push(Resolved {
                ticket: t,
                resolution: Resolution::ResourceGone,
                finding: None,
            }),
            None => {}
        }
    }

    if dry_run {
        if !to_open.is_empty() {
            for r in destination.preview_open(&to_open, snapshot) {
                report.previews.push(r.preview());
            }
        }
        if !to_resolve.is_empty() {
            for r in destination.preview_resolve(&to_resolve, snapshot) {
                report.previews.push(r.preview());
            }
        }
        report
            .items
            .extend(to_open.iter().map(|f| item(f, Action::WouldOpen)));
        report
            .items
            .extend(to_resolve.iter().map(|r| resolved_item(r, true)));
        return Ok(report);
    }

    if !to_open.is_empty() {
        let results = answered(destination.open(&to_open, snapshot));
        for (f, result) in to_open.iter().zip(results) {
            let action = match result {
                Ok(opened) => {
                    store.save_ticket(&Ticket {
                        system: system.as_str().to_string(),
                        fingerprint: fingerprint(&f.check_id, &f.resource_uid),
                        check_id: f.check_id.to_string(),
                        resource_uid: f.resource_uid.to_string(),
                        ticket_id: opened.ticket_id,
                        url: opened.url.clone(),
                        state: TicketState::Open,
                        snapshot_id: snapshot,
                        updated_at: chrono::Utc::now(),
                    })?;
                    Action::Opened { url: opened.url }
                }
                Err(e) => Action::Failed {
                    reason: e.to_string(),
                },
            };
            report.items.push(item(f, action));
        }
    }
    if !to_resolve.is_empty() {
        let results = answered(destination.resolve(&to_resolve, snapshot));
        for (r, result) in to_resolve.iter().zip(results) {
            match result {
                Ok(()) => {
                    store.save_ticket(&Ticket {
                        state: TicketState::Closed,
                        snapshot_id: snapshot,
                        updated_at: chrono::Utc::now(),
                        ..r.ticket.clone()
                    })?;
                    report.items.push(resolved_item(r, false));
                }
                Err(e) => {
                    let mut it = resolved_item(r, false);
                    it.action = Action::Failed {
                        reason: e.to_string(),
                    };
                    report.items.push(it);
                }
            }
        }
    }
    Ok(report)
}

/// The results of a destination, followed by failures for any it did not
/// give, so that no finding goes unreported.
fn answered<T>(
    results: Vec<Result<T, ExportError>>,
) -> impl Iterator<Item = Result<T, ExportError>> {
    results.into_iter().chain(std::iter::repeat_with(|| {
        Err(ExportError::Batch(
            "the destination gave no result for it".into(),
        ))
    }))
}

fn resolved_item(r: &Resolved<'_>, dry_run: bool) -> Item {
    let url = r.ticket.url.clone();
    let resolution = r.resolution;
    Item {
        check_id: r.ticket.check_id.clone(),
        resource_uid: r.ticket.resource_uid.clone(),
        severity: r.finding.map(|f| f.severity),
        risk: None,
        action: if dry_run {
            Action::WouldResolve { url, resolution }
        } else {
            Action::Resolved { url, resolution }
        },
    }
}
