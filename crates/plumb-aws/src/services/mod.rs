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

/// The IAM permissions document (`docs/permissions.md`), generated from
/// this table so that it cannot drift from what the collector calls.
pub fn permissions_markdown() -> String {
    let mut out = String::from(
        "# IAM permissions a Plumb scan needs\n\n\
         <!-- Generated from crates/plumb-aws/src/services by `PLUMB_BLESS=1 cargo test -p plumb-aws --lib permissions`; do not edit. -->\n\n\
         Plumb only reads. Attach the AWS managed policies `SecurityAudit` and `ViewOnlyAccess` to the \
         identity that scans; to be sure that no call is refused by a gap between those policies and \
         the actions below, also attach the policy that `plumb permissions --format json` prints \
         (exactly these actions, all read-only). A refused call is never fatal: it is recorded in the \
         snapshot's coverage with the missing permission, and the checks that need it report `error`.\n\n\
         | service | scope | actions |\n|---|---|---|\n",
    );
    let setup: Vec<&str> = crate::collector::SETUP_ACTIONS.to_vec();
    out.push_str(&format!("| (setup) | global | {} |\n", backticked(&setup)));
    for s in SERVICES {
        let scope = match s.scope {
            ServiceScope::Global => "global",
            ServiceScope::Regional => "per region",
        };
        out.push_str(&format!(
            "| {} | {scope} | {} |\n",
            s.name,
            backticked(s.actions)
        ));
    }
    out
}

fn backticked(actions: &[&str]) -> String {
    actions
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(" ")
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
    fn permissions_doc_is_up_to_date() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/permissions.md");
        let want = permissions_markdown();
        if std::env::var_os("PLUMB_BLESS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/permissions.md is stale: run `PLUMB_BLESS=1 cargo test -p plumb-aws --lib permissions`"
        );
    }

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
