//! What each IAM principal can do: whether it is admin, which
//! privilege-escalation sets it holds, which sensitive data stores it can
//! read or write, and (for roles) who outside may assume it. Users and
//! roles are judged from their identity policies (inline, attached, their
//! groups', bounded by a permissions boundary); instance profiles and
//! Lambda functions have the power of the roles they assume. Attack paths
//! ask the same questions of any principal through [`policies`] and
//! [`can`]; the risk score weighs what a finding's resource can reach.
//!
//! The evaluation over-estimates rather than under-estimates power (see
//! [`Policies`]): conditions on an `Allow` are assumed met, conditions on a
//! `Deny` are assumed unmet. Only identity policies are read: bucket
//! policies, EFS file system policies, SCPs and session policies could
//! narrow or widen what is reported, and are another analysis's concern.

mod aws_managed;
mod policy;
mod trust;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use plumb_model::{Relation, Resource};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use policy::{Decision, Policies};
pub use trust::Trust;

use crate::{Index, Settings};

/// What one principal can do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Power {
    /// The principal's uid.
    pub principal: String,
    /// Its kind: `aws_iam_user`, `aws_iam_role`, `aws_iam_instance_profile`
    /// or `aws_lambda_function`.
    pub kind: String,
    /// Whether it may do every action on every resource, with no
    /// unconditional `Deny` taking part of it away (`AdministratorAccess`,
    /// or an `Allow` of `*` on `*`). `iam:*` alone is not admin: it is
    /// every IAM escalation set.
    pub admin: bool,
    /// The privilege-escalation sets it holds, in the order of
    /// [`ESCALATIONS`]. Empty for an admin, which holds them all and has
    /// nothing to escalate to.
    pub escalation: Vec<Escalation>,
    /// The sensitive data stores it can read, by uid, sorted.
    pub reads: Vec<String>,
    /// The sensitive data stores it can write or delete, by uid, sorted.
    pub writes: Vec<String>,
    /// For roles: every AWS account or principal and federated identity
    /// provider the trust policy lets assume the role (service principals
    /// are not listed), sorted.
    pub trusted_by: Vec<Trust>,
    /// One line per conclusion, naming the policy and statement behind it,
    /// then what was skipped or assumed while reading the policies.
    pub reasons: Vec<String>,
}

/// A set of actions that together let a principal raise its own power.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    /// The set's name: its actions without their service, joined by `+`
    /// (`PassRole+RunInstances`).
    pub name: String,
    /// The actions (`iam:PassRole`, `ec2:RunInstances`).
    pub actions: Vec<String>,
}

/// The privilege-escalation sets looked for, after Rhino Security Labs'
/// list of AWS IAM escalation methods. A principal holds a set when each
/// action is allowed on some resource.
pub const ESCALATIONS: &[&[&str]] = &[
    &["iam:PassRole", "ec2:RunInstances"],
    &[
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:InvokeFunction",
    ],
    &[
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:CreateEventSourceMapping",
    ],
    &["iam:PassRole", "cloudformation:CreateStack"],
    &["iam:PassRole", "glue:CreateDevEndpoint"],
    &["iam:CreatePolicyVersion"],
    &["iam:SetDefaultPolicyVersion"],
    &["iam:AttachUserPolicy"],
    &["iam:AttachGroupPolicy"],
    &["iam:AttachRolePolicy"],
    &["iam:PutUserPolicy"],
    &["iam:PutGroupPolicy"],
    &["iam:PutRolePolicy"],
    &["iam:CreateAccessKey"],
    &["iam:CreateLoginProfile"],
    &["iam:UpdateLoginProfile"],
    &["iam:AddUserToGroup"],
    &["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
    &["lambda:UpdateFunctionCode"],
];

/// The power of every principal of the snapshot (users, roles, instance
/// profiles, Lambda functions), sorted by uid. `sensitive` holds the uids
/// of the sensitive data stores whose access is reported.
pub fn powers(index: &Index, settings: &Settings, sensitive: &BTreeSet<String>) -> Vec<Power> {
    // What reading and writing each sensitive store means, asked of every
    // principal: built once.
    let stores: Vec<Store> = sensitive
        .iter()
        .filter_map(|uid| index.get(uid))
        .map(|store| {
            let (reads, writes) = probes(store);
            let services: BTreeSet<String> = reads
                .iter()
                .chain(&writes)
                .filter_map(|(action, _)| action.split_once(':'))
                .map(|(service, _)| format!("{service}:*"))
                .collect();
            Store {
                uid: &store.uid,
                reads,
                writes,
                services: services.into_iter().collect(),
            }
        })
        .collect();
    let principals: Vec<&Resource> = ["aws_iam_user", "aws_iam_role"]
        .iter()
        .flat_map(|kind| index.kind(kind).iter().copied())
        .collect();
    let mut powers: BTreeMap<String, Power> = principals
        .par_iter()
        .map(|principal| {
            let policies = gather(index, principal);
            let mut power = assess(&stores, principal, &policies);
            if principal.kind == "aws_iam_role" {
                let (trusts, reasons) = trust::trusts(principal, settings);
                power.trusted_by = trusts;
                power.reasons.extend(reasons);
            }
            (principal.uid.clone(), power)
        })
        .collect();
    let mut derived = Vec::new();
    for kind in ["aws_iam_instance_profile", "aws_lambda_function"] {
        for r in index.kind(kind) {
            derived.push(inherit(r, &roles_of(index, r), &powers));
        }
    }
    powers.extend(derived.into_iter().map(|p| (p.principal.clone(), p)));
    powers.into_values().collect()
}

/// The policies that decide what `uid` may do: a user's or role's own; for
/// an instance profile, a Lambda function or an EC2 instance, those of each
/// role it acts as (through its instance profile, for an instance) that is
/// in the snapshot. Empty for anything else.
pub fn policies(index: &Index, uid: &str) -> Vec<Policies> {
    let Some(r) = index.get(uid) else {
        return Vec::new();
    };
    match r.kind.as_str() {
        "aws_iam_user" | "aws_iam_role" => vec![gather(index, r)],
        "aws_iam_instance_profile" | "aws_lambda_function" | "aws_instance" => roles_of(index, r)
            .iter()
            .filter_map(|role| index.get(role))
            .map(|role| gather(index, role))
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether `uid` (see [`policies`]) may do `action` on `resource` (an ARN,
/// or a pattern standing for some resource): the decision of the first of
/// its policy sets that allows it, else of the first one.
pub fn can(index: &Index, uid: &str, action: &str, resource: &str) -> Decision {
    let decisions: Vec<_> = policies(index, uid)
        .iter()
        .map(|p| p.decide(action, resource))
        .collect();
    let allowed = decisions.iter().position(|d| d.allowed);
    decisions
        .into_iter()
        .nth(allowed.unwrap_or(0))
        .unwrap_or_default()
}

/// The identity policies of a user (with its groups') or role, and its
/// permissions boundary.
fn gather(index: &Index, principal: &Resource) -> Policies {
    let mut policies = Policies::new(&principal.uid);
    add_policies_of(index, &mut policies, principal, "");
    if principal.kind == "aws_iam_user" {
        for group in groups_of(index, &mut policies, principal) {
            let via = format!(" (via group {})", group.name);
            add_policies_of(index, &mut policies, group, &via);
        }
    }
    let boundary = principal
        .props
        .pointer("/permissions_boundary/permissions_boundary_arn")
        .and_then(Value::as_str);
    if let Some(arn) = boundary {
        match managed(index, arn) {
            Ok(document) => policies.bound(arn, &document),
            Err(why) => policies.note(format!(
                "permissions boundary {arn} ignored, {why}: power may be over-estimated"
            )),
        }
    }
    policies
}

/// Adds the inline and attached policies of `holder` (a user, group or
/// role); `via` says whose they are when not the principal's own.
fn add_policies_of(index: &Index, policies: &mut Policies, holder: &Resource, via: &str) {
    match holder.props.get("inline_policies") {
        Some(Value::Array(list)) => {
            for item in list {
                let name = item
                    .get("policy_name")
                    .and_then(Value::as_str)
                    .unwrap_or("(unnamed)");
                let label = format!("inline policy {name}{via}");
                match item.get("policy_document") {
                    Some(document) => policies.add(&label, document),
                    None => policies.note(format!("{label}: skipped, document not collected")),
                }
            }
        }
        Some(Value::Null) => {}
        _ => policies.note(format!(
            "inline policies of {} not collected: power may be under-estimated",
            holder.uid
        )),
    }
    let mut arns: BTreeSet<&str> = index.out(&holder.uid, Relation::HasPolicy).collect();
    if let Some(Value::Array(attached)) = holder.props.get("attached_policies") {
        arns.extend(
            attached
                .iter()
                .filter_map(|a| a.get("policy_arn").and_then(Value::as_str)),
        );
    }
    for arn in arns {
        let label = format!("{arn}{via}");
        match managed(index, arn) {
            Ok(document) => policies.add(&label, &document),
            Err(why) => policies.note(format!("{label}: skipped, {why}")),
        }
    }
}

/// The document of the managed policy `arn`: from the snapshot for a
/// customer-managed policy, from the table of known ones for AWS-managed.
fn managed<'a>(index: &Index<'a>, arn: &str) -> Result<Cow<'a, Value>, String> {
    if let Some(policy) = index.get(arn).filter(|r| r.kind == "aws_iam_policy") {
        return match policy.props.get("document") {
            Some(document) => Ok(Cow::Borrowed(document)),
            None => Err("document not collected".to_string()),
        };
    }
    if let Some(document) = aws_managed::document(arn) {
        return Ok(Cow::Owned(document));
    }
    if arn.contains(":iam::aws:policy/") {
        Err("an AWS-managed policy Plumb does not model".to_string())
    } else {
        Err("not in the snapshot".to_string())
    }
}

/// The groups of a user: its `member_of` edges, and the names in
/// `props.groups` (in case an edge is missing).
fn groups_of<'a>(index: &Index<'a>, policies: &mut Policies, user: &Resource) -> Vec<&'a Resource> {
    let mut groups: BTreeMap<&str, &Resource> = index
        .related(&user.uid, Relation::MemberOf, "aws_iam_group")
        .into_iter()
        .map(|g| (g.uid.as_str(), g))
        .collect();
    let names = user.props.get("groups").map(policy::string_list);
    for name in names.unwrap_or_default() {
        match index.by_id(&user.account, &name) {
            Some(g) if g.kind == "aws_iam_group" => {
                groups.insert(g.uid.as_str(), g);
            }
            _ => policies.note(format!(
                "group {name} not in the snapshot: its policies are not counted"
            )),
        }
    }
    groups.into_values().collect()
}

/// The uids of the roles `r` acts as: a profile's or function's `assumes`
/// edges (or their props), an instance's profile's.
pub(crate) fn roles_of(index: &Index, r: &Resource) -> Vec<String> {
    let mut roles: BTreeSet<String> = index
        .out(&r.uid, Relation::Assumes)
        .map(str::to_string)
        .collect();
    match r.kind.as_str() {
        "aws_iam_instance_profile" => {
            if let Some(Value::Array(list)) = r.props.get("roles") {
                let arns = list.iter().filter_map(|x| x.get("arn")?.as_str());
                roles.extend(arns.map(str::to_string));
            }
        }
        "aws_lambda_function" => {
            if let Some(role) = r.props.get("role").and_then(Value::as_str) {
                roles.insert(role.to_string());
            }
        }
        "aws_instance" => {
            let mut profiles: BTreeSet<&str> = index.out(&r.uid, Relation::Uses).collect();
            if let Some(p) = r.props.get("iam_instance_profile").and_then(Value::as_str) {
                profiles.insert(p);
            }
            for profile in profiles.into_iter().filter_map(|p| index.get(p)) {
                if profile.kind == "aws_iam_instance_profile" {
                    roles.extend(roles_of(index, profile));
                }
            }
        }
        _ => {}
    }
    roles.into_iter().collect()
}

/// A sensitive data store and the requests that read or write it.
struct Store<'a> {
    uid: &'a str,
    reads: Vec<Request>,
    writes: Vec<Request>,
    /// The services of those requests, as action patterns (`s3:*`).
    services: Vec<String>,
}

/// The power of a user or role from its gathered policies.
fn assess(stores: &[Store], principal: &Resource, policies: &Policies) -> Power {
    let mut power = Power {
        principal: principal.uid.clone(),
        kind: principal.kind.clone(),
        admin: false,
        escalation: Vec::new(),
        reads: Vec::new(),
        writes: Vec::new(),
        trusted_by: Vec::new(),
        reasons: Vec::new(),
    };
    let admin = policies.admin();
    if admin.allowed {
        power.admin = true;
        power.reasons.push(format!(
            "admin: every action on every resource, by {}",
            admin.explain()
        ));
    } else if let (false, Some(denied)) = (admin.granted_by.is_empty(), &admin.denied_by) {
        power.reasons.push(format!(
            "not admin: {} allows every action but {denied} takes part of it away",
            admin.granted_by.join(", ")
        ));
    }
    if !power.admin {
        for set in ESCALATIONS {
            if let Some(why) = holds(policies, set) {
                let escalation = Escalation::of(set);
                let name = &escalation.name;
                power.reasons.push(format!("can escalate by {name}: {why}"));
                power.escalation.push(escalation);
            }
        }
    }
    let mut may: BTreeMap<&str, bool> = BTreeMap::new();
    for store in stores {
        let relevant = store.services.iter().any(|service| {
            *may.entry(service.as_str())
                .or_insert_with(|| policies.may_allow(service))
        });
        if !relevant {
            continue;
        }
        let uid = store.uid;
        if let Some(why) = any_allowed(policies, &store.reads) {
            power.reasons.push(format!("reads {uid}: {why}"));
            power.reads.push(uid.to_string());
        }
        if let Some(why) = any_allowed(policies, &store.writes) {
            power.reasons.push(format!("writes {uid}: {why}"));
            power.writes.push(uid.to_string());
        }
    }
    power
        .reasons
        .extend(policies.notes().iter().map(|n| format!("note: {n}")));
    power
}

impl Escalation {
    /// The escalation of a set of [`ESCALATIONS`].
    fn of(set: &[&str]) -> Escalation {
        fn short(action: &str) -> &str {
            action.split_once(':').map_or(action, |(_, a)| a)
        }
        Escalation {
            name: set.iter().map(|a| short(a)).collect::<Vec<_>>().join("+"),
            actions: set.iter().map(|a| a.to_string()).collect(),
        }
    }
}

/// Why `policies` hold every action of `set` on some resource, if they do.
fn holds(policies: &Policies, set: &[&str]) -> Option<String> {
    let mut why = Vec::new();
    for action in set {
        let decision = policies.decide(action, "*");
        if !decision.allowed {
            return None;
        }
        why.push(format!("{action} by {}", decision.explain()));
    }
    Some(why.join("; "))
}

/// Why `policies` allow one of `probes`, if they do.
fn any_allowed(policies: &Policies, probes: &[Request]) -> Option<String> {
    probes.iter().find_map(|(action, resource)| {
        let decision = policies.decide(action, resource);
        decision
            .allowed
            .then(|| format!("{action} on {resource} by {}", decision.explain()))
    })
}

/// A request to ask policies about: an action on a resource (an ARN or a
/// pattern).
type Request = (&'static str, String);

/// The (action, resource) requests that read a data store, and those that
/// write or delete it. Resetting a database's master password
/// (`Modify…`) or sharing a snapshot reads it as surely as connecting.
fn probes(store: &Resource) -> (Vec<Request>, Vec<Request>) {
    let arn = store.uid.clone();
    let prop = |field: &str| {
        store
            .props
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or("*")
            .to_string()
    };
    let db_user = |id: String| {
        format!(
            "arn:aws:rds-db:{}:{}:dbuser:{id}/*",
            store.region, store.account
        )
    };
    match store.kind.as_str() {
        "aws_s3_bucket" => {
            let objects = format!("{arn}/*");
            (
                vec![("s3:GetObject", objects.clone())],
                vec![
                    ("s3:PutObject", objects.clone()),
                    ("s3:DeleteObject", objects),
                    ("s3:DeleteBucket", arn),
                ],
            )
        }
        "aws_db_instance" => {
            let connect = ("rds-db:connect", db_user(prop("dbi_resource_id")));
            let modify = ("rds:ModifyDBInstance", arn.clone());
            (
                vec![connect.clone(), modify.clone()],
                vec![connect, modify, ("rds:DeleteDBInstance", arn)],
            )
        }
        "aws_rds_cluster" => {
            let connect = ("rds-db:connect", db_user(prop("db_cluster_resource_id")));
            let data = ("rds-data:ExecuteStatement", arn.clone());
            let modify = ("rds:ModifyDBCluster", arn.clone());
            (
                vec![connect.clone(), data.clone(), modify.clone()],
                vec![connect, data, modify, ("rds:DeleteDBCluster", arn)],
            )
        }
        "aws_db_snapshot" => (
            vec![
                ("rds:RestoreDBInstanceFromDBSnapshot", arn.clone()),
                ("rds:ModifyDBSnapshotAttribute", arn.clone()),
            ],
            vec![("rds:DeleteDBSnapshot", arn)],
        ),
        "aws_db_cluster_snapshot" => (
            vec![
                ("rds:RestoreDBClusterFromSnapshot", arn.clone()),
                ("rds:ModifyDBClusterSnapshotAttribute", arn.clone()),
            ],
            vec![("rds:DeleteDBClusterSnapshot", arn)],
        ),
        "aws_ebs_snapshot" => {
            // IAM names EBS snapshots without their account.
            let arn = format!(
                "arn:aws:ec2:{}::snapshot/{}",
                store.region,
                prop("snapshot_id")
            );
            (
                vec![
                    ("ec2:CreateVolume", arn.clone()),
                    ("ec2:ModifySnapshotAttribute", arn.clone()),
                    ("ebs:GetSnapshotBlock", arn.clone()),
                ],
                vec![("ec2:DeleteSnapshot", arn)],
            )
        }
        "aws_ebs_volume" => (
            vec![
                ("ec2:CreateSnapshot", arn.clone()),
                ("ec2:AttachVolume", arn.clone()),
            ],
            vec![("ec2:DeleteVolume", arn)],
        ),
        "aws_efs_file_system" => (
            vec![("elasticfilesystem:ClientMount", arn.clone())],
            vec![
                ("elasticfilesystem:ClientWrite", arn.clone()),
                ("elasticfilesystem:DeleteFileSystem", arn),
            ],
        ),
        _ => (Vec::new(), Vec::new()),
    }
}

/// The power of an instance profile or Lambda function: the union of its
/// roles' powers.
fn inherit(r: &Resource, roles: &[String], powers: &BTreeMap<String, Power>) -> Power {
    let mut power = Power {
        principal: r.uid.clone(),
        kind: r.kind.clone(),
        admin: false,
        escalation: Vec::new(),
        reads: Vec::new(),
        writes: Vec::new(),
        trusted_by: Vec::new(),
        reasons: Vec::new(),
    };
    let (mut reads, mut writes, mut held) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for role in roles {
        let Some(role_power) = powers.get(role) else {
            power.reasons.push(format!(
                "assumes role {role}, which is not in the snapshot: its power is unknown"
            ));
            continue;
        };
        power.reasons.push(format!("has the power of role {role}"));
        power.admin |= role_power.admin;
        held.extend(role_power.escalation.iter().map(|e| e.name.as_str()));
        reads.extend(role_power.reads.iter().cloned());
        writes.extend(role_power.writes.iter().cloned());
        // Who may assume the role is the role's business, not its holder's.
        let conclusions = role_power
            .reasons
            .iter()
            .filter(|l| !trust::REASON_PREFIXES.iter().any(|p| l.starts_with(p)));
        power
            .reasons
            .extend(conclusions.map(|l| format!("via role {role}: {l}")));
    }
    if !power.admin {
        power.escalation = ESCALATIONS
            .iter()
            .map(|set| Escalation::of(set))
            .filter(|e| held.contains(e.name.as_str()))
            .collect();
    }
    power.reads = reads.into_iter().collect();
    power.writes = writes.into_iter().collect();
    power
}

#[cfg(test)]
mod tests;
