//! Plumb's data model: what a scan records and what every later stage reads.
//!
//! A [`Snapshot`] is one scan. It holds [`Resource`]s (one cloud object each,
//! its configuration in `props`), [`Edge`]s (the relationships between them)
//! and [`Coverage`] (for every account, region and service, whether it was
//! collected and how). Checks, reports and the risk graph read only this
//! model, never the cloud APIs, so they can run on any stored snapshot.
//!
//! Each resource kind documents its props as a Rust struct with a JSON
//! schema; [`kinds::all`] lists them for `plumb kinds`.
#![deny(missing_docs)]

pub mod aws;
pub mod doc;
mod finding;
pub mod kinds;
mod resource;
mod snapshot;

pub use finding::{
    CheckPart, Evidence, EvidenceEntry, Finding, ResourcePart, Severity, Status, Text,
};
pub use resource::{Edge, Relation, Resource, ERRORS_FIELD};
pub use snapshot::{Coverage, CoverageStatus, Scope, Snapshot, SnapshotSummary};
