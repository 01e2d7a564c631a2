//! Every finding, one collapsed group per check with the check's risk, its
//! controls and its fix, and a row per resource with the data attributes
//! the filter reads; then the muted findings with their reasons.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use plumb_model::{Finding, Status};

use super::{finding_badge, plural, prose, slug, thousands, Attr, Esc, Group, Index};
use crate::{Report, ReportError};

/// Every finding, one collapsed group per check, behind the filter.
pub(super) fn findings(
    html: &mut String,
    report: &Report,
    index: &Index,
    out: &mut dyn std::io::Write,
) -> Result<(), ReportError> {
    let services: BTreeSet<&str> = report
        .findings
        .iter()
        .map(|f| index.service(f.kind()))
        .collect();
    let _ = write!(
        html,
        "<section id=\"findings\"><h2>Findings</h2><p class=\"lead\">One group per check, failing checks first. Open a group for its resources, the evidence that decided each, and the fix.</p>\
<div id=\"filters\" class=\"filters\" hidden>\
<label>Status <select id=\"f-st\"><option value=\"\">All</option><option value=\"fail\">Failed</option><option value=\"error\">Error</option><option value=\"muted\">Muted</option><option value=\"pass\">Passed</option></select></label>\
<label>Severity <select id=\"f-sev\"><option value=\"\">All</option><option value=\"critical\">Critical</option><option value=\"high\">High</option><option value=\"medium\">Medium</option><option value=\"low\">Low</option><option value=\"info\">Info</option></select></label>\
<label>Service <select id=\"f-svc\"><option value=\"\">All</option>"
    );
    for s in &services {
        let _ = write!(html, "<option value=\"{}\">{}</option>", Attr(s), Esc(s));
    }
    let _ = writeln!(
        html,
        "</select></label><label>Text <input id=\"f-q\" type=\"search\" placeholder=\"resource, account, region…\"></label>\
<span class=\"buttons\"><button type=\"button\" id=\"f-open\">Expand all</button><button type=\"button\" id=\"f-close\">Collapse all</button><button type=\"button\" id=\"f-reset\">Reset</button></span>\
<output id=\"f-count\">{} findings</output></div>",
        thousands(report.findings.len())
    );
    if index.groups.is_empty() {
        html.push_str("<p>No finding: no check applied to the resources in scope.</p>");
    }
    for group in &index.groups {
        check_group(html, report, index, group);
        // A group at a time: the page is never held whole in memory.
        out.write_all(html.as_bytes())?;
        html.clear();
    }
    html.push_str("</section>\n");
    Ok(())
}

fn check_group(html: &mut String, report: &Report, index: &Index, group: &Group) {
    let first = &report.findings[group.findings[0]];
    let sev = group.severity.as_str();
    let _ = write!(
        html,
        "<details class=\"check\" id=\"check-{}\"><summary><span class=\"sev {sev}\">{sev}</span><code>{}</code><span class=\"title\">{}</span><span class=\"nums\">",
        slug(group.check),
        Esc(group.check),
        Esc(first.title())
    );
    for (class, label, n) in [
        ("fail", "failed", group.counts[1]),
        ("error", "error", group.counts[2]),
        ("muted", "muted", group.counts[3]),
        ("pass", "passed", group.counts[0]),
    ] {
        if n > 0 {
            let _ = write!(
                html,
                "<span class=\"n {class}\">{} {label}</span>",
                thousands(n)
            );
        }
    }
    html.push_str("<span class=\"shown\"></span></span></summary><div class=\"check-body\">");
    if let Some(spec) = index.specs.get(group.check) {
        prose(html, &spec.risk);
        let links: Vec<&String> = spec
            .references
            .iter()
            .filter(|r| r.starts_with("https://") || r.starts_with("http://"))
            .collect();
        if !links.is_empty() {
            html.push_str("<p class=\"refs\">References:");
            for r in links {
                let _ = write!(
                    html,
                    " <a href=\"{}\" rel=\"noreferrer\">{}</a>",
                    Attr(r),
                    Esc(r)
                );
            }
            html.push_str("</p>");
        }
    }
    if !first.controls().is_empty() {
        html.push_str("<p class=\"maps\">Controls: ");
        for key in first.controls().iter() {
            if index.controls.contains(key) {
                let _ = write!(
                    html,
                    "<a href=\"#ctl-{}\"><code>{}</code></a> ",
                    slug(key),
                    Esc(key)
                );
            } else {
                let _ = write!(html, "<code>{}</code> ", Esc(key));
            }
        }
        html.push_str("</p>");
    }
    // One fix for every failure when they share it, else one per row.
    let mut fixes = group
        .findings
        .iter()
        .map(|&i| &report.findings[i])
        .filter(|f| f.status == Status::Fail)
        .map(|f| f.remediation());
    let shared = match fixes.next() {
        Some(fix) if fixes.all(|other| other == fix) => Some(fix),
        _ => None,
    };
    if let Some(fix) = shared {
        let _ = write!(
            html,
            "<div class=\"fix\"><strong>How to fix</strong> (every failure below)<pre>{}</pre></div>",
            Esc(fix)
        );
    }
    html.push_str("<table class=\"rows\"><thead><tr><th>Status</th><th>Resource</th><th>Account</th><th>Region</th><th>Evidence</th><th>Fix or reason</th></tr></thead><tbody>\n");
    for &i in &group.findings {
        row(html, index, i, &report.findings[i], shared.is_some());
    }
    html.push_str("</tbody></table></div></details>\n");
}

/// One finding's row, with the data attributes the filter reads.
fn row(html: &mut String, index: &Index, i: usize, f: &Finding, fix_shown: bool) {
    let (class, label) = finding_badge(f.status);
    html.push_str("<tr");
    if f.status != Status::Pass {
        // The anchor the controls' resource lists link to.
        let _ = write!(html, " id=\"f{i}\"");
    }
    let evidence = serde_json::to_string(&f.evidence).unwrap_or_default();
    let _ = write!(
        html,
        " data-st=\"{class}\" data-sev=\"{}\" data-svc=\"{}\"><td><span class=\"badge {class}\">{label}</span>{}</td><td>{}</td><td>{}</td><td>{}</td><td>",
        f.severity().as_str(),
        Attr(index.service(f.kind())),
        f.risk
            .map(|r| format!(" <span class=\"risk\" title=\"risk in context, 0–100\">risk {r:.0}</span>"))
            .unwrap_or_default(),
        Esc(f.resource_uid()),
        Esc(f.account()),
        Esc(f.region())
    );
    if evidence == "{}" {
        html.push('—');
    } else {
        let _ = write!(html, "{}", Esc(&evidence));
    }
    html.push_str("</td><td>");
    match f.status {
        Status::Fail if !fix_shown => {
            let _ = write!(
                html,
                "<details class=\"more\"><summary>How to fix</summary><pre>{}</pre></details>",
                Esc(f.remediation())
            );
        }
        Status::Error | Status::Muted => {
            let _ = write!(html, "{}", Esc(f.reason.as_deref().unwrap_or("")));
        }
        _ => {}
    }
    html.push_str("</td></tr>\n");
}

/// The exceptions: every muted finding with the reason it was accepted.
pub(super) fn muted(html: &mut String, report: &Report) {
    let muted: Vec<(usize, &Finding)> = report
        .findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.status == Status::Muted)
        .collect();
    html.push_str("<section id=\"muted\"><h2>Muted findings</h2>");
    if muted.is_empty() {
        html.push_str("<p class=\"lead\">No finding is muted.</p></section>\n");
        return;
    }
    let _ = write!(
        html,
        "<p class=\"lead\">{} failed but a mute with a reason applies: they are not counted as failures. Review that each reason still holds.</p>\
<table class=\"mutes\"><thead><tr><th>Check</th><th>Resource</th><th>Account</th><th>Region</th><th>Reason</th></tr></thead><tbody>",
        plural(muted.len(), "finding", "findings")
    );
    for (i, f) in muted {
        let _ = write!(
            html,
            "<tr><td><a href=\"#check-{}\"><code>{}</code></a></td><td><a href=\"#f{i}\"><code>{}</code></a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            slug(f.check_id()),
            Esc(f.check_id()),
            Esc(f.resource_uid()),
            Esc(f.account()),
            Esc(f.region()),
            Esc(f.reason.as_deref().unwrap_or("")),
        );
    }
    html.push_str("</tbody></table></section>\n");
}
