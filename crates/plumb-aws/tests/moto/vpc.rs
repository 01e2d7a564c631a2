//! Tests of the `vpc` collector against moto. moto gives every region a
//! default VPC (with default subnets, security group, network ACL and main
//! route table); the tests seed a VPC of their own beside it.

use aws_sdk_ec2::types::{
    FlowLogsResourceType, IpPermission, IpRange, Ipv6Range, LogDestinationType, PortRange,
    RuleAction, Tag, TrafficType, UserIdGroupPair,
};
use plumb_model::Relation;

use crate::common::*;

/// The ARN of an EC2 resource seeded in [`REGION`]: `arn("vpc/vpc-1")`.
pub fn arn(resource: &str) -> String {
    format!("arn:aws:ec2:{REGION}:{ACCOUNT}:{resource}")
}

/// What [`seed_network`] created.
pub struct Network {
    /// The VPC, 10.0.0.0/16.
    pub vpc: String,
    /// A subnet, 10.0.1.0/24, that maps public IPs on launch.
    pub subnet: String,
    /// The internet gateway attached to the VPC.
    pub igw: String,
    /// The route table of the subnet: 0.0.0.0/0 and ::/0 to the gateway.
    pub route_table: String,
    /// The network ACL of the subnet: SSH in from anywhere, all out.
    pub network_acl: String,
    /// A security group open on 22 to 0.0.0.0/0 and ::/0.
    pub security_group: String,
}

/// An EC2 client for seeding.
pub async fn ec2(server: &MotoServer) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::new(&sdk(server, REGION).await)
}

async fn name(ec2: &aws_sdk_ec2::Client, id: &str, name: &str) {
    ec2.create_tags()
        .resources(id)
        .tags(Tag::builder().key("Name").value(name).build())
        .send()
        .await
        .unwrap();
}

/// Seeds a public subnet in a VPC of its own: internet gateway, a route
/// table sending everything to it, a network ACL and an SSH security group.
pub async fn seed_network(ec2: &aws_sdk_ec2::Client) -> Network {
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .amazon_provided_ipv6_cidr_block(true)
        .send()
        .await
        .unwrap()
        .vpc
        .and_then(|v| v.vpc_id)
        .unwrap();
    name(ec2, &vpc, "plumb-vpc").await;
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.0.1.0/24")
        .availability_zone(format!("{REGION}a"))
        .send()
        .await
        .unwrap()
        .subnet
        .and_then(|s| s.subnet_id)
        .unwrap();
    name(ec2, &subnet, "plumb-public").await;
    ec2.modify_subnet_attribute()
        .subnet_id(&subnet)
        .map_public_ip_on_launch(
            aws_sdk_ec2::types::AttributeBooleanValue::builder()
                .value(true)
                .build(),
        )
        .send()
        .await
        .unwrap();

    let igw = ec2
        .create_internet_gateway()
        .send()
        .await
        .unwrap()
        .internet_gateway
        .and_then(|g| g.internet_gateway_id)
        .unwrap();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();

    let route_table = ec2
        .create_route_table()
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .route_table
        .and_then(|t| t.route_table_id)
        .unwrap();
    ec2.create_route()
        .route_table_id(&route_table)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap();
    ec2.create_route()
        .route_table_id(&route_table)
        .destination_ipv6_cidr_block("::/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap();
    ec2.associate_route_table()
        .route_table_id(&route_table)
        .subnet_id(&subnet)
        .send()
        .await
        .unwrap();

    let network_acl = ec2
        .create_network_acl()
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .network_acl
        .and_then(|a| a.network_acl_id)
        .unwrap();
    ec2.create_network_acl_entry()
        .network_acl_id(&network_acl)
        .rule_number(100)
        .protocol("6")
        .rule_action(RuleAction::Allow)
        .egress(false)
        .cidr_block("0.0.0.0/0")
        .port_range(PortRange::builder().from(22).to(22).build())
        .send()
        .await
        .unwrap();
    ec2.create_network_acl_entry()
        .network_acl_id(&network_acl)
        .rule_number(100)
        .protocol("-1")
        .rule_action(RuleAction::Allow)
        .egress(true)
        .cidr_block("0.0.0.0/0")
        .send()
        .await
        .unwrap();
    // A new subnet starts in the VPC's default ACL; move it to ours.
    let current = ec2
        .describe_network_acls()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("association.subnet-id")
                .values(&subnet)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let association = current
        .network_acls()
        .iter()
        .flat_map(|a| a.associations())
        .find(|a| a.subnet_id() == Some(subnet.as_str()))
        .and_then(|a| a.network_acl_association_id())
        .expect("the subnet is associated with the default ACL")
        .to_string();
    ec2.replace_network_acl_association()
        .association_id(association)
        .network_acl_id(&network_acl)
        .send()
        .await
        .unwrap();

    let security_group = ec2
        .create_security_group()
        .group_name("plumb-ssh")
        .description("SSH from anywhere")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    ec2.authorize_security_group_ingress()
        .group_id(&security_group)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(
                    IpRange::builder()
                        .cidr_ip("0.0.0.0/0")
                        .description("ssh from the world")
                        .build(),
                )
                .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                .build(),
        )
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("-1")
                .user_id_group_pairs(UserIdGroupPair::builder().group_id(&security_group).build())
                .build(),
        )
        .send()
        .await
        .unwrap();

    Network {
        vpc,
        subnet,
        igw,
        route_table,
        network_acl,
        security_group,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn vpcs_and_subnets_are_collected_beside_the_default_vpc() {
    let server = MotoServer::start();
    let net = seed_network(&ec2(&server).await).await;

    let snap = collect(&server, &["vpc"]).await;
    snap.assert_ok("vpc");
    assert!(
        snap.unit("vpc", REGION).api_calls >= 8,
        "one list call per kind at least"
    );
    let vpcs = snap.of_kind("aws_vpc");
    assert_eq!(vpcs.len(), 2, "the default VPC and ours");
    assert!(vpcs.iter().any(|v| v.props["is_default"] == true));

    let vpc = snap.resource(&arn(&format!("vpc/{}", net.vpc)));
    assert_eq!(vpc.name, "plumb-vpc");
    assert_eq!(vpc.region, REGION);
    assert_eq!(vpc.props["cidr_block"], "10.0.0.0/16");
    assert_eq!(vpc.props["is_default"], false);
    assert_eq!(vpc.props["state"], "available");
    assert!(vpc.props["dhcp_options_id"].is_string());
    assert_eq!(
        vpc.props["ipv6_cidr_blocks"].as_array().map(Vec::len),
        Some(1)
    );

    let subnet_uid = arn(&format!("subnet/{}", net.subnet));
    let subnet = snap.named("aws_subnet", "plumb-public");
    assert_eq!(subnet.uid, subnet_uid);
    assert_eq!(subnet.props["vpc_id"], net.vpc.as_str());
    assert_eq!(subnet.props["cidr_block"], "10.0.1.0/24");
    assert_eq!(subnet.props["availability_zone"], "us-east-1a");
    assert_eq!(subnet.props["map_public_ip_on_launch"], true);
    assert_eq!(subnet.props["default_for_az"], false);
    assert!(snap.has_edge(&subnet_uid, Relation::MemberOf, &vpc.uid));
    assert!(
        snap.of_kind("aws_subnet")
            .iter()
            .any(|s| s.props["default_for_az"] == true),
        "the default VPC's subnets are collected too"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn security_group_rules_are_collected_in_full() {
    let server = MotoServer::start();
    let net = seed_network(&ec2(&server).await).await;

    let snap = collect(&server, &["vpc"]).await;
    snap.assert_ok("vpc");
    let uid = arn(&format!("security-group/{}", net.security_group));
    let sg = snap.resource(&uid);
    assert_eq!(sg.name, "plumb-ssh");
    assert_eq!(sg.props["group_name"], "plumb-ssh");
    assert_eq!(sg.props["description"], "SSH from anywhere");
    assert_eq!(sg.props["vpc_id"], net.vpc.as_str());
    let ingress = sg.props["ip_permissions"]
        .as_array()
        .expect("ingress rules");
    let ssh = ingress
        .iter()
        .find(|p| p["ip_protocol"] == "tcp")
        .unwrap_or_else(|| panic!("no tcp rule in {ingress:#?}"));
    assert_eq!(ssh["from_port"], 22);
    assert_eq!(ssh["to_port"], 22);
    assert_eq!(ssh["ip_ranges"][0]["cidr_ip"], "0.0.0.0/0");
    assert_eq!(ssh["ip_ranges"][0]["description"], "ssh from the world");
    assert_eq!(ssh["ipv6_ranges"][0]["cidr_ipv6"], "::/0");
    let peers = ingress
        .iter()
        .find(|p| p["ip_protocol"] == "-1")
        .unwrap_or_else(|| panic!("no all-traffic rule in {ingress:#?}"));
    assert_eq!(
        peers["user_id_group_pairs"][0]["group_id"],
        net.security_group.as_str()
    );
    let egress = sg.props["ip_permissions_egress"].as_array().unwrap();
    assert!(
        egress
            .iter()
            .any(|p| p["ip_protocol"] == "-1" && p["ip_ranges"][0]["cidr_ip"] == "0.0.0.0/0"),
        "the default allow-all egress rule: {egress:#?}"
    );
    assert!(snap.has_edge(&uid, Relation::MemberOf, &arn(&format!("vpc/{}", net.vpc))));
    let defaults: Vec<_> = snap
        .of_kind("aws_security_group")
        .into_iter()
        .filter(|g| g.props["group_name"] == "default")
        .collect();
    assert_eq!(defaults.len(), 2, "one default group per VPC");
}

#[tokio::test(flavor = "multi_thread")]
async fn network_acl_entries_and_associations_are_collected() {
    let server = MotoServer::start();
    let net = seed_network(&ec2(&server).await).await;

    let snap = collect(&server, &["vpc"]).await;
    snap.assert_ok("vpc");
    let uid = arn(&format!("network-acl/{}", net.network_acl));
    let acl = snap.resource(&uid);
    assert_eq!(acl.props["is_default"], false);
    assert_eq!(acl.props["vpc_id"], net.vpc.as_str());
    let entries = acl.props["entries"].as_array().expect("entries");
    let ssh = entries
        .iter()
        .find(|e| e["egress"] == false && e["rule_number"] == 100)
        .unwrap_or_else(|| panic!("no inbound rule 100 in {entries:#?}"));
    assert_eq!(ssh["protocol"], "6");
    assert_eq!(ssh["rule_action"], "allow");
    assert_eq!(ssh["cidr_block"], "0.0.0.0/0");
    assert_eq!(ssh["port_range"]["from"], 22);
    assert_eq!(ssh["port_range"]["to"], 22);
    assert!(entries
        .iter()
        .any(|e| e["egress"] == true && e["protocol"] == "-1"));
    assert_eq!(
        acl.props["associations"][0]["subnet_id"],
        net.subnet.as_str()
    );
    assert!(snap.has_edge(&uid, Relation::MemberOf, &arn(&format!("vpc/{}", net.vpc))));
    assert!(snap.has_edge(
        &uid,
        Relation::AssociatedWith,
        &arn(&format!("subnet/{}", net.subnet))
    ));
    assert!(
        snap.of_kind("aws_network_acl")
            .iter()
            .any(|a| a.props["is_default"] == true),
        "default ACLs are collected"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn route_tables_route_to_internet_and_nat_gateways() {
    let server = MotoServer::start();
    let ec2 = ec2(&server).await;
    let net = seed_network(&ec2).await;
    let allocation = ec2
        .allocate_address()
        .domain(aws_sdk_ec2::types::DomainType::Vpc)
        .send()
        .await
        .unwrap()
        .allocation_id
        .unwrap();
    let nat = ec2
        .create_nat_gateway()
        .subnet_id(&net.subnet)
        .allocation_id(&allocation)
        .send()
        .await
        .unwrap()
        .nat_gateway
        .and_then(|n| n.nat_gateway_id)
        .unwrap();
    let private = ec2
        .create_route_table()
        .vpc_id(&net.vpc)
        .send()
        .await
        .unwrap()
        .route_table
        .and_then(|t| t.route_table_id)
        .unwrap();
    ec2.create_route()
        .route_table_id(&private)
        .destination_cidr_block("0.0.0.0/0")
        .nat_gateway_id(&nat)
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["vpc"]).await;
    snap.assert_ok("vpc");
    let vpc_uid = arn(&format!("vpc/{}", net.vpc));
    let subnet_uid = arn(&format!("subnet/{}", net.subnet));
    let igw_uid = arn(&format!("internet-gateway/{}", net.igw));
    let nat_uid = arn(&format!("natgateway/{nat}"));

    let public_uid = arn(&format!("route-table/{}", net.route_table));
    let public = snap.resource(&public_uid);
    let routes = public.props["routes"].as_array().expect("routes");
    assert!(
        routes
            .iter()
            .any(|r| r["destination_cidr_block"] == "0.0.0.0/0"
                && r["gateway_id"] == net.igw.as_str()
                && r["state"] == "active"),
        "{routes:#?}"
    );
    assert!(
        routes
            .iter()
            .any(|r| r["destination_ipv6_cidr_block"] == "::/0"
                && r["gateway_id"] == net.igw.as_str())
    );
    assert!(routes.iter().any(|r| r["gateway_id"] == "local"));
    let association = &public.props["associations"][0];
    assert_eq!(association["subnet_id"], net.subnet.as_str());
    assert_eq!(association["main"], false);
    assert!(snap.has_edge(&public_uid, Relation::RoutesTo, &igw_uid));
    assert!(snap.has_edge(&public_uid, Relation::AssociatedWith, &subnet_uid));
    assert!(snap.has_edge(&public_uid, Relation::MemberOf, &vpc_uid));
    let to_igw = snap
        .edges
        .iter()
        .filter(|e| e.from == public_uid && e.to == igw_uid)
        .count();
    assert_eq!(to_igw, 1, "one edge however many routes use the gateway");

    let private_uid = arn(&format!("route-table/{private}"));
    assert!(snap.has_edge(&private_uid, Relation::RoutesTo, &nat_uid));
    assert!(
        snap.of_kind("aws_route_table")
            .iter()
            .any(|t| t.props["vpc_id"] == net.vpc.as_str()
                && t.props["associations"][0]["main"] == true),
        "the VPC's main route table is collected"
    );

    let igw = snap.resource(&igw_uid);
    assert_eq!(igw.props["attachments"][0]["vpc_id"], net.vpc.as_str());
    assert!(igw.props["attachments"][0]["state"].is_string());
    assert!(snap.has_edge(&igw_uid, Relation::AttachedTo, &vpc_uid));

    let gateway = snap.resource(&nat_uid);
    assert_eq!(gateway.props["subnet_id"], net.subnet.as_str());
    assert_eq!(gateway.props["vpc_id"], net.vpc.as_str());
    assert_eq!(gateway.props["state"], "available");
    let address = &gateway.props["nat_gateway_addresses"][0];
    assert_eq!(address["allocation_id"], allocation.as_str());
    assert!(address["public_ip"].is_string());
    assert!(snap.has_edge(&nat_uid, Relation::MemberOf, &subnet_uid));
    assert!(snap.has_edge(
        &nat_uid,
        Relation::Uses,
        &arn(&format!("elastic-ip/{allocation}"))
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn flow_logs_link_to_what_they_monitor_and_where_they_deliver() {
    let server = MotoServer::start();
    let ec2 = ec2(&server).await;
    let net = seed_network(&ec2).await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk(&server, REGION).await);
    logs.create_log_group()
        .log_group_name("plumb-flow")
        .send()
        .await
        .unwrap();
    let role = format!("arn:aws:iam::{ACCOUNT}:role/flow-logs");
    ec2.create_flow_logs()
        .resource_type(FlowLogsResourceType::Vpc)
        .resource_ids(&net.vpc)
        .traffic_type(TrafficType::All)
        .log_destination_type(LogDestinationType::CloudWatchLogs)
        .log_group_name("plumb-flow")
        .deliver_logs_permission_arn(&role)
        .send()
        .await
        .unwrap();
    s3(&server, REGION)
        .await
        .create_bucket()
        .bucket("plumb-flow-logs")
        .send()
        .await
        .unwrap();
    // moto takes everything after `:::` for the bucket name, so no key
    // prefix here; the collector's unit tests cover prefixed destinations.
    let created = ec2
        .create_flow_logs()
        .resource_type(FlowLogsResourceType::Subnet)
        .resource_ids(&net.subnet)
        .traffic_type(TrafficType::Reject)
        .log_destination_type(LogDestinationType::S3)
        .log_destination("arn:aws:s3:::plumb-flow-logs")
        .send()
        .await
        .unwrap();
    assert!(created.unsuccessful().is_empty(), "{created:?}");

    let snap = collect(&server, &["vpc"]).await;
    snap.assert_ok("vpc");
    let flow_logs = snap.of_kind("aws_flow_log");
    assert_eq!(flow_logs.len(), 2);

    let vpc_log = flow_logs
        .iter()
        .find(|f| f.props["resource_id"] == net.vpc.as_str())
        .expect("the VPC's flow log");
    assert!(
        vpc_log.uid.starts_with(&arn("vpc-flow-log/fl-")),
        "{}",
        vpc_log.uid
    );
    assert_eq!(vpc_log.props["traffic_type"], "ALL");
    assert_eq!(vpc_log.props["log_destination_type"], "cloud-watch-logs");
    assert_eq!(vpc_log.props["log_group_name"], "plumb-flow");
    assert_eq!(vpc_log.props["flow_log_status"], "ACTIVE");
    assert_eq!(vpc_log.props["deliver_logs_permission_arn"], role.as_str());
    assert!(snap.has_edge(
        &vpc_log.uid,
        Relation::Monitors,
        &arn(&format!("vpc/{}", net.vpc))
    ));
    let group = format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:plumb-flow");
    assert!(
        snap.has_edge(&vpc_log.uid, Relation::LogsTo, &group),
        "{:#?}",
        snap.edges
            .iter()
            .filter(|e| e.from == vpc_log.uid)
            .collect::<Vec<_>>()
    );

    let subnet_log = flow_logs
        .iter()
        .find(|f| f.props["resource_id"] == net.subnet.as_str())
        .expect("the subnet's flow log");
    assert_eq!(subnet_log.props["traffic_type"], "REJECT");
    assert_eq!(subnet_log.props["log_destination_type"], "s3");
    assert_eq!(
        subnet_log.props["log_destination"],
        "arn:aws:s3:::plumb-flow-logs"
    );
    assert!(snap.has_edge(
        &subnet_log.uid,
        Relation::Monitors,
        &arn(&format!("subnet/{}", net.subnet))
    ));
    assert!(snap.has_edge(
        &subnet_log.uid,
        Relation::LogsTo,
        "arn:aws:s3:::plumb-flow-logs"
    ));
}
