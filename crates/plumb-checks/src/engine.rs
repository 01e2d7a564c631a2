//! Evaluation: every selected check on every resource of its kind, in
//! parallel over the snapshot, each resource converted to CEL once and
//! shared by all the checks of its kind.
//!
//! Fail closed: a condition that cannot be evaluated, a resource whose
//! evidence could not be collected, a unit of the kind's service that
//! failed, or a service the snapshot did not collect at all, each yields an
//! `error` finding with the reason — never a pass.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use cel::objects::{Key, Map as CelMap};
use cel::{Context, ExecutionError, Value};
use plumb_model::{CoverageStatus, Evidence, Finding, Resource, Snapshot, Status, Text};
use rayon::prelude::*;
use serde_json::Value as Json;

use crate::check::Check;
use crate::compiled::Env;
use crate::graph::Graph;
use crate::value::resource_value;

/// Which evaluator decides conditions. The compiled one is the default;
/// the `cel` interpreter is the reference it is tested against, and runs
/// any condition the compiled one does not implement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evaluator {
    /// Compiled conditions, the interpreter only where needed.
    Compiled,
    /// The `cel` interpreter for every condition.
    Interpreter,
}

/// Runs `checks` on `snapshot`. Findings come out ordered by check, then
/// resource.
pub fn evaluate(checks: &[&Check], snapshot: &Snapshot) -> Vec<Finding> {
    evaluate_with(checks, snapshot, Evaluator::Compiled)
}

/// [`evaluate`] with a chosen evaluator.
pub fn evaluate_with(checks: &[&Check], snapshot: &Snapshot, evaluator: Evaluator) -> Vec<Finding> {
    let mut by_kind: HashMap<&str, Vec<&Resource>> = HashMap::new();
    for r in &snapshot.resources {
        by_kind.entry(r.kind.as_str()).or_default().push(r);
    }
    let mut checks_by_kind: BTreeMap<&str, Vec<&Check>> = BTreeMap::new();
    for c in checks {
        checks_by_kind
            .entry(c.spec.kind.as_str())
            .or_default()
            .push(c);
    }
    let kinds: BTreeSet<&str> = checks
        .iter()
        .flat_map(|c| c.needs_kinds.iter().map(String::as_str))
        .collect();
    let edges = checks.iter().any(|c| c.needs_edges);
    let graph = Graph::new(snapshot, &kinds, edges);
    let env = Env {
        graph: &graph,
        edges,
    };
    let compiled = |c: &Check| evaluator == Evaluator::Compiled && c.compiled.is_some();
    let interpreted: Vec<&Check> = checks.iter().copied().filter(|c| !compiled(c)).collect();
    let root = (!interpreted.is_empty()).then(|| {
        root_context(
            kind_index(&interpreted, snapshot),
            related_index(&interpreted, &graph, &by_kind),
        )
    });
    let index = edge_index(&interpreted, snapshot);

    // Findings by check, each in resource-uid order: resources are
    // visited sorted by uid, so no sort over the findings is needed.
    let mut by_check: BTreeMap<&str, Vec<Finding>> = BTreeMap::new();
    for (kind, kind_checks) in &checks_by_kind {
        let mut resources: Vec<&Resource> = by_kind.get(kind).cloned().unwrap_or_default();
        resources.par_sort_unstable_by(|a, b| a.uid.cmp(&b.uid));
        let per_resource: Vec<Vec<(usize, Finding)>> = resources
            .par_iter()
            .map(|r| {
                let shared = Shared::of(r);
                // The interpreter's scope, built for the first check that
                // needs it and shared by the rest of the kind.
                let mut scope: Option<Context> = None;
                let mut out = Vec::with_capacity(kind_checks.len());
                for (i, c) in kind_checks.iter().enumerate() {
                    let found = if compiled(c) {
                        let Some((condition, applies_when)) = &c.compiled else {
                            continue;
                        };
                        evaluate_one(c, r, &shared, |part| match part {
                            Part::AppliesWhen => applies_when.as_ref().map(|a| a.run(&env, r)),
                            Part::Condition => Some(condition.run(&env, r)),
                        })
                    } else {
                        let Some(root) = &root else { continue };
                        let scope = scope.get_or_insert_with(|| {
                            let mut value = resource_value(r);
                            if kind_checks.iter().any(|c| c.needs_edges) {
                                value = with_edges(value, &index, &r.uid);
                            }
                            let mut scope = root.new_inner_scope();
                            scope.add_variable_from_value("resource", value);
                            scope
                        });
                        evaluate_one(c, r, &shared, |part| {
                            let program = match part {
                                Part::AppliesWhen => c.applies_when.as_ref()?,
                                Part::Condition => &c.condition,
                            };
                            Some(match program.execute(scope) {
                                Ok(Value::Bool(b)) => Ok(b),
                                Ok(other) => Err(format!("gave {other:?}, not a boolean")),
                                Err(e) => Err(e.to_string()),
                            })
                        })
                    };
                    out.extend(found.map(|f| (i, f)));
                }
                out
            })
            .collect();
        let mut buckets: Vec<Vec<Finding>> = kind_checks.iter().map(|_| Vec::new()).collect();
        for (i, f) in per_resource.into_iter().flatten() {
            buckets[i].push(f);
        }
        for (c, mut bucket) in kind_checks.iter().zip(buckets) {
            let errors = coverage_errors(c, snapshot);
            if !errors.is_empty() {
                bucket.extend(errors);
                bucket.sort_by(|a, b| a.resource_uid.cmp(&b.resource_uid));
            }
            by_check
                .entry(c.spec.id.as_str())
                .or_default()
                .extend(bucket);
        }
    }
    let mut findings = Vec::with_capacity(by_check.values().map(Vec::len).sum());
    for (_, list) in by_check {
        findings.extend(list);
    }
    findings
}

/// The two expressions of a check.
enum Part {
    AppliesWhen,
    Condition,
}

/// For the interpreter: `related` / `referrers` results of the interpreted
/// checks' resources, by `(uid, function, relation, kind)`.
type RelatedIndex = HashMap<(String, String, String, String), Result<Value, String>>;

fn related_index(
    checks: &[&Check],
    graph: &Graph<'_>,
    by_kind: &HashMap<&str, Vec<&Resource>>,
) -> Arc<RelatedIndex> {
    let mut index = RelatedIndex::new();
    for c in checks {
        for r in by_kind.get(c.spec.kind.as_str()).into_iter().flatten() {
            for (function, relation, kind) in &c.relations {
                let found = if function == "related" {
                    graph.related(r, relation, kind)
                } else {
                    graph.referrers(r, relation, kind)
                };
                let value = found.map(|list| {
                    Value::List(Arc::new(list.into_iter().map(resource_value).collect()))
                });
                index.insert(
                    (
                        r.uid.clone(),
                        function.clone(),
                        relation.clone(),
                        kind.clone(),
                    ),
                    value,
                );
            }
        }
    }
    Arc::new(index)
}

/// For `kind_in_account(resource, KIND)`: the resources of each kind a
/// check reads that way, per account, or why they are not all known.
type KindIndex = HashMap<(String, String), Result<Value, String>>;

fn kind_index(checks: &[&Check], snapshot: &Snapshot) -> Arc<KindIndex> {
    let wanted: BTreeSet<&str> = checks
        .iter()
        .flat_map(|c| c.needs_kinds.iter().map(String::as_str))
        .collect();
    let mut lists: HashMap<(String, String), Vec<Value>> = HashMap::new();
    for r in snapshot
        .resources
        .iter()
        .filter(|r| wanted.contains(r.kind.as_str()))
    {
        lists
            .entry((r.account.clone(), r.kind.clone()))
            .or_default()
            .push(resource_value(r));
    }
    let mut index = KindIndex::new();
    for kind in wanted {
        let service = plumb_model::kinds::find(kind)
            .map(|k| k.service)
            .unwrap_or("");
        for account in &snapshot.scope.accounts {
            let units: Vec<_> = snapshot
                .coverage
                .iter()
                .filter(|c| c.service == service && &c.account == account)
                .collect();
            let entry = if units.is_empty() {
                Err(format!("{kind} of {account} was not collected (service {service} not in this snapshot)"))
            } else if let Some(failed) = units.iter().find(|c| c.status == CoverageStatus::Error) {
                Err(format!(
                    "{kind} of {account} is not fully known: {service} in {} failed: {}",
                    failed.region,
                    failed.error.as_deref().unwrap_or("error")
                ))
            } else {
                Ok(Value::List(Arc::new(
                    lists
                        .remove(&(account.clone(), kind.to_string()))
                        .unwrap_or_default(),
                )))
            };
            index.insert((account.clone(), kind.to_string()), entry);
        }
    }
    Arc::new(index)
}

fn root_context(kinds: Arc<KindIndex>, related: Arc<RelatedIndex>) -> Context<'static, 'static> {
    let mut context = Context::default();
    // The helper names are fixed and distinct from CEL's own: registration
    // cannot conflict.
    if let Err(e) = crate::helpers::register(&mut context) {
        unreachable!("helper registration conflicts with CEL: {e:?}");
    }
    let registered = context.add_function(
        "kind_in_account",
        move |resource: Value, kind: Value| -> Result<Value, ExecutionError> {
            let account = crate::value::field(&resource, "account")
                .and_then(crate::value::text)
                .unwrap_or("");
            let kind = crate::value::text(&kind).unwrap_or("");
            match kinds.get(&(account.to_string(), kind.to_string())) {
                Some(Ok(list)) => Ok(list.clone()),
                Some(Err(why)) => Err(ExecutionError::function_error("kind_in_account", why)),
                None => Err(ExecutionError::function_error(
                    "kind_in_account",
                    format!("{kind} of {account} is not in this snapshot"),
                )),
            }
        },
    );
    if let Err(e) = registered {
        unreachable!("kind_in_account conflicts with CEL: {e:?}");
    }
    for function in ["related", "referrers"] {
        let related = related.clone();
        let registered = context.add_function(
            function,
            move |resource: Value, relation: Value, kind: Value| -> Result<Value, ExecutionError> {
                let text = |v: &Value| crate::value::text(v).unwrap_or("").to_string();
                let uid = crate::value::field(&resource, "uid")
                    .map(text)
                    .unwrap_or_default();
                match related.get(&(
                    uid.clone(),
                    function.to_string(),
                    text(&relation),
                    text(&kind),
                )) {
                    Some(Ok(list)) => Ok(list.clone()),
                    Some(Err(why)) => Err(ExecutionError::function_error(function, why)),
                    None => Err(ExecutionError::function_error(
                        function,
                        format!("{function} is only known for the checked resource, not for {uid}"),
                    )),
                }
            },
        );
        if let Err(e) = registered {
            unreachable!("{function} conflicts with CEL: {e:?}");
        }
    }
    context
}

/// Edges by uid, both ways, as CEL lists: relation → uids.
type EdgeIndex = HashMap<String, (HashMap<String, Vec<Value>>, HashMap<String, Vec<Value>>)>;

fn edge_index(checks: &[&Check], snapshot: &Snapshot) -> EdgeIndex {
    let mut index = EdgeIndex::new();
    if !checks.iter().any(|c| c.needs_edges) {
        return index;
    }
    for e in &snapshot.edges {
        let relation = e.relation.as_str().to_string();
        index
            .entry(e.from.clone())
            .or_default()
            .0
            .entry(relation.clone())
            .or_default()
            .push(Value::String(Arc::new(e.to.clone())));
        index
            .entry(e.to.clone())
            .or_default()
            .1
            .entry(relation)
            .or_default()
            .push(Value::String(Arc::new(e.from.clone())));
    }
    index
}

/// Adds `edges_out` and `edges_in` (relation → uids, always present) to a
/// resource value.
fn with_edges(value: Value, edges: &EdgeIndex, uid: &str) -> Value {
    let Value::Map(map) = value else { return value };
    let mut fields: HashMap<Key, Value> = (*map.map).clone();
    let as_map = |m: Option<&HashMap<String, Vec<Value>>>| {
        let entries: HashMap<Key, Value> = m
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        (
                            Key::String(Arc::new(k.clone())),
                            Value::List(Arc::new(v.clone())),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Value::Map(CelMap {
            map: Arc::new(entries),
        })
    };
    let found = edges.get(uid);
    fields.insert(
        Key::String(Arc::new("edges_out".into())),
        as_map(found.map(|e| &e.0)),
    );
    fields.insert(
        Key::String(Arc::new("edges_in".into())),
        as_map(found.map(|e| &e.1)),
    );
    Value::Map(CelMap {
        map: Arc::new(fields),
    })
}

/// A resource's fields that every finding on it shares.
struct Shared {
    uid: Text,
    kind: Text,
    account: Text,
    region: Text,
}

impl Shared {
    fn of(r: &Resource) -> Self {
        Shared {
            uid: Text::from(r.uid.as_str()),
            kind: Text::from(r.kind.as_str()),
            account: Text::from(r.account.as_str()),
            region: Text::from(r.region.as_str()),
        }
    }
}

fn finding(
    check: &Check,
    r: &Resource,
    shared: &Shared,
    status: Status,
    evidence: Evidence,
    reason: Option<String>,
) -> Finding {
    let remediation = if status == Status::Pass {
        check.texts.2.clone()
    } else {
        Text::from(render_remediation(check, r))
    };
    Finding {
        check_id: check.texts.0.clone(),
        title: check.texts.1.clone(),
        severity: check.spec.severity,
        status,
        resource_uid: shared.uid.clone(),
        kind: shared.kind.clone(),
        account: shared.account.clone(),
        region: shared.region.clone(),
        evidence,
        controls: check.shared_controls(),
        remediation,
        reason,
    }
}

fn gaps_text(r: &Resource) -> String {
    let gaps = r.gaps();
    if gaps.is_empty() {
        return String::new();
    }
    let list: Vec<String> = gaps.iter().map(|(op, e)| format!("{op}: {e}")).collect();
    format!(" (not collected: {})", list.join("; "))
}

/// One check on one resource: `None` when it does not apply. `decide`
/// evaluates a part of the check (`None` when the check has no such part).
fn evaluate_one(
    check: &Check,
    r: &Resource,
    shared: &Shared,
    mut decide: impl FnMut(Part) -> Option<Result<bool, String>>,
) -> Option<Finding> {
    match decide(Part::AppliesWhen) {
        None | Some(Ok(true)) => {}
        Some(Ok(false)) => return None,
        Some(Err(e)) => {
            let reason = format!("applies_when could not be evaluated: {e}{}", gaps_text(r));
            return Some(finding(
                check,
                r,
                shared,
                Status::Error,
                Evidence::default(),
                Some(reason),
            ));
        }
    }
    let (evidence, missing) = evidence(check, r);
    if !missing.is_empty() {
        let reason = format!(
            "evidence not collected: {}{}",
            missing.join(", "),
            gaps_text(r)
        );
        return Some(finding(
            check,
            r,
            shared,
            Status::Error,
            evidence,
            Some(reason),
        ));
    }
    let (status, reason) = match decide(Part::Condition) {
        Some(Ok(true)) => (Status::Pass, None),
        Some(Ok(false)) => (Status::Fail, None),
        Some(Err(e)) => (
            Status::Error,
            Some(format!(
                "the condition could not be evaluated: {e}{}",
                gaps_text(r)
            )),
        ),
        None => (
            Status::Error,
            Some("the check has no condition".to_string()),
        ),
    };
    Some(finding(check, r, shared, status, evidence, reason))
}

/// The evidence values, and the evidence paths whose top-level prop is
/// absent (not collected).
fn evidence(check: &Check, r: &Resource) -> (Evidence, Vec<String>) {
    let mut out = Vec::with_capacity(check.evidence_paths.len());
    let mut missing = Vec::new();
    for (path, parts) in &check.evidence_paths {
        let value = match parts.first().map(String::as_str) {
            Some("props") => {
                let top = parts.get(1).map(String::as_str).unwrap_or("");
                if r.props.get(top).is_none() {
                    missing.push(path.to_string());
                    continue;
                }
                parts[1..]
                    .iter()
                    .try_fold(&r.props, |v, p| v.get(p))
                    .cloned()
                    .unwrap_or(Json::Null)
            }
            Some("tags") => parts
                .get(1)
                .and_then(|k| r.tags.get(k))
                .map(|v| Json::String(v.clone()))
                .unwrap_or(Json::Null),
            Some("name") => Json::String(r.name.clone()),
            Some("region") => Json::String(r.region.clone()),
            Some("account") => Json::String(r.account.clone()),
            _ => Json::Null,
        };
        out.push((path.clone(), value));
    }
    (Evidence(out), missing)
}

/// `error` findings for what the snapshot could not see: every failed unit
/// of the check's service, and every scanned account where the service was
/// not collected at all.
fn coverage_errors(check: &Check, snapshot: &Snapshot) -> Vec<Finding> {
    let Some(service) = plumb_model::kinds::find(&check.spec.kind).map(|k| k.service) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut seen_accounts = BTreeSet::new();
    for c in snapshot.coverage.iter().filter(|c| c.service == service) {
        seen_accounts.insert(c.account.as_str());
        if c.status == CoverageStatus::Error {
            out.push(unit_error(
                check,
                &c.account,
                &c.region,
                service,
                format!(
                    "{service} in {} of {} was not collected: {}",
                    c.region,
                    c.account,
                    c.error.as_deref().unwrap_or("failed")
                ),
            ));
        }
    }
    for account in &snapshot.scope.accounts {
        if !seen_accounts.contains(account.as_str()) {
            out.push(unit_error(
                check,
                account,
                "global",
                service,
                format!("service {service} was not collected in this snapshot: collect it to evaluate this check"),
            ));
        }
    }
    out
}

fn unit_error(
    check: &Check,
    account: &str,
    region: &str,
    service: &str,
    reason: String,
) -> Finding {
    Finding {
        check_id: check.texts.0.clone(),
        title: check.texts.1.clone(),
        severity: check.spec.severity,
        status: Status::Error,
        resource_uid: Text::from(format!("coverage:{account}:{region}:{service}")),
        kind: Text::from(check.spec.kind.as_str()),
        account: Text::from(account),
        region: Text::from(region),
        evidence: Evidence::default(),
        controls: check.shared_controls(),
        remediation: check.texts.2.clone(),
        reason: Some(reason),
    }
}

/// The remediation text, CLI and Terraform, with `{{…}}` filled from the
/// resource.
pub fn render_remediation(check: &Check, r: &Resource) -> String {
    let rem = &check.spec.remediation;
    let mut out = render(rem.text.trim(), r);
    if let Some(cli) = &rem.cli {
        out.push_str("\n\nAWS CLI:\n");
        out.push_str(&render(cli.trim(), r));
    }
    if let Some(tf) = &rem.terraform {
        out.push_str("\n\nTerraform:\n");
        out.push_str(&render(tf.trim(), r));
    }
    out
}

/// Fills `{{resource.name}}`, `{{resource.uid}}`, `{{resource.region}}`,
/// `{{resource.account}}`, `{{props.a.b}}` and `{{tags.k}}`; an unknown or
/// absent value renders as `<path>` so the gap is visible.
pub fn render(template: &str, r: &Resource) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let path = rest[start + 2..start + end].trim();
        out.push_str(&lookup(path, r).unwrap_or_else(|| format!("<{path}>")));
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

fn lookup(path: &str, r: &Resource) -> Option<String> {
    let mut parts = path.split('.');
    let value = match parts.next()? {
        "resource" => match parts.next()? {
            "name" => return Some(r.name.clone()),
            "uid" => return Some(r.uid.clone()),
            "region" => return Some(r.region.clone()),
            "account" => return Some(r.account.clone()),
            "kind" => return Some(r.kind.clone()),
            _ => return None,
        },
        "tags" => return r.tags.get(parts.next()?).cloned(),
        "props" => parts.try_fold(&r.props, |v, p| v.get(p))?,
        _ => return None,
    };
    match value {
        Json::String(s) => Some(s.clone()),
        Json::Null => None,
        other => Some(other.to_string()),
    }
}
