//! What a ticket says about a finding: a title, and a body in each
//! system's markup (GitHub Markdown, Jira wiki markup for REST API v2,
//! Atlassian Document Format for v3, Slack mrkdwn), all from the same
//! facts: check, severity, risk, resource, account, region, evidence and
//! the remediation rendered for the resource.

use plumb_model::Finding;
use serde_json::{json, Value};

use crate::flow::fingerprint;

/// The longest title GitHub and Jira both take.
const TITLE_MAX: usize = 250;

/// `[high] S3 bucket blocks public access: arn:aws:s3:::b`, cut to fit.
pub fn title(f: &Finding) -> String {
    let text = format!("[{}] {}: {}", f.severity(), f.title(), f.resource_uid());
    if text.chars().count() <= TITLE_MAX {
        return text;
    }
    let mut cut: String = text.chars().take(TITLE_MAX - 1).collect();
    cut.push('…');
    cut
}

fn risk(f: &Finding) -> String {
    match f.risk {
        Some(r) => format!("{r:.1} / 100"),
        None => "not scored".into(),
    }
}

fn evidence(f: &Finding) -> String {
    serde_json::to_string_pretty(&Value::Object(f.evidence.values())).unwrap_or_default()
}

fn controls(f: &Finding) -> String {
    if f.controls().is_empty() {
        "none".into()
    } else {
        f.controls().join(", ")
    }
}

/// A GitHub issue's body.
pub fn markdown(f: &Finding, snapshot: i64) -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    format!(
        "Plumb found that **{title}** fails on `{uid}`.\n\n\
         | | |\n|---|---|\n\
         | Check | `{check}` |\n\
         | Severity | {severity} |\n\
         | Risk | {risk} |\n\
         | Resource | `{uid_cell}` ({kind}) |\n\
         | Account | {account} |\n\
         | Region | {region} |\n\
         | Controls | {controls} |\n\
         | Snapshot | {snapshot} |\n\n\
         ### Evidence\n\n```json\n{evidence}\n```\n\n\
         ### Remediation\n\n{remediation}\n\n\
         <sub>Opened by `plumb export` (fingerprint `{fingerprint}`); plumb comments and closes this issue when the finding no longer fails.</sub>\n",
        title = f.title(),
        uid = f.resource_uid(),
        check = f.check_id(),
        severity = f.severity(),
        risk = risk(f),
        uid_cell = cell(f.resource_uid()),
        kind = f.kind(),
        account = f.account(),
        region = f.region(),
        controls = cell(&controls(f)),
        evidence = evidence(f),
        remediation = f.remediation(),
        fingerprint = fingerprint(f.check_id(), f.resource_uid()),
    )
}

/// A Jira issue's description, in Jira's wiki markup (REST API v2).
pub fn jira_wiki(f: &Finding, snapshot: i64) -> String {
    format!(
        "Plumb found that *{title}* fails on {{{{{uid}}}}}.\n\n\
         ||Check|{{{{{check}}}}}|\n\
         ||Severity|{severity}|\n\
         ||Risk|{risk}|\n\
         ||Resource|{{{{{uid}}}}} ({kind})|\n\
         ||Account|{account}|\n\
         ||Region|{region}|\n\
         ||Controls|{controls}|\n\
         ||Snapshot|{snapshot}|\n\n\
         h3. Evidence\n{{code:json}}\n{evidence}\n{{code}}\n\n\
         h3. Remediation\n{{noformat}}\n{remediation}\n{{noformat}}\n\n\
         _Opened by plumb export (fingerprint {fingerprint}); plumb comments and closes this issue when the finding no longer fails._\n",
        title = f.title(),
        uid = f.resource_uid(),
        check = f.check_id(),
        severity = f.severity(),
        risk = risk(f),
        kind = f.kind(),
        account = f.account(),
        region = f.region(),
        controls = controls(f),
        evidence = evidence(f),
        remediation = f.remediation(),
        fingerprint = fingerprint(f.check_id(), f.resource_uid()),
    )
}

/// An ADF text node, with marks (`strong`, `em`, `code`).
fn adf_text(text: &str, marks: &[&str]) -> Value {
    let mut node = json!({"type": "text", "text": text});
    if !marks.is_empty() {
        node["marks"] = marks.iter().map(|m| json!({ "type": m })).collect();
    }
    node
}

/// An ADF paragraph of these text nodes; ADF has no empty text node, so
/// empty texts are left out.
fn adf_paragraph(parts: &[(&str, &[&str])]) -> Value {
    let content: Vec<Value> = parts
        .iter()
        .filter(|(text, _)| !text.is_empty())
        .map(|(text, marks)| adf_text(text, marks))
        .collect();
    json!({"type": "paragraph", "content": content})
}

fn adf_heading(text: &str) -> Value {
    json!({"type": "heading", "attrs": {"level": 3}, "content": [adf_text(text, &[])]})
}

fn adf_code_block(text: &str, language: Option<&str>) -> Value {
    let content: Vec<Value> = if text.is_empty() {
        Vec::new()
    } else {
        vec![adf_text(text, &[])]
    };
    let mut node = json!({"type": "codeBlock", "content": content});
    if let Some(language) = language {
        node["attrs"] = json!({ "language": language });
    }
    node
}

/// A one-paragraph ADF document: a comment, for Jira's REST API v3.
pub fn adf_document(text: &str) -> Value {
    json!({"type": "doc", "version": 1, "content": [adf_paragraph(&[(text, &[])])]})
}

/// A Jira issue's description in the Atlassian Document Format (REST API
/// v3): the facts of [`jira_wiki`] as a table, code blocks and a note.
pub fn jira_adf(f: &Finding, snapshot: i64) -> Value {
    let facts: [(&str, String, &[&str]); 8] = [
        ("Check", f.check_id().to_string(), &["code"]),
        ("Severity", f.severity().to_string(), &[]),
        ("Risk", risk(f), &[]),
        (
            "Resource",
            format!("{} ({})", f.resource_uid(), f.kind()),
            &[],
        ),
        ("Account", f.account().to_string(), &[]),
        ("Region", f.region().to_string(), &[]),
        ("Controls", controls(f), &[]),
        ("Snapshot", snapshot.to_string(), &[]),
    ];
    let rows: Vec<Value> = facts
        .iter()
        .map(|(name, value, marks)| {
            json!({"type": "tableRow", "content": [
                {"type": "tableHeader", "content": [adf_paragraph(&[(name, &[])])]},
                {"type": "tableCell", "content": [adf_paragraph(&[(value, marks)])]},
            ]})
        })
        .collect();
    let note = format!(
        "Opened by plumb export (fingerprint {}); plumb comments and closes this issue when the finding no longer fails.",
        fingerprint(f.check_id(), f.resource_uid())
    );
    json!({"type": "doc", "version": 1, "content": [
        adf_paragraph(&[
            ("Plumb found that ", &[]),
            (f.title(), &["strong"]),
            (" fails on ", &[]),
            (f.resource_uid(), &["code"]),
            (".", &[]),
        ]),
        {"type": "table", "content": rows},
        adf_heading("Evidence"),
        adf_code_block(&evidence(f), Some("json")),
        adf_heading("Remediation"),
        adf_code_block(f.remediation(), None),
        adf_paragraph(&[(&note, &["em"])]),
    ]})
}

/// One Slack line (mrkdwn) for a finding.
pub fn slack_line(f: &Finding) -> String {
    let risk = f.risk.map(|r| format!(", risk {r:.0}")).unwrap_or_default();
    format!(
        "*{}*{risk} · {} · `{}`\n`{}` ({} {})",
        f.severity(),
        f.title(),
        f.check_id(),
        f.resource_uid(),
        f.account(),
        f.region()
    )
}

/// The finding as a webhook event carries it.
pub fn finding_json(f: &Finding) -> Value {
    let mut value = serde_json::to_value(f).unwrap_or_else(|_| json!({}));
    if let Some(map) = value.as_object_mut() {
        map.insert(
            "fingerprint".into(),
            json!(fingerprint(f.check_id(), f.resource_uid())),
        );
    }
    value
}

/// Cuts `text` to `max` characters.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}
