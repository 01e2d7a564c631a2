//! Tests of the `rds` collector against moto.

use aws_sdk_rds::types::Tag;
use plumb_model::Relation;

use crate::common::*;

const PASSWORD: &str = "not-a-real-password-1";

/// A VPC with two subnets, a security group and a DB subnet group over them.
struct Network {
    subnets: [String; 2],
    security_group: String,
    vpc: String,
}

async fn network(server: &MotoServer) -> Network {
    let ec2 = aws_sdk_ec2::Client::new(&sdk(server, REGION).await);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.1.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let mut subnets = Vec::new();
    for (cidr, zone) in [("10.1.1.0/24", "us-east-1a"), ("10.1.2.0/24", "us-east-1b")] {
        let subnet = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(cidr)
            .availability_zone(zone)
            .send()
            .await
            .unwrap()
            .subnet
            .unwrap()
            .subnet_id
            .unwrap();
        subnets.push(subnet);
    }
    let security_group = ec2
        .create_security_group()
        .group_name("db")
        .description("databases")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    let rds = rds(server).await;
    rds.create_db_subnet_group()
        .db_subnet_group_name("data")
        .db_subnet_group_description("data subnets")
        .set_subnet_ids(Some(subnets.clone()))
        .send()
        .await
        .unwrap();
    Network {
        subnets: [subnets[0].clone(), subnets[1].clone()],
        security_group,
        vpc,
    }
}

async fn rds(server: &MotoServer) -> aws_sdk_rds::Client {
    aws_sdk_rds::Client::new(&sdk(server, REGION).await)
}

async fn kms_key(server: &MotoServer) -> String {
    let kms = aws_sdk_kms::Client::new(&sdk(server, REGION).await);
    kms.create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .arn
        .unwrap()
}

fn arn(resource: &str) -> String {
    format!("arn:aws:rds:{REGION}:{ACCOUNT}:{resource}")
}

fn ec2_arn(resource: &str) -> String {
    format!("arn:aws:ec2:{REGION}:{ACCOUNT}:{resource}")
}

/// A public, unencrypted instance in the `data` subnet group.
async fn open_instance(rds: &aws_sdk_rds::Client, net: &Network) {
    rds.create_db_instance()
        .db_instance_identifier("open-db")
        .engine("postgres")
        .engine_version("16.3")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("app")
        .master_user_password(PASSWORD)
        .publicly_accessible(true)
        .db_subnet_group_name("data")
        .vpc_security_group_ids(&net.security_group)
        .tags(Tag::builder().key("Name").value("open database").build())
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn instances_are_collected_with_encryption_exposure_and_placement() {
    let server = MotoServer::start();
    let net = network(&server).await;
    let key = kms_key(&server).await;
    let rds = rds(&server).await;
    open_instance(&rds, &net).await;
    let monitoring_role = format!("arn:aws:iam::{ACCOUNT}:role/rds-monitoring");
    let s3_role = format!("arn:aws:iam::{ACCOUNT}:role/rds-s3-import");
    rds.create_db_instance()
        .db_instance_identifier("locked-db")
        .engine("mysql")
        .engine_version("8.0.35")
        .db_instance_class("db.m5.large")
        .allocated_storage(50)
        .master_username("dbadmin")
        .master_user_password(PASSWORD)
        .publicly_accessible(false)
        .storage_encrypted(true)
        .kms_key_id(&key)
        .multi_az(true)
        .auto_minor_version_upgrade(true)
        .backup_retention_period(14)
        .deletion_protection(true)
        .enable_iam_database_authentication(true)
        .enable_cloudwatch_logs_exports("audit")
        .enable_cloudwatch_logs_exports("error")
        .copy_tags_to_snapshot(true)
        .monitoring_interval(60)
        .monitoring_role_arn(&monitoring_role)
        .ca_certificate_identifier("rds-ca-rsa2048-g1")
        .db_subnet_group_name("data")
        .vpc_security_group_ids(&net.security_group)
        .tags(Tag::builder().key("owner").value("data").build())
        .send()
        .await
        .unwrap();
    rds.add_role_to_db_instance()
        .db_instance_identifier("locked-db")
        .role_arn(&s3_role)
        .feature_name("s3Import")
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["rds"]).await;
    snap.assert_ok("rds");
    assert_eq!(snap.of_kind("aws_db_instance").len(), 2);

    let open = snap.resource(&arn("db:open-db"));
    assert_eq!(open.name, "open database");
    assert_eq!(open.region, REGION);
    let p = &open.props;
    assert_eq!(p["db_instance_identifier"], "open-db");
    assert_eq!(p["engine"], "postgres");
    assert_eq!(p["engine_version"], "16.3");
    assert_eq!(p["db_instance_class"], "db.t3.micro");
    assert_eq!(p["publicly_accessible"], true);
    assert_eq!(p["storage_encrypted"], false);
    assert!(p["kms_key_id"].is_null());
    assert_eq!(p["master_username"], "app");
    assert!(p.get("master_user_password").is_none());
    assert_eq!(p["db_subnet_group"]["db_subnet_group_name"], "data");
    assert_eq!(p["db_subnet_group"]["vpc_id"], net.vpc.as_str());
    let subnets: Vec<_> = p["db_subnet_group"]["subnets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subnet_identifier"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(subnets.len(), 2, "{subnets:?}");
    assert_eq!(
        p["vpc_security_groups"][0]["vpc_security_group_id"],
        net.security_group.as_str()
    );
    assert_eq!(p["vpc_security_groups"][0]["status"], "active");
    assert_eq!(p["endpoint"]["port"], 5432);
    assert!(p["endpoint"]["address"]
        .as_str()
        .unwrap()
        .starts_with("open-db."));
    assert!(!snap
        .edges
        .iter()
        .any(|e| e.from == open.uid && e.relation == Relation::EncryptedBy));

    let locked = snap.resource(&arn("db:locked-db"));
    let p = &locked.props;
    assert_eq!(p["publicly_accessible"], false);
    assert_eq!(p["storage_encrypted"], true);
    assert_eq!(p["kms_key_id"], key.as_str());
    assert_eq!(p["multi_az"], true);
    assert_eq!(p["auto_minor_version_upgrade"], true);
    assert_eq!(p["backup_retention_period"], 14);
    assert_eq!(p["deletion_protection"], true);
    assert_eq!(p["iam_database_authentication_enabled"], true);
    assert_eq!(
        p["enabled_cloudwatch_logs_exports"],
        serde_json::json!(["audit", "error"])
    );
    assert_eq!(p["copy_tags_to_snapshot"], true);
    assert_eq!(p["monitoring_interval"], 60);
    assert_eq!(p["monitoring_role_arn"], monitoring_role.as_str());
    assert_eq!(p["ca_certificate_identifier"], "rds-ca-rsa2048-g1");
    assert_eq!(p["associated_roles"][0]["role_arn"], s3_role.as_str());
    assert_eq!(p["associated_roles"][0]["feature_name"], "s3Import");
    assert!(p["db_cluster_identifier"].is_null());
    assert_eq!(locked.tags.get("owner").map(String::as_str), Some("data"));
    assert!(locked.created_at.is_some());

    let sg = ec2_arn(&format!("security-group/{}", net.security_group));
    for db in [open, locked] {
        assert!(snap.has_edge(&db.uid, Relation::ProtectedBy, &sg));
        for subnet in &net.subnets {
            assert!(
                snap.has_edge(
                    &db.uid,
                    Relation::MemberOf,
                    &ec2_arn(&format!("subnet/{subnet}"))
                ),
                "{} is not in {subnet}",
                db.uid
            );
        }
    }
    assert!(snap.has_edge(&locked.uid, Relation::EncryptedBy, &key));
    assert!(snap.has_edge(&locked.uid, Relation::Assumes, &s3_role));
}

#[tokio::test(flavor = "multi_thread")]
async fn clusters_are_collected_with_their_members_key_and_security_groups() {
    let server = MotoServer::start();
    let net = network(&server).await;
    let key = kms_key(&server).await;
    let rds = rds(&server).await;
    rds.create_db_cluster()
        .db_cluster_identifier("aurora")
        .engine("aurora-postgresql")
        .engine_version("15.4")
        .master_username("clusteradmin")
        .master_user_password(PASSWORD)
        .storage_encrypted(true)
        .kms_key_id(&key)
        .deletion_protection(true)
        .backup_retention_period(7)
        .copy_tags_to_snapshot(true)
        .enable_iam_database_authentication(true)
        .enable_cloudwatch_logs_exports("postgresql")
        .db_subnet_group_name("data")
        .vpc_security_group_ids(&net.security_group)
        .tags(Tag::builder().key("team").value("data").build())
        .send()
        .await
        .unwrap();
    rds.create_db_instance()
        .db_instance_identifier("aurora-1")
        .db_cluster_identifier("aurora")
        .engine("aurora-postgresql")
        .db_instance_class("db.r6g.large")
        .db_subnet_group_name("data")
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["rds"]).await;
    snap.assert_ok("rds");
    let clusters = snap.of_kind("aws_rds_cluster");
    assert_eq!(clusters.len(), 1);
    let cluster = snap.resource(&arn("cluster:aurora"));
    let p = &cluster.props;
    assert_eq!(p["db_cluster_identifier"], "aurora");
    assert_eq!(p["engine"], "aurora-postgresql");
    assert_eq!(p["storage_encrypted"], true);
    assert_eq!(p["kms_key_id"], key.as_str());
    assert_eq!(p["deletion_protection"], true);
    assert_eq!(p["backup_retention_period"], 7);
    assert_eq!(p["copy_tags_to_snapshot"], true);
    assert_eq!(p["iam_database_authentication_enabled"], true);
    assert_eq!(
        p["enabled_cloudwatch_logs_exports"],
        serde_json::json!(["postgresql"])
    );
    assert_eq!(p["master_username"], "clusteradmin");
    assert_eq!(p["db_subnet_group"], "data");
    assert_eq!(p["port"], 5432);
    assert!(p["endpoint"]
        .as_str()
        .unwrap()
        .starts_with("aurora.cluster-"));
    assert_eq!(
        p["db_cluster_members"][0]["db_instance_identifier"],
        "aurora-1"
    );
    assert_eq!(p["db_cluster_members"][0]["is_cluster_writer"], true);
    assert_eq!(cluster.tags.get("team").map(String::as_str), Some("data"));

    let member = snap.resource(&arn("db:aurora-1"));
    assert_eq!(member.props["db_cluster_identifier"], "aurora");
    assert!(snap.has_edge(&member.uid, Relation::MemberOf, &cluster.uid));
    assert!(snap.has_edge(&cluster.uid, Relation::EncryptedBy, &key));
    let sg = ec2_arn(&format!("security-group/{}", net.security_group));
    assert!(snap.has_edge(&cluster.uid, Relation::ProtectedBy, &sg));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manual_snapshot_restorable_by_all_is_public_and_automated_ones_are_left_out() {
    let server = MotoServer::start();
    let net = network(&server).await;
    let rds = rds(&server).await;
    open_instance(&rds, &net).await;
    rds.create_db_snapshot()
        .db_instance_identifier("open-db")
        .db_snapshot_identifier("open-db-manual")
        .send()
        .await
        .unwrap();
    rds.modify_db_snapshot_attribute()
        .db_snapshot_identifier("open-db-manual")
        .attribute_name("restore")
        .values_to_add("all")
        .values_to_add("111122223333")
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["rds"]).await;
    snap.assert_ok("rds");
    let snapshots = snap.of_kind("aws_db_snapshot");
    assert_eq!(
        snapshots.len(),
        1,
        "only the manual snapshot: {:?}",
        snapshots.iter().map(|s| &s.uid).collect::<Vec<_>>()
    );
    let s = snap.resource(&arn("snapshot:open-db-manual"));
    assert_eq!(s.props["db_snapshot_identifier"], "open-db-manual");
    assert_eq!(s.props["db_instance_identifier"], "open-db");
    assert_eq!(s.props["snapshot_type"], "manual");
    assert_eq!(s.props["encrypted"], false);
    assert_eq!(s.props["public"], true);
    assert_eq!(
        s.props["shared_accounts"],
        serde_json::json!(["111122223333"])
    );
    assert!(snap.has_edge(&s.uid, Relation::SnapshotOf, &arn("db:open-db")));
    assert!(!snap
        .edges
        .iter()
        .any(|e| e.from == s.uid && e.relation == Relation::EncryptedBy));
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_snapshots_record_their_key_cluster_and_sharing() {
    let server = MotoServer::start();
    let key = kms_key(&server).await;
    let rds = rds(&server).await;
    rds.create_db_cluster()
        .db_cluster_identifier("aurora")
        .engine("aurora-mysql")
        .master_username("clusteradmin")
        .master_user_password(PASSWORD)
        .storage_encrypted(true)
        .kms_key_id(&key)
        .send()
        .await
        .unwrap();
    rds.create_db_cluster_snapshot()
        .db_cluster_identifier("aurora")
        .db_cluster_snapshot_identifier("aurora-manual")
        .send()
        .await
        .unwrap();
    rds.modify_db_cluster_snapshot_attribute()
        .db_cluster_snapshot_identifier("aurora-manual")
        .attribute_name("restore")
        .values_to_add("444455556666")
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["rds"]).await;
    snap.assert_ok("rds");
    assert_eq!(snap.of_kind("aws_db_cluster_snapshot").len(), 1);
    let s = snap.resource(&arn("cluster-snapshot:aurora-manual"));
    assert_eq!(s.props["db_cluster_identifier"], "aurora");
    assert_eq!(s.props["snapshot_type"], "manual");
    assert_eq!(s.props["storage_encrypted"], true);
    assert_eq!(s.props["kms_key_id"], key.as_str());
    assert_eq!(s.props["public"], false);
    assert_eq!(
        s.props["shared_accounts"],
        serde_json::json!(["444455556666"])
    );
    assert!(snap.has_edge(&s.uid, Relation::SnapshotOf, &arn("cluster:aurora")));
    assert!(snap.has_edge(&s.uid, Relation::EncryptedBy, &key));
}
