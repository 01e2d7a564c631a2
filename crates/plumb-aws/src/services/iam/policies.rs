//! Customer-managed IAM policies with the document of their default
//! version, and IAM server certificates.

use aws_sdk_iam::types::{Policy, PolicyScopeType};
use aws_sdk_iam::Client;
use plumb_model::aws::iam::{IamPolicy, IamServerCertificate};
use plumb_model::Resource;

use super::{Gaps, Read};
use crate::error::api;
use crate::unit::{parse_policy, to_utc};
use crate::{CollectError, Unit};

/// Every customer-managed policy of the account. AWS-managed policies are
/// the same in every account and are not collected; the `has_policy` edges
/// name them.
pub(super) async fn list(client: &Client) -> Result<Vec<Policy>, CollectError> {
    let mut policies = Vec::new();
    let mut pages = client
        .list_policies()
        .scope(PolicyScopeType::Local)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("iam:ListPolicies"))?;
        policies.extend(page.policies().iter().cloned());
    }
    Ok(policies)
}

/// Reads the default version's document of one policy.
pub(super) async fn read(unit: &Unit, client: &Client, policy: Policy) -> Option<Read> {
    let arn = policy.arn()?.to_string();
    let name = policy.policy_name().unwrap_or(&arn).to_string();
    let mut gaps = Gaps::default();
    let mut props = IamPolicy {
        policy_name: name.clone(),
        arn: arn.clone(),
        policy_id: policy.policy_id().map(str::to_string),
        path: policy.path().map(str::to_string),
        default_version_id: policy.default_version_id().map(str::to_string),
        attachment_count: policy.attachment_count(),
        permissions_boundary_usage_count: policy.permissions_boundary_usage_count(),
        is_attachable: policy.is_attachable(),
        document: None,
        create_date: policy.create_date().and_then(to_utc),
        update_date: policy.update_date().and_then(to_utc),
    };
    match document(client, &arn, props.default_version_id.as_deref()).await {
        Ok(doc) => props.document = Some(doc),
        Err(e) => gaps.push("get_policy_version", &["document"], e),
    }
    let resource = Resource::new(arn, "aws_iam_policy", &unit.account, &unit.region, name)
        .with_props(&props)
        .created(props.create_date);
    Some((gaps.apply(resource), Vec::new()))
}

async fn document(
    client: &Client,
    arn: &str,
    version: Option<&str>,
) -> Result<serde_json::Value, CollectError> {
    let version = version.ok_or_else(|| CollectError::Malformed {
        action: "iam:ListPolicies",
        detail: format!("policy {arn} has no default version"),
    })?;
    let out = client
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .map_err(api("iam:GetPolicyVersion"))?;
    let text = out
        .policy_version()
        .and_then(|v| v.document())
        .ok_or_else(|| CollectError::Malformed {
            action: "iam:GetPolicyVersion",
            detail: format!("version {version} of {arn} has no document"),
        })?;
    parse_policy("iam:GetPolicyVersion", text)
}

/// Every server certificate; ListServerCertificates says all the controls
/// need (expiration).
pub(super) async fn server_certificates(
    unit: &Unit,
    client: &Client,
) -> Result<Vec<Read>, CollectError> {
    let mut read = Vec::new();
    let mut pages = client.list_server_certificates().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("iam:ListServerCertificates"))?;
        for c in page.server_certificate_metadata_list() {
            let props = IamServerCertificate {
                server_certificate_name: c.server_certificate_name().to_string(),
                arn: c.arn().to_string(),
                server_certificate_id: c.server_certificate_id().to_string(),
                path: c.path().to_string(),
                upload_date: c.upload_date().and_then(to_utc),
                expiration: c.expiration().and_then(to_utc),
            };
            let resource = Resource::new(
                props.arn.clone(),
                "aws_iam_server_certificate",
                &unit.account,
                &unit.region,
                &props.server_certificate_name,
            )
            .with_props(&props)
            .created(props.upload_date);
            read.push((resource, Vec::new()));
        }
    }
    Ok(read)
}
