//! KMS fixes: automatic rotation, and a key scheduled for deletion.

use aws_config::SdkConfig;
use plumb_model::Resource;

use super::{api, text, Fix, FixError};

pub(super) async fn apply(
    config: &SdkConfig,
    fix: &Fix,
    resource: &Resource,
) -> Result<(), FixError> {
    let kms = aws_sdk_kms::Client::new(config);
    let key_id = text(resource, "key_id")?;
    match fix.id {
        "kms_enable_rotation" => {
            kms.enable_key_rotation()
                .key_id(key_id)
                .send()
                .await
                .map_err(api("kms:EnableKeyRotation"))?;
        }
        "kms_cancel_key_deletion" => {
            // AWS leaves a key whose deletion is cancelled disabled: nothing
            // that could not use it while pending deletion can use it now.
            kms.cancel_key_deletion()
                .key_id(key_id)
                .send()
                .await
                .map_err(api("kms:CancelKeyDeletion"))?;
        }
        other => return Err(FixError::Unimplemented(other.to_string())),
    }
    Ok(())
}
