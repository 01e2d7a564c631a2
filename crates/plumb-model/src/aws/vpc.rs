//! Props of the kinds the `vpc` collector produces: VPCs, subnets, security
//! groups, network ACLs, route tables, internet and NAT gateways and flow
//! logs. They carry every rule and route in full, so that the CIS and FSBP
//! network controls and a later reachability analysis read the same data.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![
        kind!(
            "aws_vpc",
            "vpc",
            Vpc,
            uid = "arn:aws:ec2:REGION:ACCOUNT:vpc/VPC_ID",
            "A VPC with its address ranges and whether it is the region's default"
        ),
        kind!(
            "aws_subnet",
            "vpc",
            Subnet,
            uid = "arn:aws:ec2:REGION:ACCOUNT:subnet/SUBNET_ID",
            "A subnet with its address ranges and whether it gives instances public addresses"
        ),
        kind!(
            "aws_security_group",
            "vpc",
            SecurityGroup,
            uid = "arn:aws:ec2:REGION:ACCOUNT:security-group/GROUP_ID",
            "A security group with every ingress and egress rule"
        ),
        kind!(
            "aws_network_acl",
            "vpc",
            NetworkAcl,
            uid = "arn:aws:ec2:REGION:ACCOUNT:network-acl/ACL_ID",
            "A network ACL with its entries and the subnets it applies to"
        ),
        kind!(
            "aws_route_table",
            "vpc",
            RouteTable,
            uid = "arn:aws:ec2:REGION:ACCOUNT:route-table/RTB_ID",
            "A route table with its routes and the subnets it applies to"
        ),
        kind!(
            "aws_internet_gateway",
            "vpc",
            InternetGateway,
            uid = "arn:aws:ec2:REGION:ACCOUNT:internet-gateway/IGW_ID",
            "An internet gateway and the VPCs it is attached to"
        ),
        kind!(
            "aws_nat_gateway",
            "vpc",
            NatGateway,
            uid = "arn:aws:ec2:REGION:ACCOUNT:natgateway/NAT_ID",
            "A NAT gateway with its subnet and addresses"
        ),
        kind!(
            "aws_flow_log",
            "vpc",
            FlowLog,
            uid = "arn:aws:ec2:REGION:ACCOUNT:vpc-flow-log/FLOW_LOG_ID",
            "A flow log: which VPC, subnet or interface it records, what traffic, and where it delivers"
        ),
    ]
}

/// Props of `aws_vpc`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Vpc {
    /// The VPC id (DescribeVpcs VpcId).
    pub vpc_id: String,
    /// The primary IPv4 range (DescribeVpcs CidrBlock).
    pub cidr_block: Option<String>,
    /// Every associated IPv4 range, the primary one included (DescribeVpcs CidrBlockAssociationSet[].CidrBlock).
    pub cidr_blocks: Vec<String>,
    /// The associated IPv6 ranges (DescribeVpcs Ipv6CidrBlockAssociationSet[].Ipv6CidrBlock).
    pub ipv6_cidr_blocks: Vec<String>,
    /// Whether this is the region's default VPC (DescribeVpcs IsDefault).
    pub is_default: bool,
    /// `pending` or `available` (DescribeVpcs State).
    pub state: Option<String>,
    /// The DHCP options set (DescribeVpcs DhcpOptionsId).
    pub dhcp_options_id: Option<String>,
    /// `default`, `dedicated` or `host` (DescribeVpcs InstanceTenancy).
    pub instance_tenancy: Option<String>,
    /// The owning account (DescribeVpcs OwnerId).
    pub owner_id: Option<String>,
}

/// Props of `aws_subnet`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Subnet {
    /// The subnet id (DescribeSubnets SubnetId).
    pub subnet_id: String,
    /// The VPC (DescribeSubnets VpcId).
    pub vpc_id: Option<String>,
    /// The IPv4 range (DescribeSubnets CidrBlock).
    pub cidr_block: Option<String>,
    /// The IPv6 ranges (DescribeSubnets Ipv6CidrBlockAssociationSet[].Ipv6CidrBlock).
    pub ipv6_cidr_blocks: Vec<String>,
    /// The availability zone (DescribeSubnets AvailabilityZone).
    pub availability_zone: Option<String>,
    /// The availability zone id (DescribeSubnets AvailabilityZoneId).
    pub availability_zone_id: Option<String>,
    /// Whether instances launched here get a public IPv4 address (DescribeSubnets MapPublicIpOnLaunch).
    pub map_public_ip_on_launch: bool,
    /// Whether instances launched here get an IPv6 address (DescribeSubnets AssignIpv6AddressOnCreation).
    pub assign_ipv6_address_on_creation: Option<bool>,
    /// Whether this is the default subnet of its availability zone (DescribeSubnets DefaultForAz).
    pub default_for_az: bool,
    /// `pending`, `available` or `unavailable` (DescribeSubnets State).
    pub state: Option<String>,
    /// Free IPv4 addresses left (DescribeSubnets AvailableIpAddressCount).
    pub available_ip_address_count: Option<i32>,
    /// The owning account (DescribeSubnets OwnerId).
    pub owner_id: Option<String>,
}

/// Props of `aws_security_group`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecurityGroup {
    /// The group id (DescribeSecurityGroups GroupId).
    pub group_id: String,
    /// The group name; `default` for a VPC's default group (DescribeSecurityGroups GroupName).
    pub group_name: Option<String>,
    /// The description (DescribeSecurityGroups Description).
    pub description: Option<String>,
    /// The VPC (DescribeSecurityGroups VpcId).
    pub vpc_id: Option<String>,
    /// The owning account (DescribeSecurityGroups OwnerId).
    pub owner_id: Option<String>,
    /// The inbound rules (DescribeSecurityGroups IpPermissions).
    pub ip_permissions: Vec<IpPermission>,
    /// The outbound rules (DescribeSecurityGroups IpPermissionsEgress).
    pub ip_permissions_egress: Vec<IpPermission>,
}

/// One security group rule set: a protocol and port range and the sources
/// (or destinations) it allows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IpPermission {
    /// `tcp`, `udp`, `icmp`, `icmpv6`, a protocol number, or `-1` for all traffic (DescribeSecurityGroups IpPermissions[].IpProtocol).
    pub ip_protocol: Option<String>,
    /// First port, or the ICMP type; `null` for all traffic (DescribeSecurityGroups IpPermissions[].FromPort).
    pub from_port: Option<i32>,
    /// Last port, or the ICMP code; `null` for all traffic (DescribeSecurityGroups IpPermissions[].ToPort).
    pub to_port: Option<i32>,
    /// IPv4 ranges (DescribeSecurityGroups IpPermissions[].IpRanges).
    pub ip_ranges: Vec<IpRange>,
    /// IPv6 ranges (DescribeSecurityGroups IpPermissions[].Ipv6Ranges).
    pub ipv6_ranges: Vec<Ipv6Range>,
    /// Managed prefix lists (DescribeSecurityGroups IpPermissions[].PrefixListIds).
    pub prefix_list_ids: Vec<PrefixListId>,
    /// Other security groups (DescribeSecurityGroups IpPermissions[].UserIdGroupPairs).
    pub user_id_group_pairs: Vec<UserIdGroupPair>,
}

/// An IPv4 range of a rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IpRange {
    /// The range, e.g. `0.0.0.0/0` (DescribeSecurityGroups IpRanges[].CidrIp).
    pub cidr_ip: Option<String>,
    /// The rule's description (DescribeSecurityGroups IpRanges[].Description).
    pub description: Option<String>,
}

/// An IPv6 range of a rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Ipv6Range {
    /// The range, e.g. `::/0` (DescribeSecurityGroups Ipv6Ranges[].CidrIpv6).
    pub cidr_ipv6: Option<String>,
    /// The rule's description (DescribeSecurityGroups Ipv6Ranges[].Description).
    pub description: Option<String>,
}

/// A managed prefix list of a rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PrefixListId {
    /// The prefix list id (DescribeSecurityGroups PrefixListIds[].PrefixListId).
    pub prefix_list_id: Option<String>,
    /// The rule's description (DescribeSecurityGroups PrefixListIds[].Description).
    pub description: Option<String>,
}

/// A security group referenced by a rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UserIdGroupPair {
    /// The referenced group (DescribeSecurityGroups UserIdGroupPairs[].GroupId).
    pub group_id: Option<String>,
    /// The referenced group's name (DescribeSecurityGroups UserIdGroupPairs[].GroupName).
    pub group_name: Option<String>,
    /// The account owning the referenced group (DescribeSecurityGroups UserIdGroupPairs[].UserId).
    pub user_id: Option<String>,
    /// The referenced group's VPC (DescribeSecurityGroups UserIdGroupPairs[].VpcId).
    pub vpc_id: Option<String>,
    /// The peering connection, for a group in a peered VPC (DescribeSecurityGroups UserIdGroupPairs[].VpcPeeringConnectionId).
    pub vpc_peering_connection_id: Option<String>,
    /// The peering status, for a group in a peered VPC (DescribeSecurityGroups UserIdGroupPairs[].PeeringStatus).
    pub peering_status: Option<String>,
    /// The rule's description (DescribeSecurityGroups UserIdGroupPairs[].Description).
    pub description: Option<String>,
}

/// Props of `aws_network_acl`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NetworkAcl {
    /// The network ACL id (DescribeNetworkAcls NetworkAclId).
    pub network_acl_id: String,
    /// The VPC (DescribeNetworkAcls VpcId).
    pub vpc_id: Option<String>,
    /// Whether this is the VPC's default ACL (DescribeNetworkAcls IsDefault).
    pub is_default: bool,
    /// The owning account (DescribeNetworkAcls OwnerId).
    pub owner_id: Option<String>,
    /// The entries, inbound and outbound (DescribeNetworkAcls Entries).
    pub entries: Vec<NetworkAclEntry>,
    /// The subnets the ACL applies to (DescribeNetworkAcls Associations).
    pub associations: Vec<NetworkAclAssociation>,
}

/// One network ACL entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NetworkAclEntry {
    /// The rule number; entries are evaluated in increasing order, 32767 is the final deny (DescribeNetworkAcls Entries[].RuleNumber).
    pub rule_number: Option<i32>,
    /// The protocol number as text, `-1` for all (DescribeNetworkAcls Entries[].Protocol).
    pub protocol: Option<String>,
    /// `allow` or `deny` (DescribeNetworkAcls Entries[].RuleAction).
    pub rule_action: Option<String>,
    /// True for an outbound entry, false for inbound (DescribeNetworkAcls Entries[].Egress).
    pub egress: bool,
    /// The IPv4 range (DescribeNetworkAcls Entries[].CidrBlock).
    pub cidr_block: Option<String>,
    /// The IPv6 range (DescribeNetworkAcls Entries[].Ipv6CidrBlock).
    pub ipv6_cidr_block: Option<String>,
    /// The port range, for TCP and UDP; `null` means all ports (DescribeNetworkAcls Entries[].PortRange).
    pub port_range: Option<PortRange>,
    /// The ICMP type and code, for ICMP (DescribeNetworkAcls Entries[].IcmpTypeCode).
    pub icmp_type_code: Option<IcmpTypeCode>,
}

/// A port range of a network ACL entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PortRange {
    /// The first port (DescribeNetworkAcls Entries[].PortRange.From).
    pub from: Option<i32>,
    /// The last port (DescribeNetworkAcls Entries[].PortRange.To).
    pub to: Option<i32>,
}

/// An ICMP type and code of a network ACL entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IcmpTypeCode {
    /// The ICMP type, `-1` for all (DescribeNetworkAcls Entries[].IcmpTypeCode.Type).
    pub r#type: Option<i32>,
    /// The ICMP code, `-1` for all (DescribeNetworkAcls Entries[].IcmpTypeCode.Code).
    pub code: Option<i32>,
}

/// The association of a network ACL with a subnet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NetworkAclAssociation {
    /// The association id (DescribeNetworkAcls Associations[].NetworkAclAssociationId).
    pub network_acl_association_id: Option<String>,
    /// The subnet (DescribeNetworkAcls Associations[].SubnetId).
    pub subnet_id: Option<String>,
}

/// Props of `aws_route_table`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RouteTable {
    /// The route table id (DescribeRouteTables RouteTableId).
    pub route_table_id: String,
    /// The VPC (DescribeRouteTables VpcId).
    pub vpc_id: Option<String>,
    /// The owning account (DescribeRouteTables OwnerId).
    pub owner_id: Option<String>,
    /// The routes (DescribeRouteTables Routes).
    pub routes: Vec<Route>,
    /// The subnets and gateways it applies to, and whether it is the VPC's main table (DescribeRouteTables Associations).
    pub associations: Vec<RouteTableAssociation>,
}

/// One route: a destination and the target traffic to it goes to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Route {
    /// The IPv4 destination (DescribeRouteTables Routes[].DestinationCidrBlock).
    pub destination_cidr_block: Option<String>,
    /// The IPv6 destination (DescribeRouteTables Routes[].DestinationIpv6CidrBlock).
    pub destination_ipv6_cidr_block: Option<String>,
    /// The prefix list destination (DescribeRouteTables Routes[].DestinationPrefixListId).
    pub destination_prefix_list_id: Option<String>,
    /// An internet gateway (`igw-…`), virtual private gateway (`vgw-…`), gateway endpoint or `local` (DescribeRouteTables Routes[].GatewayId).
    pub gateway_id: Option<String>,
    /// A NAT gateway (DescribeRouteTables Routes[].NatGatewayId).
    pub nat_gateway_id: Option<String>,
    /// A NAT instance (DescribeRouteTables Routes[].InstanceId).
    pub instance_id: Option<String>,
    /// A network interface (DescribeRouteTables Routes[].NetworkInterfaceId).
    pub network_interface_id: Option<String>,
    /// A VPC peering connection (DescribeRouteTables Routes[].VpcPeeringConnectionId).
    pub vpc_peering_connection_id: Option<String>,
    /// A transit gateway (DescribeRouteTables Routes[].TransitGatewayId).
    pub transit_gateway_id: Option<String>,
    /// An egress-only internet gateway (DescribeRouteTables Routes[].EgressOnlyInternetGatewayId).
    pub egress_only_internet_gateway_id: Option<String>,
    /// A local gateway (DescribeRouteTables Routes[].LocalGatewayId).
    pub local_gateway_id: Option<String>,
    /// A carrier gateway (DescribeRouteTables Routes[].CarrierGatewayId).
    pub carrier_gateway_id: Option<String>,
    /// A Cloud WAN core network (DescribeRouteTables Routes[].CoreNetworkArn).
    pub core_network_arn: Option<String>,
    /// `CreateRouteTable`, `CreateRoute` or `EnableVgwRoutePropagation` (DescribeRouteTables Routes[].Origin).
    pub origin: Option<String>,
    /// `active`, or `blackhole` when the target is gone (DescribeRouteTables Routes[].State).
    pub state: Option<String>,
}

/// The association of a route table with a subnet or gateway.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RouteTableAssociation {
    /// The association id (DescribeRouteTables Associations[].RouteTableAssociationId).
    pub route_table_association_id: Option<String>,
    /// The subnet, for a subnet association (DescribeRouteTables Associations[].SubnetId).
    pub subnet_id: Option<String>,
    /// The gateway, for an edge association (DescribeRouteTables Associations[].GatewayId).
    pub gateway_id: Option<String>,
    /// Whether this is the VPC's main route table, used by subnets with no association of their own (DescribeRouteTables Associations[].Main).
    pub main: bool,
    /// `associating`, `associated`, `disassociating`, `disassociated` or `failed` (DescribeRouteTables Associations[].AssociationState.State).
    pub association_state: Option<String>,
}

/// Props of `aws_internet_gateway`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InternetGateway {
    /// The internet gateway id (DescribeInternetGateways InternetGatewayId).
    pub internet_gateway_id: String,
    /// The owning account (DescribeInternetGateways OwnerId).
    pub owner_id: Option<String>,
    /// The VPCs it is attached to (DescribeInternetGateways Attachments).
    pub attachments: Vec<GatewayAttachment>,
}

/// The attachment of an internet gateway to a VPC.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GatewayAttachment {
    /// The VPC (DescribeInternetGateways Attachments[].VpcId).
    pub vpc_id: Option<String>,
    /// `attaching`, `attached` (AWS answers `available`), `detaching` or `detached` (DescribeInternetGateways Attachments[].State).
    pub state: Option<String>,
}

/// Props of `aws_nat_gateway`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NatGateway {
    /// The NAT gateway id (DescribeNatGateways NatGatewayId).
    pub nat_gateway_id: String,
    /// The subnet it lives in (DescribeNatGateways SubnetId).
    pub subnet_id: Option<String>,
    /// The VPC (DescribeNatGateways VpcId).
    pub vpc_id: Option<String>,
    /// `pending`, `failed`, `available`, `deleting` or `deleted` (DescribeNatGateways State).
    pub state: Option<String>,
    /// `public` or `private` (DescribeNatGateways ConnectivityType).
    pub connectivity_type: Option<String>,
    /// Its addresses (DescribeNatGateways NatGatewayAddresses).
    pub nat_gateway_addresses: Vec<NatGatewayAddress>,
    /// When it was created (DescribeNatGateways CreateTime).
    pub create_time: Option<DateTime<Utc>>,
}

/// One address of a NAT gateway.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NatGatewayAddress {
    /// The Elastic IP allocation (DescribeNatGateways NatGatewayAddresses[].AllocationId).
    pub allocation_id: Option<String>,
    /// The public address (DescribeNatGateways NatGatewayAddresses[].PublicIp).
    pub public_ip: Option<String>,
    /// The private address (DescribeNatGateways NatGatewayAddresses[].PrivateIp).
    pub private_ip: Option<String>,
    /// The network interface (DescribeNatGateways NatGatewayAddresses[].NetworkInterfaceId).
    pub network_interface_id: Option<String>,
    /// Whether it is the primary address (DescribeNatGateways NatGatewayAddresses[].IsPrimary).
    pub is_primary: Option<bool>,
    /// The address's status (DescribeNatGateways NatGatewayAddresses[].Status).
    pub status: Option<String>,
}

/// Props of `aws_flow_log`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FlowLog {
    /// The flow log id (DescribeFlowLogs FlowLogId).
    pub flow_log_id: String,
    /// The VPC, subnet, network interface or transit gateway whose traffic is logged (DescribeFlowLogs ResourceId).
    pub resource_id: Option<String>,
    /// `ACCEPT`, `REJECT` or `ALL` (DescribeFlowLogs TrafficType).
    pub traffic_type: Option<String>,
    /// `cloud-watch-logs`, `s3` or `kinesis-data-firehose` (DescribeFlowLogs LogDestinationType).
    pub log_destination_type: Option<String>,
    /// The ARN of the destination (DescribeFlowLogs LogDestination).
    pub log_destination: Option<String>,
    /// The CloudWatch Logs group, for that destination type (DescribeFlowLogs LogGroupName).
    pub log_group_name: Option<String>,
    /// `ACTIVE` when the flow log is on (DescribeFlowLogs FlowLogStatus).
    pub flow_log_status: Option<String>,
    /// `SUCCESS` or `FAILED`: whether logs are being delivered (DescribeFlowLogs DeliverLogsStatus).
    pub deliver_logs_status: Option<String>,
    /// The role that delivers the logs (DescribeFlowLogs DeliverLogsPermissionArn).
    pub deliver_logs_permission_arn: Option<String>,
    /// The record format (DescribeFlowLogs LogFormat).
    pub log_format: Option<String>,
    /// Seconds over which packets are aggregated into a record (DescribeFlowLogs MaxAggregationInterval).
    pub max_aggregation_interval: Option<i32>,
    /// When the flow log was created (DescribeFlowLogs CreationTime).
    pub creation_time: Option<DateTime<Utc>>,
}
