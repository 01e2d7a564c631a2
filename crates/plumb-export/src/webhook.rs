//! A generic webhook: one `POST` of JSON per event,
//! `{"event": "opened" | "resolved", "snapshot_id", "fingerprint", "finding": {…}}`.
//! With a secret (`secret_env` or `secret`), each body is signed with HMAC-SHA256 in
//! `X-Plumb-Signature-256: sha256=<hex>` (GitHub's convention), so the
//! receiver can check it came from Plumb.

use hmac::{KeyInit, Mac};
use plumb_model::Finding;
use serde_json::{json, Value};

use crate::http::{Client, Request, RetryPolicy, Secret};
use crate::{render, Destination, ExportError, Opened, Resolved, System, WebhookConfig};

pub(crate) struct Webhook {
    config: WebhookConfig,
    key: Option<Secret>,
    client: Client,
}

/// `sha256=<hex>` of HMAC-SHA256 over `body` with `key`.
pub(crate) fn signature(key: &str, body: &str) -> String {
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(body.as_bytes());
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

impl Webhook {
    pub(crate) fn new(config: WebhookConfig, key: Option<Secret>, retry: RetryPolicy) -> Webhook {
        let secrets = key.iter().map(|k| k.expose().to_string()).collect();
        Webhook {
            config,
            key,
            client: Client::new(retry, secrets),
        }
    }

    fn event(&self, event: &str, body: Value) -> Request {
        let path = self
            .config
            .url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or("/");
        let mut request = Request::new("POST", self.config.url.clone(), path)
            .json(&body)
            .header("X-Plumb-Event", event);
        if let (Some(key), Some(text)) = (&self.key, &request.body) {
            let signed = signature(key.expose(), text);
            request = request.header("X-Plumb-Signature-256", signed);
        }
        request
    }

    fn opened(&self, f: &Finding, snapshot: i64) -> Request {
        self.event(
            "opened",
            json!({
                "event": "opened",
                "snapshot_id": snapshot,
                "fingerprint": crate::fingerprint(f.check_id(), f.resource_uid()),
                "finding": render::finding_json(f),
            }),
        )
    }

    fn resolved(&self, r: &Resolved<'_>, snapshot: i64) -> Request {
        let finding = match r.finding {
            Some(f) => render::finding_json(f),
            None => json!({
                "check_id": r.ticket.check_id,
                "resource_uid": r.ticket.resource_uid,
                "fingerprint": r.ticket.fingerprint,
            }),
        };
        self.event(
            "resolved",
            json!({
                "event": "resolved",
                "snapshot_id": snapshot,
                "fingerprint": r.ticket.fingerprint,
                "resolution": r.resolution.as_str(),
                "finding": finding,
            }),
        )
    }
}

impl Destination for Webhook {
    fn system(&self) -> System {
        System::Webhook
    }

    fn open(&self, f: &Finding, snapshot: i64) -> Result<Opened, ExportError> {
        self.client.send(&self.opened(f, snapshot))?;
        Ok(Opened {
            ticket_id: String::new(),
            url: String::new(),
        })
    }

    fn resolve(&self, r: &Resolved<'_>, snapshot: i64) -> Result<(), ExportError> {
        self.client.send(&self.resolved(r, snapshot))?;
        Ok(())
    }

    fn preview_open(&self, f: &Finding, snapshot: i64) -> Vec<Request> {
        vec![self.opened(f, snapshot)]
    }

    fn preview_resolve(&self, r: &Resolved<'_>, snapshot: i64) -> Vec<Request> {
        vec![self.resolved(r, snapshot)]
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_signature_is_hmac_sha256_in_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            super::signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
