//! Collects RDS DB instances, DB clusters and their manual snapshots, with
//! every setting the CIS (2.3) and FSBP RDS controls read: encryption,
//! public accessibility, backups, deletion protection, IAM authentication,
//! log exports, minor version upgrades, Multi-AZ, and whether snapshots are
//! public or shared.
//!
//! The edges place each database in the network (security groups, subnets
//! of its subnet group) and tie it to its KMS key, its cluster and its
//! snapshots, so that an exposure analysis can follow a path from the
//! internet to the data. Snapshots are read in `snapshots`.

use std::collections::BTreeMap;

use plumb_model::aws::rds::{
    AssociatedRole, DbCluster, DbClusterMember, DbInstance, DbParameterGroupStatus, DbSubnet,
    DbSubnetGroup, Endpoint, MasterUserSecret, VpcSecurityGroupMembership,
};
use plumb_model::{Relation, Resource};

use crate::error::api;
use crate::services::{Service, ServiceScope};
use crate::unit::{display_name, tag_map, to_utc};
use crate::{client, collect_fn, CollectError, Unit};

mod snapshots;

/// The `rds` collector.
pub const SERVICE: Service = Service {
    name: "rds",
    scope: ServiceScope::Regional,
    kinds: &[
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_db_snapshot",
        "aws_db_cluster_snapshot",
    ],
    actions: &[
        "rds:DescribeDBInstances",
        "rds:DescribeDBClusters",
        "rds:DescribeDBSnapshots",
        "rds:DescribeDBSnapshotAttributes",
        "rds:DescribeDBClusterSnapshots",
        "rds:DescribeDBClusterSnapshotAttributes",
    ],
    collect: collect_fn!(collect),
};

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let client = client!(unit, aws_sdk_rds);
    collect_instances(unit, &client).await?;
    collect_clusters(unit, &client).await?;
    snapshots::collect_db_snapshots(unit, &client).await?;
    snapshots::collect_cluster_snapshots(unit, &client).await?;
    Ok(())
}

/// The uid of a DB instance named by identifier (snapshots name their
/// instance only so).
pub(super) fn instance_arn(unit: &Unit, identifier: &str) -> String {
    unit.arn("rds", &format!("db:{identifier}"))
}

/// The uid of a DB cluster named by identifier.
pub(super) fn cluster_arn(unit: &Unit, identifier: &str) -> String {
    unit.arn("rds", &format!("cluster:{identifier}"))
}

fn security_group_arn(unit: &Unit, id: &str) -> String {
    unit.arn("ec2", &format!("security-group/{id}"))
}

/// RDS lists tags inline as `TagList`.
pub(super) fn tags(list: &[aws_sdk_rds::types::Tag]) -> BTreeMap<String, String> {
    tag_map(
        list.iter()
            .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))),
    )
}

use crate::unit::owned;

fn security_groups(
    list: &[aws_sdk_rds::types::VpcSecurityGroupMembership],
) -> Vec<VpcSecurityGroupMembership> {
    list.iter()
        .filter_map(|g| {
            Some(VpcSecurityGroupMembership {
                vpc_security_group_id: g.vpc_security_group_id()?.to_string(),
                status: owned(g.status()),
            })
        })
        .collect()
}

fn master_user_secret(
    secret: Option<&aws_sdk_rds::types::MasterUserSecret>,
) -> Option<MasterUserSecret> {
    secret.map(|s| MasterUserSecret {
        secret_arn: owned(s.secret_arn()),
        secret_status: owned(s.secret_status()),
        kms_key_id: owned(s.kms_key_id()),
    })
}

async fn collect_instances(
    unit: &mut Unit,
    client: &aws_sdk_rds::Client,
) -> Result<(), CollectError> {
    let mut pages = client.describe_db_instances().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("rds:DescribeDBInstances"))?;
        for db in page.db_instances() {
            let Some(identifier) = db.db_instance_identifier() else {
                continue;
            };
            let (props, tags) = instance_props(unit, db, identifier);
            link_instance(unit, &props);
            let name = display_name(&tags, identifier);
            let resource = Resource::new(
                props.db_instance_arn.clone(),
                "aws_db_instance",
                &unit.account,
                &unit.region,
                name,
            )
            .with_props(&props)
            .with_tags(tags)
            .created(props.instance_create_time);
            unit.add(resource);
        }
    }
    Ok(())
}

fn instance_props(
    unit: &Unit,
    db: &aws_sdk_rds::types::DbInstance,
    identifier: &str,
) -> (DbInstance, BTreeMap<String, String>) {
    let props = DbInstance {
        db_instance_identifier: identifier.to_string(),
        db_instance_arn: db
            .db_instance_arn()
            .map(str::to_string)
            .unwrap_or_else(|| instance_arn(unit, identifier)),
        dbi_resource_id: owned(db.dbi_resource_id()),
        engine: owned(db.engine()),
        engine_version: owned(db.engine_version()),
        db_instance_class: owned(db.db_instance_class()),
        db_instance_status: owned(db.db_instance_status()),
        availability_zone: owned(db.availability_zone()),
        multi_az: db.multi_az(),
        publicly_accessible: db.publicly_accessible(),
        storage_encrypted: db.storage_encrypted(),
        kms_key_id: owned(db.kms_key_id()),
        storage_type: owned(db.storage_type()),
        auto_minor_version_upgrade: db.auto_minor_version_upgrade(),
        backup_retention_period: db.backup_retention_period(),
        deletion_protection: db.deletion_protection(),
        iam_database_authentication_enabled: db.iam_database_authentication_enabled(),
        enabled_cloudwatch_logs_exports: db.enabled_cloudwatch_logs_exports().to_vec(),
        copy_tags_to_snapshot: db.copy_tags_to_snapshot(),
        vpc_security_groups: security_groups(db.vpc_security_groups()),
        db_subnet_group: db.db_subnet_group().map(|g| DbSubnetGroup {
            db_subnet_group_name: owned(g.db_subnet_group_name()),
            vpc_id: owned(g.vpc_id()),
            subnets: g
                .subnets()
                .iter()
                .filter_map(|s| {
                    Some(DbSubnet {
                        subnet_identifier: s.subnet_identifier()?.to_string(),
                        subnet_availability_zone: owned(
                            s.subnet_availability_zone().and_then(|z| z.name()),
                        ),
                        subnet_status: owned(s.subnet_status()),
                    })
                })
                .collect(),
        }),
        endpoint: db.endpoint().map(|e| Endpoint {
            address: owned(e.address()),
            port: e.port(),
            hosted_zone_id: owned(e.hosted_zone_id()),
        }),
        db_cluster_identifier: owned(db.db_cluster_identifier()),
        ca_certificate_identifier: owned(db.ca_certificate_identifier()),
        certificate_valid_till: db
            .certificate_details()
            .and_then(|c| c.valid_till())
            .and_then(to_utc),
        monitoring_interval: db.monitoring_interval(),
        monitoring_role_arn: owned(db.monitoring_role_arn()),
        performance_insights_enabled: db.performance_insights_enabled(),
        performance_insights_kms_key_id: owned(db.performance_insights_kms_key_id()),
        master_username: owned(db.master_username()),
        master_user_secret: master_user_secret(db.master_user_secret()),
        db_parameter_groups: db
            .db_parameter_groups()
            .iter()
            .map(|g| DbParameterGroupStatus {
                db_parameter_group_name: owned(g.db_parameter_group_name()),
                parameter_apply_status: owned(g.parameter_apply_status()),
            })
            .collect(),
        associated_roles: db
            .associated_roles()
            .iter()
            .map(|r| AssociatedRole {
                role_arn: owned(r.role_arn()),
                feature_name: owned(r.feature_name()),
                status: owned(r.status()),
            })
            .collect(),
        read_replica_source_db_instance_identifier: owned(
            db.read_replica_source_db_instance_identifier(),
        ),
        network_type: owned(db.network_type()),
        instance_create_time: db.instance_create_time().and_then(to_utc),
    };
    (props, tags(db.tag_list()))
}

fn link_instance(unit: &mut Unit, db: &DbInstance) {
    let uid = db.db_instance_arn.clone();
    for g in &db.vpc_security_groups {
        let sg = security_group_arn(unit, &g.vpc_security_group_id);
        unit.link(&uid, Relation::ProtectedBy, &sg);
    }
    if db.storage_encrypted == Some(true) {
        if let Some(key) = &db.kms_key_id {
            let key = unit.kms_key_arn(key);
            unit.link(&uid, Relation::EncryptedBy, &key);
        }
    }
    if let Some(cluster) = &db.db_cluster_identifier {
        let cluster = cluster_arn(unit, cluster);
        unit.link(&uid, Relation::MemberOf, &cluster);
    }
    let subnets: Vec<String> = db
        .db_subnet_group
        .iter()
        .flat_map(|g| &g.subnets)
        .map(|s| unit.arn("ec2", &format!("subnet/{}", s.subnet_identifier)))
        .collect();
    for subnet in subnets {
        unit.link(&uid, Relation::MemberOf, &subnet);
    }
    for role in db
        .associated_roles
        .iter()
        .filter_map(|r| r.role_arn.as_deref())
    {
        unit.link(&uid, Relation::Assumes, role);
    }
}

async fn collect_clusters(
    unit: &mut Unit,
    client: &aws_sdk_rds::Client,
) -> Result<(), CollectError> {
    let mut pages = client.describe_db_clusters().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("rds:DescribeDBClusters"))?;
        for c in page.db_clusters() {
            let Some(identifier) = c.db_cluster_identifier() else {
                continue;
            };
            let props = cluster_props(unit, c, identifier);
            link_cluster(unit, &props);
            let tags = tags(c.tag_list());
            let name = display_name(&tags, identifier);
            let resource = Resource::new(
                props.db_cluster_arn.clone(),
                "aws_rds_cluster",
                &unit.account,
                &unit.region,
                name,
            )
            .with_props(&props)
            .with_tags(tags)
            .created(props.cluster_create_time);
            unit.add(resource);
        }
    }
    Ok(())
}

fn cluster_props(unit: &Unit, c: &aws_sdk_rds::types::DbCluster, identifier: &str) -> DbCluster {
    DbCluster {
        db_cluster_identifier: identifier.to_string(),
        db_cluster_arn: c
            .db_cluster_arn()
            .map(str::to_string)
            .unwrap_or_else(|| cluster_arn(unit, identifier)),
        db_cluster_resource_id: owned(c.db_cluster_resource_id()),
        engine: owned(c.engine()),
        engine_version: owned(c.engine_version()),
        engine_mode: owned(c.engine_mode()),
        status: owned(c.status()),
        db_cluster_instance_class: owned(c.db_cluster_instance_class()),
        multi_az: c.multi_az(),
        publicly_accessible: c.publicly_accessible(),
        storage_encrypted: c.storage_encrypted(),
        kms_key_id: owned(c.kms_key_id()),
        auto_minor_version_upgrade: c.auto_minor_version_upgrade(),
        backup_retention_period: c.backup_retention_period(),
        deletion_protection: c.deletion_protection(),
        iam_database_authentication_enabled: c.iam_database_authentication_enabled(),
        enabled_cloudwatch_logs_exports: c.enabled_cloudwatch_logs_exports().to_vec(),
        copy_tags_to_snapshot: c.copy_tags_to_snapshot(),
        vpc_security_groups: security_groups(c.vpc_security_groups()),
        db_subnet_group: owned(c.db_subnet_group()),
        endpoint: owned(c.endpoint()),
        reader_endpoint: owned(c.reader_endpoint()),
        port: c.port(),
        master_username: owned(c.master_username()),
        master_user_secret: master_user_secret(c.master_user_secret()),
        backtrack_window: c.backtrack_window(),
        http_endpoint_enabled: c.http_endpoint_enabled(),
        db_cluster_parameter_group: owned(c.db_cluster_parameter_group()),
        availability_zones: c.availability_zones().to_vec(),
        db_cluster_members: c
            .db_cluster_members()
            .iter()
            .map(|m| DbClusterMember {
                db_instance_identifier: owned(m.db_instance_identifier()),
                is_cluster_writer: m.is_cluster_writer(),
                promotion_tier: m.promotion_tier(),
            })
            .collect(),
        monitoring_interval: c.monitoring_interval(),
        performance_insights_enabled: c.performance_insights_enabled(),
        activity_stream_status: c.activity_stream_status().map(|s| s.as_str().to_string()),
        associated_roles: c
            .associated_roles()
            .iter()
            .map(|r| AssociatedRole {
                role_arn: owned(r.role_arn()),
                feature_name: owned(r.feature_name()),
                status: owned(r.status()),
            })
            .collect(),
        global_cluster_identifier: owned(c.global_cluster_identifier()),
        network_type: owned(c.network_type()),
        cluster_create_time: c.cluster_create_time().and_then(to_utc),
    }
}

fn link_cluster(unit: &mut Unit, c: &DbCluster) {
    let uid = c.db_cluster_arn.clone();
    for g in &c.vpc_security_groups {
        let sg = security_group_arn(unit, &g.vpc_security_group_id);
        unit.link(&uid, Relation::ProtectedBy, &sg);
    }
    if c.storage_encrypted == Some(true) {
        if let Some(key) = &c.kms_key_id {
            let key = unit.kms_key_arn(key);
            unit.link(&uid, Relation::EncryptedBy, &key);
        }
    }
    for role in c
        .associated_roles
        .iter()
        .filter_map(|r| r.role_arn.as_deref())
    {
        unit.link(&uid, Relation::Assumes, role);
    }
}
