//! Props of the kinds the `cloudwatch` collector produces: metric alarms,
//! the last link of the CIS section 4 chain (trail → log group → metric
//! filter → metric → alarm → SNS topic).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![kind!(
        "aws_cloudwatch_metric_alarm",
        "cloudwatch",
        CloudWatchMetricAlarm,
        uid = "arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME",
        "A CloudWatch metric alarm with the metric it watches, its threshold and the actions it takes"
    )]
}

/// Props of `aws_cloudwatch_metric_alarm`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CloudWatchMetricAlarm {
    /// The alarm name (DescribeAlarms).
    pub alarm_name: String,
    /// The alarm ARN (DescribeAlarms).
    pub arn: String,
    /// The alarm's description (DescribeAlarms).
    pub alarm_description: Option<String>,
    /// The metric watched; `null` for an alarm on a metric math expression (DescribeAlarms).
    pub metric_name: Option<String>,
    /// The metric's namespace, such as `CISBenchmark` or `AWS/EC2` (DescribeAlarms).
    pub namespace: Option<String>,
    /// `SampleCount`, `Average`, `Sum`, `Minimum` or `Maximum` (DescribeAlarms).
    pub statistic: Option<String>,
    /// A percentile statistic such as `p99`, instead of `statistic` (DescribeAlarms).
    pub extended_statistic: Option<String>,
    /// How the statistic is compared with the threshold, such as `GreaterThanOrEqualToThreshold` (DescribeAlarms).
    pub comparison_operator: Option<String>,
    /// The threshold (DescribeAlarms).
    pub threshold: Option<f64>,
    /// The number of periods evaluated (DescribeAlarms).
    pub evaluation_periods: Option<i32>,
    /// The number of breaching data points, of `evaluation_periods`, that trigger the alarm (DescribeAlarms).
    pub datapoints_to_alarm: Option<i32>,
    /// The period in seconds over which the statistic is computed (DescribeAlarms).
    pub period: Option<i32>,
    /// How missing data is treated: `breaching`, `notBreaching`, `ignore` or `missing` (DescribeAlarms).
    pub treat_missing_data: Option<String>,
    /// Whether the actions run when the state changes (DescribeAlarms).
    pub actions_enabled: bool,
    /// ARNs of what is notified or done on entering `ALARM`, such as SNS topics (DescribeAlarms).
    pub alarm_actions: Vec<String>,
    /// ARNs of what is notified or done on entering `OK` (DescribeAlarms).
    pub ok_actions: Vec<String>,
    /// ARNs of what is notified or done on entering `INSUFFICIENT_DATA` (DescribeAlarms).
    pub insufficient_data_actions: Vec<String>,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA` (DescribeAlarms).
    pub state_value: Option<String>,
    /// The metric's dimensions (DescribeAlarms).
    pub dimensions: Vec<Dimension>,
    /// The metrics and expressions of an alarm on metric math; empty for an alarm on one metric (DescribeAlarms).
    pub metrics: Vec<MetricQuery>,
    /// The uids of the CloudWatch Logs metric filters of the region that publish the metric this alarm watches (logs DescribeMetricFilters).
    pub log_metric_filters: Vec<String>,
}

/// A metric dimension.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Dimension {
    /// The dimension name (DescribeAlarms).
    pub name: Option<String>,
    /// The dimension value (DescribeAlarms).
    pub value: Option<String>,
}

/// One metric or expression of a metric math alarm.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricQuery {
    /// The query id used in expressions (DescribeAlarms).
    pub id: String,
    /// The metric math expression, for an expression (DescribeAlarms).
    pub expression: Option<String>,
    /// The metric name, for a metric (DescribeAlarms).
    pub metric_name: Option<String>,
    /// The metric namespace, for a metric (DescribeAlarms).
    pub namespace: Option<String>,
    /// Whether this query is the value the alarm compares (DescribeAlarms).
    pub return_data: Option<bool>,
}
