//! Props of the kinds the `ec2` collector produces: instances, EBS volumes
//! and snapshots, Elastic IPs, network interfaces and owned AMIs. Together
//! with the `vpc` kinds they say what is reachable from the internet, what
//! runs with which role, and which data is shared or unencrypted.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![
        kind!(
            "aws_instance",
            "ec2",
            Instance,
            uid = "arn:aws:ec2:REGION:ACCOUNT:instance/INSTANCE_ID",
            "An EC2 instance with its network placement, addresses, security groups, instance profile, metadata service options and volumes (never its user data)"
        ),
        kind!(
            "aws_ebs_volume",
            "ec2",
            EbsVolume,
            uid = "arn:aws:ec2:REGION:ACCOUNT:volume/VOLUME_ID",
            "An EBS volume with its encryption and attachments"
        ),
        kind!(
            "aws_ebs_snapshot",
            "ec2",
            EbsSnapshot,
            uid = "arn:aws:ec2:REGION:ACCOUNT:snapshot/SNAPSHOT_ID",
            "An EBS snapshot owned by the account, with its encryption and who may create volumes from it"
        ),
        kind!(
            "aws_eip",
            "ec2",
            Eip,
            uid = "arn:aws:ec2:REGION:ACCOUNT:elastic-ip/ALLOCATION_ID",
            "An Elastic IP address and what it is associated with"
        ),
        kind!(
            "aws_network_interface",
            "ec2",
            NetworkInterface,
            uid = "arn:aws:ec2:REGION:ACCOUNT:network-interface/ENI_ID",
            "An elastic network interface with its addresses, security groups and attachment"
        ),
        kind!(
            "aws_ami",
            "ec2",
            Ami,
            uid = "arn:aws:ec2:REGION:ACCOUNT:image/AMI_ID",
            "An AMI owned by the account, with whether it is public, who may launch it and its block devices' encryption"
        ),
    ]
}

/// Props of `aws_instance`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Instance {
    /// The instance id (DescribeInstances InstanceId).
    pub instance_id: String,
    /// The instance type, e.g. `t3.micro` (DescribeInstances InstanceType).
    pub instance_type: Option<String>,
    /// `pending`, `running`, `shutting-down`, `terminated`, `stopping` or `stopped` (DescribeInstances State.Name).
    pub state: Option<String>,
    /// Why the state last changed; for a user stop it carries the date (DescribeInstances StateTransitionReason).
    pub state_transition_reason: Option<String>,
    /// The AMI the instance was launched from (DescribeInstances ImageId).
    pub image_id: Option<String>,
    /// When the instance was last launched (started) (DescribeInstances LaunchTime).
    pub launch_time: Option<DateTime<Utc>>,
    /// The public IPv4 address; `null` when the instance has none (DescribeInstances PublicIpAddress).
    pub public_ip_address: Option<String>,
    /// The primary private IPv4 address (DescribeInstances PrivateIpAddress).
    pub private_ip_address: Option<String>,
    /// The IPv6 address of the primary network interface, if any (DescribeInstances Ipv6Address).
    pub ipv6_address: Option<String>,
    /// The public DNS name; `null` or empty when none (DescribeInstances PublicDnsName).
    pub public_dns_name: Option<String>,
    /// The private DNS name (DescribeInstances PrivateDnsName).
    pub private_dns_name: Option<String>,
    /// The subnet the instance runs in (DescribeInstances SubnetId).
    pub subnet_id: Option<String>,
    /// The VPC the instance runs in (DescribeInstances VpcId).
    pub vpc_id: Option<String>,
    /// The availability zone (DescribeInstances Placement.AvailabilityZone).
    pub availability_zone: Option<String>,
    /// Ids of the security groups of the instance (DescribeInstances SecurityGroups[].GroupId).
    pub security_groups: Vec<String>,
    /// The ARN of the instance profile, `null` when none (DescribeInstances IamInstanceProfile.Arn).
    pub iam_instance_profile: Option<String>,
    /// The instance metadata service options (DescribeInstances MetadataOptions).
    pub metadata_options: Option<MetadataOptions>,
    /// The block devices attached at launch or since (DescribeInstances BlockDeviceMappings).
    pub block_device_mappings: Vec<InstanceBlockDevice>,
    /// Ids of the network interfaces attached to the instance (DescribeInstances NetworkInterfaces[].NetworkInterfaceId).
    pub network_interfaces: Vec<String>,
    /// Detailed monitoring state: `disabled`, `disabling`, `enabled` or `pending` (DescribeInstances Monitoring.State).
    pub monitoring: Option<String>,
    /// `windows` for Windows instances, `null` otherwise (DescribeInstances Platform).
    pub platform: Option<String>,
    /// The platform in detail, e.g. `Linux/UNIX` (DescribeInstances PlatformDetails).
    pub platform_details: Option<String>,
    /// The name of the key pair the instance was launched with (DescribeInstances KeyName).
    pub key_name: Option<String>,
    /// `hvm` or `paravirtual` (DescribeInstances VirtualizationType).
    pub virtualization_type: Option<String>,
    /// The architecture, e.g. `x86_64` (DescribeInstances Architecture).
    pub architecture: Option<String>,
    /// `ebs` or `instance-store` (DescribeInstances RootDeviceType).
    pub root_device_type: Option<String>,
    /// The root device name, e.g. `/dev/xvda` (DescribeInstances RootDeviceName).
    pub root_device_name: Option<String>,
    /// Whether the instance is EBS-optimised (DescribeInstances EbsOptimized).
    pub ebs_optimized: Option<bool>,
    /// Whether source/destination checking is enabled; off for NAT or routing instances (DescribeInstances SourceDestCheck).
    pub source_dest_check: Option<bool>,
    /// `spot` or `scheduled`; `null` for on-demand instances (DescribeInstances InstanceLifecycle).
    pub instance_lifecycle: Option<String>,
    /// The tenancy: `default`, `dedicated` or `host` (DescribeInstances Placement.Tenancy).
    pub tenancy: Option<String>,
}

/// The instance metadata service (IMDS) options of an instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetadataOptions {
    /// `pending` or `applied` (DescribeInstances MetadataOptions.State).
    pub state: Option<String>,
    /// `required` means IMDSv2 only; `optional` allows IMDSv1 (DescribeInstances MetadataOptions.HttpTokens).
    pub http_tokens: Option<String>,
    /// `enabled` or `disabled`: whether the metadata endpoint answers at all (DescribeInstances MetadataOptions.HttpEndpoint).
    pub http_endpoint: Option<String>,
    /// How many network hops a metadata PUT answer may travel (DescribeInstances MetadataOptions.HttpPutResponseHopLimit).
    pub http_put_response_hop_limit: Option<i32>,
    /// `enabled` or `disabled`: whether tags are readable from metadata (DescribeInstances MetadataOptions.InstanceMetadataTags).
    pub instance_metadata_tags: Option<String>,
    /// `enabled` or `disabled`: the IPv6 metadata endpoint (DescribeInstances MetadataOptions.HttpProtocolIpv6).
    pub http_protocol_ipv6: Option<String>,
}

/// One block device of an instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InstanceBlockDevice {
    /// The device name, e.g. `/dev/sda1` (DescribeInstances BlockDeviceMappings[].DeviceName).
    pub device_name: Option<String>,
    /// The EBS volume id (DescribeInstances BlockDeviceMappings[].Ebs.VolumeId).
    pub volume_id: Option<String>,
    /// Whether the volume is deleted with the instance (DescribeInstances BlockDeviceMappings[].Ebs.DeleteOnTermination).
    pub delete_on_termination: Option<bool>,
    /// The attachment state: `attaching`, `attached`, `detaching` or `detached` (DescribeInstances BlockDeviceMappings[].Ebs.Status).
    pub status: Option<String>,
}

/// Props of `aws_ebs_volume`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EbsVolume {
    /// The volume id (DescribeVolumes VolumeId).
    pub volume_id: String,
    /// Whether the volume is encrypted (DescribeVolumes Encrypted).
    pub encrypted: bool,
    /// The ARN of the KMS key that encrypts the volume, `null` when unencrypted (DescribeVolumes KmsKeyId).
    pub kms_key_id: Option<String>,
    /// The size in GiB (DescribeVolumes Size).
    pub size: Option<i32>,
    /// `gp2`, `gp3`, `io1`, `io2`, `st1`, `sc1` or `standard` (DescribeVolumes VolumeType).
    pub volume_type: Option<String>,
    /// Provisioned IOPS (DescribeVolumes Iops).
    pub iops: Option<i32>,
    /// Provisioned throughput in MiB/s (DescribeVolumes Throughput).
    pub throughput: Option<i32>,
    /// `creating`, `available`, `in-use`, `deleting`, `deleted` or `error` (DescribeVolumes State).
    pub state: Option<String>,
    /// The attachments to instances (DescribeVolumes Attachments).
    pub attachments: Vec<VolumeAttachment>,
    /// The snapshot the volume was created from, if any (DescribeVolumes SnapshotId).
    pub snapshot_id: Option<String>,
    /// The availability zone (DescribeVolumes AvailabilityZone).
    pub availability_zone: Option<String>,
    /// When the volume was created (DescribeVolumes CreateTime).
    pub create_time: Option<DateTime<Utc>>,
    /// Whether Multi-Attach is enabled (DescribeVolumes MultiAttachEnabled).
    pub multi_attach_enabled: Option<bool>,
}

/// One attachment of a volume to an instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VolumeAttachment {
    /// The instance the volume is attached to (DescribeVolumes Attachments[].InstanceId).
    pub instance_id: Option<String>,
    /// The device name on the instance (DescribeVolumes Attachments[].Device).
    pub device: Option<String>,
    /// `attaching`, `attached`, `detaching`, `detached` or `busy` (DescribeVolumes Attachments[].State).
    pub state: Option<String>,
    /// Whether the volume is deleted with the instance (DescribeVolumes Attachments[].DeleteOnTermination).
    pub delete_on_termination: Option<bool>,
}

/// Props of `aws_ebs_snapshot`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EbsSnapshot {
    /// The snapshot id (DescribeSnapshots SnapshotId).
    pub snapshot_id: String,
    /// The volume the snapshot was taken of (DescribeSnapshots VolumeId).
    pub volume_id: Option<String>,
    /// The size of that volume in GiB (DescribeSnapshots VolumeSize).
    pub volume_size: Option<i32>,
    /// Whether the snapshot is encrypted (DescribeSnapshots Encrypted).
    pub encrypted: bool,
    /// The ARN of the KMS key that encrypts the snapshot (DescribeSnapshots KmsKeyId).
    pub kms_key_id: Option<String>,
    /// `pending`, `completed`, `error`, `recoverable` or `recovering` (DescribeSnapshots State).
    pub state: Option<String>,
    /// When the snapshot was started (DescribeSnapshots StartTime).
    pub start_time: Option<DateTime<Utc>>,
    /// The snapshot's description (DescribeSnapshots Description).
    pub description: Option<String>,
    /// The owning account (DescribeSnapshots OwnerId).
    pub owner_id: Option<String>,
    /// Whether anyone may create a volume from the snapshot: a createVolumePermission for group `all` (DescribeSnapshotAttribute createVolumePermission).
    pub public: bool,
    /// Accounts the snapshot is shared with (DescribeSnapshotAttribute createVolumePermission UserId).
    pub create_volume_permissions: Vec<String>,
}

/// Props of `aws_eip`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Eip {
    /// The allocation id (DescribeAddresses AllocationId).
    pub allocation_id: Option<String>,
    /// The public IPv4 address (DescribeAddresses PublicIp).
    pub public_ip: Option<String>,
    /// The association id; `null` when the address is not associated (DescribeAddresses AssociationId).
    pub association_id: Option<String>,
    /// The instance the address is associated with (DescribeAddresses InstanceId).
    pub instance_id: Option<String>,
    /// The network interface the address is associated with (DescribeAddresses NetworkInterfaceId).
    pub network_interface_id: Option<String>,
    /// The account owning that network interface (DescribeAddresses NetworkInterfaceOwnerId).
    pub network_interface_owner_id: Option<String>,
    /// The private address the public one maps to (DescribeAddresses PrivateIpAddress).
    pub private_ip_address: Option<String>,
    /// `vpc` or `standard` (DescribeAddresses Domain).
    pub domain: Option<String>,
    /// The address pool, e.g. `amazon` (DescribeAddresses PublicIpv4Pool).
    pub public_ipv4_pool: Option<String>,
}

/// Props of `aws_network_interface`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NetworkInterface {
    /// The network interface id (DescribeNetworkInterfaces NetworkInterfaceId).
    pub network_interface_id: String,
    /// The subnet (DescribeNetworkInterfaces SubnetId).
    pub subnet_id: Option<String>,
    /// The VPC (DescribeNetworkInterfaces VpcId).
    pub vpc_id: Option<String>,
    /// The availability zone (DescribeNetworkInterfaces AvailabilityZone).
    pub availability_zone: Option<String>,
    /// The primary private IPv4 address (DescribeNetworkInterfaces PrivateIpAddress).
    pub private_ip_address: Option<String>,
    /// Every private IPv4 address with the public address mapped to it (DescribeNetworkInterfaces PrivateIpAddresses).
    pub private_ip_addresses: Vec<PrivateIpAddress>,
    /// The IPv6 addresses (DescribeNetworkInterfaces Ipv6Addresses[].Ipv6Address).
    pub ipv6_addresses: Vec<String>,
    /// The public address of the primary private address; `null` when none (DescribeNetworkInterfaces Association).
    pub association: Option<IpAssociation>,
    /// Ids of the security groups (DescribeNetworkInterfaces Groups[].GroupId).
    pub groups: Vec<String>,
    /// What the interface is attached to; `null` when detached (DescribeNetworkInterfaces Attachment).
    pub attachment: Option<InterfaceAttachment>,
    /// `interface`, `nat_gateway`, `network_load_balancer`, `lambda`, `vpc_endpoint`, … (DescribeNetworkInterfaces InterfaceType).
    pub interface_type: Option<String>,
    /// `available`, `associated`, `attaching`, `in-use` or `detaching` (DescribeNetworkInterfaces Status).
    pub status: Option<String>,
    /// The description, often naming the AWS service that created it (DescribeNetworkInterfaces Description).
    pub description: Option<String>,
    /// Whether an AWS service manages the interface (DescribeNetworkInterfaces RequesterManaged).
    pub requester_managed: Option<bool>,
    /// Whether source/destination checking is enabled (DescribeNetworkInterfaces SourceDestCheck).
    pub source_dest_check: Option<bool>,
    /// The owning account (DescribeNetworkInterfaces OwnerId).
    pub owner_id: Option<String>,
}

/// One private IPv4 address of a network interface.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PrivateIpAddress {
    /// The private address (DescribeNetworkInterfaces PrivateIpAddresses[].PrivateIpAddress).
    pub private_ip_address: Option<String>,
    /// Whether it is the primary address (DescribeNetworkInterfaces PrivateIpAddresses[].Primary).
    pub primary: Option<bool>,
    /// The public address mapped to it, `null` when none (DescribeNetworkInterfaces PrivateIpAddresses[].Association.PublicIp).
    pub public_ip: Option<String>,
}

/// A public address associated with a network interface.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IpAssociation {
    /// The public IPv4 address (DescribeNetworkInterfaces Association.PublicIp).
    pub public_ip: Option<String>,
    /// The public DNS name (DescribeNetworkInterfaces Association.PublicDnsName).
    pub public_dns_name: Option<String>,
    /// `amazon` for an auto-assigned address, else the account owning the Elastic IP (DescribeNetworkInterfaces Association.IpOwnerId).
    pub ip_owner_id: Option<String>,
    /// The Elastic IP allocation, when the address is one (DescribeNetworkInterfaces Association.AllocationId).
    pub allocation_id: Option<String>,
    /// The Elastic IP association (DescribeNetworkInterfaces Association.AssociationId).
    pub association_id: Option<String>,
}

/// What a network interface is attached to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InterfaceAttachment {
    /// The attachment id (DescribeNetworkInterfaces Attachment.AttachmentId).
    pub attachment_id: Option<String>,
    /// The instance, when attached to one (DescribeNetworkInterfaces Attachment.InstanceId).
    pub instance_id: Option<String>,
    /// The account owning the instance (DescribeNetworkInterfaces Attachment.InstanceOwnerId).
    pub instance_owner_id: Option<String>,
    /// The device index; 0 is the primary interface (DescribeNetworkInterfaces Attachment.DeviceIndex).
    pub device_index: Option<i32>,
    /// `attaching`, `attached`, `detaching` or `detached` (DescribeNetworkInterfaces Attachment.Status).
    pub status: Option<String>,
    /// Whether the interface is deleted with the instance (DescribeNetworkInterfaces Attachment.DeleteOnTermination).
    pub delete_on_termination: Option<bool>,
}

/// Props of `aws_ami`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Ami {
    /// The image id (DescribeImages ImageId).
    pub image_id: String,
    /// The image name (DescribeImages Name).
    pub name: Option<String>,
    /// The description (DescribeImages Description).
    pub description: Option<String>,
    /// Whether anyone may launch the image (DescribeImages Public).
    pub public: bool,
    /// `pending`, `available`, `invalid`, `deregistered`, `transient`, `failed` or `error` (DescribeImages State).
    pub state: Option<String>,
    /// When the image was created, as ISO 8601 text (DescribeImages CreationDate).
    pub creation_date: Option<String>,
    /// When the image is deprecated, if set (DescribeImages DeprecationTime).
    pub deprecation_time: Option<String>,
    /// The owning account (DescribeImages OwnerId).
    pub owner_id: Option<String>,
    /// `machine`, `kernel` or `ramdisk` (DescribeImages ImageType).
    pub image_type: Option<String>,
    /// The architecture (DescribeImages Architecture).
    pub architecture: Option<String>,
    /// The platform in detail, e.g. `Linux/UNIX` (DescribeImages PlatformDetails).
    pub platform_details: Option<String>,
    /// `ebs` or `instance-store` (DescribeImages RootDeviceType).
    pub root_device_type: Option<String>,
    /// `hvm` or `paravirtual` (DescribeImages VirtualizationType).
    pub virtualization_type: Option<String>,
    /// `v2.0` when instances launched from it require IMDSv2 (DescribeImages ImdsSupport).
    pub imds_support: Option<String>,
    /// The block devices with their encryption (DescribeImages BlockDeviceMappings).
    pub block_device_mappings: Vec<ImageBlockDevice>,
    /// Who may launch the image besides its owner (DescribeImageAttribute launchPermission).
    pub launch_permissions: Vec<LaunchPermission>,
}

/// One block device of an AMI.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ImageBlockDevice {
    /// The device name (DescribeImages BlockDeviceMappings[].DeviceName).
    pub device_name: Option<String>,
    /// The snapshot backing the device (DescribeImages BlockDeviceMappings[].Ebs.SnapshotId).
    pub snapshot_id: Option<String>,
    /// The volume size in GiB (DescribeImages BlockDeviceMappings[].Ebs.VolumeSize).
    pub volume_size: Option<i32>,
    /// The volume type (DescribeImages BlockDeviceMappings[].Ebs.VolumeType).
    pub volume_type: Option<String>,
    /// Whether the device is encrypted; `null` for instance-store devices (DescribeImages BlockDeviceMappings[].Ebs.Encrypted).
    pub encrypted: Option<bool>,
    /// The KMS key encrypting the device (DescribeImages BlockDeviceMappings[].Ebs.KmsKeyId).
    pub kms_key_id: Option<String>,
}

/// One launch permission of an AMI.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LaunchPermission {
    /// `all` when the image is public (DescribeImageAttribute LaunchPermissions[].Group).
    pub group: Option<String>,
    /// An account the image is shared with (DescribeImageAttribute LaunchPermissions[].UserId).
    pub user_id: Option<String>,
    /// An organization the image is shared with (DescribeImageAttribute LaunchPermissions[].OrganizationArn).
    pub organization_arn: Option<String>,
    /// An organizational unit the image is shared with (DescribeImageAttribute LaunchPermissions[].OrganizationalUnitArn).
    pub organizational_unit_arn: Option<String>,
}
