//! `plumb.toml`: the user's configuration, so far the mutes. Parsed into
//! plain structs, then validated into a type that only holds valid mutes
//! (cargo-deny's way); every mistake names the file, line and column.
//!
//! ```toml
//! [[mute]]
//! check = "s3_bucket_*"               # glob over check ids
//! resource = "arn:aws:s3:::public-*"  # glob over resource uids
//! account = "111122223333"
//! region = "eu-west-1"
//! tag = "env=sandbox"                 # the resource carries this tag
//! reason = "Static website, reviewed by security (SEC-123)"
//! expires = "2027-03-31"
//! ```

use std::collections::BTreeMap;

use chrono::NaiveDate;
use globset::{Glob, GlobMatcher};
use plumb_model::{Finding, Status};
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, LoadErrors};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    mute: Vec<RawMute>,
    // The context's sections, read and checked by plumb-context.
    #[serde(default, rename = "known_accounts")]
    _known_accounts: Option<toml::Value>,
    #[serde(default, rename = "sensitive")]
    _sensitive: Option<toml::Value>,
    #[serde(default, rename = "risk")]
    _risk: Option<toml::Value>,
    // Where `plumb export` sends findings, read and checked by plumb-export.
    #[serde(default, rename = "export")]
    _export: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMute {
    check: Option<Spanned<String>>,
    resource: Option<Spanned<String>>,
    account: Option<String>,
    region: Option<String>,
    tag: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
    expires: Option<Spanned<String>>,
}

/// One valid mute.
#[derive(Debug, Clone)]
pub struct Mute {
    /// Its position in the file (1-based), for messages.
    pub index: usize,
    check: Option<GlobMatcher>,
    resource: Option<GlobMatcher>,
    account: Option<String>,
    region: Option<String>,
    tag: Option<(String, String)>,
    /// Why the finding is accepted: required.
    pub reason: String,
    /// The last day the mute applies.
    pub expires: Option<NaiveDate>,
}

/// A valid configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The mutes, in file order.
    pub mutes: Vec<Mute>,
}

fn at_span(file: &str, source: &str, span: std::ops::Range<usize>, message: String) -> Diagnostic {
    Diagnostic::at_span(file, source, span, message)
}

fn glob(
    file: &str,
    source: &str,
    value: &Spanned<String>,
    problems: &mut Vec<Diagnostic>,
) -> Option<GlobMatcher> {
    match Glob::new(value.get_ref()) {
        Ok(g) => Some(g.compile_matcher()),
        Err(e) => {
            problems.push(at_span(
                file,
                source,
                value.span(),
                format!("not a valid glob: {e}"),
            ));
            None
        }
    }
}

impl Config {
    /// Parses and validates `source`, read from `file`.
    pub fn parse(file: &str, source: &str) -> Result<Config, LoadErrors> {
        let raw: RawConfig = toml::from_str(source)
            .map_err(|e| LoadErrors(vec![crate::diagnostic::toml_error(file, source, &e)]))?;
        let mut problems = Vec::new();
        let mut mutes = Vec::new();
        for (i, m) in raw.mute.into_iter().enumerate() {
            let reason = match &m.reason {
                Some(r) if !r.get_ref().trim().is_empty() => r.get_ref().trim().to_string(),
                Some(r) => {
                    problems.push(at_span(
                        file,
                        source,
                        r.span(),
                        "a mute's reason cannot be empty".into(),
                    ));
                    continue;
                }
                None => {
                    let span = m
                        .check
                        .as_ref()
                        .or(m.resource.as_ref())
                        .map(|s| s.span())
                        .unwrap_or(0..1);
                    problems.push(at_span(
                        file,
                        source,
                        span,
                        format!("mute #{} has no `reason`: every mute says why", i + 1),
                    ));
                    continue;
                }
            };
            if m.check.is_none()
                && m.resource.is_none()
                && m.account.is_none()
                && m.region.is_none()
                && m.tag.is_none()
            {
                let span = m.reason.as_ref().map(|s| s.span()).unwrap_or(0..1);
                problems.push(at_span(
                    file,
                    source,
                    span,
                    format!(
                        "mute #{} matches everything: give check, resource, account, region or tag",
                        i + 1
                    ),
                ));
                continue;
            }
            let expires = match &m.expires {
                None => None,
                Some(e) => match NaiveDate::parse_from_str(e.get_ref(), "%Y-%m-%d") {
                    Ok(d) => Some(d),
                    Err(_) => {
                        problems.push(at_span(
                            file,
                            source,
                            e.span(),
                            "`expires` is a date: YYYY-MM-DD".into(),
                        ));
                        continue;
                    }
                },
            };
            let tag = match &m.tag {
                None => None,
                Some(t) => match t.get_ref().split_once('=') {
                    Some((k, v)) if !k.trim().is_empty() => {
                        Some((k.trim().to_string(), v.trim().to_string()))
                    }
                    _ => {
                        problems.push(at_span(file, source, t.span(), "`tag` is KEY=VALUE".into()));
                        continue;
                    }
                },
            };
            mutes.push(Mute {
                index: i + 1,
                check: m
                    .check
                    .as_ref()
                    .and_then(|g| glob(file, source, g, &mut problems)),
                resource: m
                    .resource
                    .as_ref()
                    .and_then(|g| glob(file, source, g, &mut problems)),
                account: m.account,
                region: m.region,
                tag,
                reason,
                expires,
            });
        }
        if problems.is_empty() {
            Ok(Config { mutes })
        } else {
            Err(LoadErrors(problems))
        }
    }
}

impl Mute {
    fn matches(&self, f: &Finding, tags: Option<&BTreeMap<String, String>>) -> bool {
        self.check.as_ref().is_none_or(|g| g.is_match(f.check_id()))
            && self
                .resource
                .as_ref()
                .is_none_or(|g| g.is_match(f.resource_uid()))
            && self.account.as_ref().is_none_or(|a| **a == *f.account())
            && self.region.as_ref().is_none_or(|r| **r == *f.region())
            && self
                .tag
                .as_ref()
                .is_none_or(|(k, v)| tags.and_then(|t| t.get(k)).is_some_and(|have| have == v))
    }
}

/// Applies the mutes to failing findings, as of `today`: a matching mute
/// turns `fail` into `muted` with its reason; a matching mute that has
/// expired leaves the failure and says so. Returns one notice per expired
/// mute that matched.
pub fn apply_mutes(
    config: &Config,
    findings: &mut [Finding],
    tags: &BTreeMap<String, BTreeMap<String, String>>,
    today: NaiveDate,
) -> Vec<String> {
    let mut expired_notices = BTreeMap::new();
    for f in findings.iter_mut().filter(|f| f.status == Status::Fail) {
        let resource_tags = tags.get(f.resource_uid());
        let matching: Vec<&Mute> = config
            .mutes
            .iter()
            .filter(|m| m.matches(f, resource_tags))
            .collect();
        for mute in matching {
            match mute.expires {
                Some(day) if day < today => {
                    f.reason = Some(format!(
                        "mute #{} expired on {day} and no longer applies: {}",
                        mute.index, mute.reason
                    ));
                    expired_notices.insert(
                        mute.index,
                        format!(
                            "mute #{} (\"{}\") expired on {day}: its findings are failures again",
                            mute.index, mute.reason
                        ),
                    );
                }
                _ => {
                    f.status = Status::Muted;
                    f.reason = Some(mute.reason.clone());
                    break;
                }
            }
        }
    }
    expired_notices.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use plumb_model::Severity;

    fn finding(check: &str, uid: &str) -> Finding {
        let check = plumb_model::CheckPart {
            id: check.into(),
            title: "".into(),
            severity: Severity::High,
            controls: Vec::new().into(),
            remediation: "".into(),
        };
        let resource = plumb_model::ResourcePart {
            uid: uid.into(),
            kind: "aws_s3_bucket".into(),
            account: "111122223333".into(),
            region: "eu-west-1".into(),
        };
        Finding::new(
            std::sync::Arc::new(check),
            std::sync::Arc::new(resource),
            Status::Fail,
            Default::default(),
            None,
            None,
        )
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    #[test]
    fn mutes_match_by_check_resource_account_region_and_tag() {
        let config = Config::parse(
            "plumb.toml",
            r#"
[[mute]]
check = "s3_bucket_*"
resource = "arn:aws:s3:::site-*"
reason = "public website"

[[mute]]
tag = "env=sandbox"
region = "eu-west-1"
reason = "sandbox"
"#,
        )
        .unwrap();
        let mut findings = vec![
            finding("s3_bucket_public_access_blocked", "arn:aws:s3:::site-www"),
            finding("s3_bucket_public_access_blocked", "arn:aws:s3:::data"),
            finding(
                "ec2_instance_imdsv2_required",
                "arn:aws:ec2:eu-west-1:1:instance/i-1",
            ),
        ];
        let mut tags = BTreeMap::new();
        tags.insert(
            "arn:aws:ec2:eu-west-1:1:instance/i-1".to_string(),
            BTreeMap::from([("env".to_string(), "sandbox".to_string())]),
        );
        let notices = apply_mutes(&config, &mut findings, &tags, today());
        assert!(notices.is_empty());
        assert_eq!(findings[0].status, Status::Muted);
        assert_eq!(findings[0].reason.as_deref(), Some("public website"));
        assert_eq!(findings[1].status, Status::Fail);
        assert_eq!(findings[2].status, Status::Muted);
        assert_eq!(findings[2].reason.as_deref(), Some("sandbox"));
    }

    #[test]
    fn an_expired_mute_no_longer_applies_and_says_so() {
        let config = Config::parse(
            "plumb.toml",
            "[[mute]]\ncheck = \"s3_*\"\nreason = \"until the migration\"\nexpires = \"2026-11-01\"\n",
        )
        .unwrap();
        let mut findings = vec![finding("s3_x", "arn:aws:s3:::a")];
        let notices = apply_mutes(&config, &mut findings, &BTreeMap::new(), today());
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("expired on 2026-11-01"));
        assert_eq!(notices.len(), 1);
        assert!(notices[0].contains("until the migration"));
    }

    #[test]
    fn errors_and_passes_are_never_muted() {
        let config =
            Config::parse("plumb.toml", "[[mute]]\ncheck = \"*\"\nreason = \"all\"\n").unwrap();
        let mut error = finding("s3_x", "a");
        error.status = Status::Error;
        let mut findings = vec![error];
        apply_mutes(&config, &mut findings, &BTreeMap::new(), today());
        assert_eq!(findings[0].status, Status::Error);
    }

    #[test]
    fn mistakes_name_the_line_and_column() {
        let no_reason = Config::parse("plumb.toml", "[[mute]]\ncheck = \"s3_*\"\n")
            .unwrap_err()
            .to_string();
        assert!(no_reason.contains("has no `reason`"), "{no_reason}");
        assert!(no_reason.contains("plumb.toml:2:9"), "{no_reason}");
        let date = Config::parse(
            "plumb.toml",
            "[[mute]]\ncheck = \"x\"\nreason = \"r\"\nexpires = \"next year\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            date.contains("plumb.toml:4:11") && date.contains("YYYY-MM-DD"),
            "{date}"
        );
        let typo = Config::parse("plumb.toml", "[[mute]]\nchek = \"x\"\nreason = \"r\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            typo.contains("unknown field `chek`") && typo.contains("plumb.toml:2:1"),
            "{typo}"
        );
        let syntax = Config::parse("plumb.toml", "[[mute]\n")
            .unwrap_err()
            .to_string();
        assert!(syntax.contains("plumb.toml:1:"), "{syntax}");
        let everything = Config::parse("plumb.toml", "[[mute]]\nreason = \"r\"\n")
            .unwrap_err()
            .to_string();
        assert!(everything.contains("matches everything"), "{everything}");
    }
}
