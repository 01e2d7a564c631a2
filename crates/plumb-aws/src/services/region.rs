//! Collects the region-wide security settings of an account as one
//! `aws_region` resource per region: EBS encryption by default and its KMS
//! key, EBS snapshot block public access, AWS Config recorders, IAM Access
//! Analyzer analyzers, Security Hub and GuardDuty. Controls that hold "in
//! every region" (CIS 1.20, 3.3, 5.x; FSBP EC2.7, Config.1, GuardDuty.1)
//! then read one resource per region, and the collector summarises them on
//! `aws_account.props.regions`.
//!
//! The region resource is always recorded; each setting that could not be
//! read is a gap on it (absent from props, named under `_errors`), which
//! makes the account's summary of that region unknown rather than "off".

use aws_sdk_accessanalyzer::types::Type as AnalyzerType;
use plumb_model::aws::region::{AnalyzerState, AwsRegion, ConfigRecorderState, DetectorState};
use plumb_model::{Relation, Resource};

use crate::error::{api, is_code};
use crate::services::config::{describe_recorders, recorder_statuses};
use crate::services::{Service, ServiceScope};
use crate::unit::record_gap;
use crate::{client, collect_fn, CollectError, Unit};

/// The `region` collector.
pub const SERVICE: Service = Service {
    name: "region",
    scope: ServiceScope::Regional,
    kinds: &["aws_region"],
    actions: &[
        "ec2:GetEbsEncryptionByDefault",
        "ec2:GetEbsDefaultKmsKeyId",
        "ec2:GetSnapshotBlockPublicAccessState",
        "config:DescribeConfigurationRecorders",
        "config:DescribeConfigurationRecorderStatus",
        "access-analyzer:ListAnalyzers",
        "securityhub:DescribeHub",
        "guardduty:ListDetectors",
        "guardduty:GetDetector",
    ],
    collect: collect_fn!(collect),
};

/// A failed sub-call: the operation named in `_errors`, and why.
type Failed = (&'static str, CollectError);

/// The uid of a region of an account.
fn region_uid(account: &str, region: &str) -> String {
    format!("aws_region:{account}:{region}")
}

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let ec2 = client!(unit, aws_sdk_ec2);
    let mut gaps: Vec<(&str, &[&str], CollectError)> = Vec::new();
    let mut region = AwsRegion {
        region: unit.region.clone(),
        ..AwsRegion::default()
    };

    match ec2
        .get_ebs_encryption_by_default()
        .send()
        .await
        .map_err(api("ec2:GetEbsEncryptionByDefault"))
    {
        Ok(out) => {
            region.ebs_encryption_by_default = out.ebs_encryption_by_default().unwrap_or(false)
        }
        Err(e) => gaps.push((
            "get_ebs_encryption_by_default",
            &["ebs_encryption_by_default"],
            e,
        )),
    }

    match ec2
        .get_ebs_default_kms_key_id()
        .send()
        .await
        .map_err(api("ec2:GetEbsDefaultKmsKeyId"))
    {
        Ok(out) => {
            region.ebs_default_kms_key_id = out
                .kms_key_id()
                .filter(|k| !k.is_empty())
                .map(str::to_string)
        }
        Err(e) => gaps.push(("get_ebs_default_kms_key_id", &["ebs_default_kms_key_id"], e)),
    }

    match ec2
        .get_snapshot_block_public_access_state()
        .send()
        .await
        .map_err(api("ec2:GetSnapshotBlockPublicAccessState"))
    {
        Ok(out) => {
            region.snapshot_block_public_access = out.state().map(|s| s.as_str().to_string())
        }
        Err(e) => gaps.push((
            "get_snapshot_block_public_access_state",
            &["snapshot_block_public_access"],
            e,
        )),
    }

    match config_recorders(unit).await {
        Ok(recorders) => region.config_recorders = recorders,
        Err((operation, e)) => gaps.push((operation, &["config_recorders"], e)),
    }

    match access_analyzers(unit).await {
        Ok(analyzers) => region.access_analyzers = analyzers,
        Err(e) => gaps.push(("list_analyzers", &["access_analyzers"], e)),
    }

    match security_hub_enabled(unit).await {
        Ok(enabled) => region.security_hub_enabled = enabled,
        Err(e) => gaps.push(("describe_hub", &["security_hub_enabled"], e)),
    }

    match guardduty_detectors(unit).await {
        Ok(detectors) => region.guardduty_detectors = detectors,
        Err((operation, e)) => gaps.push((operation, &["guardduty_detectors"], e)),
    }

    let uid = region_uid(&unit.account, &unit.region);
    // The key encrypts new volumes only while encryption by default is on.
    if region.ebs_encryption_by_default {
        if let Some(key) = &region.ebs_default_kms_key_id {
            let key = unit.kms_key_arn(key);
            unit.link(&uid, Relation::EncryptedBy, &key);
        }
    }
    let mut resource = Resource::new(
        uid,
        "aws_region",
        &unit.account,
        &unit.region,
        unit.region.clone(),
    )
    .with_props(&region);
    for (operation, fields, error) in gaps {
        record_gap(&mut resource, operation, fields, &error);
    }
    unit.add(resource);
    Ok(())
}

async fn config_recorders(unit: &Unit) -> Result<Vec<ConfigRecorderState>, Failed> {
    let client = client!(unit, aws_sdk_config);
    let recorders = describe_recorders(&client)
        .await
        .map_err(|e| ("describe_configuration_recorders", e))?;
    if recorders.is_empty() {
        return Ok(Vec::new());
    }
    let statuses = recorder_statuses(&client)
        .await
        .map_err(|e| ("describe_configuration_recorder_status", e))?;
    Ok(recorders
        .into_iter()
        .map(|r| {
            let status = statuses.get(&r.name);
            let group = r.recording_group.unwrap_or_default();
            ConfigRecorderState {
                recording: status.is_some_and(|s| s.recording),
                all_supported: group.all_supported,
                include_global_resource_types: group.include_global_resource_types,
                last_status: status.and_then(|s| s.last_status.clone()),
                name: r.name,
            }
        })
        .collect())
}

/// The analyzers of external access, account or organisation wide; the
/// unused-access analyzers answer another question and are left out.
async fn access_analyzers(unit: &Unit) -> Result<Vec<AnalyzerState>, CollectError> {
    let client = client!(unit, aws_sdk_accessanalyzer);
    let mut analyzers = Vec::new();
    for kind in [AnalyzerType::Account, AnalyzerType::Organization] {
        let mut pages = client.list_analyzers().r#type(kind).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(api("access-analyzer:ListAnalyzers"))?;
            for a in page.analyzers() {
                analyzers.push(AnalyzerState {
                    arn: a.arn().to_string(),
                    name: a.name().to_string(),
                    r#type: a.r#type().as_str().to_string(),
                    status: a.status().as_str().to_string(),
                });
            }
        }
    }
    Ok(analyzers)
}

async fn security_hub_enabled(unit: &Unit) -> Result<bool, CollectError> {
    let client = client!(unit, aws_sdk_securityhub);
    match client
        .describe_hub()
        .send()
        .await
        .map_err(api("securityhub:DescribeHub"))
    {
        Ok(_) => Ok(true),
        // What Security Hub answers in a region where it is not enabled.
        Err(e) if is_code(&e, &["InvalidAccessException", "ResourceNotFoundException"]) => {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

async fn guardduty_detectors(unit: &Unit) -> Result<Vec<DetectorState>, Failed> {
    let client = client!(unit, aws_sdk_guardduty);
    let mut ids = Vec::new();
    let mut pages = client.list_detectors().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page
            .map_err(api("guardduty:ListDetectors"))
            .map_err(|e| ("list_detectors", e))?;
        ids.extend(page.detector_ids().iter().cloned());
    }
    let mut detectors = Vec::new();
    for id in ids {
        let detector = client
            .get_detector()
            .detector_id(&id)
            .send()
            .await
            .map_err(api("guardduty:GetDetector"))
            .map_err(|e| ("get_detector", e))?;
        detectors.push(DetectorState {
            id,
            status: detector
                .status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
        });
    }
    Ok(detectors)
}
