//! EC2 instances: where they run, how they are reached, what they run as.
//! DescribeInstances never returns user data, and nothing here asks for it.

use plumb_model::aws::ec2::{Instance, InstanceBlockDevice, MetadataOptions};
use plumb_model::{Relation, Resource};

use super::{ec2_arn, owned, tags, text, Found};
use crate::error::api;
use crate::unit::{display_name, to_utc};
use crate::{CollectError, Unit};

/// Every instance of the region, terminated ones included while AWS still
/// lists them.
pub(super) async fn collect(
    unit: &Unit,
    client: &aws_sdk_ec2::Client,
) -> Result<Found, CollectError> {
    let mut found = Found::default();
    let mut pages = client.describe_instances().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("ec2:DescribeInstances"))?;
        for reservation in page.reservations() {
            for instance in reservation.instances() {
                read_instance(unit, instance, &mut found);
            }
        }
    }
    Ok(found)
}

fn read_instance(unit: &Unit, i: &aws_sdk_ec2::types::Instance, found: &mut Found) {
    let Some(id) = i.instance_id() else {
        return;
    };
    let uid = ec2_arn(unit, "instance", id);
    let tags = tags(i.tags());
    let props = Instance {
        instance_id: id.to_string(),
        instance_type: text(i.instance_type()),
        state: text(i.state().and_then(|s| s.name())),
        state_transition_reason: owned(i.state_transition_reason()).filter(|r| !r.is_empty()),
        image_id: owned(i.image_id()),
        launch_time: i.launch_time().and_then(to_utc),
        public_ip_address: owned(i.public_ip_address()),
        private_ip_address: owned(i.private_ip_address()),
        ipv6_address: owned(i.ipv6_address()),
        public_dns_name: owned(i.public_dns_name()),
        private_dns_name: owned(i.private_dns_name()),
        subnet_id: owned(i.subnet_id()),
        vpc_id: owned(i.vpc_id()),
        availability_zone: owned(i.placement().and_then(|p| p.availability_zone())),
        security_groups: i
            .security_groups()
            .iter()
            .filter_map(|g| owned(g.group_id()))
            .collect(),
        iam_instance_profile: owned(i.iam_instance_profile().and_then(|p| p.arn())),
        metadata_options: i.metadata_options().map(|m| MetadataOptions {
            state: text(m.state()),
            http_tokens: text(m.http_tokens()),
            http_endpoint: text(m.http_endpoint()),
            http_put_response_hop_limit: m.http_put_response_hop_limit(),
            instance_metadata_tags: text(m.instance_metadata_tags()),
            http_protocol_ipv6: text(m.http_protocol_ipv6()),
        }),
        block_device_mappings: i
            .block_device_mappings()
            .iter()
            .map(|b| InstanceBlockDevice {
                device_name: owned(b.device_name()),
                volume_id: owned(b.ebs().and_then(|e| e.volume_id())),
                delete_on_termination: b.ebs().and_then(|e| e.delete_on_termination()),
                status: text(b.ebs().and_then(|e| e.status())),
            })
            .collect(),
        network_interfaces: i
            .network_interfaces()
            .iter()
            .filter_map(|n| owned(n.network_interface_id()))
            .collect(),
        monitoring: text(i.monitoring().and_then(|m| m.state())),
        platform: text(i.platform()),
        platform_details: owned(i.platform_details()),
        key_name: owned(i.key_name()),
        virtualization_type: text(i.virtualization_type()),
        architecture: text(i.architecture()),
        root_device_type: text(i.root_device_type()),
        root_device_name: owned(i.root_device_name()),
        ebs_optimized: i.ebs_optimized(),
        source_dest_check: i.source_dest_check(),
        instance_lifecycle: text(i.instance_lifecycle()),
        tenancy: text(i.placement().and_then(|p| p.tenancy())),
    };

    for group in &props.security_groups {
        found.link(
            &uid,
            Relation::ProtectedBy,
            ec2_arn(unit, "security-group", group),
        );
    }
    if let Some(subnet) = &props.subnet_id {
        found.link(&uid, Relation::MemberOf, ec2_arn(unit, "subnet", subnet));
    }
    for volume in props
        .block_device_mappings
        .iter()
        .filter_map(|b| b.volume_id.as_deref())
    {
        found.link(&uid, Relation::Uses, ec2_arn(unit, "volume", volume));
    }
    if let Some(profile) = &props.iam_instance_profile {
        found.link(&uid, Relation::Uses, profile.clone());
    }
    for eni in &props.network_interfaces {
        found.link(
            &uid,
            Relation::Uses,
            ec2_arn(unit, "network-interface", eni),
        );
    }

    // LaunchTime moves on every start; the primary interface was attached
    // when the instance was created, so its attach time is the birth date.
    let created = i
        .network_interfaces()
        .iter()
        .filter_map(|n| n.attachment())
        .find(|a| a.device_index() == Some(0))
        .and_then(|a| a.attach_time())
        .and_then(to_utc);
    let name = display_name(&tags, id);
    found.add(
        Resource::new(uid, "aws_instance", &unit.account, &unit.region, name)
            .with_props(&props)
            .with_tags(tags)
            .created(created),
    );
}
