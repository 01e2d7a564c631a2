//! Collects CloudWatch metric alarms: the metric each watches, its
//! threshold, its state and the actions it takes. CIS section 4 asks for an
//! alarm on each of its log metric filters with an SNS subscriber, so each
//! alarm is linked to the SNS topics it notifies and to the CloudWatch Logs
//! metric filters that publish its metric; a check can then follow
//! trail → log group → metric filter → alarm → topic.

use std::collections::HashMap;

use plumb_model::aws::cloudwatch::{CloudWatchMetricAlarm, Dimension, MetricQuery};
use plumb_model::{Relation, Resource};

use crate::error::api;
use crate::services::logs::metric_filter_uid;
use crate::services::{Service, ServiceScope};
use crate::unit::record_gap;
use crate::{client, collect_fn, CollectError, Unit};

/// The `cloudwatch` collector.
pub const SERVICE: Service = Service {
    name: "cloudwatch",
    scope: ServiceScope::Regional,
    kinds: &["aws_cloudwatch_metric_alarm"],
    actions: &["cloudwatch:DescribeAlarms", "logs:DescribeMetricFilters"],
    collect: collect_fn!(collect),
};

/// A metric, as (namespace, name).
type MetricKey = (String, String);

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let client = client!(unit, aws_sdk_cloudwatch);
    let mut alarms = Vec::new();
    let mut pages = client
        .describe_alarms()
        .alarm_types(aws_sdk_cloudwatch::types::AlarmType::MetricAlarm)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("cloudwatch:DescribeAlarms"))?;
        for a in page.metric_alarms() {
            if let Some(alarm) = alarm_props(unit, a) {
                alarms.push(alarm);
            }
        }
    }

    // Only worth a listing when some alarm watches a metric.
    let filters = if alarms.iter().any(|a| !watched_metrics(a).is_empty()) {
        Some(metric_filters(unit).await)
    } else {
        None
    };

    for mut alarm in alarms {
        let mut gap = None;
        match &filters {
            Some(Ok(by_metric)) => {
                let mut uids: Vec<String> = watched_metrics(&alarm)
                    .iter()
                    .filter_map(|m| by_metric.get(m))
                    .flatten()
                    .cloned()
                    .collect();
                uids.sort();
                uids.dedup();
                alarm.log_metric_filters = uids;
            }
            Some(Err(e)) => gap = Some(e.clone()),
            None => {}
        }
        let uid = alarm.arn.clone();
        for topic in sns_topics(&alarm) {
            unit.link(&uid, Relation::NotifiesTo, &topic);
        }
        for filter in &alarm.log_metric_filters {
            unit.link(&uid, Relation::Monitors, filter);
        }
        let mut resource = Resource::new(
            uid,
            "aws_cloudwatch_metric_alarm",
            &unit.account,
            &unit.region,
            alarm.alarm_name.clone(),
        )
        .with_props(&alarm);
        if let Some(e) = gap {
            record_gap(
                &mut resource,
                "describe_metric_filters",
                &["log_metric_filters"],
                &e,
            );
        }
        unit.add(resource);
    }
    Ok(())
}

fn alarm_props(
    unit: &Unit,
    a: &aws_sdk_cloudwatch::types::MetricAlarm,
) -> Option<CloudWatchMetricAlarm> {
    let name = a.alarm_name()?;
    Some(CloudWatchMetricAlarm {
        alarm_name: name.to_string(),
        arn: a
            .alarm_arn()
            .map(str::to_string)
            .unwrap_or_else(|| unit.arn("cloudwatch", &format!("alarm:{name}"))),
        alarm_description: a.alarm_description().map(str::to_string),
        metric_name: a.metric_name().map(str::to_string),
        namespace: a.namespace().map(str::to_string),
        statistic: a.statistic().map(|s| s.as_str().to_string()),
        extended_statistic: a.extended_statistic().map(str::to_string),
        comparison_operator: a.comparison_operator().map(|c| c.as_str().to_string()),
        threshold: a.threshold(),
        evaluation_periods: a.evaluation_periods(),
        datapoints_to_alarm: a.datapoints_to_alarm(),
        period: a.period(),
        treat_missing_data: a.treat_missing_data().map(str::to_string),
        actions_enabled: a.actions_enabled().unwrap_or(false),
        alarm_actions: a.alarm_actions().to_vec(),
        ok_actions: a.ok_actions().to_vec(),
        insufficient_data_actions: a.insufficient_data_actions().to_vec(),
        state_value: a.state_value().map(|s| s.as_str().to_string()),
        dimensions: a
            .dimensions()
            .iter()
            .map(|d| Dimension {
                name: d.name().map(str::to_string),
                value: d.value().map(str::to_string),
            })
            .collect(),
        metrics: a
            .metrics()
            .iter()
            .map(|m| {
                let metric = m.metric_stat().and_then(|s| s.metric());
                MetricQuery {
                    id: m.id().unwrap_or_default().to_string(),
                    expression: m.expression().map(str::to_string),
                    metric_name: metric.and_then(|x| x.metric_name()).map(str::to_string),
                    namespace: metric.and_then(|x| x.namespace()).map(str::to_string),
                    return_data: m.return_data(),
                }
            })
            .collect(),
        log_metric_filters: Vec::new(),
    })
}

/// The metrics an alarm compares: its own, or those of its metric math.
fn watched_metrics(alarm: &CloudWatchMetricAlarm) -> Vec<MetricKey> {
    let own = match (&alarm.namespace, &alarm.metric_name) {
        (Some(ns), Some(name)) => Some((ns.clone(), name.clone())),
        _ => None,
    };
    let math = alarm
        .metrics
        .iter()
        .filter_map(|m| match (&m.namespace, &m.metric_name) {
            (Some(ns), Some(name)) => Some((ns.clone(), name.clone())),
            _ => None,
        });
    own.into_iter().chain(math).collect()
}

/// The SNS topics among an alarm's actions, whichever state triggers them.
fn sns_topics(alarm: &CloudWatchMetricAlarm) -> Vec<String> {
    let mut topics: Vec<String> = alarm
        .alarm_actions
        .iter()
        .chain(&alarm.ok_actions)
        .chain(&alarm.insufficient_data_actions)
        .filter(|a| a.split(':').nth(2) == Some("sns"))
        .cloned()
        .collect();
    topics.sort();
    topics.dedup();
    topics
}

/// The uids of the region's metric filters, by the metric they publish.
async fn metric_filters(unit: &Unit) -> Result<HashMap<MetricKey, Vec<String>>, CollectError> {
    let logs = client!(unit, aws_sdk_cloudwatchlogs);
    let mut by_metric: HashMap<MetricKey, Vec<String>> = HashMap::new();
    let mut pages = logs.describe_metric_filters().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("logs:DescribeMetricFilters"))?;
        for f in page.metric_filters() {
            let (Some(filter), Some(group)) = (f.filter_name(), f.log_group_name()) else {
                continue;
            };
            let group_uid = unit.arn("logs", &format!("log-group:{group}"));
            let uid = metric_filter_uid(&group_uid, filter);
            for t in f.metric_transformations() {
                by_metric
                    .entry((
                        t.metric_namespace().to_string(),
                        t.metric_name().to_string(),
                    ))
                    .or_default()
                    .push(uid.clone());
            }
        }
    }
    Ok(by_metric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sns_actions_are_topics() {
        let alarm = CloudWatchMetricAlarm {
            alarm_actions: vec![
                "arn:aws:sns:eu-west-1:111122223333:security".into(),
                "arn:aws:automate:eu-west-1:ec2:stop".into(),
            ],
            ok_actions: vec!["arn:aws:sns:eu-west-1:111122223333:security".into()],
            insufficient_data_actions: vec!["arn:aws:sns:eu-west-1:111122223333:ops".into()],
            ..CloudWatchMetricAlarm::default()
        };
        assert_eq!(
            sns_topics(&alarm),
            vec![
                "arn:aws:sns:eu-west-1:111122223333:ops".to_string(),
                "arn:aws:sns:eu-west-1:111122223333:security".to_string(),
            ]
        );
    }

    #[test]
    fn metric_math_alarms_watch_the_metrics_of_their_queries() {
        let alarm = CloudWatchMetricAlarm {
            metrics: vec![
                MetricQuery {
                    id: "m1".into(),
                    metric_name: Some("RootUsage".into()),
                    namespace: Some("CISBenchmark".into()),
                    ..MetricQuery::default()
                },
                MetricQuery {
                    id: "e1".into(),
                    expression: Some("m1 * 2".into()),
                    ..MetricQuery::default()
                },
            ],
            ..CloudWatchMetricAlarm::default()
        };
        assert_eq!(
            watched_metrics(&alarm),
            vec![("CISBenchmark".to_string(), "RootUsage".to_string())]
        );
    }
}
