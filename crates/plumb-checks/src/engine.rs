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
use plumb_model::{CoverageStatus, Finding, Resource, Snapshot, Status};
use rayon::prelude::*;
use serde_json::{Map, Value as Json};

use crate::check::Check;
use crate::value::resource_value;

/// Runs `checks` on `snapshot`. Findings come out ordered by check, then
/// resource.
pub fn evaluate(checks: &[&Check], snapshot: &Snapshot) -> Vec<Finding> {
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
    let root = root_context(kind_index(checks, snapshot));
    let edges = edge_index(checks, snapshot);

    let mut findings: Vec<Finding> = Vec::new();
    for (kind, kind_checks) in &checks_by_kind {
        let resources = by_kind.get(kind).map(Vec::as_slice).unwrap_or_default();
        let per_resource: Vec<Vec<Finding>> = resources
            .par_iter()
            .map(|r| {
                let mut value = resource_value(r);
                if kind_checks.iter().any(|c| c.needs_edges) {
                    value = with_edges(value, &edges, &r.uid);
                }
                // One scope per resource, shared by every check of its kind.
                let mut scope = root.new_inner_scope();
                scope.add_variable_from_value("resource", value);
                kind_checks
                    .iter()
                    .filter_map(|c| evaluate_one(&scope, c, r))
                    .collect()
            })
            .collect();
        findings.extend(per_resource.into_iter().flatten());
        for c in kind_checks {
            findings.extend(coverage_errors(c, snapshot));
        }
    }
    findings.sort_by(|a, b| (&a.check_id, &a.resource_uid).cmp(&(&b.check_id, &b.resource_uid)));
    findings
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

fn root_context(kinds: Arc<KindIndex>) -> Context<'static, 'static> {
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

fn finding(
    check: &Check,
    r: &Resource,
    status: Status,
    evidence: Map<String, Json>,
    reason: Option<String>,
) -> Finding {
    let remediation = if status == Status::Pass {
        check.spec.remediation.text.trim().to_string()
    } else {
        render_remediation(check, r)
    };
    Finding {
        check_id: check.spec.id.clone(),
        title: check.spec.title.clone(),
        severity: check.spec.severity,
        status,
        resource_uid: r.uid.clone(),
        kind: r.kind.clone(),
        account: r.account.clone(),
        region: r.region.clone(),
        evidence,
        controls: check.controls().to_vec(),
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

fn evaluate_one(scope: &Context<'_, '_>, check: &Check, r: &Resource) -> Option<Finding> {
    if let Some(applies) = &check.applies_when {
        match applies.execute(scope) {
            Ok(Value::Bool(true)) => {}
            Ok(Value::Bool(false)) => return None,
            Ok(other) => {
                let reason = format!("applies_when gave {other:?}, not a boolean");
                return Some(finding(check, r, Status::Error, Map::new(), Some(reason)));
            }
            Err(e) => {
                let reason = format!("applies_when could not be evaluated: {e}{}", gaps_text(r));
                return Some(finding(check, r, Status::Error, Map::new(), Some(reason)));
            }
        }
    }
    let (evidence, missing) = evidence(check, r);
    if !missing.is_empty() {
        let reason = format!(
            "evidence not collected: {}{}",
            missing.join(", "),
            gaps_text(r)
        );
        return Some(finding(check, r, Status::Error, evidence, Some(reason)));
    }
    let (status, reason) = match check.condition.execute(scope) {
        Ok(Value::Bool(true)) => (Status::Pass, None),
        Ok(Value::Bool(false)) => (Status::Fail, None),
        Ok(other) => (
            Status::Error,
            Some(format!("the condition gave {other:?}, not a boolean")),
        ),
        Err(e) => (
            Status::Error,
            Some(format!(
                "the condition could not be evaluated: {e}{}",
                gaps_text(r)
            )),
        ),
    };
    Some(finding(check, r, status, evidence, reason))
}

/// The evidence values, and the evidence paths whose top-level prop is
/// absent (not collected).
fn evidence(check: &Check, r: &Resource) -> (Map<String, Json>, Vec<String>) {
    let mut out = Map::new();
    let mut missing = Vec::new();
    for (path, parts) in &check.evidence_paths {
        let value = match parts.first().map(String::as_str) {
            Some("props") => {
                let top = parts.get(1).map(String::as_str).unwrap_or("");
                if r.props.get(top).is_none() {
                    missing.push(path.clone());
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
        out.insert(path.clone(), value);
    }
    (out, missing)
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
        check_id: check.spec.id.clone(),
        title: check.spec.title.clone(),
        severity: check.spec.severity,
        status: Status::Error,
        resource_uid: format!("coverage:{account}:{region}:{service}"),
        kind: check.spec.kind.clone(),
        account: account.to_string(),
        region: region.to_string(),
        evidence: Map::new(),
        controls: check.controls().to_vec(),
        remediation: check.spec.remediation.text.trim().to_string(),
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
