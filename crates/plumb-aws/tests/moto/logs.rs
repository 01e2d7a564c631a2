//! Tests of the `logs` collector against moto.

use aws_sdk_cloudwatchlogs::types::MetricTransformation;
use plumb_model::Relation;

use crate::common::*;

/// The CIS 4.1 pattern: unauthorised API calls.
pub const UNAUTHORIZED_PATTERN: &str =
    r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#;

/// The uid of a log group of the test account in [`REGION`].
pub fn log_group_uid(name: &str) -> String {
    format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}")
}

/// Puts the CIS 4.1 metric filter on `group`, publishing
/// `CISBenchmark/UnauthorizedAPICalls`.
pub async fn put_unauthorized_filter(logs: &aws_sdk_cloudwatchlogs::Client, group: &str) {
    logs.put_metric_filter()
        .log_group_name(group)
        .filter_name("unauthorized-api-calls")
        .filter_pattern(UNAUTHORIZED_PATTERN)
        .metric_transformations(
            MetricTransformation::builder()
                .metric_name("UnauthorizedAPICalls")
                .metric_namespace("CISBenchmark")
                .metric_value("1")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn log_groups_are_collected_with_retention_key_and_tags() {
    let server = MotoServer::start();
    let config = sdk(&server, REGION).await;
    let kms = aws_sdk_kms::Client::new(&config);
    let key_arn = kms
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .arn
        .unwrap();
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    logs.create_log_group()
        .log_group_name("plumb-trail")
        .kms_key_id(&key_arn)
        .tags("owner", "security")
        .send()
        .await
        .unwrap();
    logs.put_retention_policy()
        .log_group_name("plumb-trail")
        .retention_in_days(365)
        .send()
        .await
        .unwrap();
    logs.create_log_group()
        .log_group_name("plumb-plain")
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["logs"]).await;
    snap.assert_ok("logs");
    assert_eq!(snap.of_kind("aws_cloudwatch_log_group").len(), 2);

    let trail = snap.resource(&log_group_uid("plumb-trail"));
    assert_eq!(trail.kind, "aws_cloudwatch_log_group");
    assert_eq!(trail.name, "plumb-trail");
    assert_eq!(trail.props["name"], "plumb-trail");
    assert_eq!(trail.props["arn"], log_group_uid("plumb-trail"));
    assert_eq!(trail.props["retention_in_days"], 365);
    assert_eq!(trail.props["kms_key_id"], key_arn.as_str());
    assert!(trail.props["stored_bytes"].is_number());
    assert!(trail.props["creation_time"].is_string());
    assert!(trail.props["metric_filter_count"].is_number());
    assert_eq!(
        trail.tags.get("owner").map(String::as_str),
        Some("security")
    );
    assert!(snap.has_edge(&trail.uid, Relation::EncryptedBy, &key_arn));

    let plain = snap.resource(&log_group_uid("plumb-plain"));
    assert!(
        plain.props["retention_in_days"].is_null(),
        "no retention means kept forever"
    );
    assert!(plain.props["kms_key_id"].is_null());
    assert!(!snap
        .edges
        .iter()
        .any(|e| e.from == plain.uid && e.relation == Relation::EncryptedBy));
}

#[tokio::test(flavor = "multi_thread")]
async fn metric_filters_are_collected_under_their_log_group() {
    let server = MotoServer::start();
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk(&server, REGION).await);
    logs.create_log_group()
        .log_group_name("plumb-trail")
        .send()
        .await
        .unwrap();
    put_unauthorized_filter(&logs, "plumb-trail").await;

    let snap = collect(&server, &["logs"]).await;
    snap.assert_ok("logs");

    let group = log_group_uid("plumb-trail");
    let uid = format!("{group}:metric-filter/unauthorized-api-calls");
    let filter = snap.resource(&uid);
    assert_eq!(filter.kind, "aws_cloudwatch_log_metric_filter");
    assert_eq!(filter.name, "unauthorized-api-calls");
    assert_eq!(filter.props["filter_name"], "unauthorized-api-calls");
    assert_eq!(filter.props["log_group_name"], "plumb-trail");
    assert_eq!(filter.props["filter_pattern"], UNAUTHORIZED_PATTERN);
    let t = &filter.props["metric_transformations"][0];
    assert_eq!(t["metric_name"], "UnauthorizedAPICalls");
    assert_eq!(t["metric_namespace"], "CISBenchmark");
    assert_eq!(t["metric_value"], "1");
    assert!(snap.has_edge(&uid, Relation::Monitors, &group));
}
