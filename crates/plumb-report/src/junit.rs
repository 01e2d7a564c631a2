//! JUnit XML, which CI systems show natively: one test suite per framework
//! of the posture (per service when no framework was chosen), one test case
//! per check × resource. A failure carries the evidence and the fix; a
//! finding that could not be decided is an error; a muted one is skipped
//! with its reason.

use std::fmt::Write as _;

use plumb_model::{Finding, Status};

use crate::{Report, ReportError};

/// Writes the report as JUnit XML.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
    let suites: Vec<(String, Vec<&Finding>)> = if report.posture.is_empty() {
        let mut by_service: std::collections::BTreeMap<String, Vec<&Finding>> = Default::default();
        for f in &report.findings {
            let service = f.check_id().split('_').next().unwrap_or("").to_string();
            by_service.entry(service).or_default().push(f);
        }
        by_service.into_iter().collect()
    } else {
        report
            .posture
            .iter()
            .map(|p| {
                let prefix = format!("{}:", p.framework);
                let members = report
                    .findings
                    .iter()
                    .filter(|f| f.controls().iter().any(|c| c.starts_with(&prefix)))
                    .collect();
                (p.framework.clone(), members)
            })
            .collect()
    };
    let count = |list: &[&Finding], s: Status| list.iter().filter(|f| f.status == s).count();
    let all: Vec<&Finding> = suites.iter().flat_map(|(_, l)| l.iter().copied()).collect();
    let mut xml = String::new();
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"plumb snapshot {}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        report.snapshot,
        all.len(),
        count(&all, Status::Fail),
        count(&all, Status::Error),
        count(&all, Status::Muted)
    );
    for (name, members) in &suites {
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            escape(name),
            members.len(),
            count(members, Status::Fail),
            count(members, Status::Error),
            count(members, Status::Muted)
        );
        for f in members {
            let _ = write!(
                xml,
                "    <testcase classname=\"{}.{}\" name=\"{}\"",
                escape(name),
                escape(f.check_id()),
                escape(f.resource_uid())
            );
            let evidence = serde_json::to_string(&f.evidence)?;
            match f.status {
                Status::Pass => xml.push_str("/>\n"),
                Status::Fail => {
                    let _ = writeln!(
                        xml,
                        ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                        f.severity().as_str(),
                        escape(f.title()),
                        escape(&format!(
                            "{} in {} ({}){}\nEvidence: {evidence}\n\n{}",
                            f.resource_uid(),
                            f.account(),
                            f.region(),
                            f.risk.map(|r| format!(", risk {r:.1}")).unwrap_or_default(),
                            f.remediation()
                        ))
                    );
                }
                Status::Error => {
                    let _ = writeln!(
                        xml,
                        ">\n      <error type=\"undecided\" message=\"{}\">{}</error>\n    </testcase>",
                        escape(f.title()),
                        escape(f.reason.as_deref().unwrap_or("could not be decided"))
                    );
                }
                Status::Muted => {
                    let _ = writeln!(
                        xml,
                        ">\n      <skipped message=\"muted: {}\"/>\n    </testcase>",
                        escape(f.reason.as_deref().unwrap_or(""))
                    );
                }
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    out.write_all(xml.as_bytes())?;
    Ok(())
}

/// Text safe in an XML attribute or element: markup escaped, and the
/// control characters XML 1.0 forbids dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_and_forbidden_characters_are_escaped() {
        assert_eq!(
            super::escape("a<b>&\"c\"'\u{1}\n"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;\n"
        );
    }
}
