//! CloudWatch fixes: alarms whose actions are disabled.

use aws_config::SdkConfig;
use plumb_model::Resource;

use super::{api, text, Fix, FixError};

pub(super) async fn apply(
    config: &SdkConfig,
    fix: &Fix,
    resource: &Resource,
) -> Result<(), FixError> {
    match fix.id {
        "cloudwatch_enable_alarm_actions" => {
            aws_sdk_cloudwatch::Client::new(config)
                .enable_alarm_actions()
                .alarm_names(text(resource, "alarm_name")?)
                .send()
                .await
                .map_err(api("cloudwatch:EnableAlarmActions"))?;
        }
        other => return Err(FixError::Unimplemented(other.to_string())),
    }
    Ok(())
}
