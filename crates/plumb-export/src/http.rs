//! The one way export talks HTTP: a blocking client that retries rate
//! limits (429, and GitHub's 403 with `Retry-After`) and server errors
//! (5xx) with bounded attempts, honouring `Retry-After`, and that keeps
//! credentials out of every message: a request is named by its method and
//! a path that holds no secret, and any secret text an error might echo is
//! replaced by `***`. A request that creates something is never simply
//! sent again after an answer that may have come after the creation: the
//! caller's lookup runs first ([`Client::create`]).

use std::time::Duration;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::ExportError;

/// A credential: its value is only handed to the HTTP layer; `Debug` and
/// `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// How often and how patiently a request is retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The wait after the first failure; it doubles after each.
    pub base_delay: Duration,
    /// The longest wait, also for a `Retry-After`.
    pub max_delay: Duration,
    /// How long one request may take.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            timeout: Duration::from_secs(30),
        }
    }
}

/// One HTTP request to a system. `Debug` leaves out the URL, which may be a
/// secret.
#[derive(Clone)]
pub struct Request {
    /// `GET`, `POST` or `PATCH`.
    pub method: &'static str,
    /// The full URL (it may be a secret, as Slack's is).
    pub url: String,
    /// What messages call it: the method and a path without secrets.
    pub label: String,
    /// Headers whose values are not secret.
    pub headers: Vec<(&'static str, String)>,
    /// The `Authorization` header's value.
    pub authorization: Option<Secret>,
    /// The JSON body.
    pub body: Option<String>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("label", &self.label)
            .field("headers", &self.headers)
            .field("authorization", &self.authorization)
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

impl Request {
    /// A request named `METHOD target`, where `target` holds no secret.
    pub fn new(method: &'static str, url: String, target: &str) -> Request {
        Request {
            method,
            url,
            label: format!("{method} {target}"),
            headers: Vec::new(),
            authorization: None,
            body: None,
        }
    }

    /// With a JSON body.
    pub fn json(mut self, body: &serde_json::Value) -> Request {
        self.body = Some(body.to_string());
        self
    }

    /// With a header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Request {
        self.headers.push((name, value.into()));
        self
    }

    /// With an `Authorization` header.
    pub fn authorization(mut self, value: Option<Secret>) -> Request {
        self.authorization = value;
        self
    }

    /// The request as `--dry-run` prints it: the label and the body, never
    /// the URL or the credential.
    pub fn preview(&self) -> String {
        let body = self
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok())
            .and_then(|v| serde_json::to_string_pretty(&v).ok());
        match body {
            Some(body) => format!("{}\n{body}", self.label),
            None => self.label.clone(),
        }
    }
}

/// What a query string may hold as is: RFC 3986's unreserved characters.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `value` percent-encoded for a query string.
pub(crate) fn query_value(value: &str) -> String {
    utf8_percent_encode(value, QUERY).to_string()
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status (2xx).
    pub status: u16,
    /// The body as text.
    pub body: String,
    /// The body shortened and redacted, for messages.
    shown: String,
}

impl Response {
    /// The body as JSON.
    pub fn json(&self, request: &Request) -> Result<serde_json::Value, ExportError> {
        serde_json::from_str(&self.body)
            .map_err(|e| self.unexpected(request, &format!("not JSON ({e})")))
    }

    /// The error for an answer that lacks what was expected: what was
    /// wrong, with the status and the (redacted) body.
    pub fn unexpected(&self, request: &Request, what: &str) -> ExportError {
        ExportError::Unexpected {
            request: request.label.clone(),
            detail: format!("{what}; HTTP {}: {}", self.status, self.shown),
        }
    }
}

/// What came of a request that creates something ([`Client::create`]).
#[derive(Debug)]
pub enum Created<T> {
    /// The system's answer to it.
    Answer(Response),
    /// The thing already existed: the lookup found it after a failed
    /// attempt, which had created it after all.
    Existing(T),
}

/// The lookup [`Client::create`] runs after an attempt that may have
/// created something.
type Lookup<'a, T> = &'a mut dyn FnMut() -> Result<Option<T>, ExportError>;

/// A blocking HTTP client with retries and redaction.
pub struct Client {
    agent: ureq::Agent,
    retry: RetryPolicy,
    secrets: Vec<String>,
}

/// Whether a status is worth another attempt, and how long to wait first
/// if the system said.
fn retryable(status: u16, headers: &ureq::http::HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    status == 429
        || (500..600).contains(&status)
        // GitHub's secondary rate limits answer 403 with these.
        || (status == 403
            && (header("retry-after").is_some() || header("x-ratelimit-remaining") == Some("0")))
}

/// Whether a transport error happened before the request could reach the
/// system, so that sending it again cannot do anything twice.
fn never_sent(error: &ureq::Error) -> bool {
    use ureq::Timeout;
    matches!(
        error,
        ureq::Error::HostNotFound
            | ureq::Error::ConnectionFailed
            | ureq::Error::BadUri(_)
            | ureq::Error::Http(_)
            | ureq::Error::InvalidProxyUrl
            | ureq::Error::ConnectProxyFailed(_)
            | ureq::Error::RequireHttpsOnly(_)
            | ureq::Error::TlsRequired
            | ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect)
    )
}

fn retry_after(headers: &ureq::http::HeaderMap) -> Option<Duration> {
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    value.parse::<u64>().ok().map(Duration::from_secs)
}

impl Client {
    /// A client with this retry policy; `secrets` are the values no
    /// message may contain (those shorter than 4 characters excepted).
    pub fn new(retry: RetryPolicy, secrets: Vec<String>) -> Client {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 4).collect();
        // The longest first, so that a secret holding another is replaced
        // whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(retry.timeout))
            .user_agent(concat!("plumb/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Client {
            agent,
            retry,
            secrets,
        }
    }

    /// `text` with every secret replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            out = out.replace(s.as_str(), "***");
        }
        out
    }

    fn delay(&self, failures: u32, said: Option<Duration>) -> Duration {
        let backoff = self
            .retry
            .base_delay
            .saturating_mul(2u32.saturating_pow(failures.saturating_sub(1)));
        said.unwrap_or(backoff).min(self.retry.max_delay)
    }

    fn attempt(&self, request: &Request) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let mut builder = ureq::http::Request::builder()
            .method(request.method)
            .uri(&request.url)
            .header("Accept", "application/json");
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        if let Some(auth) = &request.authorization {
            let mut value = ureq::http::HeaderValue::from_str(auth.expose())
                .map_err(|_| ureq::Error::BadUri("the credential is not a valid header".into()))?;
            value.set_sensitive(true);
            builder = builder.header("Authorization", value);
        }
        match &request.body {
            Some(body) => {
                let req = builder
                    .header("Content-Type", "application/json")
                    .body(body.as_bytes().to_vec())
                    .map_err(ureq::Error::from)?;
                self.agent.run(req)
            }
            None => {
                let req = builder.body(()).map_err(ureq::Error::from)?;
                self.agent.run(req)
            }
        }
    }

    /// Sends `request`, retrying what is worth retrying; a 2xx answer or
    /// the last error.
    pub fn send(&self, request: &Request) -> Result<Response, ExportError> {
        match self.run::<std::convert::Infallible>(request, None)? {
            Created::Answer(response) => Ok(response),
            Created::Existing(never) => match never {},
        }
    }

    /// Sends `request`, which creates something, so that a retry never
    /// creates it twice. A server error (5xx) or a transport failure may
    /// come after the system created it: then, after the backoff and
    /// before any further attempt, `existing` looks for it, and what it
    /// finds is the answer. A rate limit (nothing created) is retried as
    /// `send` does. When the lookup itself fails the request is not sent
    /// again ([`ExportError::Unconfirmed`]).
    pub fn create<T>(
        &self,
        request: &Request,
        mut existing: impl FnMut() -> Result<Option<T>, ExportError>,
    ) -> Result<Created<T>, ExportError> {
        self.run(request, Some(&mut existing))
    }

    fn run<T>(
        &self,
        request: &Request,
        mut existing: Option<Lookup<'_, T>>,
    ) -> Result<Created<T>, ExportError> {
        let max = self.retry.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            tracing::debug!(request = %request.label, attempt, "sending");
            // The wait before the next attempt, the error, and whether the
            // request may have done its work all the same.
            let (wait, error, maybe_done) = match self.attempt(request) {
                Ok(mut response) => {
                    let status = response.status().as_u16();
                    let body = response
                        .body_mut()
                        .read_to_string()
                        .unwrap_or_else(|e| format!("(unreadable body: {e})"));
                    let shown = self.redact(&shorten(&body));
                    if (200..300).contains(&status) {
                        tracing::debug!(request = %request.label, status, "done");
                        return Ok(Created::Answer(Response {
                            status,
                            body,
                            shown,
                        }));
                    }
                    let error = ExportError::Status {
                        request: request.label.clone(),
                        status,
                        attempts: attempt,
                        detail: shown,
                    };
                    if !retryable(status, response.headers()) {
                        return Err(error);
                    }
                    let wait = self.delay(attempt, retry_after(response.headers()));
                    (wait, error, (500..600).contains(&status))
                }
                Err(e) => {
                    let maybe_done = !never_sent(&e);
                    let error = ExportError::Transport {
                        request: request.label.clone(),
                        attempts: attempt,
                        detail: self.redact(&e.to_string()),
                    };
                    (self.delay(attempt, None), error, maybe_done)
                }
            };
            let last = attempt >= max;
            let lookup = existing.as_mut().filter(|_| maybe_done);
            if last && lookup.is_none() {
                return Err(error);
            }
            if !last {
                tracing::warn!(request = %request.label, attempt, wait_ms = wait.as_millis() as u64, %error, "retrying");
            }
            std::thread::sleep(wait);
            if let Some(lookup) = lookup {
                match lookup() {
                    Ok(Some(found)) => {
                        tracing::info!(request = %request.label, attempt, %error, "it was created all the same");
                        return Ok(Created::Existing(found));
                    }
                    Ok(None) if last => return Err(error),
                    Ok(None) => {}
                    Err(lookup) => {
                        return Err(ExportError::Unconfirmed {
                            error: Box::new(error),
                            lookup: Box::new(lookup),
                        })
                    }
                }
            }
        }
    }
}

/// The first 300 characters of an error body, on one line.
fn shorten(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 300 {
        format!("{}…", one_line.chars().take(300).collect::<String>())
    } else if one_line.is_empty() {
        "(empty body)".into()
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_print_as_stars_and_are_redacted_from_messages() {
        let s = Secret::new("xoxb-very-secret");
        assert_eq!(format!("{s} {s:?}"), "*** Secret(***)");
        let client = Client::new(RetryPolicy::default(), vec!["xoxb-very-secret".into()]);
        assert_eq!(
            client.redact("bad token xoxb-very-secret here"),
            "bad token *** here"
        );
    }

    #[test]
    fn a_secret_holding_another_is_replaced_whole_and_debug_leaves_out_the_url() {
        let client = Client::new(
            RetryPolicy::default(),
            vec!["abcd".into(), "xx-abcd-yy".into(), "ab".into()],
        );
        assert_eq!(
            client.redact("[xx-abcd-yy] [abcd] [ab]"),
            "[***] [***] [ab]"
        );
        let request = Request::new(
            "POST",
            "https://hooks.slack.com/services/T0/B0/XYZ".into(),
            "<the Slack webhook>",
        )
        .authorization(Some(Secret::new("Bearer abcd")));
        let shown = format!("{request:?}");
        assert!(!shown.contains("XYZ") && !shown.contains("abcd"), "{shown}");
        assert!(shown.contains("POST <the Slack webhook>"), "{shown}");
    }

    #[test]
    fn backoff_doubles_and_retry_after_wins_up_to_the_cap() {
        let client = Client::new(
            RetryPolicy {
                base_delay: Duration::from_millis(100),
                max_delay: Duration::from_secs(2),
                ..RetryPolicy::default()
            },
            Vec::new(),
        );
        assert_eq!(client.delay(1, None), Duration::from_millis(100));
        assert_eq!(client.delay(3, None), Duration::from_millis(400));
        assert_eq!(client.delay(10, None), Duration::from_secs(2));
        assert_eq!(
            client.delay(1, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        assert_eq!(
            client.delay(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(2)
        );
    }
}
