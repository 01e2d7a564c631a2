//! Collects S3 buckets with every setting the CIS and FSBP controls read:
//! policy and its public status, public access block, ACL grants, object
//! ownership, default encryption, versioning and MFA delete, server access
//! logging, object lock, lifecycle rules and tags.
//!
//! S3 lists buckets globally; each bucket's settings are read from its own
//! region. A bucket whose settings cannot all be read keeps what was read
//! and records the rest under `_errors`.

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt};
use plumb_model::aws::s3::{
    Acl, EncryptionRule, Grant, LifecycleRule, Logging, ObjectLock, PolicyStatus,
    PublicAccessBlock, S3Bucket, Versioning,
};
use plumb_model::{Relation, Resource};

use crate::error::{api, is_code};
use crate::services::{Service, ServiceScope};
use crate::unit::{parse_policy, record_gap, to_utc};
use crate::{collect_fn, CollectError, Unit};

/// The `s3` collector.
pub const SERVICE: Service = Service {
    name: "s3",
    scope: ServiceScope::Global,
    kinds: &["aws_s3_bucket"],
    actions: &[
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation",
        "s3:GetBucketPolicy",
        "s3:GetBucketPolicyStatus",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetBucketAcl",
        "s3:GetBucketOwnershipControls",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketVersioning",
        "s3:GetBucketLogging",
        "s3:GetBucketObjectLockConfiguration",
        "s3:GetLifecycleConfiguration",
        "s3:GetBucketTagging",
    ],
    collect: collect_fn!(collect),
};

/// How many buckets are read at once within the unit.
const BUCKET_CONCURRENCY: usize = 8;

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let client = s3_client(unit, unit.sdk());
    let mut listed = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_buckets()
            .set_continuation_token(token.clone())
            .send()
            .await
            .map_err(api("s3:ListAllMyBuckets"))?;
        for b in page.buckets() {
            if let Some(name) = b.name() {
                listed.push((name.to_string(), b.creation_date().and_then(to_utc)));
            }
        }
        token = page.continuation_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }

    let unit_ref = &*unit;
    let read: Vec<(Resource, Vec<(Relation, String)>)> = stream::iter(listed)
        .map(|(name, created)| read_bucket(unit_ref, &client, name, created))
        .buffer_unordered(BUCKET_CONCURRENCY)
        .collect()
        .await;
    unit.add_linked(read);
    Ok(())
}

fn s3_client(unit: &Unit, config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(config)
        .interceptor(unit.call_counter())
        .force_path_style(unit.has_endpoint_override())
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// The region a `LocationConstraint` names: empty means `us-east-1` and the
/// legacy `EU` means `eu-west-1`.
fn bucket_region(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(other) => other.to_string(),
    }
}

async fn read_bucket(
    unit: &Unit,
    global: &aws_sdk_s3::Client,
    name: String,
    created: Option<chrono::DateTime<chrono::Utc>>,
) -> (Resource, Vec<(Relation, String)>) {
    let uid = format!("arn:{}:s3:::{name}", unit.partition());
    let mut gaps: Vec<(&str, &[&str], CollectError)> = Vec::new();
    let mut links = Vec::new();

    let location = global
        .get_bucket_location()
        .bucket(&name)
        .send()
        .await
        .map_err(api("s3:GetBucketLocation"));
    let region = match location {
        Ok(out) => bucket_region(out.location_constraint().map(|c| c.as_str())),
        Err(e) => {
            gaps.push(("get_bucket_location", &["region"], e));
            unit.api_region.clone()
        }
    };
    let regional = unit.sdk_in(&region);
    let client = s3_client(unit, &regional);

    let mut bucket = S3Bucket {
        name: name.clone(),
        region: region.clone(),
        creation_date: created,
        ..S3Bucket::default()
    };

    match client
        .get_bucket_policy()
        .bucket(&name)
        .send()
        .await
        .map_err(api("s3:GetBucketPolicy"))
    {
        Ok(out) => match out
            .policy()
            .map(|p| parse_policy("s3:GetBucketPolicy", p))
            .transpose()
        {
            Ok(policy) => bucket.policy = policy,
            Err(e) => gaps.push(("get_bucket_policy", &["policy", "policy_status"], e)),
        },
        Err(e) if is_code(&e, &["NoSuchBucketPolicy"]) => {}
        Err(e) => gaps.push(("get_bucket_policy", &["policy", "policy_status"], e)),
    }
    if bucket.policy.is_some() {
        match client
            .get_bucket_policy_status()
            .bucket(&name)
            .send()
            .await
            .map_err(api("s3:GetBucketPolicyStatus"))
        {
            Ok(out) => {
                bucket.policy_status = out.policy_status().map(|s| PolicyStatus {
                    is_public: s.is_public().unwrap_or(false),
                })
            }
            Err(e) => gaps.push(("get_bucket_policy_status", &["policy_status"], e)),
        }
    }

    match client
        .get_public_access_block()
        .bucket(&name)
        .send()
        .await
        .map_err(api("s3:GetBucketPublicAccessBlock"))
    {
        Ok(out) => {
            bucket.public_access_block =
                out.public_access_block_configuration()
                    .map(|c| PublicAccessBlock {
                        block_public_acls: c.block_public_acls().unwrap_or(false),
                        ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                        block_public_policy: c.block_public_policy().unwrap_or(false),
                        restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
                    })
        }
        Err(e) if is_code(&e, &["NoSuchPublicAccessBlockConfiguration"]) => {}
        Err(e) => gaps.push(("get_public_access_block", &["public_access_block"], e)),
    }

    match client
        .get_bucket_acl()
        .bucket(&name)
        .send()
        .await
        .map_err(api("s3:GetBucketAcl"))
    {
        Ok(out) => {
            bucket.acl = Some(Acl {
                owner_id: out.owner().and_then(|o| o.id()).map(str::to_string),
                grants: out
                    .grants()
                    .iter()
                    .map(|g| Grant {
                        grantee_type: g.grantee().map(|x| x.r#type().as_str().to_string()),
                        grantee_id: g.grantee().and_then(|x| x.id()).map(str::to_string),
                        grantee_uri: g.grantee().and_then(|x| x.uri()).map(str::to_string),
                        permission: g.permission().map(|p| p.as_str().to_string()),
                    })
                    .collect(),
            })
        }
        Err(e) => gaps.push(("get_bucket_acl", &["acl"], e)),
    }

    match client
        .get_bucket_ownership_controls()
        .bucket(&name)
        .send()
        .await
        .map_err(api("s3:GetBucketOwnershipControls"))
    {
        Ok(out) => {
            bucket.object_ownership = out
                .ownership_controls()
                .and_then(|c| c.rules().first())
                .map(|r| r.object_ownership().as_str().to_string())
        }
        Err(e) if is_code(&e, &["OwnershipControlsNotFoundError"]) => {}
        Err(e) => gaps.push(("get_bucket_ownership_controls", &["object_ownership"], e)),
    }

    match client
        .get_bucket_encryption()
        .bucket(&name)
        .send()
        .await
        .map_err(api("s3:GetEncryptionConfiguration"))
    {
        Ok(out) => {
            let rules: Vec<EncryptionRule> = out
                .server_side_encryption_configuration()
                .map(|c| c.rules())
                .unwrap_or_default()
                .iter()
                .map(|r| {
                    let default = r.apply_server_side_encryption_by_default();
                    EncryptionRule {
                        sse_algorithm: default.map(|d| d.sse_algorithm().as_str().to_string()),
                        kms_master_key_id: default
                            .and_then(|d| d.kms_master_key_id())
                            .map(str::to_string),
                        bucket_key_enabled: r.bucket_key_enabled(),
                    }
                })
                .collect();
            for key in rules.iter().filter_map(|r| r.kms_master_key_id.as_deref()) {
                links.push((Relation::EncryptedBy, unit.kms_key_arn_in(&region, key)));
            }
            bucket.server_side_encryption = Some(rules);
        }
        Err(e) if is_code(&e, &["ServerSideEncryptionConfigurationNotFoundError"]) => {}
        Err(e) => gaps.push(("get_bucket_encryption", &["server_side_encryption"], e)),
    }

    match client
        .get_bucket_versioning()
        .bucket(&name)
        .send()
        .await
        .map_err(api("s3:GetBucketVersioning"))
    {
        Ok(out) => {
            bucket.versioning = Versioning {
                status: out.status().map(|s| s.as_str().to_string()),
                mfa_delete: out.mfa_delete().map(|s| s.as_str().to_string()),
            }
        }
        Err(e) => gaps.push(("get_bucket_versioning", &["versioning"], e)),
    }

    match client
        .get_bucket_logging()
        .bucket(&name)
        .send()
        .await
        .map_err(api("s3:GetBucketLogging"))
    {
        Ok(out) => {
            bucket.logging = out.logging_enabled().map(|l| Logging {
                target_bucket: l.target_bucket().to_string(),
                target_prefix: l.target_prefix().to_string(),
            });
            if let Some(l) = &bucket.logging {
                links.push((
                    Relation::LogsTo,
                    format!("arn:{}:s3:::{}", unit.partition(), l.target_bucket),
                ));
            }
        }
        Err(e) => gaps.push(("get_bucket_logging", &["logging"], e)),
    }

    match client
        .get_object_lock_configuration()
        .bucket(&name)
        .send()
        .await
        .map_err(api("s3:GetBucketObjectLockConfiguration"))
    {
        Ok(out) => {
            bucket.object_lock = out.object_lock_configuration().map(|c| {
                let retention = c.rule().and_then(|r| r.default_retention());
                ObjectLock {
                    enabled: c
                        .object_lock_enabled()
                        .is_some_and(|e| e.as_str() == "Enabled"),
                    mode: retention
                        .and_then(|r| r.mode())
                        .map(|m| m.as_str().to_string()),
                    days: retention.and_then(|r| r.days()),
                    years: retention.and_then(|r| r.years()),
                }
            })
        }
        Err(e) if is_code(&e, &["ObjectLockConfigurationNotFoundError"]) => {}
        Err(e) => gaps.push(("get_object_lock_configuration", &["object_lock"], e)),
    }

    match client
        .get_bucket_lifecycle_configuration()
        .bucket(&name)
        .send()
        .await
        .map_err(api("s3:GetLifecycleConfiguration"))
    {
        Ok(out) => {
            bucket.lifecycle_rules = Some(
                out.rules()
                    .iter()
                    .map(|r| LifecycleRule {
                        id: r.id().map(str::to_string),
                        status: r.status().as_str().to_string(),
                    })
                    .collect(),
            )
        }
        Err(e) if is_code(&e, &["NoSuchLifecycleConfiguration"]) => {}
        Err(e) => gaps.push((
            "get_bucket_lifecycle_configuration",
            &["lifecycle_rules"],
            e,
        )),
    }

    let mut tags = BTreeMap::new();
    match client
        .get_bucket_tagging()
        .bucket(&name)
        .send()
        .await
        .map_err(api("s3:GetBucketTagging"))
    {
        Ok(out) => {
            for t in out.tag_set() {
                tags.insert(t.key().to_string(), t.value().to_string());
            }
        }
        Err(e) if is_code(&e, &["NoSuchTagSet"]) => {}
        Err(e) => gaps.push(("get_bucket_tagging", &[], e)),
    }

    let mut resource = Resource::new(uid, "aws_s3_bucket", &unit.account, &region, &name)
        .with_props(&bucket)
        .with_tags(tags)
        .created(created);
    for (operation, fields, error) in gaps {
        record_gap(&mut resource, operation, fields, &error);
    }
    (resource, links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_constraints_map_to_regions() {
        assert_eq!(bucket_region(None), "us-east-1");
        assert_eq!(bucket_region(Some("")), "us-east-1");
        assert_eq!(bucket_region(Some("EU")), "eu-west-1");
        assert_eq!(bucket_region(Some("ap-south-1")), "ap-south-1");
    }
}
