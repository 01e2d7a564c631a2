//! Collects SNS topics with their access policy, KMS encryption, signature
//! and tracing settings, subscriptions and tags: what the FSBP SNS controls
//! read, and the topic → queue and topic → function edges that exposure
//! analysis follows.
//!
//! Subscription endpoints that are URLs lose their user info, query string
//! and fragment before they are stored: webhook URLs often carry tokens.

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt};
use plumb_model::aws::sns::{SnsSubscription, SnsTopic};
use plumb_model::{Relation, Resource};

use crate::error::api;
use crate::services::{Service, ServiceScope};
use crate::unit::{display_name, parse_policy, record_gap};
use crate::{client, collect_fn, CollectError, Unit};

/// The `sns` collector.
pub const SERVICE: Service = Service {
    name: "sns",
    scope: ServiceScope::Regional,
    kinds: &["aws_sns_topic"],
    actions: &[
        "sns:ListTopics",
        "sns:GetTopicAttributes",
        "sns:ListSubscriptionsByTopic",
        "sns:ListTagsForResource",
    ],
    collect: collect_fn!(collect),
};

/// How many topics are read at once within the unit.
const TOPIC_CONCURRENCY: usize = 8;

/// The props that `GetTopicAttributes` fills, absent when it fails.
const ATTRIBUTE_FIELDS: &[&str] = &[
    "owner",
    "display_name",
    "policy",
    "kms_master_key_id",
    "signature_version",
    "tracing_config",
    "fifo_topic",
    "content_based_deduplication",
    "subscriptions_confirmed",
    "subscriptions_pending",
    "subscriptions_deleted",
];

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let client = client!(unit, aws_sdk_sns);
    let mut arns = Vec::new();
    let mut pages = client.list_topics().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("sns:ListTopics"))?;
        arns.extend(
            page.topics()
                .iter()
                .filter_map(|t| t.topic_arn())
                .map(str::to_string),
        );
    }

    let unit_ref = &*unit;
    let read: Vec<(Resource, Vec<(Relation, String)>)> = stream::iter(arns)
        .map(|arn| read_topic(unit_ref, &client, arn))
        .buffer_unordered(TOPIC_CONCURRENCY)
        .collect()
        .await;
    unit.add_linked(read);
    Ok(())
}

async fn read_topic(
    unit: &Unit,
    client: &aws_sdk_sns::Client,
    arn: String,
) -> (Resource, Vec<(Relation, String)>) {
    let name = arn.rsplit(':').next().unwrap_or(&arn).to_string();
    let mut topic = SnsTopic {
        topic_arn: arn.clone(),
        name: name.clone(),
        ..SnsTopic::default()
    };
    let mut gaps: Vec<(&str, &[&str], CollectError)> = Vec::new();
    let mut links = Vec::new();

    match client
        .get_topic_attributes()
        .topic_arn(&arn)
        .send()
        .await
        .map_err(api("sns:GetTopicAttributes"))
    {
        Ok(out) => {
            let attrs = out.attributes().cloned().unwrap_or_default();
            let text = |k: &str| attrs.get(k).filter(|v| !v.is_empty()).cloned();
            let count = |k: &str| attrs.get(k).and_then(|v| v.parse::<i64>().ok());
            let flag = |k: &str| attrs.get(k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
            topic.owner = text("Owner");
            topic.display_name = text("DisplayName");
            topic.kms_master_key_id = text("KmsMasterKeyId");
            topic.signature_version = text("SignatureVersion");
            topic.tracing_config = text("TracingConfig");
            topic.fifo_topic = flag("FifoTopic");
            topic.content_based_deduplication = flag("ContentBasedDeduplication");
            topic.subscriptions_confirmed = count("SubscriptionsConfirmed");
            topic.subscriptions_pending = count("SubscriptionsPending");
            topic.subscriptions_deleted = count("SubscriptionsDeleted");
            match text("Policy")
                .map(|p| parse_policy("sns:GetTopicAttributes", &p))
                .transpose()
            {
                Ok(policy) => topic.policy = policy,
                Err(e) => gaps.push(("get_topic_attributes", &["policy"], e)),
            }
            if let Some(key) = &topic.kms_master_key_id {
                links.push((Relation::EncryptedBy, unit.kms_key_arn(key)));
            }
        }
        Err(e) => gaps.push(("get_topic_attributes", ATTRIBUTE_FIELDS, e)),
    }

    match list_subscriptions(client, &arn).await {
        Ok(subscriptions) => {
            for s in &subscriptions {
                if let Some(target) = notification_target(s) {
                    links.push((Relation::NotifiesTo, target));
                }
            }
            topic.subscriptions = subscriptions;
        }
        Err(e) => gaps.push(("list_subscriptions_by_topic", &["subscriptions"], e)),
    }

    let mut tags = BTreeMap::new();
    match client
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(api("sns:ListTagsForResource"))
    {
        Ok(out) => {
            for t in out.tags() {
                tags.insert(t.key().to_string(), t.value().to_string());
            }
        }
        Err(e) => gaps.push(("list_tags_for_resource", &[], e)),
    }

    let label = display_name(&tags, &name);
    let mut resource = Resource::new(arn, "aws_sns_topic", &unit.account, &unit.region, label)
        .with_props(&topic)
        .with_tags(tags);
    for (operation, fields, error) in gaps {
        record_gap(&mut resource, operation, fields, &error);
    }
    (resource, links)
}

async fn list_subscriptions(
    client: &aws_sdk_sns::Client,
    topic_arn: &str,
) -> Result<Vec<SnsSubscription>, CollectError> {
    let mut subscriptions = Vec::new();
    let mut pages = client
        .list_subscriptions_by_topic()
        .topic_arn(topic_arn)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("sns:ListSubscriptionsByTopic"))?;
        subscriptions.extend(page.subscriptions().iter().map(|s| SnsSubscription {
            subscription_arn: s.subscription_arn().map(str::to_string),
            protocol: s.protocol().map(str::to_string),
            endpoint: s.endpoint().map(redact_endpoint),
            owner: s.owner().map(str::to_string),
        }));
    }
    Ok(subscriptions)
}

/// The queue or function a subscription delivers to, as the uid of that
/// resource: Lambda endpoints may name a version or alias, whose function
/// is the unqualified ARN.
fn notification_target(s: &SnsSubscription) -> Option<String> {
    let endpoint = s.endpoint.as_deref().filter(|e| e.starts_with("arn:"))?;
    match s.protocol.as_deref()? {
        "sqs" => Some(endpoint.to_string()),
        "lambda" => Some(unqualified_function_arn(endpoint)),
        _ => None,
    }
}

/// A Lambda ARN without its version or alias qualifier: the function's uid.
fn unqualified_function_arn(arn: &str) -> String {
    arn.splitn(8, ':').take(7).collect::<Vec<_>>().join(":")
}

/// A subscription endpoint safe to store: a URL keeps its scheme, host, port
/// and path, and loses user info, query string and fragment, where webhook
/// credentials live. Anything that is not a URL is kept as it is.
fn redact_endpoint(endpoint: &str) -> String {
    let Some((scheme, rest)) = endpoint.split_once("://") else {
        return endpoint.to_string();
    };
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = authority.rsplit('@').next().unwrap_or_default();
    format!("{scheme}://{host}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_endpoints_lose_credentials_query_and_fragment() {
        assert_eq!(
            redact_endpoint("https://user:p%40ss@hooks.example.com:8443/a/b?token=s3cret#frag"),
            "https://hooks.example.com:8443/a/b"
        );
        assert_eq!(
            redact_endpoint("http://example.com?key=1"),
            "http://example.com"
        );
        assert_eq!(
            redact_endpoint("HTTPS://example.com/p@th"),
            "HTTPS://example.com/p@th"
        );
    }

    #[test]
    fn non_url_endpoints_are_kept() {
        for e in [
            "arn:aws:sqs:us-east-1:111122223333:q",
            "ops@example.com",
            "+15555550100",
        ] {
            assert_eq!(redact_endpoint(e), e);
        }
    }

    #[test]
    fn lambda_endpoints_point_at_the_unqualified_function() {
        let s = SnsSubscription {
            protocol: Some("lambda".into()),
            endpoint: Some("arn:aws:lambda:us-east-1:111122223333:function:f:live".into()),
            ..SnsSubscription::default()
        };
        assert_eq!(
            notification_target(&s).as_deref(),
            Some("arn:aws:lambda:us-east-1:111122223333:function:f")
        );
        let email = SnsSubscription {
            protocol: Some("email".into()),
            endpoint: Some("ops@example.com".into()),
            ..SnsSubscription::default()
        };
        assert_eq!(notification_target(&email), None);
    }
}
