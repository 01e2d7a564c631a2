//! Collects EFS file systems with their encryption, file system policy,
//! automatic backup policy, mount targets and the security groups of each
//! mount target: what the FSBP EFS controls read, and the file system →
//! key, security group and subnet edges that exposure analysis follows.

use std::collections::BTreeSet;

use futures::stream::{self, StreamExt};
use plumb_model::aws::efs::{BackupPolicy, EfsFileSystem, MountTarget};
use plumb_model::{Relation, Resource};

use crate::error::{api, is_code};
use crate::services::{Service, ServiceScope};
use crate::unit::{display_name, parse_policy, record_gap, tag_map, to_utc};
use crate::{client, collect_fn, CollectError, Unit};

/// The `efs` collector.
pub const SERVICE: Service = Service {
    name: "efs",
    scope: ServiceScope::Regional,
    kinds: &["aws_efs_file_system"],
    actions: &[
        "elasticfilesystem:DescribeFileSystems",
        "elasticfilesystem:DescribeFileSystemPolicy",
        "elasticfilesystem:DescribeBackupPolicy",
        "elasticfilesystem:DescribeMountTargets",
        "elasticfilesystem:DescribeMountTargetSecurityGroups",
    ],
    collect: collect_fn!(collect),
};

/// How many file systems are read at once within the unit.
const FILE_SYSTEM_CONCURRENCY: usize = 8;

/// What the error code `PolicyNotFound` means: no policy is set.
const POLICY_NOT_FOUND: &[&str] = &["PolicyNotFound"];

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let client = client!(unit, aws_sdk_efs);
    let mut listed = Vec::new();
    let mut pages = client.describe_file_systems().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("elasticfilesystem:DescribeFileSystems"))?;
        listed.extend(page.file_systems().iter().cloned());
    }

    let unit_ref = &*unit;
    let read: Vec<(Resource, Vec<(Relation, String)>)> = stream::iter(listed)
        .map(|fs| read_file_system(unit_ref, &client, fs))
        .buffer_unordered(FILE_SYSTEM_CONCURRENCY)
        .collect()
        .await;
    unit.add_linked(read);
    Ok(())
}

async fn read_file_system(
    unit: &Unit,
    client: &aws_sdk_efs::Client,
    fs: aws_sdk_efs::types::FileSystemDescription,
) -> (Resource, Vec<(Relation, String)>) {
    let id = fs.file_system_id().to_string();
    let uid = fs
        .file_system_arn()
        .map(str::to_string)
        .unwrap_or_else(|| unit.arn("elasticfilesystem", &format!("file-system/{id}")));
    let tags = tag_map(
        fs.tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string())),
    );
    let created = to_utc(fs.creation_time());
    let mut file_system = EfsFileSystem {
        file_system_id: id.clone(),
        file_system_arn: uid.clone(),
        name: fs.name().map(str::to_string),
        encrypted: fs.encrypted().unwrap_or(false),
        kms_key_id: fs.kms_key_id().map(str::to_string),
        performance_mode: fs.performance_mode().as_str().to_string(),
        throughput_mode: fs.throughput_mode().map(|m| m.as_str().to_string()),
        life_cycle_state: fs.life_cycle_state().as_str().to_string(),
        number_of_mount_targets: fs.number_of_mount_targets(),
        availability_zone_name: fs.availability_zone_name().map(str::to_string),
        creation_time: created,
        ..EfsFileSystem::default()
    };
    let mut gaps: Vec<(&str, &[&str], CollectError)> = Vec::new();
    let mut links = Vec::new();
    if let Some(key) = &file_system.kms_key_id {
        links.push((Relation::EncryptedBy, unit.kms_key_arn(key)));
    }

    match client
        .describe_file_system_policy()
        .file_system_id(&id)
        .send()
        .await
        .map_err(api("elasticfilesystem:DescribeFileSystemPolicy"))
    {
        Ok(out) => match out
            .policy()
            .map(|p| parse_policy("elasticfilesystem:DescribeFileSystemPolicy", p))
            .transpose()
        {
            Ok(policy) => file_system.policy = policy,
            Err(e) => gaps.push(("describe_file_system_policy", &["policy"], e)),
        },
        Err(e) if is_code(&e, POLICY_NOT_FOUND) => {}
        Err(e) => gaps.push(("describe_file_system_policy", &["policy"], e)),
    }

    match client
        .describe_backup_policy()
        .file_system_id(&id)
        .send()
        .await
        .map_err(api("elasticfilesystem:DescribeBackupPolicy"))
    {
        Ok(out) => {
            file_system.backup_policy = out.backup_policy().map(|b| BackupPolicy {
                status: b.status().as_str().to_string(),
            })
        }
        Err(e) if is_code(&e, POLICY_NOT_FOUND) => {}
        Err(e) => gaps.push(("describe_backup_policy", &["backup_policy"], e)),
    }

    match mount_targets(client, &id).await {
        Ok((targets, sg_error)) => {
            let subnets: BTreeSet<&str> = targets.iter().map(|t| t.subnet_id.as_str()).collect();
            let groups: BTreeSet<&str> = targets
                .iter()
                .flat_map(|t| t.security_groups.iter().flatten())
                .map(String::as_str)
                .collect();
            for subnet in subnets {
                links.push((
                    Relation::MemberOf,
                    unit.arn("ec2", &format!("subnet/{subnet}")),
                ));
            }
            for sg in groups {
                links.push((
                    Relation::ProtectedBy,
                    unit.arn("ec2", &format!("security-group/{sg}")),
                ));
            }
            file_system.mount_targets = targets;
            if let Some(e) = sg_error {
                gaps.push(("describe_mount_target_security_groups", &[], e));
            }
        }
        Err(e) => gaps.push(("describe_mount_targets", &["mount_targets"], e)),
    }

    let label = display_name(&tags, &id);
    let mut resource = Resource::new(
        uid,
        "aws_efs_file_system",
        &unit.account,
        &unit.region,
        label,
    )
    .with_props(&file_system)
    .with_tags(tags)
    .created(created);
    for (operation, fields, error) in gaps {
        record_gap(&mut resource, operation, fields, &error);
    }
    (resource, links)
}

/// The mount targets of a file system with their security groups. A mount
/// target whose security groups cannot be read keeps `security_groups`
/// absent, and the last such error is returned beside the list.
async fn mount_targets(
    client: &aws_sdk_efs::Client,
    file_system_id: &str,
) -> Result<(Vec<MountTarget>, Option<CollectError>), CollectError> {
    let mut targets = Vec::new();
    let mut pages = client
        .describe_mount_targets()
        .file_system_id(file_system_id)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("elasticfilesystem:DescribeMountTargets"))?;
        targets.extend(page.mount_targets().iter().map(|t| MountTarget {
            mount_target_id: t.mount_target_id().to_string(),
            subnet_id: t.subnet_id().to_string(),
            vpc_id: t.vpc_id().map(str::to_string),
            ip_address: t.ip_address().map(str::to_string),
            availability_zone_name: t.availability_zone_name().map(str::to_string),
            life_cycle_state: t.life_cycle_state().as_str().to_string(),
            security_groups: None,
        }));
    }
    let mut last_error = None;
    for target in &mut targets {
        match client
            .describe_mount_target_security_groups()
            .mount_target_id(&target.mount_target_id)
            .send()
            .await
            .map_err(api("elasticfilesystem:DescribeMountTargetSecurityGroups"))
        {
            Ok(out) => target.security_groups = Some(out.security_groups().to_vec()),
            Err(e) => last_error = Some(e),
        }
    }
    Ok((targets, last_error))
}
