//! What the export tests share: a local HTTP server on 127.0.0.1 that
//! plays GitHub, Jira, Slack or a webhook and records every request, and
//! a real SQLite store with snapshots and findings.

#![allow(dead_code)]

pub mod trackers;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use plumb_export::{fingerprint, fingerprint_label, ExportConfig, FileMode, RetryPolicy};
use plumb_model::{Evidence, Finding, Resource, Scope, Severity, Snapshot, Status};
use plumb_store::{SqliteStore, Store};
use serde_json::Value;

/// The token (and signing secret) the tests give; it must never be printed.
pub const TOKEN: &str = "ghp_test-token-never-printed";

/// Retries in milliseconds.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(2),
        timeout: Duration::from_secs(10),
    }
}

/// The environment: every credential is [`TOKEN`].
pub fn env(name: &str) -> Option<String> {
    match name {
        "GITHUB_TOKEN" | "JIRA_TOKEN" | "HOOK_SECRET" => Some(TOKEN.to_string()),
        "JIRA_USER" => Some("sec@example.com".to_string()),
        _ => None,
    }
}

/// `plumb.toml` holding `toml`, readable and writable by its owner only.
pub fn config(toml: &str) -> ExportConfig {
    ExportConfig::parse("plumb.toml", toml, FileMode::Unix(0o100600))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `[export.github]` for `acme/infra` at `url`.
pub fn github_config(url: &str) -> ExportConfig {
    config(&format!(
        "[export.github]\nrepo = \"acme/infra\"\napi_url = \"{url}\"\nlabels = [\"plumb\", \"security\"]\n"
    ))
}

/// The fingerprint label of the test finding on bucket `name`.
pub fn label(name: &str) -> String {
    fingerprint_label(&fingerprint(
        "s3_bucket_public_access_blocked",
        &format!("arn:aws:s3:::{name}"),
    ))
}

/// GitHub's lookup of the issue of the finding on bucket `name`.
pub fn github_lookup(name: &str) -> String {
    format!(
        "GET /repos/acme/infra/issues?labels={}&state=all&per_page=100",
        label(name)
    )
}

/// Fails when `text` holds the token.
pub fn assert_no_token(text: &str) {
    assert!(!text.contains(TOKEN), "the token was printed: {text}");
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Header names in lowercase.
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Recorded {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{} {}: body is not JSON: {e}", self.method, self.path))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// What the server answers.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_string()));
        self
    }
}

/// A server on a free port of 127.0.0.1, answering with `handler`.
pub struct FakeServer {
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl FakeServer {
    pub fn start(mut handler: impl FnMut(&Recorded) -> Reply + Send + 'static) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port on 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let Some(request) = read_request(&mut stream) else {
                    continue;
                };
                let reply = handler(&request);
                seen.lock().unwrap().push(request);
                let mut head = format!(
                    "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                    reply.status,
                    reply.body.len()
                );
                for (name, value) in &reply.headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(reply.body.as_bytes());
                let _ = stream.flush();
            }
        });
        FakeServer { url, requests }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<Recorded> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_lowercase(), v.trim().to_string());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// A real SQLite store in a temporary directory.
pub struct TestStore {
    pub store: SqliteStore,
    dir: tempfile::TempDir,
}

impl TestStore {
    pub fn new() -> TestStore {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("plumb.db")).unwrap();
        TestStore { store, dir }
    }

    /// `plumb export` of `findings` of `snapshot` to `dest`: every finding
    /// selected, not a dry run.
    pub fn export(
        &mut self,
        dest: &dyn plumb_export::Destination,
        snapshot: i64,
        findings: &[Finding],
    ) -> plumb_export::ExportReport {
        plumb_export::export(
            &mut self.store,
            dest,
            snapshot,
            findings,
            &plumb_export::Selection::default(),
            false,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Whether any file of the database (the database, its journal or
    /// write-ahead log) holds `needle`, in any table or free page.
    pub fn files_hold(&self, needle: &str) -> bool {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
            .any(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
    }

    /// From now on the database refuses every write to `tickets`, as a
    /// full disk would.
    pub fn refuse_ticket_writes(&self) {
        let db = rusqlite::Connection::open(self.dir.path().join("plumb.db")).unwrap();
        for event in ["INSERT", "UPDATE"] {
            db.execute_batch(&format!(
                "CREATE TRIGGER refuse_{event} BEFORE {event} ON tickets \
                 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;"
            ))
            .unwrap();
        }
    }

    /// Undoes [`TestStore::refuse_ticket_writes`].
    pub fn accept_ticket_writes(&self) {
        let db = rusqlite::Connection::open(self.dir.path().join("plumb.db")).unwrap();
        db.execute_batch("DROP TRIGGER refuse_INSERT; DROP TRIGGER refuse_UPDATE;")
            .unwrap();
    }

    /// Stores a snapshot holding buckets with these names and these
    /// findings; returns its id and the findings as stored.
    pub fn snapshot(&mut self, buckets: &[&str], findings: Vec<Finding>) -> (i64, Vec<Finding>) {
        let now = Utc::now();
        let snapshot = Snapshot {
            id: 0,
            started_at: now,
            finished_at: now,
            scope: Scope::default(),
            coverage: Vec::new(),
            resources: buckets
                .iter()
                .map(|b| {
                    Resource::new(
                        format!("arn:aws:s3:::{b}"),
                        "aws_s3_bucket",
                        "111122223333",
                        "us-east-1",
                        *b,
                    )
                })
                .collect(),
            edges: Vec::new(),
        };
        let id = self.store.save_snapshot(&snapshot).unwrap();
        self.store.save_findings(id, &findings).unwrap();
        (id, self.store.findings(id).unwrap())
    }
}

/// A finding of `s3_bucket_public_access_blocked` on bucket `name`.
pub fn finding(name: &str, status: Status, severity: Severity, risk: f64) -> Finding {
    let mut evidence = Evidence::default();
    evidence.push("props.public_access_block", &Value::Null);
    let check = plumb_model::CheckPart {
        id: "s3_bucket_public_access_blocked".into(),
        title: "S3 bucket blocks public access".into(),
        severity,
        controls: vec!["cis-aws-5.0:2.1.4".to_string()].into(),
        remediation: "aws s3api put-public-access-block".into(),
    };
    let resource = plumb_model::ResourcePart {
        uid: format!("arn:aws:s3:::{name}").into(),
        kind: "aws_s3_bucket".into(),
        account: "111122223333".into(),
        region: "us-east-1".into(),
    };
    let mut finding = Finding::new(
        std::sync::Arc::new(check),
        std::sync::Arc::new(resource),
        status,
        evidence,
        Some(format!("aws s3api put-public-access-block --bucket {name} --public-access-block-configuration BlockPublicAcls=true").into()),
        None,
    );
    finding.risk = if status == Status::Fail {
        Some(risk)
    } else {
        None
    };
    finding
}
