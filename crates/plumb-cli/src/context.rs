//! `plumb exposure` and `plumb graph`: the context of a snapshot (what the
//! internet reaches, sensitive data) and a resource's neighbourhood.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::path::Path;

use anyhow::Context as _;
use plumb_context::{Context, Settings};
use plumb_model::{Edge, Snapshot};
use plumb_store::{SnapshotRef, Store};
use serde_json::json;

use crate::cli::{ContextArgs, Format, GraphArgs, GraphFormat, PathsArgs, PathsFormat, RisksArgs};
use crate::compliance::config_text;
use crate::output;
use crate::{Outcome, UsageError};

/// The context settings of `plumb.toml` (or `--config`) and a fingerprint
/// of the text they came from, which a stored context must match.
pub fn settings(path: Option<&Path>) -> anyhow::Result<(Settings, String)> {
    match config_text(path)? {
        Some((file, text)) => {
            let settings = Settings::parse(&file, &text).map_err(|e| UsageError(e.to_string()))?;
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            text.hash(&mut hasher);
            Ok((settings, format!("{:016x}", hasher.finish())))
        }
        None => Ok((Settings::default(), "none".to_string())),
    }
}

/// Computes the context of a snapshot in memory and stores it with the
/// snapshot.
pub fn compute_and_store(
    store: &mut dyn Store,
    snapshot: &Snapshot,
    settings: &Settings,
    fingerprint: &str,
) -> anyhow::Result<Context> {
    let context = Context::compute(snapshot, settings);
    let mut doc = serde_json::to_value(&context)?;
    doc["settings"] = json!(fingerprint);
    store
        .save_context(snapshot.id, &doc)
        .with_context(|| format!("cannot store the context in {}", store.location()))?;
    Ok(context)
}

/// The context of a stored snapshot: read back when it was stored under
/// the same settings, else computed from the snapshot and stored.
pub fn load(
    store: &mut dyn Store,
    snapshot: i64,
    config: Option<&Path>,
) -> anyhow::Result<(Context, Settings)> {
    let (settings, fingerprint) = settings(config)?;
    if let Some(doc) = store.context(snapshot)? {
        if doc.get("settings").and_then(|s| s.as_str()) == Some(fingerprint.as_str()) {
            if let Ok(context) = serde_json::from_value::<Context>(doc) {
                return Ok((context, settings));
            }
            tracing::warn!("the stored context of snapshot {snapshot} is unreadable; recomputing");
        }
    }
    eprintln!("Computing the context of snapshot {snapshot}…");
    let loaded = store.load(SnapshotRef::Id(snapshot))?;
    let context = compute_and_store(store, &loaded, &settings, &fingerprint)?;
    Ok((context, settings))
}

/// A uid's last part, for paths in a table.
fn short(uid: &str) -> &str {
    uid.rsplit(['/', ':'])
        .find(|s| !s.is_empty())
        .unwrap_or(uid)
}

/// `plumb exposure`.
pub fn exposure(db: &str, args: ContextArgs) -> anyhow::Result<Outcome> {
    let reference: SnapshotRef = args.snapshot.parse().map_err(UsageError)?;
    let mut store = plumb_store::open(db).with_context(|| format!("cannot open the store {db}"))?;
    let id = store.resolve(reference)?;
    let (context, _) = load(store.as_mut(), id, args.config.as_deref())?;
    let map = &context.exposure;
    for u in &map.undetermined {
        eprintln!("undetermined: {} ({}): {}", u.uid, u.kind, u.reason);
    }
    if args.format == Format::Json {
        output::json(&map.exposed)?;
        return Ok(Outcome::Done);
    }
    let mut t = output::table(&["RESOURCE", "KIND", "PORTS", "PATH", "WHY"]);
    for e in &map.exposed {
        let ports: Vec<String> = e.ports.iter().map(|p| p.to_string()).collect();
        t.add_row(vec![
            e.uid.clone(),
            e.kind.clone(),
            ports.join(", "),
            e.path
                .iter()
                .map(|h| short(h))
                .collect::<Vec<_>>()
                .join(" → "),
            e.reason.clone(),
        ]);
    }
    output::line(format!(
        "{} resources reachable from the internet in snapshot {id}{}:",
        map.exposed.len(),
        if map.undetermined.is_empty() {
            String::new()
        } else {
            format!(
                " ({} undetermined, listed on stderr)",
                map.undetermined.len()
            )
        }
    ))?;
    output::print(&t)?;
    Ok(Outcome::Done)
}

/// `plumb graph`: the resources within `--depth` edges of a resource, both
/// ways, read edge by edge from the store.
pub fn graph(db: &str, args: GraphArgs) -> anyhow::Result<Outcome> {
    let reference: SnapshotRef = args.snapshot.parse().map_err(UsageError)?;
    let mut store = plumb_store::open(db).with_context(|| format!("cannot open the store {db}"))?;
    let id = store.resolve(reference)?;
    if store.resource(id, &args.uid)?.is_none() {
        return Err(UsageError(format!(
            "no resource {} in snapshot {id}; see `plumb inventory list`",
            args.uid
        ))
        .into());
    }
    let depth_limit = usize::from(args.depth);
    let mut seen: BTreeMap<String, usize> = BTreeMap::from([(args.uid.clone(), 0)]);
    let mut edges: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut queue = VecDeque::from([(args.uid.clone(), 0usize)]);
    while let Some((uid, depth)) = queue.pop_front() {
        if depth == depth_limit {
            continue;
        }
        let n = store.neighbours(id, &uid)?;
        for Edge { from, to, relation } in n.outgoing.into_iter().chain(n.incoming) {
            let other = if from == uid { &to } else { &from };
            if !seen.contains_key(other) {
                seen.insert(other.clone(), depth + 1);
                queue.push_back((other.clone(), depth + 1));
            }
            edges.insert((from, relation.as_str().to_string(), to));
        }
    }
    let mut nodes = Vec::with_capacity(seen.len());
    for (uid, depth) in &seen {
        let r = store.resource(id, uid)?;
        nodes.push(json!({
            "uid": uid,
            "kind": r.as_ref().map(|r| r.kind.as_str()),
            "name": r.as_ref().map(|r| r.name.as_str()),
            "depth": depth,
        }));
    }
    match args.format {
        GraphFormat::Json => output::json(&json!({
            "root": args.uid,
            "nodes": nodes,
            "edges": edges
                .iter()
                .map(|(f, r, t)| json!({"from": f, "relation": r, "to": t}))
                .collect::<Vec<_>>(),
        }))?,
        GraphFormat::Dot => {
            let quote = dot_quote;
            let mut text = String::from("digraph plumb {\n  rankdir=LR;\n  node [shape=box];\n");
            for n in &nodes {
                let uid = n["uid"].as_str().unwrap_or_default();
                let label = match (n["kind"].as_str(), n["name"].as_str()) {
                    (Some(kind), Some(name)) if !name.is_empty() => format!("{kind}\n{name}"),
                    (Some(kind), _) => format!("{kind}\n{}", short(uid)),
                    _ => format!("(not in the snapshot)\n{uid}"),
                };
                let style = if uid == args.uid { ", style=bold" } else { "" };
                text.push_str(&format!(
                    "  {} [label={}{style}];\n",
                    quote(uid),
                    quote(&label)
                ));
            }
            for (f, r, t) in &edges {
                text.push_str(&format!(
                    "  {} -> {} [label={}];\n",
                    quote(f),
                    quote(t),
                    quote(r)
                ));
            }
            text.push_str("}\n");
            output::line(text.trim_end())?;
        }
    }
    Ok(Outcome::Done)
}

/// `plumb risks`: the failing findings stored for a snapshot, grouped by
/// resource and ranked by risk.
pub fn risks(db: &str, args: RisksArgs) -> anyhow::Result<Outcome> {
    let reference: SnapshotRef = args.context.snapshot.parse().map_err(UsageError)?;
    let mut store = plumb_store::open(db).with_context(|| format!("cannot open the store {db}"))?;
    let id = store.resolve(reference)?;
    let findings = store.findings(id)?;
    if findings.is_empty() {
        return Err(UsageError(format!(
            "snapshot {id} has no stored findings: run `plumb check --snapshot {id}` first"
        ))
        .into());
    }
    let (context, settings) = load(store.as_mut(), id, args.context.config.as_deref())?;
    let mut ranked = plumb_context::rank(&findings, &context, &settings.weights);
    if let Some(n) = args.top {
        ranked.truncate(n);
    }
    if args.context.format == Format::Json {
        output::json(&ranked)?;
        return Ok(Outcome::Done);
    }
    let mut t = output::table(&["RISK", "RESOURCE", "CHECKS", "WHY", "PATH"]);
    for r in &ranked {
        t.add_row(vec![
            format!("{:.1}", r.risk_score),
            r.resource_uid.clone(),
            r.check_ids.join("\n"),
            r.reason.clone(),
            r.path
                .iter()
                .map(|h| short(h))
                .collect::<Vec<_>>()
                .join(" → "),
        ]);
    }
    output::line(format!("Risks of snapshot {id}, highest first:"))?;
    output::print(&t)?;
    Ok(Outcome::Done)
}

/// `plumb paths`: the attack paths of a snapshot that end at `--to`.
pub fn paths(db: &str, args: PathsArgs) -> anyhow::Result<Outcome> {
    let reference: SnapshotRef = args.snapshot.parse().map_err(UsageError)?;
    let mut store = plumb_store::open(db).with_context(|| format!("cannot open the store {db}"))?;
    let id = store.resolve(reference)?;
    let (context, _) = load(store.as_mut(), id, args.config.as_deref())?;
    let wanted = |p: &&plumb_context::AttackPath| match args.to.as_deref() {
        None => true,
        Some("admin") => p.impact.is_power(),
        Some(to) if to.starts_with("aws_") && !to.contains(':') => p.target_kind == to,
        Some(uid) => p.target == uid,
    };
    let found: Vec<&plumb_context::AttackPath> = context.paths.iter().filter(wanted).collect();
    match args.format {
        PathsFormat::Json => output::json(&found)?,
        PathsFormat::Table => {
            let mut t = output::table(&["ENTRY", "IMPACT", "TARGET", "PATH"]);
            for p in &found {
                let hops: Vec<String> = p
                    .hops
                    .iter()
                    .skip(1)
                    .map(|h| format!("→ {} ({})", short(&h.uid), h.how))
                    .collect();
                t.add_row(vec![
                    p.entry.clone(),
                    p.impact.as_str().to_string(),
                    p.target.clone(),
                    format!("internet\n{}", hops.join("\n")),
                ]);
            }
            output::line(format!(
                "{} attack paths from the internet in snapshot {id}:",
                found.len()
            ))?;
            output::print(&t)?;
        }
        PathsFormat::Dot => {
            let mut edges: BTreeSet<(String, String, String)> = BTreeSet::new();
            for p in &found {
                for pair in p.hops.windows(2) {
                    edges.insert((
                        pair[0].uid.clone(),
                        pair[1].uid.clone(),
                        pair[1].how.clone(),
                    ));
                }
            }
            let mut text = String::from("digraph paths {\n  rankdir=LR;\n  node [shape=box];\n");
            for (from, to, how) in &edges {
                text.push_str(&format!(
                    "  {} -> {} [label={}];\n",
                    dot_quote(from),
                    dot_quote(to),
                    dot_quote(how)
                ));
            }
            text.push('}');
            output::line(text)?;
        }
    }
    Ok(Outcome::Done)
}

/// A Graphviz quoted string.
fn dot_quote(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}
