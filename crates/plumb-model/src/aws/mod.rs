//! The props of every AWS resource kind, one module per collector service.
//!
//! Field names are snake_case versions of the AWS API's field names, so a
//! user who knows the API knows the field. Every field carries a doc comment:
//! it becomes the description that `plumb kinds show` prints.

use crate::kinds::KindInfo;

pub mod account;
pub mod cloudtrail;
pub mod cloudwatch;
pub mod config;
pub mod ec2;
pub mod efs;
pub mod elbv2;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod organizations;
pub mod rds;
pub mod region;
pub mod s3;
pub mod sns;
pub mod sqs;
pub mod vpc;

/// Every AWS kind, in service order.
pub fn kinds() -> Vec<KindInfo> {
    [
        account::kinds(),
        region::kinds(),
        iam::kinds(),
        s3::kinds(),
        ec2::kinds(),
        vpc::kinds(),
        kms::kinds(),
        cloudtrail::kinds(),
        cloudwatch::kinds(),
        logs::kinds(),
        config::kinds(),
        sns::kinds(),
        sqs::kinds(),
        lambda::kinds(),
        rds::kinds(),
        efs::kinds(),
        elbv2::kinds(),
        organizations::kinds(),
    ]
    .concat()
}
