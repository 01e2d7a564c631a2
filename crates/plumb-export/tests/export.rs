//! `plumb export` against a local server playing each system: the exact
//! requests, one ticket per finding across runs, closing when a finding is
//! resolved, retries of rate limits, and failures that are reported
//! without stopping the others. Nothing leaves 127.0.0.1.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::trackers::{self, Tracker};
use common::{
    assert_no_token, config, env, fast_retry, finding, github_config, github_lookup, label,
    FakeServer, Recorded, Reply, TestStore, TOKEN,
};
use plumb_export::{
    destination, export, Action, ExportConfig, ExportError, Resolution, Selection, System,
};
use plumb_model::{Severity, Status};
use plumb_store::{Store, TicketState};
use serde_json::json;

/// GitHub with no issue yet: issues numbered from 1, found again by
/// their labels.
fn github() -> Tracker {
    trackers::github(Vec::new(), 0)
}

#[test]
fn github_opens_one_issue_per_failing_finding_with_the_facts_in_its_body() {
    let server = github();
    let mut t = TestStore::new();
    let (id, findings) = t.snapshot(
        &["a", "b"],
        vec![
            finding("a", Status::Fail, Severity::High, 82.5),
            finding("b", Status::Pass, Severity::High, 0.0),
        ],
    );
    let mut dest = destination(
        System::Github,
        &github_config(&server.url),
        &env,
        fast_retry(),
        false,
    )
    .unwrap();
    let report = t.export(dest.as_mut(), id, &findings);

    let requests = server.requests();
    assert_eq!(
        server.sent(),
        [github_lookup("a"), "POST /repos/acme/infra/issues".into()],
        "the store has no record: looked up by its label, then opened"
    );
    let r = &requests[1];
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str()),
        "the token is sent (and only sent)"
    );
    assert_eq!(r.header("accept"), Some("application/vnd.github+json"));
    let body = r.json();
    assert_eq!(
        body["title"],
        "[high] S3 bucket blocks public access: arn:aws:s3:::a"
    );
    assert_eq!(body["labels"], json!(["plumb", "security", label("a")]));
    let text = body["body"].as_str().unwrap();
    for fact in [
        "`s3_bucket_public_access_blocked`",
        "| Severity | high |",
        "| Risk | 82.5 / 100 |",
        "`arn:aws:s3:::a` (aws_s3_bucket)",
        "| Account | 111122223333 |",
        "| Region | us-east-1 |",
        "\"props.public_access_block\": null",
        "aws s3api put-public-access-block --bucket a",
    ] {
        assert!(text.contains(fact), "the body lacks {fact}:\n{text}");
    }
    assert_eq!(
        report.items[0].action,
        Action::Opened {
            url: "https://github.com/acme/infra/issues/1".into()
        }
    );
    assert!(!report.failed());
    assert_no_token(&format!("{report:?}"));
    let tickets = t.store.tickets("github").unwrap();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].ticket_id, "1");
    assert_eq!(tickets[0].state, TicketState::Open);
}

#[test]
fn a_second_run_opens_nothing_and_a_resolved_finding_is_commented_and_closed() {
    let server = github();
    let mut t = TestStore::new();
    let cfg = github_config(&server.url);
    let mut dest = destination(System::Github, &cfg, &env, fast_retry(), false).unwrap();
    let (first, findings) = t.snapshot(
        &["a", "b", "gone"],
        vec![
            finding("a", Status::Fail, Severity::High, 80.0),
            finding("b", Status::Fail, Severity::Medium, 40.0),
            finding("gone", Status::Fail, Severity::High, 90.0),
        ],
    );
    let all = Selection::default();
    export(&mut t.store, dest.as_mut(), first, &findings, &all, false).unwrap();
    assert_eq!(server.requests().len(), 6, "three lookups, three issues");

    // The same snapshot again: every ticket is already open.
    let again = export(&mut t.store, dest.as_mut(), first, &findings, &all, false).unwrap();
    assert_eq!(server.requests().len(), 6, "a second run sends nothing");
    assert!(again
        .items
        .iter()
        .all(|i| matches!(i.action, Action::AlreadyOpen { .. })));

    // A newer snapshot: `a` passes, `gone` was deleted, `b` still fails.
    let (second, findings) = t.snapshot(
        &["a", "b"],
        vec![
            finding("a", Status::Pass, Severity::High, 0.0),
            finding("b", Status::Fail, Severity::Medium, 40.0),
        ],
    );
    let report = export(&mut t.store, dest.as_mut(), second, &findings, &all, false).unwrap();
    let sent: Vec<(String, String)> = server.requests()[6..]
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    let tickets = t.store.tickets("github").unwrap();
    let number = |uid: &str| {
        tickets
            .iter()
            .find(|t| t.resource_uid == uid)
            .map(|t| t.ticket_id.clone())
            .unwrap()
    };
    let (a, gone) = (number("arn:aws:s3:::a"), number("arn:aws:s3:::gone"));
    assert_eq!(
        sent,
        vec![
            (
                "POST".into(),
                format!("/repos/acme/infra/issues/{a}/comments")
            ),
            ("PATCH".into(), format!("/repos/acme/infra/issues/{a}")),
            (
                "POST".into(),
                format!("/repos/acme/infra/issues/{gone}/comments")
            ),
            ("PATCH".into(), format!("/repos/acme/infra/issues/{gone}")),
        ]
    );
    let requests = server.requests();
    assert!(requests[6].json()["body"]
        .as_str()
        .unwrap()
        .contains("the check passes"));
    assert!(requests[8].json()["body"]
        .as_str()
        .unwrap()
        .contains("no longer in Plumb snapshot"));
    assert_eq!(requests[7].json()["state"], "closed");
    let resolutions: Vec<Resolution> = report
        .items
        .iter()
        .filter_map(|i| match &i.action {
            Action::Resolved { resolution, .. } => Some(*resolution),
            _ => None,
        })
        .collect();
    assert_eq!(
        resolutions,
        vec![Resolution::Passed, Resolution::ResourceGone]
    );
    for ticket in t.store.tickets("github").unwrap() {
        let want = if ticket.resource_uid.ends_with(":b") {
            TicketState::Open
        } else {
            TicketState::Closed
        };
        assert_eq!(ticket.state, want, "{}", ticket.resource_uid);
    }
}

#[test]
fn a_finding_not_evaluated_again_keeps_its_ticket_open() {
    let server = github();
    let mut t = TestStore::new();
    let cfg = github_config(&server.url);
    let mut dest = destination(System::Github, &cfg, &env, fast_retry(), false).unwrap();
    let (first, findings) = t.snapshot(
        &["a"],
        vec![finding("a", Status::Fail, Severity::High, 80.0)],
    );
    t.export(dest.as_mut(), first, &findings);
    // The bucket is still there but the check did not run (or errored).
    let mut error = finding("a", Status::Error, Severity::High, 0.0);
    error.reason = Some("AccessDenied".into());
    for findings in [vec![], vec![error]] {
        let (next, findings) = t.snapshot(&["a"], findings);
        let report = t.export(dest.as_mut(), next, &findings);
        assert!(report.items.is_empty(), "{report:?}");
    }
    assert_eq!(server.requests().len(), 2, "the lookup and the issue");
    assert_eq!(
        t.store.tickets("github").unwrap()[0].state,
        TicketState::Open
    );
}

#[test]
fn min_risk_and_severity_choose_what_is_exported() {
    let server = github();
    let mut t = TestStore::new();
    let cfg = github_config(&server.url);
    let mut dest = destination(System::Github, &cfg, &env, fast_retry(), false).unwrap();
    let (id, findings) = t.snapshot(
        &["low-risk", "medium", "high"],
        vec![
            finding("low-risk", Status::Fail, Severity::Critical, 10.0),
            finding("medium", Status::Fail, Severity::Medium, 70.0),
            finding("high", Status::Fail, Severity::High, 75.0),
        ],
    );
    let selection = Selection {
        min_risk: Some(50.0),
        severity: Some((Severity::High, true)),
    };
    let report = export(
        &mut t.store,
        dest.as_mut(),
        id,
        &findings,
        &selection,
        false,
    )
    .unwrap();
    assert_eq!(report.items.len(), 1);
    assert_eq!(report.items[0].resource_uid, "arn:aws:s3:::high");
    assert_eq!(
        server.sent(),
        [
            github_lookup("high"),
            "POST /repos/acme/infra/issues".into()
        ]
    );
}

#[test]
fn a_rate_limit_with_retry_after_is_waited_out_and_retried() {
    let calls = Arc::new(AtomicU32::new(0));
    let seen = Arc::clone(&calls);
    let server = FakeServer::start(move |r: &Recorded| {
        if r.method == "GET" {
            Reply::json(200, json!([]))
        } else if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::json(429, json!({"message": "slow down"})).with_header("Retry-After", "1")
        } else {
            Reply::json(
                201,
                json!({"number": 7, "html_url": "https://github.com/acme/infra/issues/7"}),
            )
        }
    });
    let mut t = TestStore::new();
    let (id, findings) = t.snapshot(
        &["a"],
        vec![finding("a", Status::Fail, Severity::High, 80.0)],
    );
    let mut dest = destination(
        System::Github,
        &github_config(&server.url),
        &env,
        fast_retry(),
        false,
    )
    .unwrap();
    let started = Instant::now();
    let report = t.export(dest.as_mut(), id, &findings);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 was not honoured ({:?})",
        started.elapsed()
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        report.items[0].action,
        Action::Opened {
            url: "https://github.com/acme/infra/issues/7".into()
        }
    );
}

#[test]
fn a_persistent_server_error_is_reported_as_failed_and_the_others_go_through() {
    let server = FakeServer::start(move |r: &Recorded| {
        if r.method == "GET" {
            Reply::json(200, json!([]))
        } else if r.body.contains("arn:aws:s3:::broken") {
            Reply::json(
                500,
                json!({"message": format!("internal error, token {TOKEN}")}),
            )
        } else {
            Reply::json(
                201,
                json!({"number": 1, "html_url": "https://github.com/acme/infra/issues/1"}),
            )
        }
    });
    let mut t = TestStore::new();
    let (id, findings) = t.snapshot(
        &["broken", "fine"],
        vec![
            finding("broken", Status::Fail, Severity::High, 80.0),
            finding("fine", Status::Fail, Severity::High, 80.0),
        ],
    );
    let mut dest = destination(
        System::Github,
        &github_config(&server.url),
        &env,
        fast_retry(),
        false,
    )
    .unwrap();
    let report = t.export(dest.as_mut(), id, &findings);
    assert!(report.failed());
    let broken = report
        .items
        .iter()
        .find(|i| i.resource_uid == "arn:aws:s3:::broken")
        .unwrap();
    let Action::Failed { reason } = &broken.action else {
        panic!("{broken:?}");
    };
    assert!(
        reason.contains("HTTP 500 from POST /repos/acme/infra/issues after 3 attempt(s)"),
        "{reason}"
    );
    assert!(
        reason.contains("***"),
        "the echoed token is redacted: {reason}"
    );
    assert_no_token(reason);
    let fine = report
        .items
        .iter()
        .find(|i| i.resource_uid == "arn:aws:s3:::fine")
        .unwrap();
    assert!(matches!(fine.action, Action::Opened { .. }));
    let attempts = server
        .requests()
        .iter()
        .filter(|r| r.body.contains("arn:aws:s3:::broken"))
        .count();
    assert_eq!(attempts, 3, "bounded attempts");
    // Only the one that went through is remembered: the next run tries
    // the failed one again.
    let tickets = t.store.tickets("github").unwrap();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].resource_uid, "arn:aws:s3:::fine");
}

#[test]
fn a_refused_request_is_not_retried() {
    let server =
        FakeServer::start(|_r: &Recorded| Reply::json(401, json!({"message": "Bad credentials"})));
    let mut t = TestStore::new();
    let (id, findings) = t.snapshot(
        &["a"],
        vec![finding("a", Status::Fail, Severity::High, 80.0)],
    );
    let mut dest = destination(
        System::Github,
        &github_config(&server.url),
        &env,
        fast_retry(),
        false,
    )
    .unwrap();
    let report = t.export(dest.as_mut(), id, &findings);
    assert!(report.failed());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn dry_run_sends_and_stores_nothing_and_needs_no_credentials() {
    let server = github();
    let mut t = TestStore::new();
    let (id, findings) = t.snapshot(
        &["a"],
        vec![finding("a", Status::Fail, Severity::High, 80.0)],
    );
    let mut dest = destination(
        System::Github,
        &github_config(&server.url),
        &|_| None,
        fast_retry(),
        true,
    )
    .unwrap();
    let report = export(
        &mut t.store,
        dest.as_mut(),
        id,
        &findings,
        &Selection::default(),
        true,
    )
    .unwrap();
    assert!(server.requests().is_empty());
    assert!(t.store.tickets("github").unwrap().is_empty());
    assert_eq!(report.items[0].action, Action::WouldOpen);
    assert!(report.previews[0].starts_with("POST /repos/acme/infra/issues\n{"));
    assert!(report.previews[0]
        .contains("\"title\": \"[high] S3 bucket blocks public access: arn:aws:s3:::a\""));
}

#[test]
fn a_missing_credential_or_section_is_a_usage_error_naming_the_variable() {
    let cfg = github_config("https://api.github.com");
    let Err(e) = destination(System::Github, &cfg, &|_| None, fast_retry(), false) else {
        panic!("no token, yet a destination");
    };
    assert!(e.is_usage());
    assert!(e.to_string().contains("GITHUB_TOKEN"), "{e}");
    let Err(e) = destination(System::Jira, &cfg, &env, fast_retry(), false) else {
        panic!("no [export.jira], yet a destination");
    };
    assert!(matches!(e, ExportError::NotConfigured { .. }), "{e}");
    assert!(e.to_string().contains("[export.jira]"), "{e}");
}

#[test]
fn jira_creates_an_issue_then_comments_and_transitions_it_to_done() {
    let server = FakeServer::start(|r: &Recorded| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/rest/api/2/issue") => {
            Reply::json(201, json!({"id": "10001", "key": "SEC-1", "self": "x"}))
        }
        ("GET", p) if p.starts_with("/rest/api/2/search?") => {
            Reply::json(200, json!({"issues": []}))
        }
        ("POST", "/rest/api/2/issue/SEC-1/comment") => Reply::json(201, json!({"id": "1"})),
        ("GET", "/rest/api/2/issue/SEC-1/transitions") => Reply::json(
            200,
            json!({"transitions": [
                {"id": "21", "name": "Start", "to": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}}},
                {"id": "31", "name": "Close", "to": {"name": "Done", "statusCategory": {"key": "done"}}}
            ]}),
        ),
        ("POST", "/rest/api/2/issue/SEC-1/transitions") => Reply {
            status: 204,
            headers: Vec::new(),
            body: String::new(),
        },
        _ => Reply::json(404, json!({})),
    });
    let cfg = config(&format!(
        "[export.jira]\nurl = \"{}\"\nproject = \"SEC\"\nissue_type = \"Task\"\nuser_env = \"JIRA_USER\"\n",
        server.url
    ));
    let mut dest = destination(System::Jira, &cfg, &env, fast_retry(), false).unwrap();
    let mut t = TestStore::new();
    let (first, findings) = t.snapshot(
        &["a"],
        vec![finding("a", Status::Fail, Severity::High, 80.0)],
    );
    let report = t.export(dest.as_mut(), first, &findings);
    assert_eq!(
        report.items[0].action,
        Action::Opened {
            url: format!("{}/browse/SEC-1", server.url)
        }
    );
    let create = &server.requests()[1];
    use base64::Engine as _;
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("sec@example.com:{TOKEN}"));
    assert_eq!(
        create.header("authorization"),
        Some(format!("Basic {basic}").as_str())
    );
    let fields = &create.json()["fields"];
    assert_eq!(fields["project"]["key"], "SEC");
    assert_eq!(fields["issuetype"]["name"], "Task");
    assert_eq!(
        fields["summary"],
        "[high] S3 bucket blocks public access: arn:aws:s3:::a"
    );
    let description = fields["description"].as_str().unwrap();
    assert!(description.contains("||Risk|80.0 / 100|"), "{description}");
    assert!(description.contains("{code:json}"), "{description}");

    let (second, findings) = t.snapshot(
        &["a"],
        vec![finding("a", Status::Pass, Severity::High, 0.0)],
    );
    let report = t.export(dest.as_mut(), second, &findings);
    assert!(!report.failed(), "{report:?}");
    let sent: Vec<String> = server.requests()[2..]
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        sent,
        [
            "POST /rest/api/2/issue/SEC-1/comment",
            "GET /rest/api/2/issue/SEC-1/transitions",
            "POST /rest/api/2/issue/SEC-1/transitions",
        ]
    );
    assert_eq!(
        server.requests()[4].json(),
        json!({"transition": {"id": "31"}})
    );
    assert_eq!(
        t.store.tickets("jira").unwrap()[0].state,
        TicketState::Closed
    );
}

#[test]
fn slack_posts_new_findings_in_batches_and_resolved_ones_as_a_message() {
    let server = FakeServer::start(|_r: &Recorded| Reply {
        status: 200,
        headers: Vec::new(),
        body: "ok".into(),
    });
    let webhook = format!("{}/services/T000/B000/secretpart", server.url);
    let hook = webhook.clone();
    let env = move |name: &str| (name == "SLACK_WEBHOOK_URL").then(|| hook.clone());
    let mut dest = destination(
        System::Slack,
        &ExportConfig::without_file(),
        &env,
        fast_retry(),
        false,
    )
    .unwrap();
    let mut t = TestStore::new();
    let names: Vec<String> = (0..25).map(|i| format!("bucket-{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let failing = names
        .iter()
        .map(|n| finding(n, Status::Fail, Severity::High, 60.0))
        .collect();
    let (first, findings) = t.snapshot(&refs, failing);
    let report = t.export(dest.as_mut(), first, &findings);
    assert_eq!(report.count(|a| matches!(a, Action::Opened { .. })), 25);
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "25 findings in two messages");
    assert_eq!(requests[0].path, "/services/T000/B000/secretpart");
    let message = requests[0].json();
    assert_eq!(
        message["text"],
        format!("Plumb: 20 new failing finding(s) in snapshot {first}")
    );
    assert_eq!(message["blocks"].as_array().unwrap().len(), 21);
    assert!(message["blocks"][1]["text"]["text"]
        .as_str()
        .unwrap()
        .contains("`arn:aws:s3:::bucket-00`"));
    assert_eq!(
        requests[1].json()["text"],
        format!("Plumb: 5 new failing finding(s) in snapshot {first}")
    );

    let mut passing: Vec<_> = findings.clone();
    passing[0].status = plumb_model::Status::Pass;
    let (second, passing) = t.snapshot(&refs, passing);
    let report = t.export(dest.as_mut(), second, &passing);
    assert_eq!(report.count(|a| matches!(a, Action::Resolved { .. })), 1);
    let resolved = &server.requests()[2];
    assert_eq!(
        resolved.json()["text"],
        format!("Plumb: 1 finding(s) resolved in snapshot {second}")
    );
    assert_eq!(
        server.requests().len(),
        3,
        "the others are not posted again"
    );
}

#[test]
fn a_failed_slack_message_never_shows_the_webhook_url() {
    let server = FakeServer::start(|_r: &Recorded| Reply::json(500, json!({})));
    let webhook = format!("{}/services/T000/B000/secretpart", server.url);
    let hook = webhook.clone();
    let env = move |name: &str| (name == "SLACK_WEBHOOK_URL").then(|| hook.clone());
    let mut dest = destination(
        System::Slack,
        &ExportConfig::without_file(),
        &env,
        fast_retry(),
        false,
    )
    .unwrap();
    let mut t = TestStore::new();
    let (id, findings) = t.snapshot(
        &["a"],
        vec![finding("a", Status::Fail, Severity::High, 80.0)],
    );
    let report = t.export(dest.as_mut(), id, &findings);
    let Action::Failed { reason } = &report.items[0].action else {
        panic!("{report:?}");
    };
    assert!(
        reason.contains("HTTP 500 from POST <the Slack webhook>"),
        "{reason}"
    );
    assert!(!format!("{report:?}").contains("secretpart"));
}

#[test]
fn the_webhook_gets_signed_opened_and_resolved_events() {
    let server = FakeServer::start(|_r: &Recorded| Reply::json(202, json!({})));
    let cfg = config(&format!(
        "[export.webhook]\nurl = \"{}/hooks/plumb\"\nsecret_env = \"HOOK_SECRET\"\n",
        server.url
    ));
    let mut dest = destination(System::Webhook, &cfg, &env, fast_retry(), false).unwrap();
    let mut t = TestStore::new();
    let (first, findings) = t.snapshot(
        &["a"],
        vec![finding("a", Status::Fail, Severity::High, 80.0)],
    );
    t.export(dest.as_mut(), first, &findings);
    let (second, findings) = t.snapshot(&[], vec![]);
    t.export(dest.as_mut(), second, &findings);

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", "/hooks/plumb")
        );
        use hmac::{KeyInit, Mac};
        let mut mac =
            <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(TOKEN.as_bytes()).unwrap();
        mac.update(r.body.as_bytes());
        let want: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            r.header("x-plumb-signature-256"),
            Some(format!("sha256={want}").as_str())
        );
        assert!(r.header("authorization").is_none());
    }
    let opened = requests[0].json();
    assert_eq!(opened["event"], "opened");
    assert_eq!(opened["snapshot_id"], first);
    assert_eq!(
        opened["finding"]["check_id"],
        "s3_bucket_public_access_blocked"
    );
    assert_eq!(opened["finding"]["resource_uid"], "arn:aws:s3:::a");
    assert_eq!(opened["finding"]["risk_score"], 80.0);
    assert_eq!(opened["finding"]["severity"], "high");
    let resolved = requests[1].json();
    assert_eq!(resolved["event"], "resolved");
    assert_eq!(resolved["resolution"], "resource_gone");
    assert_eq!(
        resolved["fingerprint"],
        "s3_bucket_public_access_blocked|arn:aws:s3:::a"
    );
}
