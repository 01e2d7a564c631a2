//! Tests of the `config` collector against moto.

use aws_sdk_config::types::{
    ConfigSnapshotDeliveryProperties, ConfigurationRecorder, DeliveryChannel,
    MaximumExecutionFrequency, RecordingGroup,
};
use plumb_model::Relation;

use crate::common::*;

/// The role the seeded recorder uses.
pub fn recorder_role() -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/plumb-config")
}

/// Puts a recorder named `default` that records everything, global types
/// included.
pub async fn put_recorder(config: &aws_sdk_config::Client) {
    config
        .put_configuration_recorder()
        .configuration_recorder(
            ConfigurationRecorder::builder()
                .name("default")
                .role_arn(recorder_role())
                .recording_group(
                    RecordingGroup::builder()
                        .all_supported(true)
                        .include_global_resource_types(true)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// Puts the delivery channel `default` to `bucket` (and `topic`), then
/// starts the recorder.
pub async fn deliver_and_start(config: &aws_sdk_config::Client, bucket: &str, topic: &str) {
    config
        .put_delivery_channel()
        .delivery_channel(
            DeliveryChannel::builder()
                .name("default")
                .s3_bucket_name(bucket)
                .s3_key_prefix("config")
                .sns_topic_arn(topic)
                .config_snapshot_delivery_properties(
                    ConfigSnapshotDeliveryProperties::builder()
                        .delivery_frequency(MaximumExecutionFrequency::TwentyFourHours)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    config
        .start_configuration_recorder()
        .configuration_recorder_name("default")
        .send()
        .await
        .unwrap();
}

fn recorder_uid() -> String {
    format!("arn:aws:config:{REGION}:{ACCOUNT}:config-recorder/default")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_started_recorder_is_collected_with_its_delivery_channel() {
    let server = MotoServer::start();
    let sdk = sdk(&server, REGION).await;
    let config = aws_sdk_config::Client::new(&sdk);
    let topic = format!("arn:aws:sns:{REGION}:{ACCOUNT}:plumb-config");
    put_recorder(&config).await;
    deliver_and_start(&config, "plumb-config-bucket", &topic).await;

    let snap = collect(&server, &["config"]).await;
    snap.assert_ok("config");
    assert_eq!(snap.of_kind("aws_config_configuration_recorder").len(), 1);

    let uid = recorder_uid();
    let recorder = snap.resource(&uid);
    assert_eq!(recorder.kind, "aws_config_configuration_recorder");
    assert_eq!(recorder.name, "default");
    assert_eq!(recorder.region, REGION);
    let p = &recorder.props;
    assert_eq!(p["name"], "default");
    assert_eq!(p["role_arn"], recorder_role());
    assert_eq!(p["recording_group"]["all_supported"], true);
    assert_eq!(p["recording_group"]["include_global_resource_types"], true);
    assert_eq!(
        p["recording_group"]["resource_types"],
        serde_json::json!([])
    );
    assert_eq!(p["recording"], true);
    assert!(p["last_status"].is_string(), "{p}");
    let channel = &p["delivery_channel"];
    assert_eq!(channel["name"], "default");
    assert_eq!(channel["s3_bucket_name"], "plumb-config-bucket");
    assert_eq!(channel["s3_key_prefix"], "config");
    assert_eq!(channel["sns_topic_arn"], topic.as_str());
    assert_eq!(channel["delivery_frequency"], "TwentyFour_Hours");

    assert!(snap.has_edge(&uid, Relation::LogsTo, "arn:aws:s3:::plumb-config-bucket"));
    assert!(snap.has_edge(&uid, Relation::NotifiesTo, &topic));
    assert!(snap.has_edge(&uid, Relation::Assumes, &recorder_role()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recorder_never_started_and_without_channel_is_not_recording() {
    let server = MotoServer::start();
    let config = aws_sdk_config::Client::new(&sdk(&server, REGION).await);
    put_recorder(&config).await;

    let snap = collect(&server, &["config"]).await;
    snap.assert_ok("config");
    let recorder = snap.resource(&recorder_uid());
    assert_eq!(recorder.props["recording"], false);
    assert!(recorder.props["delivery_channel"].is_null());
    assert!(!snap
        .edges
        .iter()
        .any(|e| e.from == recorder.uid && e.relation == Relation::LogsTo));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_without_recorder_has_no_recorder_resource() {
    let server = MotoServer::start();
    let snap = collect(&server, &["config"]).await;
    snap.assert_ok("config");
    assert!(snap.of_kind("aws_config_configuration_recorder").is_empty());
}
