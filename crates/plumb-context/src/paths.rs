//! Attack paths: from what the internet reaches, through the role it runs
//! as, to what that role can do: read or write sensitive data, act as an
//! administrator, escalate its own privileges, or assume a role in another
//! account. Each path is explained hop by hop.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::exposure::ExposureMap;
use crate::iam::{can, roles_of, Power};
use crate::Index;

/// What a path leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// Every action on every resource.
    Admin,
    /// A set of actions that lets the role raise its own power.
    Escalation,
    /// A role in another account.
    CrossAccount,
    /// Writing or deleting a sensitive data store.
    WritesSensitive,
    /// Reading a sensitive data store.
    ReadsSensitive,
}

impl Impact {
    /// The impact's name, as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Admin => "admin",
            Impact::Escalation => "escalation",
            Impact::CrossAccount => "cross_account",
            Impact::WritesSensitive => "writes_sensitive",
            Impact::ReadsSensitive => "reads_sensitive",
        }
    }

    /// Whether it gives power over the account (rather than data).
    pub fn is_power(self) -> bool {
        matches!(
            self,
            Impact::Admin | Impact::Escalation | Impact::CrossAccount
        )
    }
}

/// One hop of a path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hop {
    /// The uid reached (`internet` for the start).
    pub uid: String,
    /// How it is reached from the previous hop.
    pub how: String,
}

/// A way from the internet to something worth having.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttackPath {
    /// The exposed resource the path enters by.
    pub entry: String,
    /// What it leads to: a data store, a role, or the role that is admin.
    pub target: String,
    /// The kind of the target.
    pub target_kind: String,
    /// What the attacker gains.
    pub impact: Impact,
    /// Every hop, from the internet to the target.
    pub hops: Vec<Hop>,
}

impl AttackPath {
    /// The uids hop by hop.
    pub fn uids(&self) -> Vec<String> {
        self.hops.iter().map(|h| h.uid.clone()).collect()
    }

    /// The path in one line: `internet → … → target (impact)`.
    pub fn explain(&self) -> String {
        let hops: Vec<String> = self
            .hops
            .iter()
            .map(|h| {
                let short = h
                    .uid
                    .rsplit(['/', ':'])
                    .find(|s| !s.is_empty())
                    .unwrap_or(&h.uid);
                short.to_string()
            })
            .collect();
        format!("{} ({})", hops.join(" → "), self.impact.as_str())
    }
}

/// How traffic passes a hop of an exposure path.
fn network_hop(index: &Index, uid: &str) -> &'static str {
    match index.get(uid).map(|r| r.kind.as_str()) {
        Some("aws_internet_gateway") => "through the internet gateway",
        Some("aws_route_table") => "by the default route",
        Some("aws_subnet") => "into the subnet",
        Some("aws_network_acl") => "allowed by the network ACL",
        Some("aws_security_group") => "allowed by the security group",
        Some("aws_lb") => "to the load balancer",
        Some("aws_lb_listener") => "on the listener",
        Some("aws_lb_target_group") => "forwarded to the target group",
        _ if uid.contains(":internet-gateway/") => "through the internet gateway",
        _ => "over the network",
    }
}

/// The kinds that run code as a role and can be the entry of a path.
const COMPUTE: &[&str] = &["aws_instance", "aws_lambda_function"];

/// Every attack path of the snapshot, by entry, then impact, then target.
pub fn attack_paths(index: &Index, exposure: &ExposureMap, powers: &[Power]) -> Vec<AttackPath> {
    let by_principal: BTreeMap<&str, &Power> =
        powers.iter().map(|p| (p.principal.as_str(), p)).collect();
    // Roles by whom their trust policy names: a principal, an account, `*`.
    let mut trusting: BTreeMap<&str, Vec<&Power>> = BTreeMap::new();
    for p in powers.iter().filter(|p| p.kind == "aws_iam_role") {
        for t in &p.trusted_by {
            trusting.entry(t.principal.as_str()).or_default().push(p);
            if let Some(account) = &t.account {
                trusting.entry(account.as_str()).or_default().push(p);
            }
        }
    }
    let mut paths = Vec::new();
    for exposed in exposure
        .exposed
        .iter()
        .filter(|e| COMPUTE.contains(&e.kind.as_str()))
    {
        let Some(entry) = index.get(&exposed.uid) else {
            continue;
        };
        let mut start: Vec<Hop> = exposed
            .path
            .iter()
            .enumerate()
            .map(|(i, uid)| Hop {
                uid: uid.clone(),
                how: if i == 0 {
                    "start".to_string()
                } else {
                    network_hop(index, uid).to_string()
                },
            })
            .collect();
        if let Some(last) = start.last_mut() {
            last.how = exposed.reason.clone();
        }
        for role_uid in roles_of(index, entry) {
            let mut to_role = start.clone();
            // instance → profile → role, or function → role.
            if entry.kind == "aws_instance" {
                if let Some(profile) = index
                    .out(&entry.uid, plumb_model::Relation::Uses)
                    .filter_map(|u| index.get(u))
                    .find(|p| p.kind == "aws_iam_instance_profile")
                {
                    to_role.push(Hop {
                        uid: profile.uid.clone(),
                        how: "runs with instance profile".into(),
                    });
                }
            }
            to_role.push(Hop {
                uid: role_uid.clone(),
                how: "assumes role".into(),
            });
            let Some(power) = by_principal.get(role_uid.as_str()) else {
                continue;
            };
            let mut push = |impact: Impact, target: &str, kind: &str, how: String| {
                let mut hops = to_role.clone();
                if target != role_uid {
                    hops.push(Hop {
                        uid: target.to_string(),
                        how,
                    });
                } else if let Some(last) = hops.last_mut() {
                    last.how = format!("assumes role: {how}");
                }
                paths.push(AttackPath {
                    entry: entry.uid.clone(),
                    target: target.to_string(),
                    target_kind: kind.to_string(),
                    impact,
                    hops,
                });
            };
            if power.admin {
                push(
                    Impact::Admin,
                    &role_uid,
                    "aws_iam_role",
                    "the role is admin-equivalent".into(),
                );
            }
            for e in &power.escalation {
                push(
                    Impact::Escalation,
                    &role_uid,
                    "aws_iam_role",
                    format!("the role can escalate with {}", e.actions.join(" + ")),
                );
            }
            let writes: BTreeSet<&str> = power.writes.iter().map(String::as_str).collect();
            for store in &power.writes {
                let kind = index.get(store).map(|r| r.kind.as_str()).unwrap_or("");
                push(
                    Impact::WritesSensitive,
                    store,
                    kind,
                    "the role can write or delete it".into(),
                );
            }
            for store in power.reads.iter().filter(|s| !writes.contains(s.as_str())) {
                let kind = index.get(store).map(|r| r.kind.as_str()).unwrap_or("");
                push(
                    Impact::ReadsSensitive,
                    store,
                    kind,
                    "the role can read it".into(),
                );
            }
            // Roles of other accounts that trust this role (or its account,
            // or anyone) and that it may assume.
            let account = index
                .get(&role_uid)
                .map(|r| r.account.as_str())
                .unwrap_or("");
            let mut candidates: Vec<&Power> = [role_uid.as_str(), account, "*"]
                .iter()
                .flat_map(|k| trusting.get(k).into_iter().flatten().copied())
                .filter(|other| {
                    index
                        .get(&other.principal)
                        .is_some_and(|r| r.account != account)
                })
                .collect();
            candidates.sort_by(|a, b| a.principal.cmp(&b.principal));
            candidates.dedup_by(|a, b| a.principal == b.principal);
            for other in candidates {
                if can(index, &role_uid, "sts:AssumeRole", &other.principal).allowed {
                    let their_account = index
                        .get(&other.principal)
                        .map(|r| r.account.clone())
                        .unwrap_or_default();
                    push(
                        Impact::CrossAccount,
                        &other.principal,
                        "aws_iam_role",
                        format!("it can assume this role of account {their_account}"),
                    );
                }
            }
        }
    }
    paths.sort_by(|a, b| (&a.entry, a.impact, &a.target).cmp(&(&b.entry, b.impact, &b.target)));
    paths.dedup_by(|a, b| a.entry == b.entry && a.impact == b.impact && a.target == b.target);
    paths
}
