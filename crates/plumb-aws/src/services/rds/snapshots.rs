//! The manual DB and DB cluster snapshots of the `rds` collector, each with
//! whether it is public or shared with other accounts (its `restore`
//! attribute), which FSBP RDS.1 reads. Automated snapshots are left out:
//! they cannot be shared and are encrypted as their source is.

use futures::stream::{self, StreamExt};
use plumb_model::aws::rds::{DbClusterSnapshot, DbSnapshot};
use plumb_model::{Relation, Resource};

use super::{cluster_arn, instance_arn, owned, tags};
use crate::error::api;
use crate::unit::{display_name, record_gap, to_utc};
use crate::{CollectError, Unit};

/// How many snapshots' attributes are read at once within the unit.
const SNAPSHOT_CONCURRENCY: usize = 8;

/// The snapshot attribute that lists who may restore a snapshot.
const RESTORE_ATTRIBUTE: &str = "restore";

/// Who may restore a snapshot, from its attributes.
#[derive(Debug, Default, PartialEq)]
struct Sharing {
    /// `all` is among the `restore` values: any AWS account may restore it.
    public: bool,
    /// The account ids among the `restore` values.
    shared_accounts: Vec<String>,
}

fn sharing<'a>(attributes: impl IntoIterator<Item = (Option<&'a str>, &'a [String])>) -> Sharing {
    let mut out = Sharing::default();
    for (name, values) in attributes {
        if name != Some(RESTORE_ATTRIBUTE) {
            continue;
        }
        for value in values {
            if value == "all" {
                out.public = true;
            } else {
                out.shared_accounts.push(value.clone());
            }
        }
    }
    out
}

type Read = (Resource, Vec<(Relation, String)>);

pub(super) async fn collect_db_snapshots(
    unit: &mut Unit,
    client: &aws_sdk_rds::Client,
) -> Result<(), CollectError> {
    let mut listed = Vec::new();
    let mut pages = client
        .describe_db_snapshots()
        .snapshot_type("manual")
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("rds:DescribeDBSnapshots"))?;
        listed.extend(page.db_snapshots().iter().filter_map(|s| {
            let id = s.db_snapshot_identifier()?.to_string();
            Some((id, s.clone()))
        }));
    }
    let unit_ref = &*unit;
    let read: Vec<Read> = stream::iter(listed)
        .map(|(id, s)| read_db_snapshot(unit_ref, client, id, s))
        .buffer_unordered(SNAPSHOT_CONCURRENCY)
        .collect()
        .await;
    unit.add_linked(read);
    Ok(())
}

async fn read_db_snapshot(
    unit: &Unit,
    client: &aws_sdk_rds::Client,
    id: String,
    s: aws_sdk_rds::types::DbSnapshot,
) -> Read {
    let uid = s
        .db_snapshot_arn()
        .map(str::to_string)
        .unwrap_or_else(|| unit.arn("rds", &format!("snapshot:{id}")));
    let mut props = DbSnapshot {
        db_snapshot_identifier: id.clone(),
        db_snapshot_arn: uid.clone(),
        db_instance_identifier: owned(s.db_instance_identifier()),
        dbi_resource_id: owned(s.dbi_resource_id()),
        snapshot_type: owned(s.snapshot_type()),
        status: owned(s.status()),
        engine: owned(s.engine()),
        engine_version: owned(s.engine_version()),
        encrypted: s.encrypted(),
        kms_key_id: owned(s.kms_key_id()),
        vpc_id: owned(s.vpc_id()),
        iam_database_authentication_enabled: s.iam_database_authentication_enabled(),
        source_region: owned(s.source_region()),
        source_db_snapshot_identifier: owned(s.source_db_snapshot_identifier()),
        snapshot_create_time: s.snapshot_create_time().and_then(to_utc),
        ..DbSnapshot::default()
    };
    let mut links = Vec::new();
    if let Some(instance) = &props.db_instance_identifier {
        links.push((Relation::SnapshotOf, instance_arn(unit, instance)));
    }
    if props.encrypted == Some(true) {
        if let Some(key) = &props.kms_key_id {
            links.push((Relation::EncryptedBy, unit.kms_key_arn(key)));
        }
    }

    let attributes = client
        .describe_db_snapshot_attributes()
        .db_snapshot_identifier(&id)
        .send()
        .await
        .map_err(api("rds:DescribeDBSnapshotAttributes"));
    let gap = match attributes {
        Ok(out) => {
            let found = sharing(
                out.db_snapshot_attributes_result()
                    .map(|r| r.db_snapshot_attributes())
                    .unwrap_or_default()
                    .iter()
                    .map(|a| (a.attribute_name(), a.attribute_values())),
            );
            props.public = found.public;
            props.shared_accounts = found.shared_accounts;
            None
        }
        Err(e) => Some(e),
    };

    let tags = tags(s.tag_list());
    let mut resource = Resource::new(
        uid,
        "aws_db_snapshot",
        &unit.account,
        &unit.region,
        display_name(&tags, &id),
    )
    .with_props(&props)
    .with_tags(tags)
    .created(props.snapshot_create_time);
    if let Some(e) = gap {
        record_gap(
            &mut resource,
            "describe_db_snapshot_attributes",
            &["public", "shared_accounts"],
            &e,
        );
    }
    (resource, links)
}

pub(super) async fn collect_cluster_snapshots(
    unit: &mut Unit,
    client: &aws_sdk_rds::Client,
) -> Result<(), CollectError> {
    let mut listed = Vec::new();
    let mut pages = client
        .describe_db_cluster_snapshots()
        .snapshot_type("manual")
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("rds:DescribeDBClusterSnapshots"))?;
        listed.extend(page.db_cluster_snapshots().iter().filter_map(|s| {
            let id = s.db_cluster_snapshot_identifier()?.to_string();
            Some((id, s.clone()))
        }));
    }
    let unit_ref = &*unit;
    let read: Vec<Read> = stream::iter(listed)
        .map(|(id, s)| read_cluster_snapshot(unit_ref, client, id, s))
        .buffer_unordered(SNAPSHOT_CONCURRENCY)
        .collect()
        .await;
    unit.add_linked(read);
    Ok(())
}

async fn read_cluster_snapshot(
    unit: &Unit,
    client: &aws_sdk_rds::Client,
    id: String,
    s: aws_sdk_rds::types::DbClusterSnapshot,
) -> Read {
    let uid = s
        .db_cluster_snapshot_arn()
        .map(str::to_string)
        .unwrap_or_else(|| unit.arn("rds", &format!("cluster-snapshot:{id}")));
    let mut props = DbClusterSnapshot {
        db_cluster_snapshot_identifier: id.clone(),
        db_cluster_snapshot_arn: uid.clone(),
        db_cluster_identifier: owned(s.db_cluster_identifier()),
        snapshot_type: owned(s.snapshot_type()),
        status: owned(s.status()),
        engine: owned(s.engine()),
        engine_version: owned(s.engine_version()),
        storage_encrypted: s.storage_encrypted(),
        kms_key_id: owned(s.kms_key_id()),
        vpc_id: owned(s.vpc_id()),
        iam_database_authentication_enabled: s.iam_database_authentication_enabled(),
        source_db_cluster_snapshot_arn: owned(s.source_db_cluster_snapshot_arn()),
        snapshot_create_time: s.snapshot_create_time().and_then(to_utc),
        ..DbClusterSnapshot::default()
    };
    let mut links = Vec::new();
    if let Some(cluster) = &props.db_cluster_identifier {
        links.push((Relation::SnapshotOf, cluster_arn(unit, cluster)));
    }
    if props.storage_encrypted == Some(true) {
        if let Some(key) = &props.kms_key_id {
            links.push((Relation::EncryptedBy, unit.kms_key_arn(key)));
        }
    }

    let attributes = client
        .describe_db_cluster_snapshot_attributes()
        .db_cluster_snapshot_identifier(&id)
        .send()
        .await
        .map_err(api("rds:DescribeDBClusterSnapshotAttributes"));
    let gap = match attributes {
        Ok(out) => {
            let found = sharing(
                out.db_cluster_snapshot_attributes_result()
                    .map(|r| r.db_cluster_snapshot_attributes())
                    .unwrap_or_default()
                    .iter()
                    .map(|a| (a.attribute_name(), a.attribute_values())),
            );
            props.public = found.public;
            props.shared_accounts = found.shared_accounts;
            None
        }
        Err(e) => Some(e),
    };

    let tags = tags(s.tag_list());
    let mut resource = Resource::new(
        uid,
        "aws_db_cluster_snapshot",
        &unit.account,
        &unit.region,
        display_name(&tags, &id),
    )
    .with_props(&props)
    .with_tags(tags)
    .created(props.snapshot_create_time);
    if let Some(e) = gap {
        record_gap(
            &mut resource,
            "describe_db_cluster_snapshot_attributes",
            &["public", "shared_accounts"],
            &e,
        );
    }
    (resource, links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_all_makes_a_snapshot_public_and_account_ids_are_shares() {
        let restore = vec!["all".to_string(), "111122223333".to_string()];
        let other = vec!["all".to_string()];
        let found = sharing([
            (Some("restore"), restore.as_slice()),
            (Some("something-else"), other.as_slice()),
        ]);
        assert!(found.public);
        assert_eq!(found.shared_accounts, vec!["111122223333".to_string()]);
    }

    #[test]
    fn a_snapshot_without_restore_values_is_private() {
        let empty: Vec<String> = Vec::new();
        assert_eq!(
            sharing([(Some("restore"), empty.as_slice())]),
            Sharing::default()
        );
    }
}
