//! The check library as a whole: it loads, every check meets its fixtures,
//! and the engine fails closed.

use std::path::{Path, PathBuf};

use chrono::Utc;
use plumb_checks::Check;
use plumb_checks::{
    evaluate, evaluate_from, evaluate_with, posture, Assessment, ControlStatus, Evaluator, Library,
    MemorySource, PAGE,
};
use plumb_model::{Coverage, CoverageStatus, Resource, Scope, Snapshot, Status};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn coverage(account: &str, region: &str, service: &str, status: CoverageStatus) -> Coverage {
    Coverage {
        account: account.into(),
        region: region.into(),
        service: service.into(),
        status,
        error: (status == CoverageStatus::Error).then(|| "AccessDenied (x:Y): denied".to_string()),
        error_code: None,
        missing_permission: None,
        api_calls: 1,
        resources: 1,
        partial_resources: 0,
    }
}

/// A snapshot holding `resources`, with every unit of their services ok.
fn snapshot_of(resources: Vec<Resource>) -> Snapshot {
    let mut cov = Vec::new();
    let mut accounts = Vec::new();
    for r in &resources {
        let service = plumb_model::kinds::find(&r.kind)
            .map(|k| k.service)
            .unwrap_or("?");
        cov.push(coverage(&r.account, &r.region, service, CoverageStatus::Ok));
        if !accounts.contains(&r.account) {
            accounts.push(r.account.clone());
        }
    }
    Snapshot {
        id: 1,
        started_at: Utc::now(),
        finished_at: Utc::now(),
        scope: Scope {
            accounts,
            regions: vec!["us-east-1".into()],
            services: vec![],
        },
        coverage: cov,
        resources,
        edges: vec![],
    }
}

#[test]
fn the_builtin_library_loads_without_a_single_mistake() {
    let library = Library::builtin().unwrap_or_else(|e| panic!("{e}"));
    assert!(!library.checks.is_empty());
    for id in [
        "cis-aws-5.0",
        "cis-aws-6.0",
        "aws-fsbp",
        "pci-dss-4.0",
        "hipaa",
        "nist-800-53-r5",
        "soc2",
        "iso-27001-2022",
    ] {
        assert!(library.framework(id).is_some(), "framework {id} missing");
    }
}

#[test]
fn every_manual_control_of_the_builtin_frameworks_says_how_to_assess_it() {
    let library = Library::builtin().unwrap_or_else(|e| panic!("{e}"));
    let mut manual = 0;
    let mut without = Vec::new();
    for f in &library.frameworks {
        // Automated controls are decided by checks: guidance is optional there.
        for c in f
            .controls
            .iter()
            .filter(|c| c.assessment == Assessment::Manual)
        {
            manual += 1;
            if c.guidance.as_deref().is_none_or(|g| g.trim().is_empty()) {
                without.push(format!("{}:{}", f.id, c.id));
            }
        }
    }
    assert!(manual > 0, "no manual control at all");
    assert!(
        without.is_empty(),
        "manual controls without guidance (write it in frameworks/guidance/, then run scripts/import-frameworks): {without:?}"
    );
}

#[test]
fn the_posture_of_a_manual_control_tells_the_auditor_how_to_assess_it() {
    let library = Library::builtin().unwrap();
    let cis = library.framework("cis-aws-5.0").unwrap();
    let posture = posture(cis, &[], &library.checks_by_control());
    let control = |id: &str| posture.controls.iter().find(|c| c.id == id).unwrap();

    let contacts = control("1.1");
    assert_eq!(contacts.status, ControlStatus::Manual);
    assert!(
        contacts
            .guidance
            .as_deref()
            .is_some_and(|g| g.contains("aws account get-contact-information")),
        "{contacts:?}"
    );
    let automated = serde_json::to_value(control("2.1.4")).unwrap();
    assert!(automated.get("guidance").is_none(), "{automated}");
}

#[test]
fn every_check_meets_its_pass_and_fail_fixtures() {
    let library = Library::builtin().unwrap_or_else(|e| panic!("{e}"));
    let fixtures = root().join("checks/fixtures");
    for check in &library.checks {
        let dir = fixtures.join(&check.spec.id);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("{} has no fixtures in {}", check.spec.id, dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let name = |p: &PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            files.iter().any(|f| name(f).starts_with("pass_")),
            "{} has no pass_ fixture",
            check.spec.id
        );
        assert!(
            files.iter().any(|f| name(f).starts_with("fail_")),
            "{} has no fail_ fixture",
            check.spec.id
        );
        for file in files {
            let text = with_dates(&std::fs::read_to_string(&file).unwrap());
            let (resources, edges, collected) = parse_fixture(&file, &text);
            let resource = resources[0].clone();
            // `skip_`: the check does not apply (its applies_when is false).
            let expected = match name(&file).split('_').next() {
                Some("pass") => Some(Status::Pass),
                Some("fail") => Some(Status::Fail),
                Some("error") => Some(Status::Error),
                Some("skip") => None,
                _ => panic!(
                    "{}: fixture names start with pass_, fail_, error_ or skip_",
                    file.display()
                ),
            };
            let uid = resource.uid.clone();
            let mut snap = snapshot_of(resources);
            snap.edges = edges;
            for service in &collected {
                snap.coverage.push(coverage(
                    &resource.account,
                    "global",
                    service,
                    CoverageStatus::Ok,
                ));
            }
            let findings = evaluate(&[check], &snap);
            // The interpreter is the reference semantics of the compiled
            // evaluator: both must decide every fixture alike.
            let reference = evaluate_with(&[check], &snap, Evaluator::Interpreter);
            let outcomes = |f: &[plumb_model::Finding]| -> Vec<(String, Status)> {
                f.iter()
                    .map(|f| (f.resource_uid().to_string(), f.status))
                    .collect()
            };
            assert_eq!(
                outcomes(&findings),
                outcomes(&reference),
                "{}: the compiled evaluator and the cel interpreter disagree",
                file.display()
            );
            // Reading the resources a page at a time, as from a store,
            // decides alike, with pages of one resource and of many.
            for page_size in [1, PAGE] {
                let mut streamed = Vec::new();
                let mut source = MemorySource {
                    snapshot: &snap,
                    page_size,
                };
                evaluate_from(&[check], &snap, &mut source, Evaluator::Compiled, |_, f| {
                    streamed.extend(f)
                })
                .unwrap_or_else(|e| match e {});
                streamed.sort_by(|a, b| a.resource_uid().cmp(b.resource_uid()));
                // Whole findings: reading only the props the check reads
                // changes nothing in them (evidence, remediation, reasons).
                assert_eq!(
                    findings,
                    streamed,
                    "{}: evaluation a page at a time ({page_size}) and in memory disagree",
                    file.display()
                );
            }
            let found: Vec<_> = findings
                .iter()
                .filter(|f| *f.resource_uid() == *uid)
                .collect();
            let Some(expected) = expected else {
                assert!(
                    found.is_empty(),
                    "{}: the check should not apply: {found:#?}",
                    file.display()
                );
                continue;
            };
            assert_eq!(
                found.len(),
                1,
                "{}: expected one finding, got {findings:#?}",
                file.display()
            );
            assert_eq!(
                found[0].status,
                expected,
                "{}: {:?}",
                file.display(),
                found[0].reason
            );
            if expected == Status::Fail {
                assert!(
                    !found[0].remediation().contains("<resource."),
                    "{}: unrendered template",
                    file.display()
                );
            }
        }
    }
}

/// Fills `{{now}}`, `{{now-10d}}` and `{{now+30d}}` with RFC 3339 times, so
/// that fixtures about ages stay true whatever the day.
fn with_dates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{now") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .map(|e| start + e)
            .unwrap_or(rest.len());
        let spec = &rest[start + 5..end];
        let days: i64 = match spec.strip_suffix('d') {
            Some(n) if n.starts_with('-') || n.starts_with('+') => {
                n.parse().unwrap_or_else(|_| panic!("bad date {spec}"))
            }
            _ if spec.is_empty() => 0,
            _ => panic!("bad date placeholder {{{{now{spec}}}}}"),
        };
        out.push_str(
            &(Utc::now() + chrono::Duration::days(days))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
        rest = &rest[(end + 2).min(rest.len())..];
    }
    out.push_str(rest);
    out
}

/// A fixture is one resource, or `{"resources": [subject, …], "edges": […]}`
/// when the check reads related resources; the first resource is judged.
fn parse_fixture(file: &Path, text: &str) -> (Vec<Resource>, Vec<plumb_model::Edge>, Vec<String>) {
    #[derive(serde::Deserialize)]
    struct Many {
        resources: Vec<Resource>,
        #[serde(default)]
        edges: Vec<plumb_model::Edge>,
        /// Services collected (with nothing found) besides those of the
        /// resources: "the account has no trail at all".
        #[serde(default)]
        collected: Vec<String>,
    }
    let value: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    if value.get("resources").is_some() {
        let many: Many =
            serde_json::from_value(value).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            !many.resources.is_empty(),
            "{}: no resources",
            file.display()
        );
        (many.resources, many.edges, many.collected)
    } else {
        let one: Resource =
            serde_json::from_value(value).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        (vec![one], vec![], vec![])
    }
}

#[test]
fn every_fixture_directory_belongs_to_a_check() {
    let library = Library::builtin().unwrap_or_else(|e| panic!("{e}"));
    for entry in std::fs::read_dir(root().join("checks/fixtures")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            library.check(&name).is_some(),
            "fixtures for unknown check {name}"
        );
    }
}

fn bucket(name: &str, account: &str, region: &str) -> Resource {
    let mut r = Resource::new(
        format!("arn:aws:s3:::{name}"),
        "aws_s3_bucket",
        account,
        region,
        name,
    );
    r.props = serde_json::json!({"name": name, "public_access_block": null});
    r
}

#[test]
fn a_failed_unit_and_an_uncollected_service_are_errors_never_passes() {
    let library = Library::builtin().unwrap();
    let check = library.check("s3_bucket_public_access_blocked").unwrap();
    let mut snap = snapshot_of(vec![]);
    snap.scope.accounts = vec!["111122223333".into(), "444455556666".into()];
    snap.coverage = vec![coverage(
        "111122223333",
        "global",
        "s3",
        CoverageStatus::Error,
    )];
    let findings = evaluate(&[check], &snap);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    assert!(findings.iter().all(|f| f.status == Status::Error));
    assert!(findings
        .iter()
        .any(|f| f.reason.as_deref().unwrap().contains("AccessDenied")));
    assert!(findings.iter().any(|f| f
        .reason
        .as_deref()
        .unwrap()
        .contains("was not collected in this snapshot")));
}

#[test]
fn remediation_is_rendered_for_the_failing_resource() {
    let library = Library::builtin().unwrap();
    let check = library.check("s3_bucket_public_access_blocked").unwrap();
    let findings = evaluate(
        &[check],
        &snapshot_of(vec![bucket("acme-data", "111122223333", "eu-west-1")]),
    );
    let text = &findings[0].remediation();
    assert!(
        text.contains("--bucket acme-data --region eu-west-1"),
        "{text}"
    );
    assert!(
        text.contains("resource \"aws_s3_bucket_public_access_block\" \"acme-data\""),
        "{text}"
    );
    assert_eq!(
        findings[0].controls().to_vec(),
        vec!["aws-fsbp:S3.8", "cis-aws-5.0:2.1.4", "cis-aws-6.0:3.1.4"]
    );
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

const GOOD: &str = "id: org_bucket_owner_tag
title: Buckets carry an owner tag
risk: Nobody answers for an untagged bucket.
severity: low
kind: aws_s3_bucket
condition: |
  has(resource.tags.owner)
evidence: [tags.owner]
remediation:
  text: Tag the bucket with its owner.
";

#[test]
fn a_company_policy_in_the_same_format_loads_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "owner.yaml", GOOD);
    write(
        dir.path(),
        "ours.yaml",
        "id: acme-tagging\nname: ACME tagging policy\nversion: '1'\ncontrols:\n  - id: T1\n    title: Owner tag\n    assessment: automated\n",
    );
    let mut library = Library::builtin().unwrap();
    library
        .add_policies(dir.path())
        .unwrap_or_else(|e| panic!("{e}"));
    let check = library.check("org_bucket_owner_tag").unwrap();
    let mut tagged = bucket("tagged", "1", "us-east-1");
    tagged.tags.insert("owner".into(), "data".into());
    let findings = evaluate(
        &[check],
        &snapshot_of(vec![tagged, bucket("bare", "1", "us-east-1")]),
    );
    let statuses: Vec<_> = findings
        .iter()
        .map(|f| (f.resource_uid(), f.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("arn:aws:s3:::bare", Status::Fail),
            ("arn:aws:s3:::tagged", Status::Pass)
        ]
    );
    assert!(library.framework("acme-tagging").is_some());
}

/// Loads one bad policy and returns the report.
fn mistake(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.yaml", text);
    let mut library = Library::builtin().unwrap();
    let errors = library
        .add_policies(dir.path())
        .expect_err("a mistake must be refused");
    errors.to_string()
}

#[test]
fn malformed_policies_are_reported_with_file_line_and_column() {
    let yaml = mistake("id: x\ntitle: [unclosed\n");
    assert!(yaml.contains("bad.yaml:2:"), "{yaml}");

    let kind = mistake(&GOOD.replace("kind: aws_s3_bucket", "kind: aws_s3_buckt"));
    assert!(kind.contains("unknown kind `aws_s3_buckt`"), "{kind}");
    assert!(kind.contains("bad.yaml:5:7"), "{kind}");
    assert!(kind.contains("^^^^^^^^^^^^"), "{kind}");

    let syntax = mistake(&GOOD.replace("has(resource.tags.owner)", "has(resource.tags.owner &&"));
    assert!(syntax.contains("CEL syntax error"), "{syntax}");
    assert!(syntax.contains("bad.yaml:7:"), "{syntax}");

    let helper = mistake(&GOOD.replace("has(resource.tags.owner)", "is_tagged(resource)"));
    assert!(helper.contains("unknown function `is_tagged`"), "{helper}");

    let field = mistake(&GOOD.replace(
        "has(resource.tags.owner)",
        "resource.props.public_acess_block == null",
    ));
    assert!(
        field.contains("has no field props.public_acess_block"),
        "{field}"
    );
    assert!(field.contains("bad.yaml:7:"), "{field}");

    let control = mistake(&format!("{GOOD}frameworks:\n  cis-aws-5.0: [\"9.99\"]\n"));
    assert!(control.contains("has no control `9.99`"), "{control}");

    let unknown_field = mistake(&format!("{GOOD}severty: high\n"));
    assert!(
        unknown_field.contains("unknown field `severty`"),
        "{unknown_field}"
    );
}

fn policy_check(dir: &Path, condition: &str, kind: &str) -> Library {
    let text = format!(
        "id: org_probe\ntitle: probe\nrisk: probe\nseverity: low\nkind: {kind}\ncondition: |\n  {condition}\nevidence: [name]\nremediation:\n  text: none\n"
    );
    write(dir, "probe.yaml", &text);
    let mut library = Library::builtin().unwrap();
    library.add_policies(dir).unwrap_or_else(|e| panic!("{e}"));
    library
}

fn probe(library: &Library) -> &Check {
    library.check("org_probe").unwrap()
}

#[test]
fn conditions_read_edges_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let library = policy_check(
        dir.path(),
        r#"has(resource.edges_in.logs_to) && resource.edges_in.logs_to.exists(u, u.startsWith("arn:aws:cloudtrail"))"#,
        "aws_s3_bucket",
    );
    let target = bucket("trail-logs", "1", "us-east-1");
    let other = bucket("other", "1", "us-east-1");
    let mut snap = snapshot_of(vec![target, other]);
    snap.edges = vec![plumb_model::Edge::new(
        "arn:aws:cloudtrail:us-east-1:1:trail/t",
        plumb_model::Relation::LogsTo,
        "arn:aws:s3:::trail-logs",
    )];
    let findings = evaluate(&[probe(&library)], &snap);
    let by: Vec<_> = findings
        .iter()
        .map(|f| (f.resource_uid(), f.status))
        .collect();
    assert_eq!(
        by,
        vec![
            ("arn:aws:s3:::other", Status::Fail),
            ("arn:aws:s3:::trail-logs", Status::Pass)
        ]
    );
}

#[test]
fn kind_in_account_sees_the_account_and_errors_when_the_kind_was_not_collected() {
    let dir = tempfile::tempdir().unwrap();
    let library = policy_check(
        dir.path(),
        r#"kind_in_account(resource, "aws_s3_bucket").size() == 2"#,
        "aws_s3_bucket",
    );
    let snap = snapshot_of(vec![
        bucket("a", "1", "us-east-1"),
        bucket("b", "1", "us-east-1"),
        bucket("c", "2", "us-east-1"),
    ]);
    let findings = evaluate(&[probe(&library)], &snap);
    let statuses: Vec<_> = findings.iter().map(|f| (f.account(), f.status)).collect();
    assert_eq!(
        statuses,
        vec![
            ("1", Status::Pass),
            ("1", Status::Pass),
            ("2", Status::Fail)
        ]
    );

    let dir = tempfile::tempdir().unwrap();
    let library = policy_check(
        dir.path(),
        r#"kind_in_account(resource, "aws_lambda_function").size() > 0"#,
        "aws_s3_bucket",
    );
    let findings = evaluate(
        &[probe(&library)],
        &snapshot_of(vec![bucket("a", "1", "us-east-1")]),
    );
    assert_eq!(findings[0].status, Status::Error, "{findings:#?}");
    assert!(findings[0]
        .reason
        .as_deref()
        .unwrap()
        .contains("aws_lambda_function of 1 was not collected"));

    let bad = mistake(&GOOD.replace(
        "has(resource.tags.owner)",
        r#"kind_in_account(resource, "aws_nope").size() > 0"#,
    ));
    assert!(bad.contains("unknown kind `aws_nope`"), "{bad}");
}

#[test]
fn docs_checks_md_is_generated_from_the_check_files() {
    let library = Library::builtin().unwrap();
    let path = root().join("docs/checks.md");
    let want = plumb_checks::docs::markdown(&library);
    if std::env::var_os("PLUMB_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(have == want, "docs/checks.md is stale: run `PLUMB_BLESS=1 cargo test -p plumb-checks --test library docs`");
}

#[test]
fn the_example_company_policies_load_and_judge() {
    let mut library = Library::builtin().unwrap();
    library
        .add_policies(&root().join("examples/policies"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        library.framework("acme-tagging").is_some() && library.framework("acme-identity").is_some()
    );

    let tagging = library.check("acme_s3_bucket_tagged").unwrap();
    let mut good = bucket("tagged", "1", "us-east-1");
    good.tags.insert("owner".into(), "payments".into());
    good.tags.insert("env".into(), "prod".into());
    let mut wrong_env = bucket("wrong-env", "1", "us-east-1");
    wrong_env.tags.insert("owner".into(), "payments".into());
    wrong_env.tags.insert("env".into(), "production".into());
    let findings = evaluate(
        &[tagging],
        &snapshot_of(vec![good, wrong_env, bucket("bare", "1", "us-east-1")]),
    );
    let by: Vec<_> = findings
        .iter()
        .map(|f| (f.resource_uid(), f.status))
        .collect();
    assert_eq!(
        by,
        vec![
            ("arn:aws:s3:::bare", Status::Fail),
            ("arn:aws:s3:::tagged", Status::Pass),
            ("arn:aws:s3:::wrong-env", Status::Fail)
        ]
    );

    let humans = library.check("acme_iam_user_is_human").unwrap();
    let user = |name: &str, path: &str| {
        let mut r = Resource::new(
            format!("arn:aws:iam::1:user{path}{name}"),
            "aws_iam_user",
            "1",
            "global",
            name,
        );
        r.props = serde_json::json!({"user_name": name, "path": path});
        r
    };
    let findings = evaluate(
        &[humans],
        &snapshot_of(vec![user("alice", "/humans/"), user("ci-bot", "/")]),
    );
    let by: Vec<_> = findings
        .iter()
        .map(|f| (f.resource_uid(), f.status))
        .collect();
    assert_eq!(
        by,
        vec![
            ("arn:aws:iam::1:user/ci-bot", Status::Fail),
            ("arn:aws:iam::1:user/humans/alice", Status::Pass)
        ]
    );
}

#[test]
fn every_builtin_check_runs_compiled() {
    let library = Library::builtin().unwrap_or_else(|e| panic!("{e}"));
    let interpreted: Vec<&str> = library
        .checks
        .iter()
        .filter(|c| !c.is_compiled())
        .map(|c| c.spec.id.as_str())
        .collect();
    assert!(
        interpreted.is_empty(),
        "checks left to the interpreter: {interpreted:?}"
    );
}

/// Every check at once over every fixture's resources, read a page at a
/// time: each check is handed its findings in the order evaluating in
/// memory gives them, whatever the page size. A kind of one page whose
/// checks read other kinds whole (accounts, regions) is evaluated beside
/// the pages and handed on when done, so kinds arrive interleaved; no
/// check's findings may arrive out of order.
/// The resources of every fixture (the first of each uid), with their
/// edges, every service collected in every account.
fn every_fixture_snapshot() -> Snapshot {
    let mut resources: Vec<Resource> = Vec::new();
    let mut edges = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("checks/fixtures"))
        .unwrap()
        .flat_map(|dir| std::fs::read_dir(dir.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in &files {
        let text = with_dates(&std::fs::read_to_string(file).unwrap());
        let (found, linked, _) = parse_fixture(file, &text);
        for r in found {
            if seen.insert(r.uid.clone()) {
                resources.push(r);
            }
        }
        edges.extend(linked);
    }
    let mut snap = snapshot_of(resources);
    snap.edges = edges;
    // Every service collected in every account: no coverage errors, so
    // the findings of a check are exactly its resources', in uid order.
    for account in snap.scope.accounts.clone() {
        for kind in plumb_model::kinds::all() {
            snap.coverage.push(coverage(
                &account,
                "global",
                kind.service,
                CoverageStatus::Ok,
            ));
        }
    }
    snap
}

#[test]
fn all_checks_a_page_at_a_time_hand_each_check_its_findings_in_order() {
    let library = Library::builtin().unwrap_or_else(|e| panic!("{e}"));
    let snap = every_fixture_snapshot();
    let checks: Vec<&Check> = library.checks.iter().collect();
    let mut expected: std::collections::BTreeMap<String, Vec<plumb_model::Finding>> =
        Default::default();
    for f in evaluate(&checks, &snap) {
        expected
            .entry(f.check_id().to_string())
            .or_default()
            .push(f);
    }
    assert!(
        expected.len() > 150,
        "only {} checks had findings",
        expected.len()
    );
    for page_size in [1, 2, 7, PAGE] {
        let mut streamed: std::collections::BTreeMap<String, Vec<plumb_model::Finding>> =
            Default::default();
        let mut source = MemorySource {
            snapshot: &snap,
            page_size,
        };
        evaluate_from(&checks, &snap, &mut source, Evaluator::Compiled, |c, f| {
            streamed.entry(c.spec.id.clone()).or_default().extend(f)
        })
        .unwrap_or_else(|e| match e {});
        assert_eq!(
            streamed, expected,
            "pages of {page_size}: a check's findings differ or arrive out of order"
        );
    }
}

/// A source whose fork, the second connection the account checks read on,
/// fails: evaluation fails with its error, as when the source itself does.
#[test]
fn a_read_that_fails_on_the_fork_fails_the_evaluation() {
    struct Reads<'a>(MemorySource<'a>);
    struct Down;
    fn ok<T>(read: Result<T, std::convert::Infallible>) -> T {
        read.unwrap_or_else(|e| match e {})
    }
    impl plumb_checks::Source for Reads<'_> {
        type Error = String;
        fn page(
            &mut self,
            kind: &str,
            after: Option<&str>,
            limit: usize,
            props: Option<&[&str]>,
        ) -> Result<Vec<Resource>, String> {
            Ok(ok(self.0.page(kind, after, limit, props)))
        }
        fn uids(&mut self, uids: &[&str], props: Option<&[&str]>) -> Result<Vec<Resource>, String> {
            Ok(ok(self.0.uids(uids, props)))
        }
        fn fork<'f>(&self) -> Option<plumb_checks::Forked<'f, String>>
        where
            Self: 'f,
        {
            Some(Box::new(Down))
        }
    }
    impl plumb_checks::Source for Down {
        type Error = String;
        fn page(
            &mut self,
            _: &str,
            _: Option<&str>,
            _: usize,
            _: Option<&[&str]>,
        ) -> Result<Vec<Resource>, String> {
            Err("the second connection is down".into())
        }
        fn uids(&mut self, _: &[&str], _: Option<&[&str]>) -> Result<Vec<Resource>, String> {
            Err("the second connection is down".into())
        }
    }
    let library = Library::builtin().unwrap_or_else(|e| panic!("{e}"));
    let snap = every_fixture_snapshot();
    let checks: Vec<&Check> = library.checks.iter().collect();
    let mut source = Reads(MemorySource {
        snapshot: &snap,
        page_size: PAGE,
    });
    let read = evaluate_from(&checks, &snap, &mut source, Evaluator::Compiled, |_, _| {});
    assert_eq!(read, Err("the second connection is down".to_string()));
}
