//! Props of the kinds the `organizations` collector produces: the AWS
//! Organization the scanned account belongs to and, from the management
//! account, its member accounts. E-mail addresses are personal data and are
//! not stored.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![
        kind!(
            "aws_organizations_organization",
            "organizations",
            Organization,
            uid = "arn:aws:organizations::MANAGEMENT_ACCOUNT:organization/o-ID",
            "The AWS Organization the account belongs to: its id, feature set and management account"
        ),
        kind!(
            "aws_organizations_account",
            "organizations",
            OrganizationAccount,
            uid = "arn:aws:organizations::MANAGEMENT_ACCOUNT:account/o-ID/ACCOUNT",
            "An account of the organization, as its management account lists it"
        ),
    ]
}

/// Props of `aws_organizations_organization`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Organization {
    /// The organization id, `o-…` (DescribeOrganization).
    pub id: String,
    /// The organization ARN (DescribeOrganization).
    pub arn: String,
    /// `ALL` (every feature, SCPs included) or `CONSOLIDATED_BILLING` (DescribeOrganization).
    pub feature_set: Option<String>,
    /// The management account's id (DescribeOrganization `MasterAccountId`).
    pub master_account_id: Option<String>,
    /// The management account's ARN (DescribeOrganization `MasterAccountArn`).
    pub master_account_arn: Option<String>,
}

/// Props of `aws_organizations_account`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OrganizationAccount {
    /// The 12-digit account id (ListAccounts).
    pub id: String,
    /// The account's ARN within the organization (ListAccounts).
    pub arn: String,
    /// The account name (ListAccounts).
    pub name: Option<String>,
    /// `ACTIVE`, `SUSPENDED` or `PENDING_CLOSURE`; AWS is replacing it with `state` (ListAccounts).
    pub status: Option<String>,
    /// `PENDING_ACTIVATION`, `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE` or `CLOSED` (ListAccounts).
    pub state: Option<String>,
    /// `INVITED` or `CREATED` (ListAccounts).
    pub joined_method: Option<String>,
    /// When the account joined the organization (ListAccounts).
    pub joined_timestamp: Option<DateTime<Utc>>,
}
