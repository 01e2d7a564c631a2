//! Props of the kinds the `sqs` collector produces: queues with their
//! access policy, encryption (KMS or SQS-managed) and dead-letter settings.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![kind!(
        "aws_sqs_queue",
        "sqs",
        SqsQueue,
        uid = "arn:aws:sqs:REGION:ACCOUNT:QUEUE",
        "An SQS queue with its access policy, encryption and redrive settings"
    )]
}

/// Props of `aws_sqs_queue`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SqsQueue {
    /// The queue URL (ListQueues).
    pub queue_url: String,
    /// The queue name, the last part of its URL (ListQueues).
    pub name: String,
    /// The queue ARN (GetQueueAttributes `QueueArn`).
    pub queue_arn: Option<String>,
    /// The queue's access policy as a JSON document; `null` when the queue has none (GetQueueAttributes `Policy`).
    pub policy: Option<Value>,
    /// The KMS key of SSE-KMS encryption, as id, ARN or alias (`alias/aws/sqs` for the AWS-managed key); `null` when the queue does not use KMS (GetQueueAttributes `KmsMasterKeyId`).
    pub kms_master_key_id: Option<String>,
    /// How long SQS reuses a data key before calling KMS again, in seconds; `null` without KMS (GetQueueAttributes `KmsDataKeyReusePeriodSeconds`).
    pub kms_data_key_reuse_period_seconds: Option<i64>,
    /// Whether SSE-SQS (encryption with SQS-owned keys) is on; `null` when AWS does not say (GetQueueAttributes `SqsManagedSseEnabled`).
    pub sqs_managed_sse_enabled: Option<bool>,
    /// How long a received message stays invisible to other consumers, in seconds (GetQueueAttributes `VisibilityTimeout`).
    pub visibility_timeout: Option<i64>,
    /// How long SQS keeps a message, in seconds (GetQueueAttributes `MessageRetentionPeriod`).
    pub message_retention_period: Option<i64>,
    /// The delay before a new message can be received, in seconds (GetQueueAttributes `DelaySeconds`).
    pub delay_seconds: Option<i64>,
    /// The largest message the queue accepts, in bytes (GetQueueAttributes `MaximumMessageSize`).
    pub maximum_message_size: Option<i64>,
    /// The dead-letter queue and receive count as a JSON document (`deadLetterTargetArn`, `maxReceiveCount`); `null` when none is set (GetQueueAttributes `RedrivePolicy`).
    pub redrive_policy: Option<Value>,
    /// Which source queues may use this queue as their dead-letter queue, as a JSON document; `null` when unset (GetQueueAttributes `RedriveAllowPolicy`).
    pub redrive_allow_policy: Option<Value>,
    /// Whether the queue is a FIFO queue (GetQueueAttributes `FifoQueue`).
    pub fifo_queue: bool,
    /// Whether a FIFO queue deduplicates messages by content (GetQueueAttributes `ContentBasedDeduplication`).
    pub content_based_deduplication: bool,
    /// When the queue was created (GetQueueAttributes `CreatedTimestamp`).
    pub created_timestamp: Option<DateTime<Utc>>,
    /// When the queue's attributes last changed (GetQueueAttributes `LastModifiedTimestamp`).
    pub last_modified_timestamp: Option<DateTime<Utc>>,
}
