//! Automated fixes: for the checks where a fix is well understood, the AWS
//! API calls that make the failing resource pass. Each fix says whether it
//! is safe or may disrupt workloads (an application that reads instance
//! metadata without a token, a bucket meant to be public); `plumb fix
//! apply` runs disruptive fixes only when asked to.
//!
//! A fix changes only what its checks look at and keeps every setting it
//! does not need to change (the password policy keeps any value stricter
//! than the CIS minimum; a security group keeps every rule that is not the
//! internet reaching an administration port). One fix removes its resource:
//! releasing an Elastic IP that nothing uses, which says so with
//! [`Fix::removes_resource`].
//!
//! The table of fixes is [`FIXES`]; each service's calls live in a module
//! of their own, named like the fix ids' first word (`vpc_…` in `vpc.rs`).

use aws_config::SdkConfig;
use plumb_model::Resource;
use serde_json::Value;

mod cloudtrail;
mod cloudwatch;
mod ec2;
mod elbv2;
mod iam;
mod kms;
mod lambda;
mod logs;
mod rds;
pub(crate) mod s3;
mod sns;
mod sqs;
mod table;
mod vpc;

pub use table::FIXES;

/// One automated fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fix {
    /// The fix's id; its first word is the service whose API it calls.
    pub id: &'static str,
    /// The checks it makes pass.
    pub checks: &'static [&'static str],
    /// The kind of resource it changes.
    pub kind: &'static str,
    /// Whether it may disrupt workloads.
    pub disruptive: bool,
    /// Whether the fix removes the resource (and so is verified by its
    /// absence rather than by its checks passing).
    pub removes_resource: bool,
    /// What it does, in one line.
    pub summary: &'static str,
    /// The IAM actions it calls.
    pub actions: &'static [&'static str],
}

/// The fix that makes `check` pass, if there is one.
pub fn for_check(check: &str) -> Option<&'static Fix> {
    FIXES.iter().find(|f| f.checks.contains(&check))
}

/// Why a fix could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum FixError {
    /// The resource lacks a field the fix needs.
    #[error("{0} is not in the resource's props")]
    Missing(&'static str),
    /// The resource's props are not what the collector records for its kind.
    #[error("the resource's props are not those of {kind}: {message}")]
    Props {
        /// The kind.
        kind: &'static str,
        /// What did not parse.
        message: String,
    },
    /// The fix does not apply to this kind of resource.
    #[error("fix {fix} changes {expected}, not {kind}")]
    WrongKind {
        /// The fix.
        fix: &'static str,
        /// The kind it changes.
        expected: &'static str,
        /// The resource's kind.
        kind: String,
    },
    /// The fix would not make its checks pass on this resource, so it
    /// changes nothing.
    #[error("not applied: {0}")]
    Declined(String),
    /// The API refused or failed.
    #[error("{operation}: {message}")]
    Api {
        /// The operation called.
        operation: &'static str,
        /// What AWS said.
        message: String,
    },
    /// No code applies this fix (a plan from another version of Plumb).
    #[error("no implementation for fix {0}")]
    Unimplemented(String),
}

/// Turns an SDK error into [`FixError::Api`] with its whole chain of
/// causes (the SDK's top-level message alone is often just "service error").
fn api<E: std::error::Error>(operation: &'static str) -> impl FnOnce(E) -> FixError {
    move |e| {
        let mut message = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            message = format!("{message}: {s}");
            source = s.source();
        }
        FixError::Api { operation, message }
    }
}

/// A string prop the fix needs.
fn text<'a>(r: &'a Resource, field: &'static str) -> Result<&'a str, FixError> {
    r.props
        .get(field)
        .and_then(Value::as_str)
        .ok_or(FixError::Missing(field))
}

/// The resource's props as the model's struct for `kind`.
fn props<T: serde::de::DeserializeOwned>(r: &Resource, kind: &'static str) -> Result<T, FixError> {
    serde_json::from_value(r.props.clone()).map_err(|e| FixError::Props {
        kind,
        message: e.to_string(),
    })
}

/// The identity the fixes run as (`GetCallerIdentity`'s ARN), for the
/// audit log.
pub async fn principal(config: &SdkConfig) -> Result<String, FixError> {
    let out = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(api("sts:GetCallerIdentity"))?;
    Ok(out.arn().unwrap_or_default().to_string())
}

/// Applies `fix` to `resource`, through a client of `config` set to the
/// resource's region.
pub async fn apply(config: &SdkConfig, fix: &Fix, resource: &Resource) -> Result<(), FixError> {
    if resource.kind != fix.kind {
        return Err(FixError::WrongKind {
            fix: fix.id,
            expected: fix.kind,
            kind: resource.kind.clone(),
        });
    }
    let mut builder = config.to_builder();
    if !resource.region.is_empty() && resource.region != "global" {
        builder = builder.region(aws_config::Region::new(resource.region.clone()));
    }
    let config = builder.build();
    let service = fix.id.split('_').next().unwrap_or_default();
    match service {
        "s3" => s3::apply(&config, fix, resource).await,
        "ec2" => ec2::apply(&config, fix, resource).await,
        "vpc" => vpc::apply(&config, fix, resource).await,
        "kms" => kms::apply(&config, fix, resource).await,
        "cloudtrail" => cloudtrail::apply(&config, fix, resource).await,
        "logs" => logs::apply(&config, fix, resource).await,
        "cloudwatch" => cloudwatch::apply(&config, fix, resource).await,
        "iam" => iam::apply(&config, fix, resource).await,
        "rds" => rds::apply(&config, fix, resource).await,
        "sns" => sns::apply(&config, fix, resource).await,
        "sqs" => sqs::apply(&config, fix, resource).await,
        "elbv2" => elbv2::apply(&config, fix, resource).await,
        "lambda" => lambda::apply(&config, fix, resource).await,
        _ => Err(FixError::Unimplemented(fix.id.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The source of each service module, by the fix ids' first word.
    const SOURCES: &[(&str, &str)] = &[
        ("s3", include_str!("s3.rs")),
        ("ec2", include_str!("ec2.rs")),
        ("vpc", include_str!("vpc.rs")),
        ("kms", include_str!("kms.rs")),
        ("cloudtrail", include_str!("cloudtrail.rs")),
        ("logs", include_str!("logs.rs")),
        ("cloudwatch", include_str!("cloudwatch.rs")),
        ("iam", include_str!("iam.rs")),
        ("rds", include_str!("rds.rs")),
        ("sns", include_str!("sns.rs")),
        ("sqs", include_str!("sqs.rs")),
        ("elbv2", include_str!("elbv2.rs")),
        ("lambda", include_str!("lambda.rs")),
    ];

    #[test]
    fn every_fix_names_real_checks_once_and_has_an_implementation_arm() {
        let dispatch = include_str!("mod.rs");
        let mut seen = std::collections::BTreeSet::new();
        let mut ids = std::collections::BTreeSet::new();
        for fix in FIXES {
            assert!(ids.insert(fix.id), "{} is in FIXES twice", fix.id);
            let service = fix.id.split('_').next().unwrap();
            let source = SOURCES
                .iter()
                .find(|(s, _)| *s == service)
                .map(|(_, source)| *source)
                .unwrap_or_else(|| panic!("{}: no module for service {service}", fix.id));
            assert!(
                dispatch.contains(&format!("\"{service}\" => {service}::apply(")),
                "{service} is not dispatched in apply()"
            );
            assert!(
                source.contains(&format!("\"{}\" =>", fix.id)),
                "{} has no arm in {service}.rs",
                fix.id
            );
            assert!(
                !fix.checks.is_empty() && !fix.actions.is_empty(),
                "{}",
                fix.id
            );
            for check in fix.checks {
                assert!(seen.insert(*check), "{check} has two fixes");
                assert_eq!(for_check(check).map(|f| f.id), Some(fix.id));
            }
        }
        assert!(for_check("no_such_check").is_none());
    }

    #[test]
    fn every_fix_names_checks_of_the_embedded_library_of_its_kind() {
        let library = plumb_checks::Library::builtin().expect("the built-in library loads");
        for fix in FIXES {
            assert!(
                plumb_model::kinds::find(fix.kind).is_some(),
                "{}: unknown kind {}",
                fix.id,
                fix.kind
            );
            for check in fix.checks {
                let found = library
                    .check(check)
                    .unwrap_or_else(|| panic!("{}: no check {check} in the library", fix.id));
                assert_eq!(
                    found.spec.kind, fix.kind,
                    "{}: {check} checks another kind",
                    fix.id
                );
            }
        }
    }

    #[test]
    fn only_a_disruptive_fix_may_remove_its_resource() {
        for fix in FIXES.iter().filter(|f| f.removes_resource) {
            assert!(fix.disruptive, "{} removes its resource", fix.id);
        }
    }

    #[tokio::test]
    async fn a_fix_refuses_a_resource_of_another_kind_before_calling_aws() {
        let config = SdkConfig::builder().build();
        let fix = FIXES
            .iter()
            .find(|f| f.id == "sqs_queue_encryption")
            .unwrap();
        let resource = Resource::new(
            "arn:aws:sns:us-east-1:111122223333:t",
            "aws_sns_topic",
            "111122223333",
            "us-east-1",
            "t",
        );
        let err = apply(&config, fix, &resource).await.unwrap_err();
        assert!(matches!(err, FixError::WrongKind { .. }), "{err}");
    }
}
