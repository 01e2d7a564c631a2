//! GitHub issues through the REST API: an issue per finding
//! (`POST /repos/{repo}/issues`), and on resolution a comment
//! (`POST …/issues/{n}/comments`) then `PATCH …/issues/{n}` to close it.

use plumb_model::Finding;
use serde_json::json;

use crate::http::{Client, Request, RetryPolicy, Secret};
use crate::{render, Destination, ExportError, GithubConfig, Opened, Resolved, System};

pub(crate) struct Github {
    config: GithubConfig,
    token: Option<Secret>,
    client: Client,
}

impl Github {
    pub(crate) fn new(config: GithubConfig, token: Option<Secret>, retry: RetryPolicy) -> Github {
        let secrets = token.iter().map(|t| t.expose().to_string()).collect();
        Github {
            config,
            token,
            client: Client::new(retry, secrets),
        }
    }

    fn request(&self, method: &'static str, path: &str) -> Request {
        Request::new(method, format!("{}{path}", self.config.api_url), path)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .authorization(
                self.token
                    .as_ref()
                    .map(|t| Secret::new(format!("Bearer {}", t.expose()))),
            )
    }

    fn create(&self, f: &Finding, snapshot: i64) -> Request {
        self.request("POST", &format!("/repos/{}/issues", self.config.repo))
            .json(&json!({
                "title": render::title(f),
                "body": render::markdown(f, snapshot),
                "labels": self.config.labels,
            }))
    }

    fn close(&self, r: &Resolved<'_>, snapshot: i64) -> [Request; 2] {
        let issue = format!("/repos/{}/issues/{}", self.config.repo, r.ticket.ticket_id);
        [
            self.request("POST", &format!("{issue}/comments"))
                .json(&json!({"body": r.resolution.comment(snapshot)})),
            self.request("PATCH", &issue)
                .json(&json!({"state": "closed", "state_reason": "completed"})),
        ]
    }

    fn open_one(&self, f: &Finding, snapshot: i64) -> Result<Opened, ExportError> {
        let request = self.create(f, snapshot);
        let answer = self.client.send(&request)?.json(&request)?;
        let number = answer["number"]
            .as_u64()
            .ok_or_else(|| ExportError::Unexpected {
                request: request.label.clone(),
                detail: "no issue `number` in the answer".into(),
            })?;
        Ok(Opened {
            ticket_id: number.to_string(),
            url: answer["html_url"].as_str().unwrap_or_default().to_string(),
        })
    }
}

impl Destination for Github {
    fn system(&self) -> System {
        System::Github
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
            .map(|r| {
                for request in self.close(r, snapshot) {
                    self.client.send(&request)?;
                }
                Ok(())
            })
            .collect()
    }

    fn preview_open(&self, findings: &[&Finding], snapshot: i64) -> Vec<Request> {
        findings.iter().map(|f| self.create(f, snapshot)).collect()
    }

    fn preview_resolve(&self, resolved: &[Resolved<'_>], snapshot: i64) -> Vec<Request> {
        resolved
            .iter()
            .flat_map(|r| self.close(r, snapshot))
            .collect()
    }
}
