//! Automated fixes: for the checks where a fix is well understood, the AWS
//! API calls that make the failing resource pass. Each fix says whether it
//! is safe or may disrupt workloads (an application that reads instance
//! metadata without a token, a bucket meant to be public); `plumb fix
//! apply` runs disruptive fixes only when asked to.
//!
//! A fix changes only what its check looks at: it never deletes a
//! resource, and keeps every setting it does not need to change (the
//! password policy keeps any value stricter than the CIS minimum).

use aws_config::SdkConfig;
use plumb_model::Resource;
use serde_json::Value;

/// One automated fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fix {
    /// The fix's id.
    pub id: &'static str,
    /// The checks it makes pass.
    pub checks: &'static [&'static str],
    /// The kind of resource it changes.
    pub kind: &'static str,
    /// Whether it may disrupt workloads.
    pub disruptive: bool,
    /// What it does, in one line.
    pub summary: &'static str,
    /// The IAM actions it calls.
    pub actions: &'static [&'static str],
}

/// Every automated fix.
pub const FIXES: &[Fix] = &[
    Fix {
        id: "s3_block_public_access",
        checks: &[
            "s3_bucket_public_access_blocked",
            "s3_bucket_no_public_read_access",
            "s3_bucket_no_public_write_access",
        ],
        kind: "aws_s3_bucket",
        disruptive: true,
        summary: "turn on all four S3 Block Public Access settings of the bucket (breaks access meant to be public, such as a website)",
        actions: &["s3:PutBucketPublicAccessBlock"],
    },
    Fix {
        id: "s3_enable_versioning",
        checks: &["s3_bucket_versioning_enabled"],
        kind: "aws_s3_bucket",
        disruptive: false,
        summary: "enable versioning on the bucket",
        actions: &["s3:PutBucketVersioning"],
    },
    Fix {
        id: "s3_default_encryption",
        checks: &["s3_bucket_default_encryption_enabled"],
        kind: "aws_s3_bucket",
        disruptive: false,
        summary: "encrypt new objects by default with SSE-S3 (AES-256)",
        actions: &["s3:PutEncryptionConfiguration"],
    },
    Fix {
        id: "ec2_require_imdsv2",
        checks: &["ec2_instance_imdsv2_required"],
        kind: "aws_instance",
        disruptive: true,
        summary: "require IMDSv2 session tokens on the instance (software that reads metadata without a token stops working)",
        actions: &["ec2:ModifyInstanceMetadataOptions"],
    },
    Fix {
        id: "ec2_snapshot_private",
        checks: &["ec2_ebs_snapshot_not_public"],
        kind: "aws_ebs_snapshot",
        disruptive: false,
        summary: "remove the public create-volume permission of the snapshot",
        actions: &["ec2:ModifySnapshotAttribute"],
    },
    Fix {
        id: "ec2_ebs_default_encryption",
        checks: &["ec2_ebs_encryption_by_default_enabled"],
        kind: "aws_region",
        disruptive: false,
        summary: "encrypt new EBS volumes by default in the region",
        actions: &["ec2:EnableEbsEncryptionByDefault"],
    },
    Fix {
        id: "kms_enable_rotation",
        checks: &["kms_key_rotation_enabled"],
        kind: "aws_kms_key",
        disruptive: false,
        summary: "enable yearly automatic rotation of the key material",
        actions: &["kms:EnableKeyRotation"],
    },
    Fix {
        id: "cloudtrail_log_file_validation",
        checks: &["cloudtrail_trail_log_file_validation_enabled"],
        kind: "aws_cloudtrail",
        disruptive: false,
        summary: "enable log file integrity validation on the trail",
        actions: &["cloudtrail:UpdateTrail"],
    },
    Fix {
        id: "iam_password_policy_cis",
        checks: &[
            "iam_password_policy_minimum_length_14",
            "iam_password_policy_reuse_prevention_24",
            "iam_password_policy_requires_lowercase",
            "iam_password_policy_requires_uppercase",
            "iam_password_policy_requires_numbers",
            "iam_password_policy_requires_symbols",
        ],
        kind: "aws_account",
        disruptive: false,
        summary: "raise the account password policy to the CIS minimum (14 characters, all character classes, 24 remembered), keeping any stricter value",
        actions: &["iam:UpdateAccountPasswordPolicy"],
    },
];

/// The fix that makes `check` pass, if there is one.
pub fn for_check(check: &str) -> Option<&'static Fix> {
    FIXES.iter().find(|f| f.checks.contains(&check))
}

/// Why a fix could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum FixError {
    /// The resource lacks a field the fix needs.
    #[error("{0} is not in the resource's props")]
    Missing(&'static str),
    /// The fix does not apply to this kind of resource.
    #[error("fix {fix} changes {expected}, not {kind}")]
    WrongKind {
        /// The fix.
        fix: &'static str,
        /// The kind it changes.
        expected: &'static str,
        /// The resource's kind.
        kind: String,
    },
    /// The API refused or failed.
    #[error("{operation}: {message}")]
    Api {
        /// The operation called.
        operation: &'static str,
        /// What AWS said.
        message: String,
    },
}

fn api<E: std::error::Error>(operation: &'static str) -> impl FnOnce(E) -> FixError {
    move |e| {
        let mut message = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            message = format!("{message}: {s}");
            source = s.source();
        }
        FixError::Api { operation, message }
    }
}

fn text<'a>(r: &'a Resource, field: &'static str) -> Result<&'a str, FixError> {
    r.props
        .get(field)
        .and_then(Value::as_str)
        .ok_or(FixError::Missing(field))
}

/// The identity the fixes run as (`GetCallerIdentity`'s ARN), for the
/// audit log.
pub async fn principal(config: &SdkConfig) -> Result<String, FixError> {
    let out = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(api("sts:GetCallerIdentity"))?;
    Ok(out.arn().unwrap_or_default().to_string())
}

/// Applies `fix` to `resource`, through a client of `config` set to the
/// resource's region.
pub async fn apply(config: &SdkConfig, fix: &Fix, resource: &Resource) -> Result<(), FixError> {
    if resource.kind != fix.kind {
        return Err(FixError::WrongKind {
            fix: fix.id,
            expected: fix.kind,
            kind: resource.kind.clone(),
        });
    }
    let mut builder = config.to_builder();
    if !resource.region.is_empty() && resource.region != "global" {
        builder = builder.region(aws_config::Region::new(resource.region.clone()));
    }
    let config = builder.build();
    match fix.id {
        "s3_block_public_access" => {
            let s3 = s3_client(&config);
            s3.put_public_access_block()
                .bucket(&resource.name)
                .public_access_block_configuration(
                    aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
                        .block_public_acls(true)
                        .ignore_public_acls(true)
                        .block_public_policy(true)
                        .restrict_public_buckets(true)
                        .build(),
                )
                .send()
                .await
                .map_err(api("s3:PutPublicAccessBlock"))?;
        }
        "s3_enable_versioning" => {
            s3_client(&config)
                .put_bucket_versioning()
                .bucket(&resource.name)
                .versioning_configuration(
                    aws_sdk_s3::types::VersioningConfiguration::builder()
                        .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                        .build(),
                )
                .send()
                .await
                .map_err(api("s3:PutBucketVersioning"))?;
        }
        "s3_default_encryption" => {
            use aws_sdk_s3::types::{
                ServerSideEncryption, ServerSideEncryptionByDefault,
                ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
            };
            let by_default = ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::Aes256)
                .build()
                .map_err(api("s3:PutBucketEncryption"))?;
            let configuration = ServerSideEncryptionConfiguration::builder()
                .rules(
                    ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(by_default)
                        .build(),
                )
                .build()
                .map_err(api("s3:PutBucketEncryption"))?;
            s3_client(&config)
                .put_bucket_encryption()
                .bucket(&resource.name)
                .server_side_encryption_configuration(configuration)
                .send()
                .await
                .map_err(api("s3:PutBucketEncryption"))?;
        }
        "ec2_require_imdsv2" => {
            aws_sdk_ec2::Client::new(&config)
                .modify_instance_metadata_options()
                .instance_id(text(resource, "instance_id")?)
                .http_tokens(aws_sdk_ec2::types::HttpTokensState::Required)
                .http_endpoint(aws_sdk_ec2::types::InstanceMetadataEndpointState::Enabled)
                .send()
                .await
                .map_err(api("ec2:ModifyInstanceMetadataOptions"))?;
        }
        "ec2_snapshot_private" => {
            // The OperationType + group form, which AWS and moto both take.
            aws_sdk_ec2::Client::new(&config)
                .modify_snapshot_attribute()
                .snapshot_id(text(resource, "snapshot_id")?)
                .attribute(aws_sdk_ec2::types::SnapshotAttributeName::CreateVolumePermission)
                .operation_type(aws_sdk_ec2::types::OperationType::Remove)
                .group_names("all")
                .send()
                .await
                .map_err(api("ec2:ModifySnapshotAttribute"))?;
        }
        "ec2_ebs_default_encryption" => {
            aws_sdk_ec2::Client::new(&config)
                .enable_ebs_encryption_by_default()
                .send()
                .await
                .map_err(api("ec2:EnableEbsEncryptionByDefault"))?;
        }
        "kms_enable_rotation" => {
            aws_sdk_kms::Client::new(&config)
                .enable_key_rotation()
                .key_id(text(resource, "key_id")?)
                .send()
                .await
                .map_err(api("kms:EnableKeyRotation"))?;
        }
        "cloudtrail_log_file_validation" => {
            aws_sdk_cloudtrail::Client::new(&config)
                .update_trail()
                .name(text(resource, "trail_arn")?)
                .enable_log_file_validation(true)
                .send()
                .await
                .map_err(api("cloudtrail:UpdateTrail"))?;
        }
        "iam_password_policy_cis" => {
            let current = resource.props.get("password_policy");
            let int = |field: &str| {
                current
                    .and_then(|p| p.get(field))
                    .and_then(Value::as_i64)
                    .and_then(|v| i32::try_from(v).ok())
            };
            let flag = |field: &str| {
                current
                    .and_then(|p| p.get(field))
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            };
            let mut update = aws_sdk_iam::Client::new(&config)
                .update_account_password_policy()
                .minimum_password_length(int("minimum_password_length").unwrap_or(0).max(14))
                .password_reuse_prevention(int("password_reuse_prevention").unwrap_or(0).max(24))
                .require_lowercase_characters(true)
                .require_uppercase_characters(true)
                .require_numbers(true)
                .require_symbols(true)
                .allow_users_to_change_password(
                    current.is_none() || flag("allow_users_to_change_password"),
                )
                .hard_expiry(flag("hard_expiry"));
            if let Some(age) = int("max_password_age").filter(|a| *a > 0) {
                update = update.max_password_age(age);
            }
            update
                .send()
                .await
                .map_err(api("iam:UpdateAccountPasswordPolicy"))?;
        }
        other => {
            return Err(FixError::Api {
                operation: "plumb",
                message: format!("no implementation for fix {other}"),
            })
        }
    }
    Ok(())
}

/// An S3 client that uses path-style addressing behind a custom endpoint
/// (an emulator), as the collector does.
fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let mut builder = aws_sdk_s3::config::Builder::from(config);
    if config.endpoint_url().is_some() {
        builder = builder.force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fix_names_real_checks_once_and_has_an_implementation_arm() {
        let source = include_str!("fix.rs");
        let mut seen = std::collections::BTreeSet::new();
        for fix in FIXES {
            assert!(
                source.contains(&format!("\"{}\" => {{", fix.id)),
                "{} has no arm in apply()",
                fix.id
            );
            for check in fix.checks {
                assert!(seen.insert(*check), "{check} has two fixes");
                assert_eq!(for_check(check).map(|f| f.id), Some(fix.id));
            }
        }
        assert!(for_check("no_such_check").is_none());
    }
}
