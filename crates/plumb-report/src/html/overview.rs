//! The top of the report: the banner and the cards, the notices, what was
//! scanned and when, and the units that could not be collected in full.

use std::fmt::Write as _;

use plumb_model::{Coverage, CoverageStatus, Severity, SnapshotSummary, Status};

use super::chart::{self, Slice};
use super::{duration, plural, slot, thousands, when, Esc};
use crate::Report;

/// The banner and the cards: what a reader takes in at a glance.
pub(super) fn summary(html: &mut String, report: &Report) {
    let scan = &report.scan;
    let _ = write!(
        html,
        "<header class=\"top\"><div class=\"wrap\"><p class=\"brand\">Plumb · cloud security posture report</p>\
<h1>Snapshot {}</h1><p class=\"meta\">Scanned {} ({}) · {} · {} · {} · {}</p></div></header>\n<main class=\"wrap\">\n",
        report.snapshot,
        when(scan.started_at),
        duration(scan.started_at, scan.finished_at),
        plural(scan.scope.accounts.len(), "account", "accounts"),
        plural(scan.scope.regions.len(), "region", "regions"),
        plural(scan.scope.services.len(), "service", "services"),
        plural(scan.resources as usize, "resource", "resources"),
    );
    html.push_str("<nav class=\"toc\"><a href=\"#scan\">Scan</a><a href=\"#coverage\">Coverage</a><a href=\"#posture\">Posture</a><a href=\"#findings\">Findings</a><a href=\"#muted\">Muted</a>");
    if !report.notices.is_empty() {
        html.push_str("<a href=\"#notices\">Notices</a>");
    }
    html.push_str("</nav>\n");
    let mut counts = [0; 4];
    let mut failed_by_severity = [0; 5];
    for f in &report.findings {
        counts[slot(f.status)] += 1;
        if f.status == Status::Fail {
            failed_by_severity[4 - f.severity() as usize] += 1;
        }
    }
    html.push_str("<section class=\"cards\">");
    let _ = write!(
        html,
        "<div class=\"card\"><span class=\"label\">Findings</span><span class=\"value\">{}</span>",
        thousands(report.findings.len())
    );
    chart::bar(html, &finding_slices(counts));
    html.push_str("</div>");
    let _ = write!(
        html,
        "<div class=\"card fail\"><span class=\"label\">Failed</span><span class=\"value\">{}</span><span class=\"chips\">",
        thousands(counts[1])
    );
    let descending = Severity::ALL.iter().rev();
    for (severity, n) in descending.zip(failed_by_severity) {
        if n > 0 {
            let _ = write!(
                html,
                "<span class=\"sev {s}\">{} {s}</span>",
                thousands(n),
                s = severity.as_str()
            );
        }
    }
    html.push_str("</span></div>");
    for (class, label, n) in [
        ("error", "Could not decide", counts[2]),
        ("muted", "Muted", counts[3]),
        ("pass", "Passed", counts[0]),
    ] {
        let _ = write!(
            html,
            "<div class=\"card {class}\"><span class=\"label\">{label}</span><span class=\"value\">{}</span></div>",
            thousands(n)
        );
    }
    let gaps = scan.coverage.iter().filter(|c| is_gap(c)).count();
    if gaps == 0 {
        html.push_str("<div class=\"card pass\"><span class=\"label\">Coverage</span><span class=\"value\">Complete</span></div>");
    } else {
        let _ = write!(
            html,
            "<div class=\"card error\"><span class=\"label\">Coverage</span><span class=\"value\">Partial</span><span class=\"chips\"><a href=\"#coverage\">{}</a></span></div>",
            plural(gaps, "gap", "gaps")
        );
    }
    html.push_str("</section>\n");
}

fn finding_slices(counts: [usize; 4]) -> [Slice; 4] {
    [
        Slice {
            label: "failed",
            class: "fail",
            value: counts[1],
        },
        Slice {
            label: "error",
            class: "error",
            value: counts[2],
        },
        Slice {
            label: "muted",
            class: "muted",
            value: counts[3],
        },
        Slice {
            label: "passed",
            class: "pass",
            value: counts[0],
        },
    ]
}

pub(super) fn notices(html: &mut String, notices: &[String]) {
    if notices.is_empty() {
        return;
    }
    html.push_str("<section id=\"notices\" class=\"notices\"><h2>Notices</h2><ul>");
    for n in notices {
        let _ = write!(html, "<li>{}</li>", Esc(n));
    }
    html.push_str("</ul></section>\n");
}

/// What was scanned and when.
pub(super) fn scan(html: &mut String, scan: &SnapshotSummary) {
    let list = |items: &[String]| {
        if items.is_empty() {
            "—".to_string()
        } else {
            items
                .iter()
                .map(|i| format!("<code>{}</code>", Esc(i)))
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    let gaps = scan.coverage.iter().filter(|c| is_gap(c)).count();
    let _ = write!(
        html,
        "<section id=\"scan\"><h2>Scan</h2><dl class=\"facts\">\
<dt>Snapshot</dt><dd>{}</dd><dt>Started</dt><dd>{}</dd><dt>Finished</dt><dd>{} ({})</dd>\
<dt>Accounts</dt><dd>{}</dd><dt>Regions</dt><dd>{}</dd><dt>Services</dt><dd>{}</dd>\
<dt>Inventory</dt><dd>{} · {}</dd><dt>Collection units</dt><dd>{}, {} complete, {} with gaps</dd></dl>",
        scan.id,
        when(scan.started_at),
        when(scan.finished_at),
        duration(scan.started_at, scan.finished_at),
        list(&scan.scope.accounts),
        list(&scan.scope.regions),
        list(&scan.scope.services),
        plural(scan.resources as usize, "resource", "resources"),
        plural(scan.edges as usize, "relationship", "relationships"),
        thousands(scan.coverage.len()),
        thousands(scan.coverage.len() - gaps),
        thousands(gaps),
    );
    if !scan.coverage.is_empty() {
        let _ = write!(
            html,
            "<details class=\"units\"><summary>Every collection unit ({})</summary><table><thead><tr><th>Account</th><th>Region</th><th>Service</th><th>Status</th><th class=\"num\">Resources</th><th class=\"num\">API calls</th></tr></thead><tbody>",
            thousands(scan.coverage.len())
        );
        for c in &scan.coverage {
            let (class, label) = if is_gap(c) {
                ("error", "Gap")
            } else {
                ("pass", "Complete")
            };
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><span class=\"badge {class}\">{label}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                Esc(&c.account),
                Esc(&c.region),
                Esc(&c.service),
                thousands(c.resources as usize),
                thousands(c.api_calls as usize)
            );
        }
        html.push_str("</tbody></table></details>");
    }
    html.push_str("</section>\n");
}

/// Whether a unit's resources may be incomplete.
fn is_gap(c: &Coverage) -> bool {
    c.status == CoverageStatus::Error || c.partial_resources > 0
}

/// The units that could not be collected in full, with what is missing.
pub(super) fn coverage(html: &mut String, coverage: &[Coverage]) {
    html.push_str("<section id=\"coverage\"><h2>Coverage gaps</h2>");
    let gaps: Vec<&Coverage> = coverage.iter().filter(|c| is_gap(c)).collect();
    if gaps.is_empty() {
        html.push_str("<p class=\"ok\">Every account, region and service in scope was collected in full.</p></section>\n");
        return;
    }
    html.push_str("<p class=\"lead\">These units were not collected in full: resources in them may be missing from every check below, so a pass does not cover them. Grant the missing permission and scan again.</p>\
<table class=\"gaps\"><thead><tr><th>Account</th><th>Region</th><th>Service</th><th>Error</th><th>Missing permission</th><th class=\"num\">Partial resources</th></tr></thead><tbody>");
    for c in gaps {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            Esc(&c.account),
            Esc(&c.region),
            Esc(&c.service),
            Esc(c.error.as_deref().unwrap_or("—")),
            c.missing_permission
                .as_deref()
                .map(|p| format!("<code>{}</code>", Esc(p)))
                .unwrap_or_else(|| "—".to_string()),
            thousands(c.partial_resources as usize)
        );
    }
    html.push_str("</tbody></table></section>\n");
}
