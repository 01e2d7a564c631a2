//! What the `plumb` end-to-end tests share: running the binary with test
//! credentials and reading what it printed.

#![allow(dead_code)] // each test file uses its own part of it

use std::collections::BTreeMap;
use std::process::{Command, Output};

use plumb_testkit::MotoServer;
use serde_json::Value;

/// Runs `plumb --db DB ARGS…` with moto's test credentials and nothing of
/// the caller's AWS environment.
pub fn plumb(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumb"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("NO_COLOR", "1")
        .output()
        .expect("plumb runs")
}

/// Seeds a moto server through the SDK with `seed` (the demo account, the
/// fix targets…), with the test credentials `plumb` is run with.
pub fn seed<T, F>(server: &MotoServer, seed: impl FnOnce(plumb_aws::SdkConfig) -> F) -> T
where
    F: std::future::Future<Output = T>,
{
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let keys = plumb_aws::StaticKeys {
            access_key_id: "testing".into(),
            secret_access_key: "testing".into(),
        };
        let config = plumb_aws::load_sdk_config(
            None,
            Some(&server.url()),
            Some("us-east-1"),
            Some(&keys),
            2,
        )
        .await;
        seed(config).await
    })
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The JSON a command printed, whatever its exit code.
pub fn stdout_json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}), exit {:?}: {}\n{}",
            o.status.code(),
            stdout(o),
            stderr(o)
        )
    })
}

/// The JSON a command that succeeded printed.
pub fn json(o: &Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
    stdout_json(o)
}

/// (check, resource) → status of every finding of a full scan.
pub type Findings = BTreeMap<(String, String), String>;

pub fn scan(db: &str, server: &MotoServer) -> Findings {
    let out = plumb(
        db,
        &[
            "scan",
            "--endpoint-url",
            &server.url(),
            "--regions",
            "us-east-1",
            "--format",
            "json",
        ],
    );
    // 0, or 3 when a finding fails at or above --fail-on (not set here).
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout_json(&out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                (
                    f["check_id"].as_str().unwrap().to_string(),
                    f["resource_uid"].as_str().unwrap().to_string(),
                ),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub fn plan(db: &str, path: &std::path::Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec![
        "fix",
        "plan",
        "--output",
        path.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = plumb(db, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    plan["items"].as_array().unwrap().clone()
}

pub fn apply(db: &str, server: &MotoServer, plan: &std::path::Path, extra: &[&str]) -> Output {
    let url = server.url();
    let mut args = vec![
        "fix",
        "apply",
        plan.to_str().unwrap(),
        "--endpoint-url",
        &url,
        "--region",
        "us-east-1",
    ];
    args.extend_from_slice(extra);
    plumb(db, &args)
}
