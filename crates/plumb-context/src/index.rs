//! One index over a snapshot's resources and edges, built once and shared
//! by every analysis: resources by uid and by kind, edges out of and into
//! each resource, and what was collected.

use std::collections::HashMap;

use plumb_model::{CoverageStatus, Edge, Relation, Resource, Snapshot};

/// A snapshot, indexed.
pub struct Index<'a> {
    /// The snapshot.
    pub snapshot: &'a Snapshot,
    by_uid: HashMap<&'a str, &'a Resource>,
    by_kind: HashMap<&'a str, Vec<&'a Resource>>,
    out: HashMap<&'a str, Vec<&'a Edge>>,
    into: HashMap<&'a str, Vec<&'a Edge>>,
    /// Resources by a short id their neighbours name them with in props
    /// (`sg-…`, `subnet-…`, `igw-…`, a role's ARN…), per account.
    by_id: HashMap<(&'a str, &'a str), &'a Resource>,
}

/// The props fields that hold a resource's short id, by kind.
const ID_FIELDS: &[(&str, &str)] = &[
    ("aws_instance", "instance_id"),
    ("aws_network_interface", "network_interface_id"),
    ("aws_subnet", "subnet_id"),
    ("aws_vpc", "vpc_id"),
    ("aws_security_group", "group_id"),
    ("aws_network_acl", "network_acl_id"),
    ("aws_route_table", "route_table_id"),
    ("aws_internet_gateway", "internet_gateway_id"),
    ("aws_nat_gateway", "nat_gateway_id"),
    ("aws_db_instance", "db_instance_identifier"),
    ("aws_rds_cluster", "db_cluster_identifier"),
    ("aws_lb", "load_balancer_arn"),
    ("aws_lb_listener", "listener_arn"),
    ("aws_lb_target_group", "target_group_arn"),
    ("aws_iam_role", "arn"),
    ("aws_iam_user", "arn"),
    ("aws_iam_group", "group_name"),
    ("aws_iam_instance_profile", "arn"),
    ("aws_iam_policy", "arn"),
];

impl<'a> Index<'a> {
    /// Indexes `snapshot`.
    pub fn new(snapshot: &'a Snapshot) -> Self {
        let mut by_uid = HashMap::with_capacity(snapshot.resources.len());
        let mut by_kind: HashMap<&str, Vec<&Resource>> = HashMap::new();
        let mut by_id = HashMap::new();
        for r in &snapshot.resources {
            by_uid.insert(r.uid.as_str(), r);
            by_kind.entry(r.kind.as_str()).or_default().push(r);
            if let Some((_, field)) = ID_FIELDS.iter().find(|(k, _)| *k == r.kind) {
                if let Some(id) = r.props.get(*field).and_then(|v| v.as_str()) {
                    by_id.insert((r.account.as_str(), id), r);
                }
            }
        }
        let mut out: HashMap<&str, Vec<&Edge>> = HashMap::new();
        let mut into: HashMap<&str, Vec<&Edge>> = HashMap::new();
        for e in &snapshot.edges {
            out.entry(e.from.as_str()).or_default().push(e);
            into.entry(e.to.as_str()).or_default().push(e);
        }
        Index {
            snapshot,
            by_uid,
            by_kind,
            out,
            into,
            by_id,
        }
    }

    /// The resource with this uid.
    pub fn get(&self, uid: &str) -> Option<&'a Resource> {
        self.by_uid.get(uid).copied()
    }

    /// The resource of `account` whose short id (or ARN, for IAM) is `id`.
    pub fn by_id(&self, account: &str, id: &str) -> Option<&'a Resource> {
        self.by_id.get(&(account, id)).copied()
    }

    /// Every resource of a kind.
    pub fn kind(&self, kind: &str) -> &[&'a Resource] {
        self.by_kind.get(kind).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The targets of `uid`'s edges of `relation`.
    pub fn out(&self, uid: &str, relation: Relation) -> impl Iterator<Item = &'a str> + '_ {
        self.out
            .get(uid)
            .into_iter()
            .flatten()
            .filter(move |e| e.relation == relation)
            .map(|e| e.to.as_str())
    }

    /// The sources of edges of `relation` into `uid`.
    pub fn into(&self, uid: &str, relation: Relation) -> impl Iterator<Item = &'a str> + '_ {
        self.into
            .get(uid)
            .into_iter()
            .flatten()
            .filter(move |e| e.relation == relation)
            .map(|e| e.from.as_str())
    }

    /// The resources `uid`'s edges of `relation` lead to, of `kind`.
    pub fn related(&self, uid: &str, relation: Relation, kind: &str) -> Vec<&'a Resource> {
        self.out(uid, relation)
            .filter_map(|to| self.get(to))
            .filter(|r| r.kind == kind)
            .collect()
    }

    /// The resources of `kind` whose edges of `relation` lead to `uid`.
    pub fn referrers(&self, uid: &str, relation: Relation, kind: &str) -> Vec<&'a Resource> {
        self.into(uid, relation)
            .filter_map(|from| self.get(from))
            .filter(|r| r.kind == kind)
            .collect()
    }

    /// Why `service` in `account` and `region` was not (fully) collected:
    /// `None` when it was. A region of `global` also accepts the unit of
    /// any region, as global services are.
    pub fn gap(&self, account: &str, region: &str, service: &str) -> Option<String> {
        let units: Vec<_> = self
            .snapshot
            .coverage
            .iter()
            .filter(|c| c.account == account && c.service == service)
            .filter(|c| c.region == region || c.region == "global" || region == "global")
            .collect();
        if units.is_empty() {
            return Some(format!("{service} was not collected in {account}/{region}"));
        }
        units
            .iter()
            .find(|c| c.status == CoverageStatus::Error)
            .map(|c| {
                format!(
                    "{service} in {account}/{}: {}",
                    c.region,
                    c.error.as_deref().unwrap_or("collection failed")
                )
            })
    }
}
