//! Tests of the `account` collector against moto.

use aws_sdk_account::types::AlternateContactType;
use aws_sdk_s3control::types::PublicAccessBlockConfiguration;
use plumb_model::{CoverageStatus, Resource, Snapshot};

use crate::common::*;

fn account_uid() -> String {
    format!("aws_account:{ACCOUNT}")
}

/// The gaps moto cannot avoid: it lacks `account:GetContactInformation`,
/// and `regions` is filled only when the `region` service is collected too.
const MOTO_GAPS: [&str; 2] = ["get_contact_information", "regions"];

/// Collects `account` and returns its one resource, after checking the unit
/// succeeded and the only gaps are the ones moto forces.
async fn collect_account(server: &MotoServer) -> (Snapshot, Resource) {
    let snap = collect(server, &["account"]).await;
    let unit = snap.unit("account", "global");
    assert_eq!(unit.status, CoverageStatus::Ok, "{:?}", unit.error);
    assert!(unit.api_calls > 0);
    let accounts = snap.of_kind("aws_account");
    assert_eq!(accounts.len(), 1);
    let account = accounts[0].clone();
    let gaps = account.gaps();
    let unexpected: Vec<_> = gaps
        .keys()
        .filter(|op| !MOTO_GAPS.contains(&op.as_str()))
        .collect();
    assert!(unexpected.is_empty(), "unexpected gaps: {gaps:#?}");
    (snap, account)
}

fn s3control(config: &aws_config::SdkConfig) -> aws_sdk_s3control::Client {
    // S3 Control puts the account id in front of the host, which moto on
    // 127.0.0.1 cannot answer; send it to the endpoint exactly as given.
    #[derive(Debug)]
    struct AsGiven;
    impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for AsGiven {
        fn resolve_endpoint<'a>(
            &'a self,
            params: &'a aws_sdk_s3control::config::endpoint::Params,
        ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
            let url = params.endpoint().unwrap_or_default().to_string();
            aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
                aws_sdk_s3control::config::endpoint::Endpoint::builder()
                    .url(url)
                    .build(),
            ))
        }
    }
    aws_sdk_s3control::Client::from_conf(
        aws_sdk_s3control::config::Builder::from(config)
            .endpoint_resolver(AsGiven)
            .build(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_without_password_policy_or_settings_reads_as_unset() {
    let server = MotoServer::start();
    let (_, account) = collect_account(&server).await;
    assert_eq!(account.uid, account_uid());
    assert_eq!(account.name, ACCOUNT);
    assert_eq!(account.region, "global");
    let p = &account.props;
    assert_eq!(p["account_id"], ACCOUNT);
    assert_eq!(p["account_aliases"], serde_json::json!([]));
    // Absent policy, block and contact are null: "not configured".
    assert!(p.get("password_policy").is_some_and(|v| v.is_null()));
    assert!(p.get("s3_public_access_block").is_some_and(|v| v.is_null()));
    assert!(p.get("security_contact").is_some_and(|v| v.is_null()));
    assert_eq!(p["root_mfa_enabled"], false);
    assert_eq!(p["root_access_keys_present"], false);
    assert_eq!(p["root_virtual_mfa"], false);
    assert_eq!(p["account_summary"]["AccountMFAEnabled"], 0);
    assert!(p["account_summary"]["UsersQuota"].as_i64().is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_password_policy_is_read_when_set() {
    let server = MotoServer::start();
    let iam = aws_sdk_iam::Client::new(&sdk(&server, REGION).await);
    iam.update_account_password_policy()
        .minimum_password_length(14)
        .require_symbols(true)
        .require_numbers(true)
        .require_uppercase_characters(true)
        .require_lowercase_characters(false)
        .allow_users_to_change_password(true)
        .max_password_age(90)
        .password_reuse_prevention(24)
        .hard_expiry(false)
        .send()
        .await
        .unwrap();

    let (_, account) = collect_account(&server).await;
    let policy = &account.props["password_policy"];
    assert_eq!(policy["minimum_password_length"], 14);
    assert_eq!(policy["require_symbols"], true);
    assert_eq!(policy["require_numbers"], true);
    assert_eq!(policy["require_uppercase_characters"], true);
    assert_eq!(policy["require_lowercase_characters"], false);
    assert_eq!(policy["allow_users_to_change_password"], true);
    assert_eq!(policy["expire_passwords"], true);
    assert_eq!(policy["max_password_age"], 90);
    assert_eq!(policy["password_reuse_prevention"], 24);
    assert_eq!(policy["hard_expiry"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_credential_report_is_generated_and_parsed_into_typed_rows() {
    let server = MotoServer::start();
    let iam = aws_sdk_iam::Client::new(&sdk(&server, REGION).await);
    iam.create_user().user_name("alice").send().await.unwrap();
    iam.create_login_profile()
        .user_name("alice")
        .password("Not-a-real-password-1")
        .send()
        .await
        .unwrap();
    iam.create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    iam.create_user().user_name("bob").send().await.unwrap();

    let (_, account) = collect_account(&server).await;
    let p = &account.props;
    assert!(p["credential_report_generated_time"].is_string());
    let rows = p["credential_report"].as_array().expect("report rows");
    let row = |user: &str| {
        rows.iter()
            .find(|r| r["user"] == user)
            .unwrap_or_else(|| panic!("no row for {user}: {rows:#?}"))
    };
    let alice = row("alice");
    assert_eq!(alice["arn"], format!("arn:aws:iam::{ACCOUNT}:user/alice"));
    assert!(alice["user_creation_time"].is_string());
    assert_eq!(alice["password_enabled"], true);
    // Never signed in: `no_information` reads as null.
    assert!(alice["password_last_used"].is_null());
    assert_eq!(alice["mfa_active"], false);
    assert_eq!(alice["access_key_1_active"], true);
    assert!(alice["access_key_1_last_rotated"].is_string());
    assert!(alice["access_key_1_last_used_date"].is_null());
    assert_eq!(alice["access_key_2_active"], false);
    assert!(alice["access_key_2_last_rotated"].is_null());
    assert_eq!(alice["cert_1_active"], false);

    let bob = row("bob");
    assert_eq!(bob["password_enabled"], false);
    assert!(bob["password_last_used"].is_null());
    assert_eq!(bob["access_key_1_active"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_account_level_s3_public_access_block_is_read() {
    let server = MotoServer::start();
    s3control(&sdk(&server, REGION).await)
        .put_public_access_block()
        .account_id(ACCOUNT)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(false)
                .build(),
        )
        .send()
        .await
        .unwrap();

    let (_, account) = collect_account(&server).await;
    let block = &account.props["s3_public_access_block"];
    assert_eq!(block["block_public_acls"], true);
    assert_eq!(block["ignore_public_acls"], true);
    assert_eq!(block["block_public_policy"], true);
    assert_eq!(block["restrict_public_buckets"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_alias_names_the_account_and_the_security_contact_is_read() {
    let server = MotoServer::start();
    let config = sdk(&server, REGION).await;
    aws_sdk_iam::Client::new(&config)
        .create_account_alias()
        .account_alias("plumb-prod")
        .send()
        .await
        .unwrap();
    aws_sdk_account::Client::new(&config)
        .put_alternate_contact()
        .alternate_contact_type(AlternateContactType::Security)
        .name("Sec Team")
        .title("CISO")
        .email_address("security@example.com")
        .phone_number("+1-555-0100")
        .send()
        .await
        .unwrap();

    let (_, account) = collect_account(&server).await;
    assert_eq!(account.name, "plumb-prod");
    assert_eq!(account.uid, account_uid());
    assert_eq!(
        account.props["account_aliases"],
        serde_json::json!(["plumb-prod"])
    );
    let contact = &account.props["security_contact"];
    assert_eq!(contact["alternate_contact_type"], "SECURITY");
    assert_eq!(contact["name"], "Sec Team");
    assert_eq!(contact["email_address"], "security@example.com");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_virtual_mfa_device_of_a_user_is_not_taken_for_the_root_one() {
    let server = MotoServer::start();
    let iam = aws_sdk_iam::Client::new(&sdk(&server, REGION).await);
    iam.create_user().user_name("alice").send().await.unwrap();
    let device = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("alice-phone")
        .send()
        .await
        .unwrap();
    iam.enable_mfa_device()
        .user_name("alice")
        .serial_number(device.virtual_mfa_device().unwrap().serial_number())
        .authentication_code1("123456")
        .authentication_code2("654321")
        .send()
        .await
        .unwrap();

    let (_, account) = collect_account(&server).await;
    assert_eq!(account.props["root_virtual_mfa"], false);
    assert_eq!(account.props["account_summary"]["MFADevicesInUse"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn contact_information_moto_cannot_answer_is_a_gap_not_a_null() {
    let server = MotoServer::start();
    let (_, account) = collect_account(&server).await;
    // moto has no GetContactInformation: the field must read as unknown
    // (absent, with the failed call named), never as "no contact".
    assert!(account.props.get("contact_information").is_none());
    let gaps = account.gaps();
    let error = gaps
        .get("get_contact_information")
        .expect("a gap for the failed call");
    assert!(error.contains("account:GetContactInformation"), "{error}");
    assert!(account.is_partial());
}
