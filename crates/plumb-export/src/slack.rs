//! Slack through an incoming webhook: new failures are posted in batches
//! (one message of up to [`BATCH`] findings), and since a message cannot
//! be closed, resolved findings get a "resolved" message, batched the same
//! way. The webhook's URL is the credential: messages name it only as
//! "the Slack webhook".

use plumb_model::Finding;
use serde_json::{json, Value};

use crate::http::{Client, Request, RetryPolicy, Secret};
use crate::{render, Destination, ExportError, Opened, Resolved, System};

/// Findings per message: Slack takes at most 50 blocks in one.
pub(crate) const BATCH: usize = 20;

pub(crate) struct Slack {
    url: Option<Secret>,
    client: Client,
}

fn section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": render::cut(text, 2900)}})
}

impl Slack {
    pub(crate) fn new(url: Option<Secret>, retry: RetryPolicy) -> Slack {
        // The whole URL, and its path, which an answer could quote alone.
        let secrets = url
            .iter()
            .flat_map(|u| {
                let url = u.expose();
                let path = url
                    .split_once("://")
                    .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
                    .filter(|p| p.len() > 1);
                std::iter::once(url).chain(path)
            })
            .map(str::to_string)
            .collect();
        Slack {
            url,
            client: Client::new(retry, secrets),
        }
    }

    fn post(&self, text: String, lines: Vec<String>) -> Request {
        let mut blocks = vec![section(&format!("*{text}*"))];
        blocks.extend(lines.iter().map(|l| section(l)));
        let url = self
            .url
            .as_ref()
            .map(|u| u.expose().to_string())
            .unwrap_or_default();
        Request::new("POST", url, "<the Slack webhook>")
            .json(&json!({"text": text, "blocks": blocks}))
    }

    fn opened(&self, batch: &[&Finding], snapshot: i64) -> Request {
        self.post(
            format!(
                "Plumb: {} new failing finding(s) in snapshot {snapshot}",
                batch.len()
            ),
            batch.iter().map(|f| render::slack_line(f)).collect(),
        )
    }

    fn resolved(&self, batch: &[Resolved<'_>], snapshot: i64) -> Request {
        self.post(
            format!(
                "Plumb: {} finding(s) resolved in snapshot {snapshot}",
                batch.len()
            ),
            batch
                .iter()
                .map(|r| {
                    format!(
                        ":white_check_mark: `{}` on `{}`: {}",
                        r.ticket.check_id,
                        r.ticket.resource_uid,
                        match r.resolution {
                            crate::Resolution::Passed => "the check passes",
                            crate::Resolution::ResourceGone => "the resource is gone",
                        }
                    )
                })
                .collect(),
        )
    }

    /// Sends one message per batch; each item gets its batch's result.
    fn send_batches<T>(
        &self,
        items: &[T],
        build: impl Fn(&[T]) -> Request,
    ) -> Vec<Result<(), ExportError>> {
        let mut out = Vec::with_capacity(items.len());
        for batch in items.chunks(BATCH) {
            let result = self.client.send(&build(batch));
            for _ in batch {
                out.push(match &result {
                    Ok(_) => Ok(()),
                    Err(e) => Err(ExportError::Batch(e.to_string())),
                });
            }
        }
        out
    }
}

/// Slack has no ticket: an opened finding is a line in a message.
fn posted() -> Opened {
    Opened {
        ticket_id: String::new(),
        url: String::new(),
    }
}

impl Destination for Slack {
    fn system(&self) -> System {
        System::Slack
    }

    fn open(&self, f: &Finding, snapshot: i64) -> Result<Opened, ExportError> {
        self.client.send(&self.opened(&[f], snapshot))?;
        Ok(posted())
    }

    fn resolve(&self, r: &Resolved<'_>, snapshot: i64) -> Result<(), ExportError> {
        self.client
            .send(&self.resolved(std::slice::from_ref(r), snapshot))?;
        Ok(())
    }

    fn preview_open(&self, f: &Finding, snapshot: i64) -> Vec<Request> {
        vec![self.opened(&[f], snapshot)]
    }

    fn preview_resolve(&self, r: &Resolved<'_>, snapshot: i64) -> Vec<Request> {
        vec![self.resolved(std::slice::from_ref(r), snapshot)]
    }

    // Many findings to a message, rather than one each.

    fn open_all(&self, findings: &[&Finding], snapshot: i64) -> Vec<Result<Opened, ExportError>> {
        self.send_batches(findings, |batch| self.opened(batch, snapshot))
            .into_iter()
            .map(|r| r.map(|()| posted()))
            .collect()
    }

    fn resolve_all(
        &self,
        resolved: &[Resolved<'_>],
        snapshot: i64,
    ) -> Vec<Result<(), ExportError>> {
        self.send_batches(resolved, |batch| self.resolved(batch, snapshot))
    }

    fn preview_open_all(&self, findings: &[&Finding], snapshot: i64) -> Vec<Request> {
        findings
            .chunks(BATCH)
            .map(|b| self.opened(b, snapshot))
            .collect()
    }

    fn preview_resolve_all(&self, resolved: &[Resolved<'_>], snapshot: i64) -> Vec<Request> {
        resolved
            .chunks(BATCH)
            .map(|b| self.resolved(b, snapshot))
            .collect()
    }
}
