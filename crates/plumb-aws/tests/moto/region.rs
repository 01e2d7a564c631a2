//! Tests of the `region` collector against moto.
//!
//! moto 5.2 implements neither `ec2:GetSnapshotBlockPublicAccessState` nor
//! IAM Access Analyzer (it answers both with HTTP 500), so in every test
//! those two settings are gaps: absent from props and named in `_errors`.

use std::collections::BTreeSet;

use plumb_model::Relation;

use crate::common::*;
use crate::config::{deliver_and_start, put_recorder};

fn region_uid(region: &str) -> String {
    format!("aws_region:{ACCOUNT}:{region}")
}

/// The sub-calls moto does not implement.
fn moto_gaps() -> BTreeSet<String> {
    ["get_snapshot_block_public_access_state", "list_analyzers"]
        .into_iter()
        .map(String::from)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn region_settings_are_read_where_they_are_enabled() {
    let server = MotoServer::start();
    let sdk = sdk(&server, REGION).await;
    let key_arn = aws_sdk_kms::Client::new(&sdk)
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .arn
        .unwrap();
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    ec2.enable_ebs_encryption_by_default().send().await.unwrap();
    ec2.modify_ebs_default_kms_key_id()
        .kms_key_id(&key_arn)
        .send()
        .await
        .unwrap();
    let config = aws_sdk_config::Client::new(&sdk);
    put_recorder(&config).await;
    let topic = format!("arn:aws:sns:{REGION}:{ACCOUNT}:plumb-config");
    deliver_and_start(&config, "plumb-config-bucket", &topic).await;
    aws_sdk_securityhub::Client::new(&sdk)
        .enable_security_hub()
        .send()
        .await
        .unwrap();
    let detector = aws_sdk_guardduty::Client::new(&sdk)
        .create_detector()
        .enable(true)
        .send()
        .await
        .unwrap()
        .detector_id
        .unwrap();

    let snap = collect(&server, &["region"]).await;
    let regions = snap.of_kind("aws_region");
    assert_eq!(regions.len(), 1, "exactly one aws_region per unit");
    let region = snap.resource(&region_uid(REGION));
    assert_eq!(region.name, REGION);
    assert_eq!(region.region, REGION);
    assert_eq!(region.account, ACCOUNT);
    let p = &region.props;
    assert_eq!(p["region"], REGION);
    assert_eq!(p["ebs_encryption_by_default"], true);
    assert_eq!(p["ebs_default_kms_key_id"], key_arn.as_str());
    assert_eq!(p["security_hub_enabled"], true);
    let recorders = p["config_recorders"].as_array().expect("recorders");
    assert_eq!(recorders.len(), 1);
    assert_eq!(recorders[0]["name"], "default");
    assert_eq!(recorders[0]["recording"], true);
    assert_eq!(recorders[0]["all_supported"], true);
    assert_eq!(recorders[0]["include_global_resource_types"], true);
    assert_eq!(
        p["guardduty_detectors"],
        serde_json::json!([{"id": detector, "status": "ENABLED"}])
    );
    assert!(snap.has_edge(&region.uid, Relation::EncryptedBy, &key_arn));
    let gaps: BTreeSet<String> = region.gaps().into_keys().collect();
    assert_eq!(gaps, moto_gaps(), "only what moto lacks is unknown");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_where_nothing_is_enabled_reads_all_off() {
    let server = MotoServer::start();

    let snap = collect(&server, &["region"]).await;
    let region = snap.resource(&region_uid(REGION));
    let p = &region.props;
    assert_eq!(p["ebs_encryption_by_default"], false);
    // AWS names the AWS managed key's alias until another key is chosen.
    assert_eq!(
        p["ebs_default_kms_key_id"],
        format!("arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/ebs")
    );
    assert_eq!(p["config_recorders"], serde_json::json!([]));
    assert_eq!(p["security_hub_enabled"], false);
    assert_eq!(p["guardduty_detectors"], serde_json::json!([]));
    assert!(
        !snap.edges.iter().any(|e| e.from == region.uid),
        "no default encryption, no key edge: {:?}",
        snap.edges
    );
    let gaps: BTreeSet<String> = region.gaps().into_keys().collect();
    assert_eq!(gaps, moto_gaps());
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_moto_cannot_answer_are_gaps_not_off() {
    let server = MotoServer::start();

    let snap = collect(&server, &["region"]).await;
    let coverage = snap.unit("region", REGION);
    assert_eq!(coverage.status, plumb_model::CoverageStatus::Ok);
    assert_eq!(coverage.partial_resources, 1);
    let region = snap.resource(&region_uid(REGION));
    assert!(region.is_partial());
    for field in ["snapshot_block_public_access", "access_analyzers"] {
        assert!(
            region.props.get(field).is_none(),
            "{field} must be absent, not null or empty: {}",
            region.props
        );
    }
    let gaps = region.gaps();
    assert!(
        gaps["get_snapshot_block_public_access_state"]
            .contains("ec2:GetSnapshotBlockPublicAccessState"),
        "{gaps:?}"
    );
    assert!(
        gaps["list_analyzers"].contains("access-analyzer:ListAnalyzers"),
        "{gaps:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_region_of_the_scan_has_its_own_region_resource() {
    let server = MotoServer::start();
    aws_sdk_ec2::Client::new(&sdk(&server, "eu-west-1").await)
        .enable_ebs_encryption_by_default()
        .send()
        .await
        .unwrap();

    let snap = collect_with(options(&server, &["region"], &[REGION, "eu-west-1"])).await;
    assert_eq!(snap.of_kind("aws_region").len(), 2);
    let eu = snap.resource(&region_uid("eu-west-1"));
    assert_eq!(eu.region, "eu-west-1");
    assert_eq!(eu.props["ebs_encryption_by_default"], true);
    let us = snap.resource(&region_uid(REGION));
    assert_eq!(us.props["ebs_encryption_by_default"], false);
}
