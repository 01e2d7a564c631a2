//! Props of the kinds the `rds` collector produces: DB instances, DB
//! clusters and their manual snapshots, with every setting the CIS (2.3) and
//! FSBP RDS controls read, and the network placement (subnets, security
//! groups, endpoint) that an exposure analysis needs.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![
        kind!(
            "aws_db_instance",
            "rds",
            DbInstance,
            uid = "arn:aws:rds:REGION:ACCOUNT:db:IDENTIFIER",
            "An RDS DB instance with its encryption, public accessibility, backups, logging, network placement and authentication settings"
        ),
        kind!(
            "aws_rds_cluster",
            "rds",
            DbCluster,
            uid = "arn:aws:rds:REGION:ACCOUNT:cluster:IDENTIFIER",
            "An RDS DB cluster (Aurora or Multi-AZ) with its encryption, backups, logging, members and authentication settings"
        ),
        kind!(
            "aws_db_snapshot",
            "rds",
            DbSnapshot,
            uid = "arn:aws:rds:REGION:ACCOUNT:snapshot:IDENTIFIER",
            "A manual RDS DB snapshot with its encryption and whether it is public or shared with other accounts"
        ),
        kind!(
            "aws_db_cluster_snapshot",
            "rds",
            DbClusterSnapshot,
            uid = "arn:aws:rds:REGION:ACCOUNT:cluster-snapshot:IDENTIFIER",
            "A manual RDS DB cluster snapshot with its encryption and whether it is public or shared with other accounts"
        ),
    ]
}

/// Props of `aws_db_instance`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DbInstance {
    /// The instance identifier (DescribeDBInstances `DBInstanceIdentifier`).
    pub db_instance_identifier: String,
    /// The instance ARN (DescribeDBInstances `DBInstanceArn`).
    pub db_instance_arn: String,
    /// The region-unique, immutable resource id (DescribeDBInstances `DbiResourceId`).
    pub dbi_resource_id: Option<String>,
    /// The database engine, e.g. `postgres`, `mysql`, `aurora-mysql` (DescribeDBInstances).
    pub engine: Option<String>,
    /// The engine version (DescribeDBInstances).
    pub engine_version: Option<String>,
    /// The instance class, e.g. `db.t3.micro` (DescribeDBInstances).
    pub db_instance_class: Option<String>,
    /// The instance status, e.g. `available`, `stopped` (DescribeDBInstances).
    pub db_instance_status: Option<String>,
    /// The availability zone of the instance (DescribeDBInstances).
    pub availability_zone: Option<String>,
    /// Whether the instance is a Multi-AZ deployment (DescribeDBInstances).
    pub multi_az: Option<bool>,
    /// Whether the instance endpoint resolves to a public IP address (DescribeDBInstances).
    pub publicly_accessible: Option<bool>,
    /// Whether the storage is encrypted at rest (DescribeDBInstances).
    pub storage_encrypted: Option<bool>,
    /// The KMS key that encrypts the storage, when encrypted (DescribeDBInstances).
    pub kms_key_id: Option<String>,
    /// The storage type, e.g. `gp3`, `io1` (DescribeDBInstances).
    pub storage_type: Option<String>,
    /// Whether minor engine upgrades are applied automatically (DescribeDBInstances).
    pub auto_minor_version_upgrade: Option<bool>,
    /// Days automated backups are kept; 0 means automated backups are off (DescribeDBInstances).
    pub backup_retention_period: Option<i32>,
    /// Whether the instance cannot be deleted until this is turned off (DescribeDBInstances).
    pub deletion_protection: Option<bool>,
    /// Whether IAM database authentication is enabled (DescribeDBInstances).
    pub iam_database_authentication_enabled: Option<bool>,
    /// The log types exported to CloudWatch Logs, e.g. `postgresql`, `audit`, `error` (DescribeDBInstances).
    pub enabled_cloudwatch_logs_exports: Vec<String>,
    /// Whether tags are copied to snapshots (DescribeDBInstances).
    pub copy_tags_to_snapshot: Option<bool>,
    /// The VPC security groups of the instance (DescribeDBInstances `VpcSecurityGroups`).
    pub vpc_security_groups: Vec<VpcSecurityGroupMembership>,
    /// The DB subnet group, with its VPC and subnets; `null` outside a VPC (DescribeDBInstances `DBSubnetGroup`).
    pub db_subnet_group: Option<DbSubnetGroup>,
    /// The connection endpoint; `null` while the instance is being created (DescribeDBInstances `Endpoint`).
    pub endpoint: Option<Endpoint>,
    /// The cluster the instance belongs to, for Aurora and Multi-AZ cluster members (DescribeDBInstances).
    pub db_cluster_identifier: Option<String>,
    /// The identifier of the CA certificate of the server certificate, e.g. `rds-ca-rsa2048-g1` (DescribeDBInstances).
    pub ca_certificate_identifier: Option<String>,
    /// When the server certificate's CA expires (DescribeDBInstances `CertificateDetails.ValidTill`).
    pub certificate_valid_till: Option<DateTime<Utc>>,
    /// Seconds between Enhanced Monitoring samples; 0 means Enhanced Monitoring is off (DescribeDBInstances).
    pub monitoring_interval: Option<i32>,
    /// The role Enhanced Monitoring uses to publish to CloudWatch Logs (DescribeDBInstances).
    pub monitoring_role_arn: Option<String>,
    /// Whether Performance Insights is enabled (DescribeDBInstances).
    pub performance_insights_enabled: Option<bool>,
    /// The KMS key that encrypts Performance Insights data (DescribeDBInstances).
    pub performance_insights_kms_key_id: Option<String>,
    /// The master user name (never the password); FSBP RDS.25 wants it changed from the default (DescribeDBInstances).
    pub master_username: Option<String>,
    /// The Secrets Manager secret that holds the master password, when RDS manages it (DescribeDBInstances `MasterUserSecret`).
    pub master_user_secret: Option<MasterUserSecret>,
    /// The DB parameter groups and whether they are applied (DescribeDBInstances `DBParameterGroups`).
    pub db_parameter_groups: Vec<DbParameterGroupStatus>,
    /// The IAM roles associated with the instance (DescribeDBInstances `AssociatedRoles`).
    pub associated_roles: Vec<AssociatedRole>,
    /// The source instance, when this instance is a read replica (DescribeDBInstances).
    pub read_replica_source_db_instance_identifier: Option<String>,
    /// `IPV4` or `DUAL` (DescribeDBInstances).
    pub network_type: Option<String>,
    /// When the instance was created (DescribeDBInstances).
    pub instance_create_time: Option<DateTime<Utc>>,
}

/// Props of `aws_rds_cluster`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DbCluster {
    /// The cluster identifier (DescribeDBClusters `DBClusterIdentifier`).
    pub db_cluster_identifier: String,
    /// The cluster ARN (DescribeDBClusters `DBClusterArn`).
    pub db_cluster_arn: String,
    /// The region-unique, immutable resource id (DescribeDBClusters).
    pub db_cluster_resource_id: Option<String>,
    /// The database engine, e.g. `aurora-postgresql` (DescribeDBClusters).
    pub engine: Option<String>,
    /// The engine version (DescribeDBClusters).
    pub engine_version: Option<String>,
    /// `provisioned`, `serverless`, `parallelquery`, `global` or `multimaster` (DescribeDBClusters).
    pub engine_mode: Option<String>,
    /// The cluster status (DescribeDBClusters).
    pub status: Option<String>,
    /// The instance class, for Multi-AZ DB clusters (DescribeDBClusters).
    pub db_cluster_instance_class: Option<String>,
    /// Whether the cluster has instances in several availability zones (DescribeDBClusters).
    pub multi_az: Option<bool>,
    /// Whether the cluster is publicly accessible, for Multi-AZ DB clusters (DescribeDBClusters).
    pub publicly_accessible: Option<bool>,
    /// Whether the storage is encrypted at rest (DescribeDBClusters).
    pub storage_encrypted: Option<bool>,
    /// The KMS key that encrypts the storage, when encrypted (DescribeDBClusters).
    pub kms_key_id: Option<String>,
    /// Whether minor engine upgrades are applied automatically (DescribeDBClusters).
    pub auto_minor_version_upgrade: Option<bool>,
    /// Days automated backups are kept (DescribeDBClusters).
    pub backup_retention_period: Option<i32>,
    /// Whether the cluster cannot be deleted until this is turned off (DescribeDBClusters).
    pub deletion_protection: Option<bool>,
    /// Whether IAM database authentication is enabled (DescribeDBClusters).
    pub iam_database_authentication_enabled: Option<bool>,
    /// The log types exported to CloudWatch Logs (DescribeDBClusters).
    pub enabled_cloudwatch_logs_exports: Vec<String>,
    /// Whether tags are copied to snapshots (DescribeDBClusters).
    pub copy_tags_to_snapshot: Option<bool>,
    /// The VPC security groups of the cluster (DescribeDBClusters `VpcSecurityGroups`).
    pub vpc_security_groups: Vec<VpcSecurityGroupMembership>,
    /// The name of the DB subnet group (DescribeDBClusters `DBSubnetGroup`).
    pub db_subnet_group: Option<String>,
    /// The writer endpoint's DNS name (DescribeDBClusters).
    pub endpoint: Option<String>,
    /// The reader endpoint's DNS name (DescribeDBClusters).
    pub reader_endpoint: Option<String>,
    /// The port the cluster listens on (DescribeDBClusters).
    pub port: Option<i32>,
    /// The master user name (never the password) (DescribeDBClusters).
    pub master_username: Option<String>,
    /// The Secrets Manager secret that holds the master password, when RDS manages it (DescribeDBClusters `MasterUserSecret`).
    pub master_user_secret: Option<MasterUserSecret>,
    /// The backtrack window in seconds, for Aurora MySQL; 0 means off (DescribeDBClusters).
    pub backtrack_window: Option<i64>,
    /// Whether the RDS Data API (HTTP endpoint) is enabled (DescribeDBClusters).
    pub http_endpoint_enabled: Option<bool>,
    /// The cluster parameter group (DescribeDBClusters).
    pub db_cluster_parameter_group: Option<String>,
    /// The availability zones the cluster's storage spans (DescribeDBClusters).
    pub availability_zones: Vec<String>,
    /// The instances of the cluster (DescribeDBClusters `DBClusterMembers`).
    pub db_cluster_members: Vec<DbClusterMember>,
    /// Seconds between Enhanced Monitoring samples; 0 means off (DescribeDBClusters).
    pub monitoring_interval: Option<i32>,
    /// Whether Performance Insights is enabled (DescribeDBClusters).
    pub performance_insights_enabled: Option<bool>,
    /// Database activity stream status: `stopped`, `starting`, `started`, `stopping` (DescribeDBClusters).
    pub activity_stream_status: Option<String>,
    /// The IAM roles associated with the cluster (DescribeDBClusters `AssociatedRoles`).
    pub associated_roles: Vec<AssociatedRole>,
    /// The global database the cluster belongs to (DescribeDBClusters).
    pub global_cluster_identifier: Option<String>,
    /// `IPV4` or `DUAL` (DescribeDBClusters).
    pub network_type: Option<String>,
    /// When the cluster was created (DescribeDBClusters).
    pub cluster_create_time: Option<DateTime<Utc>>,
}

/// Props of `aws_db_snapshot`: a manual snapshot owned by the account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DbSnapshot {
    /// The snapshot identifier (DescribeDBSnapshots `DBSnapshotIdentifier`).
    pub db_snapshot_identifier: String,
    /// The snapshot ARN (DescribeDBSnapshots `DBSnapshotArn`).
    pub db_snapshot_arn: String,
    /// The instance the snapshot was taken from (DescribeDBSnapshots).
    pub db_instance_identifier: Option<String>,
    /// The resource id of that instance (DescribeDBSnapshots).
    pub dbi_resource_id: Option<String>,
    /// `manual` (only manual snapshots are collected) (DescribeDBSnapshots).
    pub snapshot_type: Option<String>,
    /// The snapshot status (DescribeDBSnapshots).
    pub status: Option<String>,
    /// The database engine (DescribeDBSnapshots).
    pub engine: Option<String>,
    /// The engine version (DescribeDBSnapshots).
    pub engine_version: Option<String>,
    /// Whether the snapshot is encrypted (DescribeDBSnapshots).
    pub encrypted: Option<bool>,
    /// The KMS key that encrypts the snapshot (DescribeDBSnapshots).
    pub kms_key_id: Option<String>,
    /// The VPC of the source instance (DescribeDBSnapshots).
    pub vpc_id: Option<String>,
    /// Whether IAM database authentication is enabled (DescribeDBSnapshots).
    pub iam_database_authentication_enabled: Option<bool>,
    /// The region the snapshot was copied from, for copies (DescribeDBSnapshots).
    pub source_region: Option<String>,
    /// The snapshot this one was copied from, for copies (DescribeDBSnapshots).
    pub source_db_snapshot_identifier: Option<String>,
    /// When the snapshot was taken (DescribeDBSnapshots).
    pub snapshot_create_time: Option<DateTime<Utc>>,
    /// Whether any AWS account may restore the snapshot: the `restore` attribute holds `all` (DescribeDBSnapshotAttributes).
    pub public: bool,
    /// The accounts the snapshot is shared with: the `restore` attribute's account ids (DescribeDBSnapshotAttributes).
    pub shared_accounts: Vec<String>,
}

/// Props of `aws_db_cluster_snapshot`: a manual cluster snapshot owned by the account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DbClusterSnapshot {
    /// The snapshot identifier (DescribeDBClusterSnapshots `DBClusterSnapshotIdentifier`).
    pub db_cluster_snapshot_identifier: String,
    /// The snapshot ARN (DescribeDBClusterSnapshots `DBClusterSnapshotArn`).
    pub db_cluster_snapshot_arn: String,
    /// The cluster the snapshot was taken from (DescribeDBClusterSnapshots).
    pub db_cluster_identifier: Option<String>,
    /// `manual` (only manual snapshots are collected) (DescribeDBClusterSnapshots).
    pub snapshot_type: Option<String>,
    /// The snapshot status (DescribeDBClusterSnapshots).
    pub status: Option<String>,
    /// The database engine (DescribeDBClusterSnapshots).
    pub engine: Option<String>,
    /// The engine version (DescribeDBClusterSnapshots).
    pub engine_version: Option<String>,
    /// Whether the snapshot is encrypted (DescribeDBClusterSnapshots).
    pub storage_encrypted: Option<bool>,
    /// The KMS key that encrypts the snapshot (DescribeDBClusterSnapshots).
    pub kms_key_id: Option<String>,
    /// The VPC of the source cluster (DescribeDBClusterSnapshots).
    pub vpc_id: Option<String>,
    /// Whether IAM database authentication is enabled (DescribeDBClusterSnapshots).
    pub iam_database_authentication_enabled: Option<bool>,
    /// The snapshot this one was copied from, for copies (DescribeDBClusterSnapshots).
    pub source_db_cluster_snapshot_arn: Option<String>,
    /// When the snapshot was taken (DescribeDBClusterSnapshots).
    pub snapshot_create_time: Option<DateTime<Utc>>,
    /// Whether any AWS account may restore the snapshot: the `restore` attribute holds `all` (DescribeDBClusterSnapshotAttributes).
    pub public: bool,
    /// The accounts the snapshot is shared with: the `restore` attribute's account ids (DescribeDBClusterSnapshotAttributes).
    pub shared_accounts: Vec<String>,
}

/// A VPC security group of an instance or cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VpcSecurityGroupMembership {
    /// The security group id (DescribeDBInstances/DescribeDBClusters `VpcSecurityGroupId`).
    pub vpc_security_group_id: String,
    /// The membership status, e.g. `active` (DescribeDBInstances/DescribeDBClusters).
    pub status: Option<String>,
}

/// The DB subnet group an instance is placed in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DbSubnetGroup {
    /// The subnet group name (DescribeDBInstances `DBSubnetGroup.DBSubnetGroupName`).
    pub db_subnet_group_name: Option<String>,
    /// The VPC of the subnet group (DescribeDBInstances `DBSubnetGroup.VpcId`).
    pub vpc_id: Option<String>,
    /// The subnets of the group (DescribeDBInstances `DBSubnetGroup.Subnets`).
    pub subnets: Vec<DbSubnet>,
}

/// One subnet of a DB subnet group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DbSubnet {
    /// The subnet id (DescribeDBInstances `Subnets[].SubnetIdentifier`).
    pub subnet_identifier: String,
    /// The subnet's availability zone (DescribeDBInstances `Subnets[].SubnetAvailabilityZone.Name`).
    pub subnet_availability_zone: Option<String>,
    /// The subnet status, e.g. `Active` (DescribeDBInstances `Subnets[].SubnetStatus`).
    pub subnet_status: Option<String>,
}

/// A DB instance's connection endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Endpoint {
    /// The DNS name (DescribeDBInstances `Endpoint.Address`).
    pub address: Option<String>,
    /// The port (DescribeDBInstances `Endpoint.Port`).
    pub port: Option<i32>,
    /// The Route 53 hosted zone of the name (DescribeDBInstances `Endpoint.HostedZoneId`).
    pub hosted_zone_id: Option<String>,
}

/// The Secrets Manager secret RDS manages for the master password; metadata only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MasterUserSecret {
    /// The secret's ARN (DescribeDBInstances/DescribeDBClusters `MasterUserSecret.SecretArn`).
    pub secret_arn: Option<String>,
    /// `creating`, `active`, `rotating` or `impaired` (DescribeDBInstances/DescribeDBClusters `MasterUserSecret.SecretStatus`).
    pub secret_status: Option<String>,
    /// The KMS key that encrypts the secret (DescribeDBInstances/DescribeDBClusters `MasterUserSecret.KmsKeyId`).
    pub kms_key_id: Option<String>,
}

/// A DB parameter group of an instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DbParameterGroupStatus {
    /// The parameter group name (DescribeDBInstances `DBParameterGroups[].DBParameterGroupName`).
    pub db_parameter_group_name: Option<String>,
    /// `in-sync`, `pending-reboot` or `applying` (DescribeDBInstances `DBParameterGroups[].ParameterApplyStatus`).
    pub parameter_apply_status: Option<String>,
}

/// An IAM role associated with an instance or cluster (for S3 import, Lambda, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AssociatedRole {
    /// The role ARN (DescribeDBInstances/DescribeDBClusters `AssociatedRoles[].RoleArn`).
    pub role_arn: Option<String>,
    /// The feature the role serves, e.g. `s3Import` (DescribeDBInstances/DescribeDBClusters `AssociatedRoles[].FeatureName`).
    pub feature_name: Option<String>,
    /// `ACTIVE`, `PENDING` or `INVALID` (DescribeDBInstances/DescribeDBClusters `AssociatedRoles[].Status`).
    pub status: Option<String>,
}

/// One instance of a DB cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DbClusterMember {
    /// The member instance's identifier (DescribeDBClusters `DBClusterMembers[].DBInstanceIdentifier`).
    pub db_instance_identifier: Option<String>,
    /// Whether the member is the writer (DescribeDBClusters `DBClusterMembers[].IsClusterWriter`).
    pub is_cluster_writer: Option<bool>,
    /// The failover priority, 0 first (DescribeDBClusters `DBClusterMembers[].PromotionTier`).
    pub promotion_tier: Option<i32>,
}
