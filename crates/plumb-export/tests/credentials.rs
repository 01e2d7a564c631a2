//! Credentials written in `plumb.toml` rather than named by `*_env`: each
//! system sends them exactly as it sends those from the environment, and
//! they are kept out of every failure, preview, log line and the store, as
//! those are. The environment these tests give holds other values (or
//! none), so what is sent can only have come from the file. Nothing leaves
//! 127.0.0.1.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use common::trackers;
use common::{
    config, fast_retry, finding, github_lookup, label, FakeServer, Recorded, Reply, TestStore,
};
use plumb_export::{destination, export, Action, Destination, ExportReport, Selection, System};
use plumb_model::{Finding, Severity, Status};
use plumb_store::Store;
use serde_json::json;

/// The credential written in the file; it must never be printed.
const INLINE: &str = "ghp_inline-token-from-plumb-toml";

/// An environment that holds other credentials under the default names.
fn other_env(name: &str) -> Option<String> {
    matches!(
        name,
        "GITHUB_TOKEN" | "JIRA_TOKEN" | "JIRA_USER" | "SLACK_WEBHOOK_URL"
    )
    .then(|| "from-the-environment".to_string())
}

fn assert_hidden(text: &str) {
    assert!(
        !text.contains(INLINE),
        "the inline credential was shown: {text}"
    );
}

fn github_inline(url: &str) -> Box<dyn Destination> {
    let cfg = config(&format!(
        "[export.github]\nrepo = \"acme/infra\"\napi_url = \"{url}\"\ntoken = \"{INLINE}\"\n"
    ));
    destination(System::Github, &cfg, &other_env, fast_retry(), false).unwrap()
}

fn failing(t: &mut TestStore, name: &str) -> (i64, Vec<Finding>) {
    t.snapshot(
        &[name],
        vec![finding(name, Status::Fail, Severity::High, 80.0)],
    )
}

fn failure(report: &ExportReport) -> String {
    match &report.items[0].action {
        Action::Failed { reason } => reason.clone(),
        other => panic!("not a failure: {other:?}"),
    }
}

#[test]
fn github_sends_the_token_written_in_the_file_and_the_store_never_holds_it() {
    let server = trackers::github(Vec::new(), 0);
    let mut t = TestStore::new();
    let (id, findings) = failing(&mut t, "a");
    let dest = github_inline(&server.url);
    let report = t.export(dest.as_ref(), id, &findings);

    assert_eq!(
        server.sent(),
        [github_lookup("a"), "POST /repos/acme/infra/issues".into()]
    );
    for r in server.requests() {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {INLINE}").as_str()),
            "{} {}: the file's token, not the environment's",
            r.method,
            r.path
        );
        assert_eq!(r.header("accept"), Some("application/vnd.github+json"));
        assert_eq!(r.header("x-github-api-version"), Some("2022-11-28"));
    }
    let create = &server.requests()[1];
    assert_eq!(create.header("content-type"), Some("application/json"));
    let body = create.json();
    assert_eq!(
        body["title"],
        "[high] S3 bucket blocks public access: arn:aws:s3:::a"
    );
    assert_eq!(body["labels"], json!(["plumb", label("a")]));
    assert_hidden(&create.body);
    assert_eq!(
        report.items[0].action,
        Action::Opened {
            url: "https://github.com/acme/infra/issues/1".into()
        }
    );
    assert_hidden(&format!("{report:?}"));
    let tickets = t.store.tickets("github").unwrap();
    assert_eq!(tickets.len(), 1);
    assert_hidden(&format!("{tickets:?}"));
    assert!(
        t.files_hold("https://github.com/acme/infra/issues/1"),
        "the scan of the store's files sees what was stored"
    );
    assert!(
        !t.files_hold(INLINE),
        "no table, journal or free page of the store holds the token"
    );
}

#[test]
fn jira_sends_the_user_and_token_written_in_the_file_as_basic_auth_or_the_token_as_bearer() {
    for (user, want) in [
        (
            "user = \"sec@example.com\"\n",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("sec@example.com:{INLINE}"))
            ),
        ),
        ("", format!("Bearer {INLINE}")),
    ] {
        let server = trackers::jira(trackers::Site::DataCenter, Vec::new(), 0);
        let cfg = config(&format!(
            "[export.jira]\nurl = \"{}\"\nproject = \"SEC\"\n{user}token = \"{INLINE}\"\n",
            server.url
        ));
        let dest = destination(System::Jira, &cfg, &other_env, fast_retry(), false).unwrap();
        let mut t = TestStore::new();
        let (id, findings) = failing(&mut t, "a");
        let report = t.export(dest.as_ref(), id, &findings);
        assert!(!report.failed(), "{report:?}");
        let requests = server.requests();
        assert_eq!(
            requests
                .iter()
                .map(|r| format!("{} {}", r.method, r.path.split('?').next().unwrap_or("")))
                .collect::<Vec<_>>(),
            ["GET /rest/api/2/search", "POST /rest/api/2/issue"]
        );
        for r in &requests {
            assert_eq!(r.header("authorization"), Some(want.as_str()));
        }
        assert!(!t.files_hold(INLINE));
    }
}

#[test]
fn slack_posts_to_the_webhook_url_written_in_the_file() {
    let server = FakeServer::start(|_r: &Recorded| Reply {
        status: 200,
        headers: Vec::new(),
        body: "ok".into(),
    });
    let hook = format!("{}/services/T000/B000/{INLINE}", server.url);
    let cfg = config(&format!("[export.slack]\nwebhook_url = \"{hook}\"\n"));
    let dest = destination(System::Slack, &cfg, &other_env, fast_retry(), false).unwrap();
    let mut t = TestStore::new();
    let (id, findings) = failing(&mut t, "a");
    let report = t.export(dest.as_ref(), id, &findings);
    assert!(!report.failed(), "{report:?}");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("POST", format!("/services/T000/B000/{INLINE}").as_str())
    );
    assert_eq!(
        requests[0].json()["text"],
        format!("Plumb: 1 new failing finding(s) in snapshot {id}")
    );
    assert!(!t.files_hold(INLINE));
}

#[test]
fn the_webhook_signs_with_the_secret_written_in_the_file() {
    let server = FakeServer::start(|_r: &Recorded| Reply::json(202, json!({})));
    let cfg = config(&format!(
        "[export.webhook]\nurl = \"{}/hooks/plumb\"\nsecret = \"{INLINE}\"\n",
        server.url
    ));
    let dest = destination(System::Webhook, &cfg, &other_env, fast_retry(), false).unwrap();
    let mut t = TestStore::new();
    let (id, findings) = failing(&mut t, "a");
    t.export(dest.as_ref(), id, &findings);
    let r = &server.requests()[0];
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(INLINE.as_bytes()).unwrap();
    mac.update(r.body.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        r.header("x-plumb-signature-256"),
        Some(format!("sha256={hex}").as_str())
    );
    assert_hidden(&r.body);
    assert!(!t.files_hold(INLINE));
}

/// A log writer that keeps what is written.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failing_request_that_echoes_the_inline_token_is_reported_and_logged_with_stars() {
    let server = FakeServer::start(|r: &Recorded| {
        if r.method == "GET" {
            Reply::json(200, json!([]))
        } else {
            let auth = r.header("authorization").unwrap_or_default().to_string();
            Reply::json(500, json!({"message": format!("backend rejected {auth}")}))
        }
    });
    let mut t = TestStore::new();
    let (id, findings) = failing(&mut t, "a");
    let dest = github_inline(&server.url);
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let report =
        tracing::subscriber::with_default(subscriber, || t.export(dest.as_ref(), id, &findings));
    let reason = failure(&report);
    assert!(
        reason.contains("HTTP 500 from POST /repos/acme/infra/issues after 3 attempt(s)")
            && reason.contains("backend rejected Bearer ***"),
        "{reason}"
    );
    assert_hidden(&reason);
    let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("retrying") && logged.contains("backend rejected Bearer ***"),
        "the retries are logged, redacted: {logged}"
    );
    assert_hidden(&logged);
    assert!(t.store.tickets("github").unwrap().is_empty());
}

#[test]
fn jira_basic_credentials_echoed_alone_are_redacted() {
    let server = FakeServer::start(|r: &Recorded| {
        let auth = r.header("authorization").unwrap_or_default();
        let encoded = auth.strip_prefix("Basic ").unwrap_or(auth).to_string();
        Reply::json(
            401,
            json!({"errorMessages": [format!("bad credentials {encoded}")]}),
        )
    });
    let cfg = config(&format!(
        "[export.jira]\nurl = \"{}\"\nproject = \"SEC\"\nuser = \"sec@example.com\"\ntoken = \"{INLINE}\"\n",
        server.url
    ));
    let dest = destination(System::Jira, &cfg, &other_env, fast_retry(), false).unwrap();
    let mut t = TestStore::new();
    let (id, findings) = failing(&mut t, "a");
    let report = t.export(dest.as_ref(), id, &findings);
    let reason = failure(&report);
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("sec@example.com:{INLINE}"));
    assert!(
        reason.contains("HTTP 401") && reason.contains("bad credentials ***"),
        "{reason}"
    );
    assert!(!reason.contains(&encoded), "{reason}");
    assert_hidden(&reason);
}

#[test]
fn a_failing_slack_webhook_written_in_the_file_is_never_shown_whole_or_in_part() {
    // The answer quotes the path, where Slack's secret is.
    let server = FakeServer::start(|r: &Recorded| {
        Reply::json(404, json!({"error": format!("no_service at {}", r.path)}))
    });
    let path = format!("/services/T000/B000/{INLINE}");
    let cfg = config(&format!(
        "[export.slack]\nwebhook_url = \"{}{path}\"\n",
        server.url
    ));
    let dest = destination(System::Slack, &cfg, &other_env, fast_retry(), false).unwrap();
    let mut t = TestStore::new();
    let (id, findings) = failing(&mut t, "a");
    let reason = failure(&t.export(dest.as_ref(), id, &findings));
    assert!(
        reason.contains("HTTP 404 from POST <the Slack webhook>")
            && reason.contains("no_service at ***"),
        "{reason}"
    );
    assert_hidden(&reason);

    // Nothing listens: the transport error names no part of the URL's path.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let cfg = config(&format!(
        "[export.slack]\nwebhook_url = \"http://{closed}{path}\"\n"
    ));
    let dest = destination(System::Slack, &cfg, &other_env, fast_retry(), false).unwrap();
    let (id, findings) = failing(&mut t, "b");
    let reason = failure(&t.export(dest.as_ref(), id, &findings));
    assert!(
        reason.contains("POST <the Slack webhook> failed after 3 attempt(s)"),
        "{reason}"
    );
    assert_hidden(&reason);
}

#[test]
fn a_dry_run_previews_no_inline_credential_and_sends_nothing() {
    let server = trackers::github(Vec::new(), 0);
    let mut t = TestStore::new();
    let (id, findings) = failing(&mut t, "a");
    let cfg = config(&format!(
        "[export.github]\nrepo = \"acme/infra\"\napi_url = \"{}\"\ntoken = \"{INLINE}\"\n\
         [export.slack]\nwebhook_url = \"{}/services/T000/B000/{INLINE}\"\n\
         [export.webhook]\nurl = \"{}/hooks\"\nsecret = \"{INLINE}\"\n",
        server.url, server.url, server.url
    ));
    for system in [System::Github, System::Slack, System::Webhook] {
        let dest = destination(system, &cfg, &|_| None, fast_retry(), true).unwrap();
        let report = export(
            &mut t.store,
            dest.as_ref(),
            id,
            &findings,
            &Selection::default(),
            true,
        )
        .unwrap();
        assert!(!report.previews.is_empty(), "{system}");
        assert_hidden(&report.previews.join("\n"));
        assert_hidden(&format!("{report:?}"));
    }
    assert!(server.requests().is_empty());
    assert!(!t.files_hold(INLINE));
}
