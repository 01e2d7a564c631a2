//! Tests of the `ec2` collector against moto. moto lists dozens of public
//! AMIs (and their snapshots) owned by Amazon's accounts in every region;
//! they are not the account's and must not be collected.

use aws_sdk_ec2::types::{
    DomainType, HttpTokensState, IamInstanceProfileSpecification, InstanceMetadataOptionsRequest,
    InstanceType, LaunchPermission, LaunchPermissionModifications, PermissionGroup, ResourceType,
    Tag, TagSpecification,
};
use plumb_model::Relation;

use crate::common::*;
use crate::vpc::{arn, ec2, seed_network, Network};

/// The user data the seeded instance is launched with, base64 as the API
/// takes it: `#!/bin/sh\nexport DB_PASSWORD=hunter2\n`.
const USER_DATA: &str = "IyEvYmluL3NoCmV4cG9ydCBEQl9QQVNTV09SRD1odW50ZXIyCg==";

/// What [`seed_instance`] created.
struct Seeded {
    net: Network,
    instance: String,
    profile_arn: String,
    key_arn: String,
    volume: String,
    client: aws_sdk_ec2::Client,
}

/// Seeds an instance with IMDSv1 allowed, an instance profile and user data
/// in the public subnet of [`seed_network`], and an encrypted data volume
/// attached to it.
async fn seed_instance(server: &MotoServer) -> Seeded {
    let config = sdk(server, REGION).await;
    let ec2 = ec2(server).await;
    let net = seed_network(&ec2).await;

    let iam = aws_sdk_iam::Client::new(&config);
    iam.create_role()
        .role_name("plumb-web")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let profile_arn = iam
        .create_instance_profile()
        .instance_profile_name("plumb-web")
        .send()
        .await
        .unwrap()
        .instance_profile
        .unwrap()
        .arn;
    iam.add_role_to_instance_profile()
        .instance_profile_name("plumb-web")
        .role_name("plumb-web")
        .send()
        .await
        .unwrap();
    let key_arn = aws_sdk_kms::Client::new(&config)
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .and_then(|k| k.arn)
        .unwrap();
    ec2.create_key_pair()
        .key_name("plumb-key")
        .send()
        .await
        .unwrap();

    let image = ec2
        .describe_images()
        .owners("amazon")
        .send()
        .await
        .unwrap()
        .images()
        .iter()
        .find_map(|i| i.image_id().map(str::to_string))
        .expect("moto lists Amazon's AMIs");
    let instance = ec2
        .run_instances()
        .image_id(image)
        .instance_type(InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .subnet_id(&net.subnet)
        .security_group_ids(&net.security_group)
        .key_name("plumb-key")
        .user_data(USER_DATA)
        .iam_instance_profile(
            IamInstanceProfileSpecification::builder()
                .arn(&profile_arn)
                .build(),
        )
        .metadata_options(
            InstanceMetadataOptionsRequest::builder()
                .http_tokens(HttpTokensState::Optional)
                .build(),
        )
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Instance)
                .tags(Tag::builder().key("Name").value("plumb-web").build())
                .build(),
        )
        .send()
        .await
        .unwrap()
        .instances()
        .first()
        .and_then(|i| i.instance_id())
        .unwrap()
        .to_string();

    let volume = ec2
        .create_volume()
        .availability_zone(format!("{REGION}a"))
        .size(8)
        .encrypted(true)
        .kms_key_id(&key_arn)
        .send()
        .await
        .unwrap()
        .volume_id
        .unwrap();
    ec2.attach_volume()
        .volume_id(&volume)
        .instance_id(&instance)
        .device("/dev/sdf")
        .send()
        .await
        .unwrap();

    Seeded {
        net,
        instance,
        profile_arn,
        key_arn,
        volume,
        client: ec2,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn instances_are_collected_with_imds_profile_groups_and_volumes() {
    let server = MotoServer::start();
    let s = seed_instance(&server).await;

    let snap = collect(&server, &["ec2"]).await;
    snap.assert_ok("ec2");
    assert_eq!(snap.of_kind("aws_instance").len(), 1);
    let uid = arn(&format!("instance/{}", s.instance));
    let i = snap.resource(&uid);
    assert_eq!(i.name, "plumb-web");
    assert_eq!(i.region, REGION);
    assert_eq!(i.props["instance_id"], s.instance.as_str());
    assert_eq!(i.props["instance_type"], "t3.micro");
    assert_eq!(i.props["state"], "running");
    assert!(i.props["image_id"]
        .as_str()
        .is_some_and(|a| a.starts_with("ami-")));
    assert!(i.props["launch_time"].is_string());
    assert!(i.props["private_ip_address"].is_string());
    assert!(
        i.props["public_ip_address"].is_string(),
        "the subnet maps public IPs on launch"
    );
    assert_eq!(i.props["subnet_id"], s.net.subnet.as_str());
    assert_eq!(i.props["vpc_id"], s.net.vpc.as_str());
    assert_eq!(i.props["key_name"], "plumb-key");
    assert_eq!(i.props["security_groups"][0], s.net.security_group.as_str());
    assert_eq!(i.props["iam_instance_profile"], s.profile_arn.as_str());
    let imds = &i.props["metadata_options"];
    assert_eq!(imds["http_tokens"], "optional", "IMDSv1 is allowed");
    assert_eq!(imds["http_endpoint"], "enabled");
    assert_eq!(imds["http_put_response_hop_limit"], 1);
    assert_eq!(imds["instance_metadata_tags"], "disabled");
    assert!(i.props["monitoring"].is_string());
    let devices = i.props["block_device_mappings"].as_array().unwrap();
    assert!(
        devices
            .iter()
            .any(|d| d["device_name"] == "/dev/sdf" && d["volume_id"] == s.volume.as_str()),
        "{devices:#?}"
    );
    let enis = i.props["network_interfaces"].as_array().unwrap();
    assert_eq!(enis.len(), 1);

    assert!(snap.has_edge(
        &uid,
        Relation::ProtectedBy,
        &arn(&format!("security-group/{}", s.net.security_group))
    ));
    assert!(snap.has_edge(
        &uid,
        Relation::MemberOf,
        &arn(&format!("subnet/{}", s.net.subnet))
    ));
    assert!(snap.has_edge(&uid, Relation::Uses, &arn(&format!("volume/{}", s.volume))));
    assert!(snap.has_edge(&uid, Relation::Uses, &s.profile_arn));
    let eni = enis[0].as_str().unwrap();
    assert!(snap.has_edge(
        &uid,
        Relation::Uses,
        &arn(&format!("network-interface/{eni}"))
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn user_data_is_never_collected() {
    let server = MotoServer::start();
    let s = seed_instance(&server).await;
    let stored = s
        .client
        .describe_instance_attribute()
        .instance_id(&s.instance)
        .attribute(aws_sdk_ec2::types::InstanceAttributeName::UserData)
        .send()
        .await
        .unwrap();
    assert!(stored.user_data().is_some(), "moto keeps the user data");

    let snap = collect(&server, &["ec2"]).await;
    snap.assert_ok("ec2");
    let everything = serde_json::to_string(&snap.resources).unwrap();
    assert!(!everything.contains(USER_DATA));
    assert!(!everything.contains("hunter2"));
    assert!(!everything.to_lowercase().contains("user_data"));
}

#[tokio::test(flavor = "multi_thread")]
async fn volumes_are_collected_with_encryption_and_attachments() {
    let server = MotoServer::start();
    let s = seed_instance(&server).await;
    let plain = s
        .client
        .create_volume()
        .availability_zone(format!("{REGION}a"))
        .size(1)
        .send()
        .await
        .unwrap()
        .volume_id
        .unwrap();

    let snap = collect(&server, &["ec2"]).await;
    snap.assert_ok("ec2");
    let uid = arn(&format!("volume/{}", s.volume));
    let v = snap.resource(&uid);
    assert_eq!(v.props["encrypted"], true);
    assert_eq!(v.props["kms_key_id"], s.key_arn.as_str());
    assert_eq!(v.props["size"], 8);
    assert!(v.props["volume_type"].is_string());
    assert_eq!(v.props["state"], "in-use");
    assert_eq!(v.props["availability_zone"], "us-east-1a");
    let attachment = &v.props["attachments"][0];
    assert_eq!(attachment["instance_id"], s.instance.as_str());
    assert_eq!(attachment["device"], "/dev/sdf");
    assert!(snap.has_edge(&uid, Relation::EncryptedBy, &s.key_arn));

    let plain = snap.resource(&arn(&format!("volume/{plain}")));
    assert_eq!(plain.props["encrypted"], false);
    assert!(plain.props["kms_key_id"].is_null());
    assert_eq!(plain.props["state"], "available");
    assert!(!snap
        .edges
        .iter()
        .any(|e| e.from == plain.uid && e.relation == Relation::EncryptedBy));
}

#[tokio::test(flavor = "multi_thread")]
async fn public_snapshots_are_flagged_with_the_accounts_they_are_shared_with() {
    let server = MotoServer::start();
    let s = seed_instance(&server).await;
    let snapshot = s
        .client
        .create_snapshot()
        .volume_id(&s.volume)
        .description("nightly")
        .send()
        .await
        .unwrap()
        .snapshot_id
        .unwrap();
    s.client
        .modify_snapshot_attribute()
        .snapshot_id(&snapshot)
        .attribute(aws_sdk_ec2::types::SnapshotAttributeName::CreateVolumePermission)
        .operation_type(aws_sdk_ec2::types::OperationType::Add)
        .group_names("all")
        .user_ids("111122223333")
        .send()
        .await
        .unwrap();

    // moto's CreateSnapshot leaves out the volume's key; a copy re-encrypted
    // with a named key carries it, as AWS's snapshots do.
    let copy = s
        .client
        .copy_snapshot()
        .source_snapshot_id(&snapshot)
        .source_region(REGION)
        .encrypted(true)
        .kms_key_id(&s.key_arn)
        .send()
        .await
        .unwrap()
        .snapshot_id
        .unwrap();

    let snap = collect(&server, &["ec2"]).await;
    snap.assert_ok("ec2");
    let snapshots = snap.of_kind("aws_ebs_snapshot");
    assert_eq!(
        snapshots.len(),
        2,
        "only the account's own snapshots: {:#?}",
        snapshots.iter().map(|s| &s.uid).collect::<Vec<_>>()
    );
    let uid = arn(&format!("snapshot/{snapshot}"));
    let sn = snap.resource(&uid);
    assert_eq!(sn.props["public"], true);
    assert_eq!(sn.props["create_volume_permissions"][0], "111122223333");
    assert_eq!(sn.props["volume_id"], s.volume.as_str());
    assert_eq!(sn.props["encrypted"], true);
    assert_eq!(sn.props["owner_id"], ACCOUNT);
    assert_eq!(sn.props["description"], "nightly");
    assert!(sn.props["start_time"].is_string());
    assert!(sn.props["state"].is_string());
    assert!(snap.has_edge(
        &uid,
        Relation::SnapshotOf,
        &arn(&format!("volume/{}", s.volume))
    ));

    let copy_uid = arn(&format!("snapshot/{copy}"));
    let copied = snap.resource(&copy_uid);
    assert_eq!(copied.props["public"], false);
    assert_eq!(
        copied.props["create_volume_permissions"],
        serde_json::json!([])
    );
    assert_eq!(copied.props["kms_key_id"], s.key_arn.as_str());
    assert!(snap.has_edge(&copy_uid, Relation::EncryptedBy, &s.key_arn));
}

#[tokio::test(flavor = "multi_thread")]
async fn elastic_ips_are_attached_to_their_instance_and_interface() {
    let server = MotoServer::start();
    let s = seed_instance(&server).await;
    let allocation = s
        .client
        .allocate_address()
        .domain(DomainType::Vpc)
        .send()
        .await
        .unwrap()
        .allocation_id
        .unwrap();
    s.client
        .associate_address()
        .allocation_id(&allocation)
        .instance_id(&s.instance)
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["ec2"]).await;
    snap.assert_ok("ec2");
    let uid = arn(&format!("elastic-ip/{allocation}"));
    let eip = snap.resource(&uid);
    assert_eq!(eip.props["allocation_id"], allocation.as_str());
    let public_ip = eip.props["public_ip"].as_str().expect("a public IP");
    assert_eq!(eip.name, public_ip);
    assert!(eip.props["association_id"].is_string());
    assert_eq!(eip.props["instance_id"], s.instance.as_str());
    assert_eq!(eip.props["domain"], "vpc");
    let eni = eip.props["network_interface_id"]
        .as_str()
        .expect("the instance's interface");
    assert!(snap.has_edge(
        &uid,
        Relation::AttachedTo,
        &arn(&format!("instance/{}", s.instance))
    ));
    assert!(snap.has_edge(
        &uid,
        Relation::AttachedTo,
        &arn(&format!("network-interface/{eni}"))
    ));
    let instance = snap.resource(&arn(&format!("instance/{}", s.instance)));
    assert_eq!(instance.props["public_ip_address"], public_ip);
}

#[tokio::test(flavor = "multi_thread")]
async fn network_interfaces_carry_addresses_groups_and_attachment() {
    let server = MotoServer::start();
    let s = seed_instance(&server).await;
    let detached = s
        .client
        .create_network_interface()
        .subnet_id(&s.net.subnet)
        .groups(&s.net.security_group)
        .description("spare")
        .send()
        .await
        .unwrap()
        .network_interface
        .and_then(|n| n.network_interface_id)
        .unwrap();

    let snap = collect(&server, &["ec2"]).await;
    snap.assert_ok("ec2");
    let instance = snap.resource(&arn(&format!("instance/{}", s.instance)));
    let primary = instance.props["network_interfaces"][0].as_str().unwrap();
    let uid = arn(&format!("network-interface/{primary}"));
    let eni = snap.resource(&uid);
    assert_eq!(eni.props["subnet_id"], s.net.subnet.as_str());
    assert_eq!(eni.props["vpc_id"], s.net.vpc.as_str());
    assert_eq!(eni.props["groups"][0], s.net.security_group.as_str());
    assert_eq!(eni.props["attachment"]["instance_id"], s.instance.as_str());
    assert_eq!(eni.props["attachment"]["device_index"], 0);
    assert!(eni.props["status"].is_string());
    assert!(eni.props["interface_type"].is_string());
    assert!(eni.props["private_ip_address"].is_string());
    assert_eq!(
        eni.props["private_ip_addresses"][0]["private_ip_address"],
        eni.props["private_ip_address"]
    );
    assert_eq!(
        eni.props["association"]["public_ip"],
        instance.props["public_ip_address"]
    );
    assert!(snap.has_edge(
        &uid,
        Relation::MemberOf,
        &arn(&format!("subnet/{}", s.net.subnet))
    ));
    assert!(snap.has_edge(
        &uid,
        Relation::ProtectedBy,
        &arn(&format!("security-group/{}", s.net.security_group))
    ));

    let spare = snap.resource(&arn(&format!("network-interface/{detached}")));
    assert_eq!(spare.props["description"], "spare");
    assert!(spare.props["attachment"].is_null());
    assert!(spare.props["association"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn owned_amis_are_collected_with_public_launch_permissions() {
    let server = MotoServer::start();
    let s = seed_instance(&server).await;
    let image = s
        .client
        .create_image()
        .instance_id(&s.instance)
        .name("plumb-golden")
        .send()
        .await
        .unwrap()
        .image_id
        .unwrap();
    s.client
        .modify_image_attribute()
        .image_id(&image)
        .launch_permission(
            LaunchPermissionModifications::builder()
                .add(
                    LaunchPermission::builder()
                        .group(PermissionGroup::All)
                        .build(),
                )
                .add(LaunchPermission::builder().user_id("111122223333").build())
                .build(),
        )
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["ec2"]).await;
    snap.assert_ok("ec2");
    let amis = snap.of_kind("aws_ami");
    assert_eq!(
        amis.len(),
        1,
        "only the account's own AMIs: {:#?}",
        amis.iter().map(|a| &a.uid).collect::<Vec<_>>()
    );
    let uid = arn(&format!("image/{image}"));
    let ami = snap.resource(&uid);
    assert_eq!(ami.name, "plumb-golden");
    assert_eq!(ami.props["image_id"], image.as_str());
    assert_eq!(ami.props["public"], true);
    assert_eq!(ami.props["owner_id"], ACCOUNT);
    assert!(ami.props["state"].is_string());
    assert!(ami.props["creation_date"].is_string());
    let permissions = ami.props["launch_permissions"].as_array().unwrap();
    assert!(
        permissions.iter().any(|p| p["group"] == "all"),
        "{permissions:#?}"
    );
    assert!(permissions.iter().any(|p| p["user_id"] == "111122223333"));
    let devices = ami.props["block_device_mappings"].as_array().unwrap();
    let backing = devices
        .iter()
        .find_map(|d| d["snapshot_id"].as_str())
        .expect("an EBS-backed device");
    assert!(snap.has_edge(&uid, Relation::Uses, &arn(&format!("snapshot/{backing}"))));
}
