//! The table of collector services. Each module collects one AWS service
//! (or, for `account` and `region`, the account- and region-wide settings)
//! and exposes one [`Service`] constant; adding a service is one module and
//! one line in [`SERVICES`]. The table also generates the IAM permissions
//! document and the `--services` help.

use futures::future::BoxFuture;

use crate::{CollectError, Unit};

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

/// Whether a service is collected once per account or once per region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceScope {
    /// One unit per account, recorded under region `global`.
    Global,
    /// One unit per account and region.
    Regional,
}

/// The collect function of a service.
pub type CollectFn = for<'a> fn(&'a mut Unit) -> BoxFuture<'a, Result<(), CollectError>>;

/// One collector service.
pub struct Service {
    /// The name users pass to `--services` and coverage records.
    pub name: &'static str,
    /// Global or regional.
    pub scope: ServiceScope,
    /// The kinds it produces.
    pub kinds: &'static [&'static str],
    /// The read-only IAM actions it calls.
    pub actions: &'static [&'static str],
    /// Collects one unit. An `Err` marks the unit `error` in coverage; the
    /// resources already recorded are kept but the unit does not count as
    /// complete.
    pub collect: CollectFn,
}

/// Every service, in collection order.
pub static SERVICES: &[Service] = &[
    account::SERVICE,
    region::SERVICE,
    iam::SERVICE,
    s3::SERVICE,
    ec2::SERVICE,
    vpc::SERVICE,
    kms::SERVICE,
    cloudtrail::SERVICE,
    cloudwatch::SERVICE,
    logs::SERVICE,
    config::SERVICE,
    sns::SERVICE,
    sqs::SERVICE,
    lambda::SERVICE,
    rds::SERVICE,
    efs::SERVICE,
    elbv2::SERVICE,
    organizations::SERVICE,
];

/// The service named `name`.
pub fn find(name: &str) -> Option<&'static Service> {
    SERVICES.iter().find(|s| s.name == name)
}

/// Every IAM action any service calls, sorted: the permissions a scan needs
/// beyond the managed `SecurityAudit` and `ViewOnlyAccess` policies are a
/// subset of these.
pub fn all_actions() -> Vec<&'static str> {
    let mut actions: Vec<&'static str> = SERVICES
        .iter()
        .flat_map(|s| s.actions.iter().copied())
        .collect();
    actions.extend(crate::collector::SETUP_ACTIONS);
    actions.sort_unstable();
    actions.dedup();
    actions
}

/// Declares a service's `collect` as a [`CollectFn`]:
/// `collect: collect_fn!(collect)`.
#[macro_export]
#[doc(hidden)]
macro_rules! collect_fn {
    ($f:path) => {{
        fn run(
            unit: &mut $crate::Unit,
        ) -> ::futures::future::BoxFuture<'_, Result<(), $crate::CollectError>> {
            Box::pin($f(unit))
        }
        run
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_a_service_produces_is_documented_in_the_model() {
        for service in SERVICES {
            for kind in service.kinds {
                let info = plumb_model::kinds::find(kind).unwrap_or_else(|| {
                    panic!("{} produces undocumented kind {kind}", service.name)
                });
                assert_eq!(
                    info.service, service.name,
                    "{kind} is documented under another service"
                );
            }
        }
    }

    #[test]
    fn every_documented_kind_has_a_service() {
        for kind in plumb_model::kinds::all() {
            assert!(
                SERVICES.iter().any(|s| s.kinds.contains(&kind.name)),
                "no service produces {}",
                kind.name
            );
        }
    }

    #[test]
    fn service_names_are_unique_and_every_service_declares_its_actions() {
        let mut names: Vec<_> = SERVICES.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SERVICES.len());
        for s in SERVICES {
            assert!(!s.actions.is_empty(), "{} declares no IAM action", s.name);
            assert!(!s.kinds.is_empty(), "{} declares no kind", s.name);
            for a in s.actions {
                assert!(
                    a.contains(':'),
                    "{}: action {a} is not service:Action",
                    s.name
                );
            }
        }
    }
}
