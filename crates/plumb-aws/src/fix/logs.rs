//! CloudWatch Logs fixes: a log group's retention.

use aws_config::SdkConfig;
use plumb_model::Resource;

use super::{api, text, Fix, FixError};

/// The days `logs_log_group_retention_at_least_365_days` asks for; also a
/// value `PutRetentionPolicy` accepts.
const RETENTION_DAYS: i32 = 365;

pub(super) async fn apply(
    config: &SdkConfig,
    fix: &Fix,
    resource: &Resource,
) -> Result<(), FixError> {
    match fix.id {
        "logs_retention_365_days" => {
            // Only a shorter retention fails the check (never-expire passes),
            // so raising it to 365 days never deletes events sooner.
            let current = resource
                .props
                .get("retention_in_days")
                .and_then(serde_json::Value::as_i64);
            if current.is_none_or(|days| days >= i64::from(RETENTION_DAYS)) {
                return Err(FixError::Declined(
                    "the log group already keeps its events for 365 days or more".into(),
                ));
            }
            aws_sdk_cloudwatchlogs::Client::new(config)
                .put_retention_policy()
                .log_group_name(text(resource, "name")?)
                .retention_in_days(RETENTION_DAYS)
                .send()
                .await
                .map_err(api("logs:PutRetentionPolicy"))?;
        }
        other => return Err(FixError::Unimplemented(other.to_string())),
    }
    Ok(())
}
