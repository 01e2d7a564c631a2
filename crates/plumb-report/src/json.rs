//! The JSON report: `{schema_version, snapshot, findings, posture,
//! notices}`, documented in `docs/report.schema.json`.

use serde::ser::{Error as _, SerializeSeq};
use serde::{Serialize, Serializer};

use crate::{Finding, Posture, Report, ReportError, SCHEMA_VERSION};

/// Writes the report as pretty-printed JSON, each object's keys sorted.
/// The findings are written one at a time: the report is never a JSON
/// tree in memory as a whole, which at a million findings took gigabytes.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
    let doc = Document {
        findings: OneByOne(&report.findings),
        notices: &report.notices,
        posture: OneByOne(&report.posture),
        schema_version: SCHEMA_VERSION,
        snapshot: report.snapshot,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)?;
    Ok(())
}

/// The report's top-level object, its keys in sorted order.
#[derive(Serialize)]
struct Document<'r> {
    findings: OneByOne<'r, Finding>,
    notices: &'r [String],
    posture: OneByOne<'r, Posture>,
    schema_version: u32,
    snapshot: i64,
}

/// A list written item by item, each item turned into a JSON value as it
/// is written so that its keys (and its nested objects') come out sorted.
struct OneByOne<'r, T>(&'r [T]);

impl<T: Serialize> Serialize for OneByOne<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut list = serializer.serialize_seq(Some(self.0.len()))?;
        for item in self.0 {
            let value = serde_json::to_value(item).map_err(S::Error::custom)?;
            list.serialize_element(&value)?;
        }
        list.end()
    }
}
