//! Props of the kinds the `s3` collector produces.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![kind!(
        "aws_s3_bucket",
        "s3",
        S3Bucket,
        uid = "arn:aws:s3:::BUCKET",
        "An S3 bucket with its policy, public access block, ACL, encryption, versioning, logging and object lock"
    )]
}

/// Props of `aws_s3_bucket`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct S3Bucket {
    /// The bucket name.
    pub name: String,
    /// The region the bucket lives in (GetBucketLocation; `us-east-1` when AWS answers empty).
    pub region: String,
    /// When the bucket was created (ListBuckets).
    pub creation_date: Option<DateTime<Utc>>,
    /// The bucket policy as a JSON document; `null` when the bucket has none (GetBucketPolicy).
    pub policy: Option<Value>,
    /// Whether AWS considers the bucket policy public (GetBucketPolicyStatus); `null` without a policy.
    pub policy_status: Option<PolicyStatus>,
    /// The bucket's own public access block; `null` when none is set (GetPublicAccessBlock).
    pub public_access_block: Option<PublicAccessBlock>,
    /// The bucket ACL (GetBucketAcl).
    pub acl: Option<Acl>,
    /// Object ownership setting: `BucketOwnerEnforced` disables ACLs; `null` when not set (GetBucketOwnershipControls).
    pub object_ownership: Option<String>,
    /// Default encryption rules; `null` when none is configured (GetBucketEncryption).
    pub server_side_encryption: Option<Vec<EncryptionRule>>,
    /// Versioning and MFA delete (GetBucketVersioning).
    pub versioning: Versioning,
    /// Server access logging; `null` when logging is off (GetBucketLogging).
    pub logging: Option<Logging>,
    /// Object lock configuration; `null` when object lock is not enabled (GetObjectLockConfiguration).
    pub object_lock: Option<ObjectLock>,
    /// Lifecycle rules; `null` when the bucket has none (GetBucketLifecycleConfiguration).
    pub lifecycle_rules: Option<Vec<LifecycleRule>>,
}

/// Whether a bucket policy is public, as S3 judges it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyStatus {
    /// True when the policy grants public access.
    pub is_public: bool,
}

/// An S3 public access block, for a bucket or a whole account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PublicAccessBlock {
    /// Rejects requests that add public ACLs.
    pub block_public_acls: bool,
    /// Ignores public ACLs that exist.
    pub ignore_public_acls: bool,
    /// Rejects bucket policies that grant public access.
    pub block_public_policy: bool,
    /// Restricts access to buckets with public policies to AWS principals of the owner.
    pub restrict_public_buckets: bool,
}

/// A bucket ACL.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Acl {
    /// The canonical user id of the owner.
    pub owner_id: Option<String>,
    /// The grants.
    pub grants: Vec<Grant>,
}

/// One ACL grant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Grant {
    /// `CanonicalUser`, `Group` or `AmazonCustomerByEmail`.
    pub grantee_type: Option<String>,
    /// The canonical user id, for `CanonicalUser` grantees.
    pub grantee_id: Option<String>,
    /// The group URI, for `Group` grantees (e.g. `http://acs.amazonaws.com/groups/global/AllUsers`).
    pub grantee_uri: Option<String>,
    /// `FULL_CONTROL`, `READ`, `WRITE`, `READ_ACP` or `WRITE_ACP`.
    pub permission: Option<String>,
}

/// One default-encryption rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EncryptionRule {
    /// `AES256`, `aws:kms` or `aws:kms:dsse`.
    pub sse_algorithm: Option<String>,
    /// The KMS key, for KMS encryption.
    pub kms_master_key_id: Option<String>,
    /// Whether S3 Bucket Keys are enabled.
    pub bucket_key_enabled: Option<bool>,
}

/// Versioning state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Versioning {
    /// `Enabled`, `Suspended`, or `null` when versioning was never enabled.
    pub status: Option<String>,
    /// `Enabled` or `Disabled`; `null` when never configured.
    pub mfa_delete: Option<String>,
}

/// Server access logging.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Logging {
    /// The bucket that receives the logs.
    pub target_bucket: String,
    /// The key prefix of the logs.
    pub target_prefix: String,
}

/// Object lock configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObjectLock {
    /// Whether object lock is enabled.
    pub enabled: bool,
    /// Default retention mode (`GOVERNANCE` or `COMPLIANCE`), if any.
    pub mode: Option<String>,
    /// Default retention in days, if set.
    pub days: Option<i32>,
    /// Default retention in years, if set.
    pub years: Option<i32>,
}

/// One lifecycle rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LifecycleRule {
    /// The rule id.
    pub id: Option<String>,
    /// `Enabled` or `Disabled`.
    pub status: String,
}
