//! EBS volumes, the account's own EBS snapshots and AMIs: where data rests,
//! whether it is encrypted, and whether it is shared beyond the account.
//! Sharing is read per snapshot and per image (DescribeSnapshotAttribute,
//! DescribeImageAttribute); when that read fails the resource is kept and
//! the sharing fields are recorded as a gap, never as "not shared".

use futures::stream::{self, StreamExt};
use plumb_model::aws::ec2::{
    Ami, EbsSnapshot, EbsVolume, ImageBlockDevice, LaunchPermission, VolumeAttachment,
};
use plumb_model::{Relation, Resource};

use super::{ec2_arn, owned, tags, text, Found, ATTRIBUTE_CONCURRENCY};
use crate::error::api;
use crate::unit::{display_name, record_gap, to_utc};
use crate::{CollectError, Unit};

/// The volume id AWS reports for snapshots copied from another snapshot:
/// it names no volume.
const NO_VOLUME: &str = "vol-ffffffff";

/// Every EBS volume of the region.
pub(super) async fn volumes(
    unit: &Unit,
    client: &aws_sdk_ec2::Client,
) -> Result<Found, CollectError> {
    let mut found = Found::default();
    let mut pages = client.describe_volumes().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("ec2:DescribeVolumes"))?;
        for v in page.volumes() {
            let Some(id) = v.volume_id() else {
                continue;
            };
            let uid = ec2_arn(unit, "volume", id);
            let tags = tags(v.tags());
            let props = EbsVolume {
                volume_id: id.to_string(),
                encrypted: v.encrypted().unwrap_or(false),
                kms_key_id: owned(v.kms_key_id()),
                size: v.size(),
                volume_type: text(v.volume_type()),
                iops: v.iops(),
                throughput: v.throughput(),
                state: text(v.state()),
                attachments: v
                    .attachments()
                    .iter()
                    .map(|a| VolumeAttachment {
                        instance_id: owned(a.instance_id()),
                        device: owned(a.device()),
                        state: text(a.state()),
                        delete_on_termination: a.delete_on_termination(),
                    })
                    .collect(),
                snapshot_id: owned(v.snapshot_id()).filter(|s| !s.is_empty()),
                availability_zone: owned(v.availability_zone()),
                create_time: v.create_time().and_then(to_utc),
                multi_attach_enabled: v.multi_attach_enabled(),
            };
            if let Some(key) = &props.kms_key_id {
                found.link(&uid, Relation::EncryptedBy, unit.kms_key_arn(key));
            }
            let name = display_name(&tags, id);
            found.add(
                Resource::new(uid, "aws_ebs_volume", &unit.account, &unit.region, name)
                    .with_props(&props)
                    .with_tags(tags)
                    .created(props.create_time),
            );
        }
    }
    Ok(found)
}

/// The snapshots the account owns (public and shared snapshots of other
/// accounts are not the account's resources), each with its sharing.
pub(super) async fn snapshots(
    unit: &Unit,
    client: &aws_sdk_ec2::Client,
) -> Result<Found, CollectError> {
    let mut listed = Vec::new();
    let mut pages = client
        .describe_snapshots()
        .owner_ids("self")
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("ec2:DescribeSnapshots"))?;
        // `self` already limits the answer on AWS; emulators that ignore the
        // owner filter would otherwise pass others' snapshots off as ours.
        listed.extend(
            page.snapshots()
                .iter()
                .filter(|s| s.owner_id().is_none_or(|o| o == unit.account))
                .cloned(),
        );
    }
    let read: Vec<Found> = stream::iter(listed)
        .map(|s| read_snapshot(unit, client, s))
        .buffer_unordered(ATTRIBUTE_CONCURRENCY)
        .collect()
        .await;
    Ok(Found::merge(read))
}

async fn read_snapshot(
    unit: &Unit,
    client: &aws_sdk_ec2::Client,
    s: aws_sdk_ec2::types::Snapshot,
) -> Found {
    let mut found = Found::default();
    let Some(id) = s.snapshot_id() else {
        return found;
    };
    let uid = ec2_arn(unit, "snapshot", id);
    let mut props = EbsSnapshot {
        snapshot_id: id.to_string(),
        volume_id: owned(s.volume_id()),
        volume_size: s.volume_size(),
        encrypted: s.encrypted().unwrap_or(false),
        kms_key_id: owned(s.kms_key_id()),
        state: text(s.state()),
        start_time: s.start_time().and_then(to_utc),
        description: owned(s.description()).filter(|d| !d.is_empty()),
        owner_id: owned(s.owner_id()),
        public: false,
        create_volume_permissions: Vec::new(),
    };
    let sharing = client
        .describe_snapshot_attribute()
        .snapshot_id(id)
        .attribute(aws_sdk_ec2::types::SnapshotAttributeName::CreateVolumePermission)
        .send()
        .await
        .map_err(api("ec2:DescribeSnapshotAttribute"));
    let gap = match sharing {
        Ok(out) => {
            for p in out.create_volume_permissions() {
                if p.group().is_some_and(|g| g.as_str() == "all") {
                    props.public = true;
                }
                if let Some(account) = p.user_id() {
                    props.create_volume_permissions.push(account.to_string());
                }
            }
            None
        }
        Err(e) => Some(e),
    };

    if let Some(volume) = props.volume_id.as_deref().filter(|v| *v != NO_VOLUME) {
        found.link(&uid, Relation::SnapshotOf, ec2_arn(unit, "volume", volume));
    }
    if let Some(key) = &props.kms_key_id {
        found.link(&uid, Relation::EncryptedBy, unit.kms_key_arn(key));
    }
    let tags = tags(s.tags());
    let name = display_name(&tags, id);
    let mut resource = Resource::new(uid, "aws_ebs_snapshot", &unit.account, &unit.region, name)
        .with_props(&props)
        .with_tags(tags)
        .created(props.start_time);
    if let Some(error) = gap {
        record_gap(
            &mut resource,
            "describe_snapshot_attribute",
            &["public", "create_volume_permissions"],
            &error,
        );
    }
    found.add(resource);
    found
}

/// The AMIs the account owns, each with its launch permissions.
pub(super) async fn images(
    unit: &Unit,
    client: &aws_sdk_ec2::Client,
) -> Result<Found, CollectError> {
    let mut listed = Vec::new();
    let mut pages = client
        .describe_images()
        .owners("self")
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("ec2:DescribeImages"))?;
        listed.extend(page.images().iter().cloned());
    }
    let read: Vec<Found> = stream::iter(listed)
        .map(|i| read_image(unit, client, i))
        .buffer_unordered(ATTRIBUTE_CONCURRENCY)
        .collect()
        .await;
    Ok(Found::merge(read))
}

async fn read_image(
    unit: &Unit,
    client: &aws_sdk_ec2::Client,
    i: aws_sdk_ec2::types::Image,
) -> Found {
    let mut found = Found::default();
    let Some(id) = i.image_id() else {
        return found;
    };
    let uid = ec2_arn(unit, "image", id);
    let mut props = Ami {
        image_id: id.to_string(),
        name: owned(i.name()),
        description: owned(i.description()).filter(|d| !d.is_empty()),
        public: i.public().unwrap_or(false),
        state: text(i.state()),
        creation_date: owned(i.creation_date()),
        deprecation_time: owned(i.deprecation_time()),
        owner_id: owned(i.owner_id()),
        image_type: text(i.image_type()),
        architecture: text(i.architecture()),
        platform_details: owned(i.platform_details()),
        root_device_type: text(i.root_device_type()),
        virtualization_type: text(i.virtualization_type()),
        imds_support: text(i.imds_support()),
        block_device_mappings: i
            .block_device_mappings()
            .iter()
            .map(|b| ImageBlockDevice {
                device_name: owned(b.device_name()),
                snapshot_id: owned(b.ebs().and_then(|e| e.snapshot_id())),
                volume_size: b.ebs().and_then(|e| e.volume_size()),
                volume_type: text(b.ebs().and_then(|e| e.volume_type())),
                encrypted: b.ebs().and_then(|e| e.encrypted()),
                kms_key_id: owned(b.ebs().and_then(|e| e.kms_key_id())),
            })
            .collect(),
        launch_permissions: Vec::new(),
    };
    let permissions = client
        .describe_image_attribute()
        .image_id(id)
        .attribute(aws_sdk_ec2::types::ImageAttributeName::LaunchPermission)
        .send()
        .await
        .map_err(api("ec2:DescribeImageAttribute"));
    let gap = match permissions {
        Ok(out) => {
            props.launch_permissions = out
                .launch_permissions()
                .iter()
                .map(|p| LaunchPermission {
                    group: text(p.group()),
                    user_id: owned(p.user_id()),
                    organization_arn: owned(p.organization_arn()),
                    organizational_unit_arn: owned(p.organizational_unit_arn()),
                })
                .collect();
            None
        }
        Err(e) => Some(e),
    };

    for device in &props.block_device_mappings {
        if let Some(snapshot) = &device.snapshot_id {
            found.link(&uid, Relation::Uses, ec2_arn(unit, "snapshot", snapshot));
        }
        if let Some(key) = &device.kms_key_id {
            found.link(&uid, Relation::EncryptedBy, unit.kms_key_arn(key));
        }
    }
    let created = props
        .creation_date
        .as_deref()
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
        .map(|d| d.to_utc());
    let tags = tags(i.tags());
    let name = display_name(&tags, props.name.as_deref().unwrap_or(id));
    let mut resource = Resource::new(uid, "aws_ami", &unit.account, &unit.region, name)
        .with_props(&props)
        .with_tags(tags)
        .created(created);
    if let Some(error) = gap {
        record_gap(
            &mut resource,
            "describe_image_attribute",
            &["launch_permissions"],
            &error,
        );
    }
    found.add(resource);
    found
}
