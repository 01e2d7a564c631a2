//! Collects the account-wide settings into one `aws_account` resource: the
//! IAM password policy, the root user's MFA and access keys, the credential
//! report, the account-level S3 public access block and the contacts, so
//! that every CIS and FSBP control about the account is a check of one
//! resource. The collector core adds a summary of every region's settings
//! (`regions`) after all units have run.
//!
//! Every call here reads part of the one resource: a failing call leaves a
//! gap on it, never an error for the unit, so the rest is still checked.

use std::collections::BTreeMap;

use aws_sdk_account::types::AlternateContactType;
use aws_sdk_iam::types::{AssignmentStatusType, VirtualMfaDevice};
use plumb_model::aws::account::{AlternateContact, AwsAccount, ContactInformation, PasswordPolicy};
use plumb_model::aws::s3::PublicAccessBlock;
use plumb_model::Resource;

use crate::error::{api, is_code};
use crate::services::{Service, ServiceScope};
use crate::unit::record_gap;
use crate::{client, collect_fn, CollectError, Unit};

mod credential_report;

/// The `account` collector.
pub const SERVICE: Service = Service {
    name: "account",
    scope: ServiceScope::Global,
    kinds: &["aws_account"],
    actions: &[
        "iam:ListAccountAliases",
        "iam:GetAccountPasswordPolicy",
        "iam:GetAccountSummary",
        "iam:ListVirtualMFADevices",
        "iam:GenerateCredentialReport",
        "iam:GetCredentialReport",
        "s3:GetAccountPublicAccessBlock",
        "account:GetContactInformation",
        "account:GetAlternateContact",
    ],
    collect: collect_fn!(collect),
};

/// The failed calls: operation, the props fields it would have filled, why.
type Gaps = Vec<(&'static str, &'static [&'static str], CollectError)>;

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let mut gaps: Gaps = Vec::new();
    let mut account = AwsAccount {
        account_id: unit.account.clone(),
        ..AwsAccount::default()
    };
    read_iam_settings(unit, &mut account, &mut gaps).await;

    match account_public_access_block(unit).await {
        Ok(block) => account.s3_public_access_block = block,
        Err(e) => gaps.push(("get_public_access_block", &["s3_public_access_block"], e)),
    }

    read_contacts(unit, &mut account, &mut gaps).await;

    let name = account
        .account_aliases
        .first()
        .cloned()
        .unwrap_or_else(|| unit.account.clone());
    let mut resource = Resource::new(
        format!("aws_account:{}", unit.account),
        "aws_account",
        &unit.account,
        &unit.region,
        name,
    )
    .with_props(&account);
    for (operation, fields, error) in gaps {
        record_gap(&mut resource, operation, fields, &error);
    }
    unit.add(resource);
    Ok(())
}

/// Aliases, password policy, root user credentials and the credential report.
async fn read_iam_settings(unit: &Unit, account: &mut AwsAccount, gaps: &mut Gaps) {
    let iam = client!(unit, aws_sdk_iam);
    match aliases(&iam).await {
        Ok(aliases) => account.account_aliases = aliases,
        Err(e) => gaps.push(("list_account_aliases", &["account_aliases"], e)),
    }

    match iam
        .get_account_password_policy()
        .send()
        .await
        .map_err(api("iam:GetAccountPasswordPolicy"))
    {
        Ok(out) => account.password_policy = out.password_policy().map(password_policy),
        // No policy: AWS's defaults apply.
        Err(e) if is_code(&e, &["NoSuchEntity"]) => {}
        Err(e) => gaps.push(("get_account_password_policy", &["password_policy"], e)),
    }

    match iam
        .get_account_summary()
        .send()
        .await
        .map_err(api("iam:GetAccountSummary"))
    {
        Ok(out) => {
            account.account_summary = out
                .summary_map()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.as_str().to_string(), i64::from(*v)))
                .collect();
            match root_credentials(&account.account_summary) {
                Ok((mfa, keys)) => {
                    account.root_mfa_enabled = mfa;
                    account.root_access_keys_present = keys;
                }
                Err(e) => gaps.push((
                    "get_account_summary",
                    &["root_mfa_enabled", "root_access_keys_present"],
                    e,
                )),
            }
        }
        Err(e) => gaps.push((
            "get_account_summary",
            &[
                "account_summary",
                "root_mfa_enabled",
                "root_access_keys_present",
            ],
            e,
        )),
    }

    let root = format!("arn:{}:iam::{}:root", unit.partition(), unit.account);
    match assigned_virtual_mfa(&iam).await {
        Ok(devices) => account.root_virtual_mfa = assigned_to(&devices, &root),
        Err(e) => gaps.push(("list_virtual_mfa_devices", &["root_virtual_mfa"], e)),
    }

    match credential_report::read(&iam).await {
        Ok((entries, generated)) => {
            account.credential_report = entries;
            account.credential_report_generated_time = generated;
        }
        Err(e) => gaps.push((
            "get_credential_report",
            &["credential_report", "credential_report_generated_time"],
            e,
        )),
    }
}

/// Whether the root user has MFA and access keys, from the account
/// summary. A summary without the two counts is an error: unknown is not
/// "no MFA" or "no keys".
fn root_credentials(summary: &BTreeMap<String, i64>) -> Result<(bool, bool), CollectError> {
    match (
        summary.get("AccountMFAEnabled"),
        summary.get("AccountAccessKeysPresent"),
    ) {
        (Some(mfa), Some(keys)) => Ok((*mfa == 1, *keys > 0)),
        _ => Err(CollectError::Malformed {
            action: "iam:GetAccountSummary",
            detail: "the summary lacks AccountMFAEnabled or AccountAccessKeysPresent".into(),
        }),
    }
}

/// The primary contact and the security contact.
async fn read_contacts(unit: &Unit, account: &mut AwsAccount, gaps: &mut Gaps) {
    let contacts = client!(unit, aws_sdk_account);
    match contacts
        .get_contact_information()
        .send()
        .await
        .map_err(api("account:GetContactInformation"))
    {
        Ok(out) => account.contact_information = out.contact_information().map(contact),
        Err(e) if is_code(&e, &["ResourceNotFoundException"]) => {}
        Err(e) => gaps.push(("get_contact_information", &["contact_information"], e)),
    }
    match contacts
        .get_alternate_contact()
        .alternate_contact_type(AlternateContactType::Security)
        .send()
        .await
        .map_err(api("account:GetAlternateContact"))
    {
        Ok(out) => account.security_contact = out.alternate_contact().map(alternate),
        // No security contact set.
        Err(e) if is_code(&e, &["ResourceNotFoundException"]) => {}
        Err(e) => gaps.push(("get_alternate_contact", &["security_contact"], e)),
    }
}

async fn aliases(iam: &aws_sdk_iam::Client) -> Result<Vec<String>, CollectError> {
    let mut aliases = Vec::new();
    let mut pages = iam.list_account_aliases().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("iam:ListAccountAliases"))?;
        aliases.extend(page.account_aliases().iter().cloned());
    }
    Ok(aliases)
}

fn password_policy(p: &aws_sdk_iam::types::PasswordPolicy) -> PasswordPolicy {
    PasswordPolicy {
        minimum_password_length: p.minimum_password_length(),
        require_symbols: p.require_symbols(),
        require_numbers: p.require_numbers(),
        require_uppercase_characters: p.require_uppercase_characters(),
        require_lowercase_characters: p.require_lowercase_characters(),
        allow_users_to_change_password: p.allow_users_to_change_password(),
        expire_passwords: p.expire_passwords(),
        max_password_age: p.max_password_age(),
        password_reuse_prevention: p.password_reuse_prevention(),
        hard_expiry: p.hard_expiry(),
    }
}

async fn assigned_virtual_mfa(
    iam: &aws_sdk_iam::Client,
) -> Result<Vec<VirtualMfaDevice>, CollectError> {
    let mut devices = Vec::new();
    let mut pages = iam
        .list_virtual_mfa_devices()
        .assignment_status(AssignmentStatusType::Assigned)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("iam:ListVirtualMFADevices"))?;
        devices.extend(page.virtual_mfa_devices().iter().cloned());
    }
    Ok(devices)
}

/// Whether one of the virtual MFA devices is assigned to `user_arn`: the
/// root user's virtual device names `arn:aws:iam::ACCOUNT:root` as its user.
fn assigned_to(devices: &[VirtualMfaDevice], user_arn: &str) -> bool {
    devices
        .iter()
        .any(|d| d.user().is_some_and(|u| u.arn() == user_arn))
}

/// The account-level S3 public access block; `None` when none is set.
async fn account_public_access_block(
    unit: &Unit,
) -> Result<Option<PublicAccessBlock>, CollectError> {
    let mut conf =
        aws_sdk_s3control::config::Builder::from(unit.sdk()).interceptor(unit.call_counter());
    if unit.has_endpoint_override() {
        conf = conf.endpoint_resolver(OverriddenEndpoint);
    }
    let s3control = aws_sdk_s3control::Client::from_conf(conf.build());
    match s3control
        .get_public_access_block()
        .account_id(&unit.account)
        .send()
        .await
        .map_err(api("s3:GetAccountPublicAccessBlock"))
    {
        Ok(out) => Ok(out
            .public_access_block_configuration()
            .map(|c| PublicAccessBlock {
                block_public_acls: c.block_public_acls().unwrap_or(false),
                ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                block_public_policy: c.block_public_policy().unwrap_or(false),
                restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
            })),
        Err(e) if is_code(&e, &["NoSuchPublicAccessBlockConfiguration"]) => Ok(None),
        Err(e) => Err(e),
    }
}

/// S3 Control puts the account id in the host (`ACCOUNT.s3-control…`), also
/// in front of an overridden endpoint, which an emulator on an IP address
/// cannot answer; with an override the endpoint is used exactly as given
/// (moto routes S3 Control by path and reads the account from its header).
#[derive(Debug)]
pub(crate) struct OverriddenEndpoint;

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for OverriddenEndpoint {
    fn resolve_endpoint<'a>(
        &'a self,
        params: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        use aws_sdk_s3control::config::endpoint::{Endpoint, EndpointFuture};
        EndpointFuture::ready(match params.endpoint() {
            Some(url) => Ok(Endpoint::builder().url(url.to_string()).build()),
            None => Err("no endpoint override is set".into()),
        })
    }
}

fn contact(c: &aws_sdk_account::types::ContactInformation) -> ContactInformation {
    let text = |s: Option<&str>| s.map(str::to_string);
    ContactInformation {
        full_name: c.full_name().to_string(),
        company_name: text(c.company_name()),
        address_line1: c.address_line1().to_string(),
        address_line2: text(c.address_line2()),
        address_line3: text(c.address_line3()),
        city: c.city().to_string(),
        state_or_region: text(c.state_or_region()),
        district_or_county: text(c.district_or_county()),
        postal_code: c.postal_code().to_string(),
        country_code: c.country_code().to_string(),
        phone_number: c.phone_number().to_string(),
        website_url: text(c.website_url()),
    }
}

fn alternate(c: &aws_sdk_account::types::AlternateContact) -> AlternateContact {
    AlternateContact {
        alternate_contact_type: c.alternate_contact_type().map(|t| t.as_str().to_string()),
        name: c.name().map(str::to_string),
        title: c.title().map(str::to_string),
        email_address: c.email_address().map(str::to_string),
        phone_number: c.phone_number().map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::types::User;

    fn device(serial: &str, user_arn: Option<&str>) -> VirtualMfaDevice {
        let user = user_arn.map(|arn| {
            User::builder()
                .path("/")
                .user_name("x")
                .user_id("AIDX")
                .arn(arn)
                .create_date(aws_smithy_types::DateTime::from_secs(0))
                .build()
                .unwrap()
        });
        VirtualMfaDevice::builder()
            .serial_number(serial)
            .set_user(user)
            .build()
            .unwrap()
    }

    #[test]
    fn a_summary_without_root_counts_is_an_error_not_a_pass() {
        let mut summary = BTreeMap::new();
        summary.insert("AccountMFAEnabled".to_string(), 1);
        assert!(root_credentials(&summary).is_err());
        summary.insert("AccountAccessKeysPresent".to_string(), 0);
        assert_eq!(root_credentials(&summary).unwrap(), (true, false));
    }

    #[test]
    fn a_virtual_device_of_the_root_user_is_recognised() {
        let root = "arn:aws:iam::111122223333:root";
        let devices = [
            device(
                "arn:aws:iam::111122223333:mfa/alice",
                Some("arn:aws:iam::111122223333:user/alice"),
            ),
            device(
                "arn:aws:iam::111122223333:mfa/root-account-mfa-device",
                Some(root),
            ),
        ];
        assert!(assigned_to(&devices, root));
        assert!(!assigned_to(&devices[..1], root));
        assert!(!assigned_to(
            &[device("arn:aws:iam::111122223333:mfa/spare", None)],
            root
        ));
    }
}
