//! The risk score of a failing finding, from its severity and its
//! resource's context.
//!
//! ```text
//! risk = 100 × (severity weight / highest severity weight)
//!            × (exposure factor / highest exposure factor)
//!            × (impact factor / highest impact factor)
//! ```
//!
//! - severity weight: `[risk]` `critical` 10, `high` 7.5, `medium` 5,
//!   `low` 2.5, `info` 0.5;
//! - exposure factor: `exposed` (2) when the internet reaches the resource
//!   or the resource guards or routes to one it reaches (a security group,
//!   network ACL, route table or subnet on an exposure path), else 1;
//! - impact factor: `admin` (2) when the resource is, or leads to, admin
//!   power, a privilege escalation or another account; else `sensitive`
//!   (1.5) when it is, or leads to, sensitive data; else 1.
//!
//! A critical finding on an exposed resource that leads to admin scores
//! 100; a critical finding with no context scores 25 with the default
//! weights. Every weight is set in `plumb.toml`'s `[risk]` table.

use std::collections::{BTreeMap, HashMap, HashSet};

use plumb_model::{Finding, Severity, Status};
use serde::{Deserialize, Serialize};

use crate::exposure::Exposure;
use crate::paths::AttackPath;
use crate::{Context, Power, Weights};

/// The risk of one finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Risk {
    /// 0–100.
    pub score: f64,
    /// What raised it, in one line.
    pub reason: String,
    /// The uids hop by hop: the attack path through the resource, or the
    /// path by which the internet reaches it.
    pub path: Vec<String>,
}

/// Scores findings against one context.
pub struct Ranker<'a> {
    weights: &'a Weights,
    exposed: HashMap<&'a str, &'a Exposure>,
    /// Resources on an exposure path (not its end): what they let in.
    guards: HashMap<&'a str, &'a Exposure>,
    sensitive: HashMap<&'a str, &'a str>,
    powers: HashMap<&'a str, &'a Power>,
    paths: HashMap<&'a str, Vec<&'a AttackPath>>,
}

impl<'a> Ranker<'a> {
    /// A ranker over `context` with `weights`.
    pub fn new(context: &'a Context, weights: &'a Weights) -> Self {
        let mut exposed = HashMap::new();
        let mut guards = HashMap::new();
        for e in &context.exposure.exposed {
            exposed.insert(e.uid.as_str(), e);
            for hop in e.path.iter().skip(1) {
                if *hop != e.uid {
                    guards.entry(hop.as_str()).or_insert(e);
                }
            }
        }
        let mut paths: HashMap<&str, Vec<&AttackPath>> = HashMap::new();
        for p in &context.paths {
            // A path counts for its entry and for every hop it runs through
            // (the profile, the role).
            let mut seen = HashSet::new();
            for hop in p.hops.iter().skip(1) {
                if hop.uid != p.target && seen.insert(hop.uid.as_str()) {
                    paths.entry(hop.uid.as_str()).or_default().push(p);
                }
            }
        }
        Ranker {
            weights,
            exposed,
            guards,
            sensitive: context
                .sensitive
                .iter()
                .map(|s| (s.uid.as_str(), s.reason.as_str()))
                .collect(),
            powers: context
                .powers
                .iter()
                .map(|p| (p.principal.as_str(), p))
                .collect(),
            paths,
        }
    }

    /// The risk of a finding of `severity` on `uid`.
    pub fn risk(&self, severity: Severity, uid: &str) -> Risk {
        let w = self.weights;
        let top_severity = w.severity.iter().copied().fold(0.0_f64, f64::max);
        let top_exposure = w.exposed.max(1.0);
        let top_impact = w.admin.max(w.sensitive).max(1.0);
        let mut reasons = vec![format!("{} severity", severity.as_str())];
        let mut path: Vec<String> = Vec::new();

        let exposure = if let Some(e) = self.exposed.get(uid) {
            let ports: Vec<String> = e.ports.iter().map(|p| p.to_string()).collect();
            reasons.push(if ports.is_empty() {
                format!("reachable from the internet ({})", e.reason)
            } else {
                format!("reachable from the internet on {}", ports.join(", "))
            });
            path = e.path.clone();
            w.exposed
        } else if let Some(e) = self.guards.get(uid) {
            reasons.push(format!("on the internet's path to {}", e.uid));
            path = e.path.clone();
            w.exposed
        } else {
            1.0
        };

        let mut impact = 1.0_f64;
        let mut best: Option<&AttackPath> = None;
        for p in self.paths.get(uid).into_iter().flatten() {
            if best.is_none_or(|b| p.impact < b.impact) {
                best = Some(p);
            }
        }
        if let Some(p) = best {
            impact = if p.impact.is_power() {
                w.admin
            } else {
                w.sensitive
            };
            reasons.push(format!(
                "leads to {} ({})",
                p.target,
                p.impact.as_str().replace('_', " ")
            ));
            path = p.uids();
        } else if let Some(power) = self.powers.get(uid) {
            if power.admin {
                impact = w.admin;
                reasons.push("admin-equivalent".into());
            } else if let Some(e) = power.escalation.first() {
                impact = w.admin;
                reasons.push(format!("can escalate with {}", e.actions.join(" + ")));
            } else if power.trusted_by.iter().any(|t| !t.known && !t.conditioned) {
                impact = w.admin;
                reasons.push("assumable from an unknown account".into());
            } else if !power.writes.is_empty() || !power.reads.is_empty() {
                impact = w.sensitive;
                let n = power.reads.len().max(power.writes.len());
                reasons.push(format!("can reach {n} sensitive data store(s)"));
            }
        }
        if let Some(why) = self.sensitive.get(uid) {
            if impact < w.sensitive {
                impact = w.sensitive;
            }
            reasons.push(format!("holds sensitive data ({why})"));
        }
        let impact = impact.max(1.0);
        let score = 100.0
            * (w.of(severity) / top_severity)
            * (exposure / top_exposure)
            * (impact / top_impact);
        Risk {
            score: (score * 10.0).round() / 10.0,
            reason: reasons.join("; "),
            path,
        }
    }
}

/// A resource's failing findings, ranked together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedRisk {
    /// The highest risk of its findings, 0–100.
    pub risk_score: f64,
    /// The resource.
    pub resource_uid: String,
    /// Its kind.
    pub kind: String,
    /// The failing checks on it, riskiest first.
    pub check_ids: Vec<String>,
    /// Why, in one line.
    pub reason: String,
    /// The uids hop by hop.
    pub path: Vec<String>,
}

/// The failing findings grouped by resource, highest risk first.
pub fn rank(findings: &[Finding], context: &Context, weights: &Weights) -> Vec<RankedRisk> {
    let ranker = Ranker::new(context, weights);
    let mut by_resource: BTreeMap<&str, Vec<(&Finding, Risk)>> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.status == Status::Fail) {
        let risk = ranker.risk(f.severity(), f.resource_uid());
        by_resource
            .entry(f.resource_uid())
            .or_default()
            .push((f, risk));
    }
    let mut ranked: Vec<RankedRisk> = by_resource
        .into_iter()
        .map(|(uid, mut list)| {
            list.sort_by(|a, b| {
                b.1.score
                    .total_cmp(&a.1.score)
                    .then(a.0.check_id().cmp(b.0.check_id()))
            });
            let (top, risk) = &list[0];
            RankedRisk {
                risk_score: risk.score,
                resource_uid: uid.to_string(),
                kind: top.kind().to_string(),
                check_ids: list.iter().map(|(f, _)| f.check_id().to_string()).collect(),
                reason: format!("{} failing check(s), worst: {}", list.len(), risk.reason),
                path: risk.path.clone(),
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.risk_score
            .total_cmp(&a.risk_score)
            .then(b.check_ids.len().cmp(&a.check_ids.len()))
            .then(a.resource_uid.cmp(&b.resource_uid))
    });
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposure::ExposureMap;
    use crate::paths::Impact;

    #[test]
    fn the_formula_spans_0_to_100() {
        let w = Weights::default();
        let empty = Context::default();
        let ranker = Ranker::new(&empty, &w);
        assert_eq!(ranker.risk(Severity::Critical, "x").score, 25.0);
        assert_eq!(ranker.risk(Severity::Info, "x").score, 1.3);
        let context = Context {
            exposure: ExposureMap {
                exposed: vec![Exposure {
                    uid: "i-1".into(),
                    kind: "aws_instance".into(),
                    ports: vec![],
                    path: vec!["internet".into(), "sg-1".into(), "i-1".into()],
                    reason: "public".into(),
                }],
                undetermined: vec![],
            },
            paths: vec![AttackPath {
                entry: "i-1".into(),
                target: "role".into(),
                target_kind: "aws_iam_role".into(),
                impact: Impact::Admin,
                hops: ["internet", "sg-1", "i-1", "role"]
                    .iter()
                    .map(|u| crate::paths::Hop {
                        uid: u.to_string(),
                        how: String::new(),
                    })
                    .collect(),
            }],
            ..Context::default()
        };
        let ranker = Ranker::new(&context, &w);
        let top = ranker.risk(Severity::Critical, "i-1");
        assert_eq!(top.score, 100.0);
        assert_eq!(top.path, ["internet", "sg-1", "i-1", "role"]);
        assert!(
            top.reason.contains("leads to role (admin)"),
            "{}",
            top.reason
        );
        // The security group on the way lets the attacker in, to the same
        // admin role.
        let sg = ranker.risk(Severity::High, "sg-1");
        assert_eq!(sg.score, 75.0);
        assert!(
            sg.reason.contains("on the internet's path to i-1"),
            "{}",
            sg.reason
        );
    }
}
