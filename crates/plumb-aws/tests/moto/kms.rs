//! Tests of the `kms` collector against moto.

use aws_sdk_kms::types::{KeySpec, KeyUsageType, Tag};

use crate::common::*;

async fn kms(server: &MotoServer) -> aws_sdk_kms::Client {
    aws_sdk_kms::Client::new(&sdk(server, REGION).await)
}

/// Creates a key and returns its (id, ARN).
async fn create_key(
    kms: &aws_sdk_kms::Client,
    description: &str,
    spec: KeySpec,
    usage: KeyUsageType,
) -> (String, String) {
    let meta = kms
        .create_key()
        .description(description)
        .key_spec(spec)
        .key_usage(usage)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    (meta.key_id, meta.arn.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_are_collected_with_rotation_policy_aliases_and_tags() {
    let server = MotoServer::start();
    let kms = kms(&server).await;
    let (rotated, rotated_arn) = create_key(
        &kms,
        "rotated",
        KeySpec::SymmetricDefault,
        KeyUsageType::EncryptDecrypt,
    )
    .await;
    kms.enable_key_rotation()
        .key_id(&rotated)
        .send()
        .await
        .unwrap();
    kms.create_alias()
        .alias_name("alias/plumb-data")
        .target_key_id(&rotated)
        .send()
        .await
        .unwrap();
    kms.tag_resource()
        .key_id(&rotated)
        .tags(
            Tag::builder()
                .tag_key("owner")
                .tag_value("data")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let (_, unrotated_arn) = create_key(
        &kms,
        "unrotated",
        KeySpec::SymmetricDefault,
        KeyUsageType::EncryptDecrypt,
    )
    .await;
    let (_, signing_arn) =
        create_key(&kms, "signing", KeySpec::Rsa2048, KeyUsageType::SignVerify).await;

    let snap = collect(&server, &["kms"]).await;
    snap.assert_ok("kms");
    assert_eq!(snap.of_kind("aws_kms_key").len(), 3);

    let key = snap.named("aws_kms_key", "alias/plumb-data");
    assert_eq!(key.uid, rotated_arn);
    assert_eq!(key.region, REGION);
    assert_eq!(key.name, "alias/plumb-data");
    assert_eq!(key.props["key_id"], rotated.as_str());
    assert_eq!(key.props["arn"], rotated_arn.as_str());
    assert_eq!(key.props["description"], "rotated");
    assert_eq!(key.props["key_state"], "Enabled");
    assert_eq!(key.props["key_manager"], "CUSTOMER");
    assert_eq!(key.props["key_spec"], "SYMMETRIC_DEFAULT");
    assert_eq!(key.props["key_usage"], "ENCRYPT_DECRYPT");
    assert_eq!(key.props["origin"], "AWS_KMS");
    assert_eq!(key.props["enabled"], true);
    assert_eq!(key.props["multi_region"], false);
    assert!(key.props["creation_date"].is_string());
    assert!(key.props["deletion_date"].is_null());
    assert_eq!(key.props["key_rotation_enabled"], true);
    assert_eq!(
        key.props["aliases"],
        serde_json::json!(["alias/plumb-data"])
    );
    assert!(
        key.props["policy"]["Statement"].is_array(),
        "the default key policy is parsed JSON: {}",
        key.props["policy"]
    );
    assert_eq!(key.tags.get("owner").map(String::as_str), Some("data"));
    assert!(key.created_at.is_some());

    let unrotated = snap.resource(&unrotated_arn);
    assert_eq!(unrotated.props["key_rotation_enabled"], false);
    assert_eq!(unrotated.props["aliases"], serde_json::json!([]));

    // Rotation does not apply to asymmetric keys: null, not false.
    let signing = snap.resource(&signing_arn);
    assert_eq!(signing.props["key_spec"], "RSA_2048");
    assert_eq!(signing.props["key_usage"], "SIGN_VERIFY");
    assert!(signing.props["key_rotation_enabled"].is_null());
    assert!(signing.props.get("key_rotation_enabled").is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn disabled_and_pending_deletion_keys_are_still_collected() {
    let server = MotoServer::start();
    let kms = kms(&server).await;
    let (disabled, disabled_arn) = create_key(
        &kms,
        "disabled",
        KeySpec::SymmetricDefault,
        KeyUsageType::EncryptDecrypt,
    )
    .await;
    kms.disable_key().key_id(&disabled).send().await.unwrap();
    let (doomed, doomed_arn) = create_key(
        &kms,
        "doomed",
        KeySpec::SymmetricDefault,
        KeyUsageType::EncryptDecrypt,
    )
    .await;
    kms.schedule_key_deletion()
        .key_id(&doomed)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["kms"]).await;
    snap.assert_ok("kms");

    let off = snap.resource(&disabled_arn);
    assert_eq!(off.props["key_state"], "Disabled");
    assert_eq!(off.props["enabled"], false);
    assert_eq!(off.name, disabled);

    let pending = snap.resource(&doomed_arn);
    assert_eq!(pending.props["key_state"], "PendingDeletion");
    assert_eq!(pending.props["enabled"], false);
    assert!(
        pending.props["deletion_date"].is_string(),
        "{}",
        pending.props
    );
}
