//! Findings: what a check says of one resource in one snapshot.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// How bad a failing check is if it is true, before any context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; no direct risk.
    Info,
    /// Hardening.
    Low,
    /// A weakness an attacker needs more to exploit.
    Medium,
    /// A direct path to data or control.
    High,
    /// Exploitable now, with broad impact.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses `high`, and `high+` as "high or above" (the bool is true).
    pub fn parse(text: &str) -> Option<(Severity, bool)> {
        let (name, and_above) = match text.strip_suffix('+') {
            Some(name) => (name, true),
            None => (text, false),
        };
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(name.trim()))
            .map(|s| (s, and_above))
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of one check on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The resource meets the check.
    Pass,
    /// The resource does not.
    Fail,
    /// The check could not decide: data missing or unreadable. Never a pass.
    Error,
    /// The check failed but a mute with a reason applies.
    Muted,
}

impl Status {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Muted => "muted",
        }
    }
}

/// Shared text: the strings a finding repeats from its check (id, title,
/// controls, remediation) and from its resource (uid, kind, account,
/// region) are shared, not copied, by every finding that carries them.
pub type Text = Arc<str>;

/// The property values that decided a finding, by path, in the check's
/// order: kept as the text of one compact JSON object — not a copy of the
/// resource's JSON tree — and written out as that object. The text is
/// shared, not copied: the findings of a resource whose checks record one
/// and the same path (most record one) hold one text between them.
#[derive(Debug, Clone)]
pub struct Evidence(Arc<[u8]>);

/// The same paths with the same values, whatever their order.
impl PartialEq for Evidence {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0 || self.values() == other.values()
    }
}

impl Default for Evidence {
    fn default() -> Self {
        Evidence(Arc::from(&b"{}"[..]))
    }
}

/// Appends `"path":value` to the text of an object, before its `}`.
fn append(text: &mut Vec<u8>, path: &str, value: &Value) {
    text.pop();
    if text.len() > 1 {
        text.push(b',');
    }
    // Writing strings and `Value`s into a vector cannot fail.
    let _ = serde_json::to_writer(&mut *text, path);
    text.push(b':');
    let _ = serde_json::to_writer(&mut *text, value);
    text.push(b'}');
}

impl Evidence {
    /// Records `value` for `path`.
    pub fn push(&mut self, path: &str, value: &Value) {
        let mut text = self.0.to_vec();
        append(&mut text, path, value);
        self.0 = text.into();
    }

    /// A record of `entries`, in order: the entry's own text, shared, when
    /// there is one.
    pub fn of_entries<'e, I>(entries: I) -> Self
    where
        I: IntoIterator<Item = &'e EvidenceEntry>,
        I::IntoIter: Clone,
    {
        let entries = entries.into_iter();
        let mut rest = entries.clone();
        if let (Some(only), None) = (rest.next(), rest.next()) {
            return only.0.clone();
        }
        // Each entry is `{"path":value}`: its inside, joined.
        let inside = |e: &'e EvidenceEntry| e.0 .0.get(1..e.0 .0.len() - 1).unwrap_or_default();
        let len = 2 + entries.clone().map(|e| inside(e).len() + 1).sum::<usize>();
        let mut text = Vec::with_capacity(len);
        text.push(b'{');
        for (i, e) in entries.enumerate() {
            if i > 0 {
                text.push(b',');
            }
            text.extend_from_slice(inside(e));
        }
        text.push(b'}');
        Evidence(text.into())
    }

    /// The recorded values, by path.
    pub fn values(&self) -> Map<String, Value> {
        serde_json::from_slice(&self.0).unwrap_or_default()
    }

    /// The value recorded for `path`.
    pub fn get(&self, path: &str) -> Option<Value> {
        self.values().remove(path)
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        *self.0 == *b"{}"
    }
}

/// One `path: value` of an evidence record, written as JSON text once so
/// that every finding of a resource that records the same path shares it
/// (as its whole record) or copies it rather than serialising the value
/// again. Its text is that of the record of this one entry.
#[derive(Debug, Clone)]
pub struct EvidenceEntry(Evidence);

impl EvidenceEntry {
    /// The entry recording `value` for `path`.
    pub fn new(path: &str, value: &Value) -> Self {
        // Room for most values at once: growing the text from empty
        // reallocated it several times per entry.
        let mut text = Vec::with_capacity(path.len() + 120);
        text.extend_from_slice(b"{}");
        append(&mut text, path, value);
        EvidenceEntry(Evidence(text.into()))
    }

    /// The entry recording, for `path`, the JSON text `write` appends
    /// (which must be one JSON value, of about `size` bytes).
    pub fn written(path: &str, size: usize, write: impl FnOnce(&mut Vec<u8>)) -> Self {
        thread_local! {
            /// Where entries are written before they are shared: one
            /// allocation per entry (the shared text), not two.
            static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut text) => {
                text.clear();
                let entry = EvidenceEntry::write_into(&mut text, path, size, write);
                // Not kept at the size of an unusually large value.
                if text.capacity() > 1 << 20 {
                    *text = Vec::new();
                }
                entry
            }
            // Only if `write` itself wrote an entry: a buffer of its own.
            Err(_) => EvidenceEntry::write_into(&mut Vec::new(), path, size, write),
        })
    }

    fn write_into(
        text: &mut Vec<u8>,
        path: &str,
        size: usize,
        write: impl FnOnce(&mut Vec<u8>),
    ) -> Self {
        text.reserve(path.len() + 5 + size);
        text.push(b'{');
        if path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            // Nothing to escape: as `serde_json` writes it.
            text.push(b'"');
            text.extend_from_slice(path.as_bytes());
            text.extend_from_slice(b"\":");
        } else {
            let _ = serde_json::to_writer(&mut *text, path);
            text.push(b':');
        }
        write(text);
        text.push(b'}');
        EvidenceEntry(Evidence(Arc::from(text.as_slice())))
    }
}

impl Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        let text = std::str::from_utf8(&self.0).map_err(S::Error::custom)?;
        let raw: &RawValue = serde_json::from_str(text).map_err(S::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Evidence {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(deserializer)?;
        let mut text = b"{}".to_vec();
        for (k, v) in &map {
            append(&mut text, k, v);
        }
        Ok(Evidence(text.into()))
    }
}

/// What a finding repeats from its check: shared, one reference per
/// finding, by the findings that carry it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckPart {
    /// The check's id.
    pub id: Text,
    /// The check's title.
    pub title: Text,
    /// How bad a failure is.
    pub severity: Severity,
    /// The framework controls the check maps to, as `framework:control`.
    pub controls: Arc<[String]>,
    /// The remediation text of findings that have none of their own
    /// (passes, and errors of the check as a whole).
    pub remediation: Text,
}

/// What a finding repeats from its resource: shared by the resource's
/// findings.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourcePart {
    /// The resource's uid.
    pub uid: Text,
    /// The resource's kind.
    pub kind: Text,
    /// The resource's account.
    pub account: Text,
    /// The resource's region.
    pub region: Text,
}

/// What a check found on one resource of one snapshot. What it repeats
/// from its check and from its resource it holds by one shared reference
/// each: a large evaluation makes millions of findings, and counting
/// references to nine shared texts for each was a twentieth of its time.
/// It is written and read as the flat object of [`FindingFields`].
#[derive(Debug, Clone)]
pub struct Finding {
    check: Arc<CheckPart>,
    resource: Arc<ResourcePart>,
    /// Pass, fail, error or muted.
    pub status: Status,
    /// The property values that decided the outcome, by path.
    pub evidence: Evidence,
    /// The remediation rendered for this resource; `None` for the check's.
    remediation: Option<Text>,
    /// Why the status is `error` or `muted`.
    pub reason: Option<String>,
    /// For a failure, its risk (0–100) from its severity and its resource's
    /// context: exposure, sensitive data, IAM power (see plumb-context).
    pub risk: Option<f64>,
}

impl Finding {
    /// The finding of `check` on `resource`, with the remediation rendered
    /// for it (`None`: the check's own text).
    pub fn new(
        check: Arc<CheckPart>,
        resource: Arc<ResourcePart>,
        status: Status,
        evidence: Evidence,
        remediation: Option<Text>,
        reason: Option<String>,
    ) -> Self {
        Finding {
            check,
            resource,
            status,
            evidence,
            remediation,
            reason,
            risk: None,
        }
    }

    /// The check's id.
    pub fn check_id(&self) -> &str {
        &self.check.id
    }

    /// The check's title.
    pub fn title(&self) -> &str {
        &self.check.title
    }

    /// How bad a failure is.
    pub fn severity(&self) -> Severity {
        self.check.severity
    }

    /// The framework controls the check maps to, as `framework:control`.
    pub fn controls(&self) -> &[String] {
        &self.check.controls
    }

    /// What the finding repeats from its check.
    pub fn check(&self) -> &Arc<CheckPart> {
        &self.check
    }

    /// The resource's uid.
    pub fn resource_uid(&self) -> &str {
        &self.resource.uid
    }

    /// The resource's kind.
    pub fn kind(&self) -> &str {
        &self.resource.kind
    }

    /// The resource's account.
    pub fn account(&self) -> &str {
        &self.resource.account
    }

    /// The resource's region.
    pub fn region(&self) -> &str {
        &self.resource.region
    }

    /// What the finding repeats from its resource.
    pub fn resource(&self) -> &Arc<ResourcePart> {
        &self.resource
    }

    /// How to fix it, rendered for this resource.
    pub fn remediation(&self) -> &str {
        self.remediation.as_ref().unwrap_or(&self.check.remediation)
    }

    /// The fields of the finding as written.
    fn fields(&self) -> FindingFields<'_> {
        FindingFields {
            check_id: Cow::Borrowed(self.check_id()),
            title: Cow::Borrowed(self.title()),
            severity: self.severity(),
            status: self.status,
            resource_uid: Cow::Borrowed(self.resource_uid()),
            kind: Cow::Borrowed(self.kind()),
            account: Cow::Borrowed(self.account()),
            region: Cow::Borrowed(self.region()),
            evidence: Cow::Borrowed(&self.evidence),
            controls: Cow::Borrowed(self.controls()),
            remediation: Cow::Borrowed(self.remediation()),
            reason: self.reason.as_deref().map(Cow::Borrowed),
            risk: self.risk,
        }
    }
}

/// The same fields, however they are shared.
impl PartialEq for Finding {
    fn eq(&self, other: &Self) -> bool {
        self.fields() == other.fields()
    }
}

/// A finding as it is written and read: one flat object.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct FindingFields<'f> {
    #[serde(borrow)]
    check_id: Cow<'f, str>,
    #[serde(borrow)]
    title: Cow<'f, str>,
    severity: Severity,
    status: Status,
    #[serde(borrow)]
    resource_uid: Cow<'f, str>,
    #[serde(borrow)]
    kind: Cow<'f, str>,
    #[serde(borrow)]
    account: Cow<'f, str>,
    #[serde(borrow)]
    region: Cow<'f, str>,
    evidence: Cow<'f, Evidence>,
    controls: Cow<'f, [String]>,
    #[serde(borrow)]
    remediation: Cow<'f, str>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    reason: Option<Cow<'f, str>>,
    #[serde(
        default,
        rename = "risk_score",
        skip_serializing_if = "Option::is_none"
    )]
    risk: Option<f64>,
}

impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.fields().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Finding {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let f = FindingFields::deserialize(deserializer)?;
        let check = CheckPart {
            id: Text::from(f.check_id.as_ref()),
            title: Text::from(f.title.as_ref()),
            severity: f.severity,
            controls: Arc::from(f.controls.into_owned()),
            remediation: Text::from(f.remediation.as_ref()),
        };
        let resource = ResourcePart {
            uid: Text::from(f.resource_uid.as_ref()),
            kind: Text::from(f.kind.as_ref()),
            account: Text::from(f.account.as_ref()),
            region: Text::from(f.region.as_ref()),
        };
        let mut finding = Finding::new(
            Arc::new(check),
            Arc::new(resource),
            f.status,
            f.evidence.into_owned(),
            None,
            f.reason.map(Cow::into_owned),
        );
        finding.risk = f.risk;
        Ok(finding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_finding_is_written_flat_and_read_back_equal() {
        let check = CheckPart {
            id: "c".into(),
            title: "T".into(),
            severity: Severity::High,
            controls: vec!["cis-aws-5.0:1.1".to_string()].into(),
            remediation: "fix it".into(),
        };
        let resource = ResourcePart {
            uid: "u".into(),
            kind: "k".into(),
            account: "1".into(),
            region: "r".into(),
        };
        let mut own = Finding::new(
            Arc::new(check.clone()),
            Arc::new(resource.clone()),
            Status::Fail,
            Evidence::default(),
            Some("fix u".into()),
            Some("why \"this\"".into()),
        );
        own.risk = Some(50.0);
        let text = serde_json::to_value(&own).unwrap_or_default();
        assert_eq!(
            text,
            json!({"check_id": "c", "title": "T", "severity": "high", "status": "fail",
                   "resource_uid": "u", "kind": "k", "account": "1", "region": "r",
                   "evidence": {}, "controls": ["cis-aws-5.0:1.1"], "remediation": "fix u",
                   "reason": "why \"this\"", "risk_score": 50.0})
        );
        let back: Finding = serde_json::from_value(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, own);
        assert_eq!(back.remediation(), "fix u");
        // Without its own remediation a finding has its check's.
        let pass = Finding::new(
            Arc::new(check),
            Arc::new(resource),
            Status::Pass,
            Evidence::default(),
            None,
            None,
        );
        assert_eq!(pass.remediation(), "fix it");
        assert_ne!(pass, own);
        // Millions are made, and some callers hold them all: what they
        // repeat is shared, not carried.
        assert!(
            std::mem::size_of::<Finding>() <= 96,
            "{}",
            std::mem::size_of::<Finding>()
        );
    }

    #[test]
    fn evidence_is_written_as_the_object_of_its_values() {
        let mut e = Evidence::default();
        assert!(e.is_empty());
        e.push(
            "props.versioning",
            &json!({"status": "Enabled", "mfa_delete": null}),
        );
        e.push("tags.owner", &json!("team \"a\""));
        assert!(!e.is_empty());
        assert_eq!(e.get("tags.owner"), Some(json!("team \"a\"")));
        let text = serde_json::to_value(&e).unwrap_or_default();
        assert_eq!(
            text,
            json!({"props.versioning": {"status": "Enabled", "mfa_delete": null}, "tags.owner": "team \"a\""})
        );
        let back: Evidence = serde_json::from_value(text).unwrap_or_default();
        assert_eq!(back, e);
        assert_eq!(
            serde_json::to_string(&Evidence::default()).unwrap_or_default(),
            "{}"
        );
    }

    #[test]
    fn evidence_of_entries_is_the_record_of_their_pushes() {
        let versioning = json!({"status": "Enabled"});
        let a = EvidenceEntry::new("props.versioning", &versioning);
        let b = EvidenceEntry::new("tags.owner", &json!("team \"a\""));
        let mut pushed = Evidence::default();
        pushed.push("props.versioning", &versioning);
        pushed.push("tags.owner", &json!("team \"a\""));
        let built = Evidence::of_entries([&a, &b]);
        assert_eq!(built.0, pushed.0);
        assert_eq!(Evidence::of_entries([]).0, Evidence::default().0);
        // One entry is its own record, shared rather than copied.
        let one = Evidence::of_entries([&a]);
        assert!(Arc::ptr_eq(&one.0, &a.0 .0));
        assert_eq!(
            Value::Object(one.values()),
            json!({"props.versioning": versioning})
        );
    }

    #[test]
    fn an_entry_written_from_text_is_the_entry_of_its_value() {
        for (path, value) in [
            ("props.public_access_block", json!({"a": [1, "x"]})),
            ("tags.my-tag_1", json!("v")),
            ("tags.odd \"key\"\n", json!(null)),
            ("tags.é", json!(2)),
        ] {
            let text = value.to_string();
            let written =
                EvidenceEntry::written(path, 1, |out| out.extend_from_slice(text.as_bytes()));
            assert_eq!(written.0, EvidenceEntry::new(path, &value).0, "{path}");
        }
    }
}
