//! Plumb's check engine: checks are data (one YAML file each, with a CEL
//! condition over a resource), evaluated against a stored snapshot, mapped
//! to framework controls, and summarised as posture per framework.
//!
//! The same format serves the embedded library (`checks/`, `frameworks/`)
//! and a company's own policies; a mistake in any file is reported with its
//! file, line and column, and nothing of that set runs.
#![deny(missing_docs)]

pub mod check;
mod compiled;
pub mod config;
pub mod diagnostic;
pub mod docs;
pub mod engine;
pub mod framework;
mod graph;
pub mod helpers;
pub mod library;
mod projection;
mod template;
pub mod value;

pub use check::{Check, CheckSpec, Remediation};
pub use config::{apply_mutes, Config, Mute};
pub use diagnostic::{Diagnostic, LoadErrors};
pub use engine::{
    evaluate, evaluate_each, evaluate_from, evaluate_with, Evaluator, Forked, MemorySource, Source,
    PAGE,
};
pub use framework::{
    posture, Assessment, Control, ControlPosture, ControlStatus, Framework, Posture,
};
pub use library::{Library, Selection};
