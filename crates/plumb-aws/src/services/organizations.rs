//! Collects the AWS Organization the scanned account belongs to and, from
//! the management account (or a delegated administrator), every account of
//! it. Checks read the feature set (SCPs need `ALL`) and which accounts are
//! members; the `contains` edges let a multi-account scan be tied to the
//! organization. E-mail addresses are personal data and are never stored.
//!
//! An account outside any organization yields no resource. A member account
//! may describe its organization but not list the accounts: that refusal
//! fails the unit, because the organization could not be read in full, and
//! the error says why in plain words.

use plumb_model::aws::organizations::{Organization, OrganizationAccount};
use plumb_model::{Relation, Resource};

use crate::error::{api, is_code};
use crate::services::{Service, ServiceScope};
use crate::unit::to_utc;
use crate::{client, collect_fn, CollectError, Unit};

/// The `organizations` collector.
pub const SERVICE: Service = Service {
    name: "organizations",
    scope: ServiceScope::Global,
    kinds: &[
        "aws_organizations_organization",
        "aws_organizations_account",
    ],
    actions: &[
        "organizations:DescribeOrganization",
        "organizations:ListAccounts",
    ],
    collect: collect_fn!(collect),
};

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let client = client!(unit, aws_sdk_organizations);
    let answer = client
        .describe_organization()
        .send()
        .await
        .map_err(api("organizations:DescribeOrganization"));
    let org = match answer {
        Ok(out) => out.organization().cloned(),
        Err(e) if is_code(&e, &["AWSOrganizationsNotInUseException"]) => return Ok(()),
        Err(e) => return Err(e),
    };
    let Some((org, id)) = org.and_then(|o| {
        let id = o.id()?.to_string();
        Some((o, id))
    }) else {
        return Err(CollectError::Malformed {
            action: "organizations:DescribeOrganization",
            detail: "the answer names no organization".into(),
        });
    };
    let master_account_id = org.master_account_id().map(str::to_string);
    let props = Organization {
        arn: org.arn().map(str::to_string).unwrap_or_else(|| {
            format!(
                "arn:{}:organizations::{}:organization/{id}",
                unit.partition(),
                master_account_id.as_deref().unwrap_or_default()
            )
        }),
        id: id.clone(),
        feature_set: org.feature_set().map(|f| f.as_str().to_string()),
        master_account_id,
        master_account_arn: org.master_account_arn().map(str::to_string),
    };
    let org_uid = props.arn.clone();
    unit.add(
        Resource::new(
            org_uid.clone(),
            "aws_organizations_organization",
            &unit.account,
            &unit.region,
            id,
        )
        .with_props(&props),
    );

    let mut pages = client.list_accounts().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page
            .map_err(api("organizations:ListAccounts"))
            .map_err(|e| explain_member_refusal(e, &props, &unit.account))?;
        for a in page.accounts() {
            let (Some(account_id), Some(arn)) = (a.id(), a.arn()) else {
                continue;
            };
            let account = OrganizationAccount {
                id: account_id.to_string(),
                arn: arn.to_string(),
                name: a.name().map(str::to_string),
                status: a.status().map(|s| s.as_str().to_string()),
                state: a.state().map(|s| s.as_str().to_string()),
                joined_method: a.joined_method().map(|m| m.as_str().to_string()),
                joined_timestamp: a.joined_timestamp().and_then(to_utc),
            };
            let name = account.name.clone().unwrap_or_else(|| account.id.clone());
            unit.link(&org_uid, Relation::Contains, arn);
            unit.add(
                Resource::new(
                    arn,
                    "aws_organizations_account",
                    &unit.account,
                    &unit.region,
                    name,
                )
                .with_props(&account),
            );
        }
    }
    Ok(())
}

/// A member account that is refused ListAccounts has done nothing wrong,
/// but the organization is only half read: say so, so that nobody looks
/// for a missing permission that cannot be granted there.
fn explain_member_refusal(error: CollectError, org: &Organization, account: &str) -> CollectError {
    let is_member = org.master_account_id.as_deref() != Some(account);
    match error {
        CollectError::Api {
            action,
            code,
            message,
        } if is_member && error_is_denial(&code) => CollectError::Api {
            action,
            code,
            message: format!(
                "{message} (account {account} is a member of organization {}, not its \
                 management account {}; only the management account or a delegated \
                 administrator can list the organization's accounts, so they were not \
                 collected: scan the organization from its management account)",
                org.id,
                org.master_account_id.as_deref().unwrap_or("unknown"),
            ),
        },
        other => other,
    }
}

fn error_is_denial(code: &str) -> bool {
    matches!(code, "AccessDeniedException" | "AccessDenied")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Organization {
        Organization {
            id: "o-abc".into(),
            master_account_id: Some("111111111111".into()),
            ..Organization::default()
        }
    }

    fn denied() -> CollectError {
        CollectError::Api {
            action: "organizations:ListAccounts",
            code: "AccessDeniedException".into(),
            message: "You don't have permissions to access this resource.".into(),
        }
    }

    #[test]
    fn a_member_refused_the_account_list_is_told_why() {
        let e = explain_member_refusal(denied(), &org(), "222222222222");
        let text = e.to_string();
        assert!(text.contains("member of organization o-abc"), "{text}");
        assert!(text.contains("management account 111111111111"), "{text}");
        assert_eq!(e.code(), Some("AccessDeniedException"));
        assert_eq!(e.missing_permission(), Some("organizations:ListAccounts"));
    }

    #[test]
    fn the_management_account_refused_is_a_plain_permission_error() {
        let e = explain_member_refusal(denied(), &org(), "111111111111");
        assert!(!e.to_string().contains("member of organization"));
    }
}
