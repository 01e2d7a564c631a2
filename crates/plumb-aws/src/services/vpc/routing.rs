//! Route tables, internet and NAT gateways, and flow logs: where traffic
//! from a subnet can go, which gateways lead to the internet, and which
//! parts of the network are recorded.

use std::collections::BTreeSet;

use plumb_model::aws::vpc::{
    FlowLog, GatewayAttachment, InternetGateway, NatGateway, NatGatewayAddress, Route, RouteTable,
    RouteTableAssociation,
};
use plumb_model::{Relation, Resource};

use crate::error::api;
use crate::services::ec2::{ec2_arn, owned, tags, text, Found};
use crate::unit::{display_name, to_utc};
use crate::{CollectError, Unit};

/// Every route table of the region.
pub(super) async fn route_tables(
    unit: &Unit,
    client: &aws_sdk_ec2::Client,
) -> Result<Found, CollectError> {
    let mut found = Found::default();
    let mut pages = client.describe_route_tables().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("ec2:DescribeRouteTables"))?;
        for t in page.route_tables() {
            read_route_table(unit, t, &mut found);
        }
    }
    Ok(found)
}

fn read_route_table(unit: &Unit, t: &aws_sdk_ec2::types::RouteTable, found: &mut Found) {
    let Some(id) = t.route_table_id() else {
        return;
    };
    let uid = ec2_arn(unit, "route-table", id);
    let props = RouteTable {
        route_table_id: id.to_string(),
        vpc_id: owned(t.vpc_id()),
        owner_id: owned(t.owner_id()),
        routes: t.routes().iter().map(route).collect(),
        associations: t
            .associations()
            .iter()
            .map(|a| RouteTableAssociation {
                route_table_association_id: owned(a.route_table_association_id()),
                subnet_id: owned(a.subnet_id()),
                gateway_id: owned(a.gateway_id()),
                main: a.main().unwrap_or(false),
                association_state: text(a.association_state().and_then(|s| s.state())),
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
    // An IPv4 and an IPv6 default route often share a gateway: one edge.
    let targets: BTreeSet<String> = props
        .routes
        .iter()
        .flat_map(|r| route_targets(unit, r))
        .collect();
    for target in targets {
        found.link(&uid, Relation::RoutesTo, target);
    }
    let tags = tags(t.tags());
    let name = display_name(&tags, id);
    found.add(
        Resource::new(uid, "aws_route_table", &unit.account, &unit.region, name)
            .with_props(&props)
            .with_tags(tags),
    );
}

fn route(r: &aws_sdk_ec2::types::Route) -> Route {
    Route {
        destination_cidr_block: owned(r.destination_cidr_block()),
        destination_ipv6_cidr_block: owned(r.destination_ipv6_cidr_block()),
        destination_prefix_list_id: owned(r.destination_prefix_list_id()),
        gateway_id: owned(r.gateway_id()),
        nat_gateway_id: owned(r.nat_gateway_id()),
        instance_id: owned(r.instance_id()),
        network_interface_id: owned(r.network_interface_id()),
        vpc_peering_connection_id: owned(r.vpc_peering_connection_id()),
        transit_gateway_id: owned(r.transit_gateway_id()),
        egress_only_internet_gateway_id: owned(r.egress_only_internet_gateway_id()),
        local_gateway_id: owned(r.local_gateway_id()),
        carrier_gateway_id: owned(r.carrier_gateway_id()),
        core_network_arn: owned(r.core_network_arn()),
        origin: text(r.origin()),
        state: text(r.state()),
    }
}

/// The uids a route sends traffic to. `local` routes stay in the VPC and
/// gateway endpoints (`vpce-…`) are not network hops, so neither is one.
fn route_targets(unit: &Unit, r: &Route) -> Vec<String> {
    let mut targets = Vec::new();
    if let Some(gateway) = &r.gateway_id {
        if gateway.starts_with("igw-") {
            targets.push(ec2_arn(unit, "internet-gateway", gateway));
        } else if gateway.starts_with("vgw-") {
            targets.push(ec2_arn(unit, "vpn-gateway", gateway));
        }
    }
    let typed = [
        (&r.nat_gateway_id, "natgateway"),
        (&r.instance_id, "instance"),
        (&r.network_interface_id, "network-interface"),
        (&r.vpc_peering_connection_id, "vpc-peering-connection"),
        (&r.transit_gateway_id, "transit-gateway"),
        (
            &r.egress_only_internet_gateway_id,
            "egress-only-internet-gateway",
        ),
    ];
    for (id, resource_type) in typed {
        if let Some(id) = id {
            targets.push(ec2_arn(unit, resource_type, id));
        }
    }
    targets
}

/// Every internet gateway of the region.
pub(super) async fn internet_gateways(
    unit: &Unit,
    client: &aws_sdk_ec2::Client,
) -> Result<Found, CollectError> {
    let mut found = Found::default();
    let mut pages = client.describe_internet_gateways().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("ec2:DescribeInternetGateways"))?;
        for g in page.internet_gateways() {
            let Some(id) = g.internet_gateway_id() else {
                continue;
            };
            let uid = ec2_arn(unit, "internet-gateway", id);
            let props = InternetGateway {
                internet_gateway_id: id.to_string(),
                owner_id: owned(g.owner_id()),
                attachments: g
                    .attachments()
                    .iter()
                    .map(|a| GatewayAttachment {
                        vpc_id: owned(a.vpc_id()),
                        state: text(a.state()),
                    })
                    .collect(),
            };
            for vpc in props.attachments.iter().filter_map(|a| a.vpc_id.as_deref()) {
                found.link(&uid, Relation::AttachedTo, ec2_arn(unit, "vpc", vpc));
            }
            let tags = tags(g.tags());
            let name = display_name(&tags, id);
            found.add(
                Resource::new(
                    uid,
                    "aws_internet_gateway",
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

/// Every NAT gateway of the region, deleted ones included while AWS still
/// lists them (their state says so).
pub(super) async fn nat_gateways(
    unit: &Unit,
    client: &aws_sdk_ec2::Client,
) -> Result<Found, CollectError> {
    let mut found = Found::default();
    let mut pages = client.describe_nat_gateways().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("ec2:DescribeNatGateways"))?;
        for n in page.nat_gateways() {
            let Some(id) = n.nat_gateway_id() else {
                continue;
            };
            let uid = ec2_arn(unit, "natgateway", id);
            let props = NatGateway {
                nat_gateway_id: id.to_string(),
                subnet_id: owned(n.subnet_id()),
                vpc_id: owned(n.vpc_id()),
                state: text(n.state()),
                connectivity_type: text(n.connectivity_type()),
                nat_gateway_addresses: n
                    .nat_gateway_addresses()
                    .iter()
                    .map(|a| NatGatewayAddress {
                        allocation_id: owned(a.allocation_id()),
                        public_ip: owned(a.public_ip()),
                        private_ip: owned(a.private_ip()),
                        network_interface_id: owned(a.network_interface_id()),
                        is_primary: a.is_primary(),
                        status: text(a.status()),
                    })
                    .collect(),
                create_time: n.create_time().and_then(to_utc),
            };
            if let Some(subnet) = &props.subnet_id {
                found.link(&uid, Relation::MemberOf, ec2_arn(unit, "subnet", subnet));
            }
            for allocation in props
                .nat_gateway_addresses
                .iter()
                .filter_map(|a| a.allocation_id.as_deref())
            {
                found.link(
                    &uid,
                    Relation::Uses,
                    ec2_arn(unit, "elastic-ip", allocation),
                );
            }
            let tags = tags(n.tags());
            let name = display_name(&tags, id);
            found.add(
                Resource::new(uid, "aws_nat_gateway", &unit.account, &unit.region, name)
                    .with_props(&props)
                    .with_tags(tags)
                    .created(props.create_time),
            );
        }
    }
    Ok(found)
}

/// Every flow log of the region.
pub(super) async fn flow_logs(
    unit: &Unit,
    client: &aws_sdk_ec2::Client,
) -> Result<Found, CollectError> {
    let mut found = Found::default();
    let mut pages = client.describe_flow_logs().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("ec2:DescribeFlowLogs"))?;
        for f in page.flow_logs() {
            let Some(id) = f.flow_log_id() else {
                continue;
            };
            let uid = ec2_arn(unit, "vpc-flow-log", id);
            let props = FlowLog {
                flow_log_id: id.to_string(),
                resource_id: owned(f.resource_id()),
                traffic_type: text(f.traffic_type()),
                log_destination_type: text(f.log_destination_type()),
                log_destination: owned(f.log_destination()),
                log_group_name: owned(f.log_group_name()),
                flow_log_status: owned(f.flow_log_status()),
                deliver_logs_status: owned(f.deliver_logs_status()),
                deliver_logs_permission_arn: owned(f.deliver_logs_permission_arn()),
                log_format: owned(f.log_format()),
                max_aggregation_interval: f.max_aggregation_interval(),
                creation_time: f.creation_time().and_then(to_utc),
            };
            if let Some(resource) = props.resource_id.as_deref() {
                if let Some(target) = monitored_uid(unit, resource) {
                    found.link(&uid, Relation::Monitors, target);
                }
            }
            if let Some(destination) = destination_uid(unit, &props) {
                found.link(&uid, Relation::LogsTo, destination);
            }
            let tags = tags(f.tags());
            let name = display_name(&tags, id);
            found.add(
                Resource::new(uid, "aws_flow_log", &unit.account, &unit.region, name)
                    .with_props(&props)
                    .with_tags(tags)
                    .created(props.creation_time),
            );
        }
    }
    Ok(found)
}

/// The uid of the resource a flow log records, from its id's prefix
/// (`tgw-attach-` before `tgw-`, which it also starts with).
fn monitored_uid(unit: &Unit, resource_id: &str) -> Option<String> {
    const TYPES: [(&str, &str); 5] = [
        ("tgw-attach-", "transit-gateway-attachment"),
        ("tgw-", "transit-gateway"),
        ("vpc-", "vpc"),
        ("subnet-", "subnet"),
        ("eni-", "network-interface"),
    ];
    TYPES
        .iter()
        .find(|(prefix, _)| resource_id.starts_with(prefix))
        .map(|(_, resource_type)| ec2_arn(unit, resource_type, resource_id))
}

/// The uid of where a flow log delivers: the log group (as the `logs`
/// service names it, without the `:*` suffix), the S3 bucket (without the
/// key prefix) or the Firehose stream.
fn destination_uid(unit: &Unit, f: &FlowLog) -> Option<String> {
    match f.log_destination_type.as_deref() {
        Some("s3") => {
            let arn = f.log_destination.as_deref()?;
            let bucket = arn.strip_prefix("arn:")?.split_once(":s3:::")?.1;
            let bucket = bucket.split('/').next()?;
            Some(format!("arn:{}:s3:::{bucket}", unit.partition()))
        }
        Some("cloud-watch-logs") | None => match (&f.log_destination, &f.log_group_name) {
            (Some(arn), _) => Some(arn.trim_end_matches(":*").to_string()),
            (None, Some(group)) => Some(unit.arn("logs", &format!("log-group:{group}"))),
            (None, None) => None,
        },
        Some(_) => f.log_destination.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit() -> Unit {
        let sdk = aws_config::SdkConfig::builder()
            .region(aws_config::Region::new("eu-west-1"))
            .build();
        Unit::new("111122223333", "eu-west-1", sdk, Vec::new())
    }

    #[test]
    fn flow_logs_monitor_the_resource_their_id_names() {
        let unit = unit();
        let arn = |r: &str| format!("arn:aws:ec2:eu-west-1:111122223333:{r}");
        assert_eq!(monitored_uid(&unit, "vpc-1"), Some(arn("vpc/vpc-1")));
        assert_eq!(
            monitored_uid(&unit, "subnet-1"),
            Some(arn("subnet/subnet-1"))
        );
        assert_eq!(
            monitored_uid(&unit, "eni-1"),
            Some(arn("network-interface/eni-1"))
        );
        assert_eq!(
            monitored_uid(&unit, "tgw-attach-1"),
            Some(arn("transit-gateway-attachment/tgw-attach-1"))
        );
        assert_eq!(
            monitored_uid(&unit, "tgw-1"),
            Some(arn("transit-gateway/tgw-1"))
        );
        assert_eq!(monitored_uid(&unit, "something-else"), None);
    }

    #[test]
    fn flow_log_destinations_name_the_bucket_or_log_group() {
        let unit = unit();
        let s3 = FlowLog {
            log_destination_type: Some("s3".into()),
            log_destination: Some("arn:aws:s3:::logs-bucket/vpc/flow/".into()),
            ..FlowLog::default()
        };
        assert_eq!(
            destination_uid(&unit, &s3).as_deref(),
            Some("arn:aws:s3:::logs-bucket")
        );
        let group = FlowLog {
            log_destination_type: Some("cloud-watch-logs".into()),
            log_destination: Some("arn:aws:logs:eu-west-1:111122223333:log-group:flow:*".into()),
            log_group_name: Some("flow".into()),
            ..FlowLog::default()
        };
        assert_eq!(
            destination_uid(&unit, &group).as_deref(),
            Some("arn:aws:logs:eu-west-1:111122223333:log-group:flow")
        );
        let by_name = FlowLog {
            log_group_name: Some("flow".into()),
            ..FlowLog::default()
        };
        assert_eq!(
            destination_uid(&unit, &by_name).as_deref(),
            Some("arn:aws:logs:eu-west-1:111122223333:log-group:flow")
        );
    }

    #[test]
    fn local_routes_and_gateway_endpoints_lead_nowhere() {
        let unit = unit();
        let local = Route {
            gateway_id: Some("local".into()),
            ..Route::default()
        };
        assert!(route_targets(&unit, &local).is_empty());
        let endpoint = Route {
            gateway_id: Some("vpce-1".into()),
            ..Route::default()
        };
        assert!(route_targets(&unit, &endpoint).is_empty());
        let peering = Route {
            vpc_peering_connection_id: Some("pcx-1".into()),
            ..Route::default()
        };
        assert_eq!(
            route_targets(&unit, &peering),
            vec!["arn:aws:ec2:eu-west-1:111122223333:vpc-peering-connection/pcx-1".to_string()]
        );
    }
}
