//! What every moto test needs: a server, an SDK config that points at it,
//! and a way to run the collector and look at the result.

use std::sync::Arc;

use aws_config::SdkConfig;
use plumb_aws::{AccountChoice, CollectOptions, RegionChoice, SilentProgress, StaticKeys};
use plumb_model::{Coverage, CoverageStatus, Edge, Relation, Resource, Snapshot};
pub use plumb_testkit::{MotoServer, ACCOUNT};

/// The region tests seed and collect unless they say otherwise.
pub const REGION: &str = "us-east-1";

/// An SDK config for seeding `server` in `region`.
pub async fn sdk(server: &MotoServer, region: &str) -> SdkConfig {
    plumb_aws::load_sdk_config(None, Some(&server.url()), Some(region), Some(&keys()), 3).await
}

/// An S3 client for seeding (path-style, as moto needs).
pub async fn s3(server: &MotoServer, region: &str) -> aws_sdk_s3::Client {
    let config = sdk(server, region).await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    )
}

fn keys() -> StaticKeys {
    StaticKeys {
        access_key_id: plumb_testkit::ACCESS_KEY_ID.into(),
        secret_access_key: plumb_testkit::SECRET_ACCESS_KEY.into(),
    }
}

/// Collector options for `server`: these services in these regions.
pub fn options(server: &MotoServer, services: &[&str], regions: &[&str]) -> CollectOptions {
    CollectOptions {
        endpoint_url: Some(server.url()),
        home_region: Some(REGION.into()),
        regions: RegionChoice::List(regions.iter().map(|r| r.to_string()).collect()),
        services: Some(services.iter().map(|s| s.to_string()).collect()),
        accounts: AccountChoice::Caller,
        static_keys: Some(keys()),
        max_attempts: 2,
        ..CollectOptions::default()
    }
}

/// Collects these services in [`REGION`].
pub async fn collect(server: &MotoServer, services: &[&str]) -> Snapshot {
    collect_with(options(server, services, &[REGION])).await
}

/// Collects with explicit options.
pub async fn collect_with(options: CollectOptions) -> Snapshot {
    plumb_aws::collect(&options, Arc::new(SilentProgress))
        .await
        .expect("collection should start")
}

/// Assertions on a snapshot.
pub trait SnapshotExt {
    /// The resources of a kind.
    fn of_kind(&self, kind: &str) -> Vec<&Resource>;
    /// The resource with this uid; panics with the uids present otherwise.
    fn resource(&self, uid: &str) -> &Resource;
    /// The resource of `kind` named `name`.
    fn named(&self, kind: &str, name: &str) -> &Resource;
    /// Whether the edge exists.
    fn has_edge(&self, from: &str, relation: Relation, to: &str) -> bool;
    /// The coverage row of a unit.
    fn unit(&self, service: &str, region: &str) -> &Coverage;
    /// Asserts every unit of `service` is ok with no partial resource.
    fn assert_ok(&self, service: &str);
}

impl SnapshotExt for Snapshot {
    fn of_kind(&self, kind: &str) -> Vec<&Resource> {
        self.resources.iter().filter(|r| r.kind == kind).collect()
    }

    fn resource(&self, uid: &str) -> &Resource {
        self.resources
            .iter()
            .find(|r| r.uid == uid)
            .unwrap_or_else(|| {
                panic!(
                    "no resource {uid}; have: {:#?}",
                    self.resources.iter().map(|r| &r.uid).collect::<Vec<_>>()
                )
            })
    }

    fn named(&self, kind: &str, name: &str) -> &Resource {
        self.resources
            .iter()
            .find(|r| r.kind == kind && r.name == name)
            .unwrap_or_else(|| {
                panic!(
                    "no {kind} named {name}; have: {:#?}",
                    self.of_kind(kind)
                        .iter()
                        .map(|r| &r.name)
                        .collect::<Vec<_>>()
                )
            })
    }

    fn has_edge(&self, from: &str, relation: Relation, to: &str) -> bool {
        self.edges.contains(&Edge::new(from, relation, to))
    }

    fn unit(&self, service: &str, region: &str) -> &Coverage {
        self.coverage
            .iter()
            .find(|c| c.service == service && c.region == region)
            .unwrap_or_else(|| {
                panic!(
                    "no coverage for {service} in {region}: {:#?}",
                    self.coverage
                )
            })
    }

    fn assert_ok(&self, service: &str) {
        let rows: Vec<_> = self
            .coverage
            .iter()
            .filter(|c| c.service == service)
            .collect();
        assert!(!rows.is_empty(), "no coverage row for {service}");
        for c in rows {
            assert_eq!(
                c.status,
                CoverageStatus::Ok,
                "{service} in {} failed: {:?}",
                c.region,
                c.error
            );
            assert!(
                c.api_calls > 0,
                "{service} in {} made no API call",
                c.region
            );
        }
        let partial: Vec<_> = self
            .resources
            .iter()
            .filter(|r| {
                r.is_partial()
                    && plumb_aws::services::find(service)
                        .is_some_and(|s| s.kinds.contains(&r.kind.as_str()))
            })
            .map(|r| (&r.uid, r.gaps()))
            .collect();
        assert!(partial.is_empty(), "{service} left gaps: {partial:#?}");
    }
}
