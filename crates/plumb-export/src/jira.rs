//! Jira issues through the REST API v2: `POST /rest/api/2/issue` per
//! finding; on resolution a comment (`POST …/issue/{key}/comment`), then
//! the transition to done (`GET` then `POST …/issue/{key}/transitions`).
//! With `user_env`, basic auth (Jira Cloud: e-mail and API token);
//! without, a bearer token (Jira Data Center's personal access tokens).

use base64::Engine as _;
use plumb_model::Finding;
use serde_json::{json, Value};

use crate::http::{Client, Request, RetryPolicy, Secret};
use crate::{render, Destination, ExportError, JiraConfig, Opened, Resolved, System};

pub(crate) struct Jira {
    config: JiraConfig,
    authorization: Option<Secret>,
    client: Client,
}

impl Jira {
    pub(crate) fn new(
        config: JiraConfig,
        user: Option<Secret>,
        token: Option<Secret>,
        retry: RetryPolicy,
    ) -> Jira {
        let authorization = token.as_ref().map(|t| match &user {
            Some(u) => Secret::new(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!(
                    "{}:{}",
                    u.expose(),
                    t.expose()
                ))
            )),
            None => Secret::new(format!("Bearer {}", t.expose())),
        });
        let secrets = token
            .iter()
            .chain(authorization.iter())
            .map(|s| s.expose().to_string())
            .collect();
        Jira {
            config,
            authorization,
            client: Client::new(retry, secrets),
        }
    }

    fn request(&self, method: &'static str, path: &str) -> Request {
        Request::new(method, format!("{}{path}", self.config.url), path)
            .authorization(self.authorization.clone())
    }

    fn create(&self, f: &Finding, snapshot: i64) -> Request {
        self.request("POST", "/rest/api/2/issue").json(&json!({
            "fields": {
                "project": {"key": self.config.project},
                "issuetype": {"name": self.config.issue_type},
                "summary": render::title(f),
                "description": render::jira_wiki(f, snapshot),
                "labels": self.config.labels,
            }
        }))
    }

    fn comment(&self, r: &Resolved<'_>, snapshot: i64) -> Request {
        self.request(
            "POST",
            &format!("/rest/api/2/issue/{}/comment", r.ticket.ticket_id),
        )
        .json(&json!({"body": r.resolution.comment(snapshot)}))
    }

    fn transitions(&self, key: &str) -> Request {
        self.request("GET", &format!("/rest/api/2/issue/{key}/transitions"))
    }

    /// The transition that closes an issue: the configured one by name (of
    /// the transition or of its target status), else the first into the
    /// "done" status category.
    fn done_transition(&self, answer: &Value) -> Result<String, String> {
        let list = answer["transitions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let found = list.iter().find(|t| match &self.config.done_transition {
            Some(name) => [&t["name"], &t["to"]["name"]]
                .iter()
                .any(|n| n.as_str().is_some_and(|n| n.eq_ignore_ascii_case(name))),
            None => t["to"]["statusCategory"]["key"] == "done",
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
                    "no transition to done among [{}]; set done_transition in [export.jira]",
                    names.join(", ")
                ))
            }
        }
    }

    fn open_one(&self, f: &Finding, snapshot: i64) -> Result<Opened, ExportError> {
        let request = self.create(f, snapshot);
        let answer = self.client.send(&request)?.json(&request)?;
        let key = answer["key"]
            .as_str()
            .ok_or_else(|| ExportError::Unexpected {
                request: request.label.clone(),
                detail: "no issue `key` in the answer".into(),
            })?;
        Ok(Opened {
            ticket_id: key.to_string(),
            url: format!("{}/browse/{key}", self.config.url),
        })
    }

    fn resolve_one(&self, r: &Resolved<'_>, snapshot: i64) -> Result<(), ExportError> {
        let key = &r.ticket.ticket_id;
        self.client.send(&self.comment(r, snapshot))?;
        let list = self.transitions(key);
        let answer = self.client.send(&list)?.json(&list)?;
        let id = self
            .done_transition(&answer)
            .map_err(|detail| ExportError::Unexpected {
                request: list.label.clone(),
                detail,
            })?;
        self.client.send(
            &self
                .request("POST", &format!("/rest/api/2/issue/{key}/transitions"))
                .json(&json!({"transition": {"id": id}})),
        )?;
        Ok(())
    }
}

impl Destination for Jira {
    fn system(&self) -> System {
        System::Jira
    }

    fn open(&mut self, findings: &[&Finding], snapshot: i64) -> Vec<Result<Opened, ExportError>> {
        findings
            .iter()
            .map(|f| self.open_one(f, snapshot))
            .collect()
    }

    fn resolve(
        &mut self,
        resolved: &[Resolved<'_>],
        snapshot: i64,
    ) -> Vec<Result<(), ExportError>> {
        resolved
            .iter()
            .map(|r| self.resolve_one(r, snapshot))
            .collect()
    }

    fn preview_open(&self, findings: &[&Finding], snapshot: i64) -> Vec<Request> {
        findings.iter().map(|f| self.create(f, snapshot)).collect()
    }

    fn preview_resolve(&self, resolved: &[Resolved<'_>], snapshot: i64) -> Vec<Request> {
        resolved
            .iter()
            .flat_map(|r| {
                let key = &r.ticket.ticket_id;
                [
                    self.comment(r, snapshot),
                    self.transitions(key),
                    self.request("POST", &format!("/rest/api/2/issue/{key}/transitions")),
                ]
            })
            .collect()
    }
}
