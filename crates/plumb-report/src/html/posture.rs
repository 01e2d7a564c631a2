//! The posture per framework: a donut for the framework, a bar per
//! section, and a row per control with its status, its counts, its checks
//! and the resources behind it (or, for a manual control, how to assess it).

use std::fmt::Write as _;

use plumb_checks::{ControlPosture, ControlStatus, Posture};

use super::chart::{self, Slice};
use super::{finding_badge, prose, slug, thousands, Esc, Index, CONTROL_ROWS};
use crate::Report;

/// The badge class and label of a control status.
fn control_badge(status: ControlStatus) -> (&'static str, &'static str) {
    match status {
        ControlStatus::Pass => ("pass", "Passed"),
        ControlStatus::Fail => ("fail", "Failed"),
        ControlStatus::Error => ("error", "Error"),
        ControlStatus::Manual => ("manual", "Manual"),
        ControlStatus::NotImplemented => ("none", "Not checked"),
    }
}

fn control_slices(controls: &[&ControlPosture]) -> [Slice; 5] {
    let count = |s: ControlStatus| controls.iter().filter(|c| c.status == s).count();
    [
        Slice {
            label: "passed",
            class: "pass",
            value: count(ControlStatus::Pass),
        },
        Slice {
            label: "failed",
            class: "fail",
            value: count(ControlStatus::Fail),
        },
        Slice {
            label: "error",
            class: "error",
            value: count(ControlStatus::Error),
        },
        Slice {
            label: "manual",
            class: "manual",
            value: count(ControlStatus::Manual),
        },
        Slice {
            label: "not checked",
            class: "none",
            value: count(ControlStatus::NotImplemented),
        },
    ]
}

/// The posture per framework: a donut, then a collapsed section per
/// framework section with its bar and its controls.
pub(super) fn posture(html: &mut String, report: &Report, index: &Index) {
    html.push_str("<section id=\"posture\"><h2>Posture</h2>");
    if report.posture.is_empty() {
        html.push_str("<p class=\"lead\">No framework was assessed in this run.</p></section>\n");
        return;
    }
    html.push_str("<p class=\"lead\">The score is the share of decided automated controls that pass. Manual controls need a person and are never scored; open one for how to assess it.</p>");
    legend(
        html,
        &[
            ("pass", "Passed"),
            ("fail", "Failed"),
            ("error", "Error"),
            ("manual", "Manual"),
            ("none", "Not checked"),
        ],
    );
    html.push_str("<table class=\"frameworks\"><thead><tr><th>Framework</th><th class=\"num\">Score</th><th>Controls</th><th class=\"num\">Passed</th><th class=\"num\">Failed</th><th class=\"num\">Error</th><th class=\"num\">Manual</th><th class=\"num\">Not checked</th></tr></thead><tbody>");
    for p in &report.posture {
        let all: Vec<&ControlPosture> = p.controls.iter().collect();
        let _ = write!(
            html,
            "<tr><td><a href=\"#fw-{}\">{}</a> <code>{}</code></td><td class=\"num score\">{:.0}%</td><td class=\"chart\">",
            slug(&p.framework),
            Esc(&p.name),
            Esc(&p.framework),
            p.score
        );
        chart::bar(html, &control_slices(&all));
        let _ = write!(
            html,
            "</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            p.passed, p.failed, p.errors, p.manual, p.not_implemented
        );
    }
    html.push_str("</tbody></table>");
    // One framework reads best open; several, as the table above and a
    // collapsed block each.
    let open = report.posture.len() == 1;
    for p in &report.posture {
        framework(html, p, open, report, index);
    }
    html.push_str("</section>\n");
}

fn legend(html: &mut String, entries: &[(&str, &str)]) {
    html.push_str("<p class=\"legend\">");
    for (class, label) in entries {
        let _ = write!(html, "<span><i class=\"c-{class}\"></i>{label}</span>");
    }
    html.push_str("</p>");
}

fn framework(html: &mut String, p: &Posture, open: bool, report: &Report, index: &Index) {
    let all: Vec<&ControlPosture> = p.controls.iter().collect();
    let _ = write!(
        html,
        "<details class=\"framework\" id=\"fw-{}\"{}><summary><span class=\"fw-name\">{}</span> <code>{}</code><span class=\"score\">{:.0}%</span></summary><div class=\"fw-body\"><div class=\"fw-head\">",
        slug(&p.framework),
        if open { " open" } else { "" },
        Esc(&p.name),
        Esc(&p.framework),
        p.score
    );
    chart::donut(html, &control_slices(&all), &format!("{:.0}%", p.score));
    let _ = write!(
        html,
        "<dl class=\"fw-counts\"><dt>Passed</dt><dd>{}</dd><dt>Failed</dt><dd>{}</dd><dt>Error</dt><dd>{}</dd><dt>Manual</dt><dd>{}</dd><dt>Not checked</dt><dd>{}</dd></dl></div>",
        p.passed, p.failed, p.errors, p.manual, p.not_implemented
    );
    let mut sections: Vec<(&str, Vec<&ControlPosture>)> = Vec::new();
    for c in &p.controls {
        match sections.iter_mut().find(|(name, _)| *name == c.section) {
            Some((_, list)) => list.push(c),
            None => sections.push((&c.section, vec![c])),
        }
    }
    for (name, controls) in &sections {
        let slices = control_slices(controls);
        let _ = write!(
            html,
            "<details class=\"section\"><summary><span class=\"sec-name\">{}</span>",
            Esc(if name.is_empty() { "Controls" } else { name })
        );
        chart::bar(html, &slices);
        let _ = write!(
            html,
            "<span class=\"sec-counts\">{}</span></summary>\
<table class=\"controls\"><thead><tr><th>Control</th><th>Status</th><th>Findings</th><th>Checks</th></tr></thead><tbody>",
            chart::describe(&slices)
        );
        for c in controls {
            control(html, &p.framework, c, report, index);
        }
        html.push_str("</tbody></table></details>");
    }
    html.push_str("</div></details>");
}

/// One control's row: its status, its counts, its checks, and the
/// resources behind it when it does not pass (or how to assess it).
fn control(html: &mut String, framework: &str, c: &ControlPosture, report: &Report, index: &Index) {
    let key = format!("{framework}:{}", c.id);
    let (class, label) = control_badge(c.status);
    let _ = write!(
        html,
        "<tr id=\"ctl-{}\"><td><span class=\"cid\">{}</span> {}",
        slug(&key),
        Esc(&c.id),
        Esc(&c.title)
    );
    if let Some(guidance) = &c.guidance {
        html.push_str("<details class=\"more\"><summary>How to assess</summary>");
        prose(html, guidance);
        html.push_str("</details>");
    }
    let not_passing = c.failed + c.errors + c.muted;
    if not_passing > 0 {
        let _ = write!(
            html,
            "<details class=\"more\"><summary>Resources that do not pass ({})</summary><ul class=\"resources\">",
            thousands(not_passing)
        );
        let behind = c
            .checks
            .iter()
            .filter_map(|check| index.by_check.get(check.as_str()))
            .flat_map(|&g| index.groups[g].not_passing.iter().copied())
            .filter(|&i| report.findings[i].controls().contains(&key));
        let mut listed = 0;
        for i in behind.take(CONTROL_ROWS) {
            let f = &report.findings[i];
            let (class, label) = finding_badge(f.status);
            let _ = write!(
                html,
                "<li><span class=\"badge {class}\">{label}</span> <a href=\"#f{i}\"><code>{}</code></a> {} {}</li>",
                Esc(f.resource_uid()),
                Esc(f.account()),
                Esc(f.region())
            );
            listed += 1;
        }
        if not_passing > listed {
            let _ = write!(
                html,
                "<li>… and {} more in the checks' findings.</li>",
                thousands(not_passing - listed)
            );
        }
        html.push_str("</ul></details>");
    }
    let _ = write!(
        html,
        "</td><td><span class=\"badge {class}\">{label}</span></td><td class=\"counts\">"
    );
    let counts = [
        ("fail", "failed", c.failed),
        ("error", "error", c.errors),
        ("muted", "muted", c.muted),
        ("pass", "passed", c.passed),
    ];
    if counts.iter().all(|(_, _, n)| *n == 0) {
        html.push_str(match c.status {
            ControlStatus::Pass => "no resource in scope",
            _ => "—",
        });
    }
    for (class, label, n) in counts.into_iter().filter(|(_, _, n)| *n > 0) {
        let _ = write!(
            html,
            "<span class=\"n {class}\">{} {label}</span>",
            thousands(n)
        );
    }
    html.push_str("</td><td>");
    for check in &c.checks {
        if index.by_check.contains_key(check.as_str()) {
            let _ = write!(
                html,
                "<a href=\"#check-{}\"><code>{}</code></a> ",
                slug(check),
                Esc(check)
            );
        } else {
            let _ = write!(html, "<code>{}</code> ", Esc(check));
        }
    }
    html.push_str("</td></tr>");
}
