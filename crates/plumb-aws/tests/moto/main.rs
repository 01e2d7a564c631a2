//! Integration tests: the real collector against moto's server on loopback.
//! Each test starts its own server, seeds it through the AWS SDK for Rust,
//! collects, and asserts on the snapshot.

mod common;

mod account;
mod cloudtrail;
mod cloudwatch;
mod collector;
mod config;
mod ec2;
mod efs;
mod elbv2;
mod iam;
mod kms;
mod lambda;
mod logs;
mod organizations;
mod rds;
mod region;
mod s3;
mod sns;
mod sqs;
mod vpc;
