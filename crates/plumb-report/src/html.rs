//! A self-contained HTML report for auditors and for the people who fix
//! things: the scan's scope and time, its coverage gaps, the posture per
//! framework with a chart per section, every control with the resources
//! behind it, and every finding with its evidence, its fix or the reason it
//! is muted or undecided.
//!
//! One file that loads nothing: inline CSS, SVG charts drawn here, and a
//! few lines of inline script that filter the findings by status, severity,
//! service and text (the page reads fine without it). Findings are grouped
//! per check in collapsed `<details>`, so that a report of 50,000 findings
//! opens on its summary. Everything from the report is escaped, and the
//! output depends only on the report, so that a golden file can hold it.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use plumb_checks::CheckSpec;
use plumb_model::{Severity, Status};

use crate::{Report, ReportError};

mod chart;
mod findings;
mod overview;
mod posture;

/// The stylesheet, inlined into every report.
const STYLE: &str = include_str!("html/style.css");
/// The findings filter, inlined into every report.
const SCRIPT: &str = include_str!("html/filter.js");
/// Nothing may be loaded; only the inline style and script run.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
img-src data:; base-uri 'none'; form-action 'none'";

/// Resources listed under a control that does not pass, before "… and N
/// more" (the check's group in the findings lists them all).
pub const CONTROL_ROWS: usize = 10;

/// Writes the report as one HTML page.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
    let index = Index::new(report);
    let mut html = String::with_capacity(1 << 16);
    head(&mut html, report);
    overview::summary(&mut html, report);
    overview::notices(&mut html, &report.notices);
    overview::scan(&mut html, &report.scan);
    overview::coverage(&mut html, &report.scan.coverage);
    posture::posture(&mut html, report, &index);
    out.write_all(html.as_bytes())?;
    html.clear();
    findings::findings(&mut html, report, &index, out)?;
    findings::muted(&mut html, report);
    let _ = write!(
        html,
        "<footer>Written by Plumb {} from snapshot {}. This file is self-contained: it loads nothing from the network.</footer>\n</main>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        report.snapshot
    );
    out.write_all(html.as_bytes())?;
    Ok(())
}

/// The findings of one check, as the findings section shows them.
struct Group<'a> {
    check: &'a str,
    /// Indexes into `report.findings`.
    findings: Vec<usize>,
    /// The findings that did not pass, for the controls' resource lists.
    not_passing: Vec<usize>,
    /// Findings by status: pass, fail, error, muted.
    counts: [usize; 4],
    severity: Severity,
}

/// What the sections look up: findings per check, the checks' specs, the
/// service of each kind and which controls have an anchor.
struct Index<'a> {
    groups: Vec<Group<'a>>,
    by_check: HashMap<&'a str, usize>,
    specs: HashMap<&'a str, &'a CheckSpec>,
    services: HashMap<&'static str, &'static str>,
    controls: HashSet<String>,
}

impl<'a> Index<'a> {
    fn new(report: &'a Report) -> Self {
        let mut groups: Vec<Group<'a>> = Vec::new();
        let mut by_check: HashMap<&str, usize> = HashMap::new();
        for (i, f) in report.findings.iter().enumerate() {
            let at = *by_check.entry(f.check_id()).or_insert_with(|| {
                groups.push(Group {
                    check: f.check_id(),
                    findings: Vec::new(),
                    not_passing: Vec::new(),
                    counts: [0; 4],
                    severity: f.severity(),
                });
                groups.len() - 1
            });
            let group = &mut groups[at];
            group.findings.push(i);
            group.counts[slot(f.status)] += 1;
            group.severity = group.severity.max(f.severity());
            if f.status != Status::Pass {
                group.not_passing.push(i);
            }
        }
        // Failing checks first, the most severe first: what to read first.
        groups.sort_by(|a, b| {
            (a.counts[1] == 0, a.counts[2] == 0, b.severity, a.check).cmp(&(
                b.counts[1] == 0,
                b.counts[2] == 0,
                a.severity,
                b.check,
            ))
        });
        let by_check = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.check, i))
            .collect();
        Index {
            groups,
            by_check,
            specs: report.checks.iter().map(|c| (c.id.as_str(), c)).collect(),
            services: plumb_model::kinds::all()
                .into_iter()
                .map(|k| (k.name, k.service))
                .collect(),
            controls: report
                .posture
                .iter()
                .flat_map(|p| {
                    p.controls
                        .iter()
                        .map(|c| format!("{}:{}", p.framework, c.id))
                })
                .collect(),
        }
    }

    /// The collector service of a kind (`aws_s3_bucket` → `s3`).
    fn service<'k>(&self, kind: &'k str) -> &'k str {
        match self.services.get(kind) {
            Some(service) => service,
            None => {
                let rest = kind.strip_prefix("aws_").unwrap_or(kind);
                rest.split('_').next().unwrap_or(rest)
            }
        }
    }
}

/// A finding status's position in [`Group::counts`].
fn slot(status: Status) -> usize {
    match status {
        Status::Pass => 0,
        Status::Fail => 1,
        Status::Error => 2,
        Status::Muted => 3,
    }
}

/// The badge class and label of a finding status.
fn finding_badge(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Pass => ("pass", "Passed"),
        Status::Fail => ("fail", "Failed"),
        Status::Error => ("error", "Error"),
        Status::Muted => ("muted", "Muted"),
    }
}

fn head(html: &mut String, report: &Report) {
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"Plumb {}\">\n\
<title>Plumb report: snapshot {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        report.snapshot
    );
}

/// Text as paragraphs (split at blank lines; single line breaks are the
/// source file's wrapping), with its `code spans` set as code, escaped.
fn prose(html: &mut String, text: &str) {
    for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        html.push_str("<p class=\"prose\">");
        for (i, part) in paragraph.split('`').enumerate() {
            if i % 2 == 1 {
                let _ = write!(html, "<code>{}</code>", Esc(part));
            } else {
                let _ = write!(html, "{}", Esc(part));
            }
        }
        html.push_str("</p>");
    }
}

/// An id fit for a fragment link: anything but letters, digits, `-`, `_`
/// and `.` becomes `-`.
fn slug(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// How long the scan took, in words (`1 min 30 s`).
fn duration(started: DateTime<Utc>, finished: DateTime<Utc>) -> String {
    let s = (finished - started).num_seconds().max(0);
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// `1 account`, `2,000 accounts`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// `50,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Text escaped for an element's content: `&`, `<` and `>`, and the
/// control characters HTML forbids dropped.
struct Esc<'a>(&'a str);

/// Text escaped for an attribute value: as [`Esc`], and quotes too.
struct Attr<'a>(&'a str);

impl std::fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        escape(self.0, false, f)
    }
}

impl std::fmt::Display for Attr<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        escape(self.0, true, f)
    }
}

fn escape(text: &str, quotes: bool, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    let mut from = 0;
    // Every character replaced is ASCII, so byte positions are character
    // boundaries.
    for (i, b) in text.bytes().enumerate() {
        let with = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' if quotes => "&quot;",
            b'\'' if quotes => "&#39;",
            b'\t' | b'\n' | b'\r' => continue,
            0..=0x1f | 0x7f => "",
            _ => continue,
        };
        f.write_str(&text[from..i])?;
        f.write_str(with)?;
        from = i + 1;
    }
    f.write_str(&text[from..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_are_escaped_in_text() {
        assert_eq!(
            Esc("<script>a&b</script>\"x\" 'y'\u{1}é\n").to_string(),
            "&lt;script&gt;a&amp;b&lt;/script&gt;\"x\" 'y'é\n"
        );
    }

    #[test]
    fn quotes_are_escaped_in_attributes() {
        assert_eq!(
            Attr("a\" onclick=\"x' <&>").to_string(),
            "a&quot; onclick=&quot;x&#39; &lt;&amp;&gt;"
        );
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(50_000), "50,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn slugs_keep_ids_linkable() {
        assert_eq!(slug("cis-aws-5.0:2.1.4"), "cis-aws-5.0-2.1.4");
        assert_eq!(slug("a b\"<c>"), "a-b--c-");
    }

    #[test]
    fn prose_keeps_paragraphs_and_code_spans() {
        let mut html = String::new();
        prose(&mut html, "run `aws s3 ls <b>`\nthen <i>\n\nand keep it");
        assert_eq!(
            html,
            "<p class=\"prose\">run <code>aws s3 ls &lt;b&gt;</code>\nthen &lt;i&gt;</p><p class=\"prose\">and keep it</p>"
        );
    }

    #[test]
    fn durations_read_in_words() {
        let at = |s: i64| DateTime::<Utc>::from_timestamp(s, 0).unwrap_or_default();
        assert_eq!(duration(at(0), at(45)), "45 s");
        assert_eq!(duration(at(0), at(90)), "1 min 30 s");
        assert_eq!(duration(at(0), at(7380)), "2 h 3 min");
    }
}
