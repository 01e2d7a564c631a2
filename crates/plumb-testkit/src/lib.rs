//! Test support for Plumb: starts moto's server (`moto[server]` from PyPI,
//! installed by `scripts/setup` into the project's `.venv`) on a free
//! loopback port, and stops it when dropped. Tests seed it through the AWS
//! SDK for Rust and point the collector at [`MotoServer::url`].
#![deny(missing_docs)]

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server, stopped on drop.
pub struct MotoServer {
    child: Child,
    port: u16,
}

/// The workspace root (where `.venv` lives).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The Python of the project's venv (`$PLUMB_PYTHON` overrides it), which
/// runs `scripts/moto_server.py`: moto's server with the shims that make a
/// few of its answers match AWS's.
pub fn python_executable() -> PathBuf {
    std::env::var_os("PLUMB_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"))
}

fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

impl MotoServer {
    /// Starts a fresh server on a free port of 127.0.0.1 and waits until it
    /// answers. Panics with a clear message when moto is not installed: a
    /// test that cannot reach its emulator must fail, not pass.
    pub fn start() -> MotoServer {
        MotoServer::start_with_env(&[])
    }

    /// Starts a server as [`MotoServer::start`] does, with extra
    /// environment variables: the test controls of `scripts/moto_server.py`
    /// (`PLUMB_MOTO_FAIL_ACTIONS=ReleaseAddress` answers that action with
    /// AccessDenied).
    pub fn start_with_env(env: &[(&str, &str)]) -> MotoServer {
        let exe = python_executable();
        let script = workspace_root().join("scripts/moto_server.py");
        assert!(
            exe.exists(),
            "the project's Python venv is missing ({}): run scripts/setup (or scripts/test) first",
            exe.display()
        );
        let mut last_error = None;
        for _ in 0..5 {
            let port = free_port().expect("no free loopback port");
            let child = Command::new(&exe)
                .arg(&script)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("MOTO_ALLOW_NONEXISTENT_REGION", "false")
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
            let mut server = MotoServer { child, port };
            match server.wait_ready(Duration::from_secs(60)) {
                Ok(()) => return server,
                Err(e) => last_error = Some(e),
            }
        }
        panic!("moto_server did not start: {last_error:?}");
    }

    fn wait_ready(&mut self, timeout: Duration) -> io::Result<()> {
        let deadline = Instant::now() + timeout;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                return Err(io::Error::other(format!("moto_server exited: {status}")));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(io::Error::other("moto_server did not listen in time"))
    }

    /// From now on, moto checks every request against IAM: signatures must
    /// come from keys of moto's IAM users and their policies must allow the
    /// action (moto's `reset-auth` API). Seed first, then call this.
    pub fn enforce_iam(&self) {
        use std::io::{Read, Write};
        let mut stream =
            TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).expect("moto is not listening");
        let request = format!(
            "POST /moto-api/reset-auth HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 1\r\nConnection: close\r\n\r\n0",
            self.port
        );
        stream
            .write_all(request.as_bytes())
            .expect("cannot talk to moto");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "moto refused reset-auth: {answer}"
        );
    }

    /// Makes an IAM access key `days` old (its creation date that many days
    /// ago), which no AWS API can do: how a test gets a key unused for 90
    /// days.
    pub fn age_access_key(&self, access_key_id: &str, days: u32) {
        self.age(&format!(
            r#"{{"access_key_id":"{access_key_id}","days":{days}}}"#
        ));
    }

    /// Makes an IAM user `days` old, and with it (in moto) the user's
    /// console password.
    pub fn age_user(&self, user_name: &str, days: u32) {
        self.age(&format!(r#"{{"user_name":"{user_name}","days":{days}}}"#));
    }

    fn age(&self, body: &str) {
        let answer = self.post("/plumb-moto/iam/age", body);
        assert!(
            answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"),
            "moto refused {body}: {answer}"
        );
    }

    fn post(&self, path: &str, body: &str) -> String {
        use std::io::{Read, Write};
        let mut stream =
            TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).expect("moto is not listening");
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .expect("cannot talk to moto");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    }

    /// The endpoint URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The access key id tests use against moto (moto accepts any).
pub const ACCESS_KEY_ID: &str = "testing";
/// The secret access key tests use against moto.
pub const SECRET_ACCESS_KEY: &str = "testing";
/// The account moto answers as for the keys above.
pub const ACCOUNT: &str = "123456789012";
