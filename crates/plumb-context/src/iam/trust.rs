//! Who a role's trust policy lets assume it: the AWS accounts and
//! principals, and the federated identity providers, each marked known or
//! not and restricted by a condition or not. Service principals
//! (`ec2.amazonaws.com`) are AWS running the role for its owner, not
//! another party, and only appear in the reasons.
//!
//! Like the rest of the module this grants when in doubt: `Deny` statements
//! of a trust policy are not subtracted, and `NotPrincipal` counts as
//! everyone.

use plumb_model::Resource;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::policy::{action_covers, action_overlaps, has_condition, readable, string_list};
use crate::Settings;

/// Someone a role's trust policy lets assume the role.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Trust {
    /// As the trust policy names it: `*`, an account id, an ARN, or an
    /// identity provider.
    pub principal: String,
    /// The account the principal belongs to, when it names one.
    pub account: Option<String>,
    /// Whether that account is the role's own or one of the settings'
    /// `known_accounts`. For a federated principal it describes the account
    /// holding the identity provider; the users behind it are outside AWS.
    pub known: bool,
    /// Whether the trust is restricted by a condition that ties it to
    /// particular callers (`sts:ExternalId`, `aws:PrincipalOrgID`, an OIDC
    /// `sub`…).
    pub conditioned: bool,
    /// Whether the principal is a federated identity provider (SAML, OIDC,
    /// Cognito) rather than an AWS principal.
    pub federated: bool,
}

/// Condition keys (without case) that tie a trust to particular callers;
/// any key ending in `:sub` (an OIDC subject) does as well. `aud` alone
/// does not: for GitHub's OIDC provider it lets every repository in.
const RESTRICTING_KEYS: &[&str] = &[
    "sts:externalid",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:userid",
    "aws:username",
    "saml:sub",
];

/// How the reason lines about a trust policy begin, for those who pass on
/// a role's other reasons.
pub(crate) const REASON_PREFIXES: &[&str] = &["trusted by ", "assumed by ", "trust policy "];

/// The trusts of `role`, and one reason line per trust (service principals
/// included) or per problem reading the policy.
pub(crate) fn trusts(role: &Resource, settings: &Settings) -> (Vec<Trust>, Vec<String>) {
    let mut trusts = Vec::new();
    let mut reasons = Vec::new();
    let Some(document) = role.props.get("assume_role_policy_document") else {
        reasons.push("trust policy not collected: who may assume the role is unknown".into());
        return (trusts, reasons);
    };
    let document = match readable(document) {
        Ok(d) => d,
        Err(why) => {
            reasons.push(format!("trust policy skipped: {why}"));
            return (trusts, reasons);
        }
    };
    let statements = match document.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    for (i, s) in statements.into_iter().enumerate() {
        let label = match s.get("Sid").and_then(Value::as_str) {
            Some(sid) if !sid.is_empty() => format!("trust policy statement {sid}"),
            _ => format!("trust policy statement #{i}"),
        };
        let allows = s
            .get("Effect")
            .and_then(Value::as_str)
            .is_some_and(|e| e.eq_ignore_ascii_case("allow"));
        if !allows || !assumes(s) {
            continue;
        }
        let conditioned = restricted(s);
        for (principal, federated) in principals(s) {
            let trust = trust(role, settings, principal, federated, conditioned);
            reasons.push(describe(&trust, &label));
            trusts.push(trust);
        }
        if let Some(services) = s.get("Principal").and_then(|p| p.get("Service")) {
            for service in string_list(services) {
                reasons.push(format!("assumed by the service {service} ({label})"));
            }
        }
    }
    trusts.sort();
    trusts.dedup();
    (trusts, reasons)
}

/// Whether a statement's actions include assuming the role in some way
/// (`sts:AssumeRole`, `…WithSAML`, `…WithWebIdentity`).
fn assumes(s: &Value) -> bool {
    const ASSUME: &str = "sts:AssumeRole*";
    match (s.get("Action"), s.get("NotAction")) {
        (Some(a), _) => string_list(a).iter().any(|a| action_overlaps(a, ASSUME)),
        (None, Some(not)) => !string_list(not).iter().any(|a| action_covers(a, ASSUME)),
        (None, None) => false,
    }
}

/// The AWS and federated principals of a statement; `*` for a
/// `NotPrincipal`.
fn principals(s: &Value) -> Vec<(String, bool)> {
    if s.get("NotPrincipal").is_some() {
        return vec![("*".to_string(), false)];
    }
    match s.get("Principal") {
        Some(Value::String(p)) => vec![(p.clone(), false)],
        Some(Value::Object(map)) => {
            let mut out = Vec::new();
            if let Some(aws) = map.get("AWS") {
                out.extend(string_list(aws).into_iter().map(|p| (p, false)));
            }
            if let Some(federated) = map.get("Federated") {
                out.extend(string_list(federated).into_iter().map(|p| (p, true)));
            }
            out
        }
        _ => Vec::new(),
    }
}

fn trust(
    role: &Resource,
    settings: &Settings,
    principal: String,
    federated: bool,
    conditioned: bool,
) -> Trust {
    let account = account_of(&principal);
    let known = account
        .as_deref()
        .is_some_and(|a| a == role.account || settings.known_accounts.contains(a));
    Trust {
        principal,
        account,
        known,
        conditioned,
        federated,
    }
}

/// The account a principal names: an account id, or the fifth field of an
/// ARN (`arn:aws:iam::111122223333:root`).
fn account_of(principal: &str) -> Option<String> {
    let is_account = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    if is_account(principal) {
        return Some(principal.to_string());
    }
    let mut fields = principal.split(':');
    if fields.next() != Some("arn") {
        return None;
    }
    fields.nth(3).filter(|a| is_account(a)).map(str::to_string)
}

/// Whether a statement's condition ties it to particular callers: a
/// restricting key whose values are not all a bare `*`.
fn restricted(s: &Value) -> bool {
    if !has_condition(s) {
        return false;
    }
    let Some(Value::Object(operators)) = s.get("Condition") else {
        return false;
    };
    operators.values().any(|block| {
        block.as_object().is_some_and(|keys| {
            keys.iter().any(|(key, values)| {
                let key = key.to_ascii_lowercase();
                (RESTRICTING_KEYS.contains(&key.as_str()) || key.ends_with(":sub"))
                    && string_list(values).iter().any(|v| v != "*")
            })
        })
    })
}

fn describe(trust: &Trust, label: &str) -> String {
    let who = match (&trust.account, trust.federated) {
        (_, true) => format!("federated principal {}", trust.principal),
        (None, false) if trust.principal == "*" => "anyone (*)".to_string(),
        (None, false) => format!("principal {}", trust.principal),
        (Some(a), false) if *a == trust.principal => format!("account {a}"),
        (Some(a), false) => format!("{} of account {a}", trust.principal),
    };
    let known = if trust.known { "known" } else { "unknown" };
    let conditioned = if trust.conditioned {
        ", restricted by a condition"
    } else {
        ""
    };
    format!("trusted by {who} ({known}{conditioned}) in {label}")
}
