//! Tests of the `iam` collector against moto.

use std::io::{Read, Write};
use std::net::TcpStream;

use aws_sdk_iam::types::Tag;
use plumb_model::Relation;

use crate::common::*;

const ADMIN_DOCUMENT: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const TRUST_EC2: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const READ_BUCKETS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}"#;
const SUPPORT: &str = "arn:aws:iam::aws:policy/AWSSupportAccess";

fn arn(resource: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:{resource}")
}

/// moto knows AWS-managed policies (needed to attach one) only when told so
/// before its IAM backend starts: `POST /moto-api/config`.
fn load_aws_managed_policies(server: &MotoServer) {
    let body = r#"{"iam":{"load_aws_managed_policies":true}}"#;
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    write!(
        stream,
        "POST /moto-api/config HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 20"), "{answer}");
}

/// Seeds: alice (console password, virtual MFA, two access keys, inline
/// policy, member of `admins`), bob (nothing), the `admins` group with an
/// AWS-managed and an inline policy, the customer policy `plumb-admin`
/// (`*` on `*`) attached to the role `app` (trusted by EC2, with an inline
/// policy and a permissions boundary), the instance profile `app-profile`
/// carrying `app`, and the server certificate `plumb-cert`.
async fn seed(server: &MotoServer) -> aws_sdk_iam::Client {
    load_aws_managed_policies(server);
    let iam = aws_sdk_iam::Client::new(&sdk(server, REGION).await);

    iam.create_user()
        .user_name("alice")
        .tags(
            Tag::builder()
                .key("team")
                .value("security")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    iam.create_user().user_name("bob").send().await.unwrap();
    iam.create_login_profile()
        .user_name("alice")
        .password("Not-a-real-password-1")
        .send()
        .await
        .unwrap();
    // moto ignores the flag on creation; it keeps it on update (which, in
    // moto, drops the password unless it is given again).
    iam.update_login_profile()
        .user_name("alice")
        .password("Not-a-real-password-1")
        .password_reset_required(true)
        .send()
        .await
        .unwrap();
    let device = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("alice-phone")
        .send()
        .await
        .unwrap();
    let serial = device
        .virtual_mfa_device()
        .unwrap()
        .serial_number()
        .to_string();
    iam.enable_mfa_device()
        .user_name("alice")
        .serial_number(&serial)
        .authentication_code1("123456")
        .authentication_code2("654321")
        .send()
        .await
        .unwrap();
    for _ in 0..2 {
        iam.create_access_key()
            .user_name("alice")
            .send()
            .await
            .unwrap();
    }
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("alice-buckets")
        .policy_document(READ_BUCKETS)
        .send()
        .await
        .unwrap();

    iam.create_group()
        .group_name("admins")
        .send()
        .await
        .unwrap();
    iam.add_user_to_group()
        .group_name("admins")
        .user_name("alice")
        .send()
        .await
        .unwrap();
    iam.attach_group_policy()
        .group_name("admins")
        .policy_arn(SUPPORT)
        .send()
        .await
        .unwrap();
    iam.put_group_policy()
        .group_name("admins")
        .policy_name("admins-buckets")
        .policy_document(READ_BUCKETS)
        .send()
        .await
        .unwrap();

    let policy = iam
        .create_policy()
        .policy_name("plumb-admin")
        .policy_document(ADMIN_DOCUMENT)
        .send()
        .await
        .unwrap();
    let policy_arn = policy.policy().unwrap().arn().unwrap().to_string();
    iam.create_role()
        .role_name("app")
        .assume_role_policy_document(TRUST_EC2)
        .description("the application")
        .max_session_duration(7200)
        .permissions_boundary(&policy_arn)
        .tags(Tag::builder().key("env").value("prod").build().unwrap())
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("app")
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("app")
        .policy_name("app-buckets")
        .policy_document(READ_BUCKETS)
        .send()
        .await
        .unwrap();
    iam.create_instance_profile()
        .instance_profile_name("app-profile")
        .send()
        .await
        .unwrap();
    iam.add_role_to_instance_profile()
        .instance_profile_name("app-profile")
        .role_name("app")
        .send()
        .await
        .unwrap();

    iam.upload_server_certificate()
        .server_certificate_name("plumb-cert")
        .certificate_body("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----")
        .private_key("-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----")
        .send()
        .await
        .unwrap();
    iam
}

#[tokio::test(flavor = "multi_thread")]
async fn users_are_collected_with_their_credentials_and_policies() {
    let server = MotoServer::start();
    seed(&server).await;

    let snap = collect(&server, &["iam"]).await;
    snap.assert_ok("iam");
    assert_eq!(snap.of_kind("aws_iam_user").len(), 2);

    let alice = snap.resource(&arn("user/alice"));
    assert_eq!(alice.name, "alice");
    assert_eq!(alice.region, "global");
    assert_eq!(alice.tags.get("team").map(String::as_str), Some("security"));
    let p = &alice.props;
    assert_eq!(p["path"], "/");
    assert!(p["user_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(p["create_date"].is_string());
    assert_eq!(p["login_profile"]["password_reset_required"], true);
    assert_eq!(
        p["mfa_devices"][0]["serial_number"],
        arn("mfa/alice-phone").as_str()
    );
    let keys = p["access_keys"].as_array().expect("access keys");
    assert_eq!(keys.len(), 2);
    for key in keys {
        assert_eq!(key["status"], "Active");
        assert!(key["access_key_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty()));
        assert!(key["create_date"].is_string());
        // Never used: no date, service or region; and never a secret.
        assert!(key["last_used_date"].is_null());
        assert!(key["last_used_service"].is_null());
        assert!(key["last_used_region"].is_null());
        assert!(key.get("secret_access_key").is_none());
    }
    assert_eq!(p["inline_policies"][0]["policy_name"], "alice-buckets");
    assert_eq!(
        p["inline_policies"][0]["policy_document"]["Statement"][0]["Action"],
        "s3:ListAllMyBuckets"
    );
    assert_eq!(p["groups"], serde_json::json!(["admins"]));
    assert_eq!(p["attached_policies"], serde_json::json!([]));
    assert!(p["permissions_boundary"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_without_console_password_mfa_or_keys_says_so() {
    let server = MotoServer::start();
    seed(&server).await;

    let snap = collect(&server, &["iam"]).await;
    snap.assert_ok("iam");
    let bob = &snap.resource(&arn("user/bob")).props;
    assert!(bob["login_profile"].is_null());
    assert_eq!(bob["mfa_devices"], serde_json::json!([]));
    assert_eq!(bob["access_keys"], serde_json::json!([]));
    assert_eq!(bob["groups"], serde_json::json!([]));
    assert_eq!(bob["inline_policies"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_carry_their_attached_and_inline_policies() {
    let server = MotoServer::start();
    seed(&server).await;

    let snap = collect(&server, &["iam"]).await;
    snap.assert_ok("iam");
    let admins = snap.resource(&arn("group/admins"));
    assert_eq!(admins.kind, "aws_iam_group");
    assert_eq!(admins.props["path"], "/");
    assert_eq!(admins.props["attached_policies"][0]["policy_arn"], SUPPORT);
    assert_eq!(
        admins.props["attached_policies"][0]["policy_name"],
        "AWSSupportAccess"
    );
    assert_eq!(
        admins.props["inline_policies"][0]["policy_name"],
        "admins-buckets"
    );
    assert_eq!(
        admins.props["inline_policies"][0]["policy_document"]["Version"],
        "2012-10-17"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_carry_their_trust_policy_profiles_and_policies() {
    let server = MotoServer::start();
    seed(&server).await;

    let snap = collect(&server, &["iam"]).await;
    snap.assert_ok("iam");
    let app = snap.resource(&arn("role/app"));
    assert_eq!(app.kind, "aws_iam_role");
    assert_eq!(app.tags.get("env").map(String::as_str), Some("prod"));
    let p = &app.props;
    assert_eq!(
        p["assume_role_policy_document"]["Statement"][0]["Principal"]["Service"],
        "ec2.amazonaws.com"
    );
    assert_eq!(p["description"], "the application");
    assert_eq!(p["max_session_duration"], 7200);
    assert_eq!(
        p["instance_profiles"],
        serde_json::json!([arn("instance-profile/app-profile")])
    );
    assert_eq!(
        p["attached_policies"][0]["policy_arn"],
        arn("policy/plumb-admin").as_str()
    );
    assert_eq!(p["inline_policies"][0]["policy_name"], "app-buckets");
    assert_eq!(
        p["permissions_boundary"]["permissions_boundary_arn"],
        arn("policy/plumb-admin").as_str()
    );
    // Never assumed: no last use, recorded as null rather than left out.
    assert!(p.get("role_last_used").is_some_and(|v| v.is_null()));
}

#[tokio::test(flavor = "multi_thread")]
async fn customer_policies_carry_their_default_document_and_aws_ones_are_not_collected() {
    let server = MotoServer::start();
    seed(&server).await;

    let snap = collect(&server, &["iam"]).await;
    snap.assert_ok("iam");
    let policies = snap.of_kind("aws_iam_policy");
    assert_eq!(policies.len(), 1, "only customer-managed policies");
    let admin = snap.resource(&arn("policy/plumb-admin"));
    let p = &admin.props;
    assert_eq!(p["default_version_id"], "v1");
    assert_eq!(p["attachment_count"], 1);
    assert_eq!(p["is_attachable"], true);
    assert_eq!(p["document"]["Statement"][0]["Action"], "*");
    assert_eq!(p["document"]["Statement"][0]["Resource"], "*");
    assert!(p["create_date"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn instance_profiles_and_server_certificates_are_collected() {
    let server = MotoServer::start();
    seed(&server).await;

    let snap = collect(&server, &["iam"]).await;
    snap.assert_ok("iam");
    let profile = snap.resource(&arn("instance-profile/app-profile"));
    assert_eq!(profile.kind, "aws_iam_instance_profile");
    assert_eq!(profile.props["roles"][0]["role_name"], "app");
    assert_eq!(profile.props["roles"][0]["arn"], arn("role/app").as_str());

    let cert = snap.resource(&arn("server-certificate/plumb-cert"));
    assert_eq!(cert.kind, "aws_iam_server_certificate");
    assert_eq!(cert.props["server_certificate_name"], "plumb-cert");
    assert_eq!(cert.props["path"], "/");
    // moto dates every certificate as expired in 2012.
    assert!(cert.props["expiration"]
        .as_str()
        .is_some_and(|d| d.starts_with("2012-")));
    assert!(cert.props["upload_date"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn memberships_attachments_and_profiles_are_edges() {
    let server = MotoServer::start();
    seed(&server).await;

    let snap = collect(&server, &["iam"]).await;
    snap.assert_ok("iam");
    let admin_policy = arn("policy/plumb-admin");
    assert!(snap.has_edge(&arn("user/alice"), Relation::MemberOf, &arn("group/admins")));
    assert!(snap.has_edge(&arn("group/admins"), Relation::HasPolicy, SUPPORT));
    assert!(snap.has_edge(&arn("role/app"), Relation::HasPolicy, &admin_policy));
    assert!(snap.has_edge(
        &arn("instance-profile/app-profile"),
        Relation::Assumes,
        &arn("role/app")
    ));
    // A permissions boundary grants nothing: it is not a `has_policy` edge.
    let from_app: Vec<_> = snap
        .edges
        .iter()
        .filter(|e| e.from == arn("role/app"))
        .collect();
    assert_eq!(from_app.len(), 1, "{from_app:?}");
    assert_eq!(snap.edges.len(), 4, "{:#?}", snap.edges);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_trust_policy_is_a_gap_not_a_null() {
    let server = MotoServer::start();
    let iam = aws_sdk_iam::Client::new(&sdk(&server, REGION).await);
    // AWS validates trust policies; moto stores any text, which lets the
    // test feed the collector a document it cannot parse.
    iam.create_role()
        .role_name("garbled")
        .assume_role_policy_document("{not json")
        .send()
        .await
        .unwrap();

    let snap = collect(&server, &["iam"]).await;
    assert_eq!(
        snap.unit("iam", "global").status,
        plumb_model::CoverageStatus::Ok
    );
    let role = snap.resource(&arn("role/garbled"));
    assert!(role.props.get("assume_role_policy_document").is_none());
    let gaps = role.gaps();
    let error = gaps.get("list_roles").expect("a gap naming the call");
    assert!(error.contains("iam:ListRoles"), "{error}");
    // The rest of the role is still read.
    assert_eq!(role.props["attached_policies"], serde_json::json!([]));
    assert!(role.is_partial());
}
