//! GitHub issues through the REST API: an issue per finding
//! (`POST /repos/{repo}/issues`), labelled with the finding's fingerprint
//! label so that it can be found again
//! (`GET /repos/{repo}/issues?labels=…&state=all`); on resolution a
//! comment (`POST …/issues/{n}/comments`) then `PATCH …/issues/{n}` to
//! close it, and when the finding fails again a comment and a `PATCH` to
//! reopen it.

use plumb_model::Finding;
use serde_json::{json, Value};

use crate::http::{query_value, Client, Created, Request, RetryPolicy, Secret};
use crate::{
    fingerprint, fingerprint_label, render, Destination, ExportError, Found, GithubConfig, Opened,
    Resolved, System, Tracker,
};

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

    fn issue(&self, number: &str) -> String {
        format!("/repos/{}/issues/{number}", self.config.repo)
    }

    fn create(&self, f: &Finding, snapshot: i64) -> Request {
        let mut labels = self.config.labels.clone();
        labels.push(fingerprint_label(&fingerprint(
            f.check_id(),
            f.resource_uid(),
        )));
        self.request("POST", &format!("/repos/{}/issues", self.config.repo))
            .json(&json!({
                "title": render::title(f),
                "body": render::markdown(f, snapshot),
                "labels": labels,
            }))
    }

    fn lookup(&self, f: &Finding) -> Request {
        let label = fingerprint_label(&fingerprint(f.check_id(), f.resource_uid()));
        self.request(
            "GET",
            &format!(
                "/repos/{}/issues?labels={}&state=all&per_page=100",
                self.config.repo,
                query_value(&label)
            ),
        )
    }

    /// A comment on issue `number`, then the `PATCH` that sets its state.
    fn comment_and_set(&self, number: &str, comment: String, state: Value) -> [Request; 2] {
        let issue = self.issue(number);
        [
            self.request("POST", &format!("{issue}/comments"))
                .json(&json!({ "body": comment })),
            self.request("PATCH", &issue).json(&state),
        ]
    }

    fn close(&self, r: &Resolved<'_>, snapshot: i64) -> [Request; 2] {
        self.comment_and_set(
            &r.ticket.ticket_id,
            r.resolution.comment(snapshot),
            json!({"state": "closed", "state_reason": "completed"}),
        )
    }

    fn send_all(&self, requests: impl IntoIterator<Item = Request>) -> Result<(), ExportError> {
        for request in requests {
            self.client.send(&request)?;
        }
        Ok(())
    }
}

impl Destination for Github {
    fn system(&self) -> System {
        System::Github
    }

    fn open(&self, f: &Finding, snapshot: i64) -> Result<Opened, ExportError> {
        let request = self.create(f, snapshot);
        let answer = match self.client.create(&request, || self.find(f))? {
            Created::Answer(answer) => answer,
            Created::Existing(found) => return Ok(found.into()),
        };
        let issue = answer.json(&request)?;
        let number = issue["number"]
            .as_u64()
            .ok_or_else(|| answer.unexpected(&request, "no issue `number` in the answer"))?;
        Ok(Opened {
            ticket_id: number.to_string(),
            url: issue["html_url"].as_str().unwrap_or_default().to_string(),
        })
    }

    fn resolve(&self, r: &Resolved<'_>, snapshot: i64) -> Result<(), ExportError> {
        self.send_all(self.close(r, snapshot))
    }

    fn preview_open(&self, f: &Finding, snapshot: i64) -> Vec<Request> {
        vec![self.create(f, snapshot)]
    }

    fn preview_resolve(&self, r: &Resolved<'_>, snapshot: i64) -> Vec<Request> {
        self.close(r, snapshot).into()
    }

    fn tracker(&self) -> Option<&dyn Tracker> {
        Some(self)
    }
}

impl Tracker for Github {
    fn find(&self, f: &Finding) -> Result<Option<Found>, ExportError> {
        let request = self.lookup(f);
        let answer = self.client.send(&request)?;
        let list = answer.json(&request)?;
        let issues = list
            .as_array()
            .ok_or_else(|| answer.unexpected(&request, "not a list of issues"))?;
        // The list holds pull requests too; the open issue wins, else the
        // oldest.
        let best = issues
            .iter()
            .filter(|i| i.get("pull_request").is_none())
            .filter_map(|i| Some((i["number"].as_u64()?, i)))
            .min_by_key(|(number, i)| (i["state"] != "open", *number));
        Ok(best.map(|(number, i)| Found {
            ticket_id: number.to_string(),
            url: i["html_url"].as_str().unwrap_or_default().to_string(),
            open: i["state"] == "open",
        }))
    }

    fn reopen(&self, number: &str, snapshot: i64) -> Result<(), ExportError> {
        self.send_all(self.preview_reopen(number, snapshot))
    }

    fn preview_reopen(&self, number: &str, snapshot: i64) -> Vec<Request> {
        self.comment_and_set(
            number,
            crate::flow::reopen_comment(snapshot),
            json!({"state": "open"}),
        )
        .into()
    }
}
