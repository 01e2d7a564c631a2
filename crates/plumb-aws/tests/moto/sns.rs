//! Tests of the `sns` collector against moto.

use aws_sdk_sns::types::Tag;
use plumb_model::Relation;

use crate::common::*;

const PUBLIC_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"anyone","Effect":"Allow","Principal":"*","Action":"sns:Publish","Resource":"*"}]}"#;

fn topic_arn(name: &str) -> String {
    format!("arn:aws:sns:{REGION}:{ACCOUNT}:{name}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_public_topic_policy_is_collected_as_json() {
    let server = MotoServer::start();
    let sns = aws_sdk_sns::Client::new(&sdk(&server, REGION).await);
    sns.create_topic()
        .name("plumb-public")
        .attributes("Policy", PUBLIC_POLICY)
        .attributes("DisplayName", "Plumb alerts")
        .tags(Tag::builder().key("team").value("sec").build().unwrap())
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["sns"]).await;
    snap.assert_ok("sns");
    assert_eq!(snap.of_kind("aws_sns_topic").len(), 1);
    let topic = snap.resource(&topic_arn("plumb-public"));
    assert_eq!(topic.name, "plumb-public");
    assert_eq!(topic.props["topic_arn"], topic_arn("plumb-public"));
    assert_eq!(topic.props["policy"]["Statement"][0]["Principal"], "*");
    assert_eq!(topic.props["display_name"], "Plumb alerts");
    assert_eq!(topic.props["owner"], ACCOUNT);
    assert!(topic.props["kms_master_key_id"].is_null());
    assert_eq!(topic.props["fifo_topic"], false);
    assert_eq!(topic.tags.get("team").map(String::as_str), Some("sec"));
    assert!(
        !snap.edges.iter().any(|e| e.from == topic.uid),
        "an unencrypted topic without subscriptions has no edge: {:?}",
        snap.edges
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_encrypted_topic_links_to_its_key_and_its_subscribers() {
    let server = MotoServer::start();
    let config = sdk(&server, REGION).await;
    let sns = aws_sdk_sns::Client::new(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let queue_url = sqs
        .create_queue()
        .queue_name("plumb-orders")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let queue_arn = format!("arn:aws:sqs:{REGION}:{ACCOUNT}:plumb-orders");
    assert!(queue_url.ends_with("/plumb-orders"));
    let topic = sns
        .create_topic()
        .name("plumb-encrypted")
        .attributes("KmsMasterKeyId", "alias/aws/sns")
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(&queue_arn)
        .send()
        .await
        .unwrap();
    let function = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:plumb-handler");
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("lambda")
        .endpoint(format!("{function}:live"))
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["sns"]).await;
    snap.assert_ok("sns");
    let t = snap.resource(&topic);
    assert_eq!(t.props["kms_master_key_id"], "alias/aws/sns");
    let subs = t.props["subscriptions"].as_array().expect("subscriptions");
    assert_eq!(subs.len(), 2, "{subs:?}");
    let to_queue = subs
        .iter()
        .find(|s| s["protocol"] == "sqs")
        .expect("the sqs subscription");
    assert_eq!(to_queue["endpoint"], queue_arn.as_str());
    assert!(to_queue["subscription_arn"]
        .as_str()
        .is_some_and(|a| a.starts_with(&topic)));
    assert!(snap.has_edge(
        &topic,
        Relation::EncryptedBy,
        &format!("arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/sns")
    ));
    assert!(snap.has_edge(&topic, Relation::NotifiesTo, &queue_arn));
    assert!(snap.has_edge(&topic, Relation::NotifiesTo, &function));
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_credentials_in_subscription_urls_are_never_stored() {
    let server = MotoServer::start();
    let sns = aws_sdk_sns::Client::new(&sdk(&server, REGION).await);
    let topic = sns
        .create_topic()
        .name("plumb-hooks")
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("https")
        .endpoint(
            "https://hookuser:hookpass-9f3a@hooks.example.com/notify?token=tok-5e1b77&x=1#frag",
        )
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["sns"]).await;
    snap.assert_ok("sns");
    let t = snap.resource(&topic);
    assert_eq!(
        t.props["subscriptions"][0]["endpoint"],
        "https://hooks.example.com/notify"
    );
    assert_eq!(t.props["subscriptions"][0]["protocol"], "https");
    let json = serde_json::to_string(&snap).unwrap();
    for secret in ["hookpass-9f3a", "hookuser", "tok-5e1b77"] {
        assert!(!json.contains(secret), "{secret} leaked into the snapshot");
    }
    assert!(
        !snap
            .edges
            .iter()
            .any(|e| e.relation == Relation::NotifiesTo),
        "a URL subscription is no edge"
    );
}
