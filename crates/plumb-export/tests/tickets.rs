//! Tickets across runs in the systems that keep them (GitHub, Jira): a
//! create that is retried or a store that lost its records never opens a
//! ticket twice, a finding that fails again reopens its ticket, Jira's
//! REST API v3 gets documents rather than wiki markup, and every failure
//! is reported with the system's status and its (redacted) answer and
//! tried again by the next run. Nothing leaves 127.0.0.1.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::trackers::{self, Issue, Site};
use common::{
    assert_no_token, config, env, fast_retry, finding, github_config, github_lookup, label,
    FakeServer, Recorded, Reply, TestStore, TOKEN,
};
use plumb_export::{
    destination, export, Action, Destination, ExportConfig, ExportReport, Selection, System,
};
use plumb_model::{Finding, Severity, Status};
use plumb_store::{Store, Ticket, TicketState};
use serde_json::json;

fn github(url: &str) -> Box<dyn Destination> {
    destination(
        System::Github,
        &github_config(url),
        &env,
        fast_retry(),
        false,
    )
    .unwrap()
}

/// GitHub with no issue yet.
fn github_tracker() -> trackers::Tracker {
    trackers::github(Vec::new(), 0)
}

fn jira_config(url: &str, extra: &str) -> ExportConfig {
    config(&format!(
        "[export.jira]\nurl = \"{url}\"\nproject = \"SEC\"\nuser_env = \"JIRA_USER\"\n{extra}"
    ))
}

fn jira(url: &str, extra: &str) -> Box<dyn Destination> {
    destination(
        System::Jira,
        &jira_config(url, extra),
        &env,
        fast_retry(),
        false,
    )
    .unwrap()
}

/// Jira's search for the issue of the finding on bucket `name`, as sent.
fn jira_search(version: u8, endpoint: &str, name: &str) -> String {
    format!(
        "GET /rest/api/{version}/{endpoint}?jql=project%20%3D%20%22SEC%22%20AND%20labels%20%3D%20%22{}%22&fields=status&maxResults=50",
        label(name)
    )
}

fn failing(name: &str) -> Finding {
    finding(name, Status::Fail, Severity::High, 80.0)
}

fn passing(name: &str) -> Finding {
    finding(name, Status::Pass, Severity::High, 0.0)
}

fn ticket(t: &mut TestStore, system: &str, name: &str) -> Option<Ticket> {
    let uid = format!("arn:aws:s3:::{name}");
    t.store
        .tickets(system)
        .unwrap()
        .into_iter()
        .find(|t| t.resource_uid == uid)
}

fn actions(report: &ExportReport) -> Vec<Action> {
    report.items.iter().map(|i| i.action.clone()).collect()
}

fn failure(report: &ExportReport) -> String {
    let reasons: Vec<&str> = report
        .items
        .iter()
        .filter_map(|i| match &i.action {
            Action::Failed { reason } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 1, "{report:#?}");
    assert!(report.failed());
    reasons[0].to_string()
}

#[test]
fn a_github_create_answered_502_after_it_created_the_issue_is_found_not_sent_again() {
    let server = trackers::github(Vec::new(), 1);
    let dest = github(&server.url);
    let mut t = TestStore::new();
    let (id, findings) = t.snapshot(&["a"], vec![failing("a")]);

    let report = t.export(dest.as_ref(), id, &findings);

    assert_eq!(
        server.sent(),
        [
            github_lookup("a"),
            "POST /repos/acme/infra/issues".to_string(),
            github_lookup("a"),
        ],
        "the 502 is followed by a lookup, which finds the issue, not by a second POST"
    );
    assert_eq!(server.issues().len(), 1, "exactly one issue");
    assert_eq!(
        actions(&report),
        [Action::Opened {
            url: "https://github.com/acme/infra/issues/1".into()
        }]
    );
    let stored = ticket(&mut t, "github", "a").unwrap();
    assert_eq!(
        (stored.ticket_id.as_str(), stored.state),
        ("1", TicketState::Open)
    );

    t.export(dest.as_ref(), id, &findings);
    assert_eq!(server.requests().len(), 3, "a second run sends nothing");
}

#[test]
fn a_new_store_against_github_records_the_open_issue_and_reopens_the_closed_one_without_creating() {
    let server = trackers::github(
        vec![
            Issue::new(5, &["plumb", &label("a")], true),
            Issue::new(6, &["plumb", &label("b")], false),
        ],
        0,
    );
    let dest = github(&server.url);
    let mut t = TestStore::new();
    let (id, findings) = t.snapshot(&["a", "b"], vec![failing("a"), failing("b")]);

    let report = t.export(dest.as_ref(), id, &findings);

    assert_eq!(
        server.sent(),
        [
            github_lookup("a"),
            github_lookup("b"),
            "POST /repos/acme/infra/issues/6/comments".to_string(),
            "PATCH /repos/acme/infra/issues/6".to_string(),
        ],
        "no POST /repos/acme/infra/issues"
    );
    assert_eq!(server.requests()[3].json(), json!({"state": "open"}));
    assert_eq!(
        actions(&report),
        [
            Action::Found {
                url: "https://github.com/acme/infra/issues/5".into()
            },
            Action::Reopened {
                url: "https://github.com/acme/infra/issues/6".into()
            },
        ]
    );
    assert_eq!(server.issues().len(), 2);
    assert!(server.issues().iter().all(|i| i.open));
    for (name, number) in [("a", "5"), ("b", "6")] {
        let stored = ticket(&mut t, "github", name).unwrap();
        assert_eq!(
            (stored.ticket_id.as_str(), stored.state),
            (number, TicketState::Open)
        );
    }
}

#[test]
fn a_finding_that_fails_again_reopens_its_closed_github_issue() {
    let server = github_tracker();
    let dest = github(&server.url);
    let mut t = TestStore::new();
    let (first, first_findings) = t.snapshot(&["a"], vec![failing("a")]);
    t.export(dest.as_ref(), first, &first_findings);
    let (second, findings) = t.snapshot(&["a"], vec![passing("a")]);
    t.export(dest.as_ref(), second, &findings);
    assert!(!server.issues()[0].open, "closed when it passed");
    let before = server.requests().len();

    // An export of the older snapshot cannot undo what the newer decided.
    let stale = t.export(dest.as_ref(), first, &first_findings);
    assert_eq!(
        actions(&stale),
        [Action::ClosedLater {
            url: "https://github.com/acme/infra/issues/1".into(),
            snapshot: second
        }]
    );
    assert_eq!(server.requests().len(), before, "nothing sent");

    let (third, findings) = t.snapshot(&["a"], vec![failing("a")]);
    let dry = export(
        &mut t.store,
        dest.as_ref(),
        third,
        &findings,
        &Selection::default(),
        true,
    )
    .unwrap();
    assert_eq!(
        actions(&dry),
        [Action::WouldReopen {
            url: "https://github.com/acme/infra/issues/1".into()
        }]
    );
    assert!(dry.previews[0].starts_with("POST /repos/acme/infra/issues/1/comments\n"));
    assert!(dry.previews[1].starts_with("PATCH /repos/acme/infra/issues/1\n"));
    assert_eq!(server.requests().len(), before, "a dry run sends nothing");

    let report = t.export(dest.as_ref(), third, &findings);

    let requests = server.requests();
    assert_eq!(
        server.sent()[before..],
        [
            "POST /repos/acme/infra/issues/1/comments",
            "PATCH /repos/acme/infra/issues/1",
        ]
    );
    assert_eq!(
        requests[before].json(),
        json!({"body": format!("Reopened: the check fails again in Plumb snapshot {third}. Reopened by `plumb export`.")})
    );
    assert_eq!(requests[before + 1].json(), json!({"state": "open"}));
    assert_eq!(
        actions(&report),
        [Action::Reopened {
            url: "https://github.com/acme/infra/issues/1".into()
        }]
    );
    assert_eq!(server.issues().len(), 1, "no new issue");
    assert!(server.issues()[0].open);
    let stored = ticket(&mut t, "github", "a").unwrap();
    assert_eq!(
        (stored.state, stored.snapshot_id),
        (TicketState::Open, third)
    );
}

#[test]
fn a_jira_create_answered_502_after_it_created_the_issue_is_found_by_jql_not_sent_again() {
    let server = trackers::jira(Site::DataCenter, Vec::new(), 1);
    let dest = jira(&server.url, "");
    let mut t = TestStore::new();
    let (id, findings) = t.snapshot(&["a"], vec![failing("a")]);

    let report = t.export(dest.as_ref(), id, &findings);

    assert_eq!(
        server.sent(),
        [
            jira_search(2, "search", "a"),
            "POST /rest/api/2/issue".to_string(),
            jira_search(2, "search", "a"),
        ]
    );
    assert_eq!(
        server.requests()[1].json()["fields"]["labels"],
        json!(["plumb", label("a")])
    );
    assert_eq!(server.issues().len(), 1, "exactly one issue");
    assert_eq!(
        actions(&report),
        [Action::Opened {
            url: format!("{}/browse/SEC-1", server.url)
        }]
    );
    assert_eq!(ticket(&mut t, "jira", "a").unwrap().ticket_id, "SEC-1");
}

#[test]
fn a_new_store_against_jira_cloud_finds_issues_through_search_jql_and_creates_only_the_missing() {
    // API v2 on Jira Cloud, where /rest/api/2/search is gone (410).
    let server = trackers::jira(
        Site::Cloud,
        vec![Issue::new(7, &["plumb", &label("a")], true)],
        0,
    );
    let dest = jira(&server.url, "");
    let mut t = TestStore::new();
    let (id, findings) = t.snapshot(&["a", "b"], vec![failing("a"), failing("b")]);

    let report = t.export(dest.as_ref(), id, &findings);

    assert_eq!(
        server.sent(),
        [
            jira_search(2, "search", "a"),
            jira_search(2, "search/jql", "a"),
            jira_search(2, "search/jql", "b"),
            "POST /rest/api/2/issue".to_string(),
        ],
        "after the 410, lookups go to search/jql"
    );
    assert_eq!(
        actions(&report),
        [
            Action::Found {
                url: format!("{}/browse/SEC-7", server.url)
            },
            Action::Opened {
                url: format!("{}/browse/SEC-8", server.url)
            },
        ]
    );
    assert_eq!(ticket(&mut t, "jira", "a").unwrap().ticket_id, "SEC-7");
    assert_eq!(ticket(&mut t, "jira", "b").unwrap().ticket_id, "SEC-8");
}

#[test]
fn a_finding_that_fails_again_transitions_its_jira_issue_back_to_to_do() {
    let server = trackers::jira(Site::DataCenter, Vec::new(), 0);
    let dest = jira(&server.url, "");
    let mut t = TestStore::new();
    let (first, findings) = t.snapshot(&["a"], vec![failing("a")]);
    t.export(dest.as_ref(), first, &findings);
    let (second, findings) = t.snapshot(&["a"], vec![passing("a")]);
    t.export(dest.as_ref(), second, &findings);
    assert!(!server.issues()[0].open, "done when it passed");
    let before = server.requests().len();

    let (third, findings) = t.snapshot(&["a"], vec![failing("a")]);
    let report = t.export(dest.as_ref(), third, &findings);

    assert_eq!(
        server.sent()[before..],
        [
            "POST /rest/api/2/issue/SEC-1/comment",
            "GET /rest/api/2/issue/SEC-1/transitions",
            "POST /rest/api/2/issue/SEC-1/transitions",
        ]
    );
    let requests = server.requests();
    assert_eq!(
        requests[before].json(),
        json!({"body": format!("Reopened: the check fails again in Plumb snapshot {third}. Reopened by `plumb export`.")})
    );
    assert_eq!(
        requests[before + 2].json(),
        json!({"transition": {"id": "11"}}),
        "the first transition into a \"to do\" status"
    );
    assert_eq!(
        actions(&report),
        [Action::Reopened {
            url: format!("{}/browse/SEC-1", server.url)
        }]
    );
    assert_eq!(server.issues().len(), 1);
    assert!(server.issues()[0].open);
    assert_eq!(
        ticket(&mut t, "jira", "a").unwrap().state,
        TicketState::Open
    );
}

#[test]
fn jira_api_v3_sends_descriptions_and_comments_as_atlassian_documents() {
    let server = trackers::jira(Site::Cloud, Vec::new(), 0);
    let dest = jira(&server.url, "api_version = 3\n");
    let mut t = TestStore::new();
    let (first, findings) = t.snapshot(&["a"], vec![failing("a")]);
    t.export(dest.as_ref(), first, &findings);
    let (second, findings) = t.snapshot(&["a"], vec![passing("a")]);
    t.export(dest.as_ref(), second, &findings);
    let (third, findings) = t.snapshot(&["a"], vec![failing("a")]);
    t.export(dest.as_ref(), third, &findings);

    assert_eq!(
        server.sent(),
        [
            jira_search(3, "search/jql", "a"),
            "POST /rest/api/3/issue".to_string(),
            "POST /rest/api/3/issue/SEC-1/comment".to_string(),
            "GET /rest/api/3/issue/SEC-1/transitions".to_string(),
            "POST /rest/api/3/issue/SEC-1/transitions".to_string(),
            "POST /rest/api/3/issue/SEC-1/comment".to_string(),
            "GET /rest/api/3/issue/SEC-1/transitions".to_string(),
            "POST /rest/api/3/issue/SEC-1/transitions".to_string(),
        ]
    );
    let requests = server.requests();
    let text = |t: &str| json!({"type": "text", "text": t});
    let marked =
        |t: &str, mark: &str| json!({"type": "text", "text": t, "marks": [{"type": mark}]});
    let paragraph = |content: serde_json::Value| json!({"type": "paragraph", "content": content});
    let row = |name: &str, value: serde_json::Value| {
        json!({"type": "tableRow", "content": [
            {"type": "tableHeader", "content": [paragraph(json!([text(name)]))]},
            {"type": "tableCell", "content": [paragraph(json!([value]))]},
        ]})
    };
    assert_eq!(
        requests[1].json(),
        json!({"fields": {
            "project": {"key": "SEC"},
            "issuetype": {"name": "Bug"},
            "summary": "[high] S3 bucket blocks public access: arn:aws:s3:::a",
            "labels": ["plumb", label("a")],
            "description": {"type": "doc", "version": 1, "content": [
                paragraph(json!([
                    text("Plumb found that "),
                    marked("S3 bucket blocks public access", "strong"),
                    text(" fails on "),
                    marked("arn:aws:s3:::a", "code"),
                    text("."),
                ])),
                {"type": "table", "content": [
                    row("Check", marked("s3_bucket_public_access_blocked", "code")),
                    row("Severity", text("high")),
                    row("Risk", text("80.0 / 100")),
                    row("Resource", text("arn:aws:s3:::a (aws_s3_bucket)")),
                    row("Account", text("111122223333")),
                    row("Region", text("us-east-1")),
                    row("Controls", text("cis-aws-5.0:2.1.4")),
                    row("Snapshot", text(&first.to_string())),
                ]},
                {"type": "heading", "attrs": {"level": 3}, "content": [text("Evidence")]},
                {"type": "codeBlock", "attrs": {"language": "json"}, "content": [
                    text("{\n  \"props.public_access_block\": null\n}")
                ]},
                {"type": "heading", "attrs": {"level": 3}, "content": [text("Remediation")]},
                {"type": "codeBlock", "content": [text(
                    "aws s3api put-public-access-block --bucket a --public-access-block-configuration BlockPublicAcls=true"
                )]},
                paragraph(json!([marked(
                    "Opened by plumb export (fingerprint s3_bucket_public_access_blocked|arn:aws:s3:::a); plumb comments and closes this issue when the finding no longer fails.",
                    "em"
                )])),
            ]},
        }})
    );
    let document = |t: &str| json!({"body": {"type": "doc", "version": 1, "content": [paragraph(json!([text(t)]))]}});
    assert_eq!(
        requests[2].json(),
        document(&format!(
            "Resolved: the check passes in Plumb snapshot {second}. Closed by `plumb export`."
        ))
    );
    assert_eq!(requests[4].json(), json!({"transition": {"id": "31"}}));
    assert_eq!(
        requests[5].json(),
        document(&format!(
            "Reopened: the check fails again in Plumb snapshot {third}. Reopened by `plumb export`."
        ))
    );
    assert_eq!(requests[7].json(), json!({"transition": {"id": "11"}}));
}

/// GitHub where every `PATCH` fails with 422 while `refuse` is set,
/// echoing the token, and lookups find nothing.
fn github_refusing_patches(refuse: Arc<AtomicBool>) -> FakeServer {
    FakeServer::start(move |r: &Recorded| match r.method.as_str() {
        "GET" => Reply::json(200, json!([])),
        "POST" if r.path == "/repos/acme/infra/issues" => Reply::json(
            201,
            json!({"number": 1, "html_url": "https://github.com/acme/infra/issues/1"}),
        ),
        "POST" => Reply::json(201, json!({"id": 9})),
        "PATCH" if refuse.load(Ordering::SeqCst) => Reply::json(
            422,
            json!({"message": format!("Validation Failed (token {TOKEN})")}),
        ),
        _ => Reply::json(200, json!({})),
    })
}

#[test]
fn a_failed_close_or_reopen_is_reported_with_status_and_redacted_answer_and_retried_next_run() {
    let refuse = Arc::new(AtomicBool::new(true));
    let server = github_refusing_patches(Arc::clone(&refuse));
    let dest = github(&server.url);
    let mut t = TestStore::new();
    let (first, findings) = t.snapshot(&["a"], vec![failing("a")]);
    t.export(dest.as_ref(), first, &findings);

    // The close fails: reported, and the ticket stays open in the store.
    let (second, findings) = t.snapshot(&["a"], vec![passing("a")]);
    let report = t.export(dest.as_ref(), second, &findings);
    let reason = failure(&report);
    assert!(
        reason.contains("HTTP 422 from PATCH /repos/acme/infra/issues/1 after 1 attempt(s)")
            && reason.contains("Validation Failed (token ***)"),
        "{reason}"
    );
    assert_no_token(&format!("{report:?}"));
    assert_eq!(
        ticket(&mut t, "github", "a").unwrap().state,
        TicketState::Open
    );

    // The next run closes it.
    refuse.store(false, Ordering::SeqCst);
    let report = t.export(dest.as_ref(), second, &findings);
    assert!(
        matches!(report.items[0].action, Action::Resolved { .. }),
        "{report:?}"
    );
    assert_eq!(
        ticket(&mut t, "github", "a").unwrap().state,
        TicketState::Closed
    );

    // The reopen fails: reported, and the ticket stays closed in the store.
    refuse.store(true, Ordering::SeqCst);
    let (third, findings) = t.snapshot(&["a"], vec![failing("a")]);
    let report = t.export(dest.as_ref(), third, &findings);
    let reason = failure(&report);
    assert!(
        reason.contains("HTTP 422 from PATCH /repos/acme/infra/issues/1"),
        "{reason}"
    );
    assert_no_token(&reason);
    assert_eq!(
        ticket(&mut t, "github", "a").unwrap().state,
        TicketState::Closed
    );

    // The next run reopens it.
    refuse.store(false, Ordering::SeqCst);
    let report = t.export(dest.as_ref(), third, &findings);
    assert!(
        matches!(report.items[0].action, Action::Reopened { .. }),
        "{report:?}"
    );
    assert_eq!(
        ticket(&mut t, "github", "a").unwrap().state,
        TicketState::Open
    );
}

#[test]
fn a_create_that_may_have_succeeded_is_not_sent_again_when_its_lookup_fails() {
    let lookups = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let seen = Arc::clone(&lookups);
    let server = FakeServer::start(move |r: &Recorded| match r.method.as_str() {
        // The first lookup finds nothing; then the search breaks down.
        "GET" if seen.fetch_add(1, Ordering::SeqCst) == 0 => Reply::json(200, json!([])),
        "GET" => Reply::json(503, json!({"message": "search unavailable"})),
        _ => Reply::json(502, json!({"message": "Bad Gateway"})),
    });
    let dest = github(&server.url);
    let mut t = TestStore::new();
    let (id, findings) = t.snapshot(&["a"], vec![failing("a")]);

    let report = t.export(dest.as_ref(), id, &findings);

    let reason = failure(&report);
    assert_eq!(
        reason,
        format!(
            "HTTP 502 from POST /repos/acme/infra/issues after 1 attempt(s): {{\"message\":\"Bad Gateway\"}}; \
             not sent again, as it may have been created and looking it up failed: \
             HTTP 503 from {} after 3 attempt(s): {{\"message\":\"search unavailable\"}}",
            github_lookup("a")
        )
    );
    let posts = |s: &FakeServer| s.requests().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts(&server), 1, "the create is not repeated");
    assert!(ticket(&mut t, "github", "a").is_none(), "nothing stored");

    // The next run looks up first; while the search is down it opens nothing.
    let report = t.export(dest.as_ref(), id, &findings);
    let reason = failure(&report);
    assert!(
        reason.starts_with("not opened, as looking up its ticket failed")
            && reason.contains("HTTP 503"),
        "{reason}"
    );
    assert_eq!(posts(&server), 1);
}

#[test]
fn a_ticket_the_store_cannot_record_is_a_failure_naming_it_and_the_next_run_finds_it() {
    let server = github_tracker();
    let dest = github(&server.url);
    let mut t = TestStore::new();
    let (id, findings) = t.snapshot(&["a", "b"], vec![failing("a"), failing("b")]);
    t.refuse_ticket_writes();

    let report = t.export(dest.as_ref(), id, &findings);

    let reasons: Vec<String> = report
        .items
        .iter()
        .map(|i| match &i.action {
            Action::Failed { reason } => reason.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(reasons.len(), 2, "both reported, the run went on");
    assert!(
        reasons[0].starts_with(
            "its ticket https://github.com/acme/infra/issues/1 is open in github, but the store could not record it:"
        ) && reasons[0].contains("database or disk is full"),
        "{}",
        reasons[0]
    );
    assert_eq!(server.issues().len(), 2);

    // Once the store works again, the next run finds both rather than
    // opening them again.
    t.accept_ticket_writes();
    let report = t.export(dest.as_ref(), id, &findings);
    assert!(
        actions(&report)
            .iter()
            .all(|a| matches!(a, Action::Found { .. })),
        "{report:?}"
    );
    assert_eq!(server.issues().len(), 2);
    assert_eq!(t.store.tickets("github").unwrap().len(), 2);
}

#[test]
fn without_a_tracker_a_finding_that_fails_again_is_announced_again() {
    let server = FakeServer::start(|_r: &Recorded| Reply::json(202, json!({})));
    let cfg = config(&format!(
        "[export.webhook]\nurl = \"{}/hook\"\n",
        server.url
    ));
    let dest = destination(System::Webhook, &cfg, &env, fast_retry(), false).unwrap();
    let mut t = TestStore::new();
    for findings in [vec![failing("a")], vec![passing("a")], vec![failing("a")]] {
        let (id, findings) = t.snapshot(&["a"], findings);
        t.export(dest.as_ref(), id, &findings);
    }
    let events: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.json()["event"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        events,
        ["opened", "resolved", "opened"],
        "no lookup, no reopen"
    );
}
