//! Props of the kinds the `logs` collector produces: CloudWatch Logs log
//! groups (retention, encryption) and the metric filters that turn log
//! events into the metrics CIS section 4 alarms on.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![
        kind!(
            "aws_cloudwatch_log_group",
            "logs",
            CloudWatchLogGroup,
            uid = "arn:aws:logs:REGION:ACCOUNT:log-group:NAME",
            "A CloudWatch Logs log group with its retention and KMS key"
        ),
        kind!(
            "aws_cloudwatch_log_metric_filter",
            "logs",
            CloudWatchLogMetricFilter,
            uid = "arn:aws:logs:REGION:ACCOUNT:log-group:NAME:metric-filter/FILTER",
            "A metric filter of a log group: the pattern it matches and the metric it publishes"
        ),
    ]
}

/// Props of `aws_cloudwatch_log_group`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CloudWatchLogGroup {
    /// The log group name (DescribeLogGroups).
    pub name: String,
    /// The log group ARN, without the `:*` suffix AWS adds to `arn` (DescribeLogGroups).
    pub arn: String,
    /// How many days events are kept; `null` means forever (DescribeLogGroups).
    pub retention_in_days: Option<i32>,
    /// The KMS key that encrypts the log data; `null` when CloudWatch Logs' own encryption is used (DescribeLogGroups).
    pub kms_key_id: Option<String>,
    /// The bytes stored (DescribeLogGroups).
    pub stored_bytes: Option<i64>,
    /// When the log group was created (DescribeLogGroups).
    pub creation_time: Option<DateTime<Utc>>,
    /// How many metric filters the log group has (DescribeLogGroups).
    pub metric_filter_count: Option<i32>,
    /// `STANDARD`, `INFREQUENT_ACCESS` or `DELIVERY` (DescribeLogGroups).
    pub log_group_class: Option<String>,
    /// Whether a data protection policy masks sensitive data: `ACTIVATED`, `DELETED`, `ARCHIVED` or `DISABLED` (DescribeLogGroups).
    pub data_protection_status: Option<String>,
    /// Whether the log group is protected from deletion (DescribeLogGroups).
    pub deletion_protection_enabled: Option<bool>,
}

/// Props of `aws_cloudwatch_log_metric_filter`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CloudWatchLogMetricFilter {
    /// The filter name (DescribeMetricFilters).
    pub filter_name: String,
    /// The log group the filter reads (DescribeMetricFilters).
    pub log_group_name: String,
    /// The filter pattern, such as `{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }` (DescribeMetricFilters).
    pub filter_pattern: Option<String>,
    /// The metrics the filter publishes for matching events (DescribeMetricFilters).
    pub metric_transformations: Vec<MetricTransformation>,
    /// When the filter was created (DescribeMetricFilters).
    pub creation_time: Option<DateTime<Utc>>,
}

/// A metric a filter publishes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricTransformation {
    /// The metric name (DescribeMetricFilters).
    pub metric_name: String,
    /// The metric namespace (DescribeMetricFilters).
    pub metric_namespace: String,
    /// The value published per matching event, such as `1` (DescribeMetricFilters).
    pub metric_value: String,
    /// The value published when no event matches (DescribeMetricFilters).
    pub default_value: Option<f64>,
}
