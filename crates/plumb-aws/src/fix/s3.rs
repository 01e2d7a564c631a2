//! S3 fixes: a bucket's Block Public Access, versioning, default
//! encryption and object ownership, and the account's Block Public Access.

use aws_config::SdkConfig;
use aws_sdk_s3::types::{
    BucketVersioningStatus, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
};
use plumb_model::Resource;

use super::{api, Fix, FixError};

/// All four Block Public Access settings on (also what the demo seeds on
/// its private buckets).
pub(crate) fn all_public_access_blocked() -> PublicAccessBlockConfiguration {
    PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build()
}

/// New objects encrypted by default with SSE-S3 (AES-256) (also what the
/// fix targets seed on their bucket).
pub(crate) fn sse_s3_by_default(
) -> Result<ServerSideEncryptionConfiguration, aws_sdk_s3::error::BuildError> {
    let by_default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::Aes256)
        .build()?;
    ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(by_default)
                .build(),
        )
        .build()
}

/// Versioning enabled.
pub(crate) fn versioning_enabled() -> VersioningConfiguration {
    VersioningConfiguration::builder()
        .status(BucketVersioningStatus::Enabled)
        .build()
}

pub(super) async fn apply(
    config: &SdkConfig,
    fix: &Fix,
    resource: &Resource,
) -> Result<(), FixError> {
    let s3 = client(config);
    let bucket = &resource.name;
    match fix.id {
        "s3_block_public_access" => {
            s3.put_public_access_block()
                .bucket(bucket)
                .public_access_block_configuration(all_public_access_blocked())
                .send()
                .await
                .map_err(api("s3:PutPublicAccessBlock"))?;
        }
        "s3_enable_versioning" => {
            s3.put_bucket_versioning()
                .bucket(bucket)
                .versioning_configuration(versioning_enabled())
                .send()
                .await
                .map_err(api("s3:PutBucketVersioning"))?;
        }
        "s3_default_encryption" => {
            let configuration = sse_s3_by_default().map_err(api("s3:PutBucketEncryption"))?;
            s3.put_bucket_encryption()
                .bucket(bucket)
                .server_side_encryption_configuration(configuration)
                .send()
                .await
                .map_err(api("s3:PutBucketEncryption"))?;
        }
        "s3_disable_acls" => {
            let controls = OwnershipControls::builder()
                .rules(
                    OwnershipControlsRule::builder()
                        .object_ownership(ObjectOwnership::BucketOwnerEnforced)
                        .build()
                        .map_err(api("s3:PutBucketOwnershipControls"))?,
                )
                .build()
                .map_err(api("s3:PutBucketOwnershipControls"))?;
            s3.put_bucket_ownership_controls()
                .bucket(bucket)
                .ownership_controls(controls)
                .send()
                .await
                .map_err(api("s3:PutBucketOwnershipControls"))?;
        }
        "s3_account_block_public_access" => {
            let mut conf = aws_sdk_s3control::config::Builder::from(config);
            if config.endpoint_url().is_some() {
                conf = conf.endpoint_resolver(crate::services::account::OverriddenEndpoint);
            }
            let block = aws_sdk_s3control::types::PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build();
            aws_sdk_s3control::Client::from_conf(conf.build())
                .put_public_access_block()
                .account_id(&resource.account)
                .public_access_block_configuration(block)
                .send()
                .await
                .map_err(api("s3:PutAccountPublicAccessBlock"))?;
        }
        other => return Err(FixError::Unimplemented(other.to_string())),
    }
    Ok(())
}

/// An S3 client that uses path-style addressing behind a custom endpoint
/// (an emulator), as the collector does.
fn client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let mut builder = aws_sdk_s3::config::Builder::from(config);
    if config.endpoint_url().is_some() {
        builder = builder.force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(builder.build())
}
