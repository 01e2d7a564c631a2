//! Props of the kinds the `efs` collector produces: file systems with their
//! encryption, file system policy, automatic backups and mount targets
//! (subnets and security groups), for the FSBP EFS controls and for
//! exposure analysis of who can reach a file system on the network.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![kind!(
        "aws_efs_file_system",
        "efs",
        EfsFileSystem,
        uid = "arn:aws:elasticfilesystem:REGION:ACCOUNT:file-system/FS_ID",
        "An EFS file system with its encryption, policy, backup policy and mount targets"
    )]
}

/// Props of `aws_efs_file_system`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EfsFileSystem {
    /// The file system id (`fs-…`) (DescribeFileSystems).
    pub file_system_id: String,
    /// The file system ARN (DescribeFileSystems).
    pub file_system_arn: String,
    /// The value of the `Name` tag, if any (DescribeFileSystems).
    pub name: Option<String>,
    /// Whether data at rest is encrypted (DescribeFileSystems).
    pub encrypted: bool,
    /// The KMS key that encrypts the file system; `null` when not encrypted (DescribeFileSystems).
    pub kms_key_id: Option<String>,
    /// `generalPurpose` or `maxIO` (DescribeFileSystems).
    pub performance_mode: String,
    /// `bursting`, `provisioned` or `elastic` (DescribeFileSystems).
    pub throughput_mode: Option<String>,
    /// `creating`, `available`, `updating`, `deleting`, `deleted` or `error` (DescribeFileSystems).
    pub life_cycle_state: String,
    /// The number of mount targets (DescribeFileSystems).
    pub number_of_mount_targets: i32,
    /// The Availability Zone of a One Zone file system; `null` for Regional file systems (DescribeFileSystems).
    pub availability_zone_name: Option<String>,
    /// When the file system was created (DescribeFileSystems).
    pub creation_time: Option<DateTime<Utc>>,
    /// The file system policy as a JSON document; `null` when the file system has none (DescribeFileSystemPolicy).
    pub policy: Option<Value>,
    /// Automatic backups; `null` when no backup policy was ever set (DescribeBackupPolicy).
    pub backup_policy: Option<BackupPolicy>,
    /// The mount targets, through which clients in a subnet reach the file system (DescribeMountTargets).
    pub mount_targets: Vec<MountTarget>,
}

/// A file system's automatic backup setting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BackupPolicy {
    /// `ENABLED`, `ENABLING`, `DISABLED` or `DISABLING` (DescribeBackupPolicy `BackupPolicy.Status`).
    pub status: String,
}

/// One mount target of a file system.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MountTarget {
    /// The mount target id (`fsmt-…`) (DescribeMountTargets).
    pub mount_target_id: String,
    /// The subnet the mount target lives in (DescribeMountTargets).
    pub subnet_id: String,
    /// The VPC of the subnet (DescribeMountTargets).
    pub vpc_id: Option<String>,
    /// The IPv4 address clients mount (DescribeMountTargets).
    pub ip_address: Option<String>,
    /// The Availability Zone of the subnet (DescribeMountTargets).
    pub availability_zone_name: Option<String>,
    /// `creating`, `available`, `updating`, `deleting`, `deleted` or `error` (DescribeMountTargets).
    pub life_cycle_state: String,
    /// The security groups that guard the mount target; absent when they could not be read, and the file system's `_errors` says why (DescribeMountTargetSecurityGroups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Vec<String>>,
}
