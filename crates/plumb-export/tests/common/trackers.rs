//! GitHub and Jira as far as `plumb export` uses them, on a [`FakeServer`]:
//! they keep their issues (labels, state), so lookups by label, closing and
//! reopening behave as the real ones do. Either can fail its first creates
//! with a server error *after* creating the issue, as a gateway timing out
//! in front of a slow backend does.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::{FakeServer, Recorded, Reply};

/// One issue the fake holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// GitHub's number, or the number in Jira's key (`SEC-n`).
    pub number: u64,
    pub labels: Vec<String>,
    /// Open or not (GitHub `open`/`closed`; Jira: not in a "done" status).
    pub open: bool,
}

impl Issue {
    pub fn new(number: u64, labels: &[&str], open: bool) -> Issue {
        Issue {
            number,
            labels: labels.iter().map(|l| l.to_string()).collect(),
            open,
        }
    }
}

/// The query parameters of a path, decoded.
fn query(path: &str) -> Vec<(String, String)> {
    let Some((_, q)) = path.split_once('?') else {
        return Vec::new();
    };
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(k), decode(v))
        })
        .collect()
}

fn param(path: &str, name: &str) -> Option<String> {
    query(path)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// A fake that keeps issues.
pub struct Tracker {
    pub server: FakeServer,
    issues: Arc<Mutex<Vec<Issue>>>,
}

impl Tracker {
    pub fn issues(&self) -> Vec<Issue> {
        self.issues.lock().unwrap().clone()
    }

    /// Each request as `METHOD path`.
    pub fn sent(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }
}

impl std::ops::Deref for Tracker {
    type Target = FakeServer;

    fn deref(&self) -> &FakeServer {
        &self.server
    }
}

/// GitHub's repository `acme/infra` holding `issues`; its first
/// `failing_creates` creates answer 502 after creating the issue.
pub fn github(issues: Vec<Issue>, failing_creates: u32) -> Tracker {
    let issues = Arc::new(Mutex::new(issues));
    let held = Arc::clone(&issues);
    let mut failing = failing_creates;
    let server = FakeServer::start(move |r: &Recorded| {
        let mut issues = held.lock().unwrap();
        let page = |n: u64| format!("https://github.com/acme/infra/issues/{n}");
        let route = r.path.split('?').next().unwrap_or("");
        let number = route
            .strip_prefix("/repos/acme/infra/issues/")
            .and_then(|rest| rest.split('/').next())
            .and_then(|n| n.parse::<u64>().ok());
        match (r.method.as_str(), route, number) {
            ("POST", "/repos/acme/infra/issues", _) => {
                let labels = r.json()["labels"]
                    .as_array()
                    .map(|l| {
                        l.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                let n = issues.iter().map(|i| i.number).max().unwrap_or(0) + 1;
                issues.push(Issue {
                    number: n,
                    labels,
                    open: true,
                });
                if failing > 0 {
                    failing -= 1;
                    return Reply::json(502, json!({"message": "Bad Gateway"}));
                }
                Reply::json(201, json!({"number": n, "html_url": page(n)}))
            }
            ("GET", "/repos/acme/infra/issues", _) => {
                let wanted = param(&r.path, "labels").unwrap_or_default();
                let all_states = param(&r.path, "state").as_deref() == Some("all");
                let list: Vec<Value> = issues
                    .iter()
                    .filter(|i| wanted.split(',').all(|l| i.labels.iter().any(|h| h == l)))
                    .filter(|i| all_states || i.open)
                    .map(|i| {
                        json!({
                            "number": i.number,
                            "html_url": page(i.number),
                            "state": if i.open { "open" } else { "closed" },
                            "labels": i.labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                Reply::json(200, Value::Array(list))
            }
            ("POST", p, Some(_)) if p.ends_with("/comments") => Reply::json(201, json!({"id": 9})),
            ("PATCH", _, Some(n)) => match issues.iter_mut().find(|i| i.number == n) {
                Some(issue) => {
                    issue.open = r.json()["state"] == "open";
                    Reply::json(200, json!({"number": n, "state": r.json()["state"]}))
                }
                None => Reply::json(404, json!({"message": "Not Found"})),
            },
            _ => Reply::json(404, json!({"message": "Not Found"})),
        }
    });
    Tracker { server, issues }
}

/// The transitions the fake Jira offers on every issue.
pub fn jira_transitions() -> Value {
    json!({"transitions": [
        {"id": "11", "name": "Reopen", "to": {"name": "To Do", "statusCategory": {"key": "new"}}},
        {"id": "21", "name": "Start", "to": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}}},
        {"id": "31", "name": "Close", "to": {"name": "Done", "statusCategory": {"key": "done"}}}
    ]})
}

/// What kind of Jira site the fake plays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Site {
    /// Jira Data Center: `/rest/api/2/search` only.
    DataCenter,
    /// Jira Cloud today: `/rest/api/{2,3}/search` answer 410 Gone;
    /// `/rest/api/{2,3}/search/jql` it is.
    Cloud,
}

/// Jira's project `SEC` holding `issues` (keys `SEC-<number>`); its first
/// `failing_creates` creates answer 502 after creating the issue.
pub fn jira(site: Site, issues: Vec<Issue>, failing_creates: u32) -> Tracker {
    let issues = Arc::new(Mutex::new(issues));
    let held = Arc::clone(&issues);
    let mut failing = failing_creates;
    let server = FakeServer::start(move |r: &Recorded| {
        let mut issues = held.lock().unwrap();
        let route = r.path.split('?').next().unwrap_or("").to_string();
        let Some(rest) = route
            .strip_prefix("/rest/api/2")
            .or_else(|| route.strip_prefix("/rest/api/3"))
        else {
            return Reply::json(404, json!({}));
        };
        let key_number = rest
            .strip_prefix("/issue/SEC-")
            .and_then(|k| k.split('/').next())
            .and_then(|n| n.parse::<u64>().ok());
        match (r.method.as_str(), rest, key_number) {
            ("POST", "/issue", _) => {
                let labels = r.json()["fields"]["labels"]
                    .as_array()
                    .map(|l| {
                        l.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                let n = issues.iter().map(|i| i.number).max().unwrap_or(0) + 1;
                issues.push(Issue {
                    number: n,
                    labels,
                    open: true,
                });
                if failing > 0 {
                    failing -= 1;
                    return Reply::json(502, json!({"errorMessages": ["Bad Gateway"]}));
                }
                Reply::json(
                    201,
                    json!({"id": (10000 + n).to_string(), "key": format!("SEC-{n}"), "self": "x"}),
                )
            }
            ("GET", "/search", _) if site == Site::Cloud => Reply::json(
                410,
                json!({"errorMessages": ["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."]}),
            ),
            ("GET", "/search/jql", _) if site == Site::DataCenter => Reply::json(404, json!({})),
            ("GET", "/search" | "/search/jql", _) => {
                let jql = param(&r.path, "jql").unwrap_or_default();
                let label = jql
                    .split("labels = \"")
                    .nth(1)
                    .and_then(|l| l.split('"').next())
                    .unwrap_or("");
                let found: Vec<Value> = issues
                    .iter()
                    .filter(|i| i.labels.iter().any(|l| l == label))
                    .map(|i| {
                        let category = if i.open { "new" } else { "done" };
                        json!({
                            "id": (10000 + i.number).to_string(),
                            "key": format!("SEC-{}", i.number),
                            "fields": {"status": {"statusCategory": {"key": category}}},
                        })
                    })
                    .collect();
                Reply::json(200, json!({ "issues": found }))
            }
            ("POST", p, Some(_)) if p.ends_with("/comment") => Reply::json(201, json!({"id": "1"})),
            ("GET", p, Some(_)) if p.ends_with("/transitions") => {
                Reply::json(200, jira_transitions())
            }
            ("POST", p, Some(n)) if p.ends_with("/transitions") => {
                let id = r.json()["transition"]["id"].clone();
                if let Some(issue) = issues.iter_mut().find(|i| i.number == n) {
                    issue.open = id != "31";
                }
                Reply {
                    status: 204,
                    headers: Vec::new(),
                    body: String::new(),
                }
            }
            _ => Reply::json(404, json!({})),
        }
    });
    Tracker { server, issues }
}
