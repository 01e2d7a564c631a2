//! Collects the network fabric of a region: VPCs, subnets, security groups
//! and network ACLs with every rule, route tables with every route, internet
//! and NAT gateways, and flow logs. The CIS networking controls (admin ports
//! open to the world, default security groups, flow logging) and a later
//! reachability analysis (which instance an internet route and an open rule
//! lead to) read the same props and edges.
//!
//! Each kind comes from one list call; the lists run concurrently and a
//! failing one marks the unit an error while the others are still kept.

mod filtering;
mod routing;

use plumb_model::aws::vpc::{Subnet, Vpc};
use plumb_model::{Relation, Resource};

use crate::error::api;
use crate::services::ec2::{ec2_arn, owned, settle, tags, text, Found};
use crate::services::{Service, ServiceScope};
use crate::unit::display_name;
use crate::{client, collect_fn, CollectError, Unit};

/// The `vpc` collector.
pub const SERVICE: Service = Service {
    name: "vpc",
    scope: ServiceScope::Regional,
    kinds: &[
        "aws_vpc",
        "aws_subnet",
        "aws_security_group",
        "aws_network_acl",
        "aws_route_table",
        "aws_internet_gateway",
        "aws_nat_gateway",
        "aws_flow_log",
    ],
    actions: &[
        "ec2:DescribeVpcs",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeNetworkAcls",
        "ec2:DescribeRouteTables",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeNatGateways",
        "ec2:DescribeFlowLogs",
    ],
    collect: collect_fn!(collect),
};

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let client = client!(unit, aws_sdk_ec2);
    let shared = &*unit;
    let (vpcs, subnets, groups, acls, tables, igws, nats, flow_logs) = futures::join!(
        vpcs(shared, &client),
        subnets(shared, &client),
        filtering::security_groups(shared, &client),
        filtering::network_acls(shared, &client),
        routing::route_tables(shared, &client),
        routing::internet_gateways(shared, &client),
        routing::nat_gateways(shared, &client),
        routing::flow_logs(shared, &client),
    );
    settle(
        unit,
        SERVICE.name,
        [vpcs, subnets, groups, acls, tables, igws, nats, flow_logs],
    )
}

async fn vpcs(unit: &Unit, client: &aws_sdk_ec2::Client) -> Result<Found, CollectError> {
    let mut found = Found::default();
    let mut pages = client.describe_vpcs().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("ec2:DescribeVpcs"))?;
        for v in page.vpcs() {
            let Some(id) = v.vpc_id() else {
                continue;
            };
            let props = Vpc {
                vpc_id: id.to_string(),
                cidr_block: owned(v.cidr_block()),
                cidr_blocks: v
                    .cidr_block_association_set()
                    .iter()
                    .filter_map(|c| owned(c.cidr_block()))
                    .collect(),
                ipv6_cidr_blocks: v
                    .ipv6_cidr_block_association_set()
                    .iter()
                    .filter_map(|c| owned(c.ipv6_cidr_block()))
                    .collect(),
                is_default: v.is_default().unwrap_or(false),
                state: text(v.state()),
                dhcp_options_id: owned(v.dhcp_options_id()),
                instance_tenancy: text(v.instance_tenancy()),
                owner_id: owned(v.owner_id()),
            };
            let tags = tags(v.tags());
            let name = display_name(&tags, id);
            found.add(
                Resource::new(
                    ec2_arn(unit, "vpc", id),
                    "aws_vpc",
                    &unit.account,
                    &unit.region,
                    name,
                )
                .with_props(&props)
                .with_tags(tags),
            );
        }
    }
    Ok(found)
}

async fn subnets(unit: &Unit, client: &aws_sdk_ec2::Client) -> Result<Found, CollectError> {
    let mut found = Found::default();
    let mut pages = client.describe_subnets().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("ec2:DescribeSubnets"))?;
        for s in page.subnets() {
            let Some(id) = s.subnet_id() else {
                continue;
            };
            let uid = ec2_arn(unit, "subnet", id);
            let props = Subnet {
                subnet_id: id.to_string(),
                vpc_id: owned(s.vpc_id()),
                cidr_block: owned(s.cidr_block()),
                ipv6_cidr_blocks: s
                    .ipv6_cidr_block_association_set()
                    .iter()
                    .filter_map(|c| owned(c.ipv6_cidr_block()))
                    .collect(),
                availability_zone: owned(s.availability_zone()),
                availability_zone_id: owned(s.availability_zone_id()),
                map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
                assign_ipv6_address_on_creation: s.assign_ipv6_address_on_creation(),
                default_for_az: s.default_for_az().unwrap_or(false),
                state: text(s.state()),
                available_ip_address_count: s.available_ip_address_count(),
                owner_id: owned(s.owner_id()),
            };
            if let Some(vpc) = &props.vpc_id {
                found.link(&uid, Relation::MemberOf, ec2_arn(unit, "vpc", vpc));
            }
            let tags = tags(s.tags());
            let name = display_name(&tags, id);
            found.add(
                Resource::new(uid, "aws_subnet", &unit.account, &unit.region, name)
                    .with_props(&props)
                    .with_tags(tags),
            );
        }
    }
    Ok(found)
}
