//! Exposure on small graphs whose answer is known.

use chrono::Utc;
use plumb_context::{exposure, Index};
use plumb_model::{Coverage, CoverageStatus, Edge, Relation, Resource, Scope, Snapshot};
use serde_json::{json, Value};

const ACCOUNT: &str = "111122223333";
const REGION: &str = "eu-west-1";

fn arn(kind: &str, id: &str) -> String {
    format!("arn:aws:ec2:{REGION}:{ACCOUNT}:{kind}/{id}")
}

fn resource(kind: &str, uid: String, props: Value) -> Resource {
    let mut r = Resource::new(
        uid.clone(),
        kind,
        ACCOUNT,
        REGION,
        uid.rsplit('/').next().unwrap_or(""),
    );
    r.props = props;
    r
}

fn snapshot(resources: Vec<Resource>, edges: Vec<Edge>) -> Snapshot {
    let unit = |service: &str, region: &str| Coverage {
        account: ACCOUNT.into(),
        region: region.into(),
        service: service.into(),
        status: CoverageStatus::Ok,
        error: None,
        error_code: None,
        missing_permission: None,
        api_calls: 1,
        resources: 0,
        partial_resources: 0,
    };
    Snapshot {
        id: 1,
        started_at: Utc::now(),
        finished_at: Utc::now(),
        scope: Scope::default(),
        coverage: vec![unit("ec2", REGION), unit("s3", "global")],
        resources,
        edges,
    }
}

/// A VPC with an internet gateway, a public subnet whose route table sends
/// 0.0.0.0/0 to it, the given inbound NACL entries (plus outbound allow
/// all), a security group open to the world on 22 and 443, and a running
/// instance with a public IP in that subnet.
fn public_instance(inbound: Vec<Value>) -> Snapshot {
    let mut entries = inbound;
    entries.push(json!({"rule_number": 100, "egress": true, "protocol": "-1", "cidr_block": "0.0.0.0/0", "rule_action": "allow", "port_range": null}));
    entries.push(json!({"rule_number": 32767, "egress": false, "protocol": "-1", "cidr_block": "0.0.0.0/0", "rule_action": "deny", "port_range": null}));
    let resources = vec![
        resource("aws_vpc", arn("vpc", "vpc-1"), json!({"vpc_id": "vpc-1"})),
        resource(
            "aws_internet_gateway",
            arn("internet-gateway", "igw-1"),
            json!({"internet_gateway_id": "igw-1", "attachments": [{"vpc_id": "vpc-1", "state": "available"}]}),
        ),
        resource(
            "aws_subnet",
            arn("subnet", "subnet-1"),
            json!({"subnet_id": "subnet-1", "vpc_id": "vpc-1", "map_public_ip_on_launch": true}),
        ),
        resource(
            "aws_route_table",
            arn("route-table", "rtb-1"),
            json!({"route_table_id": "rtb-1", "vpc_id": "vpc-1",
                   "associations": [{"subnet_id": "subnet-1", "main": false}],
                   "routes": [{"destination_cidr_block": "10.0.0.0/16", "gateway_id": "local", "state": "active"},
                              {"destination_cidr_block": "0.0.0.0/0", "gateway_id": "igw-1", "state": "active"}]}),
        ),
        resource(
            "aws_network_acl",
            arn("network-acl", "acl-1"),
            json!({"network_acl_id": "acl-1", "vpc_id": "vpc-1", "is_default": false,
                   "associations": [{"subnet_id": "subnet-1"}], "entries": entries}),
        ),
        resource(
            "aws_security_group",
            arn("security-group", "sg-1"),
            json!({"group_id": "sg-1", "vpc_id": "vpc-1", "ip_permissions": [
                {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}], "ipv6_ranges": []},
                {"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}], "ipv6_ranges": []},
                {"ip_protocol": "tcp", "from_port": 5432, "to_port": 5432, "ip_ranges": [{"cidr_ip": "10.0.0.0/8"}], "ipv6_ranges": []}
            ]}),
        ),
        resource(
            "aws_instance",
            arn("instance", "i-1"),
            json!({"instance_id": "i-1", "state": "running", "subnet_id": "subnet-1", "vpc_id": "vpc-1",
                   "public_ip_address": "203.0.113.10", "security_groups": ["sg-1"]}),
        ),
    ];
    let edges = vec![Edge::new(
        arn("instance", "i-1"),
        Relation::ProtectedBy,
        arn("security-group", "sg-1"),
    )];
    snapshot(resources, edges)
}

fn allow(rule: i64, from: i64, to: i64) -> Value {
    json!({"rule_number": rule, "egress": false, "protocol": "6", "cidr_block": "0.0.0.0/0", "rule_action": "allow", "port_range": {"from": from, "to": to}})
}

fn deny(rule: i64, from: i64, to: i64) -> Value {
    json!({"rule_number": rule, "egress": false, "protocol": "6", "cidr_block": "0.0.0.0/0", "rule_action": "deny", "port_range": {"from": from, "to": to}})
}

fn ports(snapshot: &Snapshot, uid: &str) -> Option<String> {
    let map = exposure(&Index::new(snapshot));
    map.of(uid).map(|e| {
        e.ports
            .iter()
            .map(|p| format!("{}/{}-{}", p.protocol, p.from, p.to))
            .collect::<Vec<_>>()
            .join(",")
    })
}

#[test]
fn a_nacl_that_blocks_the_port_hides_an_open_instance() {
    // The security group opens 22 and 443; the NACL allows only 80.
    let snap = public_instance(vec![allow(100, 80, 80)]);
    assert_eq!(ports(&snap, &arn("instance", "i-1")), None);
}

#[test]
fn an_open_nacl_exposes_exactly_the_port_both_allow() {
    let snap = public_instance(vec![allow(100, 443, 443)]);
    let map = exposure(&Index::new(&snap));
    let e = map.of(&arn("instance", "i-1")).expect("exposed");
    assert_eq!(e.ports.len(), 1);
    assert_eq!(
        (e.ports[0].protocol.as_str(), e.ports[0].from, e.ports[0].to),
        ("tcp", 443, 443)
    );
    assert_eq!(
        e.path,
        [
            "internet",
            &arn("internet-gateway", "igw-1"),
            &arn("route-table", "rtb-1"),
            &arn("subnet", "subnet-1"),
            &arn("network-acl", "acl-1"),
            &arn("security-group", "sg-1"),
            &arn("instance", "i-1"),
        ]
    );
    assert!(e.reason.contains("203.0.113.10"), "{}", e.reason);
}

#[test]
fn nacl_rules_apply_in_order_of_their_numbers() {
    // Rule 90 denies 22 before rule 100 allows everything.
    let snap = public_instance(vec![allow(100, 0, 65535), deny(90, 22, 22)]);
    assert_eq!(
        ports(&snap, &arn("instance", "i-1")).as_deref(),
        Some("tcp/443-443")
    );
}

#[test]
fn no_return_path_means_no_exposure() {
    let mut snap = public_instance(vec![allow(100, 0, 65535)]);
    let acl = snap
        .resources
        .iter_mut()
        .find(|r| r.kind == "aws_network_acl")
        .unwrap();
    let entries = acl.props["entries"].as_array_mut().unwrap();
    entries.retain(|e| e["egress"] != true);
    // Outbound only to port 443: the replies to ephemeral ports are dropped.
    entries.push(json!({"rule_number": 100, "egress": true, "protocol": "6", "cidr_block": "0.0.0.0/0", "rule_action": "allow", "port_range": {"from": 443, "to": 443}}));
    assert_eq!(ports(&snap, &arn("instance", "i-1")), None);
}

#[test]
fn without_a_route_to_the_internet_gateway_nothing_is_exposed() {
    let mut snap = public_instance(vec![allow(100, 0, 65535)]);
    let rt = snap
        .resources
        .iter_mut()
        .find(|r| r.kind == "aws_route_table")
        .unwrap();
    rt.props["routes"][1]["gateway_id"] = json!("nat-1");
    assert_eq!(ports(&snap, &arn("instance", "i-1")), None);
    // A blackholed default route carries nothing either.
    let mut snap = public_instance(vec![allow(100, 0, 65535)]);
    let rt = snap
        .resources
        .iter_mut()
        .find(|r| r.kind == "aws_route_table")
        .unwrap();
    rt.props["routes"][1]["state"] = json!("blackhole");
    assert_eq!(ports(&snap, &arn("instance", "i-1")), None);
}

#[test]
fn a_subnet_without_its_own_table_uses_the_main_one() {
    let mut snap = public_instance(vec![allow(100, 22, 22)]);
    let rt = snap
        .resources
        .iter_mut()
        .find(|r| r.kind == "aws_route_table")
        .unwrap();
    rt.props["associations"] = json!([{"main": true}]);
    assert_eq!(
        ports(&snap, &arn("instance", "i-1")).as_deref(),
        Some("tcp/22-22")
    );
}

#[test]
fn an_instance_without_a_public_address_is_not_exposed() {
    let mut snap = public_instance(vec![allow(100, 0, 65535)]);
    let i = snap
        .resources
        .iter_mut()
        .find(|r| r.kind == "aws_instance")
        .unwrap();
    i.props["public_ip_address"] = Value::Null;
    assert_eq!(ports(&snap, &arn("instance", "i-1")), None);
}

#[test]
fn missing_network_data_is_undetermined_not_safe() {
    let mut snap = public_instance(vec![allow(100, 0, 65535)]);
    snap.resources.retain(|r| r.kind != "aws_network_acl");
    snap.coverage[0].status = CoverageStatus::Error;
    snap.coverage[0].error = Some("AccessDenied (ec2:DescribeNetworkAcls)".into());
    let map = exposure(&Index::new(&snap));
    assert!(map.of(&arn("instance", "i-1")).is_none());
    let u = map
        .undetermined
        .iter()
        .find(|u| u.uid == arn("instance", "i-1"))
        .expect("undetermined");
    assert!(
        u.reason.contains("network ACL") && u.reason.contains("AccessDenied"),
        "{}",
        u.reason
    );
}

fn bucket(policy: Value, block: Value) -> Resource {
    let mut b = Resource::new(
        "arn:aws:s3:::acme-data",
        "aws_s3_bucket",
        ACCOUNT,
        REGION,
        "acme-data",
    );
    b.props = json!({"name": "acme-data", "policy": policy, "acl": {"grants": []}, "public_access_block": block});
    b
}

fn account(block: Value) -> Resource {
    let mut a = Resource::new(
        format!("aws_account:{ACCOUNT}"),
        "aws_account",
        ACCOUNT,
        "global",
        ACCOUNT,
    );
    a.props = json!({"account_id": ACCOUNT, "s3_public_access_block": block});
    a
}

fn public_policy(condition: Option<Value>) -> Value {
    let mut statement = json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-data/*"});
    if let Some(c) = condition {
        statement["Condition"] = c;
    }
    json!({"Version": "2012-10-17", "Statement": [statement]})
}

#[test]
fn a_public_bucket_policy_blocked_by_the_account_is_not_public() {
    let uid = "arn:aws:s3:::acme-data";
    let open = snapshot(
        vec![
            bucket(public_policy(None), Value::Null),
            account(Value::Null),
        ],
        vec![],
    );
    let map = exposure(&Index::new(&open));
    let e = map.of(uid).expect("public");
    assert_eq!(e.path, ["internet", uid]);
    let blocked = snapshot(
        vec![
            bucket(public_policy(None), Value::Null),
            account(
                json!({"block_public_acls": true, "ignore_public_acls": true, "block_public_policy": true, "restrict_public_buckets": true}),
            ),
        ],
        vec![],
    );
    let map = exposure(&Index::new(&blocked));
    assert!(map.of(uid).is_none());
    assert!(map.undetermined.is_empty());
}

#[test]
fn a_policy_limited_to_the_organization_is_not_public() {
    let uid = "arn:aws:s3:::acme-data";
    let snap = snapshot(
        vec![
            bucket(
                public_policy(Some(
                    json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
                )),
                Value::Null,
            ),
            account(Value::Null),
        ],
        vec![],
    );
    assert!(exposure(&Index::new(&snap)).of(uid).is_none());
}

#[test]
fn a_bucket_whose_account_block_was_not_collected_is_undetermined() {
    let uid = "arn:aws:s3:::acme-data";
    let snap = snapshot(vec![bucket(public_policy(None), Value::Null)], vec![]);
    let map = exposure(&Index::new(&snap));
    assert!(map.of(uid).is_none());
    assert_eq!(map.undetermined.len(), 1);
}

#[test]
fn instances_behind_an_internet_facing_load_balancer_are_reached_on_their_target_port() {
    let mut snap = public_instance(vec![allow(100, 0, 65535)]);
    let i = snap
        .resources
        .iter_mut()
        .find(|r| r.kind == "aws_instance")
        .unwrap();
    i.props["public_ip_address"] = Value::Null;
    let lb_arn = format!("arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/web/1");
    let listener = format!("arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/web/1/2");
    let tg = format!("arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/web/3");
    snap.resources.push(resource(
        "aws_lb",
        lb_arn.clone(),
        json!({"load_balancer_arn": lb_arn, "scheme": "internet-facing", "security_groups": ["sg-1"],
               "availability_zones": [{"subnet_id": "subnet-1"}]}),
    ));
    snap.resources.push(resource(
        "aws_lb_listener",
        listener.clone(),
        json!({"listener_arn": listener, "load_balancer_arn": lb_arn, "port": 443, "protocol": "HTTPS",
               "default_actions": [{"type": "forward", "target_group_arn": tg}]}),
    ));
    snap.resources.push(resource(
        "aws_lb_target_group",
        tg.clone(),
        json!({"target_group_arn": tg, "port": 8080, "targets": [{"id": "i-1", "port": 8080}]}),
    ));
    let map = exposure(&Index::new(&snap));
    let lb = map.of(&lb_arn).expect("the load balancer is exposed");
    assert_eq!((lb.ports[0].from, lb.ports[0].to), (443, 443));
    let i = map
        .of(&arn("instance", "i-1"))
        .expect("the target is reached");
    assert_eq!((i.ports[0].from, i.ports[0].to), (8080, 8080));
    assert_eq!(
        &i.path[i.path.len() - 4..],
        [lb_arn.as_str(), &listener, &tg, &arn("instance", "i-1")]
    );
}

#[test]
fn public_snapshots_and_open_function_urls_are_exposed() {
    let mut snapshot_resource = Resource::new(
        "arn:aws:ec2:eu-west-1::snapshot/snap-1",
        "aws_ebs_snapshot",
        ACCOUNT,
        REGION,
        "snap-1",
    );
    snapshot_resource.props = json!({"snapshot_id": "snap-1", "public": true});
    let mut f = Resource::new(
        "arn:aws:lambda:eu-west-1:111122223333:function:f",
        "aws_lambda_function",
        ACCOUNT,
        REGION,
        "f",
    );
    f.props = json!({"function_url_configs": [{"auth_type": "NONE", "function_url": "https://abc.lambda-url.eu-west-1.on.aws/"}]});
    let mut g = Resource::new(
        "arn:aws:lambda:eu-west-1:111122223333:function:g",
        "aws_lambda_function",
        ACCOUNT,
        REGION,
        "g",
    );
    g.props = json!({"function_url_configs": [{"auth_type": "AWS_IAM"}], "policy": null});
    let snap = snapshot(vec![snapshot_resource, f, g], vec![]);
    let map = exposure(&Index::new(&snap));
    assert!(map.of("arn:aws:ec2:eu-west-1::snapshot/snap-1").is_some());
    assert!(map
        .of("arn:aws:lambda:eu-west-1:111122223333:function:f")
        .is_some());
    assert!(map
        .of("arn:aws:lambda:eu-west-1:111122223333:function:g")
        .is_none());
}

/// The public instance runs as a role through its instance profile.
fn with_role(mut snap: Snapshot, policy: Value) -> Snapshot {
    let profile = format!("arn:aws:iam::{ACCOUNT}:instance-profile/web");
    let role = format!("arn:aws:iam::{ACCOUNT}:role/web");
    let mut p = Resource::new(
        profile.clone(),
        "aws_iam_instance_profile",
        ACCOUNT,
        "global",
        "web",
    );
    p.props = json!({"arn": profile, "roles": [{"arn": role, "role_name": "web"}]});
    let mut r = Resource::new(role.clone(), "aws_iam_role", ACCOUNT, "global", "web");
    r.props = json!({"arn": role, "role_name": "web",
        "assume_role_policy_document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "inline_policies": [{"policy_name": "app", "policy_document": policy}], "attached_policies": []});
    snap.resources.extend([p, r]);
    snap.edges.push(Edge::new(
        arn("instance", "i-1"),
        Relation::Uses,
        profile.clone(),
    ));
    snap.edges.push(Edge::new(profile, Relation::Assumes, role));
    snap
}

fn settings() -> plumb_context::Settings {
    plumb_context::Settings::parse(
        "plumb.toml",
        "[sensitive]\ntags = { \"data-classification\" = [\"confidential\"] }\n",
    )
    .unwrap()
}

#[test]
fn an_exposed_instance_with_an_admin_role_is_a_path_to_admin() {
    let snap = with_role(
        public_instance(vec![allow(100, 22, 22)]),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    );
    let context = plumb_context::Context::compute(&snap, &settings());
    let admin = context
        .paths
        .iter()
        .find(|p| p.impact == plumb_context::Impact::Admin)
        .expect("a path to admin");
    let uids = admin.uids();
    assert_eq!(uids[0], "internet");
    assert_eq!(
        &uids[uids.len() - 3..],
        [
            arn("instance", "i-1"),
            format!("arn:aws:iam::{ACCOUNT}:instance-profile/web"),
            format!("arn:aws:iam::{ACCOUNT}:role/web"),
        ]
    );
}

#[test]
fn an_exposed_instance_whose_role_reads_a_sensitive_bucket_is_a_path_to_the_data() {
    let mut snap = with_role(
        public_instance(vec![allow(100, 22, 22)]),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-data/*"}]}),
    );
    let mut data = bucket(Value::Null, Value::Null);
    data.tags
        .insert("data-classification".into(), "confidential".into());
    let mut other = Resource::new(
        "arn:aws:s3:::acme-other",
        "aws_s3_bucket",
        ACCOUNT,
        REGION,
        "acme-other",
    );
    other
        .tags
        .insert("data-classification".into(), "confidential".into());
    snap.resources.extend([data, other, account(Value::Null)]);
    let context = plumb_context::Context::compute(&snap, &settings());
    let targets: Vec<(&str, plumb_context::Impact)> = context
        .paths
        .iter()
        .map(|p| (p.target.as_str(), p.impact))
        .collect();
    assert_eq!(
        targets,
        [(
            "arn:aws:s3:::acme-data",
            plumb_context::Impact::ReadsSensitive
        )]
    );
    // The same instance behind a NACL that closes 22 leads nowhere.
    let mut closed = snap.clone();
    let acl = closed
        .resources
        .iter_mut()
        .find(|r| r.kind == "aws_network_acl")
        .unwrap();
    acl.props["entries"][0]["port_range"] = json!({"from": 80, "to": 80});
    let context = plumb_context::Context::compute(&closed, &settings());
    assert!(context.paths.is_empty(), "{:?}", context.paths);
}

#[test]
fn a_role_that_may_assume_a_trusting_role_of_another_account_is_a_path_there() {
    let mut snap = with_role(
        public_instance(vec![allow(100, 22, 22)]),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}),
    );
    let theirs = "arn:aws:iam::444455556666:role/deploy";
    let mut trusting = Resource::new(theirs, "aws_iam_role", "444455556666", "global", "deploy");
    trusting.props = json!({"arn": theirs, "role_name": "deploy",
        "assume_role_policy_document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "sts:AssumeRole"}]},
        "inline_policies": [], "attached_policies": []});
    let stranger = "arn:aws:iam::777788889999:role/other";
    let mut unrelated = Resource::new(stranger, "aws_iam_role", "777788889999", "global", "other");
    unrelated.props = json!({"arn": stranger, "role_name": "other",
        "assume_role_policy_document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::777788889999:root"}, "Action": "sts:AssumeRole"}]},
        "inline_policies": [], "attached_policies": []});
    snap.resources.extend([trusting, unrelated]);
    let context = plumb_context::Context::compute(&snap, &settings());
    let cross: Vec<&str> = context
        .paths
        .iter()
        .filter(|p| p.impact == plumb_context::Impact::CrossAccount)
        .map(|p| p.target.as_str())
        .collect();
    assert_eq!(cross, [theirs]);
}
