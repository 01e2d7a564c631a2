//! SNS fixes: encryption of a topic at rest.

use aws_config::SdkConfig;
use plumb_model::Resource;

use super::{api, text, Fix, FixError};

/// The AWS managed key of SNS, which exists in every account and region.
const SNS_MANAGED_KEY: &str = "alias/aws/sns";

pub(super) async fn apply(
    config: &SdkConfig,
    fix: &Fix,
    resource: &Resource,
) -> Result<(), FixError> {
    match fix.id {
        "sns_topic_encryption" => {
            aws_sdk_sns::Client::new(config)
                .set_topic_attributes()
                .topic_arn(text(resource, "topic_arn")?)
                .attribute_name("KmsMasterKeyId")
                .attribute_value(SNS_MANAGED_KEY)
                .send()
                .await
                .map_err(api("sns:SetTopicAttributes"))?;
        }
        other => return Err(FixError::Unimplemented(other.to_string())),
    }
    Ok(())
}
