//! Collects Elastic Load Balancing v2 (Application, Network and Gateway Load
//! Balancers): each load balancer with its attributes, its listeners with
//! their rules, and the target groups with their registered targets. The
//! FSBP ELB controls read the attributes (access logs, deletion protection,
//! invalid header handling, desync mitigation), the zones and the listeners'
//! protocols and TLS policies.
//!
//! The edges trace a request's path for an exposure analysis: load balancer
//! in its subnets behind its security groups, listener on the load balancer,
//! listener to target group, target group to instance (or Lambda function,
//! or ALB). Listeners are read in `listeners`.

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt};
use plumb_model::aws::elbv2::{
    LbAvailabilityZone, LoadBalancer, LoadBalancerAddress, Target, TargetGroup,
};
use plumb_model::{Relation, Resource};

use crate::error::api;
use crate::services::{Service, ServiceScope};
use crate::unit::{display_name, record_gap, tag_map, to_utc};
use crate::{client, collect_fn, CollectError, Unit};

mod listeners;

/// The `elbv2` collector.
pub const SERVICE: Service = Service {
    name: "elbv2",
    scope: ServiceScope::Regional,
    kinds: &["aws_lb", "aws_lb_listener", "aws_lb_target_group"],
    actions: &[
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:DescribeTags",
    ],
    collect: collect_fn!(collect),
};

type Client = aws_sdk_elasticloadbalancingv2::Client;

/// How many load balancers or target groups are read at once within the unit.
const CONCURRENCY: usize = 8;

/// The most resource ARNs one DescribeTags call accepts.
const TAG_BATCH: usize = 20;

/// A resource read with the edges that start from it.
type Read = (Resource, Vec<(Relation, String)>);

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let client = client!(unit, aws_sdk_elasticloadbalancingv2);

    let mut balancers = Vec::new();
    let mut pages = client.describe_load_balancers().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("elasticloadbalancing:DescribeLoadBalancers"))?;
        balancers.extend(page.load_balancers().iter().cloned());
    }
    let unit_ref = &*unit;
    let client_ref = &client;
    let read: Vec<Vec<Read>> = stream::iter(balancers)
        .map(|lb| read_load_balancer(unit_ref, client_ref, lb))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut read: Vec<Read> = read.into_iter().flatten().collect();
    tag(&client, &mut read).await;
    unit.add_linked(read);

    let mut groups = Vec::new();
    let mut pages = client.describe_target_groups().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("elasticloadbalancing:DescribeTargetGroups"))?;
        groups.extend(page.target_groups().iter().cloned());
    }
    let unit_ref = &*unit;
    let read: Vec<Option<Read>> = stream::iter(groups)
        .map(|g| read_target_group(unit_ref, client_ref, g))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut read: Vec<Read> = read.into_iter().flatten().collect();
    tag(&client, &mut read).await;
    unit.add_linked(read);
    Ok(())
}

/// Reads tags of load balancers and target groups, 20 ARNs a call, and
/// names each by its `Name` tag when it has one. A failed batch leaves its
/// resources untagged with the failure under `_errors`.
async fn tag(client: &Client, read: &mut [Read]) {
    let mut taggable: Vec<&mut Resource> = read
        .iter_mut()
        .map(|(r, _)| r)
        .filter(|r| r.kind == "aws_lb" || r.kind == "aws_lb_target_group")
        .collect();
    for batch in taggable.chunks_mut(TAG_BATCH) {
        let arns: Vec<String> = batch.iter().map(|r| r.uid.clone()).collect();
        let answer = client
            .describe_tags()
            .set_resource_arns(Some(arns))
            .send()
            .await
            .map_err(api("elasticloadbalancing:DescribeTags"));
        match answer {
            Ok(out) => {
                let mut by_arn: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
                for d in out.tag_descriptions() {
                    if let Some(arn) = d.resource_arn() {
                        let tags = d
                            .tags()
                            .iter()
                            .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default())));
                        by_arn.insert(arn, tag_map(tags));
                    }
                }
                for resource in batch.iter_mut() {
                    if let Some(tags) = by_arn.remove(resource.uid.as_str()) {
                        resource.name = display_name(&tags, &resource.name);
                        resource.tags = tags;
                    }
                }
            }
            Err(e) => {
                for resource in batch.iter_mut() {
                    record_gap(resource, "describe_tags", &[], &e);
                }
            }
        }
    }
}

/// An attribute read as a boolean; `None` when absent or not a boolean.
fn flag(attributes: &BTreeMap<String, String>, key: &str) -> Option<bool> {
    attributes.get(key).and_then(|v| v.parse().ok())
}

/// An attribute read as text; `None` when absent or empty.
fn text(attributes: &BTreeMap<String, String>, key: &str) -> Option<String> {
    attributes.get(key).filter(|v| !v.is_empty()).cloned()
}

/// The props fields DescribeLoadBalancerAttributes fills.
const ATTRIBUTE_FIELDS: &[&str] = &[
    "attributes",
    "deletion_protection_enabled",
    "access_logs_s3_enabled",
    "access_logs_s3_bucket",
    "access_logs_s3_prefix",
    "drop_invalid_header_fields",
    "desync_mitigation_mode",
];

fn apply_attributes(lb: &mut LoadBalancer, attributes: BTreeMap<String, String>) {
    lb.deletion_protection_enabled = flag(&attributes, "deletion_protection.enabled");
    lb.access_logs_s3_enabled = flag(&attributes, "access_logs.s3.enabled");
    lb.access_logs_s3_bucket = text(&attributes, "access_logs.s3.bucket");
    lb.access_logs_s3_prefix = text(&attributes, "access_logs.s3.prefix");
    lb.drop_invalid_header_fields = flag(
        &attributes,
        "routing.http.drop_invalid_header_fields.enabled",
    );
    lb.desync_mitigation_mode = text(&attributes, "routing.http.desync_mitigation_mode");
    lb.attributes = attributes;
}

fn load_balancer_props(
    lb: &aws_sdk_elasticloadbalancingv2::types::LoadBalancer,
    arn: &str,
) -> LoadBalancer {
    LoadBalancer {
        load_balancer_arn: arn.to_string(),
        load_balancer_name: lb.load_balancer_name().unwrap_or_default().to_string(),
        dns_name: lb.dns_name().map(str::to_string),
        canonical_hosted_zone_id: lb.canonical_hosted_zone_id().map(str::to_string),
        scheme: lb.scheme().map(|s| s.as_str().to_string()),
        r#type: lb.r#type().map(|t| t.as_str().to_string()),
        vpc_id: lb.vpc_id().map(str::to_string),
        state: lb
            .state()
            .and_then(|s| s.code())
            .map(|c| c.as_str().to_string()),
        state_reason: lb.state().and_then(|s| s.reason()).map(str::to_string),
        availability_zones: lb
            .availability_zones()
            .iter()
            .map(|z| LbAvailabilityZone {
                zone_name: z.zone_name().map(str::to_string),
                subnet_id: z.subnet_id().map(str::to_string),
                outpost_id: z.outpost_id().map(str::to_string),
                load_balancer_addresses: z
                    .load_balancer_addresses()
                    .iter()
                    .map(|a| LoadBalancerAddress {
                        ip_address: a.ip_address().map(str::to_string),
                        allocation_id: a.allocation_id().map(str::to_string),
                        private_ipv4_address: a.private_ipv4_address().map(str::to_string),
                        ipv6_address: a.ipv6_address().map(str::to_string),
                    })
                    .collect(),
            })
            .collect(),
        security_groups: lb.security_groups().to_vec(),
        ip_address_type: lb.ip_address_type().map(|t| t.as_str().to_string()),
        enforce_security_group_inbound_rules_on_private_link_traffic: lb
            .enforce_security_group_inbound_rules_on_private_link_traffic()
            .map(str::to_string),
        created_time: lb.created_time().and_then(to_utc),
        ..LoadBalancer::default()
    }
}

/// Reads one load balancer and its listeners: the load balancer first,
/// then one entry per listener.
async fn read_load_balancer(
    unit: &Unit,
    client: &Client,
    lb: aws_sdk_elasticloadbalancingv2::types::LoadBalancer,
) -> Vec<Read> {
    let Some(arn) = lb.load_balancer_arn().map(str::to_string) else {
        return Vec::new();
    };
    let mut props = load_balancer_props(&lb, &arn);
    let mut gaps: Vec<(&str, &[&str], CollectError)> = Vec::new();

    match client
        .describe_load_balancer_attributes()
        .load_balancer_arn(&arn)
        .send()
        .await
        .map_err(api("elasticloadbalancing:DescribeLoadBalancerAttributes"))
    {
        Ok(out) => apply_attributes(
            &mut props,
            out.attributes()
                .iter()
                .filter_map(|a| {
                    Some((
                        a.key()?.to_string(),
                        a.value().unwrap_or_default().to_string(),
                    ))
                })
                .collect(),
        ),
        Err(e) => gaps.push(("describe_load_balancer_attributes", ATTRIBUTE_FIELDS, e)),
    }

    let listeners = match listeners::read_listeners(unit, client, &arn).await {
        Ok(listeners) => listeners,
        Err(e) => {
            gaps.push(("describe_listeners", &["listener_arns"], e));
            Vec::new()
        }
    };
    props.listener_arns = listeners.iter().map(|(r, _)| r.uid.clone()).collect();

    let mut links = Vec::new();
    for sg in &props.security_groups {
        links.push((
            Relation::ProtectedBy,
            unit.arn("ec2", &format!("security-group/{sg}")),
        ));
    }
    for subnet in props
        .availability_zones
        .iter()
        .filter_map(|z| z.subnet_id.as_deref())
    {
        links.push((
            Relation::MemberOf,
            unit.arn("ec2", &format!("subnet/{subnet}")),
        ));
    }
    if props.access_logs_s3_enabled == Some(true) {
        if let Some(bucket) = &props.access_logs_s3_bucket {
            links.push((
                Relation::LogsTo,
                format!("arn:{}:s3:::{bucket}", unit.partition()),
            ));
        }
    }

    let name = props.load_balancer_name.clone();
    let mut resource = Resource::new(arn, "aws_lb", &unit.account, &unit.region, name)
        .with_props(&props)
        .created(props.created_time);
    for (operation, fields, error) in gaps {
        record_gap(&mut resource, operation, fields, &error);
    }
    let mut read = vec![(resource, links)];
    read.extend(listeners);
    read
}

/// Where a target group sends traffic: the uid of a registered target, when
/// it is something with a uid (an instance, a Lambda function, an ALB).
fn target_uid(unit: &Unit, target_type: Option<&str>, id: &str) -> Option<String> {
    match target_type {
        Some("instance") => Some(unit.arn("ec2", &format!("instance/{id}"))),
        Some("lambda") | Some("alb") if id.starts_with("arn:") => Some(id.to_string()),
        _ => None,
    }
}

async fn read_target_group(
    unit: &Unit,
    client: &Client,
    g: aws_sdk_elasticloadbalancingv2::types::TargetGroup,
) -> Option<Read> {
    let arn = g.target_group_arn()?.to_string();
    let mut props = TargetGroup {
        target_group_arn: arn.clone(),
        target_group_name: g.target_group_name().unwrap_or_default().to_string(),
        protocol: g.protocol().map(|p| p.as_str().to_string()),
        protocol_version: g.protocol_version().map(str::to_string),
        port: g.port(),
        target_type: g.target_type().map(|t| t.as_str().to_string()),
        vpc_id: g.vpc_id().map(str::to_string),
        ip_address_type: g.ip_address_type().map(|t| t.as_str().to_string()),
        health_check_enabled: g.health_check_enabled(),
        health_check_protocol: g.health_check_protocol().map(|p| p.as_str().to_string()),
        health_check_port: g.health_check_port().map(str::to_string),
        health_check_path: g.health_check_path().map(str::to_string),
        health_check_interval_seconds: g.health_check_interval_seconds(),
        healthy_threshold_count: g.healthy_threshold_count(),
        unhealthy_threshold_count: g.unhealthy_threshold_count(),
        load_balancer_arns: g.load_balancer_arns().to_vec(),
        targets: Vec::new(),
    };

    let health = client
        .describe_target_health()
        .target_group_arn(&arn)
        .send()
        .await
        .map_err(api("elasticloadbalancing:DescribeTargetHealth"));
    let mut links = Vec::new();
    let gap = match health {
        Ok(out) => {
            props.targets = out
                .target_health_descriptions()
                .iter()
                .filter_map(|d| {
                    let target = d.target()?;
                    let health = d.target_health();
                    Some(Target {
                        id: target.id()?.to_string(),
                        port: target.port(),
                        availability_zone: target.availability_zone().map(str::to_string),
                        state: health
                            .and_then(|h| h.state())
                            .map(|s| s.as_str().to_string()),
                        reason: health
                            .and_then(|h| h.reason())
                            .map(|r| r.as_str().to_string()),
                    })
                })
                .collect();
            for t in &props.targets {
                if let Some(to) = target_uid(unit, props.target_type.as_deref(), &t.id) {
                    links.push((Relation::RoutesTo, to));
                }
            }
            None
        }
        Err(e) => Some(e),
    };

    let name = props.target_group_name.clone();
    let mut resource = Resource::new(
        arn,
        "aws_lb_target_group",
        &unit.account,
        &unit.region,
        name,
    )
    .with_props(&props);
    if let Some(e) = gap {
        record_gap(&mut resource, "describe_target_health", &["targets"], &e);
    }
    Some((resource, links))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_fill_the_typed_fields_and_empty_values_read_as_unset() {
        let mut lb = LoadBalancer::default();
        let attributes: BTreeMap<String, String> = [
            ("deletion_protection.enabled", "true"),
            ("access_logs.s3.enabled", "false"),
            ("access_logs.s3.bucket", ""),
            ("routing.http.drop_invalid_header_fields.enabled", "true"),
            ("routing.http.desync_mitigation_mode", "defensive"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        apply_attributes(&mut lb, attributes);
        assert_eq!(lb.deletion_protection_enabled, Some(true));
        assert_eq!(lb.access_logs_s3_enabled, Some(false));
        assert_eq!(lb.access_logs_s3_bucket, None);
        assert_eq!(lb.drop_invalid_header_fields, Some(true));
        assert_eq!(lb.desync_mitigation_mode.as_deref(), Some("defensive"));
        assert_eq!(lb.attributes.len(), 5);
    }

    #[test]
    fn attributes_a_type_lacks_are_null_not_false() {
        let mut lb = LoadBalancer::default();
        apply_attributes(&mut lb, BTreeMap::new());
        assert_eq!(lb.deletion_protection_enabled, None);
        assert_eq!(lb.drop_invalid_header_fields, None);
    }
}
