//! The export itself: which failing findings get a ticket, which closed
//! tickets are reopened, which tickets are resolved, and what happened to
//! each. The store remembers every ticket by system and fingerprint,
//! written as soon as the system has answered and only then, so a failure
//! is tried again by the next run. A failing finding the store has no
//! record of is first looked up in a system that keeps tickets, by the
//! fingerprint label every ticket carries, so a run that stopped halfway,
//! a create that was retried, or a new store never opens a ticket twice.

use std::collections::{BTreeMap, BTreeSet};

use plumb_model::{Finding, Severity, Status};
use plumb_store::{Store, Ticket, TicketState};
use sha2::Digest as _;

use crate::{Destination, ExportError, Found, Resolved, System, Tracker};

/// A finding's identity across snapshots: its check and its resource.
pub fn fingerprint(check_id: &str, resource_uid: &str) -> String {
    format!("{check_id}|{resource_uid}")
}

/// The label a ticket carries to be found by its fingerprint:
/// `plumb-` and 24 hex digits of the fingerprint's SHA-256. A fingerprint
/// holds ARNs, which are too long for a GitHub label (50 characters) and
/// may hold characters a Jira label cannot (spaces).
pub fn fingerprint_label(fingerprint: &str) -> String {
    let digest = sha2::Sha256::digest(fingerprint.as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("plumb-{hex}")
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
                f.severity() >= s
            } else {
                f.severity() == s
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

/// The comment posted on a ticket reopened because its finding fails
/// again.
pub(crate) fn reopen_comment(snapshot: i64) -> String {
    format!(
        "Reopened: the check fails again in Plumb snapshot {snapshot}. Reopened by `plumb export`."
    )
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
    /// The store had no record of it, but the system had an open ticket
    /// with its fingerprint label: that ticket is now recorded.
    Found {
        /// Its page.
        url: String,
    },
    /// Its closed ticket was commented on and opened again.
    Reopened {
        /// Its page.
        url: String,
    },
    /// Its ticket was closed from a newer snapshot, which an older one
    /// cannot undo: nothing was sent.
    ClosedLater {
        /// Its page.
        url: String,
        /// The snapshot that closed it.
        snapshot: i64,
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
    /// `--dry-run`: its closed ticket would be reopened.
    WouldReopen {
        /// Its page.
        url: String,
    },
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
    /// One per selected failing finding and per resolved ticket, in this
    /// order: already open (or closed later), found, reopened, opened,
    /// resolved.
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
        check_id: f.check_id().to_string(),
        resource_uid: f.resource_uid().to_string(),
        severity: Some(f.severity()),
        risk: f.risk,
        action,
    }
}

fn failed(e: impl std::fmt::Display) -> Action {
    Action::Failed {
        reason: e.to_string(),
    }
}

/// What the selected failures need, before anything is sent.
#[derive(Default)]
struct Plan<'a> {
    /// Nothing to send: their tickets are open, or were closed later.
    settled: Vec<Item>,
    /// No record: looked up in the tracker before anything is opened.
    unknown: Vec<&'a Finding>,
    /// Closed tickets of a tracker whose finding fails again.
    reopen: Vec<(&'a Finding, Ticket)>,
    /// New tickets (or, without a tracker, new announcements).
    open: Vec<&'a Finding>,
}

fn plan<'a>(
    tickets: &BTreeMap<String, Ticket>,
    findings: &'a [Finding],
    selection: &Selection,
    snapshot: i64,
    tracker: bool,
) -> Plan<'a> {
    let mut plan = Plan::default();
    for f in findings
        .iter()
        .filter(|f| f.status == Status::Fail && selection.selects(f))
    {
        match tickets.get(&fingerprint(f.check_id(), f.resource_uid())) {
            Some(t) if t.state == TicketState::Open => plan
                .settled
                .push(item(f, Action::AlreadyOpen { url: t.url.clone() })),
            // An older snapshot cannot undo what a newer one decided.
            Some(t) if t.snapshot_id > snapshot => plan.settled.push(item(
                f,
                Action::ClosedLater {
                    url: t.url.clone(),
                    snapshot: t.snapshot_id,
                },
            )),
            Some(t) if tracker => plan.reopen.push((f, t.clone())),
            Some(_) => plan.open.push(f),
            None if tracker => plan.unknown.push(f),
            None => plan.open.push(f),
        }
    }
    plan
}

/// The open tickets whose finding now passes or whose resource is gone. A
/// ticket written from a newer snapshot is left alone: an older snapshot
/// cannot resolve it.
fn to_resolve<'a>(
    store: &mut dyn Store,
    tickets: &'a BTreeMap<String, Ticket>,
    by_fingerprint: &BTreeMap<String, &'a Finding>,
    snapshot: i64,
) -> Result<Vec<Resolved<'a>>, ExportError> {
    let open: Vec<&Ticket> = tickets
        .values()
        .filter(|t| t.state == TicketState::Open && t.snapshot_id <= snapshot)
        .collect();
    let absent: Vec<&str> = open
        .iter()
        .filter(|t| !by_fingerprint.contains_key(&t.fingerprint))
        .map(|t| t.resource_uid.as_str())
        .collect();
    let present: BTreeSet<String> = if absent.is_empty() {
        BTreeSet::new()
    } else {
        store
            .resources_by_uid(snapshot, &absent)?
            .into_iter()
            .map(|r| r.uid)
            .collect()
    };
    let mut out = Vec::new();
    for t in open {
        match by_fingerprint.get(&t.fingerprint) {
            Some(f) if f.status == Status::Pass => out.push(Resolved {
                ticket: t,
                resolution: Resolution::Passed,
                finding: Some(f),
            }),
            Some(_) => {}
            None if !present.contains(&t.resource_uid) => out.push(Resolved {
                ticket: t,
                resolution: Resolution::ResourceGone,
                finding: None,
            }),
            None => {}
        }
    }
    Ok(out)
}

/// Exports the findings of `snapshot` to `destination`: opens a ticket
/// for each selected failure that has none, reopens the closed ticket of
/// one that fails again (in a system that keeps tickets), and resolves
/// each open ticket whose finding now passes or whose resource is gone. A
/// finding that errors, is muted, or was not evaluated this time keeps
/// its ticket open. With `dry_run` nothing is sent or stored (and nothing
/// is looked up). The store is written only for what the system accepted;
/// each failure is an item of the report.
pub fn export(
    store: &mut dyn Store,
    destination: &dyn Destination,
    snapshot: i64,
    findings: &[Finding],
    selection: &Selection,
    dry_run: bool,
) -> Result<ExportReport, ExportError> {
    let system = destination.system();
    let tracker = destination.tracker();
    let tickets: BTreeMap<String, Ticket> = store
        .tickets(system.as_str())?
        .into_iter()
        .map(|t| (t.fingerprint.clone(), t))
        .collect();
    let by_fingerprint: BTreeMap<String, &Finding> = findings
        .iter()
        .map(|f| (fingerprint(f.check_id(), f.resource_uid()), f))
        .collect();
    let mut plan = plan(&tickets, findings, selection, snapshot, tracker.is_some());
    let resolve = to_resolve(store, &tickets, &by_fingerprint, snapshot)?;
    let mut report = ExportReport {
        system,
        snapshot,
        items: std::mem::take(&mut plan.settled),
        previews: Vec::new(),
    };

    if dry_run {
        // Nothing is looked up: a finding without a record would be opened.
        let mut open = std::mem::take(&mut plan.unknown);
        open.append(&mut plan.open);
        let mut previews = Vec::new();
        if let Some(tracker) = tracker {
            for (_, t) in &plan.reopen {
                previews.extend(tracker.preview_reopen(&t.ticket_id, snapshot));
            }
        }
        if !open.is_empty() {
            previews.extend(destination.preview_open_all(&open, snapshot));
        }
        if !resolve.is_empty() {
            previews.extend(destination.preview_resolve_all(&resolve, snapshot));
        }
        report.previews = previews.iter().map(|r| r.preview()).collect();
        report.items.extend(
            plan.reopen
                .iter()
                .map(|(f, t)| item(f, Action::WouldReopen { url: t.url.clone() })),
        );
        report
            .items
            .extend(open.iter().map(|f| item(f, Action::WouldOpen)));
        report
            .items
            .extend(resolve.iter().map(|r| resolved_item(r, true)));
        return Ok(report);
    }

    let mut flow = Flow {
        store,
        system,
        snapshot,
        report,
    };
    if let Some(tracker) = tracker {
        flow.look_up(tracker, &mut plan);
        flow.reopen(tracker, &plan.reopen);
    }
    flow.open(destination, &plan.open);
    flow.resolve(destination, &resolve);
    Ok(flow.report)
}

/// The sending half of an export: what it writes and what it reports.
struct Flow<'s> {
    store: &'s mut dyn Store,
    system: System,
    snapshot: i64,
    report: ExportReport,
}

impl Flow<'_> {
    /// Records `ticket` and gives `done`; when the store cannot record it,
    /// a failure that says what the system holds.
    fn record(&mut self, ticket: Ticket, done: Action) -> Action {
        match self.store.save_ticket(&ticket) {
            Ok(()) => done,
            Err(e) => {
                let what = match (ticket.url.as_str(), ticket.ticket_id.as_str()) {
                    ("", "") => "it was sent".to_string(),
                    ("", id) => format!("its ticket {id} is {}", ticket.state.as_str()),
                    (url, _) => format!("its ticket {url} is {}", ticket.state.as_str()),
                };
                failed(format!(
                    "{what} in {}, but the store could not record it: {e}",
                    self.system
                ))
            }
        }
    }

    fn ticket(&self, f: &Finding, ticket_id: String, url: String, state: TicketState) -> Ticket {
        Ticket {
            system: self.system.as_str().to_string(),
            fingerprint: fingerprint(f.check_id(), f.resource_uid()),
            check_id: f.check_id().to_string(),
            resource_uid: f.resource_uid().to_string(),
            ticket_id,
            url,
            state,
            snapshot_id: self.snapshot,
            updated_at: chrono::Utc::now(),
        }
    }

    /// Looks up each finding the store has no record of: an open ticket is
    /// recorded, a closed one reopened, and only when there is none is one
    /// opened. A failed lookup opens nothing, so as not to open it twice.
    fn look_up<'a>(&mut self, tracker: &dyn Tracker, plan: &mut Plan<'a>) {
        for f in std::mem::take(&mut plan.unknown) {
            match tracker.find(f) {
                Ok(None) => plan.open.push(f),
                Ok(Some(Found {
                    ticket_id,
                    url,
                    open: true,
                })) => {
                    let ticket = self.ticket(f, ticket_id, url.clone(), TicketState::Open);
                    let action = self.record(ticket, Action::Found { url });
                    self.report.items.push(item(f, action));
                }
                Ok(Some(Found { ticket_id, url, .. })) => {
                    let ticket = self.ticket(f, ticket_id, url, TicketState::Closed);
                    plan.reopen.push((f, ticket));
                }
                Err(e) => self.report.items.push(item(
                    f,
                    failed(format!(
                        "not opened, as looking up its ticket failed (the next run looks again): {e}"
                    )),
                )),
            }
        }
    }

    fn reopen(&mut self, tracker: &dyn Tracker, reopen: &[(&Finding, Ticket)]) {
        for (f, t) in reopen {
            let action = match tracker.reopen(&t.ticket_id, self.snapshot) {
                Ok(()) => {
                    let ticket = Ticket {
                        state: TicketState::Open,
                        snapshot_id: self.snapshot,
                        updated_at: chrono::Utc::now(),
                        ..t.clone()
                    };
                    self.record(ticket, Action::Reopened { url: t.url.clone() })
                }
                Err(e) => failed(e),
            };
            self.report.items.push(item(f, action));
        }
    }

    fn open(&mut self, destination: &dyn Destination, open: &[&Finding]) {
        if open.is_empty() {
            return;
        }
        let results = answered(destination.open_all(open, self.snapshot));
        for (f, result) in open.iter().zip(results) {
            let action = match result {
                Ok(opened) => {
                    let ticket =
                        self.ticket(f, opened.ticket_id, opened.url.clone(), TicketState::Open);
                    self.record(ticket, Action::Opened { url: opened.url })
                }
                Err(e) => failed(e),
            };
            self.report.items.push(item(f, action));
        }
    }

    fn resolve(&mut self, destination: &dyn Destination, resolve: &[Resolved<'_>]) {
        if resolve.is_empty() {
            return;
        }
        let results = answered(destination.resolve_all(resolve, self.snapshot));
        for (r, result) in resolve.iter().zip(results) {
            let mut it = resolved_item(r, false);
            match result {
                Ok(()) => {
                    let ticket = Ticket {
                        state: TicketState::Closed,
                        snapshot_id: self.snapshot,
                        updated_at: chrono::Utc::now(),
                        ..r.ticket.clone()
                    };
                    it.action = self.record(ticket, it.action);
                }
                Err(e) => it.action = failed(e),
            }
            self.report.items.push(it);
        }
    }
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
        severity: r.finding.map(|f| f.severity()),
        risk: None,
        action: if dry_run {
            Action::WouldResolve { url, resolution }
        } else {
            Action::Resolved { url, resolution }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_label_is_short_stable_and_label_safe() {
        let label = fingerprint_label("s3_bucket_public_access_blocked|arn:aws:s3:::a b");
        assert_eq!(label.len(), "plumb-".len() + 24);
        assert!(label.starts_with("plumb-"));
        assert!(label[6..].chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(
            label,
            fingerprint_label("s3_bucket_public_access_blocked|arn:aws:s3:::a b")
        );
        assert_ne!(
            label,
            fingerprint_label("s3_bucket_public_access_blocked|arn:aws:s3:::a")
        );
    }
}
