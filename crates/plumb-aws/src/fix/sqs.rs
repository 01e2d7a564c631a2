//! SQS fixes: encryption of a queue at rest.

use aws_config::SdkConfig;
use aws_sdk_sqs::types::QueueAttributeName;
use plumb_model::Resource;

use super::{api, text, Fix, FixError};

pub(super) async fn apply(
    config: &SdkConfig,
    fix: &Fix,
    resource: &Resource,
) -> Result<(), FixError> {
    match fix.id {
        "sqs_queue_encryption" => {
            // SSE-SQS, not a KMS key: producers and consumers need no key
            // permissions, so nothing that works now stops working.
            aws_sdk_sqs::Client::new(config)
                .set_queue_attributes()
                .queue_url(text(resource, "queue_url")?)
                .attributes(QueueAttributeName::SqsManagedSseEnabled, "true")
                .send()
                .await
                .map_err(api("sqs:SetQueueAttributes"))?;
        }
        other => return Err(FixError::Unimplemented(other.to_string())),
    }
    Ok(())
}
