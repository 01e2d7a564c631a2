//! The `plumb` command end to end: a real binary, a moto server on loopback
//! seeded with the demo account, and real SQLite and PostgreSQL stores.

mod common;

use std::process::Output;

use common::{json, plumb, stderr, stdout};
use plumb_testkit::MotoServer;
use serde_json::Value;

const SERVICES: &str = "s3,iam,account,ec2,vpc,kms,cloudtrail";

fn seeded_server() -> MotoServer {
    let server = MotoServer::start();
    common::seed(&server, |config| async move {
        plumb_aws::seed::demo(&config).await.expect("demo seeding")
    });
    server
}

fn collect(db: &str, server: &MotoServer) -> Output {
    plumb(
        db,
        &[
            "collect",
            "--endpoint-url",
            &server.url(),
            "--regions",
            "us-east-1",
            "--services",
            SERVICES,
        ],
    )
}

/// Collection ends 0 (complete) or 4 (complete but partial, as coverage says).
fn assert_collected(o: &Output) {
    assert!(
        matches!(o.status.code(), Some(0) | Some(4)),
        "collect failed ({:?}): {}\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
}

#[test]
fn collect_writes_a_snapshot_that_every_command_reads_back() {
    let server = seeded_server();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plumb.db").display().to_string();

    let out = collect(&db, &server);
    assert_collected(&out);
    assert!(
        stdout(&out).contains(&format!("Snapshot 1 written to {db}")),
        "{}",
        stdout(&out)
    );

    // Collected but never checked: nothing to report yet.
    let report = plumb(&db, &["report"]);
    assert_eq!(report.status.code(), Some(2));
    assert!(
        stderr(&report).contains("run `plumb check --snapshot 1` first"),
        "{}",
        stderr(&report)
    );

    let snapshots = json(&plumb(&db, &["snapshots", "--format", "json"]));
    let snap = &snapshots[0];
    assert_eq!(snap["id"], 1);
    assert!(snap["started_at"].is_string() && snap["finished_at"].is_string());
    let coverage = snap["coverage"].as_array().unwrap();
    assert!(coverage.len() >= SERVICES.split(',').count());
    for c in coverage {
        for field in [
            "account",
            "region",
            "service",
            "status",
            "error",
            "api_calls",
            "resources",
        ] {
            assert!(c.get(field).is_some(), "coverage lacks {field}: {c}");
        }
        assert!(c["status"] == "ok" || c["status"] == "error");
    }

    let buckets = json(&plumb(
        &db,
        &[
            "inventory",
            "list",
            "--kind",
            "aws_s3_bucket",
            "--format",
            "json",
        ],
    ));
    let buckets = buckets.as_array().unwrap();
    assert_eq!(buckets.len(), 3);
    for b in buckets {
        for field in ["uid", "kind", "provider", "account", "region", "name"] {
            assert!(b[field].is_string(), "{field} missing in {b}");
        }
        assert!(b["tags"].is_object() && b["props"].is_object());
    }
    let public = buckets
        .iter()
        .find(|b| b["name"] == "acme-public-assets-123456789012")
        .expect("the public bucket");
    assert_eq!(public["props"]["policy"]["Statement"][0]["Principal"], "*");

    let instances = json(&plumb(
        &db,
        &[
            "inventory",
            "list",
            "--kind",
            "aws_instance",
            "--format",
            "json",
        ],
    ));
    let instance = &instances[0];
    let shown = json(&plumb(
        &db,
        &[
            "inventory",
            "show",
            instance["uid"].as_str().unwrap(),
            "--format",
            "json",
        ],
    ));
    let out_edges = shown["edges_out"].as_array().expect("edges_out");
    assert!(
        out_edges.iter().any(|e| e["relation"] == "protected_by"),
        "{out_edges:?}"
    );
    assert!(shown["edges_in"].is_array());
    for e in out_edges {
        assert!(e["relation"].is_string() && e["uid"].is_string());
    }

    let counted = json(&plumb(
        &db,
        &[
            "inventory",
            "query",
            "SELECT COUNT(*) AS n FROM resources",
            "--format",
            "json",
        ],
    ));
    assert!(counted[0]["n"].as_i64().unwrap() > 5);

    let summary = plumb(&db, &["inventory", "summary"]);
    assert_eq!(summary.status.code(), Some(0));
    assert!(stdout(&summary).contains("aws_s3_bucket"));

    // The demo user's console password was set while seeding; no secret
    // value may reach the store.
    let bytes = std::fs::read(&db).unwrap();
    let wal = std::fs::read(format!("{db}-wal")).unwrap_or_default();
    for haystack in [&bytes, &wal] {
        assert!(
            !contains(haystack, b"Demo-only-password-1"),
            "a password was stored"
        );
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn queries_cannot_write_and_bad_input_exits_2() {
    let server = MotoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plumb.db").display().to_string();

    let empty = plumb(&db, &["inventory", "list"]);
    assert_eq!(empty.status.code(), Some(2));
    assert!(
        stderr(&empty).contains("plumb collect"),
        "{}",
        stderr(&empty)
    );

    let out = plumb(
        &db,
        &[
            "collect",
            "--endpoint-url",
            &server.url(),
            "--regions",
            "us-east-1",
            "--services",
            "s3",
        ],
    );
    assert_collected(&out);

    let write = plumb(&db, &["inventory", "query", "DELETE FROM snapshots"]);
    assert_eq!(write.status.code(), Some(2), "{}", stderr(&write));
    assert_eq!(
        json(&plumb(&db, &["snapshots", "--format", "json"]))
            .as_array()
            .unwrap()
            .len(),
        1
    );

    for (args, message) in [
        (
            vec![
                "collect",
                "--services",
                "s3,nosuch",
                "--endpoint-url",
                "http://127.0.0.1:1",
            ],
            "unknown service `nosuch`",
        ),
        (
            vec!["collect", "--regions", "eu west 1"],
            "is not a region name",
        ),
        (vec!["collect", "--regions", "all,eu-west-1"], "not both"),
        (
            vec!["inventory", "list", "--kind", "aws_nope"],
            "unknown kind `aws_nope`",
        ),
        (
            vec!["inventory", "list", "--snapshot", "yesterday"],
            "not a snapshot id",
        ),
        (
            vec!["inventory", "show", "arn:aws:s3:::absent"],
            "no resource `arn:aws:s3:::absent`",
        ),
        (
            vec!["inventory", "list", "--snapshot", "99"],
            "no snapshot 99",
        ),
        (vec!["kinds", "show", "aws_nope"], "unknown kind"),
        (
            vec!["collect", "--assume-role", "Audit"],
            "needs --accounts",
        ),
    ] {
        let o = plumb(&db, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn an_unreachable_endpoint_fails_with_a_clear_error_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plumb.db").display().to_string();
    let o = plumb(
        &db,
        &[
            "collect",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--regions",
            "us-east-1",
            "--max-attempts",
            "1",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot identify the AWS account"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());
    let list = json(&plumb(&db, &["snapshots", "--format", "json"]));
    assert_eq!(list.as_array().unwrap().len(), 0);
}

#[test]
fn the_postgres_store_serves_the_same_commands() {
    let server = seeded_server();
    let admin = std::env::var("PLUMB_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("plumb_cli_test_{}", std::process::id());
    let mut client =
        postgres::Client::connect(&admin, postgres::NoTls).expect("PostgreSQL on 127.0.0.1:5432");
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let db = format!("{}/{name}", &admin[..admin.rfind('/').unwrap()]);

    assert_collected(&collect(&db, &server));
    let buckets = json(&plumb(
        &db,
        &[
            "inventory",
            "list",
            "--kind",
            "aws_s3_bucket",
            "--format",
            "json",
        ],
    ));
    assert_eq!(buckets.as_array().unwrap().len(), 3);
    let n = json(&plumb(
        &db,
        &[
            "inventory",
            "query",
            "SELECT COUNT(*) AS n FROM resources WHERE props->>'name' LIKE 'acme-%'",
            "--format",
            "json",
        ],
    ));
    assert_eq!(n[0]["n"], "3");
    let write = plumb(&db, &["inventory", "query", "DROP TABLE resources"]);
    assert_eq!(write.status.code(), Some(2));

    drop(client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")));
}

#[test]
fn kinds_document_their_fields_and_permissions_list_every_action() {
    let db = "unused.db";
    let kinds = json(&plumb(db, &["kinds", "--format", "json"]));
    assert!(kinds
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["kind"] == "aws_s3_bucket"));
    let shown = plumb(db, &["kinds", "show", "aws_s3_bucket"]);
    assert_eq!(shown.status.code(), Some(0));
    assert!(
        stdout(&shown).contains("props.public_access_block.block_public_policy"),
        "{}",
        stdout(&shown)
    );

    let permissions = json(&plumb(db, &["permissions", "--format", "json"]));
    let actions = permissions["policy"]["Statement"][0]["Action"]
        .as_array()
        .unwrap();
    for needed in [
        "s3:GetBucketPolicy",
        "sts:GetCallerIdentity",
        "ec2:DescribeRegions",
    ] {
        assert!(actions.iter().any(|a| a == needed), "{needed} missing");
    }
    assert!(
        !std::path::Path::new(db).exists(),
        "kinds and permissions need no store"
    );
}

fn scan_json(db: &str, server: &MotoServer, extra: &[&str]) -> Output {
    let url = server.url();
    let mut args = vec![
        "scan",
        "--endpoint-url",
        url.as_str(),
        "--regions",
        "us-east-1",
        "--services",
        "s3",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    plumb(db, &args)
}

#[test]
fn scan_reports_findings_and_posture_and_gates_ci() {
    let server = seeded_server();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plumb.db").display().to_string();

    let out = scan_json(&db, &server, &["--fail-on", "high"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "a high failure gates CI: {}",
        stderr(&out)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report on stdout");
    assert_eq!(report["snapshot"], 1);

    // A reader that goes away (`plumb check --format json | head`) ends the
    // command quietly, whichever part of the report it was writing.
    assert!(
        out.stdout.len() > 1 << 17,
        "the report outgrows a pipe's buffer ({} bytes)",
        out.stdout.len()
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args(["--db", db.as_str(), "check", "--format", "json"])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("plumb runs");
    let mut head = [0u8; 16];
    std::io::Read::read_exact(&mut child.stdout.take().expect("stdout"), &mut head)
        .expect("the report starts");
    let gone = child.wait_with_output().expect("plumb ends");
    assert_eq!(gone.status.code(), Some(0), "{}", stderr(&gone));
    assert!(!stderr(&gone).contains("error"), "{}", stderr(&gone));

    let findings = report["findings"].as_array().unwrap();
    let public = findings
        .iter()
        .find(|f| {
            f["check_id"] == "s3_bucket_public_access_blocked"
                && f["resource_uid"] == "arn:aws:s3:::acme-public-assets-123456789012"
        })
        .expect("the public bucket is judged");
    assert_eq!(public["status"], "fail");
    for field in [
        "title",
        "severity",
        "kind",
        "account",
        "region",
        "evidence",
        "controls",
        "remediation",
    ] {
        assert!(public.get(field).is_some(), "finding lacks {field}");
    }
    assert!(public["controls"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "cis-aws-5.0:2.1.4"));
    assert!(public["remediation"]
        .as_str()
        .unwrap()
        .contains("--bucket acme-public-assets-123456789012"));
    let data = findings
        .iter()
        .find(|f| {
            f["resource_uid"] == "arn:aws:s3:::acme-customer-data-123456789012"
                && f["check_id"] == "s3_bucket_public_access_blocked"
        })
        .unwrap();
    assert_eq!(data["status"], "pass");
    let posture = report["posture"].as_array().unwrap();
    let cis = posture
        .iter()
        .find(|p| p["framework"] == "cis-aws-5.0")
        .expect("CIS posture");
    let control = cis["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "2.1.4")
        .unwrap();
    assert_eq!(control["status"], "fail");
    assert!(control.get("guidance").is_none(), "{control}");
    // A manual control tells the auditor how to assess it.
    let contacts = cis["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "1.1")
        .unwrap();
    assert_eq!(contacts["status"], "manual");
    assert!(
        contacts["guidance"]
            .as_str()
            .is_some_and(|g| g.contains("aws account get-contact-information")),
        "{contacts}"
    );

    // The findings are stored with the snapshot; a re-check reproduces them.
    let stored = json(&plumb(
        &db,
        &[
            "inventory",
            "query",
            "SELECT COUNT(*) AS n FROM findings WHERE snapshot_id = 1",
            "--format",
            "json",
        ],
    ));
    assert_eq!(stored[0]["n"].as_i64(), Some(findings.len() as i64));

    // `plumb report` reports the stored findings again, evaluating nothing.
    let reported = plumb(&db, &["report", "--snapshot", "1", "--format", "json"]);
    assert_eq!(reported.status.code(), Some(0), "{}", stderr(&reported));
    let reported = json(&reported);
    assert_eq!(reported["findings"], report["findings"]);
    assert_eq!(reported["posture"], report["posture"]);
    let only = json(&plumb(
        &db,
        &["report", "--framework", "aws-fsbp", "--format", "json"],
    ));
    let only_findings = only["findings"].as_array().unwrap();
    assert!(!only_findings.is_empty() && only_findings.len() < findings.len());
    assert!(only_findings.iter().all(|f| f["controls"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c.as_str().unwrap().starts_with("aws-fsbp:"))));
    let frameworks: Vec<&Value> = only["posture"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["framework"])
        .collect();
    assert_eq!(frameworks, ["aws-fsbp"]);
    let unknown = plumb(&db, &["report", "--framework", "cis-aws-9.9"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", stderr(&unknown));
    let missing = plumb(&db, &["report", "--snapshot", "99"]);
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    let again = plumb(
        &db,
        &[
            "check",
            "--snapshot",
            "1",
            "--checks",
            "s3_bucket_public_access_blocked",
            "--fail-on",
            "critical",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        again.status.code(),
        Some(0),
        "a high failure does not gate on critical: {}",
        stderr(&again)
    );

    let table = plumb(&db, &["check"]);
    assert_eq!(table.status.code(), Some(0));
    let text = stdout(&table);
    assert!(
        text.find("FRAMEWORK").unwrap() < text.find("HIGH").unwrap(),
        "posture first, then failures: {text}"
    );
    assert!(
        !text.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );

    // The other formats, to a file; every finding is in each.
    for (format, file) in [
        ("json", "report.json"),
        ("csv", "report.csv"),
        ("junit", "report.xml"),
        ("markdown", "report.md"),
        ("sarif", "report.sarif"),
        ("ocsf", "report.ocsf.jsonl"),
        ("html", "report.html"),
    ] {
        let path = std::path::Path::new(&db).with_file_name(file);
        let out = plumb(
            &db,
            &[
                "check",
                "--format",
                format,
                "--output",
                path.to_str().unwrap(),
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert!(
            stdout(&out).is_empty(),
            "{format}: the report goes to the file"
        );
        let written = std::fs::read_to_string(&path).unwrap();
        match format {
            "json" => {
                let doc: Value = serde_json::from_str(&written).unwrap();
                assert_eq!(doc["schema_version"], 1);
                assert_eq!(doc["findings"].as_array().unwrap().len(), findings.len());
                assert_valid_report(&path);
            }
            "csv" => {
                let rows = csv::Reader::from_reader(written.as_bytes())
                    .records()
                    .count();
                assert_eq!(rows, findings.len(), "one row per finding");
            }
            "junit" => assert!(written.contains("<testsuites ") && written.contains("<failure ")),
            "sarif" => {
                let doc: Value = serde_json::from_str(&written).unwrap();
                let failing = findings.iter().filter(|f| f["status"] == "fail").count();
                assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), failing);
                assert!(!doc["runs"][0]["tool"]["driver"]["rules"]
                    .as_array()
                    .unwrap()
                    .is_empty());
            }
            "ocsf" => {
                let events: Vec<Value> = written
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect();
                assert_eq!(events.len(), findings.len(), "one event per finding");
                assert!(events.iter().all(|e| e["class_uid"] == 2003));
                // The snapshot's time, not the time of the report.
                assert!(events.iter().all(|e| e["time"] == events[0]["time"]));
            }
            "html" => {
                assert!(written.starts_with("<!DOCTYPE html>"));
                assert_eq!(
                    written.matches(" data-st=").count(),
                    findings.len(),
                    "a row per finding"
                );
            }
            _ => assert!(
                written.starts_with("## Plumb: snapshot 1")
                    && written.contains("### Failures by severity")
            ),
        }
    }
    let out = plumb(&db, &["check", "--output", "/tmp/never.txt"]);
    assert_eq!(out.status.code(), Some(2), "the table is for the terminal");
    assert!(
        stderr(&out).contains("json, csv, junit, markdown, sarif") && stderr(&out).contains("html"),
        "the error lists every file format: {}",
        stderr(&out)
    );

    // Several formats at once, one file each.
    let dir = std::path::Path::new(&db).with_file_name("reports");
    let out = plumb(
        &db,
        &[
            "check",
            "--format",
            "sarif-not-yet",
            "--output-dir",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown format is a usage error"
    );
    let out = plumb(
        &db,
        &[
            "check",
            "--format",
            "json",
            "--format",
            "csv",
            "--format",
            "markdown",
            "--format",
            "ocsf",
            "--output-dir",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut written: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            "report.csv",
            "report.json",
            "report.md",
            "report.ocsf.jsonl"
        ]
    );
    let out = plumb(&db, &["check", "--format", "json", "--format", "csv"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "several formats need --output-dir"
    );
}

#[test]
fn a_malformed_policy_exits_2_naming_file_line_and_column_and_runs_nothing() {
    let server = seeded_server();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plumb.db").display().to_string();
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    std::fs::write(
        policies.join("tags.yaml"),
        "id: org_owner_tag\ntitle: t\nrisk: r\nseverity: low\nkind: aws_s3_buckets\ncondition: has(resource.tags.owner)\nevidence: [tags.owner]\nremediation:\n  text: tag it\n",
    )
    .unwrap();
    let out = scan_json(&db, &server, &["--policies", policies.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("tags.yaml:5:7"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unknown kind `aws_s3_buckets`"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
    // Refused before collecting: nothing was stored.
    assert_eq!(
        json(&plumb(&db, &["snapshots", "--format", "json"]))
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn mutes_in_plumb_toml_mark_findings_muted_with_their_reason() {
    let server = seeded_server();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plumb.db").display().to_string();
    let config = dir.path().join("plumb.toml");
    std::fs::write(
        &config,
        "[[mute]]\nresource = \"arn:aws:s3:::acme-public-assets-*\"\nreason = \"public website, SEC-42\"\n\n[[mute]]\nresource = \"arn:aws:s3:::acme-logs-*\"\nreason = \"old exception\"\nexpires = \"2020-01-01\"\n",
    )
    .unwrap();
    let out = scan_json(
        &db,
        &server,
        &["--config", config.to_str().unwrap(), "--fail-on", "high"],
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "the expired mute leaves a failure: {}",
        stderr(&out)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let muted = findings
        .iter()
        .find(|f| f["resource_uid"] == "arn:aws:s3:::acme-public-assets-123456789012")
        .unwrap();
    assert_eq!(muted["status"], "muted");
    assert_eq!(muted["reason"], "public website, SEC-42");
    let expired = findings
        .iter()
        .find(|f| f["resource_uid"] == "arn:aws:s3:::acme-logs-123456789012")
        .unwrap();
    assert_eq!(expired["status"], "fail");
    assert!(report["notices"][0]
        .as_str()
        .unwrap()
        .contains("expired on 2020-01-01"));

    std::fs::write(&config, "[[mute]]\ncheck = \"s3_*\"\n").unwrap();
    let bad = plumb(&db, &["check", "--config", config.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("plumb.toml:2:9") && stderr(&bad).contains("reason"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn the_library_and_frameworks_are_browsable() {
    let db = "unused.db";
    let list = json(&plumb(
        db,
        &[
            "checks",
            "list",
            "--framework",
            "cis-aws-5.0",
            "--format",
            "json",
        ],
    ));
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == "s3_bucket_public_access_blocked"));
    let show = plumb(db, &["checks", "show", "s3_bucket_public_access_blocked"]);
    assert!(
        stdout(&show).contains("cis-aws-5.0:2.1.4"),
        "{}",
        stdout(&show)
    );
    let frameworks = json(&plumb(db, &["frameworks", "list", "--format", "json"]));
    assert_eq!(frameworks.as_array().unwrap().len(), 8);
    let cis = json(&plumb(
        db,
        &["frameworks", "show", "cis-aws-5.0", "--format", "json"],
    ));
    let manual = cis["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "1.1")
        .unwrap();
    assert_eq!(manual["assessment"], "manual");
    assert!(
        manual["guidance"]
            .as_str()
            .is_some_and(|g| g.contains("aws account get-contact-information")),
        "{manual}"
    );
    assert_eq!(
        plumb(db, &["checks", "show", "nope"]).status.code(),
        Some(2)
    );
    assert_eq!(
        plumb(db, &["frameworks", "show", "nope"]).status.code(),
        Some(2)
    );
}

#[test]
fn frameworks_show_prints_how_to_assess_each_manual_control() {
    let show = plumb("unused.db", &["frameworks", "show", "cis-aws-6.0"]);
    assert_eq!(show.status.code(), Some(0), "{}", stderr(&show));
    let text = stdout(&show);
    // 2.1 is manual: its guidance is indented under its title.
    let row = text
        .lines()
        .position(|l| l.contains("Maintain current contact details"))
        .unwrap_or_else(|| panic!("no row for 2.1: {text}"));
    let next = text.lines().nth(row + 1).unwrap();
    assert!(
        next.contains("  How to assess: Check that the account's primary contact"),
        "{next}"
    );
    assert!(text.contains("get-contact-information"), "{text}");
    // Once per manual control, and never for an automated one.
    let cis = json(&plumb(
        "unused.db",
        &["frameworks", "show", "cis-aws-6.0", "--format", "json"],
    ));
    let manual = cis["controls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["assessment"] == "manual")
        .count();
    assert_eq!(text.matches("How to assess:").count(), manual);
}

/// Replaces the ids moto makes up (`i-0abc…`, `sg-…`, `vol-…`) by `<kind>-*`
/// so that the expected findings read the same on every run.
fn normalise_ids(uid: &str) -> String {
    let mut out = String::new();
    for (i, part) in uid.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        let mut pieces = part.rsplitn(2, ':');
        let last = pieces.next().unwrap_or("");
        if let Some(prefix) = pieces.next() {
            out.push_str(prefix);
            out.push(':');
        }
        let is_uuid = last.len() == 36
            && last.chars().enumerate().all(|(i, c)| {
                if [8, 13, 18, 23].contains(&i) {
                    c == '-'
                } else {
                    c.is_ascii_hexdigit()
                }
            });
        if is_uuid {
            out.push('*');
            continue;
        }
        match last.split_once('-') {
            Some((kind, id))
                if id.len() >= 8
                    && id.chars().all(|c| c.is_ascii_hexdigit())
                    && kind.chars().all(|c| c.is_ascii_lowercase()) =>
            {
                out.push_str(kind);
                out.push_str("-*");
            }
            _ => out.push_str(last),
        }
    }
    out
}

#[test]
fn the_demo_account_fails_exactly_the_expected_checks() {
    let server = seeded_server();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plumb.db").display().to_string();
    let out = plumb(
        &db,
        &[
            "scan",
            "--endpoint-url",
            &server.url(),
            "--regions",
            "us-east-1",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let mut failing: Vec<String> = findings
        .iter()
        .filter(|f| f["status"] == "fail")
        .map(|f| {
            format!(
                "{} {}",
                f["check_id"].as_str().unwrap(),
                normalise_ids(f["resource_uid"].as_str().unwrap())
            )
        })
        .collect();
    failing.sort();
    failing.dedup();
    let have = failing.join("\n") + "\n";
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expected/demo_failures.txt");
    if std::env::var_os("PLUMB_BLESS").is_some() {
        std::fs::write(&path, &have).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "the demo's failures changed; review and run with PLUMB_BLESS=1 to accept:\n--- expected\n{want}\n--- got\n{have}"
    );
    // And what is configured well passes.
    let passes = |check: &str, uid: &str| {
        findings
            .iter()
            .any(|f| f["check_id"] == check && f["resource_uid"] == uid && f["status"] == "pass")
    };
    assert!(passes(
        "s3_bucket_public_access_blocked",
        "arn:aws:s3:::acme-customer-data-123456789012"
    ));

    // `check` reads the stored snapshot a page at a time (`scan` evaluated
    // it in memory): every finding is the same.
    let out = plumb(&db, &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rechecked: Value = serde_json::from_slice(&out.stdout).unwrap();
    let outcomes = |findings: &[Value]| -> Vec<String> {
        let mut all: Vec<String> = findings
            .iter()
            .map(|f| format!("{} {} {}", f["check_id"], f["resource_uid"], f["status"]))
            .collect();
        all.sort();
        all
    };
    assert_eq!(
        outcomes(rechecked["findings"].as_array().unwrap()),
        outcomes(findings)
    );
}

#[test]
fn ids_made_up_by_the_emulator_are_normalised() {
    assert_eq!(
        normalise_ids("arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0"),
        "arn:aws:ec2:us-east-1:123456789012:instance/i-*"
    );
    assert_eq!(
        normalise_ids("arn:aws:s3:::acme-logs-123456789012"),
        "arn:aws:s3:::acme-logs-123456789012"
    );
    assert_eq!(
        normalise_ids("aws_account:123456789012"),
        "aws_account:123456789012"
    );
}

/// Validates a JSON report against `docs/report.schema.json` with the
/// `jsonschema` package of the project's venv (installed by scripts/setup).
fn assert_valid_report(report: &std::path::Path) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join(".venv/bin/python");
    let out = std::process::Command::new(&python)
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1]))\n\
             jsonschema.Draft202012Validator.check_schema(schema)\n\
             errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))\n\
             [print(list(e.absolute_path), e.message) for e in errors[:10]]\n\
             sys.exit(1 if errors else 0)",
        ])
        .arg(root.join("docs/report.schema.json"))
        .arg(report)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/setup)", python.display()));
    assert!(
        out.status.success(),
        "{} does not match docs/report.schema.json:\n{}{}",
        report.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Scans the demo account with a plumb.toml that marks confidential data
/// sensitive; returns the store and the config's path.
fn scan_demo_with_context(dir: &std::path::Path, server: &MotoServer) -> (String, String) {
    let db = dir.join("plumb.db").display().to_string();
    let config = dir.join("plumb.toml");
    std::fs::write(
        &config,
        "known_accounts = [\"111122223333\"]\n[sensitive]\ntags = { \"data-classification\" = [\"confidential\", \"restricted\"] }\n",
    )
    .unwrap();
    let config = config.display().to_string();
    let out = plumb(
        &db,
        &[
            "scan",
            "--endpoint-url",
            &server.url(),
            "--regions",
            "us-east-1",
            "--config",
            &config,
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    (db, config)
}

#[test]
fn exposure_and_graph_show_what_the_internet_reaches_in_the_demo_account() {
    let server = seeded_server();
    let dir = tempfile::tempdir().unwrap();
    let (db, config) = scan_demo_with_context(dir.path(), &server);

    let out = plumb(&db, &["exposure", "--config", &config, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("Computing"),
        "scan stored the context: {}",
        stderr(&out)
    );
    let exposed = json(&out);
    let by_kind = |kind: &str| -> Vec<&Value> {
        exposed
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == kind)
            .collect()
    };
    // The instance: SSH open to the world, public address, public subnet.
    let instance = by_kind("aws_instance");
    assert_eq!(instance.len(), 1, "{exposed}");
    assert_eq!(
        instance[0]["ports"],
        serde_json::json!([{"protocol": "tcp", "from": 22, "to": 22}])
    );
    let hops: Vec<&str> = instance[0]["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert_eq!(hops[0], "internet");
    for (hop, kind) in hops[1..].iter().zip([
        "internet-gateway/igw-",
        "route-table/rtb-",
        "subnet/subnet-",
        "network-acl/acl-",
        "security-group/sg-",
        "instance/i-",
    ]) {
        assert!(hop.contains(kind), "{hop} should be a {kind}: {hops:?}");
    }
    // The public bucket; not the data bucket, which blocks public access.
    let buckets: Vec<&str> = by_kind("aws_s3_bucket")
        .iter()
        .map(|b| b["uid"].as_str().unwrap())
        .collect();
    assert_eq!(buckets, ["arn:aws:s3:::acme-public-assets-123456789012"]);
    assert_eq!(by_kind("aws_ebs_snapshot").len(), 1, "the public snapshot");

    // The instance's neighbourhood, two edges out: its role among them.
    let uid = instance[0]["uid"].as_str().unwrap();
    let graph = json(&plumb(
        &db,
        &["graph", uid, "--depth", "2", "--format", "json"],
    ));
    let nodes: Vec<&str> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["uid"].as_str().unwrap())
        .collect();
    assert!(
        nodes.contains(&"arn:aws:iam::123456789012:role/web-app"),
        "{nodes:?}"
    );
    assert!(graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["from"] == uid && e["relation"] == "protected_by"));
    let dot = plumb(&db, &["graph", uid]);
    assert!(
        stdout(&dot).starts_with("digraph plumb {"),
        "{}",
        stdout(&dot)
    );
    let missing = plumb(&db, &["graph", "arn:aws:s3:::nope"]);
    assert_eq!(missing.status.code(), Some(2));
}

/// The demo account is a toxic combination: an instance open to the
/// internet on SSH runs as an admin role that can also write the
/// confidential customer bucket. `plumb risks` ranks it first, with the
/// path that proves it.
#[test]
fn risks_rank_the_toxic_combination_first_with_its_path() {
    let server = seeded_server();
    let dir = tempfile::tempdir().unwrap();
    let (db, config) = scan_demo_with_context(dir.path(), &server);

    let out = plumb(&db, &["risks", "--config", &config, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ranked = json(&out);
    let ranked = ranked.as_array().unwrap();
    let first = &ranked[0];
    assert!(
        first["resource_uid"]
            .as_str()
            .unwrap()
            .contains(":instance/i-"),
        "{first}"
    );
    assert_eq!(first["risk_score"], 100.0);
    assert!(first["check_ids"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "ec2_instance_admin_ports_not_exposed_to_internet"));
    let path: Vec<&str> = first["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert_eq!(path[0], "internet");
    assert_eq!(
        &path[path.len() - 3..],
        [
            first["resource_uid"].as_str().unwrap(),
            "arn:aws:iam::123456789012:instance-profile/web-app",
            "arn:aws:iam::123456789012:role/web-app",
        ]
    );
    assert!(
        first["reason"].as_str().unwrap().contains("admin"),
        "{first}"
    );
    // Scores never rise down the list.
    let scores: Vec<f64> = ranked
        .iter()
        .map(|r| r["risk_score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // Every failure carries its risk; check filters and sorts by it.
    let report = json(&plumb(
        &db,
        &[
            "check", "--config", &config, "--sort", "risk", "--format", "json",
        ],
    ));
    let findings = report["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .filter(|f| f["status"] == "fail")
        .all(|f| f["risk_score"].is_number()));
    assert!(findings
        .iter()
        .filter(|f| f["status"] != "fail")
        .all(|f| f.get("risk_score").is_none()));
    assert_eq!(findings[0]["risk_score"], 100.0, "riskiest first");
    let high = json(&plumb(
        &db,
        &[
            "check",
            "--config",
            &config,
            "--min-risk",
            "90",
            "--format",
            "json",
        ],
    ));
    let failing: Vec<&Value> = high["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail")
        .collect();
    assert!(!failing.is_empty());
    assert!(failing
        .iter()
        .all(|f| f["risk_score"].as_f64().unwrap() >= 90.0));
    assert_eq!(
        high["posture"], report["posture"],
        "posture counts every finding"
    );
    let bad = plumb(&db, &["check", "--min-risk", "101"]);
    assert_eq!(bad.status.code(), Some(2));
    let top = json(&plumb(
        &db,
        &[
            "risks", "--config", &config, "--top", "2", "--format", "json",
        ],
    ));
    assert_eq!(top.as_array().unwrap().len(), 2);

    // The paths behind it: to admin, and to the confidential bucket.
    let admin = json(&plumb(
        &db,
        &[
            "paths", "--config", &config, "--to", "admin", "--format", "json",
        ],
    ));
    assert_eq!(admin.as_array().unwrap().len(), 1, "{admin}");
    assert_eq!(admin[0]["impact"], "admin");
    let data = json(&plumb(
        &db,
        &[
            "paths",
            "--config",
            &config,
            "--to",
            "aws_s3_bucket",
            "--format",
            "json",
        ],
    ));
    let targets: Vec<&str> = data
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["arn:aws:s3:::acme-customer-data-123456789012"]);
    let dot = plumb(&db, &["paths", "--config", &config, "--format", "dot"]);
    assert!(stdout(&dot).contains("-> \"arn:aws:iam::123456789012:role/web-app\""));

    // Without the sensitive rule the bucket is no target; the admin path stays.
    let plain = dir.path().join("plain.toml");
    std::fs::write(&plain, "").unwrap();
    let data = json(&plumb(
        &db,
        &[
            "paths",
            "--config",
            plain.to_str().unwrap(),
            "--to",
            "aws_s3_bucket",
            "--format",
            "json",
        ],
    ));
    assert_eq!(data, serde_json::json!([]));
}

/// Every automated fix on the demo account, against moto: plan (which
/// changes nothing), refuse without --yes, skip what changed since the plan
/// and the disruptive fixes unless allowed, apply, verify by collecting
/// again, and log; a new scan then passes those checks and nothing else
/// changed.
#[test]
fn fixes_are_planned_applied_verified_and_logged() {
    let server = seeded_server();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plumb.db").display().to_string();
    let before = common::scan(&db, &server);

    let plan_path = dir.path().join("plan.json");
    let items = common::plan(&db, &plan_path, &[]);
    let mut plan: Value =
        serde_json::from_str(&std::fs::read_to_string(&plan_path).unwrap()).unwrap();
    let fixes: std::collections::BTreeSet<&str> =
        items.iter().map(|i| i["fix"].as_str().unwrap()).collect();
    for fix in [
        "s3_block_public_access",
        "s3_account_block_public_access",
        "s3_enable_versioning",
        "ec2_require_imdsv2",
        "ec2_snapshot_private",
        "kms_enable_rotation",
        "cloudtrail_log_file_validation",
        "iam_password_policy_cis",
    ] {
        assert!(fixes.contains(fix), "{fix} planned: {fixes:?}");
    }
    // A plan made when the account's password policy looked different.
    let stale = items
        .iter()
        .position(|i| i["fix"] == "iam_password_policy_cis")
        .unwrap();
    let check = plan["items"][stale]["checks"][0]
        .as_str()
        .unwrap()
        .to_string();
    plan["items"][stale]["evidence"][&check] =
        serde_json::json!({"props.password_policy": {"minimum_password_length": 6}});
    std::fs::write(&plan_path, plan.to_string()).unwrap();

    let apply = |extra: &[&str]| {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        common::apply(&db, &server, &plan_path, &args)
    };
    let refused = apply(&[]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("--yes"));
    assert_eq!(
        common::scan(&db, &server),
        before,
        "nothing changed without --yes"
    );

    let out = apply(&["--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let results = json(&out);
    let outcome = |fix: &str| -> Vec<String> {
        results
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["fix"] == fix)
            .map(|r| {
                format!(
                    "{} {}",
                    r["outcome"].as_str().unwrap(),
                    r["detail"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    assert!(
        outcome("ec2_require_imdsv2")[0].starts_with("skipped may disrupt"),
        "{results}"
    );
    assert!(
        outcome("iam_password_policy_cis")[0].starts_with("skipped the resource changed"),
        "{results}"
    );
    assert!(
        outcome("kms_enable_rotation").iter().all(|o| o == "fixed "),
        "{results}"
    );
    assert!(
        outcome("s3_enable_versioning")
            .iter()
            .all(|o| o == "fixed "),
        "{results}"
    );

    // The disruptive ones, once allowed; what was fixed now already passes.
    let out = apply(&["--yes", "--allow-disruptive"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let results = json(&out);
    let outcomes: Vec<(&str, &str)> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["fix"].as_str().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert!(
        outcomes.contains(&("ec2_require_imdsv2", "fixed")),
        "{results}"
    );
    assert!(
        outcomes.contains(&("kms_enable_rotation", "skipped")),
        "{results}"
    );

    // A new scan: the fixed checks pass on their resources, the stale plan's
    // did not change, and every other finding is as before.
    let after = common::scan(&dir.path().join("second.db").display().to_string(), &server);
    let fixed: std::collections::BTreeSet<(String, String)> = items
        .iter()
        .filter(|i| i["fix"] != "iam_password_policy_cis")
        .flat_map(|i| {
            i["checks"].as_array().unwrap().iter().map(move |c| {
                (
                    c.as_str().unwrap().to_string(),
                    i["resource_uid"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect();
    // Revoking SSH from 0.0.0.0/0, the only rule of the demo's ssh-open
    // group, also closes the group to the internet for its other checks and
    // for the instance behind it; nothing else may change.
    let uid_of = |fix: &str| -> String {
        items
            .iter()
            .find(|i| i["fix"] == fix)
            .unwrap_or_else(|| panic!("{fix} planned"))["resource_uid"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (group, instance) = (
        uid_of("vpc_revoke_internet_admin_ingress"),
        uid_of("ec2_require_imdsv2"),
    );
    let also_pass: std::collections::BTreeSet<(String, String)> = [
        (
            "vpc_security_group_high_risk_ports_closed_to_internet",
            &group,
        ),
        (
            "vpc_security_group_internet_ingress_only_authorized_ports",
            &group,
        ),
        (
            "ec2_instance_admin_ports_not_exposed_to_internet",
            &instance,
        ),
    ]
    .into_iter()
    .map(|(c, r)| (c.to_string(), r.clone()))
    .collect();
    // The same emulator: the same uids.
    for (key, was) in &before {
        let status = after
            .get(key)
            .unwrap_or_else(|| panic!("{key:?} {was} gone"));
        if fixed.contains(key) {
            assert_eq!(status, "pass", "{key:?} {was} fixed");
        } else if also_pass.contains(key) {
            assert_eq!(
                (was.as_str(), status.as_str()),
                ("fail", "pass"),
                "{key:?} {was}"
            );
        } else {
            assert_eq!(status, was, "{key:?} {was} unchanged");
        }
    }

    // The audit log: one entry per action, who and what, never left applying.
    let log = json(&plumb(&db, &["fix", "log", "--format", "json"]));
    let log = log.as_array().unwrap();
    let applied = items.len() - 1;
    assert_eq!(log.len(), applied, "{log:?}");
    assert!(log.iter().all(|e| e["outcome"] == "fixed"
        && e["principal"].as_str().unwrap().starts_with("arn:aws:")
        && !e["after"].is_null()));
}

#[cfg(unix)]
#[test]
fn export_uses_a_token_written_in_plumb_toml_only_when_the_file_is_private() {
    use std::os::unix::fs::PermissionsExt as _;
    const TOKEN: &str = "ghp_written-in-plumb-toml";
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plumb.db").display().to_string();
    let path = dir.path().join("plumb.toml");
    std::fs::write(
        &path,
        format!("[export.github]\nrepo = \"acme/infra\"\ntoken = \"{TOKEN}\"\n"),
    )
    .unwrap();
    let file = path.display().to_string();
    let export = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_plumb"))
            .current_dir(dir.path())
            .arg("--db")
            .arg(&db)
            .args(["export", "--to", "github", "--dry-run"])
            .args(args)
            .env_remove("GITHUB_TOKEN")
            .env("NO_COLOR", "1")
            .output()
            .expect("plumb runs")
    };

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    for (args, name) in [
        (vec!["--config", file.as_str()], file.as_str()),
        (vec![], "plumb.toml"),
    ] {
        let o = export(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("--> {name}:3:9"))
                && err.contains("(mode 0644)")
                && err.contains(&format!("Run `chmod 600 {name}`"))
                && err.contains("`token_env`"),
            "{err}"
        );
        assert!(err.contains("3 | token = ****"), "{err}");
        assert!(!err.contains(TOKEN) && !stdout(&o).contains(TOKEN), "{err}");
    }

    // Private: the configuration is taken, and the command goes on to the
    // store (empty here).
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = export(&[]);
    let err = stderr(&o);
    assert!(err.contains("holds no snapshot yet"), "{err}");
    assert!(!err.contains("chmod") && !err.contains(TOKEN), "{err}");
}
