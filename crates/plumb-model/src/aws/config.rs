//! Props of the kinds the `config` collector produces: AWS Config
//! configuration recorders with what they record, whether they record now,
//! and where they deliver (CIS 3.3, FSBP Config.1).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![kind!(
        "aws_config_configuration_recorder",
        "config",
        ConfigConfigurationRecorder,
        uid = "arn:aws:config:REGION:ACCOUNT:config-recorder/NAME",
        "An AWS Config configuration recorder with its recording group, status and delivery channel"
    )]
}

/// Props of `aws_config_configuration_recorder`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConfigConfigurationRecorder {
    /// The recorder name (DescribeConfigurationRecorders).
    pub name: String,
    /// The ARN AWS gives the recorder, when it gives one (DescribeConfigurationRecorders).
    pub arn: Option<String>,
    /// The role the recorder uses to read resource configurations (DescribeConfigurationRecorders).
    pub role_arn: Option<String>,
    /// For a service-linked recorder, the service principal that owns it; `null` for a customer managed recorder (DescribeConfigurationRecorders).
    pub service_principal: Option<String>,
    /// What the recorder records; `null` when AWS gives no recording group (DescribeConfigurationRecorders).
    pub recording_group: Option<RecordingGroup>,
    /// `CONTINUOUS` or `DAILY` (DescribeConfigurationRecorders).
    pub recording_frequency: Option<String>,
    /// Whether the recorder is recording now (DescribeConfigurationRecorderStatus).
    pub recording: bool,
    /// The status of the last recording attempt: `Pending`, `Success` or `Failure` (DescribeConfigurationRecorderStatus).
    pub last_status: Option<String>,
    /// The error code of the last failed attempt (DescribeConfigurationRecorderStatus).
    pub last_error_code: Option<String>,
    /// The error message of the last failed attempt (DescribeConfigurationRecorderStatus).
    pub last_error_message: Option<String>,
    /// When the recorder last started (DescribeConfigurationRecorderStatus).
    pub last_start_time: Option<DateTime<Utc>>,
    /// When the recorder last stopped (DescribeConfigurationRecorderStatus).
    pub last_stop_time: Option<DateTime<Utc>>,
    /// The region's delivery channel; `null` when none exists, and then nothing recorded is delivered (DescribeDeliveryChannels).
    pub delivery_channel: Option<DeliveryChannel>,
}

/// What a recorder records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecordingGroup {
    /// Whether every supported resource type of the region is recorded (DescribeConfigurationRecorders).
    pub all_supported: bool,
    /// Whether global resource types such as IAM users and roles are recorded too (DescribeConfigurationRecorders).
    pub include_global_resource_types: bool,
    /// The resource types recorded when not all are (DescribeConfigurationRecorders).
    pub resource_types: Vec<String>,
    /// The resource types left out, with `EXCLUSION_BY_RESOURCE_TYPES` (DescribeConfigurationRecorders).
    pub exclusion_resource_types: Vec<String>,
    /// `ALL_SUPPORTED_RESOURCE_TYPES`, `INCLUSION_BY_RESOURCE_TYPES` or `EXCLUSION_BY_RESOURCE_TYPES` (DescribeConfigurationRecorders).
    pub recording_strategy: Option<String>,
}

/// Where recorded configurations are delivered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeliveryChannel {
    /// The delivery channel name (DescribeDeliveryChannels).
    pub name: String,
    /// The bucket configuration snapshots and history files go to (DescribeDeliveryChannels).
    pub s3_bucket_name: Option<String>,
    /// The key prefix in the bucket (DescribeDeliveryChannels).
    pub s3_key_prefix: Option<String>,
    /// The KMS key that encrypts the delivered objects (DescribeDeliveryChannels).
    pub s3_kms_key_arn: Option<String>,
    /// The SNS topic notified of configuration changes (DescribeDeliveryChannels).
    pub sns_topic_arn: Option<String>,
    /// How often configuration snapshots are delivered, such as `TwentyFour_Hours` (DescribeDeliveryChannels).
    pub delivery_frequency: Option<String>,
}
