//! Props of the kinds the `iam` collector produces: users with their
//! credentials (console password, MFA devices, access keys), groups, roles
//! with their trust policies, customer-managed policies with their
//! documents, instance profiles and server certificates. Together with the
//! `has_policy`, `member_of` and `assumes` edges they answer the IAM
//! controls of CIS AWS Foundations section 1 and AWS FSBP.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![
        kind!(
            "aws_iam_user",
            "iam",
            IamUser,
            uid = "arn:aws:iam::ACCOUNT:user/PATH/NAME",
            "An IAM user with its console password, MFA devices, access keys, policies and groups"
        ),
        kind!(
            "aws_iam_group",
            "iam",
            IamGroup,
            uid = "arn:aws:iam::ACCOUNT:group/PATH/NAME",
            "An IAM group with its attached and inline policies"
        ),
        kind!(
            "aws_iam_role",
            "iam",
            IamRole,
            uid = "arn:aws:iam::ACCOUNT:role/PATH/NAME",
            "An IAM role with its trust policy, last use, attached and inline policies"
        ),
        kind!(
            "aws_iam_policy",
            "iam",
            IamPolicy,
            uid = "arn:aws:iam::ACCOUNT:policy/PATH/NAME",
            "A customer-managed IAM policy with the document of its default version"
        ),
        kind!(
            "aws_iam_instance_profile",
            "iam",
            IamInstanceProfile,
            uid = "arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME",
            "An IAM instance profile and the roles it passes to EC2 instances"
        ),
        kind!(
            "aws_iam_server_certificate",
            "iam",
            IamServerCertificate,
            uid = "arn:aws:iam::ACCOUNT:server-certificate/PATH/NAME",
            "A TLS server certificate stored in IAM, with its expiration"
        ),
    ]
}

/// Props of `aws_iam_user`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IamUser {
    /// The user name (ListUsers).
    pub user_name: String,
    /// The user's ARN (ListUsers).
    pub arn: String,
    /// The path the user was created under (ListUsers).
    pub path: String,
    /// The stable unique id of the user (ListUsers).
    pub user_id: String,
    /// When the user was created (ListUsers).
    pub create_date: Option<DateTime<Utc>>,
    /// When the user's console password was last used to sign in; `null` when never, or not since IAM began tracking (GetUser).
    pub password_last_used: Option<DateTime<Utc>>,
    /// The user's console password; `null` when the user has none (GetLoginProfile).
    pub login_profile: Option<LoginProfile>,
    /// The MFA devices assigned to the user, virtual and hardware (ListMFADevices).
    pub mfa_devices: Vec<MfaDevice>,
    /// The user's access keys, without their secrets (ListAccessKeys, GetAccessKeyLastUsed).
    pub access_keys: Vec<AccessKey>,
    /// The managed policies attached directly to the user (ListAttachedUserPolicies).
    pub attached_policies: Vec<AttachedPolicy>,
    /// The inline policies embedded in the user, with their documents (ListUserPolicies, GetUserPolicy).
    pub inline_policies: Vec<InlinePolicy>,
    /// The names of the groups the user belongs to (ListGroupsForUser).
    pub groups: Vec<String>,
    /// The managed policy that bounds the user's permissions; `null` when none is set (GetUser).
    pub permissions_boundary: Option<PermissionsBoundary>,
}

/// A user's console password, without the password.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoginProfile {
    /// When the password was created (GetLoginProfile).
    pub create_date: Option<DateTime<Utc>>,
    /// Whether the user must set a new password at the next sign-in (GetLoginProfile).
    pub password_reset_required: bool,
}

/// An MFA device of a user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MfaDevice {
    /// The device's serial number: an ARN (`arn:aws:iam::ACCOUNT:mfa/NAME`) for virtual devices and passkeys, a serial for hardware tokens (ListMFADevices).
    pub serial_number: String,
    /// When the device was enabled for the user (ListMFADevices).
    pub enable_date: Option<DateTime<Utc>>,
}

/// An access key of a user: metadata and last use, never the secret.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AccessKey {
    /// The access key id (ListAccessKeys).
    pub access_key_id: String,
    /// `Active`, `Inactive` or `Expired` (ListAccessKeys).
    pub status: Option<String>,
    /// When the key was created (ListAccessKeys).
    pub create_date: Option<DateTime<Utc>>,
    /// When the key was last used; `null` when never (GetAccessKeyLastUsed).
    pub last_used_date: Option<DateTime<Utc>>,
    /// The service the key last called; `null` when never used (GetAccessKeyLastUsed `ServiceName`).
    pub last_used_service: Option<String>,
    /// The region the key was last used in; `null` when never used (GetAccessKeyLastUsed `Region`).
    pub last_used_region: Option<String>,
}

/// A managed policy attached to a user, group or role.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AttachedPolicy {
    /// The policy ARN; AWS-managed policies live under `arn:aws:iam::aws:policy/` (ListAttached{User,Group,Role}Policies).
    pub policy_arn: String,
    /// The policy name (ListAttached{User,Group,Role}Policies).
    pub policy_name: Option<String>,
}

/// An inline policy embedded in a user, group or role.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InlinePolicy {
    /// The policy name (List{User,Group,Role}Policies).
    pub policy_name: String,
    /// The policy document as JSON, URL-decoded (Get{User,Group,Role}Policy).
    pub policy_document: Value,
}

/// The permissions boundary of a user or role.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PermissionsBoundary {
    /// The ARN of the managed policy used as the boundary (GetUser, GetRole).
    pub permissions_boundary_arn: Option<String>,
    /// `Policy`, the only type IAM has (GetUser, GetRole).
    pub permissions_boundary_type: Option<String>,
}

/// Props of `aws_iam_group`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IamGroup {
    /// The group name (ListGroups).
    pub group_name: String,
    /// The group's ARN (ListGroups).
    pub arn: String,
    /// The path the group was created under (ListGroups).
    pub path: String,
    /// The stable unique id of the group (ListGroups).
    pub group_id: String,
    /// When the group was created (ListGroups).
    pub create_date: Option<DateTime<Utc>>,
    /// The managed policies attached to the group (ListAttachedGroupPolicies).
    pub attached_policies: Vec<AttachedPolicy>,
    /// The inline policies embedded in the group, with their documents (ListGroupPolicies, GetGroupPolicy).
    pub inline_policies: Vec<InlinePolicy>,
}

/// Props of `aws_iam_role`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IamRole {
    /// The role name (ListRoles).
    pub role_name: String,
    /// The role's ARN (ListRoles).
    pub arn: String,
    /// The path the role was created under; service-linked roles live under `/aws-service-role/` (ListRoles).
    pub path: String,
    /// The stable unique id of the role (ListRoles).
    pub role_id: String,
    /// When the role was created (ListRoles).
    pub create_date: Option<DateTime<Utc>>,
    /// The role's description (ListRoles).
    pub description: Option<String>,
    /// The trust policy: who may assume the role, as JSON, URL-decoded (ListRoles `AssumeRolePolicyDocument`).
    pub assume_role_policy_document: Option<Value>,
    /// The longest session, in seconds, that assuming the role grants (ListRoles).
    pub max_session_duration: Option<i32>,
    /// When and where the role was last assumed; `null` when not within IAM's tracking period (GetRole `RoleLastUsed`).
    pub role_last_used: Option<RoleLastUsed>,
    /// The managed policies attached to the role (ListAttachedRolePolicies).
    pub attached_policies: Vec<AttachedPolicy>,
    /// The inline policies embedded in the role, with their documents (ListRolePolicies, GetRolePolicy).
    pub inline_policies: Vec<InlinePolicy>,
    /// The ARNs of the instance profiles that carry the role (ListInstanceProfiles).
    pub instance_profiles: Vec<String>,
    /// The managed policy that bounds the role's permissions; `null` when none is set (GetRole).
    pub permissions_boundary: Option<PermissionsBoundary>,
}

/// When a role was last assumed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RoleLastUsed {
    /// When the role was last assumed (GetRole `RoleLastUsed.LastUsedDate`).
    pub last_used_date: Option<DateTime<Utc>>,
    /// The region it was last assumed in (GetRole `RoleLastUsed.Region`).
    pub region: Option<String>,
}

/// Props of `aws_iam_policy` (customer-managed policies only; AWS-managed
/// policies appear as the targets of `has_policy` edges).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IamPolicy {
    /// The policy name (ListPolicies).
    pub policy_name: String,
    /// The policy's ARN (ListPolicies).
    pub arn: String,
    /// The stable unique id of the policy (ListPolicies).
    pub policy_id: Option<String>,
    /// The path the policy was created under (ListPolicies).
    pub path: Option<String>,
    /// The version in force (`v3`) (ListPolicies).
    pub default_version_id: Option<String>,
    /// How many users, groups and roles the policy is attached to (ListPolicies).
    pub attachment_count: Option<i32>,
    /// How many users and roles use the policy as their permissions boundary (ListPolicies).
    pub permissions_boundary_usage_count: Option<i32>,
    /// Whether the policy can be attached (ListPolicies).
    pub is_attachable: bool,
    /// The document of the default version as JSON, URL-decoded (GetPolicyVersion).
    pub document: Option<Value>,
    /// When the policy was created (ListPolicies).
    pub create_date: Option<DateTime<Utc>>,
    /// When the policy was last updated: a new version created or the default changed (ListPolicies).
    pub update_date: Option<DateTime<Utc>>,
}

/// Props of `aws_iam_instance_profile`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IamInstanceProfile {
    /// The instance profile name (ListInstanceProfiles).
    pub instance_profile_name: String,
    /// The instance profile's ARN (ListInstanceProfiles).
    pub arn: String,
    /// The path the profile was created under (ListInstanceProfiles).
    pub path: String,
    /// The stable unique id of the profile (ListInstanceProfiles).
    pub instance_profile_id: String,
    /// When the profile was created (ListInstanceProfiles).
    pub create_date: Option<DateTime<Utc>>,
    /// The roles the profile passes to instances; at most one (ListInstanceProfiles).
    pub roles: Vec<ProfileRole>,
}

/// A role carried by an instance profile.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProfileRole {
    /// The role name (ListInstanceProfiles `Roles[].RoleName`).
    pub role_name: String,
    /// The role ARN (ListInstanceProfiles `Roles[].Arn`).
    pub arn: String,
}

/// Props of `aws_iam_server_certificate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IamServerCertificate {
    /// The certificate name (ListServerCertificates).
    pub server_certificate_name: String,
    /// The certificate's ARN (ListServerCertificates).
    pub arn: String,
    /// The stable unique id of the certificate (ListServerCertificates).
    pub server_certificate_id: String,
    /// The path the certificate was uploaded under; `/cloudfront/` for CloudFront (ListServerCertificates).
    pub path: String,
    /// When the certificate was uploaded (ListServerCertificates).
    pub upload_date: Option<DateTime<Utc>>,
    /// When the certificate expires (ListServerCertificates).
    pub expiration: Option<DateTime<Utc>>,
}
