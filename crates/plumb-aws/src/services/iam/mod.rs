//! Collects IAM: users with their console passwords, MFA devices and access
//! keys, groups, roles with their trust policies, customer-managed policies
//! with the document of their default version, instance profiles and server
//! certificates, everything the IAM controls of CIS AWS Foundations section
//! 1 and AWS FSBP read. Users, groups and roles are linked to every managed
//! policy attached to them (`has_policy`, AWS-managed ones included), users
//! to their groups (`member_of`) and instance profiles to their roles
//! (`assumes`).
//!
//! IAM is global: one unit per account. Each user, group, role and policy
//! needs several sub-calls; they run for a bounded number of entities at
//! once, and a failing sub-call leaves a gap on that entity only.

use std::collections::BTreeMap;

use aws_sdk_iam::types::{AttachedPermissionsBoundary, Tag};
use futures::stream::{self, StreamExt};
use plumb_model::aws::iam::{AttachedPolicy, PermissionsBoundary};
use plumb_model::{Relation, Resource};

use crate::services::{Service, ServiceScope};
use crate::unit::{record_gap, tag_map};
use crate::{client, collect_fn, CollectError, Unit};

mod groups;
mod policies;
mod roles;
mod users;

/// The `iam` collector.
pub const SERVICE: Service = Service {
    name: "iam",
    scope: ServiceScope::Global,
    kinds: &[
        "aws_iam_user",
        "aws_iam_group",
        "aws_iam_role",
        "aws_iam_policy",
        "aws_iam_instance_profile",
        "aws_iam_server_certificate",
    ],
    actions: &[
        "iam:ListUsers",
        "iam:GetUser",
        "iam:GetLoginProfile",
        "iam:ListMFADevices",
        "iam:ListAccessKeys",
        "iam:GetAccessKeyLastUsed",
        "iam:ListAttachedUserPolicies",
        "iam:ListUserPolicies",
        "iam:GetUserPolicy",
        "iam:ListGroupsForUser",
        "iam:ListGroups",
        "iam:ListAttachedGroupPolicies",
        "iam:ListGroupPolicies",
        "iam:GetGroupPolicy",
        "iam:ListRoles",
        "iam:GetRole",
        "iam:ListAttachedRolePolicies",
        "iam:ListRolePolicies",
        "iam:GetRolePolicy",
        "iam:ListPolicies",
        "iam:GetPolicyVersion",
        "iam:ListInstanceProfiles",
        "iam:ListServerCertificates",
    ],
    collect: collect_fn!(collect),
};

/// How many users, groups, roles or policies are read at once within the
/// unit: each needs several calls and IAM throttles early.
const ENTITY_CONCURRENCY: usize = 8;

/// A resource read with the edges that start from it.
type Read = (Resource, Vec<(Relation, String)>);

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let client = client!(unit, aws_sdk_iam);

    // Profiles first: roles take the list of their profiles from them.
    let profiles = roles::list_instance_profiles(&client).await?;
    let role_profiles = roles::profiles_by_role(&profiles);
    let read: Vec<Read> = profiles
        .iter()
        .map(|p| roles::instance_profile(unit, p))
        .collect();
    unit.add_linked(read);

    // Each kind is recorded as soon as it is read, so that a list call
    // failing later keeps what was already collected.
    let listed = users::list(&client).await?;
    let read = read_all(listed, |u| users::read(unit, &client, u)).await;
    unit.add_linked(read);

    let listed = groups::list(&client).await?;
    let read = read_all(listed, |g| groups::read(unit, &client, g)).await;
    unit.add_linked(read);

    let listed = roles::list(&client).await?;
    let read = read_all(listed, |r| roles::read(unit, &client, &role_profiles, r)).await;
    unit.add_linked(read);

    let listed = policies::list(&client).await?;
    let read = read_all(listed, |p| policies::read(unit, &client, p)).await;
    unit.add_linked(read);

    let read = policies::server_certificates(unit, &client).await?;
    unit.add_linked(read);
    Ok(())
}

/// Reads every listed entity, a bounded number at once. An entity that
/// vanished between the list and its reads yields `None` and is skipped.
async fn read_all<T, F, Fut>(listed: Vec<T>, read: F) -> Vec<Read>
where
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = Option<Read>>,
{
    stream::iter(listed)
        .map(read)
        .buffer_unordered(ENTITY_CONCURRENCY)
        .filter_map(|r| async move { r })
        .collect()
        .await
}

/// The sub-calls that failed for one entity: the operation, the props
/// fields it would have filled, and why.
#[derive(Default)]
struct Gaps(Vec<(&'static str, &'static [&'static str], CollectError)>);

impl Gaps {
    fn push(&mut self, operation: &'static str, fields: &'static [&'static str], e: CollectError) {
        self.0.push((operation, fields, e));
    }

    /// Records the gaps on the resource, after its props are set.
    fn apply(self, mut resource: Resource) -> Resource {
        for (operation, fields, error) in self.0 {
            record_gap(&mut resource, operation, fields, &error);
        }
        resource
    }
}

fn tags(tags: &[Tag]) -> BTreeMap<String, String> {
    tag_map(tags.iter().map(|t| (t.key(), t.value())))
}

fn boundary(b: Option<&AttachedPermissionsBoundary>) -> Option<PermissionsBoundary> {
    b.map(|b| PermissionsBoundary {
        permissions_boundary_arn: b.permissions_boundary_arn().map(str::to_string),
        permissions_boundary_type: b
            .permissions_boundary_type()
            .map(|t| t.as_str().to_string()),
    })
}

fn attached(policies: &[aws_sdk_iam::types::AttachedPolicy]) -> Vec<AttachedPolicy> {
    policies
        .iter()
        .filter_map(|p| {
            Some(AttachedPolicy {
                policy_arn: p.policy_arn()?.to_string(),
                policy_name: p.policy_name().map(str::to_string),
            })
        })
        .collect()
}

/// The `has_policy` edges of an entity's attached policies.
fn policy_links(policies: &[AttachedPolicy]) -> Vec<(Relation, String)> {
    policies
        .iter()
        .map(|p| (Relation::HasPolicy, p.policy_arn.clone()))
        .collect()
}

/// Lists the managed policies attached to a user, group or role, to the
/// last page. A macro because the SDK has one operation and output type
/// per entity kind.
macro_rules! attached_policies {
    ($client:expr, $list:ident, $entity:ident, $name:expr, $action:literal) => {
        async {
            let mut policies = Vec::new();
            let mut pages = $client.$list().$entity($name).into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = page.map_err($crate::error::api($action))?;
                policies.extend($crate::services::iam::attached(page.attached_policies()));
            }
            Ok::<_, $crate::CollectError>(policies)
        }
    };
}

/// Lists the inline policies of a user, group or role and reads each
/// document. A macro for the same reason as [`attached_policies`].
macro_rules! inline_policies {
    ($client:expr, $list:ident, $get:ident, $entity:ident, $name:expr, $list_action:literal, $get_action:literal) => {
        async {
            let mut names = Vec::new();
            let mut pages = $client.$list().$entity($name).into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = page.map_err($crate::error::api($list_action))?;
                names.extend(page.policy_names().iter().cloned());
            }
            let mut policies = Vec::new();
            for policy_name in names {
                let out = $client
                    .$get()
                    .$entity($name)
                    .policy_name(&policy_name)
                    .send()
                    .await
                    .map_err($crate::error::api($get_action))?;
                policies.push(plumb_model::aws::iam::InlinePolicy {
                    policy_document: $crate::unit::parse_policy(
                        $get_action,
                        out.policy_document(),
                    )?,
                    policy_name,
                });
            }
            Ok::<_, $crate::CollectError>(policies)
        }
    };
}

use {attached_policies, inline_policies};
