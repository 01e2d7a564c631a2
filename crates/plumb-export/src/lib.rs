//! `plumb export`: failing findings become tickets where people work —
//! GitHub issues, Jira issues, Slack messages or a webhook's events — and
//! tickets are closed when their finding stops failing.
//!
//! The flow is one function, [`export`]: it compares the failing findings
//! of a snapshot with the tickets the store remembers for a system (one per
//! finding fingerprint, check and resource), opens a ticket for each new
//! failure, reopens the closed ticket of a finding that fails again, and
//! comments on and closes the ticket of each finding that now passes or
//! whose resource is gone. Each system is one module behind the
//! [`Destination`] trait, which says how one finding's ticket is opened or
//! resolved; the loops over findings are the trait's default methods and
//! the flow's. Systems that keep tickets (GitHub, Jira) are also a
//! [`Tracker`]: every ticket carries its fingerprint as a label, so a
//! ticket the store has no record of (a retried create, a lost store) is
//! found instead of opened twice. [`destination`] builds the system one
//! `plumb.toml`'s `[export.*]` section configures ([`ExportConfig`]). Every
//! HTTP call goes through [`Client`], which retries rate limits and server
//! errors and never writes a credential into a message or a log.
#![deny(missing_docs)]

mod config;
mod flow;
mod github;
mod http;
mod jira;
mod render;
mod slack;
mod webhook;

use plumb_model::Finding;
use plumb_store::{StoreError, Ticket};

pub use crate::config::{
    ConfigError, Credential, ExportConfig, FileMode, GithubConfig, JiraConfig, SlackConfig, System,
    WebhookConfig,
};
pub use crate::flow::{
    export, fingerprint, fingerprint_label, Action, ExportReport, Item, Resolution, Selection,
};
pub use crate::http::{Client, Created, Request, Response, RetryPolicy, Secret};

/// Why an export, or one ticket of it, failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The system answered with an error status, after every retry.
    #[error("HTTP {status} from {request} after {attempts} attempt(s): {detail}")]
    Status {
        /// The request, as `METHOD path` (never a credential).
        request: String,
        /// The last status.
        status: u16,
        /// How many times it was sent.
        attempts: u32,
        /// What the system said, shortened and redacted.
        detail: String,
    },
    /// The system could not be reached, after every retry.
    #[error("{request} failed after {attempts} attempt(s): {detail}")]
    Transport {
        /// The request, as `METHOD path`.
        request: String,
        /// How many times it was tried.
        attempts: u32,
        /// What went wrong, redacted.
        detail: String,
    },
    /// A create failed in a way that may have created the ticket all the
    /// same, and looking the ticket up failed too: it is not sent again,
    /// so as not to open it twice; the next run looks it up again.
    #[error(
        "{error}; not sent again, as it may have been created and looking it up failed: {lookup}"
    )]
    Unconfirmed {
        /// The create's last failure.
        error: Box<ExportError>,
        /// Why the lookup failed.
        lookup: Box<ExportError>,
    },
    /// The system answered success with something unexpected.
    #[error("unexpected answer to {request}: {detail}")]
    Unexpected {
        /// The request, as `METHOD path`.
        request: String,
        /// What was wrong with it.
        detail: String,
    },
    /// The message that carried several findings failed (Slack).
    #[error("{0}")]
    Batch(String),
    /// A credential's environment variable is not set.
    #[error("the environment variable {variable} is not set: it holds the {what}")]
    MissingSecret {
        /// The variable's name.
        variable: String,
        /// What it should hold.
        what: String,
    },
    /// A credential is not usable (its value is not shown).
    #[error("{0}")]
    Invalid(String),
    /// `plumb.toml` has no section for the system asked for.
    #[error("{file} has no [export.{system}] section: see README.md, `plumb export`")]
    NotConfigured {
        /// The configuration file (or a note that there is none).
        file: String,
        /// The system.
        system: &'static str,
    },
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ExportError {
    /// Whether the error is in what the user gave (configuration,
    /// environment) rather than in the export itself.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            ExportError::MissingSecret { .. }
                | ExportError::Invalid(_)
                | ExportError::NotConfigured { .. }
        )
    }
}

/// What a system gave back for a ticket it opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The system's id for it (empty when it has none).
    pub ticket_id: String,
    /// Its page (empty when it has none).
    pub url: String,
}

/// A ticket found in a system by its finding's fingerprint label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The system's id for it.
    pub ticket_id: String,
    /// Its page.
    pub url: String,
    /// Whether it is open (not closed, not in a "done" status).
    pub open: bool,
}

/// A ticket found where a create may already have made it is the one opened.
impl From<Found> for Opened {
    fn from(found: Found) -> Opened {
        Opened {
            ticket_id: found.ticket_id,
            url: found.url,
        }
    }
}

/// A ticket whose finding stopped failing.
#[derive(Debug, Clone, Copy)]
pub struct Resolved<'a> {
    /// The ticket as stored.
    pub ticket: &'a Ticket,
    /// Why it is resolved.
    pub resolution: Resolution,
    /// The finding that now passes (absent when the resource is gone).
    pub finding: Option<&'a Finding>,
}

/// One system that findings are exported to. A system writes how one
/// finding's ticket is opened and resolved; the loops over findings are
/// the default methods, which a system that sends several findings in one
/// message (Slack) overrides.
pub trait Destination {
    /// Which system this is.
    fn system(&self) -> System;
    /// Opens a ticket for one finding.
    fn open(&self, finding: &Finding, snapshot: i64) -> Result<Opened, ExportError>;
    /// Comments on and closes (or announces resolved) one ticket.
    fn resolve(&self, resolved: &Resolved<'_>, snapshot: i64) -> Result<(), ExportError>;
    /// The requests [`Destination::open`] would send, for `--dry-run`.
    fn preview_open(&self, finding: &Finding, snapshot: i64) -> Vec<Request>;
    /// The requests [`Destination::resolve`] would send, for `--dry-run`.
    fn preview_resolve(&self, resolved: &Resolved<'_>, snapshot: i64) -> Vec<Request>;

    /// The system's tickets, when it keeps tickets that can be looked up
    /// and reopened (GitHub, Jira). Without (Slack, a webhook), a finding
    /// that fails again after it was resolved is announced as new.
    fn tracker(&self) -> Option<&dyn Tracker> {
        None
    }

    /// Opens a ticket for each finding; one result per finding, in order.
    fn open_all(&self, findings: &[&Finding], snapshot: i64) -> Vec<Result<Opened, ExportError>> {
        findings.iter().map(|f| self.open(f, snapshot)).collect()
    }
    /// Resolves each ticket; one result per ticket, in order.
    fn resolve_all(
        &self,
        resolved: &[Resolved<'_>],
        snapshot: i64,
    ) -> Vec<Result<(), ExportError>> {
        resolved.iter().map(|r| self.resolve(r, snapshot)).collect()
    }
    /// The requests [`Destination::open_all`] would send.
    fn preview_open_all(&self, findings: &[&Finding], snapshot: i64) -> Vec<Request> {
        findings
            .iter()
            .flat_map(|f| self.preview_open(f, snapshot))
            .collect()
    }
    /// The requests [`Destination::resolve_all`] would send.
    fn preview_resolve_all(&self, resolved: &[Resolved<'_>], snapshot: i64) -> Vec<Request> {
        resolved
            .iter()
            .flat_map(|r| self.preview_resolve(r, snapshot))
            .collect()
    }
}

/// A system whose tickets can be looked up by fingerprint and reopened.
pub trait Tracker {
    /// The ticket carrying `finding`'s fingerprint label, if any: the open
    /// one when there are several, else the oldest.
    fn find(&self, finding: &Finding) -> Result<Option<Found>, ExportError>;
    /// Comments on a closed ticket and opens it again.
    fn reopen(&self, ticket_id: &str, snapshot: i64) -> Result<(), ExportError>;
    /// The requests [`Tracker::reopen`] would send, for `--dry-run`.
    fn preview_reopen(&self, ticket_id: &str, snapshot: i64) -> Vec<Request>;
}

/// Builds the destination for `system` from the configuration, reading the
/// credentials that come from the environment with `env` (the process
/// environment in the binary); those written in the file are in the
/// configuration already. With `dry_run`, missing credentials are allowed:
/// nothing is sent.
pub fn destination(
    system: System,
    config: &ExportConfig,
    env: &dyn Fn(&str) -> Option<String>,
    retry: RetryPolicy,
    dry_run: bool,
) -> Result<Box<dyn Destination>, ExportError> {
    let not_configured = || ExportError::NotConfigured {
        file: config.file.clone(),
        system: system.as_str(),
    };
    let secret = |credential: &Credential, what: &str| -> Result<Option<Secret>, ExportError> {
        let variable = match credential {
            Credential::Inline(value) => return Ok(Some(value.clone())),
            Credential::Env(variable) => variable,
        };
        match env(variable).filter(|v| !v.is_empty()) {
            Some(v) => Ok(Some(Secret::new(v))),
            None if dry_run => Ok(None),
            None => Err(ExportError::MissingSecret {
                variable: variable.to_string(),
                what: what.to_string(),
            }),
        }
    };
    Ok(match system {
        System::Github => {
            let c = config.github.clone().ok_or_else(not_configured)?;
            let token = secret(&c.token, "GitHub token")?;
            Box::new(github::Github::new(c, token, retry))
        }
        System::Jira => {
            let c = config.jira.clone().ok_or_else(not_configured)?;
            let token = secret(&c.token, "Jira API token")?;
            let user = match &c.user {
                Some(v) => secret(v, "Jira user (e-mail address)")?,
                None => None,
            };
            Box::new(jira::Jira::new(c, user, token, retry))
        }
        System::Slack => {
            let c = config.slack.clone();
            let url = secret(&c.webhook_url, "Slack incoming webhook URL")?;
            if let Some(url) = &url {
                config::check_url(url.expose()).map_err(|why| {
                    ExportError::Invalid(match &c.webhook_url {
                        Credential::Env(variable) => format!("{variable}: {why}"),
                        Credential::Inline(_) => {
                            format!("`webhook_url` in {}: {why}", config.file)
                        }
                    })
                })?;
            }
            Box::new(slack::Slack::new(url, retry))
        }
        System::Webhook => {
            let c = config.webhook.clone().ok_or_else(not_configured)?;
            let key = match &c.secret {
                Some(v) => secret(v, "webhook signing secret")?,
                None => None,
            };
            Box::new(webhook::Webhook::new(c, key, retry))
        }
    })
}
