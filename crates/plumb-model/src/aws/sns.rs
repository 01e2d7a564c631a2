//! Props of the kinds the `sns` collector produces: topics with their access
//! policy, encryption and subscriptions, so that checks can tell an
//! unencrypted or world-publishable topic and exposure analysis can follow
//! a topic to the queues and functions it feeds.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![kind!(
        "aws_sns_topic",
        "sns",
        SnsTopic,
        uid = "arn:aws:sns:REGION:ACCOUNT:TOPIC",
        "An SNS topic with its access policy, KMS encryption and subscriptions"
    )]
}

/// Props of `aws_sns_topic`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SnsTopic {
    /// The topic ARN (ListTopics).
    pub topic_arn: String,
    /// The topic name, the last part of its ARN (ListTopics).
    pub name: String,
    /// The account that owns the topic (GetTopicAttributes `Owner`).
    pub owner: Option<String>,
    /// The display name used as the sender of SMS and email messages; `null` when unset (GetTopicAttributes `DisplayName`).
    pub display_name: Option<String>,
    /// The topic's access policy as a JSON document; `null` when the topic has none (GetTopicAttributes `Policy`).
    pub policy: Option<Value>,
    /// The KMS key that encrypts messages at rest, as id, ARN or alias (`alias/aws/sns` for the AWS-managed key); `null` when the topic is not encrypted (GetTopicAttributes `KmsMasterKeyId`).
    pub kms_master_key_id: Option<String>,
    /// The version of message signatures: `1` (SHA1) or `2` (SHA256); `null` when AWS does not say (GetTopicAttributes `SignatureVersion`).
    pub signature_version: Option<String>,
    /// AWS X-Ray tracing: `PassThrough` or `Active`; `null` when AWS does not say (GetTopicAttributes `TracingConfig`).
    pub tracing_config: Option<String>,
    /// Whether the topic is a FIFO topic (GetTopicAttributes `FifoTopic`).
    pub fifo_topic: bool,
    /// Whether a FIFO topic deduplicates messages by content (GetTopicAttributes `ContentBasedDeduplication`).
    pub content_based_deduplication: bool,
    /// The number of confirmed subscriptions (GetTopicAttributes `SubscriptionsConfirmed`).
    pub subscriptions_confirmed: Option<i64>,
    /// The number of subscriptions awaiting confirmation (GetTopicAttributes `SubscriptionsPending`).
    pub subscriptions_pending: Option<i64>,
    /// The number of deleted subscriptions not yet cleared (GetTopicAttributes `SubscriptionsDeleted`).
    pub subscriptions_deleted: Option<i64>,
    /// The topic's subscriptions (ListSubscriptionsByTopic).
    pub subscriptions: Vec<SnsSubscription>,
}

/// One subscription of a topic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SnsSubscription {
    /// The subscription ARN, or `PendingConfirmation` while the endpoint has not confirmed (ListSubscriptionsByTopic).
    pub subscription_arn: Option<String>,
    /// `http`, `https`, `email`, `email-json`, `sms`, `sqs`, `application`, `lambda` or `firehose` (ListSubscriptionsByTopic).
    pub protocol: Option<String>,
    /// Where messages go: an ARN, an email address, a phone number or a URL. URLs are stored without their user info, query string and fragment, which can carry credentials (ListSubscriptionsByTopic).
    pub endpoint: Option<String>,
    /// The account that owns the subscription (ListSubscriptionsByTopic).
    pub owner: Option<String>,
}
