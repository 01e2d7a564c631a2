//! Props of `aws_account`: the settings that hold for a whole account
//! (password policy, root user credentials, the credential report, the
//! account-level S3 public access block, contacts) and a summary of every
//! region's settings, so that account-wide controls are checks of one
//! resource.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::region::RegionSummary;
use crate::aws::s3::PublicAccessBlock;
use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![kind!(
        "aws_account",
        "account",
        AwsAccount,
        uid = "aws_account:ACCOUNT",
        "The account-wide security settings: password policy, root user, credential report, S3 account public access block, contacts"
    )]
}

/// Props of `aws_account`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AwsAccount {
    /// The 12-digit account id (sts:GetCallerIdentity).
    pub account_id: String,
    /// The account's aliases; at most one (ListAccountAliases).
    pub account_aliases: Vec<String>,
    /// The IAM password policy; `null` when the account has none and AWS defaults apply (GetAccountPasswordPolicy).
    pub password_policy: Option<PasswordPolicy>,
    /// IAM usage and quotas by name (`Users`, `AccountMFAEnabled`, `AccountAccessKeysPresent`, …) (GetAccountSummary `SummaryMap`).
    pub account_summary: BTreeMap<String, i64>,
    /// Whether the root user has an MFA device (GetAccountSummary `AccountMFAEnabled` = 1).
    pub root_mfa_enabled: bool,
    /// Whether the root user has access keys (GetAccountSummary `AccountAccessKeysPresent` > 0).
    pub root_access_keys_present: bool,
    /// Whether the root user's MFA device is a virtual one; with `root_mfa_enabled` and this false, root has hardware MFA (ListVirtualMFADevices).
    pub root_virtual_mfa: bool,
    /// One entry per IAM user and the root user (GenerateCredentialReport, GetCredentialReport).
    pub credential_report: Vec<CredentialReportEntry>,
    /// When the credential report was generated; AWS serves a report up to four hours old (GetCredentialReport).
    pub credential_report_generated_time: Option<DateTime<Utc>>,
    /// The account-level S3 public access block; `null` when none is set (s3control:GetPublicAccessBlock).
    pub s3_public_access_block: Option<PublicAccessBlock>,
    /// The account's primary contact; `null` when none is set (account:GetContactInformation).
    pub contact_information: Option<ContactInformation>,
    /// The alternate contact for security notifications; `null` when none is set (account:GetAlternateContact `SECURITY`).
    pub security_contact: Option<AlternateContact>,
    /// Per region: the region-wide settings summarised from aws_region by the collector after every unit has run; absent when some region could not be read.
    #[serde(default)]
    pub regions: BTreeMap<String, RegionSummary>,
}

/// The account's IAM password policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PasswordPolicy {
    /// The shortest password allowed (GetAccountPasswordPolicy).
    pub minimum_password_length: Option<i32>,
    /// Whether passwords need a symbol (GetAccountPasswordPolicy).
    pub require_symbols: bool,
    /// Whether passwords need a digit (GetAccountPasswordPolicy).
    pub require_numbers: bool,
    /// Whether passwords need an uppercase letter (GetAccountPasswordPolicy).
    pub require_uppercase_characters: bool,
    /// Whether passwords need a lowercase letter (GetAccountPasswordPolicy).
    pub require_lowercase_characters: bool,
    /// Whether users may change their own password (GetAccountPasswordPolicy).
    pub allow_users_to_change_password: bool,
    /// Whether passwords expire (GetAccountPasswordPolicy).
    pub expire_passwords: bool,
    /// Days a password stays valid; `null` when passwords never expire (GetAccountPasswordPolicy).
    pub max_password_age: Option<i32>,
    /// How many previous passwords cannot be reused; `null` when reuse is allowed (GetAccountPasswordPolicy).
    pub password_reuse_prevention: Option<i32>,
    /// Whether an expired password locks the user out until an administrator resets it (GetAccountPasswordPolicy).
    pub hard_expiry: Option<bool>,
}

/// One row of the IAM credential report. Values the report gives as
/// `N/A`, `no_information` or `not_supported` are `null`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CredentialReportEntry {
    /// The user name; `<root_account>` for the root user (GetCredentialReport `user`).
    pub user: String,
    /// The user's ARN; `arn:aws:iam::ACCOUNT:root` for the root user (GetCredentialReport `arn`).
    pub arn: String,
    /// When the user was created (GetCredentialReport `user_creation_time`).
    pub user_creation_time: Option<DateTime<Utc>>,
    /// Whether the user has a console password; `null` for the root user (GetCredentialReport `password_enabled`).
    pub password_enabled: Option<bool>,
    /// When the password was last used to sign in (GetCredentialReport `password_last_used`).
    pub password_last_used: Option<DateTime<Utc>>,
    /// When the password was last set (GetCredentialReport `password_last_changed`).
    pub password_last_changed: Option<DateTime<Utc>>,
    /// When the password policy requires the next change (GetCredentialReport `password_next_rotation`).
    pub password_next_rotation: Option<DateTime<Utc>>,
    /// Whether an MFA device is enabled for the user (GetCredentialReport `mfa_active`).
    pub mfa_active: bool,
    /// Whether the first access key is active (GetCredentialReport `access_key_1_active`).
    pub access_key_1_active: bool,
    /// When the first access key was created or last rotated (GetCredentialReport `access_key_1_last_rotated`).
    pub access_key_1_last_rotated: Option<DateTime<Utc>>,
    /// When the first access key was last used (GetCredentialReport `access_key_1_last_used_date`).
    pub access_key_1_last_used_date: Option<DateTime<Utc>>,
    /// The region the first access key was last used in (GetCredentialReport `access_key_1_last_used_region`).
    pub access_key_1_last_used_region: Option<String>,
    /// The service the first access key last called (GetCredentialReport `access_key_1_last_used_service`).
    pub access_key_1_last_used_service: Option<String>,
    /// Whether the second access key is active (GetCredentialReport `access_key_2_active`).
    pub access_key_2_active: bool,
    /// When the second access key was created or last rotated (GetCredentialReport `access_key_2_last_rotated`).
    pub access_key_2_last_rotated: Option<DateTime<Utc>>,
    /// When the second access key was last used (GetCredentialReport `access_key_2_last_used_date`).
    pub access_key_2_last_used_date: Option<DateTime<Utc>>,
    /// The region the second access key was last used in (GetCredentialReport `access_key_2_last_used_region`).
    pub access_key_2_last_used_region: Option<String>,
    /// The service the second access key last called (GetCredentialReport `access_key_2_last_used_service`).
    pub access_key_2_last_used_service: Option<String>,
    /// Whether the first X.509 signing certificate is active (GetCredentialReport `cert_1_active`).
    pub cert_1_active: bool,
    /// When the first signing certificate was created or last rotated (GetCredentialReport `cert_1_last_rotated`).
    pub cert_1_last_rotated: Option<DateTime<Utc>>,
    /// Whether the second X.509 signing certificate is active (GetCredentialReport `cert_2_active`).
    pub cert_2_active: bool,
    /// When the second signing certificate was created or last rotated (GetCredentialReport `cert_2_last_rotated`).
    pub cert_2_last_rotated: Option<DateTime<Utc>>,
}

/// The account's primary contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ContactInformation {
    /// The contact's full name (account:GetContactInformation).
    pub full_name: String,
    /// The company name (account:GetContactInformation).
    pub company_name: Option<String>,
    /// The first address line (account:GetContactInformation).
    pub address_line1: String,
    /// The second address line (account:GetContactInformation).
    pub address_line2: Option<String>,
    /// The third address line (account:GetContactInformation).
    pub address_line3: Option<String>,
    /// The city (account:GetContactInformation).
    pub city: String,
    /// The state or region (account:GetContactInformation).
    pub state_or_region: Option<String>,
    /// The district or county (account:GetContactInformation).
    pub district_or_county: Option<String>,
    /// The postal code (account:GetContactInformation).
    pub postal_code: String,
    /// The ISO 3166 country code (account:GetContactInformation).
    pub country_code: String,
    /// The phone number (account:GetContactInformation).
    pub phone_number: String,
    /// The website (account:GetContactInformation).
    pub website_url: Option<String>,
}

/// An alternate contact of the account (billing, operations or security).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AlternateContact {
    /// `BILLING`, `OPERATIONS` or `SECURITY` (account:GetAlternateContact).
    pub alternate_contact_type: Option<String>,
    /// The contact's name (account:GetAlternateContact).
    pub name: Option<String>,
    /// The contact's title (account:GetAlternateContact).
    pub title: Option<String>,
    /// The contact's email address (account:GetAlternateContact).
    pub email_address: Option<String>,
    /// The contact's phone number (account:GetAlternateContact).
    pub phone_number: Option<String>,
}
