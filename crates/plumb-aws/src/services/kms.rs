//! Collects KMS keys with what the CIS and FSBP controls read: state and
//! scheduled deletion, who manages the key, its spec and usage, automatic
//! rotation, the default key policy, aliases and tags.
//!
//! Every key ListKeys returns is collected, disabled and pending-deletion
//! keys included: a key about to be deleted is itself a finding (FSBP
//! KMS.3). Rotation is read only for customer managed symmetric
//! `ENCRYPT_DECRYPT` keys, the only keys whose rotation the account
//! controls; for the others `key_rotation_enabled` is `null`.

use std::collections::{BTreeMap, HashMap};

use futures::stream::{self, StreamExt};
use plumb_model::aws::kms::KmsKey;
use plumb_model::Resource;

use crate::error::{api, is_code};
use crate::services::{Service, ServiceScope};
use crate::unit::{display_name, parse_policy, record_gap, tag_map, to_utc};
use crate::{client, collect_fn, CollectError, Unit};

/// The `kms` collector.
pub const SERVICE: Service = Service {
    name: "kms",
    scope: ServiceScope::Regional,
    kinds: &["aws_kms_key"],
    actions: &[
        "kms:ListKeys",
        "kms:ListAliases",
        "kms:DescribeKey",
        "kms:GetKeyRotationStatus",
        "kms:GetKeyPolicy",
        "kms:ListResourceTags",
    ],
    collect: collect_fn!(collect),
};

/// How many keys are read at once within the unit.
const KEY_CONCURRENCY: usize = 8;

/// The fields GetKeyRotationStatus fills.
const ROTATION: &[&str] = &["key_rotation_enabled", "rotation_period_in_days"];

/// What a failed DescribeKey leaves unknown: its own fields, and rotation,
/// since without the metadata it is unknown whether rotation applies.
const UNDESCRIBED: &[&str] = &[
    "description",
    "key_state",
    "key_manager",
    "key_spec",
    "key_usage",
    "origin",
    "creation_date",
    "deletion_date",
    "pending_deletion_window_in_days",
    "multi_region",
    "enabled",
    "key_rotation_enabled",
    "rotation_period_in_days",
];

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let client = client!(unit, aws_sdk_kms);
    let mut listed = Vec::new();
    let mut pages = client.list_keys().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("kms:ListKeys"))?;
        for k in page.keys() {
            if let Some(id) = k.key_id() {
                let arn = k
                    .key_arn()
                    .map(str::to_string)
                    .unwrap_or_else(|| unit.kms_key_arn(id));
                listed.push((id.to_string(), arn));
            }
        }
    }

    // One region-wide listing, shared out to the keys; a failure makes
    // every key's aliases unknown rather than empty.
    let aliases = list_aliases(&client).await;

    let unit_ref = &*unit;
    let aliases_ref = &aliases;
    let read: Vec<Resource> = stream::iter(listed)
        .map(|(id, arn)| read_key(unit_ref, &client, aliases_ref, id, arn))
        .buffer_unordered(KEY_CONCURRENCY)
        .collect()
        .await;
    for resource in read {
        unit.add(resource);
    }
    Ok(())
}

/// Alias names by target key id, sorted.
async fn list_aliases(
    client: &aws_sdk_kms::Client,
) -> Result<HashMap<String, Vec<String>>, CollectError> {
    let mut by_key: HashMap<String, Vec<String>> = HashMap::new();
    let mut pages = client.list_aliases().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("kms:ListAliases"))?;
        for a in page.aliases() {
            if let (Some(name), Some(key)) = (a.alias_name(), a.target_key_id()) {
                by_key
                    .entry(key.to_string())
                    .or_default()
                    .push(name.to_string());
            }
        }
    }
    for names in by_key.values_mut() {
        names.sort();
    }
    Ok(by_key)
}

/// Whether the account controls rotation of this key: customer managed,
/// symmetric, for encryption, with key material KMS generated.
fn rotation_applies(key: &KmsKey) -> bool {
    key.key_manager.as_deref() == Some("CUSTOMER")
        && key.key_spec.as_deref() == Some("SYMMETRIC_DEFAULT")
        && key.key_usage.as_deref() == Some("ENCRYPT_DECRYPT")
}

/// Fills what DescribeKey tells of a key.
fn describe(key: &mut KmsKey, m: &aws_sdk_kms::types::KeyMetadata) {
    key.description = m.description().map(str::to_string);
    key.key_state = m.key_state().map(|s| s.as_str().to_string());
    key.key_manager = m.key_manager().map(|s| s.as_str().to_string());
    key.key_spec = m.key_spec().map(|s| s.as_str().to_string());
    key.key_usage = m.key_usage().map(|s| s.as_str().to_string());
    key.origin = m.origin().map(|s| s.as_str().to_string());
    key.creation_date = m.creation_date().and_then(to_utc);
    key.deletion_date = m.deletion_date().and_then(to_utc);
    key.pending_deletion_window_in_days = m.pending_deletion_window_in_days();
    key.multi_region = m.multi_region().unwrap_or(false);
    key.enabled = m.enabled();
}

async fn read_key(
    unit: &Unit,
    client: &aws_sdk_kms::Client,
    aliases: &Result<HashMap<String, Vec<String>>, CollectError>,
    id: String,
    arn: String,
) -> Resource {
    let mut gaps: Vec<(&str, &[&str], CollectError)> = Vec::new();
    let mut key = KmsKey {
        key_id: id.clone(),
        arn: arn.clone(),
        ..KmsKey::default()
    };
    match aliases {
        Ok(by_key) => key.aliases = by_key.get(&id).cloned().unwrap_or_default(),
        Err(e) => gaps.push(("list_aliases", &["aliases"], e.clone())),
    }

    let described = client
        .describe_key()
        .key_id(&id)
        .send()
        .await
        .map_err(api("kms:DescribeKey"));
    match described {
        Ok(out) => {
            if let Some(m) = out.key_metadata() {
                describe(&mut key, m);
            } else {
                gaps.push((
                    "describe_key",
                    UNDESCRIBED,
                    CollectError::Malformed {
                        action: "kms:DescribeKey",
                        detail: "no key metadata in the answer".into(),
                    },
                ));
            }
        }
        Err(e) => gaps.push(("describe_key", UNDESCRIBED, e)),
    }

    if rotation_applies(&key) {
        match client
            .get_key_rotation_status()
            .key_id(&id)
            .send()
            .await
            .map_err(api("kms:GetKeyRotationStatus"))
        {
            Ok(out) => {
                key.key_rotation_enabled = Some(out.key_rotation_enabled());
                key.rotation_period_in_days = out.rotation_period_in_days();
            }
            // Imported and custom key store material cannot rotate automatically.
            Err(e) if is_code(&e, &["UnsupportedOperationException"]) => {}
            Err(e) => gaps.push(("get_key_rotation_status", ROTATION, e)),
        }
    }

    match client
        .get_key_policy()
        .key_id(&id)
        .policy_name("default")
        .send()
        .await
        .map_err(api("kms:GetKeyPolicy"))
    {
        Ok(out) => match out
            .policy()
            .map(|p| parse_policy("kms:GetKeyPolicy", p))
            .transpose()
        {
            Ok(policy) => key.policy = policy,
            Err(e) => gaps.push(("get_key_policy", &["policy"], e)),
        },
        Err(e) => gaps.push(("get_key_policy", &["policy"], e)),
    }

    let mut tags = BTreeMap::new();
    let mut pages = client
        .list_resource_tags()
        .key_id(&id)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page.map_err(api("kms:ListResourceTags")) {
            Ok(page) => {
                tags.extend(tag_map(
                    page.tags().iter().map(|t| (t.tag_key(), t.tag_value())),
                ));
            }
            Err(e) => {
                gaps.push(("list_resource_tags", &[], e));
                break;
            }
        }
    }

    let fallback = key.aliases.first().cloned().unwrap_or_else(|| id.clone());
    let name = display_name(&tags, &fallback);
    let created = key.creation_date;
    let mut resource = Resource::new(arn, "aws_kms_key", &unit.account, &unit.region, name)
        .with_props(&key)
        .with_tags(tags)
        .created(created);
    for (operation, fields, error) in gaps {
        record_gap(&mut resource, operation, fields, &error);
    }
    resource
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(manager: &str, spec: &str, usage: &str) -> KmsKey {
        KmsKey {
            key_manager: Some(manager.into()),
            key_spec: Some(spec.into()),
            key_usage: Some(usage.into()),
            ..KmsKey::default()
        }
    }

    #[test]
    fn rotation_is_read_only_for_customer_symmetric_encryption_keys() {
        assert!(rotation_applies(&key(
            "CUSTOMER",
            "SYMMETRIC_DEFAULT",
            "ENCRYPT_DECRYPT"
        )));
        assert!(!rotation_applies(&key(
            "AWS",
            "SYMMETRIC_DEFAULT",
            "ENCRYPT_DECRYPT"
        )));
        assert!(!rotation_applies(&key(
            "CUSTOMER",
            "RSA_2048",
            "SIGN_VERIFY"
        )));
        assert!(!rotation_applies(&key(
            "CUSTOMER",
            "HMAC_256",
            "GENERATE_VERIFY_MAC"
        )));
        assert!(!rotation_applies(&KmsKey::default()));
    }
}
