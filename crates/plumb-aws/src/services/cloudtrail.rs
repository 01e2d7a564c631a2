//! Collects CloudTrail trails with what CIS section 3 and the FSBP
//! CloudTrail controls read: multi-region and global-event coverage, log
//! file validation, KMS encryption, delivery to S3, CloudWatch Logs and SNS,
//! whether the trail is logging now, and its event selectors.
//!
//! Trails are listed without shadow trails, so a multi-region trail is
//! collected once, by the unit of its home region; its status and selectors
//! are read there too. A consequence: an organization trail is listed only
//! in the management account that owns it (in member accounts it is a
//! shadow), so it is in a snapshot only when that account is scanned.

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt};
use plumb_model::aws::cloudtrail::{
    AdvancedEventSelector, AdvancedFieldSelector, CloudTrail, DataResource, EventSelector,
};
use plumb_model::{Relation, Resource};

use crate::error::api;
use crate::services::logs::log_group_uid;
use crate::services::{Service, ServiceScope};
use crate::unit::{record_gap, to_utc};
use crate::{client, collect_fn, CollectError, Unit};

/// The `cloudtrail` collector.
pub const SERVICE: Service = Service {
    name: "cloudtrail",
    scope: ServiceScope::Regional,
    kinds: &["aws_cloudtrail"],
    actions: &[
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:GetEventSelectors",
        "cloudtrail:ListTags",
    ],
    collect: collect_fn!(collect),
};

/// How many trails are read at once within the unit.
const TRAIL_CONCURRENCY: usize = 8;

/// The fields GetTrailStatus fills.
const STATUS: &[&str] = &[
    "is_logging",
    "latest_delivery_time",
    "latest_delivery_error",
    "latest_cloud_watch_logs_delivery_time",
    "latest_cloud_watch_logs_delivery_error",
    "latest_digest_delivery_time",
    "latest_digest_delivery_error",
    "start_logging_time",
    "stop_logging_time",
];

/// The fields GetEventSelectors fills.
const SELECTORS: &[&str] = &["event_selectors", "advanced_event_selectors"];

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let client = client!(unit, aws_sdk_cloudtrail);
    let answer = client
        .describe_trails()
        .include_shadow_trails(false)
        .send()
        .await
        .map_err(api("cloudtrail:DescribeTrails"))?;
    let trails: Vec<CloudTrail> = answer
        .trail_list()
        .iter()
        .filter(|t| t.home_region().is_none_or(|r| r == unit.region))
        .filter_map(|t| {
            let name = t.name()?.to_string();
            let trail_arn = t
                .trail_arn()
                .map(str::to_string)
                .unwrap_or_else(|| unit.arn("cloudtrail", &format!("trail/{name}")));
            Some(CloudTrail {
                name,
                trail_arn,
                home_region: t.home_region().map(str::to_string),
                is_multi_region_trail: t.is_multi_region_trail().unwrap_or(false),
                include_global_service_events: t.include_global_service_events().unwrap_or(false),
                is_organization_trail: t.is_organization_trail().unwrap_or(false),
                log_file_validation_enabled: t.log_file_validation_enabled().unwrap_or(false),
                kms_key_id: t.kms_key_id().map(str::to_string),
                s3_bucket_name: t.s3_bucket_name().map(str::to_string),
                s3_key_prefix: t.s3_key_prefix().map(str::to_string),
                cloud_watch_logs_log_group_arn: t
                    .cloud_watch_logs_log_group_arn()
                    .map(str::to_string),
                cloud_watch_logs_role_arn: t.cloud_watch_logs_role_arn().map(str::to_string),
                sns_topic_arn: t.sns_topic_arn().map(str::to_string),
                has_custom_event_selectors: t.has_custom_event_selectors().unwrap_or(false),
                has_insight_selectors: t.has_insight_selectors().unwrap_or(false),
                ..CloudTrail::default()
            })
        })
        .collect();

    let unit_ref = &*unit;
    let read: Vec<(Resource, Vec<(Relation, String)>)> = stream::iter(trails)
        .map(|trail| read_trail(unit_ref, &client, trail))
        .buffer_unordered(TRAIL_CONCURRENCY)
        .collect()
        .await;
    for (resource, links) in read {
        for (relation, to) in links {
            unit.link(&resource.uid, relation, &to);
        }
        unit.add(resource);
    }
    Ok(())
}

/// The edges of a trail: where it delivers and which key encrypts it.
fn trail_links(unit: &Unit, trail: &CloudTrail) -> Vec<(Relation, String)> {
    let mut links = Vec::new();
    if let Some(bucket) = trail.s3_bucket_name.as_deref().filter(|b| !b.is_empty()) {
        links.push((
            Relation::LogsTo,
            format!("arn:{}:s3:::{bucket}", unit.partition()),
        ));
    }
    if let Some(group) = trail
        .cloud_watch_logs_log_group_arn
        .as_deref()
        .filter(|g| !g.is_empty())
    {
        links.push((Relation::LogsTo, log_group_uid(group).to_string()));
    }
    if let Some(key) = trail.kms_key_id.as_deref().filter(|k| !k.is_empty()) {
        links.push((Relation::EncryptedBy, unit.kms_key_arn(key)));
    }
    if let Some(topic) = trail.sns_topic_arn.as_deref().filter(|t| !t.is_empty()) {
        links.push((Relation::NotifiesTo, topic.to_string()));
    }
    links
}

fn event_selector(s: &aws_sdk_cloudtrail::types::EventSelector) -> EventSelector {
    EventSelector {
        read_write_type: s.read_write_type().map(|t| t.as_str().to_string()),
        include_management_events: s.include_management_events(),
        data_resources: s
            .data_resources()
            .iter()
            .map(|d| DataResource {
                r#type: d.r#type().map(str::to_string),
                values: d.values().to_vec(),
            })
            .collect(),
        exclude_management_event_sources: s.exclude_management_event_sources().to_vec(),
    }
}

fn advanced_event_selector(
    s: &aws_sdk_cloudtrail::types::AdvancedEventSelector,
) -> AdvancedEventSelector {
    AdvancedEventSelector {
        name: s.name().map(str::to_string),
        field_selectors: s
            .field_selectors()
            .iter()
            .map(|f| AdvancedFieldSelector {
                field: f.field().to_string(),
                equals: f.equals().to_vec(),
                starts_with: f.starts_with().to_vec(),
                ends_with: f.ends_with().to_vec(),
                not_equals: f.not_equals().to_vec(),
                not_starts_with: f.not_starts_with().to_vec(),
                not_ends_with: f.not_ends_with().to_vec(),
            })
            .collect(),
    }
}

async fn read_trail(
    unit: &Unit,
    client: &aws_sdk_cloudtrail::Client,
    mut trail: CloudTrail,
) -> (Resource, Vec<(Relation, String)>) {
    let mut gaps: Vec<(&str, &[&str], CollectError)> = Vec::new();
    let arn = trail.trail_arn.clone();

    match client
        .get_trail_status()
        .name(&arn)
        .send()
        .await
        .map_err(api("cloudtrail:GetTrailStatus"))
    {
        Ok(s) => {
            trail.is_logging = s.is_logging();
            trail.latest_delivery_time = s.latest_delivery_time().and_then(to_utc);
            trail.latest_delivery_error = s.latest_delivery_error().map(str::to_string);
            trail.latest_cloud_watch_logs_delivery_time =
                s.latest_cloud_watch_logs_delivery_time().and_then(to_utc);
            trail.latest_cloud_watch_logs_delivery_error = s
                .latest_cloud_watch_logs_delivery_error()
                .map(str::to_string);
            trail.latest_digest_delivery_time = s.latest_digest_delivery_time().and_then(to_utc);
            trail.latest_digest_delivery_error =
                s.latest_digest_delivery_error().map(str::to_string);
            trail.start_logging_time = s.start_logging_time().and_then(to_utc);
            trail.stop_logging_time = s.stop_logging_time().and_then(to_utc);
        }
        Err(e) => gaps.push(("get_trail_status", STATUS, e)),
    }

    match client
        .get_event_selectors()
        .trail_name(&arn)
        .send()
        .await
        .map_err(api("cloudtrail:GetEventSelectors"))
    {
        Ok(out) => {
            trail.event_selectors = out.event_selectors().iter().map(event_selector).collect();
            trail.advanced_event_selectors = out
                .advanced_event_selectors()
                .iter()
                .map(advanced_event_selector)
                .collect();
        }
        Err(e) => gaps.push(("get_event_selectors", SELECTORS, e)),
    }

    let mut tags = BTreeMap::new();
    let mut pages = client
        .list_tags()
        .resource_id_list(&arn)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page.map_err(api("cloudtrail:ListTags")) {
            Ok(page) => {
                for t in page
                    .resource_tag_list()
                    .iter()
                    .filter(|r| r.resource_id().is_none_or(|id| id == arn))
                    .flat_map(|r| r.tags_list())
                {
                    tags.insert(
                        t.key().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    );
                }
            }
            Err(e) => {
                gaps.push(("list_tags", &[], e));
                break;
            }
        }
    }

    let links = trail_links(unit, &trail);
    let name = trail.name.clone();
    let mut resource = Resource::new(arn, "aws_cloudtrail", &unit.account, &unit.region, name)
        .with_props(&trail)
        .with_tags(tags);
    for (operation, fields, error) in gaps {
        record_gap(&mut resource, operation, fields, &error);
    }
    (resource, links)
}
