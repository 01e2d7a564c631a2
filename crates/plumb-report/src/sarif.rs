//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one rule
//! per check that ran (its risk, its fix, its references, its severity),
//! one result per failing finding with the resource's uid as the logical
//! location (and, because GitHub needs one, a physical location naming the
//! resource as a path) and a fingerprint stable across runs (check +
//! resource).

use std::collections::BTreeMap;

use plumb_model::{Severity, Status};
use serde_json::{json, Value};

use crate::{Report, ReportError};

/// The SARIF level of a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (0–10) of a severity.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// A relative URI naming the finding's resource:
/// `aws/<account>/<region>/<kind>/<uid>`, each part percent-encoded so
/// that an ARN's `:` and `/` keep it one segment and never a scheme.
pub fn artifact_path(f: &plumb_model::Finding) -> String {
    let mut path = String::from("aws");
    for part in [f.account(), f.region(), f.kind(), f.resource_uid()] {
        path.push('/');
        let part = if part.is_empty() { "-" } else { part };
        for b in part.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                path.push(b as char);
            } else {
                path.push_str(&format!("%{b:02X}"));
            }
        }
    }
    path
}

/// Writes the failing findings as one SARIF run.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rules: Vec<Value> = Vec::new();
    for spec in &report.checks {
        if index.contains_key(spec.id.as_str()) {
            continue;
        }
        index.insert(spec.id.as_str(), rules.len());
        let mut help = spec.remediation.text.trim().to_string();
        if let Some(cli) = &spec.remediation.cli {
            help.push_str("\n\nAWS CLI:\n");
            help.push_str(cli.trim());
        }
        let tags: Vec<String> = std::iter::once("security".to_string())
            .chain(
                spec.frameworks
                    .iter()
                    .flat_map(|(f, cs)| cs.iter().map(move |c| format!("{f}:{c}"))),
            )
            .collect();
        let mut rule = json!({
            "id": spec.id,
            "name": spec.id,
            "shortDescription": {"text": spec.title},
            "fullDescription": {"text": spec.risk.trim()},
            "help": {"text": help},
            "defaultConfiguration": {"level": level(spec.severity)},
            "properties": {
                "tags": tags,
                "security-severity": security_severity(spec.severity),
            },
        });
        if let Some(uri) = spec.references.first() {
            rule["helpUri"] = json!(uri);
        }
        rules.push(rule);
    }
    let mut results = Vec::new();
    for f in report.findings.iter().filter(|f| f.status == Status::Fail) {
        let mut result = json!({
            "ruleId": f.check_id(),
            "level": level(f.severity()),
            "message": {"text": format!("{}: {}", f.title(), f.resource_uid())},
            "locations": [{
                // GitHub code scanning needs a repository-relative path: the
                // resource's place in the cloud, as one.
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_path(f)},
                    "region": {"startLine": 1},
                },
                "logicalLocations": [{
                    "fullyQualifiedName": f.resource_uid(),
                    "kind": "resource",
                }],
            }],
            "partialFingerprints": {"plumbFinding/v1": format!("{}|{}", f.check_id(), f.resource_uid())},
            "properties": {
                "account": f.account(),
                "region": f.region(),
                "kind": f.kind(),
                "evidence": &f.evidence,
                "remediation": f.remediation(),
            },
        });
        if let Some(i) = index.get(f.check_id()) {
            result["ruleIndex"] = json!(i);
        }
        // SARIF's rank (0–100): the finding's risk in its context.
        if let Some(risk) = f.risk {
            result["rank"] = json!(risk);
        }
        results.push(result);
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "Plumb",
                "informationUri": "https://github.com/plumb-cspm/plumb",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            // A stable category, so that a finding fixed since the last
            // upload closes its alert.
            "automationDetails": {"id": "plumb/"},
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)?;
    Ok(())
}
