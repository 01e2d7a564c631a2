//! `plumb export`: the stored findings of a snapshot sent to GitHub, Jira,
//! Slack or a webhook by plumb-export, with one line per finding saying
//! what happened (a failure with the system's status and answer, redacted).

use std::path::Path;

use anyhow::Context as _;
use plumb_export::{Action, ConfigError, ExportConfig, Item, RetryPolicy, Selection, System};
use plumb_store::SnapshotRef;

use crate::cli::{ExportArgs, ExportTarget};
use crate::compliance::severity;
use crate::output;
use crate::{Outcome, UsageError};

fn system(target: ExportTarget) -> System {
    match target {
        ExportTarget::Github => System::Github,
        ExportTarget::Jira => System::Jira,
        ExportTarget::Slack => System::Slack,
        ExportTarget::Webhook => System::Webhook,
    }
}

/// The `[export.*]` sections of `--config`, or of ./plumb.toml when there
/// is one. The text and the permissions come from one open file, so that
/// a credential written in it is used only when the file is private.
fn config(path: Option<&Path>) -> anyhow::Result<ExportConfig> {
    let (path, required) = match path {
        Some(p) => (p, true),
        None => (Path::new("plumb.toml"), false),
    };
    match ExportConfig::load(path) {
        Ok(config) => Ok(config),
        Err(ConfigError::Read { source, .. })
            if !required && source.kind() == std::io::ErrorKind::NotFound =>
        {
            Ok(ExportConfig::without_file())
        }
        Err(e) => Err(UsageError(e.to_string()).into()),
    }
}

/// `plumb export`.
pub fn run(db: &str, args: ExportArgs) -> anyhow::Result<Outcome> {
    let reference: SnapshotRef = args.snapshot.parse().map_err(UsageError)?;
    if let Some(min) = args.min_risk {
        if !(0.0..=100.0).contains(&min) {
            return Err(UsageError(format!("--min-risk {min}: a risk is 0 to 100")).into());
        }
    }
    let selection = Selection {
        min_risk: args.min_risk,
        severity: args
            .severity
            .as_deref()
            .map(|s| severity(s, "--severity"))
            .transpose()?,
    };
    let config = config(args.config.as_deref())?;
    let system = system(args.to);
    let retry = RetryPolicy {
        max_attempts: args.max_attempts,
        ..RetryPolicy::default()
    };
    let mut destination = plumb_export::destination(
        system,
        &config,
        &|name| std::env::var(name).ok(),
        retry,
        args.dry_run,
    )
    .map_err(|e| -> anyhow::Error {
        if e.is_usage() {
            UsageError(e.to_string()).into()
        } else {
            e.into()
        }
    })?;

    let mut store = plumb_store::open(db).with_context(|| format!("cannot open the store {db}"))?;
    let id = store.resolve(reference)?;
    let findings = store.findings(id)?;
    if findings.is_empty() {
        return Err(UsageError(format!(
            "snapshot {id} has no stored findings: run `plumb check --snapshot {id}` first"
        ))
        .into());
    }
    let report = plumb_export::export(
        store.as_mut(),
        destination.as_mut(),
        id,
        &findings,
        &selection,
        args.dry_run,
    )?;

    for preview in &report.previews {
        output::line(format!("would send {preview}\n"))?;
    }
    for item in &report.items {
        output::line(line(system, item))?;
    }
    let count = |wanted: fn(&Action) -> bool| report.count(wanted);
    output::line(format!(
        "{system}, snapshot {id}: {} opened, {} reopened, {} resolved, {} already open, {} failed{}",
        count(|a| matches!(a, Action::Opened { .. } | Action::WouldOpen)),
        count(|a| matches!(a, Action::Reopened { .. } | Action::WouldReopen { .. })),
        count(|a| matches!(a, Action::Resolved { .. } | Action::WouldResolve { .. })),
        count(|a| matches!(a, Action::AlreadyOpen { .. } | Action::Found { .. })),
        count(|a| matches!(a, Action::Failed { .. })),
        if args.dry_run {
            " (dry run: nothing sent)"
        } else {
            ""
        }
    ))?;
    Ok(if report.failed() {
        Outcome::ExportFailed
    } else {
        Outcome::Done
    })
}

/// One finding's line: what happened, the finding, and where or why.
fn line(system: System, item: &Item) -> String {
    let place = |url: &str| {
        if !url.is_empty() {
            url.to_string()
        } else if system == System::Slack {
            "posted to Slack".to_string()
        } else {
            "event sent".to_string()
        }
    };
    let (what, detail) = match &item.action {
        Action::Opened { url } => ("opened", place(url)),
        Action::AlreadyOpen { url } => ("already open", place(url)),
        Action::Found { url } => (
            "found open",
            format!("{} (by its fingerprint label; now recorded)", place(url)),
        ),
        Action::Reopened { url } => (
            "reopened",
            format!("{} (commented and reopened)", place(url)),
        ),
        Action::ClosedLater { url, snapshot } => (
            "left closed",
            format!("{} (closed from the newer snapshot {snapshot})", place(url)),
        ),
        Action::Resolved { url, resolution } => (
            "resolved",
            format!(
                "{} (commented and closed: {})",
                place(url),
                resolution.as_str()
            ),
        ),
        Action::WouldOpen => ("would open", String::new()),
        Action::WouldReopen { url } => ("would reopen", place(url)),
        Action::WouldResolve { url, resolution } => (
            "would resolve",
            format!("{} ({})", place(url), resolution.as_str()),
        ),
        Action::Failed { reason } => ("FAILED", reason.clone()),
    };
    let severity = item.severity.map(|s| s.as_str()).unwrap_or("-");
    format!(
        "{what:<13} {severity:<8} {} {}  {detail}",
        item.check_id, item.resource_uid
    )
    .trim_end()
    .to_string()
}
