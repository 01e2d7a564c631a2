//! Plumb's reports: the findings and posture of one check run, written in
//! the formats other tools ingest. One module per format; each writes the
//! same [`Report`] and is covered by a golden-file test.
#![deny(missing_docs)]

use plumb_checks::{CheckSpec, Posture};
use plumb_model::{Finding, SnapshotSummary};
use serde::Serialize;

pub mod csv;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod ocsf;
pub mod sarif;

/// The version of the JSON report's layout (`schema_version`): raised when
/// a field changes meaning or goes away, not when one is added.
pub const SCHEMA_VERSION: u32 = 1;

/// What a check run produced.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The snapshot checked.
    pub snapshot: i64,
    /// What that snapshot covers: scope, collection time and coverage gaps,
    /// for the formats that describe the scan (HTML, OCSF).
    #[serde(skip)]
    pub scan: SnapshotSummary,
    /// Every finding, by check then resource.
    pub findings: Vec<Finding>,
    /// Posture per framework.
    pub posture: Vec<Posture>,
    /// What the reader should know (expired mutes, …).
    pub notices: Vec<String>,
    /// The checks that ran: their risk, fix and references, for the formats
    /// that describe each rule once (SARIF).
    #[serde(skip)]
    pub checks: Vec<CheckSpec>,
}

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The documented JSON report.
    Json,
    /// One row per finding.
    Csv,
    /// JUnit XML, for CI systems.
    Junit,
    /// A summary for a pull-request comment.
    Markdown,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// OCSF Compliance Finding events as JSON lines, for security data lakes.
    Ocsf,
    /// One self-contained page for people: posture, coverage, findings.
    Html,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 7] = [
        Format::Json,
        Format::Csv,
        Format::Junit,
        Format::Markdown,
        Format::Sarif,
        Format::Ocsf,
        Format::Html,
    ];

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Junit => "xml",
            Format::Markdown => "md",
            Format::Sarif => "sarif",
            Format::Ocsf => "ocsf.jsonl",
            Format::Html => "html",
        }
    }
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing the output failed.
    #[error("cannot write the report: {0}")]
    Io(#[from] std::io::Error),
    /// Serializing failed.
    #[error("cannot serialize the report: {0}")]
    Serialize(String),
}

/// A failure of the writer underneath (the reader went away, the disk is
/// full) stays an I/O error, which a caller can tell from a report that
/// cannot be written at all.
impl From<serde_json::Error> for ReportError {
    fn from(e: serde_json::Error) -> Self {
        match e.io_error_kind() {
            Some(kind) => ReportError::Io(std::io::Error::new(kind, e)),
            None => ReportError::Serialize(e.to_string()),
        }
    }
}

/// As for JSON: the writer's own failures stay I/O errors.
impl From<::csv::Error> for ReportError {
    fn from(e: ::csv::Error) -> Self {
        let text = e.to_string();
        match e.into_kind() {
            ::csv::ErrorKind::Io(io) => ReportError::Io(io),
            _ => ReportError::Serialize(text),
        }
    }
}

/// Writes `report` in `format`.
pub fn write(
    report: &Report,
    format: Format,
    out: &mut dyn std::io::Write,
) -> Result<(), ReportError> {
    match format {
        Format::Json => json::write(report, out),
        Format::Csv => csv::write(report, out),
        Format::Junit => junit::write(report, out),
        Format::Markdown => markdown::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Ocsf => ocsf::write(report, out),
        Format::Html => html::write(report, out),
    }
}
