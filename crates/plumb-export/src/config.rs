//! The `[export.*]` sections of `plumb.toml`: where each system is and
//! which environment variables hold its credentials. Credentials are read
//! from the environment only, never from the file, which is usually
//! committed. Every mistake names the file, line and column.
//!
//! ```toml
//! [export.github]
//! repo = "acme/infra"                    # owner/name
//! api_url = "https://api.github.com"     # the default; GitHub Enterprise: https://HOST/api/v3
//! token_env = "GITHUB_TOKEN"             # the default
//! labels = ["plumb", "security"]         # the default: ["plumb"]
//!
//! [export.jira]
//! url = "https://acme.atlassian.net"
//! api_version = 2                        # the default; 3 (Jira Cloud): descriptions and comments in ADF
//! project = "SEC"
//! issue_type = "Bug"                     # the default
//! user_env = "JIRA_USER"                 # with it: basic auth (Jira Cloud); without: bearer token
//! token_env = "JIRA_TOKEN"               # the default
//! done_transition = "Done"               # default: the first transition to a "done" status
//! reopen_transition = "Reopen"           # default: the first transition to a "to do" status
//!
//! [export.slack]
//! webhook_url_env = "SLACK_WEBHOOK_URL"  # the default
//!
//! [export.webhook]
//! url = "https://hooks.example.com/plumb"
//! secret_env = "PLUMB_WEBHOOK_SECRET"    # optional: signs each body (X-Plumb-Signature-256)
//! ```

use plumb_checks::{Diagnostic, LoadErrors};
use serde::Deserialize;
use toml::Spanned;

/// A system findings can be exported to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum System {
    /// GitHub issues.
    Github,
    /// Jira issues.
    Jira,
    /// A Slack incoming webhook.
    Slack,
    /// A generic webhook receiving JSON events.
    Webhook,
}

impl System {
    /// The lowercase name, as in `--to` and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            System::Github => "github",
            System::Jira => "jira",
            System::Slack => "slack",
            System::Webhook => "webhook",
        }
    }
}

impl std::fmt::Display for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[export.github]`.
#[derive(Debug, Clone, PartialEq)]
pub struct GithubConfig {
    /// `owner/name`.
    pub repo: String,
    /// The REST API's base URL, without a trailing slash.
    pub api_url: String,
    /// The variable holding the token.
    pub token_env: String,
    /// Labels for every issue.
    pub labels: Vec<String>,
}

/// `[export.jira]`.
#[derive(Debug, Clone, PartialEq)]
pub struct JiraConfig {
    /// The site's base URL, without a trailing slash.
    pub url: String,
    /// The project key.
    pub project: String,
    /// The issue type's name.
    pub issue_type: String,
    /// The variable holding the user for basic auth, if any.
    pub user_env: Option<String>,
    /// The variable holding the API token (or personal access token).
    pub token_env: String,
    /// The REST API's version: 2 (descriptions and comments in wiki
    /// markup; Jira Data Center and Cloud) or 3 (in the Atlassian Document
    /// Format; Jira Cloud).
    pub api_version: u8,
    /// The transition that closes an issue, by name; the first one into a
    /// "done" status when absent.
    pub done_transition: Option<String>,
    /// The transition that reopens an issue, by name; the first one into a
    /// "to do" status when absent.
    pub reopen_transition: Option<String>,
    /// Labels for every issue.
    pub labels: Vec<String>,
}

/// `[export.slack]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SlackConfig {
    /// The variable holding the incoming webhook's URL (a secret).
    pub webhook_url_env: String,
}

impl Default for SlackConfig {
    fn default() -> Self {
        SlackConfig {
            webhook_url_env: "SLACK_WEBHOOK_URL".into(),
        }
    }
}

/// `[export.webhook]`.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookConfig {
    /// Where events are posted.
    pub url: String,
    /// The variable holding the HMAC-SHA256 signing secret, if any.
    pub secret_env: Option<String>,
}

/// The valid `[export.*]` sections of a configuration file.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportConfig {
    /// The file they came from, for messages.
    pub file: String,
    /// `[export.github]`.
    pub github: Option<GithubConfig>,
    /// `[export.jira]`.
    pub jira: Option<JiraConfig>,
    /// `[export.slack]` (its defaults when absent).
    pub slack: SlackConfig,
    /// `[export.webhook]`.
    pub webhook: Option<WebhookConfig>,
}

impl ExportConfig {
    /// The configuration when there is no file: Slack's defaults only.
    pub fn without_file() -> ExportConfig {
        ExportConfig {
            file: "the configuration (no plumb.toml found)".into(),
            github: None,
            jira: None,
            slack: SlackConfig::default(),
            webhook: None,
        }
    }
}

#[derive(Debug, Deserialize, Default)]
struct Raw {
    #[serde(default)]
    export: RawExport,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExport {
    github: Option<Spanned<RawGithub>>,
    jira: Option<Spanned<RawJira>>,
    slack: Option<RawSlack>,
    webhook: Option<Spanned<RawWebhook>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGithub {
    repo: Spanned<String>,
    api_url: Option<Spanned<String>>,
    token_env: Option<Spanned<String>>,
    labels: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJira {
    url: Spanned<String>,
    project: Spanned<String>,
    issue_type: Option<String>,
    user_env: Option<Spanned<String>>,
    token_env: Option<Spanned<String>>,
    api_version: Option<Spanned<i64>>,
    done_transition: Option<String>,
    reopen_transition: Option<String>,
    labels: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSlack {
    webhook_url_env: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    url: Spanned<String>,
    secret_env: Option<Spanned<String>>,
}

/// Whether `url` may carry credentials: HTTPS, or plain HTTP to this
/// machine only (a local test server or proxy).
pub(crate) fn check_url(url: &str) -> Result<(), &'static str> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or("not a URL: it starts with https://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.rsplit_once('@') {
        Some((_, h)) => h,
        None => authority,
    };
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        return Err("the URL has no host");
    }
    match scheme {
        "https" => Ok(()),
        "http" if matches!(host, "127.0.0.1" | "localhost" | "::1") => Ok(()),
        "http" => Err("credentials only go over https:// (plain http:// is allowed to 127.0.0.1 and localhost)"),
        _ => Err("not an http(s) URL"),
    }
}

struct Checker<'a> {
    file: &'a str,
    source: &'a str,
    problems: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn problem(&mut self, span: std::ops::Range<usize>, message: String) {
        self.problems
            .push(Diagnostic::at_span(self.file, self.source, span, message));
    }

    fn url(&mut self, key: &str, value: &Spanned<String>) -> String {
        let url = value.get_ref().trim().trim_end_matches('/').to_string();
        if let Err(why) = check_url(&url) {
            self.problem(value.span(), format!("`{key}`: {why}"));
        }
        url
    }

    fn env_name(&mut self, key: &str, value: Option<&Spanned<String>>, default: &str) -> String {
        let Some(value) = value else {
            return default.to_string();
        };
        let name = value.get_ref().trim();
        let valid = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            // It may be the credential itself: the quoted line hides it.
            let span = value.span();
            let mut masked = self.source.to_string();
            let mut end = span.end;
            if let Some(text) = self.source.get(span.clone()) {
                let stars = "*".repeat(text.chars().count());
                end = span.start + stars.len();
                masked.replace_range(span.clone(), &stars);
            }
            self.problems.push(Diagnostic::at_span(
                self.file,
                &masked,
                span.start..end,
                format!("`{key}` names an environment variable (letters, digits and _), not a value: credentials are read from the environment"),
            ));
        }
        name.to_string()
    }

    /// `api_version`: 2 (the default) or 3.
    fn jira_api_version(&mut self, value: Option<&Spanned<i64>>) -> u8 {
        match value.map(|v| (*v.get_ref(), v.span())) {
            None | Some((2, _)) => 2,
            Some((3, _)) => 3,
            Some((other, span)) => {
                self.problem(
                    span,
                    format!("`api_version` is 2 or 3 (Jira's REST API), not {other}"),
                );
                2
            }
        }
    }

    fn required(&mut self, key: &str, value: &Spanned<String>) -> String {
        let text = value.get_ref().trim();
        if text.is_empty() {
            self.problem(value.span(), format!("`{key}` cannot be empty"));
        }
        text.to_string()
    }
}

impl ExportConfig {
    /// Reads the `[export.*]` sections of `source`, the text of `file`;
    /// the other sections are other readers'.
    pub fn parse(file: &str, source: &str) -> Result<ExportConfig, LoadErrors> {
        let raw: Raw = toml::from_str(source).map_err(|e| {
            LoadErrors(vec![Diagnostic::at_span(
                file,
                source,
                e.span().unwrap_or(0..1),
                format!("invalid plumb.toml: {}", e.message()),
            )])
        })?;
        let mut c = Checker {
            file,
            source,
            problems: Vec::new(),
        };
        let github = raw.export.github.map(|g| {
            let g = g.into_inner();
            let repo = c.required("repo", &g.repo);
            let parts: Vec<&str> = repo.split('/').collect();
            if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
                c.problem(g.repo.span(), "`repo` is owner/name".into());
            }
            GithubConfig {
                repo,
                api_url: g
                    .api_url
                    .as_ref()
                    .map(|u| c.url("api_url", u))
                    .unwrap_or_else(|| "https://api.github.com".into()),
                token_env: c.env_name("token_env", g.token_env.as_ref(), "GITHUB_TOKEN"),
                labels: g.labels.unwrap_or_else(|| vec!["plumb".into()]),
            }
        });
        let jira = raw.export.jira.map(|j| {
            let j = j.into_inner();
            JiraConfig {
                url: c.url("url", &j.url),
                project: c.required("project", &j.project),
                issue_type: j.issue_type.unwrap_or_else(|| "Bug".into()),
                user_env: j
                    .user_env
                    .as_ref()
                    .map(|u| c.env_name("user_env", Some(u), "")),
                token_env: c.env_name("token_env", j.token_env.as_ref(), "JIRA_TOKEN"),
                api_version: c.jira_api_version(j.api_version.as_ref()),
                done_transition: j.done_transition,
                reopen_transition: j.reopen_transition,
                labels: j.labels.unwrap_or_else(|| vec!["plumb".into()]),
            }
        });
        let slack = match raw.export.slack {
            Some(s) => SlackConfig {
                webhook_url_env: c.env_name(
                    "webhook_url_env",
                    s.webhook_url_env.as_ref(),
                    "SLACK_WEBHOOK_URL",
                ),
            },
            None => SlackConfig::default(),
        };
        let webhook = raw.export.webhook.map(|w| {
            let w = w.into_inner();
            WebhookConfig {
                url: c.url("url", &w.url),
                secret_env: w
                    .secret_env
                    .as_ref()
                    .map(|s| c.env_name("secret_env", Some(s), "")),
            }
        });
        if !c.problems.is_empty() {
            return Err(LoadErrors(c.problems));
        }
        Ok(ExportConfig {
            file: file.to_string(),
            github,
            jira,
            slack,
            webhook,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_section_with_defaults_and_leaves_the_others_alone() {
        let c = ExportConfig::parse(
            "plumb.toml",
            r#"
known_accounts = ["111122223333"]
[[mute]]
check = "x"
reason = "y"
[export.github]
repo = "acme/infra"
[export.jira]
url = "https://acme.atlassian.net/"
project = "SEC"
user_env = "JIRA_USER"
[export.webhook]
url = "http://127.0.0.1:8080/hook"
secret_env = "HOOK_SECRET"
"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let g = c.github.unwrap();
        assert_eq!(g.api_url, "https://api.github.com");
        assert_eq!(g.token_env, "GITHUB_TOKEN");
        assert_eq!(g.labels, vec!["plumb".to_string()]);
        let j = c.jira.unwrap();
        assert_eq!(j.url, "https://acme.atlassian.net");
        assert_eq!(j.issue_type, "Bug");
        assert_eq!(j.user_env.as_deref(), Some("JIRA_USER"));
        assert_eq!(j.token_env, "JIRA_TOKEN");
        assert_eq!(j.api_version, 2);
        assert_eq!(j.reopen_transition, None);
        assert_eq!(c.slack, SlackConfig::default());
        assert_eq!(
            c.webhook.unwrap().secret_env.as_deref(),
            Some("HOOK_SECRET")
        );
    }

    #[test]
    fn the_mutes_reader_accepts_the_export_sections() {
        let text = "[export.github]\nrepo = \"acme/infra\"\n[export.slack]\n";
        assert!(plumb_checks::Config::parse("plumb.toml", text).is_ok());
    }

    #[test]
    fn mistakes_name_their_line() {
        let e = ExportConfig::parse(
            "plumb.toml",
            "[export.github]\nrepo = \"acme\"\napi_url = \"http://api.example.com\"\ntoken_env = \"ghp_abc-def\"\n",
        )
        .expect_err("three mistakes")
        .to_string();
        assert!(
            e.contains("plumb.toml:2:") && e.contains("owner/name"),
            "{e}"
        );
        assert!(e.contains("plumb.toml:3:") && e.contains("https://"), "{e}");
        assert!(
            e.contains("plumb.toml:4:") && e.contains("environment variable"),
            "{e}"
        );
        assert!(
            !e.contains("ghp_abc-def"),
            "a mistaken credential is not quoted: {e}"
        );
        let typo = ExportConfig::parse("plumb.toml", "[export.slack]\nwebhook_url = \"x\"\n")
            .expect_err("typo")
            .to_string();
        assert!(
            typo.contains("unknown field `webhook_url`") && typo.contains("plumb.toml:2:"),
            "{typo}"
        );
        let missing = ExportConfig::parse("plumb.toml", "[export.jira]\nurl = \"https://j\"\n")
            .expect_err("no project")
            .to_string();
        assert!(missing.contains("project"), "{missing}");
    }

    #[test]
    fn the_jira_api_version_is_2_or_3() {
        let three = ExportConfig::parse(
            "plumb.toml",
            "[export.jira]\nurl = \"https://j\"\nproject = \"SEC\"\napi_version = 3\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(three.jira.map(|j| j.api_version), Some(3));
        let e = ExportConfig::parse(
            "plumb.toml",
            "[export.jira]\nurl = \"https://j\"\nproject = \"SEC\"\napi_version = 4\n",
        )
        .expect_err("no v4")
        .to_string();
        assert!(
            e.contains("plumb.toml:4:") && e.contains("`api_version` is 2 or 3"),
            "{e}"
        );
        let e = ExportConfig::parse(
            "plumb.toml",
            "[export.jira]\nurl = \"https://j\"\nproject = \"SEC\"\napi_version = \"3\"\n",
        )
        .expect_err("a string")
        .to_string();
        assert!(e.contains("plumb.toml:4:"), "{e}");
    }

    #[test]
    fn plain_http_is_only_for_this_machine() {
        assert!(check_url("https://api.github.com").is_ok());
        assert!(check_url("http://127.0.0.1:3000/x").is_ok());
        assert!(check_url("http://localhost/x").is_ok());
        assert!(check_url("http://[::1]:80/x").is_ok());
        assert!(check_url("http://hooks.example.com/x").is_err());
        assert!(check_url("http://127.0.0.1.evil.com/x").is_err());
        assert!(check_url("ftp://x").is_err());
    }
}
