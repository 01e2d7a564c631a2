//! Sensitive data: the data stores that `plumb.toml`'s `[sensitive]` rules
//! mark by tag or name, and the snapshots taken of them.

use std::collections::BTreeMap;

use plumb_model::Relation;
use serde::{Deserialize, Serialize};

use crate::{Index, Settings};

/// The kinds that hold data.
pub const DATA_STORES: &[&str] = &[
    "aws_s3_bucket",
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_ebs_volume",
    "aws_ebs_snapshot",
    "aws_db_snapshot",
    "aws_db_cluster_snapshot",
    "aws_efs_file_system",
];

/// A data store marked sensitive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sensitive {
    /// The store.
    pub uid: String,
    /// Its kind.
    pub kind: String,
    /// The rule that marked it, or the store it is a copy of.
    pub reason: String,
}

/// Every sensitive data store of the snapshot, by uid.
pub fn sensitive(index: &Index, settings: &Settings) -> Vec<Sensitive> {
    let mut found: BTreeMap<String, Sensitive> = BTreeMap::new();
    for kind in DATA_STORES {
        for r in index.kind(kind) {
            if let Some(reason) = settings.sensitive_because(r) {
                found.insert(
                    r.uid.clone(),
                    Sensitive {
                        uid: r.uid.clone(),
                        kind: r.kind.clone(),
                        reason,
                    },
                );
            }
        }
    }
    // A snapshot holds what its source holds.
    for kind in [
        "aws_ebs_snapshot",
        "aws_db_snapshot",
        "aws_db_cluster_snapshot",
    ] {
        for s in index.kind(kind) {
            if found.contains_key(&s.uid) {
                continue;
            }
            let source = index
                .out(&s.uid, Relation::SnapshotOf)
                .find(|source| found.contains_key(*source));
            if let Some(source) = source {
                found.insert(
                    s.uid.clone(),
                    Sensitive {
                        uid: s.uid.clone(),
                        kind: s.kind.clone(),
                        reason: format!("a snapshot of sensitive {source}"),
                    },
                );
            }
        }
    }
    found.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use plumb_model::{Edge, Resource, Snapshot};

    #[test]
    fn tags_names_and_copies_mark_stores() {
        let settings = Settings::parse(
            "plumb.toml",
            "[sensitive]\ntags = { classification = [\"restricted\"] }\nnames = [\"*pii*\"]\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut tagged = Resource::new("db-1", "aws_db_instance", "1", "r", "orders");
        tagged
            .tags
            .insert("classification".into(), "Restricted".into());
        let named = Resource::new(
            "arn:aws:s3:::acme-pii",
            "aws_s3_bucket",
            "1",
            "r",
            "acme-pii",
        );
        let plain = Resource::new(
            "arn:aws:s3:::acme-logs",
            "aws_s3_bucket",
            "1",
            "r",
            "acme-logs",
        );
        let copy = Resource::new("snap-1", "aws_db_snapshot", "1", "r", "nightly");
        // Not a data store: the name rule does not apply.
        let role = Resource::new("role-pii", "aws_iam_role", "1", "r", "pii-reader");
        let snapshot = Snapshot {
            resources: vec![tagged, named, plain, copy, role],
            edges: vec![Edge::new("snap-1", Relation::SnapshotOf, "db-1")],
            ..Snapshot::default()
        };
        let index = Index::new(&snapshot);
        let found: Vec<(String, String)> = sensitive(&index, &settings)
            .into_iter()
            .map(|s| (s.uid, s.reason))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "arn:aws:s3:::acme-pii".to_string(),
                    "name matches *pii*".to_string()
                ),
                (
                    "db-1".to_string(),
                    "tag classification=Restricted".to_string()
                ),
                (
                    "snap-1".to_string(),
                    "a snapshot of sensitive db-1".to_string()
                ),
            ]
        );
    }
}
