//! Tests of the `cloudwatch` collector against moto.

use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic};
use plumb_model::Relation;

use crate::common::*;
use crate::logs::{log_group_uid, put_unauthorized_filter};

#[tokio::test(flavor = "multi_thread")]
async fn a_cis_alarm_links_its_metric_filter_and_sns_topic() {
    let server = MotoServer::start();
    let config = sdk(&server, REGION).await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    logs.create_log_group()
        .log_group_name("plumb-trail")
        .send()
        .await
        .unwrap();
    put_unauthorized_filter(&logs, "plumb-trail").await;
    let topic = aws_sdk_sns::Client::new(&config)
        .create_topic()
        .name("plumb-security")
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    let cloudwatch = aws_sdk_cloudwatch::Client::new(&config);
    cloudwatch
        .put_metric_alarm()
        .alarm_name("unauthorized-api-calls")
        .metric_name("UnauthorizedAPICalls")
        .namespace("CISBenchmark")
        .statistic(Statistic::Sum)
        .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
        .threshold(1.0)
        .evaluation_periods(1)
        .period(300)
        .alarm_actions(&topic)
        .send()
        .await
        .unwrap();
    let stop = format!("arn:aws:automate:{REGION}:ec2:stop");
    cloudwatch
        .put_metric_alarm()
        .alarm_name("cpu-high")
        .metric_name("CPUUtilization")
        .namespace("AWS/EC2")
        .statistic(Statistic::Average)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .threshold(90.0)
        .evaluation_periods(3)
        .period(60)
        .dimensions(
            Dimension::builder()
                .name("InstanceId")
                .value("i-0123456789abcdef0")
                .build(),
        )
        .alarm_actions(&stop)
        .ok_actions(&topic)
        .actions_enabled(false)
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["cloudwatch"]).await;
    snap.assert_ok("cloudwatch");
    assert_eq!(snap.of_kind("aws_cloudwatch_metric_alarm").len(), 2);

    let uid = format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:unauthorized-api-calls");
    let alarm = snap.resource(&uid);
    assert_eq!(alarm.kind, "aws_cloudwatch_metric_alarm");
    assert_eq!(alarm.name, "unauthorized-api-calls");
    let p = &alarm.props;
    assert_eq!(p["alarm_name"], "unauthorized-api-calls");
    assert_eq!(p["arn"], uid.as_str());
    assert_eq!(p["metric_name"], "UnauthorizedAPICalls");
    assert_eq!(p["namespace"], "CISBenchmark");
    assert_eq!(p["statistic"], "Sum");
    assert_eq!(p["comparison_operator"], "GreaterThanOrEqualToThreshold");
    assert_eq!(p["threshold"], 1.0);
    assert_eq!(p["evaluation_periods"], 1);
    assert_eq!(p["period"], 300);
    assert_eq!(p["actions_enabled"], true);
    assert_eq!(p["alarm_actions"], serde_json::json!([topic]));
    assert_eq!(p["ok_actions"], serde_json::json!([]));
    assert_eq!(p["insufficient_data_actions"], serde_json::json!([]));
    assert!(p["state_value"].is_string());
    assert_eq!(p["dimensions"], serde_json::json!([]));
    let filter = format!(
        "{}:metric-filter/unauthorized-api-calls",
        log_group_uid("plumb-trail")
    );
    assert_eq!(p["log_metric_filters"], serde_json::json!([filter]));
    assert!(snap.has_edge(&uid, Relation::NotifiesTo, &topic));
    assert!(snap.has_edge(&uid, Relation::Monitors, &filter));

    let cpu_uid = format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:cpu-high");
    let cpu = snap.resource(&cpu_uid);
    assert_eq!(cpu.props["actions_enabled"], false);
    assert_eq!(cpu.props["dimensions"][0]["name"], "InstanceId");
    assert_eq!(cpu.props["dimensions"][0]["value"], "i-0123456789abcdef0");
    assert_eq!(cpu.props["log_metric_filters"], serde_json::json!([]));
    // An OK action on a topic is a notification too; an EC2 action is not.
    assert!(snap.has_edge(&cpu_uid, Relation::NotifiesTo, &topic));
    assert!(!snap.edges.iter().any(|e| e.to == stop));
}
