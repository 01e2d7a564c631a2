//! The JSON report: `{schema_version, snapshot, findings, posture,
//! notices}`, documented in `docs/report.schema.json`.

use serde_json::json;

use crate::{Report, ReportError, SCHEMA_VERSION};

/// Writes the report as pretty-printed JSON.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
    let doc = json!({
        "schema_version": SCHEMA_VERSION,
        "snapshot": report.snapshot,
        "findings": report.findings,
        "posture": report.posture,
        "notices": report.notices,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)
        .map_err(|e| ReportError::Serialize(e.to_string()))?;
    writeln!(out)?;
    Ok(())
}
