//! Props of the kinds the `kms` collector produces: KMS keys with their
//! state, rotation, key policy and aliases (CIS 3.6, FSBP KMS.1–KMS.4).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![kind!(
        "aws_kms_key",
        "kms",
        KmsKey,
        uid = "arn:aws:kms:REGION:ACCOUNT:key/KEY_ID",
        "A KMS key (customer or AWS managed, in any state) with its rotation status, key policy and aliases"
    )]
}

/// Props of `aws_kms_key`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KmsKey {
    /// The key id, a UUID or an `mrk-` id for multi-Region keys (ListKeys, DescribeKey).
    pub key_id: String,
    /// The key ARN (ListKeys, DescribeKey).
    pub arn: String,
    /// The key's description (DescribeKey).
    pub description: Option<String>,
    /// `Enabled`, `Disabled`, `PendingDeletion`, `PendingImport`, `PendingReplicaDeletion`, `Unavailable`, `Creating`, `Updating` (DescribeKey).
    pub key_state: Option<String>,
    /// `CUSTOMER` for keys the account manages, `AWS` for AWS managed keys (DescribeKey).
    pub key_manager: Option<String>,
    /// `SYMMETRIC_DEFAULT`, `RSA_2048`, `ECC_NIST_P256`, `HMAC_256`, … (DescribeKey).
    pub key_spec: Option<String>,
    /// `ENCRYPT_DECRYPT`, `SIGN_VERIFY`, `GENERATE_VERIFY_MAC` or `KEY_AGREEMENT` (DescribeKey).
    pub key_usage: Option<String>,
    /// Where the key material comes from: `AWS_KMS`, `EXTERNAL` (imported), `AWS_CLOUDHSM` or `EXTERNAL_KEY_STORE` (DescribeKey).
    pub origin: Option<String>,
    /// When the key was created (DescribeKey).
    pub creation_date: Option<DateTime<Utc>>,
    /// When a key pending deletion will be deleted; `null` otherwise (DescribeKey).
    pub deletion_date: Option<DateTime<Utc>>,
    /// The waiting period of a scheduled deletion, in days; `null` when none is scheduled (DescribeKey).
    pub pending_deletion_window_in_days: Option<i32>,
    /// Whether this is a multi-Region key (DescribeKey).
    pub multi_region: bool,
    /// Whether the key is enabled (DescribeKey).
    pub enabled: bool,
    /// Whether automatic rotation of the key material is on (GetKeyRotationStatus). Read only for
    /// customer managed symmetric `ENCRYPT_DECRYPT` keys, the keys CIS 3.6 and FSBP KMS.4 ask to
    /// rotate; `null` for every other key (AWS managed keys, which AWS rotates itself, asymmetric,
    /// HMAC and custom key store keys), and for key material KMS cannot rotate.
    pub key_rotation_enabled: Option<bool>,
    /// The rotation period in days when automatic rotation is on; `null` otherwise (GetKeyRotationStatus).
    pub rotation_period_in_days: Option<i32>,
    /// The key policy named `default`, as a JSON document (GetKeyPolicy).
    pub policy: Option<Value>,
    /// The names of the aliases that point at this key, such as `alias/app` (ListAliases).
    pub aliases: Vec<String>,
}
