//! Plumb's agentless AWS inventory collector.
//!
//! It calls the AWS APIs through the official SDK, read-only, and turns what
//! they answer into a [`plumb_model::Snapshot`]: resources with documented
//! props, the edges between them, and coverage for every (account, region,
//! service) unit. Each AWS service is one module under [`services`] with the
//! same small face: the kinds it produces, the IAM actions it needs and one
//! `collect` function over a [`Unit`]. The [`collect`] function runs the
//! units concurrently, bounded, with the SDK's adaptive retry, and never
//! lets a failing unit stop the scan: the failure becomes coverage.
//!
//! This is the only crate of the workspace that depends on the AWS SDK.
#![deny(missing_docs)]

mod collector;
mod error;
pub mod fix;
pub mod seed;
pub mod services;
mod unit;

/// What [`load_sdk_config`] makes and the seeders take, so that callers
/// need not depend on the SDK themselves.
pub use aws_config::SdkConfig;
pub use collector::{
    collect, select_services, AccountChoice, CollectOptions, Progress, RegionChoice, SilentProgress,
};
pub use error::CollectError;
pub use services::{Service, ServiceScope, SERVICES};
pub use unit::Unit;

/// Access keys given explicitly, for emulators and tests; real scans use the
/// standard credential chain instead.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticKeys {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key; never printed or stored.
    pub secret_access_key: String,
}

impl std::fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticKeys")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// Loads the SDK configuration from the standard chain (environment,
/// profiles, SSO, IMDS), with the given profile, endpoint and region. Used
/// by the collector and by tools that seed an emulated account.
pub async fn load_sdk_config(
    profile: Option<&str>,
    endpoint_url: Option<&str>,
    region: Option<&str>,
    static_keys: Option<&StaticKeys>,
    max_attempts: u32,
) -> aws_config::SdkConfig {
    use aws_config::retry::RetryConfig;
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .retry_config(RetryConfig::adaptive().with_max_attempts(max_attempts.max(1)));
    if let Some(keys) = static_keys {
        loader = loader.credentials_provider(aws_credential_types::Credentials::new(
            keys.access_key_id.clone(),
            keys.secret_access_key.clone(),
            None,
            None,
            "plumb-static",
        ));
    }
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region.to_string()));
    }
    loader.load().await
}
