//! Reading the store: snapshots, resources, kinds and permissions.

use std::collections::BTreeMap;

use anyhow::Context;
use plumb_model::{Edge, Resource, SnapshotSummary};
use plumb_store::{ResourceFilter, SnapshotRef, Store};
use serde_json::{json, Value};

use crate::cli::{Format, InventoryCommand, KindsArgs, SnapshotArgs};
use crate::output;
use crate::{Outcome, UsageError};

fn open(db: &str) -> anyhow::Result<Box<dyn Store>> {
    plumb_store::open(db).with_context(|| format!("cannot open the store {db}"))
}

fn snapshot_ref(text: &str) -> Result<SnapshotRef, UsageError> {
    text.parse().map_err(UsageError)
}

fn snapshot_json(s: &SnapshotSummary) -> Value {
    json!({
        "id": s.id,
        "started_at": s.started_at,
        "finished_at": s.finished_at,
        "complete": s.is_complete(),
        "scope": s.scope,
        "resources": s.resources,
        "edges": s.edges,
        "coverage": s.coverage,
    })
}

/// `plumb snapshots`.
pub fn snapshots(db: &str, format: Format) -> anyhow::Result<Outcome> {
    let list = open(db)?.snapshots()?;
    if format == Format::Json {
        output::json(&list.iter().map(snapshot_json).collect::<Vec<_>>())?;
        return Ok(Outcome::Done);
    }
    let mut t = output::table(&[
        "ID",
        "STARTED",
        "DURATION",
        "ACCOUNTS",
        "REGIONS",
        "RESOURCES",
        "UNITS OK",
        "UNITS FAILED",
        "COVERAGE",
    ]);
    for s in &list {
        let failed = s
            .coverage
            .iter()
            .filter(|c| c.status == plumb_model::CoverageStatus::Error)
            .count();
        t.add_row(vec![
            s.id.to_string(),
            s.started_at.format("%Y-%m-%d %H:%M:%SZ").to_string(),
            format!(
                "{:.1}s",
                (s.finished_at - s.started_at).num_milliseconds() as f64 / 1000.0
            ),
            s.scope.accounts.len().to_string(),
            s.scope.regions.len().to_string(),
            s.resources.to_string(),
            (s.coverage.len() - failed).to_string(),
            failed.to_string(),
            if s.is_complete() {
                "complete"
            } else {
                "PARTIAL"
            }
            .to_string(),
        ]);
    }
    output::print(&t)?;
    for s in list.iter().filter(|s| !s.is_complete()).take(1) {
        output::line(format!("Snapshot {} is partial:", s.id))?;
        let mut t = output::table(&[
            "ACCOUNT",
            "REGION",
            "SERVICE",
            "STATUS",
            "ERROR",
            "PARTIAL RESOURCES",
        ]);
        for c in s
            .coverage
            .iter()
            .filter(|c| c.status == plumb_model::CoverageStatus::Error || c.partial_resources > 0)
        {
            t.add_row(vec![
                c.account.clone(),
                c.region.clone(),
                c.service.clone(),
                c.status.as_str().to_string(),
                c.error.clone().unwrap_or_default(),
                c.partial_resources.to_string(),
            ]);
        }
        output::print(&t)?;
    }
    Ok(Outcome::Done)
}

/// `plumb inventory …`.
pub fn run(db: &str, command: InventoryCommand) -> anyhow::Result<Outcome> {
    match command {
        InventoryCommand::List(args) => {
            if let Some(kind) = &args.kind {
                if plumb_model::kinds::find(kind).is_none() {
                    return Err(
                        UsageError(format!("unknown kind `{kind}`: see `plumb kinds`")).into(),
                    );
                }
            }
            let mut store = open(db)?;
            let id = store.resolve(snapshot_ref(&args.snapshot.snapshot)?)?;
            let filter = ResourceFilter {
                kind: args.kind,
                account: args.account,
                region: args.region,
            };
            let resources = store.resources(id, &filter)?;
            list(&resources, args.snapshot.format)
        }
        InventoryCommand::Show(args) => show(db, &args.uid, &args.snapshot),
        InventoryCommand::Summary(args) => summary(db, &args),
        InventoryCommand::Query(args) => {
            let result = open(db)?.query(&args.sql)?;
            if args.format == Format::Json {
                let rows: Vec<Value> = result
                    .rows
                    .iter()
                    .map(|row| {
                        Value::Object(
                            result
                                .columns
                                .iter()
                                .cloned()
                                .zip(row.iter().cloned())
                                .collect(),
                        )
                    })
                    .collect();
                output::json(&rows)?;
            } else {
                let headers: Vec<&str> = result.columns.iter().map(String::as_str).collect();
                let mut t = output::table(&headers);
                for row in &result.rows {
                    t.add_row(row.iter().map(cell).collect::<Vec<_>>());
                }
                output::print(&t)?;
            }
            Ok(Outcome::Done)
        }
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn list(resources: &[Resource], format: Format) -> anyhow::Result<Outcome> {
    if format == Format::Json {
        output::json(resources)?;
        return Ok(Outcome::Done);
    }
    let mut t = output::table(&["KIND", "NAME", "ACCOUNT", "REGION", "UID"]);
    for r in resources {
        let name = if r.is_partial() {
            format!("{} (partial)", r.name)
        } else {
            r.name.clone()
        };
        t.add_row(vec![
            r.kind.clone(),
            name,
            r.account.clone(),
            r.region.clone(),
            r.uid.clone(),
        ]);
    }
    output::print(&t)?;
    output::line(format!("{} resource(s)", resources.len()))?;
    Ok(Outcome::Done)
}

fn edge_list(edges: &[Edge], outgoing: bool) -> Vec<Value> {
    edges
        .iter()
        .map(|e| json!({"relation": e.relation, "uid": if outgoing { &e.to } else { &e.from }}))
        .collect()
}

fn show(db: &str, uid: &str, args: &SnapshotArgs) -> anyhow::Result<Outcome> {
    let mut store = open(db)?;
    let id = store.resolve(snapshot_ref(&args.snapshot)?)?;
    let resource = store.resource(id, uid)?.ok_or_else(|| {
        UsageError(format!(
            "no resource `{uid}` in snapshot {id}: see `plumb inventory list`"
        ))
    })?;
    let neighbours = store.neighbours(id, uid)?;
    let out = edge_list(&neighbours.outgoing, true);
    let inc = edge_list(&neighbours.incoming, false);
    if args.format == Format::Json {
        let mut value = serde_json::to_value(&resource)?;
        if let Value::Object(map) = &mut value {
            map.insert("snapshot".into(), json!(id));
            map.insert("edges_out".into(), Value::Array(out));
            map.insert("edges_in".into(), Value::Array(inc));
        }
        output::json(&value)?;
        return Ok(Outcome::Done);
    }
    let mut t = output::table(&["FIELD", "VALUE"]);
    t.add_row(vec!["uid".to_string(), resource.uid.clone()]);
    t.add_row(vec!["kind".to_string(), resource.kind.clone()]);
    t.add_row(vec!["name".to_string(), resource.name.clone()]);
    t.add_row(vec!["account".to_string(), resource.account.clone()]);
    t.add_row(vec!["region".to_string(), resource.region.clone()]);
    t.add_row(vec![
        "created_at".to_string(),
        resource
            .created_at
            .map(|c| c.to_rfc3339())
            .unwrap_or_default(),
    ]);
    for (k, v) in &resource.tags {
        t.add_row(vec![format!("tag:{k}"), v.clone()]);
    }
    output::print(&t)?;
    output::line("props:")?;
    output::line(serde_json::to_string_pretty(&resource.props)?)?;
    let gaps = resource.gaps();
    if !gaps.is_empty() {
        output::line("NOT READ (fields absent above):")?;
        for (op, e) in gaps {
            output::line(format!("  {op}: {e}"))?;
        }
    }
    let mut t = output::table(&["DIRECTION", "RELATION", "UID"]);
    for e in &neighbours.outgoing {
        t.add_row(vec![
            "out".to_string(),
            e.relation.to_string(),
            e.to.clone(),
        ]);
    }
    for e in &neighbours.incoming {
        t.add_row(vec![
            "in".to_string(),
            e.relation.to_string(),
            e.from.clone(),
        ]);
    }
    output::print(&t)?;
    Ok(Outcome::Done)
}

fn summary(db: &str, args: &SnapshotArgs) -> anyhow::Result<Outcome> {
    let mut store = open(db)?;
    let summary = store.summary(snapshot_ref(&args.snapshot)?)?;
    let resources = store.resources(summary.id, &ResourceFilter::default())?;
    let mut counts: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for r in &resources {
        *counts
            .entry((r.kind.clone(), r.account.clone(), r.region.clone()))
            .or_default() += 1;
    }
    if args.format == Format::Json {
        let rows: Vec<Value> = counts
            .iter()
            .map(|((kind, account, region), n)| json!({"kind": kind, "account": account, "region": region, "resources": n}))
            .collect();
        output::json(&json!({"snapshot": snapshot_json(&summary), "counts": rows}))?;
        return Ok(Outcome::Done);
    }
    output::line(format!(
        "Snapshot {} ({}), {} resources, coverage {}",
        summary.id,
        summary.started_at.format("%Y-%m-%d %H:%M:%SZ"),
        summary.resources,
        if summary.is_complete() {
            "complete"
        } else {
            "PARTIAL"
        }
    ))?;
    let mut t = output::table(&["KIND", "ACCOUNT", "REGION", "RESOURCES"]);
    for ((kind, account, region), n) in &counts {
        t.add_row(vec![
            kind.clone(),
            account.clone(),
            region.clone(),
            n.to_string(),
        ]);
    }
    output::print(&t)?;
    Ok(Outcome::Done)
}

/// `plumb kinds [show KIND]`.
pub fn kinds(args: KindsArgs) -> anyhow::Result<Outcome> {
    match args.show.as_slice() {
        [] => {
            let kinds = plumb_model::kinds::all();
            if args.format == Format::Json {
                let list: Vec<Value> = kinds
                    .iter()
                    .map(|k| json!({"kind": k.name, "service": k.service, "uid": k.uid, "description": k.description}))
                    .collect();
                output::json(&list)?;
            } else {
                let mut t = output::table(&["KIND", "SERVICE", "DESCRIPTION"]);
                for k in kinds {
                    t.add_row(vec![k.name, k.service, k.description]);
                }
                output::print(&t)?;
            }
        }
        [show, kind] if show == "show" => {
            let info = plumb_model::kinds::find(kind)
                .ok_or_else(|| UsageError(format!("unknown kind `{kind}`: see `plumb kinds`")))?;
            if args.format == Format::Json {
                output::json(&json!({
                    "kind": info.name,
                    "service": info.service,
                    "uid": info.uid,
                    "description": info.description,
                    "schema": (info.schema)(),
                }))?;
            } else {
                output::line(format!(
                    "{} ({}): {}",
                    info.name, info.service, info.description
                ))?;
                output::line(format!("uid: {}", info.uid))?;
                let mut t = output::table(&["FIELD", "TYPE", "DESCRIPTION"]);
                for f in plumb_model::kinds::fields(&info) {
                    t.add_row(vec![format!("props.{}", f.path), f.ty, f.description]);
                }
                output::print(&t)?;
            }
        }
        other => {
            return Err(UsageError(format!(
                "expected `plumb kinds` or `plumb kinds show KIND`, got `{}`",
                other.join(" ")
            ))
            .into())
        }
    }
    Ok(Outcome::Done)
}

/// `plumb permissions`: the IAM actions a scan calls, per service, and the
/// policy to grant them.
pub fn permissions(format: Format) -> anyhow::Result<Outcome> {
    let actions = plumb_aws::services::all_actions();
    if format == Format::Json {
        output::json(&json!({
            "managed_policies": ["arn:aws:iam::aws:policy/SecurityAudit", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"],
            "policy": {
                "Version": "2012-10-17",
                "Statement": [{"Sid": "PlumbReadOnly", "Effect": "Allow", "Action": actions, "Resource": "*"}]
            }
        }))?;
        return Ok(Outcome::Done);
    }
    output::line("Attach the AWS managed policies SecurityAudit and ViewOnlyAccess; Plumb calls only these read-only actions:")?;
    let mut t = output::table(&["SERVICE", "SCOPE", "ACTIONS"]);
    for s in plumb_aws::SERVICES {
        t.add_row(vec![
            s.name.to_string(),
            format!("{:?}", s.scope).to_lowercase(),
            s.actions.join(" "),
        ]);
    }
    output::print(&t)?;
    Ok(Outcome::Done)
}
