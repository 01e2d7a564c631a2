//! CSV: one row per finding, a header row, and columns in a fixed order
//! that only ever grows at the end.

use crate::{Report, ReportError};

/// The columns, in order.
pub const COLUMNS: &[&str] = &[
    "check_id",
    "title",
    "severity",
    "status",
    "resource_uid",
    "kind",
    "account",
    "region",
    "controls",
    "evidence",
    "reason",
    "remediation",
    "risk_score",
];

/// Writes one row per finding; `controls` are joined with `;` and
/// `evidence` is its JSON object.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
    let mut w = ::csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    for f in &report.findings {
        let evidence = serde_json::to_string(&f.evidence)?;
        let risk = f.risk.map(|r| format!("{r:.1}")).unwrap_or_default();
        w.write_record([
            f.check_id(),
            f.title(),
            f.severity().as_str(),
            f.status.as_str(),
            f.resource_uid(),
            f.kind(),
            f.account(),
            f.region(),
            &f.controls().join(";"),
            &evidence,
            f.reason.as_deref().unwrap_or(""),
            f.remediation(),
            &risk,
        ])?;
    }
    w.flush()?;
    Ok(())
}
