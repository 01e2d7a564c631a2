//! Collects SQS queues with their access policy, encryption (SSE-KMS or
//! SSE-SQS), retention, redrive settings and tags: what the FSBP SQS
//! controls read, and the queue → key edge.
//!
//! The uid is the queue ARN from `GetQueueAttributes`; should that call
//! fail, the ARN is built from the queue URL so the queue still appears,
//! with the attributes recorded as a gap.

use std::collections::BTreeMap;

use aws_sdk_sqs::types::QueueAttributeName;
use futures::stream::{self, StreamExt};
use plumb_model::aws::sqs::SqsQueue;
use plumb_model::{Relation, Resource};

use crate::error::api;
use crate::services::{Service, ServiceScope};
use crate::unit::{display_name, parse_policy, record_gap};
use crate::{client, collect_fn, CollectError, Unit};

/// The `sqs` collector.
pub const SERVICE: Service = Service {
    name: "sqs",
    scope: ServiceScope::Regional,
    kinds: &["aws_sqs_queue"],
    actions: &[
        "sqs:ListQueues",
        "sqs:GetQueueAttributes",
        "sqs:ListQueueTags",
    ],
    collect: collect_fn!(collect),
};

/// How many queues are read at once within the unit.
const QUEUE_CONCURRENCY: usize = 8;

/// The largest page ListQueues serves; without `MaxResults` it returns at
/// most 1,000 queues and no token to go on.
const LIST_PAGE_SIZE: i32 = 1000;

/// The props that `GetQueueAttributes` fills, absent when it fails.
const ATTRIBUTE_FIELDS: &[&str] = &[
    "queue_arn",
    "policy",
    "kms_master_key_id",
    "kms_data_key_reuse_period_seconds",
    "sqs_managed_sse_enabled",
    "visibility_timeout",
    "message_retention_period",
    "delay_seconds",
    "maximum_message_size",
    "redrive_policy",
    "redrive_allow_policy",
    "fifo_queue",
    "content_based_deduplication",
    "created_timestamp",
    "last_modified_timestamp",
];

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let client = client!(unit, aws_sdk_sqs);
    let mut urls = Vec::new();
    let mut pages = client
        .list_queues()
        .max_results(LIST_PAGE_SIZE)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("sqs:ListQueues"))?;
        urls.extend(page.queue_urls().iter().cloned());
    }

    let unit_ref = &*unit;
    let read: Vec<(Resource, Vec<(Relation, String)>)> = stream::iter(urls)
        .map(|url| read_queue(unit_ref, &client, url))
        .buffer_unordered(QUEUE_CONCURRENCY)
        .collect()
        .await;
    unit.add_linked(read);
    Ok(())
}

/// A failed sub-call: the operation, the props it would have filled, why.
type Gap = (&'static str, &'static [&'static str], CollectError);

/// Parses a JSON document attribute (a policy, a redrive policy); one that
/// is not JSON is recorded as a gap on `field` rather than stored as text.
fn document(
    text: Option<String>,
    field: &'static [&'static str],
    gaps: &mut Vec<Gap>,
) -> Option<serde_json::Value> {
    match text
        .map(|d| parse_policy("sqs:GetQueueAttributes", &d))
        .transpose()
    {
        Ok(value) => value,
        Err(e) => {
            gaps.push(("get_queue_attributes", field, e));
            None
        }
    }
}

async fn read_queue(
    unit: &Unit,
    client: &aws_sdk_sqs::Client,
    url: String,
) -> (Resource, Vec<(Relation, String)>) {
    let name = url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(&url)
        .to_string();
    let mut queue = SqsQueue {
        queue_url: url.clone(),
        name: name.clone(),
        ..SqsQueue::default()
    };
    let mut gaps: Vec<Gap> = Vec::new();
    let mut links = Vec::new();

    match client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .map_err(api("sqs:GetQueueAttributes"))
    {
        Ok(out) => {
            let attrs = out.attributes().cloned().unwrap_or_default();
            let text = |k: QueueAttributeName| attrs.get(&k).filter(|v| !v.is_empty()).cloned();
            let number = |k: QueueAttributeName| text(k).and_then(|v| v.parse::<i64>().ok());
            let flag = |k: QueueAttributeName| text(k).map(|v| v.eq_ignore_ascii_case("true"));
            // Epoch seconds; AWS sends an integer, emulators may add a fraction.
            let time = |k: QueueAttributeName| {
                text(k)
                    .and_then(|v| v.parse::<f64>().ok())
                    .filter(|secs| secs.is_finite())
                    .and_then(|secs| chrono::DateTime::from_timestamp(secs.trunc() as i64, 0))
            };
            queue.queue_arn = text(QueueAttributeName::QueueArn);
            queue.kms_master_key_id = text(QueueAttributeName::KmsMasterKeyId);
            queue.kms_data_key_reuse_period_seconds = queue
                .kms_master_key_id
                .as_ref()
                .and(number(QueueAttributeName::KmsDataKeyReusePeriodSeconds));
            queue.sqs_managed_sse_enabled = flag(QueueAttributeName::SqsManagedSseEnabled);
            queue.visibility_timeout = number(QueueAttributeName::VisibilityTimeout);
            queue.message_retention_period = number(QueueAttributeName::MessageRetentionPeriod);
            queue.delay_seconds = number(QueueAttributeName::DelaySeconds);
            queue.maximum_message_size = number(QueueAttributeName::MaximumMessageSize);
            queue.fifo_queue = flag(QueueAttributeName::FifoQueue).unwrap_or(false);
            queue.content_based_deduplication =
                flag(QueueAttributeName::ContentBasedDeduplication).unwrap_or(false);
            queue.created_timestamp = time(QueueAttributeName::CreatedTimestamp);
            queue.last_modified_timestamp = time(QueueAttributeName::LastModifiedTimestamp);
            queue.policy = document(text(QueueAttributeName::Policy), &["policy"], &mut gaps);
            queue.redrive_policy = document(
                text(QueueAttributeName::RedrivePolicy),
                &["redrive_policy"],
                &mut gaps,
            );
            queue.redrive_allow_policy = document(
                text(QueueAttributeName::RedriveAllowPolicy),
                &["redrive_allow_policy"],
                &mut gaps,
            );
            if let Some(key) = &queue.kms_master_key_id {
                links.push((Relation::EncryptedBy, unit.kms_key_arn(key)));
            }
        }
        Err(e) => gaps.push(("get_queue_attributes", ATTRIBUTE_FIELDS, e)),
    }

    let mut tags = BTreeMap::new();
    match client
        .list_queue_tags()
        .queue_url(&url)
        .send()
        .await
        .map_err(api("sqs:ListQueueTags"))
    {
        Ok(out) => {
            if let Some(t) = out.tags() {
                tags.extend(t.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        Err(e) => gaps.push(("list_queue_tags", &[], e)),
    }

    let uid = queue
        .queue_arn
        .clone()
        .unwrap_or_else(|| unit.arn("sqs", &name));
    let created = queue.created_timestamp;
    let label = display_name(&tags, &name);
    let mut resource = Resource::new(uid, "aws_sqs_queue", &unit.account, &unit.region, label)
        .with_props(&queue)
        .with_tags(tags)
        .created(created);
    for (operation, fields, error) in gaps {
        record_gap(&mut resource, operation, fields, &error);
    }
    (resource, links)
}
