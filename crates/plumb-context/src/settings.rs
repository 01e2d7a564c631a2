//! The context's settings from `plumb.toml`: the accounts you know, what
//! makes a data store sensitive, and the weights of the risk score.
//!
//! ```toml
//! known_accounts = ["111122223333"]
//! [sensitive]
//! tags = { "data-classification" = ["confidential", "restricted"] }
//! names = ["*customer*", "*pii*"]
//! [risk]
//! exposed = 2.0
//! ```

use std::collections::{BTreeMap, BTreeSet};

use globset::{Glob, GlobMatcher};
use plumb_checks::{Diagnostic, LoadErrors};
use plumb_model::{Resource, Severity};
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize, Default)]
struct Raw {
    #[serde(default)]
    known_accounts: Vec<Spanned<String>>,
    #[serde(default)]
    sensitive: RawSensitive,
    #[serde(default)]
    risk: Option<Spanned<RawWeights>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSensitive {
    #[serde(default)]
    tags: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    names: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWeights {
    critical: Option<f64>,
    high: Option<f64>,
    medium: Option<f64>,
    low: Option<f64>,
    info: Option<f64>,
    exposed: Option<f64>,
    sensitive: Option<f64>,
    admin: Option<f64>,
}

/// The weights of the risk score (see [`crate::risk`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// Per severity, critical to info.
    pub severity: [f64; 5],
    /// The factor for a resource the internet reaches.
    pub exposed: f64,
    /// The factor for a resource that is or reaches sensitive data.
    pub sensitive: f64,
    /// The factor for a resource that is or reaches admin power (or can
    /// escalate to it, or reaches another account).
    pub admin: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            severity: [10.0, 7.5, 5.0, 2.5, 0.5],
            exposed: 2.0,
            sensitive: 1.5,
            admin: 2.0,
        }
    }
}

impl Weights {
    /// The weight of a severity.
    pub fn of(&self, severity: Severity) -> f64 {
        match severity {
            Severity::Critical => self.severity[0],
            Severity::High => self.severity[1],
            Severity::Medium => self.severity[2],
            Severity::Low => self.severity[3],
            Severity::Info => self.severity[4],
        }
    }
}

/// The context's settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Accounts you know: a trust of any other account is "unknown".
    pub known_accounts: BTreeSet<String>,
    /// Tag key → values (compared without case) that mark a store sensitive.
    pub sensitive_tags: BTreeMap<String, Vec<String>>,
    /// Name globs (without case) that mark a store sensitive.
    pub sensitive_names: Vec<(String, GlobMatcher)>,
    /// The risk score's weights.
    pub weights: Weights,
}

impl Settings {
    /// Reads the context's sections of `source`, the text of `file`; the
    /// other sections (mutes) are another reader's.
    pub fn parse(file: &str, source: &str) -> Result<Settings, LoadErrors> {
        let raw: Raw = toml::from_str(source).map_err(|e| {
            LoadErrors(vec![plumb_checks::diagnostic::toml_error(file, source, &e)])
        })?;
        let mut problems = Vec::new();
        let mut known_accounts = BTreeSet::new();
        for a in raw.known_accounts {
            let id = a.get_ref().trim();
            if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
                known_accounts.insert(id.to_string());
            } else {
                problems.push(Diagnostic::at_span(
                    file,
                    source,
                    a.span(),
                    format!("`{id}` is not an AWS account id (12 digits)"),
                ));
            }
        }
        let mut sensitive_names = Vec::new();
        for n in raw.sensitive.names {
            let pattern = n.get_ref().to_lowercase();
            match Glob::new(&pattern) {
                Ok(g) => sensitive_names.push((n.get_ref().clone(), g.compile_matcher())),
                Err(e) => problems.push(Diagnostic::at_span(
                    file,
                    source,
                    n.span(),
                    format!("invalid name pattern: {e}"),
                )),
            }
        }
        let mut weights = Weights::default();
        if let Some(w) = raw.risk {
            let span = w.span();
            let w = w.into_inner();
            let [critical, high, medium, low, info] = &mut weights.severity;
            let fields = [
                (w.critical, critical, "critical"),
                (w.high, high, "high"),
                (w.medium, medium, "medium"),
                (w.low, low, "low"),
                (w.info, info, "info"),
                (w.exposed, &mut weights.exposed, "exposed"),
                (w.sensitive, &mut weights.sensitive, "sensitive"),
                (w.admin, &mut weights.admin, "admin"),
            ];
            for (value, slot, name) in fields {
                match value {
                    Some(v) if v.is_finite() && v >= 0.0 => *slot = v,
                    Some(v) => problems.push(Diagnostic::at_span(
                        file,
                        source,
                        span.clone(),
                        format!("[risk] {name} = {v}: a weight is a number of at least 0"),
                    )),
                    None => {}
                }
            }
        }
        if !problems.is_empty() {
            return Err(LoadErrors(problems));
        }
        Ok(Settings {
            known_accounts,
            sensitive_tags: raw
                .sensitive
                .tags
                .into_iter()
                .map(|(k, v)| (k, v.into_iter().map(|s| s.to_lowercase()).collect()))
                .collect(),
            sensitive_names,
            weights,
        })
    }

    /// Why `resource` is sensitive by these rules (a tag or a name
    /// pattern), if it is.
    pub fn sensitive_because(&self, resource: &Resource) -> Option<String> {
        for (key, values) in &self.sensitive_tags {
            if let Some(v) = resource.tags.get(key) {
                if values.iter().any(|want| *want == v.to_lowercase()) {
                    return Some(format!("tag {key}={v}"));
                }
            }
        }
        let name = resource.name.to_lowercase();
        self.sensitive_names
            .iter()
            .find(|(_, m)| m.is_match(&name))
            .map(|(pattern, _)| format!("name matches {pattern}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_sections_and_leaves_the_mutes_alone() {
        let s = Settings::parse(
            "plumb.toml",
            r#"
known_accounts = ["111122223333"]
[sensitive]
tags = { "data-classification" = ["Confidential", "restricted"] }
names = ["*customer*"]
[risk]
exposed = 3.0
[[mute]]
check = "x"
reason = "y"
"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(s.known_accounts.contains("111122223333"));
        assert_eq!(s.weights.exposed, 3.0);
        assert_eq!(s.weights.admin, Weights::default().admin);
        let mut bucket = Resource::new(
            "arn:aws:s3:::acme-customer-exports",
            "aws_s3_bucket",
            "111122223333",
            "eu-west-1",
            "acme-customer-exports",
        );
        assert_eq!(
            s.sensitive_because(&bucket).as_deref(),
            Some("name matches *customer*")
        );
        bucket.name = "logs".into();
        assert_eq!(s.sensitive_because(&bucket), None);
        bucket
            .tags
            .insert("data-classification".into(), "CONFIDENTIAL".into());
        assert_eq!(
            s.sensitive_because(&bucket).as_deref(),
            Some("tag data-classification=CONFIDENTIAL")
        );
    }

    #[test]
    fn bad_values_name_their_line() {
        let e = Settings::parse(
            "plumb.toml",
            "known_accounts = [\"1234\"]\n[risk]\nexposed = -1.0\n",
        )
        .expect_err("bad settings");
        let text = e.to_string();
        assert!(text.contains("plumb.toml:1:"), "{text}");
        assert!(text.contains("not an AWS account id"), "{text}");
        assert!(text.contains("at least 0"), "{text}");
        let e = Settings::parse("plumb.toml", "[sensitive]\ntag = {}\n").expect_err("typo");
        assert!(e.to_string().contains("plumb.toml:2:"), "{e}");
    }
}
