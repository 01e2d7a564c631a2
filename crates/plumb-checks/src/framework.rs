//! Frameworks (CIS, FSBP, PCI DSS, …) as lists of controls, and the
//! posture of a snapshot against each: per control, whether the checks that
//! implement it passed, failed or could not decide.

use std::collections::BTreeMap;

use plumb_model::{Finding, Status};
use serde::{Deserialize, Serialize};

/// Whether a control can be checked from the inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    /// Checked by Plumb's checks.
    Automated,
    /// Needs a person: listed with guidance, never scored.
    Manual,
}

/// One control of a framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// The framework's own id (`2.1.4`, `S3.8`).
    pub id: String,
    /// The section it belongs to.
    #[serde(default)]
    pub section: String,
    /// What it requires.
    pub title: String,
    /// Automated or manual.
    pub assessment: Assessment,
    /// For manual controls: how to assess it (what to verify, where, and
    /// what evidence to keep). The built-in frameworks get it from
    /// `frameworks/guidance/`.
    #[serde(default)]
    pub guidance: Option<String>,
}

/// A framework: its controls, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// `cis-aws-5.0`, `aws-fsbp`, …
    pub id: String,
    /// Its full name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its controls.
    pub controls: Vec<Control>,
}

/// Where a control stands in one snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlStatus {
    /// Every finding of its checks passed (or none applied, with the data
    /// fully collected).
    Pass,
    /// Some finding failed.
    Fail,
    /// No failure, but some finding could not be decided.
    Error,
    /// Assessed by a person.
    Manual,
    /// Automated in the framework, but no Plumb check implements it yet.
    NotImplemented,
}

/// One control's posture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlPosture {
    /// The control id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its section.
    pub section: String,
    /// Its status.
    pub status: ControlStatus,
    /// The checks that implement it.
    pub checks: Vec<String>,
    /// Findings that passed.
    pub passed: usize,
    /// Findings that failed.
    pub failed: usize,
    /// Findings that could not be decided.
    pub errors: usize,
    /// Failed findings muted with a reason.
    pub muted: usize,
    /// For manual controls: how a person assesses it, so that a report
    /// tells the auditor what to verify and what evidence to keep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance: Option<String>,
}

/// A framework's posture in one snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Posture {
    /// The framework id.
    pub framework: String,
    /// Its name.
    pub name: String,
    /// Percentage of decided automated controls that pass.
    pub score: f64,
    /// Controls passed.
    pub passed: usize,
    /// Controls failed.
    pub failed: usize,
    /// Controls in error.
    pub errors: usize,
    /// Manual controls.
    pub manual: usize,
    /// Automated controls without a Plumb check.
    pub not_implemented: usize,
    /// Every control.
    pub controls: Vec<ControlPosture>,
}

/// The posture of `findings` against `framework`.
pub fn posture(
    framework: &Framework,
    findings: &[Finding],
    checks_by_control: &BTreeMap<String, Vec<String>>,
) -> Posture {
    let prefix = format!("{}:", framework.id);
    let mut counts: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for f in findings {
        for c in f.controls().iter().filter_map(|c| c.strip_prefix(&prefix)) {
            let slot = counts.entry(c).or_default();
            match f.status {
                Status::Pass => slot[0] += 1,
                Status::Fail => slot[1] += 1,
                Status::Error => slot[2] += 1,
                Status::Muted => slot[3] += 1,
            }
        }
    }
    let mut out = Posture {
        framework: framework.id.clone(),
        name: framework.name.clone(),
        score: 0.0,
        passed: 0,
        failed: 0,
        errors: 0,
        manual: 0,
        not_implemented: 0,
        controls: Vec::new(),
    };
    for control in &framework.controls {
        let key = format!("{}{}", prefix, control.id);
        let checks = checks_by_control.get(&key).cloned().unwrap_or_default();
        let [passed, failed, errors, muted] =
            counts.get(control.id.as_str()).copied().unwrap_or_default();
        let status = if control.assessment == Assessment::Manual {
            out.manual += 1;
            ControlStatus::Manual
        } else if checks.is_empty() {
            out.not_implemented += 1;
            ControlStatus::NotImplemented
        } else if failed > 0 {
            out.failed += 1;
            ControlStatus::Fail
        } else if errors > 0 {
            out.errors += 1;
            ControlStatus::Error
        } else {
            out.passed += 1;
            ControlStatus::Pass
        };
        out.controls.push(ControlPosture {
            id: control.id.clone(),
            title: control.title.clone(),
            section: control.section.clone(),
            status,
            checks,
            passed,
            failed,
            errors,
            muted,
            guidance: if status == ControlStatus::Manual {
                control.guidance.clone()
            } else {
                None
            },
        });
    }
    let decided = out.passed + out.failed + out.errors;
    out.score = if decided == 0 {
        0.0
    } else {
        100.0 * out.passed as f64 / decided as f64
    };
    out
}
