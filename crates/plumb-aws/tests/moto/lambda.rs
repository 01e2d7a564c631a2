//! Tests of the `lambda` collector against moto. Functions are created and
//! never invoked: moto would need docker to run them.

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Environment, FunctionCode, FunctionUrlAuthType, LayerVersionContentInput, Runtime,
    TracingConfig, TracingMode, VpcConfig,
};
use plumb_model::{CoverageStatus, Relation};

use crate::common::*;

/// A valid, empty zip archive: the end-of-central-directory record alone.
fn empty_zip() -> Blob {
    let mut zip = b"PK\x05\x06".to_vec();
    zip.resize(22, 0);
    Blob::new(zip)
}

const SECRET_VALUE: &str = "pw-7c1d0e9a-never-store-me";
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";

struct Seeded {
    api: String,
    private: String,
    role: String,
    layer: String,
}

/// Seeds a role, a layer, a public VPC function with a URL and a plain
/// private function.
async fn seed(server: &MotoServer) -> Seeded {
    let config = sdk(server, REGION).await;
    let iam = aws_sdk_iam::Client::new(&config);
    let lambda = aws_sdk_lambda::Client::new(&config);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role = iam
        .create_role()
        .role_name("plumb-lambda-exec")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    let layer = lambda
        .publish_layer_version()
        .layer_name("plumb-deps")
        .content(
            LayerVersionContentInput::builder()
                .zip_file(empty_zip())
                .build(),
        )
        .send()
        .await
        .unwrap()
        .layer_version_arn
        .unwrap();
    let api = lambda
        .create_function()
        .function_name("plumb-api")
        .runtime(Runtime::Python312)
        .role(&role)
        .handler("app.handler")
        .code(FunctionCode::builder().zip_file(empty_zip()).build())
        .environment(
            Environment::builder()
                .variables("DB_PASSWORD", SECRET_VALUE)
                .variables("API_HOST", "db.internal.example")
                .build(),
        )
        .vpc_config(
            VpcConfig::builder()
                .subnet_ids("subnet-0aaa")
                .subnet_ids("subnet-0bbb")
                .security_group_ids("sg-0ccc")
                .build(),
        )
        .kms_key_arn(KEY)
        .tracing_config(TracingConfig::builder().mode(TracingMode::Active).build())
        .layers(&layer)
        .tags("team", "payments")
        .send()
        .await
        .unwrap()
        .function_arn
        .unwrap();
    lambda
        .add_permission()
        .function_name("plumb-api")
        .statement_id("anyone-via-url")
        .action("lambda:InvokeFunctionUrl")
        .principal("*")
        .function_url_auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap();
    lambda
        .create_function_url_config()
        .function_name("plumb-api")
        .auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap();
    let private = lambda
        .create_function()
        .function_name("plumb-private")
        .runtime(Runtime::Nodejs20x)
        .role(&role)
        .handler("index.handler")
        .code(FunctionCode::builder().zip_file(empty_zip()).build())
        .send()
        .await
        .unwrap()
        .function_arn
        .unwrap();
    Seeded {
        api,
        private,
        role,
        layer,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn functions_are_collected_with_runtime_network_and_resource_policy() {
    let server = MotoServer::start();
    let s = seed(&server).await;

    let snap = collect(&server, &["lambda"]).await;
    assert_eq!(snap.unit("lambda", REGION).status, CoverageStatus::Ok);
    assert_eq!(snap.of_kind("aws_lambda_function").len(), 2);

    let api = snap.resource(&format!(
        "arn:aws:lambda:{REGION}:{ACCOUNT}:function:plumb-api"
    ));
    assert_eq!(api.uid, s.api);
    assert_eq!(api.name, "plumb-api");
    let p = &api.props;
    assert_eq!(p["function_name"], "plumb-api");
    assert_eq!(p["function_arn"], s.api.as_str());
    assert_eq!(p["runtime"], "python3.12");
    assert_eq!(p["role"], s.role.as_str());
    assert_eq!(p["handler"], "app.handler");
    assert_eq!(p["package_type"], "Zip");
    assert!(p["last_modified"].is_string());
    assert_eq!(p["architectures"][0], "x86_64");
    assert_eq!(
        p["vpc_config"]["subnet_ids"],
        serde_json::json!(["subnet-0aaa", "subnet-0bbb"])
    );
    assert_eq!(p["vpc_config"]["security_group_ids"][0], "sg-0ccc");
    assert_eq!(p["kms_key_arn"], KEY);
    assert_eq!(p["tracing_config"]["mode"], "Active");
    assert_eq!(p["layers"][0], s.layer.as_str());
    assert_eq!(
        p["environment_variable_names"],
        serde_json::json!(["API_HOST", "DB_PASSWORD"])
    );
    let statement = &p["policy"]["Statement"][0];
    assert_eq!(statement["Principal"], "*");
    assert_eq!(statement["Action"], "lambda:InvokeFunctionUrl");
    assert_eq!(api.tags.get("team").map(String::as_str), Some("payments"));

    let private = snap.resource(&s.private);
    assert!(private.props["policy"].is_null(), "no policy reads as null");
    assert!(private.props["vpc_config"].is_null());
    assert!(private.props["kms_key_arn"].is_null());
    assert_eq!(private.props["tracing_config"]["mode"], "PassThrough");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_function_links_to_its_role_network_and_key() {
    let server = MotoServer::start();
    let s = seed(&server).await;

    let snap = collect(&server, &["lambda"]).await;
    let ec2 = |r: &str| format!("arn:aws:ec2:{REGION}:{ACCOUNT}:{r}");
    assert!(snap.has_edge(&s.api, Relation::Assumes, &s.role));
    assert!(snap.has_edge(&s.private, Relation::Assumes, &s.role));
    assert!(snap.has_edge(
        &s.api,
        Relation::ProtectedBy,
        &ec2("security-group/sg-0ccc")
    ));
    assert!(snap.has_edge(&s.api, Relation::MemberOf, &ec2("subnet/subnet-0aaa")));
    assert!(snap.has_edge(&s.api, Relation::MemberOf, &ec2("subnet/subnet-0bbb")));
    assert!(snap.has_edge(&s.api, Relation::EncryptedBy, KEY));
    let from_private: Vec<_> = snap.edges.iter().filter(|e| e.from == s.private).collect();
    assert_eq!(from_private.len(), 1, "only the role: {from_private:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn environment_variable_values_appear_nowhere_in_the_snapshot() {
    let server = MotoServer::start();
    seed(&server).await;

    let snap = collect(&server, &["lambda"]).await;
    assert_eq!(snap.of_kind("aws_lambda_function").len(), 2);
    let json = serde_json::to_string(&snap).unwrap();
    assert!(json.contains("DB_PASSWORD"), "the name is kept");
    assert!(!json.contains(SECRET_VALUE), "a secret value was stored");
    assert!(!json.contains("db.internal.example"), "a value was stored");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_public_function_url_is_collected_with_its_auth_type() {
    let server = MotoServer::start();
    let s = seed(&server).await;

    let snap = collect(&server, &["lambda"]).await;
    snap.assert_ok("lambda");
    let api = snap.resource(&s.api);
    let urls = api.props["function_url_configs"]
        .as_array()
        .expect("URL configs");
    assert_eq!(urls.len(), 1, "{urls:?}");
    assert_eq!(urls[0]["auth_type"], "NONE");
    assert!(urls[0]["function_url"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let private = snap.resource(&s.private);
    assert_eq!(private.props["function_url_configs"], serde_json::json!([]));
}
