//! A collection unit: one service in one region of one account, with what
//! it needs to call AWS and where it puts what it finds.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use plumb_model::{Edge, Relation, Resource};

use crate::CollectError;

/// Counts every HTTP attempt a client makes, retries included.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallCounter(pub(crate) Arc<AtomicU64>);

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "plumb-call-counter"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// One (account, region, service) unit of a scan: the SDK configuration for
/// that account and region, and the resources and edges found so far.
pub struct Unit {
    /// The account being collected.
    pub account: String,
    /// The region being collected, or `global` for global services.
    pub region: String,
    /// The region API calls go to (the home region for global services).
    pub api_region: String,
    /// Every region of the scan, for global services whose resources live
    /// in regions (S3 buckets).
    pub scan_regions: Vec<String>,
    sdk: SdkConfig,
    calls: CallCounter,
    /// Resources found so far.
    pub resources: Vec<Resource>,
    /// Edges found so far.
    pub edges: Vec<Edge>,
}

impl Unit {
    pub(crate) fn new(
        account: &str,
        region: &str,
        sdk: SdkConfig,
        scan_regions: Vec<String>,
    ) -> Self {
        let api_region = sdk
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".to_string());
        Unit {
            account: account.to_string(),
            region: region.to_string(),
            api_region,
            scan_regions,
            sdk,
            calls: CallCounter::default(),
            resources: Vec::new(),
            edges: Vec::new(),
        }
    }

    /// The SDK configuration for this unit's account and API region.
    pub fn sdk(&self) -> &SdkConfig {
        &self.sdk
    }

    /// The SDK configuration for this account in another region.
    pub fn sdk_in(&self, region: &str) -> SdkConfig {
        self.sdk
            .to_builder()
            .region(aws_config::Region::new(region.to_string()))
            .build()
    }

    /// Whether an endpoint override points the SDK at an emulator; S3 then
    /// needs path-style addressing.
    pub fn has_endpoint_override(&self) -> bool {
        self.sdk.endpoint_url().is_some()
    }

    /// The interceptor that counts this unit's API calls; every client of
    /// the unit must carry it (the [`client!`](crate::client) macro does).
    pub(crate) fn call_counter(&self) -> CallCounter {
        self.calls.clone()
    }

    /// API calls made so far.
    pub fn api_calls(&self) -> u64 {
        self.calls.0.load(Ordering::Relaxed)
    }

    /// Records a resource.
    pub fn add(&mut self, resource: Resource) {
        self.resources.push(resource);
    }

    /// Records resources read one by one (often concurrently), each with
    /// the edges that go out of it.
    pub fn add_linked(
        &mut self,
        read: impl IntoIterator<Item = (Resource, Vec<(Relation, String)>)>,
    ) {
        for (resource, links) in read {
            for (relation, to) in links {
                self.link(&resource.uid, relation, &to);
            }
            self.add(resource);
        }
    }

    /// Records an edge.
    pub fn link(&mut self, from: &str, relation: Relation, to: &str) {
        if !from.is_empty() && !to.is_empty() {
            self.edges.push(Edge::new(from, relation, to));
        }
    }

    /// An ARN in this unit's partition, account and region:
    /// `arn(“ec2”, “instance/i-1”)` → `arn:aws:ec2:eu-west-1:111122223333:instance/i-1`.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        let region = if self.region == "global" {
            ""
        } else {
            self.region.as_str()
        };
        format!(
            "arn:{}:{service}:{region}:{}:{resource}",
            self.partition(),
            self.account
        )
    }

    /// The partition of the unit's region (`aws`, `aws-cn`, `aws-us-gov`).
    pub fn partition(&self) -> &'static str {
        partition_of(&self.api_region)
    }

    /// The ARN of a KMS key of this unit's region, named by id, ARN or
    /// alias as an API returns it.
    pub fn kms_key_arn(&self, key: &str) -> String {
        self.kms_key_arn_in(&self.api_region, key)
    }

    /// The ARN of a KMS key in `region` of this account, named by id, ARN or
    /// alias as an API returns it.
    pub fn kms_key_arn_in(&self, region: &str, key: &str) -> String {
        if key.starts_with("arn:") {
            key.to_string()
        } else {
            let resource = if key.starts_with("alias/") {
                key.to_string()
            } else {
                format!("key/{key}")
            };
            format!(
                "arn:{}:kms:{region}:{}:{resource}",
                self.partition(),
                self.account
            )
        }
    }
}

/// The partition of a region.
pub(crate) fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// Builds a service client for a unit, carrying its call counter:
/// `client!(unit, aws_sdk_s3)`, or `client!(unit, aws_sdk_s3, &sdk_config)`
/// for another region of the same account.
#[macro_export]
#[doc(hidden)]
macro_rules! client {
    ($unit:expr, $sdk:ident) => {
        $crate::client!($unit, $sdk, $unit.sdk())
    };
    ($unit:expr, $sdk:ident, $config:expr) => {
        $sdk::Client::from_conf(
            $sdk::config::Builder::from($config)
                .interceptor($unit.call_counter())
                .build(),
        )
    };
}

/// Tags as AWS lists them (`[{Key, Value}]`) into the model's map.
pub fn tag_map<I, K, V>(tags: I) -> BTreeMap<String, String>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    tags.into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

/// An optional SDK string as an owned one.
pub fn owned(value: Option<&str>) -> Option<String> {
    value.map(str::to_string)
}

/// A resource's display name: its `Name` tag when set, else `fallback`.
pub fn display_name(tags: &BTreeMap<String, String>, fallback: &str) -> String {
    tags.get("Name")
        .filter(|n| !n.is_empty())
        .cloned()
        .unwrap_or_else(|| fallback.to_string())
}

/// Converts an SDK timestamp to chrono.
pub fn to_utc(t: &aws_smithy_types::DateTime) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// Parses a policy document as IAM returns it: JSON, URL-encoded by the IAM
/// API (`GetPolicyVersion`, role trust policies), plain elsewhere.
pub fn parse_policy(
    action: &'static str,
    document: &str,
) -> Result<serde_json::Value, CollectError> {
    let trimmed = document.trim_start();
    let decoded = if trimmed.starts_with('{') {
        document.to_string()
    } else {
        percent_encoding::percent_decode_str(document)
            .decode_utf8()
            .map_err(|e| CollectError::Malformed {
                action,
                detail: format!("policy document is not UTF-8 after URL decoding: {e}"),
            })?
            .into_owned()
    };
    serde_json::from_str(&decoded).map_err(|e| CollectError::Malformed {
        action,
        detail: format!("policy document is not JSON: {e}"),
    })
}

/// Records a failed sub-call on `resource`: the fields it would have filled
/// become absent and `_errors` names the call.
pub fn record_gap(resource: &mut Resource, operation: &str, fields: &[&str], error: &CollectError) {
    tracing::warn!(uid = %resource.uid, operation, %error, "sub-call failed; recorded as a gap");
    resource.record_gap(operation, fields, &error.gap_text());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoded_policies_are_decoded() {
        let doc = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        let v = parse_policy("iam:GetPolicyVersion", doc).unwrap();
        assert_eq!(v["Version"], "2012-10-17");
        let plain = parse_policy("s3:GetBucketPolicy", "{\"Statement\":[]}").unwrap();
        assert!(plain["Statement"].is_array());
    }

    #[test]
    fn a_malformed_policy_is_an_error_not_a_panic() {
        let e = parse_policy("s3:GetBucketPolicy", "{not json").unwrap_err();
        assert!(e.to_string().contains("s3:GetBucketPolicy"));
    }

    #[test]
    fn partitions_follow_the_region() {
        assert_eq!(partition_of("cn-north-1"), "aws-cn");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition_of("eu-west-1"), "aws");
    }
}
