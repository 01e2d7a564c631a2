//! IAM roles with their trust policies and last use, and the instance
//! profiles that pass roles to EC2 instances.

use std::collections::HashMap;

use aws_sdk_iam::types::{InstanceProfile, Role};
use aws_sdk_iam::Client;
use plumb_model::aws::iam::{IamInstanceProfile, IamRole, ProfileRole, RoleLastUsed};
use plumb_model::{Relation, Resource};

use super::{attached_policies, boundary, inline_policies, policy_links, tags, Gaps, Read};
use crate::error::{api, is_code};
use crate::unit::{parse_policy, to_utc};
use crate::{CollectError, Unit};

/// Every instance profile of the account, with its roles.
pub(super) async fn list_instance_profiles(
    client: &Client,
) -> Result<Vec<InstanceProfile>, CollectError> {
    let mut profiles = Vec::new();
    let mut pages = client.list_instance_profiles().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("iam:ListInstanceProfiles"))?;
        profiles.extend(page.instance_profiles().iter().cloned());
    }
    Ok(profiles)
}

/// Role ARN → the ARNs of the instance profiles that carry it, so that
/// roles need no `ListInstanceProfilesForRole` call each.
pub(super) fn profiles_by_role(profiles: &[InstanceProfile]) -> HashMap<String, Vec<String>> {
    let mut by_role: HashMap<String, Vec<String>> = HashMap::new();
    for p in profiles {
        for r in p.roles() {
            by_role
                .entry(r.arn().to_string())
                .or_default()
                .push(p.arn().to_string());
        }
    }
    by_role
}

/// An instance profile; ListInstanceProfiles says all there is to say.
pub(super) fn instance_profile(unit: &Unit, p: &InstanceProfile) -> Read {
    let props = IamInstanceProfile {
        instance_profile_name: p.instance_profile_name().to_string(),
        arn: p.arn().to_string(),
        path: p.path().to_string(),
        instance_profile_id: p.instance_profile_id().to_string(),
        create_date: to_utc(p.create_date()),
        roles: p
            .roles()
            .iter()
            .map(|r| ProfileRole {
                role_name: r.role_name().to_string(),
                arn: r.arn().to_string(),
            })
            .collect(),
    };
    let links = props
        .roles
        .iter()
        .map(|r| (Relation::Assumes, r.arn.clone()))
        .collect();
    let resource = Resource::new(
        props.arn.clone(),
        "aws_iam_instance_profile",
        &unit.account,
        &unit.region,
        &props.instance_profile_name,
    )
    .with_props(&props)
    .with_tags(tags(p.tags()))
    .created(props.create_date);
    (resource, links)
}

/// Every role of the account.
pub(super) async fn list(client: &Client) -> Result<Vec<Role>, CollectError> {
    let mut roles = Vec::new();
    let mut pages = client.list_roles().into_paginator().send();
    while let Some(page) = pages.next().await {
        roles.extend(page.map_err(api("iam:ListRoles"))?.roles().iter().cloned());
    }
    Ok(roles)
}

/// Reads one role's settings; `None` when the role was deleted meanwhile.
pub(super) async fn read(
    unit: &Unit,
    client: &Client,
    profiles: &HashMap<String, Vec<String>>,
    role: Role,
) -> Option<Read> {
    let name = role.role_name();
    let mut gaps = Gaps::default();
    let mut links = Vec::new();
    let mut props = IamRole {
        role_name: name.to_string(),
        arn: role.arn().to_string(),
        path: role.path().to_string(),
        role_id: role.role_id().to_string(),
        create_date: to_utc(role.create_date()),
        description: role.description().map(str::to_string),
        max_session_duration: role.max_session_duration(),
        instance_profiles: profiles.get(role.arn()).cloned().unwrap_or_default(),
        ..IamRole::default()
    };
    match role
        .assume_role_policy_document()
        .map(|d| parse_policy("iam:ListRoles", d))
        .transpose()
    {
        Ok(document) => props.assume_role_policy_document = document,
        Err(e) => gaps.push("list_roles", &["assume_role_policy_document"], e),
    }

    // ListRoles leaves out tags, the permissions boundary and the last use.
    let mut role_tags = Default::default();
    match client
        .get_role()
        .role_name(name)
        .send()
        .await
        .map_err(api("iam:GetRole"))
    {
        Ok(out) => {
            if let Some(r) = out.role() {
                props.permissions_boundary = boundary(r.permissions_boundary());
                props.role_last_used = r.role_last_used().and_then(last_used);
                role_tags = tags(r.tags());
            }
        }
        Err(e) if is_code(&e, &["NoSuchEntity"]) => return None,
        Err(e) => gaps.push("get_role", &["permissions_boundary", "role_last_used"], e),
    }

    let attached = attached_policies!(
        client,
        list_attached_role_policies,
        role_name,
        name,
        "iam:ListAttachedRolePolicies"
    );
    match attached.await {
        Ok(policies) => {
            links.extend(policy_links(&policies));
            props.attached_policies = policies;
        }
        Err(e) => gaps.push("list_attached_role_policies", &["attached_policies"], e),
    }

    let inline = inline_policies!(
        client,
        list_role_policies,
        get_role_policy,
        role_name,
        name,
        "iam:ListRolePolicies",
        "iam:GetRolePolicy"
    );
    match inline.await {
        Ok(policies) => props.inline_policies = policies,
        Err(e) => gaps.push("list_role_policies", &["inline_policies"], e),
    }

    let resource = Resource::new(
        props.arn.clone(),
        "aws_iam_role",
        &unit.account,
        &unit.region,
        name,
    )
    .with_props(&props)
    .with_tags(role_tags)
    .created(props.create_date);
    Some((gaps.apply(resource), links))
}

/// A role's last use; IAM answers an empty `RoleLastUsed` for a role not
/// used within its tracking period, which the model records as `null`.
fn last_used(used: &aws_sdk_iam::types::RoleLastUsed) -> Option<RoleLastUsed> {
    let date = used.last_used_date().and_then(to_utc)?;
    Some(RoleLastUsed {
        last_used_date: Some(date),
        region: used.region().map(str::to_string),
    })
}
