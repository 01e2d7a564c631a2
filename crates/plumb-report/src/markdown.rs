//! A Markdown summary fit for a pull-request comment: posture per
//! framework, the counts, the failures by severity (the first
//! [`ROWS`] of each) and what could not be decided.

use std::fmt::Write as _;

use plumb_model::{Finding, Severity, Status};

use crate::{Report, ReportError};

/// Rows listed per severity before "… and N more".
pub const ROWS: usize = 20;

/// Writes the summary.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
    let mut md = String::new();
    let _ = writeln!(md, "## Plumb: snapshot {}\n", report.snapshot);
    if !report.posture.is_empty() {
        md.push_str("| Framework | Score | Passed | Failed | Error | Manual | Not checked |\n");
        md.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
        for p in &report.posture {
            let _ = writeln!(
                md,
                "| {} | {:.0}% | {} | {} | {} | {} | {} |",
                cell(&p.name_with_id()),
                p.score,
                p.passed,
                p.failed,
                p.errors,
                p.manual,
                p.not_implemented
            );
        }
        md.push('\n');
    }
    let count = |s: Status| report.findings.iter().filter(|f| f.status == s).count();
    let _ = writeln!(
        md,
        "**{} findings**: {} passed, {} failed, {} could not be decided, {} muted.\n",
        report.findings.len(),
        count(Status::Pass),
        count(Status::Fail),
        count(Status::Error),
        count(Status::Muted)
    );
    let failing: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .collect();
    if !failing.is_empty() {
        md.push_str("### Failures by severity\n\n");
        for severity in [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ] {
            let mut rows: Vec<&&Finding> = failing
                .iter()
                .filter(|f| f.severity() == severity)
                .collect();
            // Riskiest first, when the context ranked them.
            rows.sort_by(|a, b| b.risk.unwrap_or(0.0).total_cmp(&a.risk.unwrap_or(0.0)));
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(
                md,
                "#### {} ({})\n",
                title_case(severity.as_str()),
                rows.len()
            );
            md.push_str("| Risk | Check | Resource | Account | Region |\n|---|---|---|---|---|\n");
            for f in rows.iter().take(ROWS) {
                let risk = f.risk.map(|r| format!("{r:.0}")).unwrap_or_default();
                let _ = writeln!(
                    md,
                    "| {risk} | `{}` {} | `{}` | {} | {} |",
                    cell(f.check_id()),
                    cell(f.title()),
                    cell(f.resource_uid()),
                    cell(f.account()),
                    cell(f.region())
                );
            }
            if rows.len() > ROWS {
                let _ = writeln!(md, "\n… and {} more.", rows.len() - ROWS);
            }
            md.push('\n');
        }
    }
    let undecided: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .collect();
    if !undecided.is_empty() {
        let _ = writeln!(
            md,
            "### Could not decide ({}): never counted as passed\n",
            undecided.len()
        );
        md.push_str("| Check | Resource | Reason |\n|---|---|---|\n");
        for f in undecided.iter().take(ROWS) {
            let _ = writeln!(
                md,
                "| `{}` | `{}` | {} |",
                cell(f.check_id()),
                cell(f.resource_uid()),
                cell(f.reason.as_deref().unwrap_or(""))
            );
        }
        if undecided.len() > ROWS {
            let _ = writeln!(md, "\n… and {} more.", undecided.len() - ROWS);
        }
        md.push('\n');
    }
    for n in &report.notices {
        let _ = writeln!(md, "> {n}");
    }
    out.write_all(md.as_bytes())?;
    Ok(())
}

/// Text safe in a table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

trait NameWithId {
    fn name_with_id(&self) -> String;
}

impl NameWithId for plumb_checks::Posture {
    fn name_with_id(&self) -> String {
        format!("{} (`{}`)", self.name, self.framework)
    }
}
