//! The `[export.*]` sections of `plumb.toml`: where each system is and
//! where its credentials come from. Every mistake names the file, line and
//! column.
//!
//! A credential comes from the environment (the recommended way, and the
//! default): `token_env` names the variable that holds it. It may instead
//! be written in the file itself (`token`, `user`, `webhook_url`,
//! `secret`), for a machine where setting variables is awkward. plumb then
//! uses it only if the file is its owner's alone: on Unix, a file that its
//! group or others may read or write (any of the bits `0o077`, as in the
//! usual `0644`) is refused, naming the line of each credential and the
//! fix (`chmod 600 plumb.toml`, or the `*_env` key). A file that others
//! can write could send the token elsewhere (`api_url`), so writing counts
//! as much as reading. A Jira `user` (an e-mail address, not a secret) is
//! not held to it. Setting both a key and its `*_env` is a mistake, and no
//! message quotes a credential: the line shown has the value masked.
//!
//! ```toml
//! [export.github]
//! repo = "acme/infra"                    # owner/name
//! api_url = "https://api.github.com"     # the default; GitHub Enterprise: https://HOST/api/v3
//! token_env = "GITHUB_TOKEN"             # the default; or token = "…" (the file must be 0600)
//! labels = ["plumb", "security"]         # the default: ["plumb"]
//!
//! [export.jira]
//! url = "https://acme.atlassian.net"
//! api_version = 2                        # the default; 3 (Jira Cloud): descriptions and comments in ADF
//! project = "SEC"
//! issue_type = "Bug"                     # the default
//! user_env = "JIRA_USER"                 # or user = "…"; with a user: basic auth (Jira Cloud); without: bearer token
//! token_env = "JIRA_TOKEN"               # the default; or token = "…" (the file must be 0600)
//! done_transition = "Done"               # default: the first transition to a "done" status
//! reopen_transition = "Reopen"           # default: the first transition to a "to do" status
//!
//! [export.slack]
//! webhook_url_env = "SLACK_WEBHOOK_URL"  # the default; or webhook_url = "…" (the file must be 0600)
//!
//! [export.webhook]
//! url = "https://hooks.example.com/plumb"
//! secret_env = "PLUMB_WEBHOOK_SECRET"    # optional: signs each body (X-Plumb-Signature-256); or secret = "…"
//! ```

use std::io::Read as _;
use std::ops::Range;
use std::path::Path;

use plumb_checks::{Diagnostic, LoadErrors};
use serde::Deserialize;
use toml::Spanned;

use crate::http::Secret;

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

/// Where a credential comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The environment variable of this name (`token_env = "…"`, or the
    /// default variable): the recommended way.
    Env(String),
    /// The value written in the file (`token = "…"`), accepted only from a
    /// file that is its owner's alone. `Debug` prints `Secret(***)`.
    Inline(Secret),
}

/// `[export.github]`.
#[derive(Debug, Clone, PartialEq)]
pub struct GithubConfig {
    /// `owner/name`.
    pub repo: String,
    /// The REST API's base URL, without a trailing slash.
    pub api_url: String,
    /// The token: `token_env` (default `GITHUB_TOKEN`) or `token`.
    pub token: Credential,
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
    /// The user for basic auth (`user_env` or `user`), if any.
    pub user: Option<Credential>,
    /// The API token (or personal access token): `token_env` (default
    /// `JIRA_TOKEN`) or `token`.
    pub token: Credential,
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
    /// The incoming webhook's URL (a secret): `webhook_url_env` (default
    /// `SLACK_WEBHOOK_URL`) or `webhook_url`.
    pub webhook_url: Credential,
}

impl Default for SlackConfig {
    fn default() -> Self {
        SlackConfig {
            webhook_url: Credential::Env("SLACK_WEBHOOK_URL".into()),
        }
    }
}

/// `[export.webhook]`.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookConfig {
    /// Where events are posted.
    pub url: String,
    /// The HMAC-SHA256 signing secret (`secret_env` or `secret`), if any.
    pub secret: Option<Credential>,
}

/// What the configuration file's permissions say, for the credentials
/// written in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileMode {
    /// The file's Unix mode (`st_mode`; only the permission bits matter).
    Unix(u32),
    /// A system without Unix permissions: inline credentials are accepted.
    Unchecked,
}

impl FileMode {
    /// The mode of the file `metadata` describes.
    pub fn of(metadata: &std::fs::Metadata) -> FileMode {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            FileMode::Unix(metadata.permissions().mode())
        }
        #[cfg(not(unix))]
        {
            let _ = metadata;
            FileMode::Unchecked
        }
    }

    /// The permission bits when the group or others may read or write
    /// the file (or run it), which rules out inline credentials.
    fn shared(self) -> Option<u32> {
        match self {
            FileMode::Unix(mode) if mode & 0o077 != 0 => Some(mode & 0o7777),
            _ => None,
        }
    }
}

/// Why the configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// It could not be read.
    #[error("cannot read {file}: {source}")]
    Read {
        /// The file, as given.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// Its `[export.*]` sections have mistakes, each with its line.
    #[error(transparent)]
    Invalid(LoadErrors),
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
    token: Option<Spanned<String>>,
    labels: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJira {
    url: Spanned<String>,
    project: Spanned<String>,
    issue_type: Option<String>,
    user_env: Option<Spanned<String>>,
    user: Option<Spanned<String>>,
    token_env: Option<Spanned<String>>,
    token: Option<Spanned<String>>,
    api_version: Option<Spanned<i64>>,
    done_transition: Option<String>,
    reopen_transition: Option<String>,
    labels: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSlack {
    webhook_url_env: Option<Spanned<String>>,
    webhook_url: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    url: Spanned<String>,
    secret_env: Option<Spanned<String>>,
    secret: Option<Spanned<String>>,
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

/// The keys of one credential.
#[derive(Clone, Copy)]
struct Keys {
    /// The key that holds it in the file (`token`).
    key: &'static str,
    /// The key that names its environment variable (`token_env`).
    env_key: &'static str,
    /// What it is, for messages.
    what: &'static str,
    /// Whether it is a secret, which the file may hold only when private.
    secret: bool,
}

const TOKEN_KEYS: Keys = Keys {
    key: "token",
    env_key: "token_env",
    what: "token",
    secret: true,
};

/// Jira's user: an e-mail address, not a secret, which any file may hold.
const USER_KEYS: Keys = Keys {
    key: "user",
    env_key: "user_env",
    what: "user",
    secret: false,
};

const WEBHOOK_URL_KEYS: Keys = Keys {
    key: "webhook_url",
    env_key: "webhook_url_env",
    what: "webhook URL",
    secret: true,
};

const SECRET_KEYS: Keys = Keys {
    key: "secret",
    env_key: "secret_env",
    what: "signing secret",
    secret: true,
};

/// A secret written in the file, for the check of its permissions.
struct InlineAt {
    keys: Keys,
    span: Range<usize>,
}

struct Checker<'a> {
    file: &'a str,
    source: &'a str,
    problems: Vec<Diagnostic>,
    /// The secrets written in the file.
    inline: Vec<InlineAt>,
}

impl Checker<'_> {
    fn problem(&mut self, span: Range<usize>, message: String) {
        self.problems
            .push(Diagnostic::at_span(self.file, self.source, span, message));
    }

    /// A problem at a value that may be a credential: the quoted line shows
    /// `*` in its place.
    fn masked_problem(&mut self, span: Range<usize>, message: String) {
        let masked = plumb_checks::diagnostic::mask_span(self.source, span.clone());
        self.problems
            .push(Diagnostic::at_span(self.file, &masked, span, message));
    }

    fn line_of(&self, span: &Range<usize>) -> usize {
        let start = span.start.min(self.source.len());
        self.source[..start].matches('\n').count() + 1
    }

    fn url(&mut self, key: &str, value: &Spanned<String>) -> String {
        let url = value.get_ref().trim().trim_end_matches('/').to_string();
        if let Err(why) = check_url(&url) {
            self.problem(value.span(), format!("`{key}`: {why}"));
        }
        url
    }

    fn env_name(&mut self, key: &str, value: &Spanned<String>) -> String {
        let name = value.get_ref().trim();
        let valid = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            // It may be the credential itself: the quoted line hides it.
            let inline = key.trim_end_matches("_env");
            self.masked_problem(
                value.span(),
                format!("`{key}` names an environment variable (letters, digits and _), not a value: put the credential in that variable (recommended), or write it as `{inline}` in a file only its owner can read"),
            );
        }
        name.to_string()
    }

    /// A credential: written in the file (`inline`) or read from the
    /// variable `env` names; `None` when neither is set.
    fn credential(
        &mut self,
        keys: Keys,
        inline: Option<&Spanned<String>>,
        env: Option<&Spanned<String>>,
    ) -> Option<Credential> {
        let Keys {
            key,
            env_key,
            what,
            secret,
        } = keys;
        let name = env.map(|e| self.env_name(env_key, e));
        let Some(inline) = inline else {
            return name.map(Credential::Env);
        };
        let span = inline.span();
        if let Some(env) = env {
            let line = self.line_of(&env.span());
            self.masked_problem(
                span.clone(),
                format!("`{key}` and `{env_key}` (line {line}) are both set: keep one; `{env_key}`, the {what} in the environment, is recommended"),
            );
        }
        let value = inline.get_ref().trim();
        if value.is_empty() {
            self.masked_problem(span.clone(), format!("`{key}` cannot be empty"));
        }
        if secret {
            self.inline.push(InlineAt { keys, span });
        }
        Some(Credential::Inline(Secret::new(value)))
    }

    /// Refuses every secret written in the file when the group or others
    /// may read or write it.
    fn file_mode(&mut self, mode: FileMode) {
        let Some(bits) = mode.shared() else {
            return;
        };
        let file = self.file;
        for at in std::mem::take(&mut self.inline) {
            self.masked_problem(
                at.span,
                format!(
                    "`{}` holds the {} in {file}, which its group or others can read or write (mode {bits:04o}): plumb uses a credential written in the file only when the file is its owner's alone. Run `chmod 600 {file}`, or put the {} in the environment and name the variable with `{}` (recommended)",
                    at.keys.key, at.keys.what, at.keys.what, at.keys.env_key
                ),
            );
        }
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
    /// Reads the file at `path` and its `[export.*]` sections, taking its
    /// text and its permissions from the same open file.
    pub fn load(path: &Path) -> Result<ExportConfig, ConfigError> {
        let file = path.display().to_string();
        let read = |source| ConfigError::Read {
            file: file.clone(),
            source,
        };
        let mut handle = std::fs::File::open(path).map_err(read)?;
        let mode = FileMode::of(&handle.metadata().map_err(read)?);
        let mut text = String::new();
        handle.read_to_string(&mut text).map_err(read)?;
        ExportConfig::parse(&file, &text, mode).map_err(ConfigError::Invalid)
    }

    /// Reads the `[export.*]` sections of `source`, the text of `file`,
    /// whose permissions are `mode`; the other sections are other readers'.
    pub fn parse(file: &str, source: &str, mode: FileMode) -> Result<ExportConfig, LoadErrors> {
        let raw: Raw = toml::from_str(source).map_err(|e| {
            LoadErrors(vec![plumb_checks::diagnostic::toml_error(file, source, &e)])
        })?;
        let mut c = Checker {
            file,
            source,
            problems: Vec::new(),
            inline: Vec::new(),
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
                token: c
                    .credential(TOKEN_KEYS, g.token.as_ref(), g.token_env.as_ref())
                    .unwrap_or_else(|| Credential::Env("GITHUB_TOKEN".into())),
                labels: g.labels.unwrap_or_else(|| vec!["plumb".into()]),
            }
        });
        let jira = raw.export.jira.map(|j| {
            let j = j.into_inner();
            JiraConfig {
                url: c.url("url", &j.url),
                project: c.required("project", &j.project),
                issue_type: j.issue_type.unwrap_or_else(|| "Bug".into()),
                // An e-mail address, not a secret: any file may hold it.
                user: c.credential(USER_KEYS, j.user.as_ref(), j.user_env.as_ref()),
                token: c
                    .credential(TOKEN_KEYS, j.token.as_ref(), j.token_env.as_ref())
                    .unwrap_or_else(|| Credential::Env("JIRA_TOKEN".into())),
                api_version: c.jira_api_version(j.api_version.as_ref()),
                done_transition: j.done_transition,
                reopen_transition: j.reopen_transition,
                labels: j.labels.unwrap_or_else(|| vec!["plumb".into()]),
            }
        });
        let slack = match raw.export.slack {
            Some(s) => {
                if let Some(url) = &s.webhook_url {
                    // The URL is the secret: the line shown hides it.
                    let text = url.get_ref().trim();
                    if let Err(why) = check_url(text) {
                        if !text.is_empty() {
                            c.masked_problem(url.span(), format!("`webhook_url`: {why}"));
                        }
                    }
                }
                SlackConfig {
                    webhook_url: c
                        .credential(
                            WEBHOOK_URL_KEYS,
                            s.webhook_url.as_ref(),
                            s.webhook_url_env.as_ref(),
                        )
                        .unwrap_or_else(|| SlackConfig::default().webhook_url),
                }
            }
            None => SlackConfig::default(),
        };
        let webhook = raw.export.webhook.map(|w| {
            let w = w.into_inner();
            WebhookConfig {
                url: c.url("url", &w.url),
                secret: c.credential(SECRET_KEYS, w.secret.as_ref(), w.secret_env.as_ref()),
            }
        });
        c.file_mode(mode);
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

    impl ExportConfig {
        /// `source` read from a file only its owner can read and write.
        fn parse_text(file: &str, source: &str) -> Result<ExportConfig, LoadErrors> {
            ExportConfig::parse(file, source, FileMode::Unix(0o100600))
        }
    }

    #[test]
    fn reads_every_section_with_defaults_and_leaves_the_others_alone() {
        let c = ExportConfig::parse_text(
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
        assert_eq!(g.token, Credential::Env("GITHUB_TOKEN".into()));
        assert_eq!(g.labels, vec!["plumb".to_string()]);
        let j = c.jira.unwrap();
        assert_eq!(j.url, "https://acme.atlassian.net");
        assert_eq!(j.issue_type, "Bug");
        assert_eq!(j.user, Some(Credential::Env("JIRA_USER".into())));
        assert_eq!(j.token, Credential::Env("JIRA_TOKEN".into()));
        assert_eq!(j.api_version, 2);
        assert_eq!(j.reopen_transition, None);
        assert_eq!(c.slack, SlackConfig::default());
        assert_eq!(
            c.webhook.unwrap().secret,
            Some(Credential::Env("HOOK_SECRET".into()))
        );
    }

    #[test]
    fn the_mutes_reader_accepts_the_export_sections() {
        let text = "[export.github]\nrepo = \"acme/infra\"\n[export.slack]\n";
        assert!(plumb_checks::Config::parse("plumb.toml", text).is_ok());
    }

    #[test]
    fn mistakes_name_their_line() {
        let e = ExportConfig::parse_text(
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
        let typo = ExportConfig::parse_text(
            "plumb.toml",
            "[export.slack]\nwebhook-url = \"https://hooks.slack.com/services/T0/B0/XYZ\"\n",
        )
        .expect_err("typo")
        .to_string();
        assert!(
            typo.contains("unknown field `webhook-url`") && typo.contains("plumb.toml:2:"),
            "{typo}"
        );
        assert!(
            !typo.contains("hooks.slack.com") && typo.contains("webhook-url = ****"),
            "the line of a key that is not known to be plain has its value masked: {typo}"
        );
        let missing =
            ExportConfig::parse_text("plumb.toml", "[export.jira]\nurl = \"https://j\"\n")
                .expect_err("no project")
                .to_string();
        assert!(missing.contains("project"), "{missing}");
    }

    #[test]
    fn the_jira_api_version_is_2_or_3() {
        let three = ExportConfig::parse_text(
            "plumb.toml",
            "[export.jira]\nurl = \"https://j\"\nproject = \"SEC\"\napi_version = 3\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(three.jira.map(|j| j.api_version), Some(3));
        let e = ExportConfig::parse_text(
            "plumb.toml",
            "[export.jira]\nurl = \"https://j\"\nproject = \"SEC\"\napi_version = 4\n",
        )
        .expect_err("no v4")
        .to_string();
        assert!(
            e.contains("plumb.toml:4:") && e.contains("`api_version` is 2 or 3"),
            "{e}"
        );
        let e = ExportConfig::parse_text(
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

    const TOKEN: &str = "ghp_inline-token-never-printed";

    /// A file with every credential written in it.
    fn inline_file() -> String {
        format!(
            "[export.github]\nrepo = \"acme/infra\"\ntoken = \"{TOKEN}\"\n\
             [export.jira]\nurl = \"https://j\"\nproject = \"SEC\"\nuser = \"sec@example.com\"\ntoken = \"{TOKEN}\"\n\
             [export.slack]\nwebhook_url = \"https://hooks.slack.com/services/T0/B0/{TOKEN}\"\n\
             [export.webhook]\nurl = \"https://hooks.example.com\"\nsecret = \"{TOKEN}\"\n"
        )
    }

    #[test]
    fn credentials_written_in_the_file_are_read_and_the_environment_stays_the_default() {
        let c = ExportConfig::parse_text("plumb.toml", &inline_file())
            .unwrap_or_else(|e| panic!("{e}"));
        let inline = Credential::Inline(Secret::new(TOKEN));
        assert_eq!(c.github.as_ref().map(|g| &g.token), Some(&inline));
        let j = c.jira.as_ref().unwrap();
        assert_eq!(j.token, inline);
        assert_eq!(
            j.user,
            Some(Credential::Inline(Secret::new("sec@example.com")))
        );
        assert_eq!(
            c.slack.webhook_url,
            Credential::Inline(Secret::new(format!(
                "https://hooks.slack.com/services/T0/B0/{TOKEN}"
            )))
        );
        assert_eq!(c.webhook.as_ref().unwrap().secret, Some(inline));
        assert!(
            !format!("{c:?}").contains(TOKEN),
            "Debug never shows a credential: {c:?}"
        );

        // Without either key: the default variable; `token_env` names another.
        let c = ExportConfig::parse(
            "plumb.toml",
            "[export.github]\nrepo = \"acme/infra\"\n[export.jira]\nurl = \"https://j\"\nproject = \"SEC\"\ntoken_env = \"MY_JIRA\"\n",
            FileMode::Unix(0o100644),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            c.github.unwrap().token,
            Credential::Env("GITHUB_TOKEN".into())
        );
        let j = c.jira.unwrap();
        assert_eq!(j.token, Credential::Env("MY_JIRA".into()));
        assert_eq!(j.user, None);
        assert_eq!(c.slack, SlackConfig::default());
    }

    #[test]
    fn a_credential_both_written_and_named_is_a_mistake_at_its_line() {
        for (section, key, env_key, value) in [
            (
                "[export.github]\nrepo = \"acme/infra\"",
                "token",
                "token_env",
                TOKEN,
            ),
            (
                "[export.jira]\nurl = \"https://j\"\nproject = \"SEC\"",
                "token",
                "token_env",
                TOKEN,
            ),
            (
                "[export.jira]\nurl = \"https://j\"\nproject = \"SEC\"",
                "user",
                "user_env",
                "sec@example.com",
            ),
            (
                "[export.slack]",
                "webhook_url",
                "webhook_url_env",
                "https://hooks.slack.com/services/T0/B0/XYZ",
            ),
            (
                "[export.webhook]\nurl = \"https://h\"",
                "secret",
                "secret_env",
                TOKEN,
            ),
        ] {
            let text = format!("{section}\n{env_key} = \"SOME_VAR\"\n{key} = \"{value}\"\n");
            let env_line = section.lines().count() + 1;
            let line = env_line + 1;
            let e = ExportConfig::parse_text("plumb.toml", &text)
                .expect_err("both set")
                .to_string();
            let column = key.len() + 4;
            assert!(
                e.contains(&format!("--> plumb.toml:{line}:{column}"))
                    && e.contains(&format!(
                        "`{key}` and `{env_key}` (line {env_line}) are both set"
                    ))
                    && e.contains(&format!("`{env_key}`, the ")),
                "{e}"
            );
            assert!(
                !e.contains(value),
                "the value is masked in the quoted line: {e}"
            );
            assert!(e.contains(&format!("{line} | {key} = ****")), "{e}");
        }
    }

    #[test]
    fn a_credential_in_a_file_others_can_read_or_write_is_refused_with_the_fix() {
        for mode in [
            0o100644,
            0o100640,
            0o100604,
            0o100620,
            0o100602,
            0o100700 | 0o010,
        ] {
            let e = ExportConfig::parse("plumb.toml", &inline_file(), FileMode::Unix(mode))
                .expect_err("a shared file")
                .to_string();
            assert!(!e.contains(TOKEN), "no credential is quoted: {e}");
            assert!(
                !e.contains("hooks.slack.com"),
                "nor the Slack webhook URL: {e}"
            );
            assert!(
                e.contains(&format!("(mode {:04o})", mode & 0o7777)),
                "{mode:o}: {e}"
            );
            // Every secret written in the file, at its own line; the Jira
            // user (an e-mail address) is not one.
            for (line, key, env_key) in [
                (3, "token", "token_env"),
                (8, "token", "token_env"),
                (10, "webhook_url", "webhook_url_env"),
                (13, "secret", "secret_env"),
            ] {
                assert!(
                    e.contains(&format!("--> plumb.toml:{line}:")),
                    "line {line}: {e}"
                );
                assert!(e.contains(&format!("{line} | {key} = ****")), "{e}");
                assert!(e.contains(&format!("with `{env_key}`")), "{e}");
            }
            assert!(!e.contains("plumb.toml:7:"), "the user is allowed: {e}");
            assert!(e.contains("Run `chmod 600 plumb.toml`"), "{e}");
            assert!(e.contains("4 error(s)"), "{e}");
        }
    }

    #[test]
    fn a_private_file_a_system_without_modes_or_a_file_without_credentials_is_accepted() {
        for mode in [0o100600, 0o100400, 0o100700] {
            assert!(
                ExportConfig::parse("plumb.toml", &inline_file(), FileMode::Unix(mode)).is_ok(),
                "{mode:o}"
            );
        }
        assert!(ExportConfig::parse("plumb.toml", &inline_file(), FileMode::Unchecked).is_ok());
        let plain = "[export.github]\nrepo = \"acme/infra\"\ntoken_env = \"GH\"\n\
                     [export.jira]\nurl = \"https://j\"\nproject = \"SEC\"\nuser = \"sec@example.com\"\n";
        assert!(
            ExportConfig::parse("plumb.toml", plain, FileMode::Unix(0o100666)).is_ok(),
            "credentials in the environment (and a Jira user) need no private file"
        );
    }

    #[cfg(unix)]
    #[test]
    fn load_takes_the_mode_of_the_file_it_reads() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plumb.toml");
        std::fs::write(&path, inline_file()).unwrap();
        let file = path.display().to_string();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = ExportConfig::load(&path)
            .expect_err("0644 is refused")
            .to_string();
        assert!(
            e.contains(&format!("--> {file}:3:")) && e.contains(&format!("chmod 600 {file}")),
            "{e}"
        );
        assert!(!e.contains(TOKEN), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let c = ExportConfig::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.file, file);
        assert_eq!(
            c.github.map(|g| g.token),
            Some(Credential::Inline(Secret::new(TOKEN)))
        );
        let missing = ExportConfig::load(&dir.path().join("absent.toml"));
        assert!(
            matches!(missing, Err(ConfigError::Read { ref source, .. }) if source.kind() == std::io::ErrorKind::NotFound),
            "{missing:?}"
        );
    }

    #[test]
    fn an_inline_credential_must_be_usable_and_is_never_quoted() {
        let e = ExportConfig::parse_text(
            "plumb.toml",
            "[export.github]\nrepo = \"acme/infra\"\ntoken = \"  \"\n\
             [export.slack]\nwebhook_url = \"http://hooks.slack.com/services/T0/B0/XYZ\"\n",
        )
        .expect_err("empty, and plain http")
        .to_string();
        assert!(
            e.contains("plumb.toml:3:") && e.contains("`token` cannot be empty"),
            "{e}"
        );
        assert!(
            e.contains("plumb.toml:5:")
                && e.contains("`webhook_url`: credentials only go over https://"),
            "{e}"
        );
        assert!(!e.contains("hooks.slack.com"), "{e}");
        // A value of the wrong type under a secret key is not repeated.
        let e = ExportConfig::parse_text(
            "plumb.toml",
            "[export.github]\nrepo = \"acme/infra\"\ntoken = 12345678\n",
        )
        .expect_err("not a string")
        .to_string();
        assert!(e.contains("plumb.toml:3:"), "{e}");
        assert!(!e.contains("12345678"), "{e}");
        // A TOML syntax error on a credential's line.
        let e = ExportConfig::parse_text(
            "plumb.toml",
            &format!("[export.github]\nrepo = \"acme/infra\"\ntoken = \"{TOKEN}\n"),
        )
        .expect_err("unterminated")
        .to_string();
        assert!(e.contains("plumb.toml:3:"), "{e}");
        assert!(!e.contains(TOKEN), "{e}");
    }
}
