//! `plumb collect`: run the collector, store the snapshot, summarise.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use plumb_aws::{AccountChoice, CollectOptions, Progress, RegionChoice};
use plumb_model::{Coverage, CoverageStatus, Snapshot};
use serde_json::json;

use crate::cli::{CollectArgs, Format, ScopeArgs};
use crate::output;
use crate::{Outcome, UsageError};

/// Shows units done out of units planned on stderr (hidden when stderr is
/// not a terminal).
struct Bar(ProgressBar);

impl Progress for Bar {
    fn planned(&self, units: usize) {
        self.0.set_length(units as u64);
        self.0.set_message("collecting");
    }

    fn finished(&self, c: &Coverage) {
        self.0
            .set_message(format!("{} {} {}", c.account, c.region, c.service));
        if c.status == CoverageStatus::Error {
            self.0.println(format!(
                "  ! {} {} {}: {}",
                c.account,
                c.region,
                c.service,
                c.error.as_deref().unwrap_or("failed")
            ));
        }
        self.0.inc(1);
    }
}

fn options(args: &ScopeArgs) -> Result<CollectOptions, UsageError> {
    let regions = if args.regions.iter().any(|r| r.eq_ignore_ascii_case("all")) {
        if args.regions.len() > 1 {
            return Err(UsageError(
                "--regions takes `all` or a list of regions, not both".into(),
            ));
        }
        RegionChoice::All
    } else {
        let mut list: Vec<String> = args
            .regions
            .iter()
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        for r in &list {
            if !r
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                || !r.contains('-')
            {
                return Err(UsageError(format!(
                    "`{r}` is not a region name (e.g. eu-west-1)"
                )));
            }
        }
        list.sort();
        list.dedup();
        RegionChoice::List(list)
    };
    let accounts = match (&args.assume_role, &args.accounts, args.org) {
        (None, _, _) => AccountChoice::Caller,
        (Some(role), Some(accounts), false) => {
            for a in accounts {
                if a.len() != 12 || !a.chars().all(|c| c.is_ascii_digit()) {
                    return Err(UsageError(format!(
                        "`{a}` is not an AWS account id (12 digits)"
                    )));
                }
            }
            AccountChoice::AssumeRole {
                role_name: role.clone(),
                accounts: accounts.clone(),
            }
        }
        (Some(role), None, true) => AccountChoice::Organization {
            role_name: role.clone(),
        },
        (Some(_), _, _) => {
            return Err(UsageError(
                "--assume-role needs --accounts LIST or --org".into(),
            ));
        }
    };
    Ok(CollectOptions {
        profile: args.profile.clone(),
        endpoint_url: args.endpoint_url.clone(),
        home_region: args.region.clone(),
        regions,
        services: args.services.clone(),
        accounts,
        concurrency: args.concurrency as usize,
        max_attempts: args.max_attempts,
        static_keys: None,
    })
}

/// Runs `plumb collect`.
pub fn run(db: &str, args: CollectArgs) -> anyhow::Result<Outcome> {
    let (id, snapshot, location) = collect(db, &args.scope)?;
    let complete = snapshot.is_complete();
    summarise(&snapshot, id, &location, args.format)?;
    Ok(if complete {
        Outcome::Done
    } else {
        Outcome::Partial
    })
}

/// Collects and stores a snapshot; returns its id, the snapshot and where
/// it was written.
pub fn collect(db: &str, args: &ScopeArgs) -> anyhow::Result<(i64, Snapshot, String)> {
    let options = options(args)?;
    plumb_aws::select_services(options.services.as_deref())?;
    // Open the store first: a bad --db fails before minutes of collection.
    let mut store = plumb_store::open(db).with_context(|| format!("cannot open the store {db}"))?;

    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} units  {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress = Arc::new(Bar(bar.clone()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let snapshot = runtime.block_on(plumb_aws::collect(&options, progress))?;
    bar.finish_and_clear();

    let id = store
        .save_snapshot(&snapshot)
        .with_context(|| format!("cannot write the snapshot to {}", store.location()))?;
    Ok((id, snapshot, store.location()))
}

fn summarise(snapshot: &Snapshot, id: i64, location: &str, format: Format) -> anyhow::Result<()> {
    let api_calls: u64 = snapshot.coverage.iter().map(|c| c.api_calls).sum();
    let failed: Vec<&Coverage> = snapshot
        .coverage
        .iter()
        .filter(|c| c.status == CoverageStatus::Error)
        .collect();
    let partial: u64 = snapshot.coverage.iter().map(|c| c.partial_resources).sum();
    let seconds = (snapshot.finished_at - snapshot.started_at).num_milliseconds() as f64 / 1000.0;
    let mut per_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &snapshot.resources {
        *per_kind.entry(r.kind.as_str()).or_default() += 1;
    }
    if format == Format::Json {
        return output::json(&json!({
            "snapshot": id,
            "store": location,
            "complete": snapshot.is_complete(),
            "started_at": snapshot.started_at,
            "finished_at": snapshot.finished_at,
            "accounts": snapshot.scope.accounts,
            "regions": snapshot.scope.regions,
            "units": snapshot.coverage.len(),
            "failed_units": failed,
            "partial_resources": partial,
            "resources": snapshot.resources.len(),
            "edges": snapshot.edges.len(),
            "api_calls": api_calls,
            "kinds": per_kind,
        }));
    }
    output::line(format!("Snapshot {id} written to {location}"))?;
    output::line(format!(
        "{} account(s), {} region(s), {} unit(s): {} resources, {} edges, {} API calls in {:.1}s",
        snapshot.scope.accounts.len(),
        snapshot.scope.regions.len(),
        snapshot.coverage.len(),
        snapshot.resources.len(),
        snapshot.edges.len(),
        api_calls,
        seconds
    ))?;
    let mut t = output::table(&["KIND", "RESOURCES"]);
    for (kind, n) in &per_kind {
        t.add_row(vec![kind.to_string(), n.to_string()]);
    }
    output::print(&t)?;
    if failed.is_empty() && partial == 0 {
        output::line("Coverage: complete.")?;
        return Ok(());
    }
    output::line(format!(
        "Coverage: PARTIAL. {} unit(s) failed, {} resource(s) with unread settings (see `plumb snapshots` and `_errors` in props).",
        failed.len(),
        partial
    ))?;
    if !failed.is_empty() {
        let mut t = output::table(&[
            "ACCOUNT",
            "REGION",
            "SERVICE",
            "ERROR",
            "MISSING PERMISSION",
        ]);
        for c in failed {
            t.add_row(vec![
                c.account.clone(),
                c.region.clone(),
                c.service.clone(),
                c.error.clone().unwrap_or_default(),
                c.missing_permission.clone().unwrap_or_default(),
            ]);
        }
        output::print(&t)?;
    }
    Ok(())
}
