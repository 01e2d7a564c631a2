//! Tests of the collector as a whole: coverage, access denied, several
//! accounts, region discovery.

use plumb_aws::{AccountChoice, RegionChoice, StaticKeys};
use plumb_model::CoverageStatus;

use crate::common::*;

/// Creates an IAM user whose only rights are `actions`, and returns its keys.
async fn restricted_user(server: &MotoServer, actions: &[&str]) -> StaticKeys {
    let iam = aws_sdk_iam::Client::new(&sdk(server, REGION).await);
    iam.create_user().user_name("auditor").send().await.unwrap();
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]
    });
    iam.put_user_policy()
        .user_name("auditor")
        .policy_name("narrow")
        .policy_document(policy.to_string())
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name("auditor")
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    StaticKeys {
        access_key_id: key.access_key_id().to_string(),
        secret_access_key: key.secret_access_key().to_string(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn access_denied_sub_calls_become_gaps_naming_the_missing_permission() {
    let server = MotoServer::start();
    let s3 = s3(&server, REGION).await;
    s3.create_bucket().bucket("guarded").send().await.unwrap();
    s3.put_bucket_policy()
        .bucket("guarded")
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::guarded/*"}]}"#)
        .send()
        .await
        .unwrap();
    let keys = restricted_user(
        &server,
        &[
            "sts:GetCallerIdentity",
            "s3:ListAllMyBuckets",
            "s3:GetBucketLocation",
            "s3:GetBucketAcl",
        ],
    )
    .await;
    server.enforce_iam();

    let mut options = options(&server, &["s3"], &[REGION]);
    options.static_keys = Some(keys);
    let snap = collect_with(options).await;

    let unit = snap.unit("s3", "global");
    assert_eq!(
        unit.status,
        CoverageStatus::Ok,
        "the list call was allowed: {:?}",
        unit.error
    );
    assert_eq!(unit.partial_resources, 1);
    assert!(!snap.is_complete());
    let bucket = snap.resource("arn:aws:s3:::guarded");
    // What could not be read is absent (unknown), never null ("no policy").
    assert!(bucket.props.get("policy").is_none(), "{:#}", bucket.props);
    assert!(
        bucket.props.get("acl").is_some(),
        "the allowed call was read"
    );
    let gaps = bucket.gaps();
    let policy_gap = gaps
        .get("get_bucket_policy")
        .expect("the denied call is named");
    assert!(
        policy_gap.starts_with("AccessDenied (s3:GetBucketPolicy)"),
        "{policy_gap}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_denied_list_call_fails_its_unit_and_the_scan_goes_on() {
    let server = MotoServer::start();
    s3(&server, REGION)
        .await
        .create_bucket()
        .bucket("seen")
        .send()
        .await
        .unwrap();
    let keys = restricted_user(&server, &["sts:GetCallerIdentity", "s3:List*", "s3:Get*"]).await;
    server.enforce_iam();

    let mut options = options(&server, &["s3", "iam"], &[REGION]);
    options.static_keys = Some(keys);
    let snap = collect_with(options).await;

    let iam = snap.unit("iam", "global");
    assert_eq!(iam.status, CoverageStatus::Error);
    assert_eq!(
        iam.error_code.as_deref(),
        Some("AccessDenied"),
        "{:?}",
        iam.error
    );
    let missing = iam.missing_permission.as_deref().unwrap_or_default();
    assert!(
        missing.starts_with("iam:"),
        "the refused IAM action is named: {missing}"
    );
    snap.assert_ok("s3");
    snap.resource("arn:aws:s3:::seen");
    assert!(!snap.is_complete());
}

#[tokio::test(flavor = "multi_thread")]
async fn every_account_is_collected_through_its_assumed_role() {
    let server = MotoServer::start();
    let other = "111111111111";
    s3(&server, REGION)
        .await
        .create_bucket()
        .bucket("home-bucket")
        .send()
        .await
        .unwrap();
    // Seed the other account with credentials of a role there.
    let sts = aws_sdk_sts::Client::new(&sdk(&server, REGION).await);
    let assumed = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{other}:role/PlumbAudit"))
        .role_session_name("seed")
        .send()
        .await
        .unwrap();
    let creds = assumed.credentials().unwrap();
    let other_sdk = sdk(&server, REGION)
        .await
        .to_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(
                    creds.access_key_id(),
                    creds.secret_access_key(),
                    Some(creds.session_token().to_string()),
                    None,
                    "seed",
                ),
            ),
        )
        .build();
    let other_s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&other_sdk)
            .force_path_style(true)
            .build(),
    );
    other_s3
        .create_bucket()
        .bucket("other-bucket")
        .send()
        .await
        .unwrap();

    let mut options = options(&server, &["s3"], &[REGION]);
    options.accounts = AccountChoice::AssumeRole {
        role_name: "PlumbAudit".into(),
        accounts: vec![ACCOUNT.into(), other.into()],
    };
    let snap = collect_with(options).await;

    assert_eq!(
        snap.scope.accounts,
        vec![ACCOUNT.to_string(), other.to_string()]
    );
    assert_eq!(snap.resource("arn:aws:s3:::home-bucket").account, ACCOUNT);
    assert_eq!(snap.resource("arn:aws:s3:::other-bucket").account, other);
    let units: Vec<_> = snap
        .coverage
        .iter()
        .filter(|c| c.service == "s3")
        .map(|c| c.account.as_str())
        .collect();
    assert_eq!(units.len(), 2, "one s3 unit per account: {units:?}");
    assert!(
        snap.coverage.iter().all(|c| c.status == CoverageStatus::Ok),
        "{:#?}",
        snap.coverage
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn all_regions_means_every_region_the_account_has_enabled() {
    let server = MotoServer::start();
    let mut options = options(&server, &["s3"], &[REGION]);
    options.regions = RegionChoice::All;
    let snap = collect_with(options).await;
    assert!(snap.scope.regions.len() > 10, "{:?}", snap.scope.regions);
    assert!(snap.scope.regions.contains(&"eu-west-1".to_string()));
    let mut sorted = snap.scope.regions.clone();
    sorted.sort();
    assert_eq!(sorted, snap.scope.regions);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_service_is_refused_before_any_call() {
    let server = MotoServer::start();
    let options = options(&server, &["s3", "nosuchservice"], &[REGION]);
    let error = plumb_aws::collect(&options, std::sync::Arc::new(plumb_aws::SilentProgress))
        .await
        .expect_err("unknown service");
    assert!(
        error
            .to_string()
            .contains("unknown service `nosuchservice`"),
        "{error}"
    );
}
