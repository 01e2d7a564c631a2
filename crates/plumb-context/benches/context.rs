//! Computes the context (exposure, sensitive data, IAM power, attack
//! paths) of a generated snapshot and prints the time of each part and the
//! peak memory: `cargo bench -p plumb-context --bench context --
//! --resources N` (default 1,000,000). The figures are recorded in
//! docs/performance.md.
//!
//! The estate is made of identical cells of 100 resources: a VPC with an
//! internet gateway, a public and a private subnet with their route tables
//! and network ACLs, four security groups (SSH and HTTPS open to the world,
//! two internal), 40 instances (a quarter with a public address, every
//! fifth open on SSH), their 40 volumes, 4 snapshots, 2 roles with their
//! instance profiles (one admin in every tenth cell, the other reading
//! `s3:GetObject` on its cell's buckets), a user, a managed policy, and 3
//! buckets; one bucket in a hundred cells is tagged confidential.

use std::time::Instant;

// The plumb binary's allocator, configured as it is.
#[global_allocator]
static ALLOCATOR: plumb_alloc::Allocator = plumb_alloc::Allocator;

use plumb_context::{attack_paths, exposure, iam, sensitive, Index, Settings};
use plumb_model::{Edge, Relation, Resource, Snapshot};
use serde_json::json;

const CELL: usize = 100;

fn main() {
    plumb_alloc::configure();
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .iter()
        .position(|a| a == "--resources")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let started = Instant::now();
    let snapshot = generate(n);
    eprintln!(
        "generated {} resources and {} edges in {:.2} s",
        snapshot.resources.len(),
        snapshot.edges.len(),
        started.elapsed().as_secs_f64()
    );
    let settings = Settings::parse(
        "bench.toml",
        "[sensitive]\ntags = { \"data-classification\" = [\"confidential\"] }\n",
    )
    .expect("settings");

    let t = Instant::now();
    let index = Index::new(&snapshot);
    let t_index = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let exposed = exposure(&index);
    let t_exposure = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let stores = sensitive(&index, &settings);
    let t_sensitive = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let uids = stores.iter().map(|s| s.uid.clone()).collect();
    let powers = iam::powers(&index, &settings, &uids);
    let t_powers = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let paths = attack_paths(&index, &exposed, &powers);
    let t_paths = t.elapsed().as_secs_f64();
    let total = t_index + t_exposure + t_sensitive + t_powers + t_paths;
    println!(
        "{{\"resources\": {}, \"exposed\": {}, \"undetermined\": {}, \"sensitive\": {}, \"principals\": {}, \"paths\": {}, \
         \"seconds\": {{\"index\": {t_index:.2}, \"exposure\": {t_exposure:.2}, \"sensitive\": {t_sensitive:.2}, \"powers\": {t_powers:.2}, \"paths\": {t_paths:.2}, \"total\": {total:.2}}}, \
         \"peak_rss_mib\": {}}}",
        snapshot.resources.len(),
        exposed.exposed.len(),
        exposed.undetermined.len(),
        stores.len(),
        powers.len(),
        paths.len(),
        peak_rss_mib()
    );
}

/// The process's peak resident memory, from /proc (0 where there is none).
fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb / 1024)
        .unwrap_or(0)
}

fn generate(n: usize) -> Snapshot {
    let cells = n.div_ceil(CELL);
    let mut resources = Vec::with_capacity(cells * CELL);
    let mut edges = Vec::with_capacity(cells * 120);
    let mut confidential = Vec::new();
    for c in 0..cells {
        let account = format!("{:012}", 100_000_000_000u64 + (c / 500) as u64);
        let region = ["us-east-1", "eu-west-1", "ap-southeast-2"][c % 3];
        let ec2 = |kind: &str, id: &str| format!("arn:aws:ec2:{region}:{account}:{kind}/{id}");
        let mut add = |kind: &str, uid: String, name: String, props: serde_json::Value| {
            let mut r = Resource::new(uid, kind, &account, region, name);
            r.props = props;
            resources.push(r);
        };
        let vpc = format!("vpc-{c:08x}");
        let igw = format!("igw-{c:08x}");
        let public = format!("subnet-{c:08x}a");
        let private = format!("subnet-{c:08x}b");
        add(
            "aws_vpc",
            ec2("vpc", &vpc),
            vpc.clone(),
            json!({"vpc_id": vpc}),
        );
        add(
            "aws_internet_gateway",
            ec2("internet-gateway", &igw),
            igw.clone(),
            json!({"internet_gateway_id": igw, "attachments": [{"vpc_id": vpc, "state": "available"}]}),
        );
        for subnet in [&public, &private] {
            add(
                "aws_subnet",
                ec2("subnet", subnet),
                subnet.clone(),
                json!({"subnet_id": subnet, "vpc_id": vpc}),
            );
        }
        add(
            "aws_route_table",
            ec2("route-table", &format!("rtb-{c:08x}a")),
            format!("rtb-{c:08x}a"),
            json!({"route_table_id": format!("rtb-{c:08x}a"), "vpc_id": vpc,
                   "associations": [{"subnet_id": public, "main": false}],
                   "routes": [{"destination_cidr_block": "10.0.0.0/16", "gateway_id": "local", "state": "active"},
                              {"destination_cidr_block": "0.0.0.0/0", "gateway_id": igw, "state": "active"}]}),
        );
        add(
            "aws_route_table",
            ec2("route-table", &format!("rtb-{c:08x}b")),
            format!("rtb-{c:08x}b"),
            json!({"route_table_id": format!("rtb-{c:08x}b"), "vpc_id": vpc,
                   "associations": [{"main": true}],
                   "routes": [{"destination_cidr_block": "10.0.0.0/16", "gateway_id": "local", "state": "active"}]}),
        );
        add(
            "aws_network_acl",
            ec2("network-acl", &format!("acl-{c:08x}a")),
            format!("acl-{c:08x}a"),
            json!({"network_acl_id": format!("acl-{c:08x}a"), "vpc_id": vpc, "is_default": true, "associations": [],
                   "entries": [
                       {"rule_number": 100, "egress": false, "protocol": "-1", "cidr_block": "0.0.0.0/0", "rule_action": "allow", "port_range": null},
                       {"rule_number": 100, "egress": true, "protocol": "-1", "cidr_block": "0.0.0.0/0", "rule_action": "allow", "port_range": null},
                       {"rule_number": 32767, "egress": false, "protocol": "-1", "cidr_block": "0.0.0.0/0", "rule_action": "deny", "port_range": null}]}),
        );
        add(
            "aws_network_acl",
            ec2("network-acl", &format!("acl-{c:08x}b")),
            format!("acl-{c:08x}b"),
            json!({"network_acl_id": format!("acl-{c:08x}b"), "vpc_id": vpc, "is_default": false,
                   "associations": [{"subnet_id": public}],
                   "entries": [
                       {"rule_number": 90, "egress": false, "protocol": "6", "cidr_block": "0.0.0.0/0", "rule_action": "deny", "port_range": {"from": 3389, "to": 3389}},
                       {"rule_number": 100, "egress": false, "protocol": "6", "cidr_block": "0.0.0.0/0", "rule_action": "allow", "port_range": {"from": 0, "to": 65535}},
                       {"rule_number": 100, "egress": true, "protocol": "6", "cidr_block": "0.0.0.0/0", "rule_action": "allow", "port_range": {"from": 1024, "to": 65535}},
                       {"rule_number": 32767, "egress": false, "protocol": "-1", "cidr_block": "0.0.0.0/0", "rule_action": "deny", "port_range": null}]}),
        );
        let open = |port: i64| {
            json!({"ip_protocol": "tcp", "from_port": port, "to_port": port,
                   "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}], "ipv6_ranges": []})
        };
        let internal = json!({"ip_protocol": "-1", "ip_ranges": [{"cidr_ip": "10.0.0.0/8"}], "ipv6_ranges": []});
        for (i, rules) in [
            json!([open(22)]),
            json!([open(443)]),
            json!([internal.clone()]),
            json!([internal.clone()]),
        ]
        .into_iter()
        .enumerate()
        {
            let id = format!("sg-{c:08x}{i}");
            add(
                "aws_security_group",
                ec2("security-group", &id),
                id.clone(),
                json!({"group_id": id, "vpc_id": vpc, "ip_permissions": rules}),
            );
        }
        // Identity: two roles with their profiles, a user and a policy.
        let iam = |kind: &str, name: &str| format!("arn:aws:iam::{account}:{kind}/{name}");
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        let buckets: Vec<String> = (0..3).map(|b| format!("cell-{c}-data-{b}")).collect();
        for r in 0..2 {
            let name = format!("app-{c}-{r}");
            let policy = if r == 0 && c % 10 == 0 {
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
            } else {
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                    "Resource": buckets.iter().map(|b| format!("arn:aws:s3:::{b}/*")).collect::<Vec<_>>()}]})
            };
            add(
                "aws_iam_role",
                iam("role", &name),
                name.clone(),
                json!({"arn": iam("role", &name), "role_name": name, "assume_role_policy_document": trust,
                       "inline_policies": [{"policy_name": "app", "policy_document": policy}], "attached_policies": []}),
            );
            add(
                "aws_iam_instance_profile",
                iam("instance-profile", &name),
                name.clone(),
                json!({"arn": iam("instance-profile", &name), "roles": [{"arn": iam("role", &name), "role_name": name}]}),
            );
            edges.push(Edge::new(
                iam("instance-profile", &name),
                Relation::Assumes,
                iam("role", &name),
            ));
        }
        let user = format!("dev-{c}");
        add(
            "aws_iam_user",
            iam("user", &user),
            user.clone(),
            json!({"arn": iam("user", &user), "user_name": user, "inline_policies": [], "attached_policies": [{"policy_arn": iam("policy", &format!("read-{c}"))}], "groups": []}),
        );
        add(
            "aws_iam_policy",
            iam("policy", &format!("read-{c}")),
            format!("read-{c}"),
            json!({"arn": iam("policy", &format!("read-{c}")), "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]}}),
        );
        edges.push(Edge::new(
            iam("user", &user),
            Relation::HasPolicy,
            iam("policy", &format!("read-{c}")),
        ));
        for (b, bucket) in buckets.iter().enumerate() {
            add(
                "aws_s3_bucket",
                format!("arn:aws:s3:::{bucket}"),
                bucket.clone(),
                json!({"name": bucket, "policy": null, "acl": {"grants": []},
                       "public_access_block": {"block_public_acls": true, "ignore_public_acls": true, "block_public_policy": true, "restrict_public_buckets": true}}),
            );
            if b == 0 && c % 100 == 0 {
                confidential.push(format!("arn:aws:s3:::{bucket}"));
            }
        }
        // Compute and storage.
        for i in 0..40 {
            let id = format!("i-{c:08x}{i:02}");
            let in_public = i % 2 == 0;
            let public_ip = in_public && i % 4 == 0;
            let sg = if i % 20 == 0 {
                format!("sg-{c:08x}0")
            } else if i % 4 == 0 {
                format!("sg-{c:08x}1")
            } else {
                format!("sg-{c:08x}2")
            };
            let profile = iam("instance-profile", &format!("app-{c}-{}", i % 2));
            add(
                "aws_instance",
                ec2("instance", &id),
                id.clone(),
                json!({"instance_id": id, "state": "running", "vpc_id": vpc,
                       "subnet_id": if in_public { &public } else { &private },
                       "public_ip_address": if public_ip { json!(format!("198.51.{}.{}", c % 250, i)) } else { json!(null) },
                       "security_groups": [sg], "iam_instance_profile": profile}),
            );
            edges.push(Edge::new(ec2("instance", &id), Relation::Uses, profile));
            edges.push(Edge::new(
                ec2("instance", &id),
                Relation::ProtectedBy,
                ec2("security-group", &sg),
            ));
            let vol = format!("vol-{c:08x}{i:02}");
            add(
                "aws_ebs_volume",
                ec2("volume", &vol),
                vol.clone(),
                json!({"volume_id": vol, "encrypted": i % 3 != 0}),
            );
            edges.push(Edge::new(
                ec2("instance", &id),
                Relation::Uses,
                ec2("volume", &vol),
            ));
        }
        for s in 0..4 {
            let id = format!("snap-{c:08x}{s}");
            add(
                "aws_ebs_snapshot",
                ec2("snapshot", &id),
                id.clone(),
                json!({"snapshot_id": id, "public": c % 50 == 0 && s == 0}),
            );
        }
    }
    let confidential: std::collections::HashSet<String> = confidential.into_iter().collect();
    for r in resources
        .iter_mut()
        .filter(|r| confidential.contains(&r.uid))
    {
        r.tags
            .insert("data-classification".into(), "confidential".into());
    }
    resources.truncate(n.max(1));
    Snapshot {
        id: 1,
        resources,
        edges,
        ..Snapshot::default()
    }
}
