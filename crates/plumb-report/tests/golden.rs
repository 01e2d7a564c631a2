//! Every format written from one fixed report and compared with its golden
//! file in `tests/golden/`. After an intended change, regenerate them with
//! `PLUMB_BLESS=1 cargo test -p plumb-report --test golden` and review the
//! diff.

mod common;

use std::path::Path;
use std::sync::Arc;

use plumb_checks::Library;
use plumb_model::{Evidence, Finding, ResourcePart, SnapshotSummary, Status};
use plumb_report::{write, Format, Report};
use serde_json::json;

fn finding(check: &str, uid: &str, status: Status, reason: Option<&str>) -> Finding {
    let library = Library::builtin().unwrap_or_else(|e| panic!("{e}"));
    let c = library
        .check(check)
        .unwrap_or_else(|| panic!("no check {check}"));
    let mut evidence = Evidence::default();
    evidence.push(
        "props.public_access_block",
        &json!({"block_public_acls": status == Status::Pass}),
    );
    let resource = ResourcePart {
        uid: uid.into(),
        kind: c.spec.kind.as_str().into(),
        account: "111122223333".into(),
        region: "eu-west-1".into(),
    };
    Finding::new(
        c.finding_part(),
        Arc::new(resource),
        status,
        evidence,
        Some("Block public access: aws s3api put-public-access-block --bucket \"a|b\" <&>".into()),
        reason.map(str::to_string),
    )
}

/// A scan of two regions of one account in which one unit was denied.
fn scan() -> SnapshotSummary {
    common::scan(
        4,
        &["s3", "ec2"],
        "AccessDenied: ec2:DescribeInstances: not authorized",
    )
}

fn report() -> Report {
    let mut public = finding(
        "s3_bucket_public_access_blocked",
        "arn:aws:s3:::acme-public",
        Status::Fail,
        None,
    );
    public.risk = Some(75.0);
    let findings = vec![
        finding("s3_bucket_public_access_blocked", "arn:aws:s3:::acme-data", Status::Pass, None),
        public,
        finding(
            "s3_bucket_public_access_blocked",
            "arn:aws:s3:::acme-site",
            Status::Muted,
            Some("Static website behind CloudFront, SEC-123"),
        ),
        finding(
            "s3_bucket_public_access_blocked",
            "arn:aws:s3:::acme-logs",
            Status::Error,
            Some("evidence not collected: props.public_access_block (s3:GetBucketPublicAccessBlock: AccessDenied)"),
        ),
    ];
    let library = Library::builtin().unwrap_or_else(|e| panic!("{e}"));
    let framework = library
        .framework("cis-aws-5.0")
        .unwrap_or_else(|| panic!("no cis-aws-5.0"));
    let posture = plumb_checks::posture(framework, &findings, &library.checks_by_control());
    Report {
        snapshot: 7,
        scan: scan(),
        findings,
        posture: vec![posture],
        notices: vec!["mute #2 expired on 2026-01-31 and no longer applies".into()],
        checks: vec![library
            .check("s3_bucket_public_access_blocked")
            .unwrap_or_else(|| panic!("no check"))
            .spec
            .clone()],
    }
}

fn golden(format: Format) {
    let mut out = Vec::new();
    write(&report(), format, &mut out).unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"));
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("report.{}", format.extension()));
    if std::env::var_os("PLUMB_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        text == want,
        "{} differs from {}; review and rerun with PLUMB_BLESS=1 to accept:\n{text}",
        format.extension(),
        path.display()
    );
}

#[test]
fn json_matches_its_golden_file() {
    golden(Format::Json);
}

#[test]
fn csv_matches_its_golden_file() {
    golden(Format::Csv);
}

#[test]
fn junit_matches_its_golden_file() {
    golden(Format::Junit);
}

#[test]
fn markdown_matches_its_golden_file() {
    golden(Format::Markdown);
}

#[test]
fn sarif_matches_its_golden_file() {
    golden(Format::Sarif);
}

#[test]
fn ocsf_matches_its_golden_file() {
    golden(Format::Ocsf);
}

#[test]
fn sarif_has_one_rule_per_check_and_one_result_per_failure() {
    let mut out = Vec::new();
    write(&report(), Format::Sarif, &mut out).unwrap_or_else(|e| panic!("{e}"));
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["id"], "s3_bucket_public_access_blocked");
    assert!(rules[0]["help"]["text"].as_str().unwrap_or("").len() > 20);
    assert_eq!(rules[0]["properties"]["security-severity"], "8.0");
    let results = run["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        results.len(),
        1,
        "only the failure: not the pass, the error or the muted one"
    );
    assert_eq!(results[0]["ruleIndex"], 0);
    assert_eq!(results[0]["level"], "error");
    assert_eq!(
        results[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "arn:aws:s3:::acme-public"
    );
    assert_eq!(
        run["automationDetails"]["id"], "plumb/",
        "a stable category"
    );
}

#[test]
fn csv_has_a_header_and_one_row_per_finding() {
    let mut out = Vec::new();
    write(&report(), Format::Csv, &mut out).unwrap_or_else(|e| panic!("{e}"));
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, plumb_report::csv::COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap_or_default()).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[1][3], "fail");
    assert!(
        rows[1][11].contains("\"a|b\" <&>"),
        "fields are quoted, not mangled"
    );
}

#[test]
fn junit_counts_and_parses_as_xml_elements() {
    let mut out = Vec::new();
    write(&report(), Format::Junit, &mut out).unwrap_or_else(|e| panic!("{e}"));
    let xml = String::from_utf8(out).unwrap_or_default();
    assert!(
        xml.contains("tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\""),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 4);
    assert!(xml.contains("&lt;&amp;&gt;"), "markup is escaped: {xml}");
    assert!(!xml.contains("<&>"));
}

#[test]
fn json_says_its_schema_version() {
    let mut out = Vec::new();
    write(&report(), Format::Json, &mut out).unwrap_or_else(|e| panic!("{e}"));
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
    assert_eq!(doc["schema_version"], plumb_report::SCHEMA_VERSION);
    assert_eq!(doc["findings"].as_array().map(Vec::len), Some(4));
    assert_eq!(doc["findings"][1]["status"], "fail");
}

#[test]
fn html_matches_its_golden_file() {
    golden(Format::Html);
}

#[test]
fn html_is_self_contained_and_escapes_what_the_report_holds() {
    let mut out = Vec::new();
    write(&report(), Format::Html, &mut out).unwrap_or_else(|e| panic!("{e}"));
    let html = String::from_utf8(out).unwrap_or_default();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains("content=\"default-src 'none';"),
        "a CSP that loads nothing"
    );
    for outside in [" src=", "<link", "@import", "url(", "<img", "<iframe"] {
        assert!(!html.contains(outside), "nothing loaded: found {outside}");
    }
    assert_eq!(html.matches("<script").count(), 1, "one inline script");
    assert!(html.contains("&lt;&amp;&gt;"), "markup is escaped");
    assert!(!html.contains("<&>"));
    assert_eq!(html.matches(" data-st=").count(), 4, "a row per finding");
    assert!(
        html.contains("Static website behind CloudFront, SEC-123"),
        "the mute's reason"
    );
    assert!(
        html.contains("<code>ec2:DescribeInstances</code>"),
        "the coverage gap's missing permission"
    );
    assert!(html.contains("mute #2 expired"), "the notices");
}

/// A writer whose reader has gone away (`plumb check | head`).
struct Closed;

impl std::io::Write for Closed {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }
}

/// The writer's own failure stays an I/O error of its kind in every
/// format, so that the command can tell a reader that went away (and exit
/// quietly) from a report it could not write.
#[test]
fn a_reader_going_away_is_an_io_error_in_every_format() {
    let report = report();
    for format in Format::ALL {
        match write(&report, format, &mut Closed) {
            Err(plumb_report::ReportError::Io(e)) => {
                assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{format:?}")
            }
            other => panic!("{format:?}: {other:?}"),
        }
    }
}
