//! Collects CloudWatch Logs log groups (retention, KMS key, tags) and their
//! metric filters: the filters carry the patterns CIS section 4 asks for
//! (unauthorised calls, root use, IAM and trail changes, …) and the metrics
//! the `cloudwatch` alarms watch.
//!
//! A log group's uid is its ARN without the `:*` that `DescribeLogGroups`
//! and CloudTrail append; a metric filter has no ARN of its own, so its uid
//! is `<log group uid>:metric-filter/<filter name>`.

use std::collections::HashMap;

use futures::stream::{self, StreamExt};
use plumb_model::aws::logs::{CloudWatchLogGroup, CloudWatchLogMetricFilter, MetricTransformation};
use plumb_model::{Relation, Resource};

use crate::error::api;
use crate::services::{Service, ServiceScope};
use crate::unit::{record_gap, tag_map};
use crate::{client, collect_fn, CollectError, Unit};

/// The `logs` collector.
pub const SERVICE: Service = Service {
    name: "logs",
    scope: ServiceScope::Regional,
    kinds: &[
        "aws_cloudwatch_log_group",
        "aws_cloudwatch_log_metric_filter",
    ],
    actions: &[
        "logs:DescribeLogGroups",
        "logs:DescribeMetricFilters",
        "logs:ListTagsForResource",
    ],
    collect: collect_fn!(collect),
};

/// How many log groups' tags are read at once within the unit.
const GROUP_CONCURRENCY: usize = 8;

/// A log group's uid: its ARN without a trailing `:*`, which
/// `DescribeLogGroups` and CloudTrail add to mean "every stream".
pub(crate) fn log_group_uid(arn: &str) -> &str {
    arn.strip_suffix(":*").unwrap_or(arn)
}

/// A metric filter's uid, under its log group's.
pub(crate) fn metric_filter_uid(log_group_uid: &str, filter_name: &str) -> String {
    format!("{log_group_uid}:metric-filter/{filter_name}")
}

fn from_millis(ms: Option<i64>) -> Option<chrono::DateTime<chrono::Utc>> {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
}

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let client = client!(unit, aws_sdk_cloudwatchlogs);
    let mut groups = Vec::new();
    let mut pages = client.describe_log_groups().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("logs:DescribeLogGroups"))?;
        for g in page.log_groups() {
            let Some(name) = g.log_group_name() else {
                continue;
            };
            let arn = g
                .log_group_arn()
                .or(g.arn())
                .map(|a| log_group_uid(a).to_string())
                .unwrap_or_else(|| unit.arn("logs", &format!("log-group:{name}")));
            groups.push(CloudWatchLogGroup {
                name: name.to_string(),
                arn,
                retention_in_days: g.retention_in_days(),
                kms_key_id: g.kms_key_id().map(str::to_string),
                stored_bytes: g.stored_bytes(),
                creation_time: from_millis(g.creation_time()),
                metric_filter_count: g.metric_filter_count(),
                log_group_class: g.log_group_class().map(|c| c.as_str().to_string()),
                data_protection_status: g.data_protection_status().map(|s| s.as_str().to_string()),
                deletion_protection_enabled: g.deletion_protection_enabled(),
            });
        }
    }

    let mut filters = Vec::new();
    let mut pages = client.describe_metric_filters().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("logs:DescribeMetricFilters"))?;
        for f in page.metric_filters() {
            let (Some(filter_name), Some(log_group_name)) = (f.filter_name(), f.log_group_name())
            else {
                continue;
            };
            filters.push(CloudWatchLogMetricFilter {
                filter_name: filter_name.to_string(),
                log_group_name: log_group_name.to_string(),
                filter_pattern: f.filter_pattern().map(str::to_string),
                metric_transformations: f
                    .metric_transformations()
                    .iter()
                    .map(|t| MetricTransformation {
                        metric_name: t.metric_name().to_string(),
                        metric_namespace: t.metric_namespace().to_string(),
                        metric_value: t.metric_value().to_string(),
                        default_value: t.default_value(),
                    })
                    .collect(),
                creation_time: from_millis(f.creation_time()),
            });
        }
    }

    let group_uids: HashMap<String, String> = groups
        .iter()
        .map(|g| (g.name.clone(), g.arn.clone()))
        .collect();

    let unit_ref = &*unit;
    let read: Vec<(Resource, Option<String>)> = stream::iter(groups)
        .map(|group| read_group(unit_ref, &client, group))
        .buffer_unordered(GROUP_CONCURRENCY)
        .collect()
        .await;
    for (resource, key) in read {
        if let Some(key) = key {
            unit.link(&resource.uid, Relation::EncryptedBy, &key);
        }
        unit.add(resource);
    }

    for filter in filters {
        let group_uid = group_uids
            .get(&filter.log_group_name)
            .cloned()
            .unwrap_or_else(|| unit.arn("logs", &format!("log-group:{}", filter.log_group_name)));
        let uid = metric_filter_uid(&group_uid, &filter.filter_name);
        let created = filter.creation_time;
        let resource = Resource::new(
            uid.clone(),
            "aws_cloudwatch_log_metric_filter",
            &unit.account,
            &unit.region,
            filter.filter_name.clone(),
        )
        .with_props(&filter)
        .created(created);
        unit.link(&uid, Relation::Monitors, &group_uid);
        unit.add(resource);
    }
    Ok(())
}

async fn read_group(
    unit: &Unit,
    client: &aws_sdk_cloudwatchlogs::Client,
    group: CloudWatchLogGroup,
) -> (Resource, Option<String>) {
    let key = group
        .kms_key_id
        .as_deref()
        .filter(|k| !k.is_empty())
        .map(|k| unit.kms_key_arn(k));
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&group.arn)
        .send()
        .await
        .map_err(api("logs:ListTagsForResource"))
        .map(|out| {
            out.tags()
                .map(|t| tag_map(t.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
                .unwrap_or_default()
        });
    let mut resource = Resource::new(
        group.arn.clone(),
        "aws_cloudwatch_log_group",
        &unit.account,
        &unit.region,
        group.name.clone(),
    )
    .with_props(&group)
    .created(group.creation_time);
    match tags {
        Ok(tags) => resource = resource.with_tags(tags),
        Err(e) => record_gap(&mut resource, "list_tags_for_resource", &[], &e),
    }
    (resource, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_group_uids_drop_the_stream_wildcard() {
        assert_eq!(
            log_group_uid("arn:aws:logs:eu-west-1:111122223333:log-group:trail:*"),
            "arn:aws:logs:eu-west-1:111122223333:log-group:trail"
        );
        assert_eq!(
            log_group_uid("arn:aws:logs:eu-west-1:111122223333:log-group:trail"),
            "arn:aws:logs:eu-west-1:111122223333:log-group:trail"
        );
    }

    #[test]
    fn metric_filter_uids_sit_under_their_log_group() {
        assert_eq!(
            metric_filter_uid("arn:aws:logs:eu-west-1:1:log-group:trail", "unauthorized"),
            "arn:aws:logs:eu-west-1:1:log-group:trail:metric-filter/unauthorized"
        );
    }
}
