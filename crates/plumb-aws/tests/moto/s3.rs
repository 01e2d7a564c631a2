//! Tests of the `s3` collector against moto.

use aws_sdk_s3::types::{
    BucketLoggingStatus, BucketVersioningStatus, LoggingEnabled, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule, Tag, Tagging, VersioningConfiguration,
};
use plumb_model::Relation;

use crate::common::*;

#[tokio::test(flavor = "multi_thread")]
async fn buckets_are_collected_with_their_security_settings() {
    let server = MotoServer::start();
    let s3 = s3(&server, REGION).await;
    for b in ["plumb-open", "plumb-locked"] {
        s3.create_bucket().bucket(b).send().await.unwrap();
    }
    s3.create_bucket()
        .bucket("plumb-logs")
        .send()
        .await
        .unwrap();
    let log_delivery = "uri=http://acs.amazonaws.com/groups/s3/LogDelivery";
    s3.put_bucket_acl()
        .bucket("plumb-logs")
        .grant_write(log_delivery)
        .grant_read_acp(log_delivery)
        .send()
        .await
        .unwrap();
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::plumb-open/*"}]}"#;
    s3.put_bucket_policy()
        .bucket("plumb-open")
        .policy(policy)
        .send()
        .await
        .unwrap();
    s3.put_public_access_block()
        .bucket("plumb-locked")
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let key = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
    s3.put_bucket_encryption()
        .bucket("plumb-locked")
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(
                    ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(
                            ServerSideEncryptionByDefault::builder()
                                .sse_algorithm(ServerSideEncryption::AwsKms)
                                .kms_master_key_id(key)
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_versioning()
        .bucket("plumb-locked")
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_logging()
        .bucket("plumb-locked")
        .bucket_logging_status(
            BucketLoggingStatus::builder()
                .logging_enabled(
                    LoggingEnabled::builder()
                        .target_bucket("plumb-logs")
                        .target_prefix("locked/")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_tagging()
        .bucket("plumb-locked")
        .tagging(
            Tagging::builder()
                .tag_set(Tag::builder().key("owner").value("data").build().unwrap())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["s3"]).await;
    snap.assert_ok("s3");
    assert_eq!(snap.of_kind("aws_s3_bucket").len(), 3);

    let open = snap.resource("arn:aws:s3:::plumb-open");
    assert_eq!(open.props["policy"]["Statement"][0]["Principal"], "*");
    assert!(open.props["public_access_block"].is_null());
    assert!(
        open.props["server_side_encryption"].is_null()
            || open.props["server_side_encryption"].is_array()
    );
    assert_eq!(open.region, REGION);

    let logs = snap.resource("arn:aws:s3:::plumb-logs");
    let grants = logs.props["acl"]["grants"].as_array().expect("ACL grants");
    assert!(
        grants.iter().any(
            |g| g["grantee_uri"] == "http://acs.amazonaws.com/groups/s3/LogDelivery"
                && g["permission"] == "WRITE"
        ),
        "{grants:?}"
    );

    let locked = snap.resource("arn:aws:s3:::plumb-locked");
    assert_eq!(
        locked.props["public_access_block"]["block_public_policy"],
        true
    );
    assert_eq!(locked.props["versioning"]["status"], "Enabled");
    assert_eq!(
        locked.props["server_side_encryption"][0]["sse_algorithm"],
        "aws:kms"
    );
    assert_eq!(locked.props["logging"]["target_bucket"], "plumb-logs");
    assert!(locked.props["policy"].is_null());
    assert_eq!(locked.tags.get("owner").map(String::as_str), Some("data"));
    assert!(snap.has_edge(&locked.uid, Relation::EncryptedBy, key));
    assert!(snap.has_edge(&locked.uid, Relation::LogsTo, "arn:aws:s3:::plumb-logs"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_endpoint_is_an_error_unit_not_a_crash() {
    let server = MotoServer::start();
    let mut options = options(&server, &["s3"], &[REGION]);
    // STS answers (setup works), then the server goes away before S3 is read.
    let snap = {
        let url = server.url();
        drop(server);
        options.endpoint_url = Some(url);
        plumb_aws::collect(&options, std::sync::Arc::new(plumb_aws::SilentProgress)).await
    };
    // With no server at all even setup fails: a clear error, never a panic.
    let error = snap.expect_err("setup cannot succeed without a server");
    assert!(
        error
            .to_string()
            .contains("cannot identify the AWS account"),
        "{error}"
    );
}
