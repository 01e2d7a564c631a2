//! CloudTrail fixes: log file integrity validation.

use aws_config::SdkConfig;
use plumb_model::Resource;

use super::{api, text, Fix, FixError};

pub(super) async fn apply(
    config: &SdkConfig,
    fix: &Fix,
    resource: &Resource,
) -> Result<(), FixError> {
    match fix.id {
        "cloudtrail_log_file_validation" => {
            aws_sdk_cloudtrail::Client::new(config)
                .update_trail()
                .name(text(resource, "trail_arn")?)
                .enable_log_file_validation(true)
                .send()
                .await
                .map_err(api("cloudtrail:UpdateTrail"))?;
        }
        other => return Err(FixError::Unimplemented(other.to_string())),
    }
    Ok(())
}
