//! Collects the EC2 compute and storage inventory of a region: instances
//! (with their metadata service options, instance profile, security groups
//! and volumes; never their user data), EBS volumes, the account's own EBS
//! snapshots with who may restore them, Elastic IPs, network interfaces and
//! the account's own AMIs with who may launch them.
//!
//! Each kind comes from one list call; the lists run concurrently and a
//! failing one marks the unit an error while the others are still kept.
//! The network fabric those resources sit in (VPCs, subnets, security
//! groups, routes) is the `vpc` service's.

mod instances;
mod network;
mod storage;

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Tag;
use plumb_model::{Relation, Resource};

use crate::services::{Service, ServiceScope};
use crate::{client, collect_fn, CollectError, Unit};

/// The `ec2` collector.
pub const SERVICE: Service = Service {
    name: "ec2",
    scope: ServiceScope::Regional,
    kinds: &[
        "aws_instance",
        "aws_ebs_volume",
        "aws_ebs_snapshot",
        "aws_eip",
        "aws_network_interface",
        "aws_ami",
    ],
    actions: &[
        "ec2:DescribeInstances",
        "ec2:DescribeVolumes",
        "ec2:DescribeSnapshots",
        "ec2:DescribeSnapshotAttribute",
        "ec2:DescribeAddresses",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeImages",
        "ec2:DescribeImageAttribute",
    ],
    collect: collect_fn!(collect),
};

/// How many per-resource attribute calls run at once within the unit.
const ATTRIBUTE_CONCURRENCY: usize = 8;

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let client = client!(unit, aws_sdk_ec2);
    let shared = &*unit;
    let (instances, addresses, interfaces, volumes, snapshots, images) = futures::join!(
        instances::collect(shared, &client),
        network::addresses(shared, &client),
        network::interfaces(shared, &client),
        storage::volumes(shared, &client),
        storage::snapshots(shared, &client),
        storage::images(shared, &client),
    );
    settle(
        unit,
        SERVICE.name,
        [instances, addresses, interfaces, volumes, snapshots, images],
    )
}

/// What one list call found: resources and the edges out of them, recorded
/// on the unit once every list of the service has answered.
#[derive(Debug, Default)]
pub(crate) struct Found {
    resources: Vec<Resource>,
    edges: Vec<(String, Relation, String)>,
}

impl Found {
    /// Records a resource.
    pub(crate) fn add(&mut self, resource: Resource) {
        self.resources.push(resource);
    }

    /// Records an edge between two uids.
    pub(crate) fn link(&mut self, from: &str, relation: Relation, to: impl Into<String>) {
        self.edges.push((from.to_string(), relation, to.into()));
    }

    /// Joins what concurrent per-resource reads found.
    pub(crate) fn merge(parts: impl IntoIterator<Item = Found>) -> Found {
        let mut all = Found::default();
        for part in parts {
            all.resources.extend(part.resources);
            all.edges.extend(part.edges);
        }
        all
    }
}

/// Records what every list found and returns the first list's error, so a
/// denied list marks the unit an error without losing the other kinds.
pub(crate) fn settle<const N: usize>(
    unit: &mut Unit,
    service: &str,
    results: [Result<Found, CollectError>; N],
) -> Result<(), CollectError> {
    let mut first_error = None;
    for result in results {
        match result {
            Ok(found) => {
                for (from, relation, to) in found.edges {
                    unit.link(&from, relation, &to);
                }
                for resource in found.resources {
                    unit.add(resource);
                }
            }
            Err(error) if first_error.is_none() => first_error = Some(error),
            Err(error) => tracing::warn!(service, %error, "another list call failed too"),
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// EC2's tag list as the model's map.
pub(crate) fn tags(tags: &[Tag]) -> BTreeMap<String, String> {
    crate::unit::tag_map(
        tags.iter()
            .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))),
    )
}

pub(crate) use crate::unit::owned;

/// An optional SDK enum as its AWS text.
pub(crate) fn text<T: AsRef<str>>(value: Option<&T>) -> Option<String> {
    value.map(|v| v.as_ref().to_string())
}

/// The ARN of an EC2 resource of this unit: `ec2_arn(unit, "subnet", id)`.
pub(crate) fn ec2_arn(unit: &Unit, resource_type: &str, id: &str) -> String {
    if id.is_empty() {
        String::new()
    } else {
        unit.arn("ec2", &format!("{resource_type}/{id}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit() -> Unit {
        let sdk = aws_config::SdkConfig::builder()
            .region(aws_config::Region::new("eu-west-1"))
            .build();
        Unit::new("111122223333", "eu-west-1", sdk, Vec::new())
    }

    #[test]
    fn a_failed_list_marks_the_unit_but_keeps_what_other_lists_found() {
        let mut unit = unit();
        let mut found = Found::default();
        let uid = ec2_arn(&unit, "volume", "vol-1");
        found.add(Resource::new(
            &uid,
            "aws_ebs_volume",
            "111122223333",
            "eu-west-1",
            "vol-1",
        ));
        found.link(&uid, Relation::EncryptedBy, unit.kms_key_arn("k"));
        let denied = CollectError::Api {
            action: "ec2:DescribeInstances",
            code: "UnauthorizedOperation".into(),
            message: String::new(),
        };
        let result = settle(&mut unit, "ec2", [Err(denied), Ok(found)]);
        let error = result.expect_err("the unit is an error");
        assert_eq!(error.missing_permission(), Some("ec2:DescribeInstances"));
        assert_eq!(unit.resources.len(), 1);
        assert_eq!(unit.edges.len(), 1);
    }

    #[test]
    fn empty_ids_make_no_uid_and_so_no_edge() {
        let mut unit = unit();
        assert_eq!(ec2_arn(&unit, "subnet", ""), "");
        assert_eq!(
            ec2_arn(&unit, "subnet", "subnet-1"),
            "arn:aws:ec2:eu-west-1:111122223333:subnet/subnet-1"
        );
        let from = ec2_arn(&unit, "instance", "i-1");
        let to = ec2_arn(&unit, "subnet", "");
        unit.link(&from, Relation::MemberOf, &to);
        assert!(unit.edges.is_empty());
    }
}
