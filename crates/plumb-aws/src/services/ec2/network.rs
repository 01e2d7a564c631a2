//! Elastic IPs and network interfaces: the public addresses of a region and
//! what they lead to. Interfaces cover what instances alone do not (NAT
//! gateways, load balancers, Lambda functions in a VPC, endpoints).

use plumb_model::aws::ec2::{
    Eip, InterfaceAttachment, IpAssociation, NetworkInterface, PrivateIpAddress,
};
use plumb_model::{Relation, Resource};

use super::{ec2_arn, owned, tags, text, Found};
use crate::error::api;
use crate::unit::display_name;
use crate::{CollectError, Unit};

/// Every Elastic IP of the region. DescribeAddresses is not paginated: it
/// answers with every address at once.
pub(super) async fn addresses(
    unit: &Unit,
    client: &aws_sdk_ec2::Client,
) -> Result<Found, CollectError> {
    let mut found = Found::default();
    let out = client
        .describe_addresses()
        .send()
        .await
        .map_err(api("ec2:DescribeAddresses"))?;
    for a in out.addresses() {
        // Addresses from EC2-Classic had no allocation id; the address is
        // then the only stable name.
        let Some(id) = a.allocation_id().or(a.public_ip()) else {
            continue;
        };
        let uid = ec2_arn(unit, "elastic-ip", id);
        let tags = tags(a.tags());
        // An address that nothing uses has no association fields; moto
        // sends them empty instead, which must not read as "in use".
        let used = |v: Option<&str>| owned(v).filter(|v| !v.is_empty());
        let props = Eip {
            allocation_id: owned(a.allocation_id()),
            public_ip: owned(a.public_ip()),
            association_id: used(a.association_id()),
            instance_id: used(a.instance_id()),
            network_interface_id: used(a.network_interface_id()),
            network_interface_owner_id: used(a.network_interface_owner_id()),
            private_ip_address: used(a.private_ip_address()),
            domain: text(a.domain()),
            public_ipv4_pool: owned(a.public_ipv4_pool()),
        };
        if let Some(instance) = &props.instance_id {
            found.link(
                &uid,
                Relation::AttachedTo,
                ec2_arn(unit, "instance", instance),
            );
        }
        if let Some(eni) = &props.network_interface_id {
            found.link(
                &uid,
                Relation::AttachedTo,
                ec2_arn(unit, "network-interface", eni),
            );
        }
        let name = display_name(&tags, a.public_ip().unwrap_or(id));
        found.add(
            Resource::new(uid, "aws_eip", &unit.account, &unit.region, name)
                .with_props(&props)
                .with_tags(tags),
        );
    }
    Ok(found)
}

/// Every network interface of the region.
pub(super) async fn interfaces(
    unit: &Unit,
    client: &aws_sdk_ec2::Client,
) -> Result<Found, CollectError> {
    let mut found = Found::default();
    let mut pages = client.describe_network_interfaces().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("ec2:DescribeNetworkInterfaces"))?;
        for n in page.network_interfaces() {
            read_interface(unit, n, &mut found);
        }
    }
    Ok(found)
}

fn read_interface(unit: &Unit, n: &aws_sdk_ec2::types::NetworkInterface, found: &mut Found) {
    let Some(id) = n.network_interface_id() else {
        return;
    };
    let uid = ec2_arn(unit, "network-interface", id);
    let tags = tags(n.tag_set());
    let props = NetworkInterface {
        network_interface_id: id.to_string(),
        subnet_id: owned(n.subnet_id()),
        vpc_id: owned(n.vpc_id()),
        availability_zone: owned(n.availability_zone()),
        private_ip_address: owned(n.private_ip_address()),
        private_ip_addresses: n
            .private_ip_addresses()
            .iter()
            .map(|p| PrivateIpAddress {
                private_ip_address: owned(p.private_ip_address()),
                primary: p.primary(),
                public_ip: owned(p.association().and_then(|a| a.public_ip())),
            })
            .collect(),
        ipv6_addresses: n
            .ipv6_addresses()
            .iter()
            .filter_map(|a| owned(a.ipv6_address()))
            .collect(),
        association: n.association().map(|a| IpAssociation {
            public_ip: owned(a.public_ip()),
            public_dns_name: owned(a.public_dns_name()),
            ip_owner_id: owned(a.ip_owner_id()),
            allocation_id: owned(a.allocation_id()),
            association_id: owned(a.association_id()),
        }),
        groups: n
            .groups()
            .iter()
            .filter_map(|g| owned(g.group_id()))
            .collect(),
        attachment: n.attachment().map(|a| InterfaceAttachment {
            attachment_id: owned(a.attachment_id()),
            instance_id: owned(a.instance_id()),
            instance_owner_id: owned(a.instance_owner_id()),
            device_index: a.device_index(),
            status: text(a.status()),
            delete_on_termination: a.delete_on_termination(),
        }),
        interface_type: text(n.interface_type()),
        status: text(n.status()),
        description: owned(n.description()).filter(|d| !d.is_empty()),
        requester_managed: n.requester_managed(),
        source_dest_check: n.source_dest_check(),
        owner_id: owned(n.owner_id()),
    };
    if let Some(subnet) = &props.subnet_id {
        found.link(&uid, Relation::MemberOf, ec2_arn(unit, "subnet", subnet));
    }
    for group in &props.groups {
        found.link(
            &uid,
            Relation::ProtectedBy,
            ec2_arn(unit, "security-group", group),
        );
    }
    let name = display_name(&tags, id);
    found.add(
        Resource::new(
            uid,
            "aws_network_interface",
            &unit.account,
            &unit.region,
            name,
        )
        .with_props(&props)
        .with_tags(tags),
    );
}
