//! Jira issues through the REST API, v2 (descriptions and comments in wiki
//! markup) or v3 (in the Atlassian Document Format): `POST …/issue` per
//! finding, labelled with the finding's fingerprint label so that a JQL
//! search finds it again; on resolution a comment (`POST …/issue/{key}/comment`),
//! then the transition to done (`GET` then `POST …/issue/{key}/transitions`),
//! and when the finding fails again a comment and the transition back to
//! "to do". With a user (`user_env` or `user`), basic auth (Jira Cloud: e-mail and API
//! token); without, a bearer token (Jira Data Center's personal access
//! tokens).

use std::cell::Cell;

use base64::Engine as _;
use plumb_model::Finding;
use serde_json::{json, Value};

use crate::http::{query_value, Client, Created, Request, RetryPolicy, Secret};
use crate::{
    fingerprint, fingerprint_label, render, Destination, ExportError, Found, JiraConfig, Opened,
    Resolved, System, Tracker,
};

pub(crate) struct Jira {
    config: JiraConfig,
    authorization: Option<Secret>,
    client: Client,
    /// Jira Cloud removed `/rest/api/2/search` (410 Gone) in favour of
    /// `/rest/api/2/search/jql`, which Jira Data Center does not have: v2
    /// tries the first and, once told it is gone, uses the second.
    search_gone: Cell<bool>,
}

/// Which status category a transition should reach, and how to name it.
struct Target {
    /// Jira's status category key: `done`, or `new` for "to do".
    category: &'static str,
    /// The configured transition's name, if any.
    name: Option<String>,
    /// For messages: what the transition does, and its setting.
    what: &'static str,
    setting: &'static str,
}

impl Jira {
    pub(crate) fn new(
        config: JiraConfig,
        user: Option<Secret>,
        token: Option<Secret>,
        retry: RetryPolicy,
    ) -> Jira {
        // Basic auth's user:token in base64, which a server could echo
        // without its "Basic ": a secret of its own.
        let basic = token.as_ref().zip(user.as_ref()).map(|(t, u)| {
            Secret::new(base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                u.expose(),
                t.expose()
            )))
        });
        let authorization = token.as_ref().map(|t| match &basic {
            Some(b) => Secret::new(format!("Basic {}", b.expose())),
            None => Secret::new(format!("Bearer {}", t.expose())),
        });
        let secrets = token
            .iter()
            .chain(basic.iter())
            .map(|s| s.expose().to_string())
            .collect();
        Jira {
            config,
            authorization,
            client: Client::new(retry, secrets),
            search_gone: Cell::new(false),
        }
    }

    fn request(&self, method: &'static str, path: &str) -> Request {
        let path = format!("/rest/api/{}{path}", self.config.api_version);
        Request::new(method, format!("{}{path}", self.config.url), &path)
            .authorization(self.authorization.clone())
    }

    /// Text as the API version takes it: a string (v2) or a document (v3).
    fn text(&self, text: &str) -> Value {
        if self.config.api_version >= 3 {
            render::adf_document(text)
        } else {
            Value::String(text.to_string())
        }
    }

    fn create(&self, f: &Finding, snapshot: i64) -> Request {
        let mut labels = self.config.labels.clone();
        labels.push(fingerprint_label(&fingerprint(
            f.check_id(),
            f.resource_uid(),
        )));
        let description = if self.config.api_version >= 3 {
            render::jira_adf(f, snapshot)
        } else {
            Value::String(render::jira_wiki(f, snapshot))
        };
        self.request("POST", "/issue").json(&json!({
            "fields": {
                "project": {"key": self.config.project},
                "issuetype": {"name": self.config.issue_type},
                "summary": render::title(f),
                "description": description,
                "labels": labels,
            }
        }))
    }

    fn search(&self, f: &Finding) -> Request {
        let quoted = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let jql = format!(
            "project = {} AND labels = {}",
            quoted(&self.config.project),
            quoted(&fingerprint_label(&fingerprint(
                f.check_id(),
                f.resource_uid()
            )))
        );
        let endpoint = if self.config.api_version >= 3 || self.search_gone.get() {
            "/search/jql"
        } else {
            "/search"
        };
        self.request(
            "GET",
            &format!(
                "{endpoint}?jql={}&fields=status&maxResults=50",
                query_value(&jql)
            ),
        )
    }

    fn comment(&self, key: &str, text: &str) -> Request {
        self.request("POST", &format!("/issue/{key}/comment"))
            .json(&json!({ "body": self.text(text) }))
    }

    fn transitions(&self, key: &str) -> Request {
        self.request("GET", &format!("/issue/{key}/transitions"))
    }

    fn transition(&self, key: &str) -> Request {
        self.request("POST", &format!("/issue/{key}/transitions"))
    }

    fn done(&self) -> Target {
        Target {
            category: "done",
            name: self.config.done_transition.clone(),
            what: "to done",
            setting: "done_transition",
        }
    }

    fn to_do(&self) -> Target {
        Target {
            category: "new",
            name: self.config.reopen_transition.clone(),
            what: "back to \"to do\"",
            setting: "reopen_transition",
        }
    }

    /// The transition that reaches `target`: the configured one by name
    /// (of the transition or of its target status), else the first into
    /// the target's status category.
    fn pick(answer: &Value, target: &Target) -> Result<String, String> {
        let list = answer["transitions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let found = list.iter().find(|t| match &target.name {
            Some(name) => [&t["name"], &t["to"]["name"]]
                .iter()
                .any(|n| n.as_str().is_some_and(|n| n.eq_ignore_ascii_case(name))),
            None => t["to"]["statusCategory"]["key"] == target.category,
        });
        match found.and_then(|t| {
            t["id"]
                .as_str()
                .map(String::from)
                .or_else(|| t["id"].as_u64().map(|i| i.to_string()))
        }) {
            Some(id) => Ok(id),
            None => {
                let names: Vec<&str> = list.iter().filter_map(|t| t["name"].as_str()).collect();
                Err(format!(
                    "no transition {} among [{}]; set {} in [export.jira]",
                    target.what,
                    names.join(", "),
                    target.setting
                ))
            }
        }
    }

    /// Comments on issue `key`, then moves it to `target`.
    fn comment_and_move(&self, key: &str, text: &str, target: Target) -> Result<(), ExportError> {
        self.client.send(&self.comment(key, text))?;
        let list = self.transitions(key);
        let answer = self.client.send(&list)?;
        let id =
            Self::pick(&answer.json(&list)?, &target).map_err(|e| answer.unexpected(&list, &e))?;
        self.client.send(
            &self
                .transition(key)
                .json(&json!({"transition": {"id": id}})),
        )?;
        Ok(())
    }

    fn preview_move(&self, key: &str, text: &str) -> Vec<Request> {
        vec![
            self.comment(key, text),
            self.transitions(key),
            self.transition(key),
        ]
    }
}

impl Destination for Jira {
    fn system(&self) -> System {
        System::Jira
    }

    fn open(&self, f: &Finding, snapshot: i64) -> Result<Opened, ExportError> {
        let request = self.create(f, snapshot);
        let answer = match self.client.create(&request, || self.find(f))? {
            Created::Answer(answer) => answer,
            Created::Existing(found) => return Ok(found.into()),
        };
        let issue = answer.json(&request)?;
        let key = issue["key"]
            .as_str()
            .ok_or_else(|| answer.unexpected(&request, "no issue `key` in the answer"))?;
        Ok(Opened {
            ticket_id: key.to_string(),
            url: format!("{}/browse/{key}", self.config.url),
        })
    }

    fn resolve(&self, r: &Resolved<'_>, snapshot: i64) -> Result<(), ExportError> {
        let text = r.resolution.comment(snapshot);
        self.comment_and_move(&r.ticket.ticket_id, &text, self.done())
    }

    fn preview_open(&self, f: &Finding, snapshot: i64) -> Vec<Request> {
        vec![self.create(f, snapshot)]
    }

    fn preview_resolve(&self, r: &Resolved<'_>, snapshot: i64) -> Vec<Request> {
        self.preview_move(&r.ticket.ticket_id, &r.resolution.comment(snapshot))
    }

    fn tracker(&self) -> Option<&dyn Tracker> {
        Some(self)
    }
}

impl Tracker for Jira {
    fn find(&self, f: &Finding) -> Result<Option<Found>, ExportError> {
        let mut request = self.search(f);
        let answer = match self.client.send(&request) {
            Err(ExportError::Status { status: 410, .. })
                if self.config.api_version == 2 && !self.search_gone.get() =>
            {
                self.search_gone.set(true);
                request = self.search(f);
                self.client.send(&request)?
            }
            other => other?,
        };
        let result = answer.json(&request)?;
        let issues = result["issues"]
            .as_array()
            .ok_or_else(|| answer.unexpected(&request, "no `issues` in the answer"))?;
        let mut found = Vec::new();
        for issue in issues {
            let (Some(key), Some(category)) = (
                issue["key"].as_str(),
                issue["fields"]["status"]["statusCategory"]["key"].as_str(),
            ) else {
                return Err(answer.unexpected(&request, "an issue without its key or status"));
            };
            // Ids grow with time: the smallest is the oldest.
            let id = issue["id"]
                .as_str()
                .and_then(|i| i.parse::<u64>().ok())
                .unwrap_or(u64::MAX);
            found.push((category != "done", id, key));
        }
        let best = found.into_iter().min_by_key(|(open, id, _)| (!*open, *id));
        Ok(best.map(|(open, _, key)| Found {
            ticket_id: key.to_string(),
            url: format!("{}/browse/{key}", self.config.url),
            open,
        }))
    }

    fn reopen(&self, key: &str, snapshot: i64) -> Result<(), ExportError> {
        self.comment_and_move(key, &crate::flow::reopen_comment(snapshot), self.to_do())
    }

    fn preview_reopen(&self, key: &str, snapshot: i64) -> Vec<Request> {
        self.preview_move(key, &crate::flow::reopen_comment(snapshot))
    }
}
