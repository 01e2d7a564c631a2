//! The AWS-managed policies Plumb knows without a snapshot. They are the
//! same in every account and are not collected (only the `has_policy` edges
//! name them), so the few that decide a principal's power are written here,
//! each as a document that grants at least what the real one does where it
//! matters for risk (admin, escalation, data stores).
//!
//! | policy | stands for |
//! |---|---|
//! | `AdministratorAccess` | every action on every resource: admin |
//! | `PowerUserAccess` | everything but `iam:*`, `organizations:*` and `account:*` |
//! | `IAMFullAccess` | `iam:*`: every IAM escalation, not admin itself |
//! | `AmazonS3FullAccess` | `s3:*` on every bucket: reads and writes them all |
//! | `AmazonS3ReadOnlyAccess` | `s3:Get*`, `s3:List*`: reads every bucket |
//! | `ReadOnlyAccess` | `Get*`, `List*`, `Describe*` of every service: reads every bucket |
//!
//! Any other AWS-managed policy is reported as unknown and adds nothing.

use serde_json::{json, Value};

/// The document Plumb assumes for the AWS-managed policy `arn`
/// (`arn:aws:iam::aws:policy/NAME`), when it knows the policy.
pub(crate) fn document(arn: &str) -> Option<Value> {
    let (prefix, name) = arn.rsplit_once('/')?;
    if !(prefix.starts_with("arn:aws") && prefix.ends_with(":iam::aws:policy")) {
        return None;
    }
    let allow = |actions: Value| {
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": name, "Effect": "Allow", "Action": actions, "Resource": "*"}
        ]})
    };
    Some(match name {
        "AdministratorAccess" => allow(json!("*")),
        "PowerUserAccess" => json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "PowerUserAccess", "Effect": "Allow",
             "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
            {"Sid": "PowerUserAccessIam", "Effect": "Allow",
             "Action": ["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole",
                        "iam:ListRoles", "organizations:DescribeOrganization",
                        "account:ListRegions", "account:GetAccountInformation"],
             "Resource": "*"}
        ]}),
        "IAMFullAccess" => allow(json!([
            "iam:*",
            "organizations:Describe*",
            "organizations:List*"
        ])),
        "AmazonS3FullAccess" => allow(json!(["s3:*", "s3-object-lambda:*"])),
        "AmazonS3ReadOnlyAccess" => allow(json!([
            "s3:Get*",
            "s3:List*",
            "s3:Describe*",
            "s3-object-lambda:Get*",
            "s3-object-lambda:List*"
        ])),
        "ReadOnlyAccess" => allow(json!(["*:Get*", "*:List*", "*:Describe*"])),
        _ => return None,
    })
}
