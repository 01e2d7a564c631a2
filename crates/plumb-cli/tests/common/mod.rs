//! What the `plumb` end-to-end tests share: running the binary with test
//! credentials and reading what it printed.

#![allow(dead_code)] // each test file uses its own part of it

use std::process::{Command, Output};

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
