//! Security groups and network ACLs: the two layers that decide which
//! traffic reaches a subnet and an interface. Every rule is kept as AWS
//! states it, so a check can tell "port 22 from 0.0.0.0/0" from "all
//! traffic from a peer group".

use plumb_model::aws::vpc::{
    IcmpTypeCode, IpPermission, IpRange, Ipv6Range, NetworkAcl, NetworkAclAssociation,
    NetworkAclEntry, PortRange, PrefixListId, SecurityGroup, UserIdGroupPair,
};
use plumb_model::{Relation, Resource};

use crate::error::api;
use crate::services::ec2::{ec2_arn, owned, tags, text, Found};
use crate::unit::display_name;
use crate::{CollectError, Unit};

/// Every security group of the region.
pub(super) async fn security_groups(
    unit: &Unit,
    client: &aws_sdk_ec2::Client,
) -> Result<Found, CollectError> {
    let mut found = Found::default();
    let mut pages = client.describe_security_groups().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("ec2:DescribeSecurityGroups"))?;
        for g in page.security_groups() {
            let Some(id) = g.group_id() else {
                continue;
            };
            let uid = ec2_arn(unit, "security-group", id);
            let props = SecurityGroup {
                group_id: id.to_string(),
                group_name: owned(g.group_name()),
                description: owned(g.description()),
                vpc_id: owned(g.vpc_id()),
                owner_id: owned(g.owner_id()),
                ip_permissions: g.ip_permissions().iter().map(permission).collect(),
                ip_permissions_egress: g.ip_permissions_egress().iter().map(permission).collect(),
            };
            if let Some(vpc) = &props.vpc_id {
                found.link(&uid, Relation::MemberOf, ec2_arn(unit, "vpc", vpc));
            }
            let tags = tags(g.tags());
            let name = display_name(&tags, g.group_name().unwrap_or(id));
            found.add(
                Resource::new(uid, "aws_security_group", &unit.account, &unit.region, name)
                    .with_props(&props)
                    .with_tags(tags),
            );
        }
    }
    Ok(found)
}

fn permission(p: &aws_sdk_ec2::types::IpPermission) -> IpPermission {
    IpPermission {
        ip_protocol: owned(p.ip_protocol()),
        from_port: p.from_port(),
        to_port: p.to_port(),
        ip_ranges: p
            .ip_ranges()
            .iter()
            .map(|r| IpRange {
                cidr_ip: owned(r.cidr_ip()),
                description: owned(r.description()),
            })
            .collect(),
        ipv6_ranges: p
            .ipv6_ranges()
            .iter()
            .map(|r| Ipv6Range {
                cidr_ipv6: owned(r.cidr_ipv6()),
                description: owned(r.description()),
            })
            .collect(),
        prefix_list_ids: p
            .prefix_list_ids()
            .iter()
            .map(|l| PrefixListId {
                prefix_list_id: owned(l.prefix_list_id()),
                description: owned(l.description()),
            })
            .collect(),
        user_id_group_pairs: p
            .user_id_group_pairs()
            .iter()
            .map(|g| UserIdGroupPair {
                group_id: owned(g.group_id()),
                group_name: owned(g.group_name()),
                user_id: owned(g.user_id()),
                vpc_id: owned(g.vpc_id()),
                vpc_peering_connection_id: owned(g.vpc_peering_connection_id()),
                peering_status: owned(g.peering_status()),
                description: owned(g.description()),
            })
            .collect(),
    }
}

/// Every network ACL of the region.
pub(super) async fn network_acls(
    unit: &Unit,
    client: &aws_sdk_ec2::Client,
) -> Result<Found, CollectError> {
    let mut found = Found::default();
    let mut pages = client.describe_network_acls().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("ec2:DescribeNetworkAcls"))?;
        for acl in page.network_acls() {
            let Some(id) = acl.network_acl_id() else {
                continue;
            };
            let uid = ec2_arn(unit, "network-acl", id);
            let props = NetworkAcl {
                network_acl_id: id.to_string(),
                vpc_id: owned(acl.vpc_id()),
                is_default: acl.is_default().unwrap_or(false),
                owner_id: owned(acl.owner_id()),
                entries: acl
                    .entries()
                    .iter()
                    .map(|e| NetworkAclEntry {
                        rule_number: e.rule_number(),
                        protocol: owned(e.protocol()),
                        rule_action: text(e.rule_action()),
                        egress: e.egress().unwrap_or(false),
                        cidr_block: owned(e.cidr_block()),
                        ipv6_cidr_block: owned(e.ipv6_cidr_block()),
                        port_range: e.port_range().map(|r| PortRange {
                            from: r.from(),
                            to: r.to(),
                        }),
                        icmp_type_code: e.icmp_type_code().map(|c| IcmpTypeCode {
                            r#type: c.r#type(),
                            code: c.code(),
                        }),
                    })
                    .collect(),
                associations: acl
                    .associations()
                    .iter()
                    .map(|a| NetworkAclAssociation {
                        network_acl_association_id: owned(a.network_acl_association_id()),
                        subnet_id: owned(a.subnet_id()),
                    })
                    .collect(),
            };
            if let Some(vpc) = &props.vpc_id {
                found.link(&uid, Relation::MemberOf, ec2_arn(unit, "vpc", vpc));
            }
            for subnet in props
                .associations
                .iter()
                .filter_map(|a| a.subnet_id.as_deref())
            {
                found.link(
                    &uid,
                    Relation::AssociatedWith,
                    ec2_arn(unit, "subnet", subnet),
                );
            }
            let tags = tags(acl.tags());
            let name = display_name(&tags, id);
            found.add(
                Resource::new(uid, "aws_network_acl", &unit.account, &unit.region, name)
                    .with_props(&props)
                    .with_tags(tags),
            );
        }
    }
    Ok(found)
}
