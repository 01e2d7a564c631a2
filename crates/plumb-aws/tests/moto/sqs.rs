//! Tests of the `sqs` collector against moto.

use aws_sdk_sqs::types::QueueAttributeName;
use plumb_model::Relation;

use crate::common::*;

fn queue_arn(name: &str) -> String {
    format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kms_encrypted_queue_links_to_its_key() {
    let server = MotoServer::start();
    let sqs = aws_sdk_sqs::Client::new(&sdk(&server, REGION).await);
    let key = format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555");
    let dlq = queue_arn("plumb-dlq");
    sqs.create_queue()
        .queue_name("plumb-dlq")
        .send()
        .await
        .unwrap();
    let url = sqs
        .create_queue()
        .queue_name("plumb-kms")
        .attributes(QueueAttributeName::KmsMasterKeyId, &key)
        .attributes(QueueAttributeName::KmsDataKeyReusePeriodSeconds, "600")
        .attributes(QueueAttributeName::VisibilityTimeout, "45")
        .attributes(
            QueueAttributeName::RedrivePolicy,
            format!(r#"{{"deadLetterTargetArn":"{dlq}","maxReceiveCount":"5"}}"#),
        )
        .tags("team", "orders")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();

    let snap = collect(&server, &["sqs"]).await;
    snap.assert_ok("sqs");
    assert_eq!(snap.of_kind("aws_sqs_queue").len(), 2);
    let q = snap.resource(&queue_arn("plumb-kms"));
    assert_eq!(q.name, "plumb-kms");
    assert_eq!(q.props["queue_url"], url.as_str());
    assert_eq!(q.props["queue_arn"], queue_arn("plumb-kms"));
    assert_eq!(q.props["kms_master_key_id"], key.as_str());
    assert_eq!(q.props["kms_data_key_reuse_period_seconds"], 600);
    assert_eq!(q.props["visibility_timeout"], 45);
    assert_eq!(q.props["message_retention_period"], 345_600);
    assert_eq!(
        q.props["redrive_policy"]["deadLetterTargetArn"],
        dlq.as_str()
    );
    assert_eq!(q.props["fifo_queue"], false);
    assert!(q.props["policy"].is_null());
    assert!(q.props["created_timestamp"].is_string());
    assert!(q.created_at.is_some());
    assert_eq!(q.tags.get("team").map(String::as_str), Some("orders"));
    assert!(snap.has_edge(&q.uid, Relation::EncryptedBy, &key));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sse_sqs_queue_with_a_public_policy_has_no_key_edge() {
    let server = MotoServer::start();
    let sqs = aws_sdk_sqs::Client::new(&sdk(&server, REGION).await);
    let arn = queue_arn("plumb-open.fifo");
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"{arn}"}}]}}"#
    );
    sqs.create_queue()
        .queue_name("plumb-open.fifo")
        .attributes(QueueAttributeName::FifoQueue, "true")
        .attributes(QueueAttributeName::SqsManagedSseEnabled, "true")
        .attributes(QueueAttributeName::Policy, policy)
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["sqs"]).await;
    snap.assert_ok("sqs");
    let q = snap.resource(&arn);
    assert_eq!(q.props["sqs_managed_sse_enabled"], true);
    assert!(q.props["kms_master_key_id"].is_null());
    assert!(q.props["kms_data_key_reuse_period_seconds"].is_null());
    assert_eq!(q.props["fifo_queue"], true);
    assert_eq!(q.props["policy"]["Statement"][0]["Principal"], "*");
    assert!(q.props["redrive_policy"].is_null());
    assert!(
        !snap.edges.iter().any(|e| e.from == arn),
        "{:?}",
        snap.edges
    );
}
