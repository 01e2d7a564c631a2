//! OCSF 1.5.0 Compliance Finding events (class 2003, profile `cloud`), one
//! JSON object per line and per finding, for security data lakes and SIEMs
//! (Amazon Security Lake, Splunk, …).
//!
//! Each event carries the check and its controls (`compliance`), the
//! verdict (`compliance.status_id`: pass, fail, or other for a finding that
//! could not be decided), the finding's life (`status_id`: new, suppressed
//! for a muted finding, resolved for a pass), the resource with its
//! evidence, the account and region (`cloud`) and the fix (`remediation`).

use std::collections::{BTreeMap, BTreeSet};

use plumb_checks::CheckSpec;
use plumb_model::{Finding, Severity, Status};
use serde_json::{json, Value};

use crate::{Report, ReportError};

/// The OCSF version the events follow.
pub const OCSF_VERSION: &str = "1.5.0";

/// OCSF `severity_id` and its caption.
fn severity(severity: Severity) -> (u8, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// The finding's `status_id` and the control's `compliance.status_id`,
/// each with its caption.
fn statuses(status: Status) -> ((u8, &'static str), (u8, &'static str)) {
    match status {
        Status::Pass => ((4, "Resolved"), (1, "Pass")),
        Status::Fail => ((1, "New"), (3, "Fail")),
        // Only failures are muted.
        Status::Muted => ((3, "Suppressed"), (3, "Fail")),
        // Not decided: the data was not collected.
        Status::Error => ((1, "New"), (99, "Other")),
    }
}

/// Writes one Compliance Finding event per finding, one per line.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
    let specs: BTreeMap<&str, &CheckSpec> =
        report.checks.iter().map(|c| (c.id.as_str(), c)).collect();
    let time = report.scan.finished_at.timestamp_millis();
    for f in &report.findings {
        let event = event(f, specs.get(f.check_id()).copied(), time);
        serde_json::to_writer(&mut *out, &event)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The event of one finding; `time` is when the snapshot was taken, in
/// milliseconds since the epoch.
fn event(f: &Finding, spec: Option<&CheckSpec>, time: i64) -> Value {
    let (severity_id, severity) = severity(f.severity());
    let ((status_id, status), (compliance_id, compliance_status)) = statuses(f.status);
    let standards: BTreeSet<&str> = f
        .controls()
        .iter()
        .filter_map(|c| c.split_once(':').map(|(framework, _)| framework))
        .collect();
    let control = if f.controls().is_empty() {
        f.check_id().to_string()
    } else {
        f.controls().join(", ")
    };
    let mut compliance = json!({
        "control": control,
        "requirements": f.controls(),
        "standards": standards,
        "status": compliance_status,
        "status_id": compliance_id,
        "status_code": f.status.as_str().to_uppercase(),
        "checks": [{
            "uid": f.check_id(),
            "name": f.title(),
            "severity": severity,
            "severity_id": severity_id,
        }],
    });
    if let Some(reason) = &f.reason {
        compliance["status_detail"] = json!(reason);
    }
    let mut finding_info = json!({
        "uid": format!("plumb:{}:{}", f.check_id(), f.resource_uid()),
        "title": f.title(),
        "types": [format!("plumb/{}", f.check_id())],
        "created_time": time,
        "product_uid": "plumb",
    });
    let mut remediation = json!({"desc": f.remediation()});
    if let Some(spec) = spec {
        finding_info["desc"] = json!(spec.risk.trim());
        if !spec.references.is_empty() {
            remediation["references"] = json!(spec.references);
        }
    }
    let mut resource = json!({
        "uid": f.resource_uid(),
        "type": f.kind(),
        "cloud_partition": partition(f.resource_uid()),
        "data": {"evidence": &f.evidence},
    });
    if !f.region().is_empty() && f.region() != "global" {
        resource["region"] = json!(f.region());
    }
    let mut cloud = json!({
        "provider": "AWS",
        "account": {"uid": f.account(), "type": "AWS Account", "type_id": 10},
    });
    if !f.region().is_empty() && f.region() != "global" {
        cloud["region"] = json!(f.region());
    }
    let mut event = json!({
        "class_uid": 2003,
        "class_name": "Compliance Finding",
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": 1,
        "activity_name": "Create",
        "type_uid": 200301,
        "type_name": "Compliance Finding: Create",
        "time": time,
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "status_code": f.status.as_str().to_uppercase(),
        "message": format!("{}: {}", f.title(), f.resource_uid()),
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["cloud"],
            "product": {
                "name": "Plumb",
                "vendor_name": "Plumb",
                "version": env!("CARGO_PKG_VERSION"),
                "url_string": "https://github.com/plumb-cspm/plumb",
            },
        },
        "finding_info": finding_info,
        "compliance": compliance,
        "cloud": cloud,
        "resources": [resource],
        "remediation": remediation,
    });
    if let Some(reason) = &f.reason {
        event["status_detail"] = json!(reason);
    }
    if let Some(risk) = f.risk {
        // OCSF 1.5's Compliance Finding has no risk score of its own.
        event["unmapped"] = json!({"plumb": {"risk_score": risk}});
    }
    event
}

/// The AWS partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`); `aws` for
/// a uid that is not an ARN.
fn partition(uid: &str) -> &str {
    uid.strip_prefix("arn:")
        .and_then(|rest| rest.split(':').next())
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
}

#[cfg(test)]
mod tests {
    use super::partition;

    #[test]
    fn the_partition_comes_from_the_arn() {
        assert_eq!(partition("arn:aws:s3:::b"), "aws");
        assert_eq!(partition("arn:aws-cn:s3:::b"), "aws-cn");
        assert_eq!(partition("arn:aws-us-gov:iam::1:role/r"), "aws-us-gov");
        assert_eq!(partition("111122223333/eu-west-1"), "aws");
    }
}
