//! Tests of the `cloudtrail` collector against moto.

use aws_sdk_cloudtrail::types::{
    AdvancedEventSelector, AdvancedFieldSelector, DataResource, EventSelector, ReadWriteType, Tag,
};
use plumb_model::Relation;

use crate::common::*;

const BUCKET: &str = "plumb-trail-logs";

/// What the main trail writes to, as seeded.
struct Targets {
    log_group_arn: String,
    topic_arn: String,
    key_arn: String,
}

async fn seed_targets(server: &MotoServer) -> Targets {
    let config = sdk(server, REGION).await;
    s3(server, REGION)
        .await
        .create_bucket()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap();
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    logs.create_log_group()
        .log_group_name("plumb-trail")
        .send()
        .await
        .unwrap();
    let log_group_arn = logs
        .describe_log_groups()
        .log_group_name_prefix("plumb-trail")
        .send()
        .await
        .unwrap()
        .log_groups()[0]
        .arn()
        .unwrap()
        .to_string();
    let topic_arn = aws_sdk_sns::Client::new(&config)
        .create_topic()
        .name("plumb-trail-topic")
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    let key_arn = aws_sdk_kms::Client::new(&config)
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .arn
        .unwrap();
    Targets {
        log_group_arn,
        topic_arn,
        key_arn,
    }
}

fn trail_arn(name: &str) -> String {
    format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{name}")
}

#[tokio::test(flavor = "multi_thread")]
async fn trails_are_collected_with_status_selectors_and_targets() {
    let server = MotoServer::start();
    let targets = seed_targets(&server).await;
    assert!(
        targets.log_group_arn.ends_with(":*"),
        "moto gives the log group ARN as CloudTrail takes it: {}",
        targets.log_group_arn
    );
    let role = format!("arn:aws:iam::{ACCOUNT}:role/plumb-trail-to-logs");
    let trail = aws_sdk_cloudtrail::Client::new(&sdk(&server, REGION).await);
    trail
        .create_trail()
        .name("plumb-main")
        .s3_bucket_name(BUCKET)
        .s3_key_prefix("main")
        .is_multi_region_trail(true)
        .include_global_service_events(true)
        .enable_log_file_validation(true)
        .kms_key_id(&targets.key_arn)
        .cloud_watch_logs_log_group_arn(&targets.log_group_arn)
        .cloud_watch_logs_role_arn(&role)
        .sns_topic_name("plumb-trail-topic")
        .tags_list(
            Tag::builder()
                .key("owner")
                .value("security")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    trail
        .start_logging()
        .name("plumb-main")
        .send()
        .await
        .unwrap();
    trail
        .put_event_selectors()
        .trail_name("plumb-main")
        .event_selectors(
            EventSelector::builder()
                .read_write_type(ReadWriteType::All)
                .include_management_events(true)
                .data_resources(
                    DataResource::builder()
                        .r#type("AWS::S3::Object")
                        .values("arn:aws:s3")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    trail
        .create_trail()
        .name("plumb-side")
        .s3_bucket_name(BUCKET)
        .send()
        .await
        .unwrap();
    trail
        .put_event_selectors()
        .trail_name("plumb-side")
        .advanced_event_selectors(
            AdvancedEventSelector::builder()
                .name("s3-writes")
                .field_selectors(
                    AdvancedFieldSelector::builder()
                        .field("eventCategory")
                        .equals("Data")
                        .build()
                        .unwrap(),
                )
                .field_selectors(
                    AdvancedFieldSelector::builder()
                        .field("readOnly")
                        .equals("false")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["cloudtrail"]).await;
    snap.assert_ok("cloudtrail");
    assert_eq!(snap.of_kind("aws_cloudtrail").len(), 2);

    let main = snap.resource(&trail_arn("plumb-main"));
    assert_eq!(main.kind, "aws_cloudtrail");
    assert_eq!(main.name, "plumb-main");
    assert_eq!(main.region, REGION);
    let p = &main.props;
    assert_eq!(p["trail_arn"], trail_arn("plumb-main"));
    assert_eq!(p["home_region"], REGION);
    assert_eq!(p["is_multi_region_trail"], true);
    assert_eq!(p["include_global_service_events"], true);
    assert_eq!(p["log_file_validation_enabled"], true);
    assert_eq!(p["is_organization_trail"], false);
    assert_eq!(p["kms_key_id"], targets.key_arn.as_str());
    assert_eq!(p["s3_bucket_name"], BUCKET);
    assert_eq!(p["s3_key_prefix"], "main");
    assert_eq!(
        p["cloud_watch_logs_log_group_arn"],
        targets.log_group_arn.as_str()
    );
    assert_eq!(p["cloud_watch_logs_role_arn"], role.as_str());
    assert_eq!(p["sns_topic_arn"], targets.topic_arn.as_str());
    assert_eq!(p["is_logging"], true);
    assert!(p.get("latest_delivery_time").is_some());
    assert!(p["latest_delivery_error"].is_null());
    let selector = &p["event_selectors"][0];
    assert_eq!(selector["read_write_type"], "All");
    assert_eq!(selector["include_management_events"], true);
    assert_eq!(selector["data_resources"][0]["type"], "AWS::S3::Object");
    assert_eq!(
        selector["data_resources"][0]["values"],
        serde_json::json!(["arn:aws:s3"])
    );
    assert_eq!(p["advanced_event_selectors"], serde_json::json!([]));
    assert_eq!(main.tags.get("owner").map(String::as_str), Some("security"));

    let bucket = format!("arn:aws:s3:::{BUCKET}");
    let group = targets.log_group_arn.trim_end_matches(":*");
    assert!(snap.has_edge(&main.uid, Relation::LogsTo, &bucket));
    assert!(snap.has_edge(&main.uid, Relation::LogsTo, group));
    assert!(snap.has_edge(&main.uid, Relation::EncryptedBy, &targets.key_arn));
    assert!(snap.has_edge(&main.uid, Relation::NotifiesTo, &targets.topic_arn));

    let side = snap.resource(&trail_arn("plumb-side"));
    let p = &side.props;
    assert_eq!(p["is_multi_region_trail"], false);
    assert_eq!(p["log_file_validation_enabled"], false);
    assert_eq!(p["is_logging"], false);
    assert!(p["kms_key_id"].is_null());
    assert!(p["cloud_watch_logs_log_group_arn"].is_null());
    assert!(p["sns_topic_arn"].is_null());
    let advanced = &p["advanced_event_selectors"][0];
    assert_eq!(advanced["name"], "s3-writes");
    assert_eq!(advanced["field_selectors"][0]["field"], "eventCategory");
    assert_eq!(
        advanced["field_selectors"][1]["equals"],
        serde_json::json!(["false"])
    );
    assert!(snap.has_edge(&side.uid, Relation::LogsTo, &bucket));
    let side_edges: Vec<_> = snap.edges.iter().filter(|e| e.from == side.uid).collect();
    assert_eq!(side_edges.len(), 1, "{side_edges:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_multi_region_trail_is_collected_once_in_its_home_region() {
    let server = MotoServer::start();
    s3(&server, REGION)
        .await
        .create_bucket()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap();
    aws_sdk_cloudtrail::Client::new(&sdk(&server, REGION).await)
        .create_trail()
        .name("plumb-everywhere")
        .s3_bucket_name(BUCKET)
        .is_multi_region_trail(true)
        .send()
        .await
        .unwrap();

    let snap = collect_with(options(&server, &["cloudtrail"], &[REGION, "eu-west-1"])).await;
    snap.assert_ok("cloudtrail");
    let trails = snap.of_kind("aws_cloudtrail");
    assert_eq!(trails.len(), 1, "{trails:#?}");
    assert_eq!(trails[0].uid, trail_arn("plumb-everywhere"));
    assert_eq!(trails[0].region, REGION);
    assert_eq!(trails[0].props["home_region"], REGION);
    // Not merely deduplicated: the other region's unit does not see it.
    assert_eq!(snap.unit("cloudtrail", "eu-west-1").resources, 0);
    assert_eq!(snap.unit("cloudtrail", REGION).resources, 1);
}
