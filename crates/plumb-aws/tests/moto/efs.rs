//! Tests of the `efs` collector against moto.

use aws_sdk_efs::types::Tag;
use plumb_model::Relation;

use crate::common::*;

const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";

struct Seeded {
    encrypted: String,
    plain: String,
    subnet: String,
    group: String,
    mount_target: String,
}

/// Seeds an encrypted file system with a policy, automatic backups and a
/// mount target, and an unencrypted one with nothing set.
async fn seed(server: &MotoServer) -> Seeded {
    let config = sdk(server, REGION).await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let efs = aws_sdk_efs::Client::new(&config);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.7.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.7.1.0/24")
        .availability_zone("us-east-1a")
        .send()
        .await
        .unwrap()
        .subnet
        .unwrap()
        .subnet_id
        .unwrap();
    let group = ec2
        .create_security_group()
        .group_name("plumb-nfs")
        .description("NFS from the app tier")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();

    let encrypted = efs
        .create_file_system()
        .creation_token("plumb-enc")
        .encrypted(true)
        .kms_key_id(KEY)
        .backup(true)
        .tags(
            Tag::builder()
                .key("Name")
                .value("plumb-shared")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .file_system_id;
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"elasticfilesystem:ClientMount","Resource":"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/{encrypted}"}}]}}"#
    );
    efs.put_file_system_policy()
        .file_system_id(&encrypted)
        .policy(policy)
        .send()
        .await
        .unwrap();
    let mount_target = efs
        .create_mount_target()
        .file_system_id(&encrypted)
        .subnet_id(&subnet)
        .security_groups(&group)
        .send()
        .await
        .unwrap()
        .mount_target_id;

    let plain = efs
        .create_file_system()
        .creation_token("plumb-plain")
        .send()
        .await
        .unwrap()
        .file_system_id;
    Seeded {
        encrypted,
        plain,
        subnet,
        group,
        mount_target,
    }
}

fn fs_arn(id: &str) -> String {
    format!("arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/{id}")
}

#[tokio::test(flavor = "multi_thread")]
async fn file_systems_are_collected_with_encryption_policy_backups_and_mount_targets() {
    let server = MotoServer::start();
    let s = seed(&server).await;

    let snap = collect(&server, &["efs"]).await;
    snap.assert_ok("efs");
    assert_eq!(snap.of_kind("aws_efs_file_system").len(), 2);

    let enc = snap.named("aws_efs_file_system", "plumb-shared");
    assert_eq!(enc.uid, fs_arn(&s.encrypted));
    assert_eq!(
        enc.tags.get("Name").map(String::as_str),
        Some("plumb-shared")
    );
    let p = &enc.props;
    assert_eq!(p["file_system_id"], s.encrypted.as_str());
    assert_eq!(p["file_system_arn"], fs_arn(&s.encrypted));
    assert_eq!(p["encrypted"], true);
    assert_eq!(p["kms_key_id"], KEY);
    assert_eq!(p["performance_mode"], "generalPurpose");
    assert_eq!(p["throughput_mode"], "bursting");
    assert_eq!(p["life_cycle_state"], "available");
    assert_eq!(p["number_of_mount_targets"], 1);
    assert!(p["availability_zone_name"].is_null());
    assert!(p["creation_time"].is_string());
    assert!(enc.created_at.is_some());
    assert_eq!(p["policy"]["Statement"][0]["Principal"]["AWS"], "*");
    assert_eq!(p["backup_policy"]["status"], "ENABLED");
    let targets = p["mount_targets"].as_array().expect("mount targets");
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0]["mount_target_id"], s.mount_target.as_str());
    assert_eq!(targets[0]["subnet_id"], s.subnet.as_str());
    assert!(targets[0]["ip_address"]
        .as_str()
        .is_some_and(|ip| ip.starts_with("10.7.1.")));
    assert_eq!(targets[0]["security_groups"], serde_json::json!([s.group]));

    let plain = snap.resource(&fs_arn(&s.plain));
    assert_eq!(plain.name, s.plain);
    assert_eq!(plain.props["encrypted"], false);
    assert!(plain.props["kms_key_id"].is_null());
    assert!(
        plain.props["policy"].is_null(),
        "PolicyNotFound reads as null"
    );
    assert!(plain.props["backup_policy"].is_null());
    assert_eq!(plain.props["mount_targets"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_system_links_to_its_key_subnets_and_security_groups() {
    let server = MotoServer::start();
    let s = seed(&server).await;

    let snap = collect(&server, &["efs"]).await;
    snap.assert_ok("efs");
    let enc = fs_arn(&s.encrypted);
    let ec2 = |r: &str| format!("arn:aws:ec2:{REGION}:{ACCOUNT}:{r}");
    assert!(snap.has_edge(&enc, Relation::EncryptedBy, KEY));
    assert!(snap.has_edge(
        &enc,
        Relation::MemberOf,
        &ec2(&format!("subnet/{}", s.subnet))
    ));
    assert!(snap.has_edge(
        &enc,
        Relation::ProtectedBy,
        &ec2(&format!("security-group/{}", s.group))
    ));
    let plain = fs_arn(&s.plain);
    assert!(
        !snap.edges.iter().any(|e| e.from == plain),
        "{:?}",
        snap.edges
    );
}
