//! Props of the kinds the `cloudtrail` collector produces: trails with
//! where they deliver, whether they log now, and which events they record
//! (CIS AWS Foundations section 3, FSBP CloudTrail.1–CloudTrail.7).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![kind!(
        "aws_cloudtrail",
        "cloudtrail",
        CloudTrail,
        uid = "arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME",
        "A CloudTrail trail, collected once in its home region, with its logging status, delivery targets and event selectors"
    )]
}

/// Props of `aws_cloudtrail`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CloudTrail {
    /// The trail name (DescribeTrails).
    pub name: String,
    /// The trail ARN (DescribeTrails).
    pub trail_arn: String,
    /// The region the trail was created in (DescribeTrails).
    pub home_region: Option<String>,
    /// Whether the trail records events of every region (DescribeTrails).
    pub is_multi_region_trail: bool,
    /// Whether the trail records events of global services such as IAM (DescribeTrails).
    pub include_global_service_events: bool,
    /// Whether this is an organization trail (DescribeTrails).
    pub is_organization_trail: bool,
    /// Whether log file integrity validation (digest files) is on (DescribeTrails).
    pub log_file_validation_enabled: bool,
    /// The KMS key that encrypts the log files; `null` when they use SSE-S3 only (DescribeTrails).
    pub kms_key_id: Option<String>,
    /// The bucket the log files are delivered to (DescribeTrails).
    pub s3_bucket_name: Option<String>,
    /// The key prefix of the log files in the bucket (DescribeTrails).
    pub s3_key_prefix: Option<String>,
    /// The CloudWatch Logs log group the trail sends events to, as AWS gives it (often ending in `:*`); `null` when not integrated (DescribeTrails).
    pub cloud_watch_logs_log_group_arn: Option<String>,
    /// The role CloudTrail assumes to write to the log group (DescribeTrails).
    pub cloud_watch_logs_role_arn: Option<String>,
    /// The SNS topic notified of each log file delivery (DescribeTrails).
    pub sns_topic_arn: Option<String>,
    /// Whether the trail has basic or advanced event selectors of its own (DescribeTrails).
    pub has_custom_event_selectors: bool,
    /// Whether CloudTrail Insights is on for the trail (DescribeTrails).
    pub has_insight_selectors: bool,
    /// Whether the trail is logging now (GetTrailStatus).
    pub is_logging: Option<bool>,
    /// When logs were last delivered to the bucket (GetTrailStatus).
    pub latest_delivery_time: Option<DateTime<Utc>>,
    /// The error of the last failed delivery to the bucket, such as a missing bucket or denied write (GetTrailStatus).
    pub latest_delivery_error: Option<String>,
    /// When events were last delivered to CloudWatch Logs (GetTrailStatus).
    pub latest_cloud_watch_logs_delivery_time: Option<DateTime<Utc>>,
    /// The error of the last failed delivery to CloudWatch Logs (GetTrailStatus).
    pub latest_cloud_watch_logs_delivery_error: Option<String>,
    /// When a digest file was last delivered (GetTrailStatus).
    pub latest_digest_delivery_time: Option<DateTime<Utc>>,
    /// The error of the last failed digest file delivery (GetTrailStatus).
    pub latest_digest_delivery_error: Option<String>,
    /// When logging was last started (GetTrailStatus).
    pub start_logging_time: Option<DateTime<Utc>>,
    /// When logging was last stopped (GetTrailStatus).
    pub stop_logging_time: Option<DateTime<Utc>>,
    /// The basic event selectors; empty when the trail uses advanced ones (GetEventSelectors).
    pub event_selectors: Vec<EventSelector>,
    /// The advanced event selectors; empty when the trail uses basic ones (GetEventSelectors).
    pub advanced_event_selectors: Vec<AdvancedEventSelector>,
}

/// A basic event selector of a trail.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EventSelector {
    /// `ReadOnly`, `WriteOnly` or `All` (GetEventSelectors).
    pub read_write_type: Option<String>,
    /// Whether management events are recorded (GetEventSelectors).
    pub include_management_events: Option<bool>,
    /// The data event resources recorded, such as S3 objects (GetEventSelectors).
    pub data_resources: Vec<DataResource>,
    /// Event sources whose management events are not recorded, such as `kms.amazonaws.com` (GetEventSelectors).
    pub exclude_management_event_sources: Vec<String>,
}

/// The resources of one data event type a basic selector records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DataResource {
    /// The resource type, such as `AWS::S3::Object` or `AWS::Lambda::Function` (GetEventSelectors).
    pub r#type: Option<String>,
    /// ARNs or ARN prefixes; `arn:aws:s3` alone means every bucket (GetEventSelectors).
    pub values: Vec<String>,
}

/// An advanced event selector of a trail.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AdvancedEventSelector {
    /// The selector's name (GetEventSelectors).
    pub name: Option<String>,
    /// The conditions, all of which an event must meet (GetEventSelectors).
    pub field_selectors: Vec<AdvancedFieldSelector>,
}

/// One condition of an advanced event selector.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AdvancedFieldSelector {
    /// The event field: `eventCategory`, `readOnly`, `resources.type`, `resources.ARN`, `eventSource`, … (GetEventSelectors).
    pub field: String,
    /// Values the field must equal (GetEventSelectors).
    pub equals: Vec<String>,
    /// Prefixes the field must start with (GetEventSelectors).
    pub starts_with: Vec<String>,
    /// Suffixes the field must end with (GetEventSelectors).
    pub ends_with: Vec<String>,
    /// Values the field must not equal (GetEventSelectors).
    pub not_equals: Vec<String>,
    /// Prefixes the field must not start with (GetEventSelectors).
    pub not_starts_with: Vec<String>,
    /// Suffixes the field must not end with (GetEventSelectors).
    pub not_ends_with: Vec<String>,
}
