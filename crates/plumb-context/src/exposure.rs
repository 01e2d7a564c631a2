//! Internet exposure: which resources the internet can reach, on which
//! ports, and the path that proves it.
//!
//! For compute in a VPC the path is internet → internet gateway → route
//! table (a default route to the gateway) → subnet → network ACL (inbound
//! from anywhere, and the ephemeral ports of the return traffic outbound)
//! → security group (inbound from anywhere) → the interface, instance, load
//! balancer or database, which needs a public address (an instance's public
//! IP or Elastic IP, an internet-facing load balancer, a publicly
//! accessible database). Instances registered behind an internet-facing
//! load balancer are reached through it on their target port. Data shared
//! by policy is reached without a network path: public buckets (policy or
//! ACL, unless a public access block of the bucket or the account stops
//! it), public EBS and RDS snapshots and AMIs, Lambda function URLs without
//! authentication and public function policies, public SNS topics and SQS
//! queues.
//!
//! Rules name "the internet" only when their range is everything
//! (`0.0.0.0/0` or `::/0`): a rule for a narrower range admits some
//! addresses, not the internet at large. A network ACL's entries are
//! applied in rule-number order; the first that matches a port decides.
//!
//! Fail closed: a resource with a public address whose subnet, route table,
//! network ACL or security groups were not collected is not called safe; it
//! is listed as undetermined with the reason.

use std::collections::{BTreeMap, HashMap};

use plumb_checks::helpers::policy_is_public;
use plumb_model::{Relation, Resource};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ports::{protocols, PortRange, Ports};
use crate::Index;

/// The uid used for the internet in paths.
pub const INTERNET: &str = "internet";

/// A resource the internet reaches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exposure {
    /// The resource.
    pub uid: String,
    /// Its kind.
    pub kind: String,
    /// The ports reached; empty for data shared through an API (a public
    /// snapshot).
    pub ports: Vec<PortRange>,
    /// The proof, hop by hop: `internet`, then uids.
    pub path: Vec<String>,
    /// One line: why.
    pub reason: String,
}

/// A resource whose exposure could not be decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Undetermined {
    /// The resource.
    pub uid: String,
    /// Its kind.
    pub kind: String,
    /// What is missing.
    pub reason: String,
}

/// What the internet reaches in a snapshot.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExposureMap {
    /// Exposed resources, by uid.
    pub exposed: Vec<Exposure>,
    /// Resources with a public address or policy whose exposure could not
    /// be decided, by uid.
    pub undetermined: Vec<Undetermined>,
}

impl ExposureMap {
    /// The exposure of a resource, if it is exposed.
    pub fn of(&self, uid: &str) -> Option<&Exposure> {
        self.exposed
            .binary_search_by(|e| e.uid.as_str().cmp(uid))
            .ok()
            .map(|i| &self.exposed[i])
    }
}

fn text<'a>(r: &'a Resource, field: &str) -> Option<&'a str> {
    r.props.get(field).and_then(Value::as_str)
}

fn list(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn port(v: Option<&Value>) -> Option<u16> {
    v.and_then(Value::as_i64)
        .and_then(|p| u16::try_from(p).ok())
}

fn world(cidr: Option<&str>) -> bool {
    matches!(cidr, Some("0.0.0.0/0" | "::/0"))
}

/// The VPC plumbing of a snapshot, indexed by account and id.
struct Net<'a> {
    /// Explicit route table of a subnet; main route table of a VPC.
    subnet_table: HashMap<(&'a str, &'a str), &'a Resource>,
    main_table: HashMap<(&'a str, &'a str), &'a Resource>,
    /// Explicit network ACL of a subnet; default ACL of a VPC.
    subnet_acl: HashMap<(&'a str, &'a str), &'a Resource>,
    default_acl: HashMap<(&'a str, &'a str), &'a Resource>,
}

/// A network path from the internet to a subnet's resource: the ports it
/// lets through and the hops.
struct Reach {
    ports: Ports,
    hops: Vec<String>,
}

impl<'a> Net<'a> {
    fn new(index: &Index<'a>) -> Self {
        let mut net = Net {
            subnet_table: HashMap::new(),
            main_table: HashMap::new(),
            subnet_acl: HashMap::new(),
            default_acl: HashMap::new(),
        };
        for rt in index.kind("aws_route_table") {
            for a in list(rt.props.get("associations")) {
                if a.get("main").and_then(Value::as_bool) == Some(true) {
                    if let Some(vpc) = text(rt, "vpc_id") {
                        net.main_table.insert((rt.account.as_str(), vpc), rt);
                    }
                }
                if let Some(subnet) = a.get("subnet_id").and_then(Value::as_str) {
                    net.subnet_table.insert((rt.account.as_str(), subnet), rt);
                }
            }
        }
        for acl in index.kind("aws_network_acl") {
            if acl.props.get("is_default").and_then(Value::as_bool) == Some(true) {
                if let Some(vpc) = text(acl, "vpc_id") {
                    net.default_acl.insert((acl.account.as_str(), vpc), acl);
                }
            }
            for a in list(acl.props.get("associations")) {
                if let Some(subnet) = a.get("subnet_id").and_then(Value::as_str) {
                    net.subnet_acl.insert((acl.account.as_str(), subnet), acl);
                }
            }
        }
        net
    }

    /// The path from the internet into `subnet_id` of `owner`'s account
    /// through the security groups `groups` (none: no security group, all
    /// ports), for the ports in `wanted`. `Ok(None)`: no path.
    fn reach(
        &self,
        index: &Index<'a>,
        owner: &Resource,
        subnet_id: &str,
        groups: Option<&[&str]>,
        wanted: &Ports,
    ) -> Result<Option<Reach>, String> {
        let account = owner.account.as_str();
        let missing = |what: String| match index.gap(account, &owner.region, "ec2") {
            Some(gap) => format!("{what} ({gap})"),
            None => what,
        };
        let subnet = index
            .by_id(account, subnet_id)
            .ok_or_else(|| missing(format!("subnet {subnet_id} is not in the snapshot")))?;
        let vpc = text(subnet, "vpc_id").unwrap_or_default();
        let table = self
            .subnet_table
            .get(&(account, subnet_id))
            .or_else(|| self.main_table.get(&(account, vpc)))
            .ok_or_else(|| {
                missing(format!(
                    "no route table of subnet {subnet_id} was collected"
                ))
            })?;
        let Some(gateway) = list(table.props.get("routes")).iter().find_map(|route| {
            let default = world(route.get("destination_cidr_block").and_then(Value::as_str))
                || world(
                    route
                        .get("destination_ipv6_cidr_block")
                        .and_then(Value::as_str),
                );
            let active = route.get("state").and_then(Value::as_str) != Some("blackhole");
            let igw = route
                .get("gateway_id")
                .and_then(Value::as_str)
                .filter(|g| g.starts_with("igw-"));
            (default && active).then_some(igw).flatten()
        }) else {
            return Ok(None);
        };
        let acl = self
            .subnet_acl
            .get(&(account, subnet_id))
            .or_else(|| self.default_acl.get(&(account, vpc)))
            .ok_or_else(|| {
                missing(format!(
                    "no network ACL of subnet {subnet_id} was collected"
                ))
            })?;
        let inbound = acl_allows(acl, false);
        // The replies leave on the client's ephemeral port.
        let mut ephemeral = Ports::default();
        ephemeral.add("tcp", 1024, u16::MAX);
        ephemeral.add("udp", 1024, u16::MAX);
        ephemeral.add("icmp", 0, 0);
        let replies = acl_allows(acl, true).intersect(&ephemeral);
        let mut ports = wanted.intersect(&inbound);
        for proto in ["tcp", "udp", "icmp"] {
            if replies.of(proto).is_empty() {
                let mut drop = Ports::default();
                drop.add(proto, 0, u16::MAX);
                ports = ports.subtract(&drop);
            }
        }
        let mut guards = Vec::new();
        if let Some(groups) = groups {
            let mut allowed = Ports::default();
            let mut found = 0;
            for id in groups {
                let Some(sg) = index.by_id(account, id) else {
                    continue;
                };
                found += 1;
                let open = sg_allows(sg);
                if !open.intersect(&ports).is_empty() {
                    guards.push(sg.uid.clone());
                }
                allowed = allowed.union(&open);
            }
            if found < groups.len() {
                return Err(missing(format!(
                    "security groups {} are not all in the snapshot",
                    groups.join(", ")
                )));
            }
            ports = ports.intersect(&allowed);
        }
        if ports.is_empty() {
            return Ok(None);
        }
        let gateway_uid = index
            .by_id(account, gateway)
            .map(|g| g.uid.clone())
            .unwrap_or_else(|| gateway.to_string());
        let mut hops = vec![
            INTERNET.to_string(),
            gateway_uid,
            table.uid.clone(),
            subnet.uid.clone(),
            acl.uid.clone(),
        ];
        hops.extend(guards);
        Ok(Some(Reach { ports, hops }))
    }

    /// The best reach through any of `subnets`.
    fn reach_any(
        &self,
        index: &Index<'a>,
        owner: &Resource,
        subnets: &[&str],
        groups: Option<&[&str]>,
        wanted: &Ports,
    ) -> Result<Option<Reach>, String> {
        let mut best: Option<Reach> = None;
        let mut problem = None;
        for subnet in subnets {
            match self.reach(index, owner, subnet, groups, wanted) {
                Ok(Some(r)) => {
                    best = Some(match best {
                        Some(mut b) => {
                            b.ports = b.ports.union(&r.ports);
                            b
                        }
                        None => r,
                    })
                }
                Ok(None) => {}
                Err(e) => problem = Some(e),
            }
        }
        match (best, problem) {
            (Some(b), _) => Ok(Some(b)),
            (None, Some(e)) => Err(e),
            (None, None) => Ok(None),
        }
    }
}

/// The ports a network ACL lets through from (or, `egress`, to) anywhere:
/// entries in rule-number order, the first match deciding each port.
fn acl_allows(acl: &Resource, egress: bool) -> Ports {
    let mut entries: Vec<&Value> = list(acl.props.get("entries"))
        .iter()
        .filter(|e| e.get("egress").and_then(Value::as_bool) == Some(egress))
        .filter(|e| {
            world(e.get("cidr_block").and_then(Value::as_str))
                || world(e.get("ipv6_cidr_block").and_then(Value::as_str))
        })
        .collect();
    entries.sort_by_key(|e| {
        e.get("rule_number")
            .and_then(Value::as_i64)
            .unwrap_or(i64::MAX)
    });
    let mut undecided = Ports::all();
    let mut allowed = Ports::default();
    for e in entries {
        let mut range = Ports::default();
        let protos = protocols(e.get("protocol").and_then(Value::as_str).unwrap_or(""));
        let span = e.get("port_range").filter(|p| !p.is_null());
        let (from, to) = match span {
            Some(p) => (
                port(p.get("from")).unwrap_or(0),
                port(p.get("to")).unwrap_or(u16::MAX),
            ),
            None => (0, u16::MAX),
        };
        for proto in protos {
            range.add(proto, from, to);
        }
        let decided = undecided.intersect(&range);
        if e.get("rule_action").and_then(Value::as_str) == Some("allow") {
            allowed = allowed.union(&decided);
        }
        undecided = undecided.subtract(&decided);
    }
    allowed
}

/// The ports a security group opens to anywhere.
fn sg_allows(sg: &Resource) -> Ports {
    let mut open = Ports::default();
    for rule in list(sg.props.get("ip_permissions")) {
        let from_anywhere = list(rule.get("ip_ranges"))
            .iter()
            .any(|r| world(r.get("cidr_ip").and_then(Value::as_str)))
            || list(rule.get("ipv6_ranges"))
                .iter()
                .any(|r| world(r.get("cidr_ipv6").and_then(Value::as_str)));
        if !from_anywhere {
            continue;
        }
        let proto = rule
            .get("ip_protocol")
            .and_then(Value::as_str)
            .unwrap_or("");
        let all = proto == "-1";
        let from = port(rule.get("from_port")).filter(|_| !all).unwrap_or(0);
        let to = port(rule.get("to_port"))
            .filter(|_| !all)
            .unwrap_or(u16::MAX);
        for p in protocols(proto) {
            open.add(p, from, to);
        }
    }
    open
}

fn strs(v: Option<&Value>) -> Vec<&str> {
    list(v).iter().filter_map(Value::as_str).collect()
}

/// Computes what the internet reaches in the indexed snapshot.
pub fn exposure(index: &Index) -> ExposureMap {
    let net = Net::new(index);
    let mut exposed: BTreeMap<String, Exposure> = BTreeMap::new();
    let mut undetermined: BTreeMap<String, Undetermined> = BTreeMap::new();
    let mut expose = |r: &Resource, ports: &Ports, path: Vec<String>, reason: String| {
        let entry = exposed.entry(r.uid.clone()).or_insert_with(|| Exposure {
            uid: r.uid.clone(),
            kind: r.kind.clone(),
            ports: Vec::new(),
            path,
            reason,
        });
        let mut all = Ports::default();
        for p in &entry.ports {
            for proto in protocols(&p.protocol) {
                all.add(proto, p.from, p.to);
            }
        }
        entry.ports = all.union(ports).ranges();
    };
    let mut unknown = |r: &Resource, reason: String| {
        undetermined.insert(
            r.uid.clone(),
            Undetermined {
                uid: r.uid.clone(),
                kind: r.kind.clone(),
                reason,
            },
        );
    };

    // Instances with a public address.
    for i in index.kind("aws_instance") {
        if matches!(
            text(i, "state"),
            Some("stopped" | "stopping" | "terminated" | "shutting-down")
        ) {
            continue;
        }
        let eip = index
            .into(&i.uid, Relation::AttachedTo)
            .filter_map(|u| index.get(u))
            .find(|r| r.kind == "aws_eip");
        let public = text(i, "public_ip_address")
            .map(str::to_string)
            .or_else(|| eip.and_then(|e| text(e, "public_ip")).map(str::to_string));
        let Some(address) = public else { continue };
        let Some(subnet) = text(i, "subnet_id") else {
            continue;
        };
        let groups = strs(i.props.get("security_groups"));
        match net.reach(index, i, subnet, Some(&groups), &Ports::all()) {
            Ok(Some(reach)) => {
                let mut path = reach.hops;
                path.push(i.uid.clone());
                let reason = format!("public address {address}, open on {}", reach.ports);
                expose(i, &reach.ports, path, reason);
            }
            Ok(None) => {}
            Err(e) => unknown(i, e),
        }
    }

    // Interfaces with a public address that no collected instance owns.
    for eni in index.kind("aws_network_interface") {
        let Some(address) = eni
            .props
            .get("association")
            .and_then(|a| a.get("public_ip"))
            .and_then(Value::as_str)
        else {
            continue;
        };
        let owner = eni
            .props
            .get("attachment")
            .and_then(|a| a.get("instance_id"))
            .and_then(Value::as_str);
        if owner.is_some_and(|id| index.by_id(&eni.account, id).is_some()) {
            continue;
        }
        let Some(subnet) = text(eni, "subnet_id") else {
            continue;
        };
        let groups = strs(eni.props.get("groups"));
        match net.reach(index, eni, subnet, Some(&groups), &Ports::all()) {
            Ok(Some(reach)) => {
                let mut path = reach.hops;
                path.push(eni.uid.clone());
                let reason = format!("public address {address}, open on {}", reach.ports);
                expose(eni, &reach.ports, path, reason);
            }
            Ok(None) => {}
            Err(e) => unknown(eni, e),
        }
    }

    // Internet-facing load balancers, and the instances behind them.
    for lb in index.kind("aws_lb") {
        if text(lb, "scheme") != Some("internet-facing") {
            continue;
        }
        let arn = text(lb, "load_balancer_arn").unwrap_or(&lb.uid);
        let listeners: Vec<&Resource> = index
            .kind("aws_lb_listener")
            .iter()
            .copied()
            .filter(|l| l.account == lb.account && text(l, "load_balancer_arn") == Some(arn))
            .collect();
        let mut wanted = Ports::default();
        for l in &listeners {
            if let Some(p) = port(l.props.get("port")) {
                let protocol = text(l, "protocol").unwrap_or("TCP").to_ascii_uppercase();
                if protocol.contains("UDP") {
                    wanted.add("udp", p, p);
                }
                if protocol != "UDP" {
                    wanted.add("tcp", p, p);
                }
            }
        }
        let subnets: Vec<&str> = list(lb.props.get("availability_zones"))
            .iter()
            .filter_map(|z| z.get("subnet_id").and_then(Value::as_str))
            .collect();
        let groups = strs(lb.props.get("security_groups"));
        let groups = (!groups.is_empty()).then_some(groups.as_slice());
        let reach = match net.reach_any(index, lb, &subnets, groups, &wanted) {
            Ok(Some(reach)) => reach,
            Ok(None) => continue,
            Err(e) => {
                unknown(lb, e);
                continue;
            }
        };
        let mut path = reach.hops.clone();
        path.push(lb.uid.clone());
        expose(
            lb,
            &reach.ports,
            path.clone(),
            format!(
                "internet-facing load balancer, listening on {}",
                reach.ports
            ),
        );
        for l in &listeners {
            let Some(listener_port) = port(l.props.get("port")) else {
                continue;
            };
            if reach
                .ports
                .of("tcp")
                .iter()
                .chain(reach.ports.of("udp"))
                .all(|&(a, b)| listener_port < a || listener_port > b)
            {
                continue;
            }
            let mut groups: Vec<&str> = list(l.props.get("default_actions"))
                .iter()
                .filter_map(|a| a.get("target_group_arn").and_then(Value::as_str))
                .collect();
            groups.extend(index.out(&l.uid, Relation::RoutesTo));
            groups.sort_unstable();
            groups.dedup();
            for tg_arn in groups {
                let Some(tg) = index
                    .get(tg_arn)
                    .or_else(|| index.by_id(&lb.account, tg_arn))
                else {
                    continue;
                };
                for target in list(tg.props.get("targets")) {
                    let Some(id) = target.get("id").and_then(Value::as_str) else {
                        continue;
                    };
                    let Some(instance) = index.by_id(&lb.account, id) else {
                        continue;
                    };
                    let Some(p) = port(target.get("port")).or_else(|| port(tg.props.get("port")))
                    else {
                        continue;
                    };
                    let mut ports = Ports::default();
                    ports.add("tcp", p, p);
                    let mut hops = path.clone();
                    hops.extend([l.uid.clone(), tg.uid.clone(), instance.uid.clone()]);
                    expose(
                        instance,
                        &ports,
                        hops,
                        format!(
                            "behind internet-facing load balancer {} (listener {listener_port} → tcp/{p})",
                            lb.name
                        ),
                    );
                }
            }
        }
    }

    // Publicly accessible databases.
    for db in index.kind("aws_db_instance") {
        if db.props.get("publicly_accessible").and_then(Value::as_bool) != Some(true) {
            continue;
        }
        let subnets: Vec<&str> = db
            .props
            .get("db_subnet_group")
            .map(|g| list(g.get("subnets")))
            .unwrap_or(&[])
            .iter()
            .filter_map(|s| s.get("subnet_identifier").and_then(Value::as_str))
            .collect();
        let groups: Vec<&str> = list(db.props.get("vpc_security_groups"))
            .iter()
            .filter_map(|g| g.get("vpc_security_group_id").and_then(Value::as_str))
            .collect();
        let mut wanted = Ports::default();
        match port(db.props.get("endpoint").and_then(|e| e.get("port"))) {
            Some(p) => wanted.add("tcp", p, p),
            None => wanted.add("tcp", 0, u16::MAX),
        }
        match net.reach_any(index, db, &subnets, Some(&groups), &wanted) {
            Ok(Some(reach)) => {
                let mut path = reach.hops;
                path.push(db.uid.clone());
                let reason = format!("publicly accessible database, open on {}", reach.ports);
                expose(db, &reach.ports, path, reason);
            }
            Ok(None) => {}
            Err(e) => unknown(db, e),
        }
    }

    // Data shared by policy, ACL or attribute.
    let mut https = Ports::default();
    https.add("tcp", 443, 443);
    for b in index.kind("aws_s3_bucket") {
        match bucket_public(index, b) {
            Ok(Some(reason)) => expose(b, &https, vec![INTERNET.into(), b.uid.clone()], reason),
            Ok(None) => {}
            Err(e) => unknown(b, e),
        }
    }
    let none = Ports::default();
    for kind in [
        "aws_ebs_snapshot",
        "aws_ami",
        "aws_db_snapshot",
        "aws_db_cluster_snapshot",
    ] {
        for s in index.kind(kind) {
            if s.props.get("public").and_then(Value::as_bool) == Some(true) {
                let reason = "shared with every AWS account".to_string();
                expose(s, &none, vec![INTERNET.into(), s.uid.clone()], reason);
            }
        }
    }
    for f in index.kind("aws_lambda_function") {
        let open_url = list(f.props.get("function_url_configs"))
            .iter()
            .find(|u| u.get("auth_type").and_then(Value::as_str) == Some("NONE"));
        if let Some(url) = open_url {
            let at = url
                .get("function_url")
                .and_then(Value::as_str)
                .unwrap_or("its URL");
            let reason = format!("function URL without authentication: {at}");
            expose(f, &https, vec![INTERNET.into(), f.uid.clone()], reason);
        } else if f.props.get("policy").is_some_and(policy_is_public) {
            let reason = "resource policy lets anyone invoke it".to_string();
            expose(f, &https, vec![INTERNET.into(), f.uid.clone()], reason);
        }
    }
    for kind in ["aws_sns_topic", "aws_sqs_queue"] {
        for q in index.kind(kind) {
            if q.props.get("policy").is_some_and(policy_is_public) {
                let reason = "resource policy lets anyone in".to_string();
                expose(q, &https, vec![INTERNET.into(), q.uid.clone()], reason);
            }
        }
    }

    ExposureMap {
        exposed: exposed.into_values().collect(),
        undetermined: undetermined.into_values().collect(),
    }
}

/// Why a bucket is public, if it is: a public policy that neither the
/// bucket's nor the account's public access block restricts, or an ACL
/// grant to everyone they do not make ignored. An error when a setting
/// that decides it was not collected.
fn bucket_public(index: &Index, b: &Resource) -> Result<Option<String>, String> {
    let flag = |block: Option<&Value>, name: &str| {
        block
            .and_then(|p| p.get(name))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    // An absent field was not collected; null means not configured.
    let known = |field: &str| b.props.get(field).is_some();
    let account = index
        .kind("aws_account")
        .iter()
        .find(|a| a.account == b.account)
        .and_then(|a| a.props.get("s3_public_access_block"));
    let bucket_block = b.props.get("public_access_block");
    let restricted = |name: &str| flag(bucket_block, name) || flag(account, name);
    let undecided = |name: &str| {
        if !flag(bucket_block, name) && account.is_none() {
            Err("the account's S3 public access block was not collected".to_string())
        } else if !known("public_access_block") {
            Err("the bucket's public access block was not collected".to_string())
        } else {
            Ok(())
        }
    };

    let by_policy = b
        .props
        .get("policy")
        .filter(|p| !p.is_null())
        .is_some_and(policy_is_public);
    if by_policy && !restricted("restrict_public_buckets") {
        undecided("restrict_public_buckets")?;
        return Ok(Some("bucket policy lets anyone in".into()));
    }
    let by_acl = list(b.props.get("acl").and_then(|a| a.get("grants")))
        .iter()
        .any(|g| {
            let uri = g.get("grantee_uri").and_then(Value::as_str).unwrap_or("");
            uri.ends_with("/global/AllUsers") || uri.ends_with("/global/AuthenticatedUsers")
        });
    if by_acl && !restricted("ignore_public_acls") {
        undecided("ignore_public_acls")?;
        return Ok(Some(
            "ACL grants access to all (authenticated) users".into(),
        ));
    }
    for field in ["policy", "acl"] {
        if !known(field) {
            return Err(format!("the bucket's {field} was not collected"));
        }
    }
    Ok(None)
}
