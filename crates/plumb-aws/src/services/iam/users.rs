//! IAM users: the console password, MFA devices, access keys (never their
//! secrets), policies and group memberships of each.

use aws_sdk_iam::types::User;
use aws_sdk_iam::Client;
use plumb_model::aws::iam::{AccessKey, IamUser, LoginProfile, MfaDevice};
use plumb_model::{Relation, Resource};

use super::{attached_policies, boundary, inline_policies, policy_links, tags, Gaps, Read};
use crate::error::{api, is_code};
use crate::unit::to_utc;
use crate::{CollectError, Unit};

/// Every user of the account.
pub(super) async fn list(client: &Client) -> Result<Vec<User>, CollectError> {
    let mut users = Vec::new();
    let mut pages = client.list_users().into_paginator().send();
    while let Some(page) = pages.next().await {
        users.extend(page.map_err(api("iam:ListUsers"))?.users().iter().cloned());
    }
    Ok(users)
}

/// Reads one user's settings; `None` when the user was deleted meanwhile.
pub(super) async fn read(unit: &Unit, client: &Client, user: User) -> Option<Read> {
    let name = user.user_name();
    let mut gaps = Gaps::default();
    let mut links = Vec::new();
    let mut props = IamUser {
        user_name: name.to_string(),
        arn: user.arn().to_string(),
        path: user.path().to_string(),
        user_id: user.user_id().to_string(),
        create_date: to_utc(user.create_date()),
        password_last_used: user.password_last_used().and_then(to_utc),
        ..IamUser::default()
    };

    // ListUsers leaves out tags and the permissions boundary.
    let mut user_tags = Default::default();
    match client
        .get_user()
        .user_name(name)
        .send()
        .await
        .map_err(api("iam:GetUser"))
    {
        Ok(out) => {
            if let Some(u) = out.user() {
                props.password_last_used = u.password_last_used().and_then(to_utc);
                props.permissions_boundary = boundary(u.permissions_boundary());
                user_tags = tags(u.tags());
            }
        }
        Err(e) if is_code(&e, &["NoSuchEntity"]) => return None,
        Err(e) => gaps.push("get_user", &["permissions_boundary"], e),
    }

    match client
        .get_login_profile()
        .user_name(name)
        .send()
        .await
        .map_err(api("iam:GetLoginProfile"))
    {
        Ok(out) => {
            props.login_profile = out.login_profile().map(|p| LoginProfile {
                create_date: to_utc(p.create_date()),
                password_reset_required: p.password_reset_required(),
            })
        }
        // No console password.
        Err(e) if is_code(&e, &["NoSuchEntity"]) => {}
        Err(e) => gaps.push("get_login_profile", &["login_profile"], e),
    }

    match mfa_devices(client, name).await {
        Ok(devices) => props.mfa_devices = devices,
        Err(e) => gaps.push("list_mfa_devices", &["mfa_devices"], e),
    }

    match access_keys(client, name).await {
        Ok(keys) => props.access_keys = keys,
        Err(e) => gaps.push("list_access_keys", &["access_keys"], e),
    }

    let attached = attached_policies!(
        client,
        list_attached_user_policies,
        user_name,
        name,
        "iam:ListAttachedUserPolicies"
    );
    match attached.await {
        Ok(policies) => {
            links.extend(policy_links(&policies));
            props.attached_policies = policies;
        }
        Err(e) => gaps.push("list_attached_user_policies", &["attached_policies"], e),
    }

    let inline = inline_policies!(
        client,
        list_user_policies,
        get_user_policy,
        user_name,
        name,
        "iam:ListUserPolicies",
        "iam:GetUserPolicy"
    );
    match inline.await {
        Ok(policies) => props.inline_policies = policies,
        Err(e) => gaps.push("list_user_policies", &["inline_policies"], e),
    }

    match groups_of(client, name).await {
        Ok(groups) => {
            for (group_name, arn) in groups {
                links.push((Relation::MemberOf, arn));
                props.groups.push(group_name);
            }
        }
        Err(e) => gaps.push("list_groups_for_user", &["groups"], e),
    }

    let resource = Resource::new(
        props.arn.clone(),
        "aws_iam_user",
        &unit.account,
        &unit.region,
        name,
    )
    .with_props(&props)
    .with_tags(user_tags)
    .created(props.create_date);
    Some((gaps.apply(resource), links))
}

async fn mfa_devices(client: &Client, user: &str) -> Result<Vec<MfaDevice>, CollectError> {
    let mut devices = Vec::new();
    let mut pages = client
        .list_mfa_devices()
        .user_name(user)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("iam:ListMFADevices"))?;
        devices.extend(page.mfa_devices().iter().map(|d| MfaDevice {
            serial_number: d.serial_number().to_string(),
            enable_date: to_utc(d.enable_date()),
        }));
    }
    Ok(devices)
}

/// The user's access keys with their last use. A key whose last use cannot
/// be read fails the whole list: a key-age or unused-key control must not
/// judge a key on half its facts.
async fn access_keys(client: &Client, user: &str) -> Result<Vec<AccessKey>, CollectError> {
    let mut keys = Vec::new();
    let mut pages = client
        .list_access_keys()
        .user_name(user)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("iam:ListAccessKeys"))?;
        for k in page.access_key_metadata() {
            let Some(id) = k.access_key_id() else {
                continue;
            };
            keys.push(AccessKey {
                access_key_id: id.to_string(),
                status: k.status().map(|s| s.as_str().to_string()),
                create_date: k.create_date().and_then(to_utc),
                ..AccessKey::default()
            });
        }
    }
    for key in &mut keys {
        let out = client
            .get_access_key_last_used()
            .access_key_id(&key.access_key_id)
            .send()
            .await
            .map_err(api("iam:GetAccessKeyLastUsed"))?;
        if let Some(used) = out.access_key_last_used() {
            key.last_used_date = used.last_used_date().and_then(to_utc);
            key.last_used_service = known(used.service_name());
            key.last_used_region = known(used.region());
        }
    }
    Ok(keys)
}

/// IAM answers `N/A` for the service and region of a key never used.
fn known(value: &str) -> Option<String> {
    (!value.is_empty() && value != "N/A").then(|| value.to_string())
}

/// The (name, ARN) of every group the user belongs to.
async fn groups_of(client: &Client, user: &str) -> Result<Vec<(String, String)>, CollectError> {
    let mut groups = Vec::new();
    let mut pages = client
        .list_groups_for_user()
        .user_name(user)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("iam:ListGroupsForUser"))?;
        groups.extend(
            page.groups()
                .iter()
                .map(|g| (g.group_name().to_string(), g.arn().to_string())),
        );
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_used_keys_have_no_service_or_region() {
        assert_eq!(known("N/A"), None);
        assert_eq!(known(""), None);
        assert_eq!(known("s3"), Some("s3".to_string()));
    }
}
