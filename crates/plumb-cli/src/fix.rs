//! `plumb fix plan | apply | log`: automated fixes, planned from a stored
//! snapshot's failures, applied only when asked, verified by collecting the
//! resources again, and every action written to the store's audit log.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use plumb_aws::fix;
use plumb_aws::{AccountChoice, CollectOptions, RegionChoice, SilentProgress};
use plumb_checks::helpers::wildcard_match;
use plumb_model::{Finding, Status};
use plumb_store::{FixLogEntry, SnapshotRef};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::cli::{FixApplyArgs, FixPlanArgs, Format};
use crate::output;
use crate::{Outcome, UsageError};

/// The version of the plan file's layout.
const PLAN_VERSION: u32 = 1;

/// What `fix plan` writes and `fix apply` reads.
#[derive(Debug, Serialize, Deserialize)]
struct Plan {
    plumb_fix_plan: u32,
    snapshot: i64,
    created_at: chrono::DateTime<chrono::Utc>,
    items: Vec<Item>,
}

/// One fix of one resource.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Item {
    fix: String,
    checks: Vec<String>,
    resource_uid: String,
    kind: String,
    account: String,
    region: String,
    disruptive: bool,
    summary: String,
    actions: Vec<String>,
    /// What each check saw in the snapshot: the plan holds only while the
    /// resource still looks like this.
    evidence: BTreeMap<String, Value>,
}

fn glob_any(patterns: &[String], value: &str) -> bool {
    patterns.is_empty() || patterns.iter().any(|p| wildcard_match(p, value))
}

/// `plumb fix plan`.
pub fn plan(db: &str, args: FixPlanArgs) -> anyhow::Result<Outcome> {
    let reference: SnapshotRef = args.snapshot.parse().map_err(UsageError)?;
    let min = match &args.severity {
        Some(s) => Some(crate::compliance::severity(s, "--severity")?),
        None => None,
    };
    let mut store = plumb_store::open(db).with_context(|| format!("cannot open the store {db}"))?;
    let id = store.resolve(reference)?;
    let findings = store.findings(id)?;
    if findings.is_empty() {
        return Err(UsageError(format!(
            "snapshot {id} has no stored findings: run `plumb check --snapshot {id}` first"
        ))
        .into());
    }
    let mut items: BTreeMap<(&'static str, String), Item> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.status == Status::Fail) {
        let Some(fix) = fix::for_check(f.check_id()) else {
            continue;
        };
        let wanted = glob_any(&args.checks, f.check_id())
            && glob_any(&args.resources, f.resource_uid())
            && match min {
                Some((sev, true)) => f.severity() >= sev,
                Some((sev, false)) => f.severity() == sev,
                None => true,
            };
        if !wanted {
            continue;
        }
        let item = items
            .entry((fix.id, f.resource_uid().to_string()))
            .or_insert_with(|| Item {
                fix: fix.id.into(),
                checks: Vec::new(),
                resource_uid: f.resource_uid().to_string(),
                kind: f.kind().to_string(),
                account: f.account().to_string(),
                region: f.region().to_string(),
                disruptive: fix.disruptive,
                summary: fix.summary.into(),
                actions: fix.actions.iter().map(|a| a.to_string()).collect(),
                evidence: BTreeMap::new(),
            });
        item.checks.push(f.check_id().to_string());
        item.evidence
            .insert(f.check_id().to_string(), Value::Object(f.evidence.values()));
    }
    let plan = Plan {
        plumb_fix_plan: PLAN_VERSION,
        snapshot: id,
        created_at: chrono::Utc::now(),
        items: items.into_values().collect(),
    };
    if let Some(path) = &args.output {
        std::fs::write(path, serde_json::to_string_pretty(&plan)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!(
            "Plan of {} fixes written to {}; nothing was changed. Apply it with `plumb fix apply {}`.",
            plan.items.len(),
            path.display(),
            path.display()
        );
    }
    if args.format == Format::Json {
        if args.output.is_none() {
            output::json(&plan)?;
        }
        return Ok(Outcome::Done);
    }
    let mut t = output::table(&["FIX", "RESOURCE", "CHECKS", "DISRUPTIVE", "WHAT IT DOES"]);
    for i in &plan.items {
        t.add_row(vec![
            i.fix.clone(),
            i.resource_uid.clone(),
            i.checks.join("\n"),
            if i.disruptive { "yes" } else { "no" }.to_string(),
            i.summary.clone(),
        ]);
    }
    output::line(format!(
        "{} fixes for the failures of snapshot {id} (nothing is changed until `plumb fix apply`):",
        plan.items.len()
    ))?;
    output::print(&t)?;
    Ok(Outcome::Done)
}

fn read_plan(path: &Path) -> anyhow::Result<Plan> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    let plan: Plan = serde_json::from_str(&text).map_err(|e| {
        UsageError(format!(
            "{}:{}:{}: not a plan of `plumb fix plan`: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    if plan.plumb_fix_plan != PLAN_VERSION {
        return Err(UsageError(format!(
            "{}: plan version {} is not {PLAN_VERSION}; make the plan again",
            path.display(),
            plan.plumb_fix_plan
        ))
        .into());
    }
    for item in &plan.items {
        if fix::FIXES.iter().all(|f| f.id != item.fix) {
            return Err(
                UsageError(format!("{}: unknown fix `{}`", path.display(), item.fix)).into(),
            );
        }
    }
    Ok(plan)
}

/// What happened to one item.
#[derive(Debug, Serialize)]
struct Applied {
    fix: String,
    resource_uid: String,
    outcome: &'static str,
    detail: Option<String>,
}

/// `plumb fix apply`.
pub fn apply(db: &str, args: FixApplyArgs) -> anyhow::Result<Outcome> {
    let plan = read_plan(&args.plan)?;
    let library = crate::compliance::library(&[])?;
    if !args.yes {
        for i in &plan.items {
            eprintln!(
                "would apply {} to {}{}",
                i.fix,
                i.resource_uid,
                if i.disruptive && !args.allow_disruptive {
                    " (disruptive: skipped without --allow-disruptive)"
                } else {
                    ""
                }
            );
        }
        return Err(
            UsageError("nothing was changed: add --yes to apply these fixes".to_string()).into(),
        );
    }
    let mut store = plumb_store::open(db).with_context(|| format!("cannot open the store {db}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let config = runtime.block_on(plumb_aws::load_sdk_config(
        args.profile.as_deref(),
        args.endpoint_url.as_deref(),
        args.region.as_deref(),
        None,
        8,
    ));
    let principal = runtime
        .block_on(fix::principal(&config))
        .context("cannot tell who is applying the fixes (sts:GetCallerIdentity)")?;

    // The checks of the plan, on the resources as they are now.
    let checks: BTreeSet<&str> = plan
        .items
        .iter()
        .flat_map(|i| i.checks.iter().map(String::as_str))
        .collect();
    let checks: Vec<&plumb_checks::Check> =
        checks.iter().filter_map(|id| library.check(id)).collect();
    let options = collect_options(&plan, &args);
    let before = runtime.block_on(plumb_aws::collect(&options, Arc::new(SilentProgress)))?;
    let first = plumb_checks::evaluate(&checks, &before);
    let now = findings_by(&first);

    let mut results = Vec::new();
    let mut applied = Vec::new();
    for item in &plan.items {
        let skip = |detail: String| Applied {
            fix: item.fix.clone(),
            resource_uid: item.resource_uid.clone(),
            outcome: "skipped",
            detail: Some(detail),
        };
        let Some(fix) = fix::FIXES.iter().find(|f| f.id == item.fix) else {
            continue;
        };
        let Some(resource) = before.resources.iter().find(|r| r.uid == item.resource_uid) else {
            results.push(skip("the resource no longer exists".into()));
            continue;
        };
        let seen: Vec<Option<&Finding>> = item
            .checks
            .iter()
            .map(|c| now.get(&(c.as_str(), item.resource_uid.as_str())).copied())
            .collect();
        if seen
            .iter()
            .all(|f| f.is_some_and(|f| f.status == Status::Pass))
        {
            results.push(skip("its checks already pass".into()));
            continue;
        }
        let changed = item.checks.iter().zip(&seen).any(|(check, f)| {
            f.is_none_or(|f| Some(&Value::Object(f.evidence.values())) != item.evidence.get(check))
        });
        if changed {
            results.push(skip(format!(
                "the resource changed since the plan was made on snapshot {}; make the plan again",
                plan.snapshot
            )));
            continue;
        }
        if fix.disruptive && !args.allow_disruptive {
            results.push(skip(
                "may disrupt workloads: apply it with --allow-disruptive".into(),
            ));
            continue;
        }
        let mut entry = FixLogEntry {
            at: chrono::Utc::now(),
            principal: principal.clone(),
            fix: item.fix.clone(),
            checks: item.checks.clone(),
            resource_uid: item.resource_uid.clone(),
            snapshot: plan.snapshot,
            outcome: "applying".into(),
            detail: None,
            before: json!(item.evidence),
            after: None,
        };
        let log_id = store.append_fix_log(&entry)?;
        match runtime.block_on(fix::apply(&config, fix, resource)) {
            Ok(()) => applied.push((item, log_id, entry)),
            Err(e) => {
                // A fix that declined changed nothing: a skip, with its
                // reason. Anything else is a failure; the plan's other
                // fixes still run.
                let outcome = match e {
                    fix::FixError::Declined(_) => "skipped",
                    _ => "failed",
                };
                entry.outcome = outcome.into();
                entry.detail = Some(e.to_string());
                store.update_fix_log(log_id, &entry)?;
                results.push(Applied {
                    fix: item.fix.clone(),
                    resource_uid: item.resource_uid.clone(),
                    outcome,
                    detail: Some(e.to_string()),
                });
            }
        }
    }

    // Verify: collect again and run the checks (or, for a fix that removes
    // its resource, see that it is gone from a complete collection).
    if !applied.is_empty() {
        let after = runtime.block_on(plumb_aws::collect(&options, Arc::new(SilentProgress)));
        let after = match after {
            Ok(after) => after,
            Err(e) => {
                // The changes were made: record each as unverified rather
                // than leave its log entry `applying`.
                let detail = format!("applied, but not verified: collecting again failed: {e:#}");
                for (item, log_id, mut entry) in applied {
                    entry.outcome = "failed".into();
                    entry.detail = Some(detail.clone());
                    store.update_fix_log(log_id, &entry)?;
                    results.push(Applied {
                        fix: item.fix.clone(),
                        resource_uid: item.resource_uid.clone(),
                        outcome: "failed",
                        detail: Some(detail.clone()),
                    });
                }
                return report(&results, args.format);
            }
        };
        let found = plumb_checks::evaluate(&checks, &after);
        let now = findings_by(&found);
        for (item, log_id, mut entry) in applied {
            let (outcome, detail) = verify(item, &now, &after, &mut entry);
            entry.outcome = outcome.into();
            entry.detail = detail.clone();
            store.update_fix_log(log_id, &entry)?;
            results.push(Applied {
                fix: item.fix.clone(),
                resource_uid: item.resource_uid.clone(),
                outcome,
                detail,
            });
        }
    }
    report(&results, args.format)
}

/// What collecting again says of one applied item: `fixed`, or `failed`
/// with what still fails; the entry's `after` records what was seen.
fn verify(
    item: &Item,
    now: &BTreeMap<(&str, &str), &Finding>,
    after: &plumb_model::Snapshot,
    entry: &mut FixLogEntry,
) -> (&'static str, Option<String>) {
    let removes = fix::FIXES
        .iter()
        .any(|f| f.id == item.fix && f.removes_resource);
    if removes {
        entry.after = Some(json!({"resource": Value::Null}));
        return match removal(item, after) {
            Ok(()) => ("fixed", None),
            Err(why) => ("failed", Some(format!("applied, but {why}"))),
        };
    }
    let verdicts: Vec<(String, Option<&Finding>)> = item
        .checks
        .iter()
        .map(|c| {
            (
                c.clone(),
                now.get(&(c.as_str(), item.resource_uid.as_str())).copied(),
            )
        })
        .collect();
    let still: Vec<String> = verdicts
        .iter()
        .filter(|(_, f)| f.is_none_or(|f| f.status != Status::Pass))
        .map(|(c, f)| match f {
            Some(f) => format!("{c} is {}", f.status.as_str()),
            None => format!("{c} was not evaluated"),
        })
        .collect();
    entry.after = Some(json!(verdicts
        .iter()
        .map(|(c, f)| (c.clone(), f.map(|f| Value::Object(f.evidence.values()))))
        .collect::<BTreeMap<_, _>>()));
    if still.is_empty() {
        ("fixed", None)
    } else {
        ("failed", Some(format!("applied, but {}", still.join(", "))))
    }
}

/// Whether a fix that removes its resource did: the resource is absent
/// from a collection of its account, region and service that had no error
/// (a failed list call would also leave it out).
fn removal(item: &Item, after: &plumb_model::Snapshot) -> Result<(), String> {
    if after.resources.iter().any(|r| r.uid == item.resource_uid) {
        return Err("the resource still exists".into());
    }
    let service = plumb_model::kinds::find(&item.kind).map(|k| k.service);
    let unit = after.coverage.iter().find(|c| {
        Some(c.service.as_str()) == service
            && c.account == item.account
            && (c.region == item.region || c.region == "global")
    });
    match unit {
        Some(c) if c.status == plumb_model::CoverageStatus::Ok => Ok(()),
        Some(c) => Err(format!(
            "its absence is not proof: collecting {} failed ({})",
            c.service,
            c.error.as_deref().unwrap_or("no detail")
        )),
        None => Err("its absence is not proof: its service was not collected".into()),
    }
}

/// Prints what happened to each item; exits 3 when one failed.
fn report(results: &[Applied], format: Format) -> anyhow::Result<Outcome> {
    let failed = results.iter().any(|r| r.outcome == "failed");
    if format == Format::Json {
        output::json(&results)?;
    } else {
        let mut t = output::table(&["FIX", "RESOURCE", "OUTCOME", "DETAIL"]);
        for r in results {
            t.add_row(vec![
                r.fix.clone(),
                r.resource_uid.clone(),
                r.outcome.to_string(),
                r.detail.clone().unwrap_or_default(),
            ]);
        }
        output::print(&t)?;
    }
    Ok(if failed {
        Outcome::Failing
    } else {
        Outcome::Done
    })
}

fn findings_by(findings: &[Finding]) -> BTreeMap<(&str, &str), &Finding> {
    findings
        .iter()
        .map(|f| ((f.check_id(), f.resource_uid()), f))
        .collect()
}

/// A collection of just the services and regions of the plan.
fn collect_options(plan: &Plan, args: &FixApplyArgs) -> CollectOptions {
    let mut services = BTreeSet::new();
    let mut regions = BTreeSet::new();
    for i in &plan.items {
        if let Some(kind) = plumb_model::kinds::find(&i.kind) {
            services.insert(kind.service.to_string());
        }
        if i.region != "global" && !i.region.is_empty() {
            regions.insert(i.region.clone());
        }
    }
    if regions.is_empty() {
        regions.insert(args.region.clone().unwrap_or_else(|| "us-east-1".into()));
    }
    CollectOptions {
        profile: args.profile.clone(),
        endpoint_url: args.endpoint_url.clone(),
        home_region: args.region.clone(),
        regions: RegionChoice::List(regions.into_iter().collect()),
        services: Some(services.into_iter().collect()),
        accounts: AccountChoice::Caller,
        ..CollectOptions::default()
    }
}

/// `plumb fix log`.
pub fn log(db: &str, format: Format) -> anyhow::Result<Outcome> {
    let mut store = plumb_store::open(db).with_context(|| format!("cannot open the store {db}"))?;
    let log = store.fix_log()?;
    if format == Format::Json {
        let entries: Vec<Value> = log
            .iter()
            .map(|(id, e)| {
                let mut v = json!(e);
                v["id"] = json!(id);
                v
            })
            .collect();
        output::json(&entries)?;
        return Ok(Outcome::Done);
    }
    let mut t = output::table(&["ID", "WHEN", "WHO", "FIX", "RESOURCE", "OUTCOME", "DETAIL"]);
    for (id, e) in &log {
        t.add_row(vec![
            id.to_string(),
            e.at.format("%Y-%m-%d %H:%M:%SZ").to_string(),
            e.principal.clone(),
            e.fix.clone(),
            e.resource_uid.clone(),
            e.outcome.clone(),
            e.detail.clone().unwrap_or_default(),
        ]);
    }
    output::print(&t)?;
    Ok(Outcome::Done)
}
