//! The HTML report in a real browser: headless Chromium, driven by
//! `tests/browser/html-report.mjs` (playwright-core), opens a report of a
//! few thousand findings and one of 50,000, and the tests assert that it
//! loads without a console error or a request beyond the file, and that
//! choosing a status, a severity and a service in the filter leaves exactly
//! the matching rows visible.
//!
//! `scripts/setup` installs Chromium and playwright-core; without them
//! these tests fail and say so, they do not skip. The reports and the
//! screenshots stay under the target directory
//! (`$CARGO_TARGET_TMPDIR/html-report*.{html,png}`) for a person to look at.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use plumb_checks::Library;
use plumb_model::{Evidence, Finding, ResourcePart, Severity, SnapshotSummary, Status};
use plumb_report::{write, Format, Report};
use serde_json::{json, Value};

/// One Chromium at a time: the machines that run the tests are small.
static BROWSER: Mutex<()> = Mutex::new(());

const CHROMIUM: &str = "/usr/bin/chromium";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Fails with what to do when the browser tooling is not installed.
fn require_browser(root: &Path) {
    let mut missing = Vec::new();
    let node = Command::new("node").arg("--version").output();
    if !node.map(|o| o.status.success()).unwrap_or(false) {
        missing.push("node (Node.js 20 or later) on PATH".to_string());
    }
    if !Path::new(CHROMIUM).exists() {
        missing.push(format!("{CHROMIUM} (Debian's chromium package)"));
    }
    let playwright = root.join("tests/browser/node_modules/playwright-core/package.json");
    if !playwright.exists() {
        missing.push(format!("{} (npm ci)", playwright.display()));
    }
    assert!(
        missing.is_empty(),
        "the HTML report's browser test needs {}: run scripts/setup (as root: it installs Chromium \
         with apt-get and playwright-core with npm ci into tests/browser/node_modules)",
        missing.join(", ")
    );
}

/// A scan of two regions of one account in which one unit was denied.
fn scan(resources: u64) -> SnapshotSummary {
    common::scan(
        resources,
        &["s3", "ec2", "iam"],
        "AccessDenied: ec2:DescribeInstances: <not> authorized",
    )
}

/// `n` findings over every check of the library: mixed statuses and
/// severities, with markup in uids, evidence and reasons that must stay
/// text.
fn report(n: usize) -> Report {
    let library = Library::builtin().unwrap_or_else(|e| panic!("{e}"));
    let statuses = [
        Status::Pass,
        Status::Fail,
        Status::Pass,
        Status::Error,
        Status::Fail,
        Status::Pass,
        Status::Muted,
    ];
    let findings: Vec<Finding> = (0..n)
        .map(|i| {
            let check = &library.checks[i % library.checks.len()];
            let status = statuses[i % statuses.len()];
            let mut evidence = Evidence::default();
            evidence.push(
                "props.example",
                &json!({"enabled": status == Status::Pass, "note": "</td><script>alert(1)</script>"}),
            );
            let uid = if i == 0 {
                "arn:aws:s3:::<script>alert(\"uid\")</script>&'".to_string()
            } else {
                format!("arn:aws:{}:::resource-{i}", check.service())
            };
            let resource = ResourcePart {
                uid: uid.into(),
                kind: check.spec.kind.as_str().into(),
                account: "111122223333".into(),
                region: if i % 3 == 0 { "us-east-1" } else { "eu-west-1" }.into(),
            };
            let reason = match status {
                Status::Error => Some("evidence not collected: <AccessDenied> & co".into()),
                Status::Muted => Some("accepted by \"security\" <SEC-1> & reviewed".into()),
                _ => None,
            };
            let mut finding = Finding::new(
                check.finding_part(),
                Arc::new(resource),
                status,
                evidence,
                Some(format!("{}\nresource-{i} <&>", check.spec.remediation.text).into()),
                reason,
            );
            finding.risk = (status == Status::Fail).then_some((i % 100) as f64);
            finding
        })
        .collect();
    let by_control = library.checks_by_control();
    let posture = library
        .frameworks
        .iter()
        .map(|f| plumb_checks::posture(f, &findings, &by_control))
        .collect();
    Report {
        snapshot: 7,
        scan: scan(n as u64),
        findings,
        posture,
        notices: vec!["mute #2 expired on 2026-01-31 and no longer applies <b>".into()],
        checks: library.checks.iter().map(|c| c.spec.clone()).collect(),
    }
}

/// The service the report files a finding under, from its kind.
fn service(kinds: &HashMap<&str, &str>, kind: &str) -> String {
    match kinds.get(kind) {
        Some(service) => service.to_string(),
        None => kind
            .trim_start_matches("aws_")
            .split('_')
            .next()
            .unwrap_or("")
            .to_string(),
    }
}

/// Writes the report of `n` findings, opens it in Chromium, filters it to
/// the failures, then to the most common severity among them, then to the
/// most common service among those, and checks each visible row count.
fn opens_and_filters(n: usize, name: &str) {
    let root = workspace();
    require_browser(&root);
    let report = report(n);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let html = dir.join(format!("{name}.html"));
    let png = dir.join(format!("{name}.png"));
    let _ = std::fs::remove_file(&png);
    let mut file = std::fs::File::create(&html).unwrap_or_else(|e| panic!("{e}"));
    write(&report, Format::Html, &mut file).unwrap_or_else(|e| panic!("{e}"));
    drop(file);

    let failing: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .collect();
    let most_common = |values: Vec<String>| {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for v in values {
            *counts.entry(v).or_default() += 1;
        }
        counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .unwrap_or_default()
    };
    let (severity, by_severity) = most_common(
        failing
            .iter()
            .map(|f| f.severity().as_str().to_string())
            .collect(),
    );
    let of_severity: Vec<&&Finding> = failing
        .iter()
        .filter(|f| f.severity().as_str() == severity)
        .collect();
    let kinds: HashMap<&str, &str> = plumb_model::kinds::all()
        .into_iter()
        .map(|k| (k.name, k.service))
        .collect();
    let (svc, by_service) = most_common(
        of_severity
            .iter()
            .map(|f| service(&kinds, f.kind()))
            .collect(),
    );
    assert!(
        Severity::parse(&severity).is_some() && by_service > 0 && by_service <= by_severity,
        "the fixture has failures to filter"
    );
    let steps = [
        format!("f-st=fail:{}", failing.len()),
        format!("f-sev={severity}:{by_severity}"),
        format!("f-svc={svc}:{by_service}"),
    ];

    let _browser = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let mut command = Command::new("node");
    command
        .current_dir(&root)
        .arg("tests/browser/html-report.mjs")
        .arg("--report")
        .arg(&html)
        .arg("--screenshot")
        .arg(&png);
    for step in &steps {
        command.arg("--step").arg(step);
    }
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run node: {e}; run scripts/setup"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let result: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("html-report.mjs printed no JSON result ({e}):\n{stdout}\n{stderr}")
    });
    assert!(
        output.status.success(),
        "Chromium found problems with {}:\n{stdout}\n{stderr}",
        html.display()
    );
    for list in ["failures", "consoleErrors", "pageErrors", "requests"] {
        assert_eq!(result[list], json!([]), "{list}:\n{stdout}");
    }
    assert_eq!(result["rows"], json!(n), "one row per finding:\n{stdout}");
    assert_eq!(
        result["visibleCollapsed"],
        json!(0),
        "the groups open collapsed:\n{stdout}"
    );
    assert_eq!(result["visibleExpanded"], json!(n), "{stdout}");
    let visible: Vec<u64> = result["steps"]
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["visible"].as_u64()).collect())
        .unwrap_or_default();
    assert_eq!(
        visible,
        vec![failing.len() as u64, by_severity as u64, by_service as u64],
        "each filter leaves the matching rows:\n{stdout}"
    );
    assert!(visible[0] < n as u64, "filtering changed the visible rows");
    assert_eq!(
        result["visibleAfterReset"],
        json!(n),
        "reset shows every row again"
    );
    let image =
        std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot {}: {e}", png.display()));
    assert!(
        image.starts_with(b"\x89PNG\r\n\x1a\n") && image.len() > 20_000,
        "{} is not a screenshot of a page ({} bytes)",
        png.display(),
        image.len()
    );
}

#[test]
fn html_report_of_3000_findings_loads_and_filters_in_chromium() {
    opens_and_filters(3_000, "html-report");
}

#[test]
fn html_report_of_50000_findings_loads_and_filters_in_chromium() {
    opens_and_filters(50_000, "html-report-50000");
}
