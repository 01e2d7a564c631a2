//! RDS fixes: DB instance and cluster settings that change in place
//! (`ModifyDBInstance`, `ModifyDBCluster`, applied immediately so that the
//! verification sees them), and snapshots restorable by anyone.
//!
//! DocumentDB and Neptune clusters are changed through the same RDS API.

use aws_config::SdkConfig;
use aws_sdk_rds::operation::modify_db_cluster::builders::ModifyDBClusterFluentBuilder;
use aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder;
use plumb_model::Resource;

use super::{api, text, Fix, FixError};

/// The days `rds_instance_backup_retention_at_least_7_days` asks for.
const BACKUP_RETENTION_DAYS: i32 = 7;

pub(super) async fn apply(
    config: &SdkConfig,
    fix: &Fix,
    resource: &Resource,
) -> Result<(), FixError> {
    let rds = aws_sdk_rds::Client::new(config);
    match fix.id {
        "rds_instance_not_public" => {
            modify_instance(instance(&rds, resource)?.publicly_accessible(false)).await?;
        }
        "rds_instance_auto_minor_version_upgrade" => {
            modify_instance(instance(&rds, resource)?.auto_minor_version_upgrade(true)).await?;
        }
        "rds_instance_backup_retention_7_days" => {
            let current = resource
                .props
                .get("backup_retention_period")
                .and_then(serde_json::Value::as_i64)
                .and_then(|d| i32::try_from(d).ok())
                .unwrap_or(0);
            modify_instance(
                instance(&rds, resource)?
                    .backup_retention_period(current.max(BACKUP_RETENTION_DAYS)),
            )
            .await?;
        }
        "rds_instance_deletion_protection" => {
            modify_instance(instance(&rds, resource)?.deletion_protection(true)).await?;
        }
        "rds_instance_copy_tags_to_snapshot" => {
            modify_instance(instance(&rds, resource)?.copy_tags_to_snapshot(true)).await?;
        }
        "rds_instance_iam_authentication" => {
            modify_instance(instance(&rds, resource)?.enable_iam_database_authentication(true))
                .await?;
        }
        "rds_cluster_deletion_protection" => {
            modify_cluster(cluster(&rds, resource)?.deletion_protection(true)).await?;
        }
        "rds_cluster_copy_tags_to_snapshot" => {
            modify_cluster(cluster(&rds, resource)?.copy_tags_to_snapshot(true)).await?;
        }
        "rds_snapshot_private" => {
            // Only `all`: account ids in the restore attribute are
            // deliberate shares and stay.
            rds.modify_db_snapshot_attribute()
                .db_snapshot_identifier(text(resource, "db_snapshot_identifier")?)
                .attribute_name("restore")
                .values_to_remove("all")
                .send()
                .await
                .map_err(api("rds:ModifyDBSnapshotAttribute"))?;
        }
        "rds_cluster_snapshot_private" => {
            rds.modify_db_cluster_snapshot_attribute()
                .db_cluster_snapshot_identifier(text(resource, "db_cluster_snapshot_identifier")?)
                .attribute_name("restore")
                .values_to_remove("all")
                .send()
                .await
                .map_err(api("rds:ModifyDBClusterSnapshotAttribute"))?;
        }
        other => return Err(FixError::Unimplemented(other.to_string())),
    }
    Ok(())
}

/// A change of the DB instance, applied now rather than in the next
/// maintenance window.
fn instance(
    rds: &aws_sdk_rds::Client,
    resource: &Resource,
) -> Result<ModifyDBInstanceFluentBuilder, FixError> {
    Ok(rds
        .modify_db_instance()
        .db_instance_identifier(text(resource, "db_instance_identifier")?)
        .apply_immediately(true))
}

async fn modify_instance(change: ModifyDBInstanceFluentBuilder) -> Result<(), FixError> {
    change
        .send()
        .await
        .map(|_| ())
        .map_err(api("rds:ModifyDBInstance"))
}

/// A change of the cluster, applied now.
fn cluster(
    rds: &aws_sdk_rds::Client,
    resource: &Resource,
) -> Result<ModifyDBClusterFluentBuilder, FixError> {
    Ok(rds
        .modify_db_cluster()
        .db_cluster_identifier(text(resource, "db_cluster_identifier")?)
        .apply_immediately(true))
}

async fn modify_cluster(change: ModifyDBClusterFluentBuilder) -> Result<(), FixError> {
    change
        .send()
        .await
        .map(|_| ())
        .map_err(api("rds:ModifyDBCluster"))
}
