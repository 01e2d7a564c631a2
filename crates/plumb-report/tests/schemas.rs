//! The SARIF and OCSF reports validated against the official schemas in
//! `tests/schemas/`, with the `jsonschema` package of the project's venv
//! (installed by `scripts/setup`). The report holds a finding of every
//! check of the library in every status, in a regional and a global unit.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use plumb_checks::Library;
use plumb_model::{Evidence, Finding, ResourcePart, SnapshotSummary, Status};
use plumb_report::{write, Format, Report};
use serde_json::json;

fn report() -> Report {
    let library = Library::builtin().unwrap_or_else(|e| panic!("{e}"));
    let statuses = [Status::Pass, Status::Fail, Status::Error, Status::Muted];
    let findings: Vec<Finding> = library
        .checks
        .iter()
        .enumerate()
        .flat_map(|(i, check)| {
            statuses.iter().map(move |status| {
                let mut evidence = Evidence::default();
                evidence.push("props.enabled", &json!(i % 2 == 0));
                let global = i % 3 == 0;
                let resource = ResourcePart {
                    uid: format!("arn:aws:s3:::bucket-{i}/a b?<c>").into(),
                    kind: check.spec.kind.as_str().into(),
                    account: "111122223333".into(),
                    region: if global { "global" } else { "eu-west-1" }.into(),
                };
                let mut finding = Finding::new(
                    check.finding_part(),
                    Arc::new(resource),
                    *status,
                    evidence,
                    Some(check.spec.remediation.text.as_str().into()),
                    matches!(status, Status::Error | Status::Muted)
                        .then(|| "not collected: AccessDenied".to_string()),
                );
                finding.risk = (*status == Status::Fail).then_some((i % 101) as f64);
                finding
            })
        })
        .collect();
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-02T09:00:00Z")
        .unwrap_or_else(|e| panic!("{e}"))
        .with_timezone(&chrono::Utc);
    Report {
        snapshot: 1,
        scan: SnapshotSummary {
            id: 1,
            started_at: at,
            finished_at: at,
            scope: Default::default(),
            resources: findings.len() as u64,
            edges: 0,
            coverage: vec![],
        },
        findings,
        posture: vec![],
        notices: vec![],
        checks: library.checks.iter().map(|c| c.spec.clone()).collect(),
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Writes `report` in `format` to a file under the target directory.
fn written(report: &Report, format: Format, name: &str) -> PathBuf {
    let mut out = Vec::new();
    write(report, format, &mut out).unwrap_or_else(|e| panic!("{e}"));
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, out).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// Validates `document` (one JSON document, or JSON lines when `lines`)
/// against `schema` with the venv's jsonschema, in the draft the schema
/// names. Returns the first errors, if any.
fn validate(schema: &str, document: &Path, lines: bool) -> Result<usize, String> {
    let python = root().join(".venv/bin/python");
    let out = std::process::Command::new(&python)
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1]))\n\
             cls = jsonschema.validators.validator_for(schema)\n\
             cls.check_schema(schema)\n\
             validator = cls(schema)\n\
             text = open(sys.argv[2]).read()\n\
             docs = [json.loads(l) for l in text.splitlines()] if sys.argv[3] == 'lines' else [json.loads(text)]\n\
             errors = [(i, e) for i, d in enumerate(docs) for e in validator.iter_errors(d)]\n\
             [print('document', i, list(e.absolute_path), e.message[:300]) for i, e in errors[:10]]\n\
             print(len(docs), 'documents')\n\
             sys.exit(1 if errors else 0)",
        ])
        .arg(root().join("crates/plumb-report/tests/schemas").join(schema))
        .arg(document)
        .arg(if lines { "lines" } else { "one" })
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/setup)", python.display()));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    if out.status.success() {
        let count = stdout
            .lines()
            .last()
            .and_then(|l| l.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        Ok(count)
    } else {
        Err(format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)))
    }
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let report = report();
    let path = written(&report, Format::Sarif, "report.sarif");
    let documents = validate("sarif-schema-2.1.0.json", &path, false)
        .unwrap_or_else(|e| panic!("{} is not valid SARIF 2.1.0:\n{e}", path.display()));
    assert_eq!(documents, 1);
}

#[test]
fn every_ocsf_event_validates_against_the_compliance_finding_schema() {
    let report = report();
    let path = written(&report, Format::Ocsf, "report.ocsf.jsonl");
    let events = validate("ocsf-1.5.0-compliance_finding-cloud.json", &path, true)
        .unwrap_or_else(|e| panic!("{} is not valid OCSF:\n{e}", path.display()));
    assert_eq!(events, report.findings.len(), "one event per finding");
}

/// The validation is not vacuous: a document that breaks the schema fails.
#[test]
fn the_schemas_reject_what_breaks_them() {
    let report = report();
    let sarif = written(&report, Format::Sarif, "broken.sarif");
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sarif).unwrap_or_else(|e| panic!("{e}")))
            .unwrap_or_else(|e| panic!("{e}"));
    doc["runs"][0]["results"][0]["level"] = json!("critical");
    std::fs::write(&sarif, doc.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let error = validate("sarif-schema-2.1.0.json", &sarif, false)
        .expect_err("a result level outside the enum must not validate");
    assert!(error.contains("level"), "{error}");

    let ocsf = written(&report, Format::Ocsf, "broken.ocsf.jsonl");
    let text = std::fs::read_to_string(&ocsf).unwrap_or_else(|e| panic!("{e}"));
    let first = text.lines().next().unwrap_or_default();
    let mut event: serde_json::Value =
        serde_json::from_str(first).unwrap_or_else(|e| panic!("{e}"));
    event
        .as_object_mut()
        .map(|o| o.remove("cloud"))
        .unwrap_or_else(|| panic!("an event is an object"));
    std::fs::write(&ocsf, format!("{event}\n")).unwrap_or_else(|e| panic!("{e}"));
    let error = validate("ocsf-1.5.0-compliance_finding-cloud.json", &ocsf, true)
        .expect_err("an event without its cloud must not validate");
    assert!(error.contains("cloud"), "{error}");
}
