//! IAM groups and the policies their members inherit.

use aws_sdk_iam::types::Group;
use aws_sdk_iam::Client;
use plumb_model::aws::iam::IamGroup;
use plumb_model::Resource;

use super::{attached_policies, inline_policies, policy_links, Gaps, Read};
use crate::error::api;
use crate::unit::to_utc;
use crate::{CollectError, Unit};

/// Every group of the account.
pub(super) async fn list(client: &Client) -> Result<Vec<Group>, CollectError> {
    let mut groups = Vec::new();
    let mut pages = client.list_groups().into_paginator().send();
    while let Some(page) = pages.next().await {
        groups.extend(
            page.map_err(api("iam:ListGroups"))?
                .groups()
                .iter()
                .cloned(),
        );
    }
    Ok(groups)
}

/// Reads one group's policies.
pub(super) async fn read(unit: &Unit, client: &Client, group: Group) -> Option<Read> {
    let name = group.group_name();
    let mut gaps = Gaps::default();
    let mut links = Vec::new();
    let mut props = IamGroup {
        group_name: name.to_string(),
        arn: group.arn().to_string(),
        path: group.path().to_string(),
        group_id: group.group_id().to_string(),
        create_date: to_utc(group.create_date()),
        ..IamGroup::default()
    };

    let attached = attached_policies!(
        client,
        list_attached_group_policies,
        group_name,
        name,
        "iam:ListAttachedGroupPolicies"
    );
    match attached.await {
        Ok(policies) => {
            links.extend(policy_links(&policies));
            props.attached_policies = policies;
        }
        Err(e) => gaps.push("list_attached_group_policies", &["attached_policies"], e),
    }

    let inline = inline_policies!(
        client,
        list_group_policies,
        get_group_policy,
        group_name,
        name,
        "iam:ListGroupPolicies",
        "iam:GetGroupPolicy"
    );
    match inline.await {
        Ok(policies) => props.inline_policies = policies,
        Err(e) => gaps.push("list_group_policies", &["inline_policies"], e),
    }

    let resource = Resource::new(
        props.arn.clone(),
        "aws_iam_group",
        &unit.account,
        &unit.region,
        name,
    )
    .with_props(&props)
    .created(props.create_date);
    Some((gaps.apply(resource), links))
}
