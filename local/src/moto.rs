//! The AWS emulator (moto in server mode) as a child process that dies with us.
use crate::BoxError;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct Moto {
    pub url: String,
    child: Option<tokio::process::Child>,
}

/// The venv's Python (`make venv` creates it; `MOTO_PYTHON` overrides).
pub fn python() -> PathBuf {
    std::env::var_os("MOTO_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python")))
}

/// The launcher that runs moto with DynamoDB writes serialized and transaction conflicts
/// (local/emulator/moto_server.py; docs/architecture.md says why).
pub fn launcher() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/emulator/moto_server.py"))
}

pub fn free_port() -> Result<u16, BoxError> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Moto {
    /// Uses a running emulator at `url`.
    pub fn existing(url: &str) -> Self {
        Self {
            url: url.trim_end_matches('/').to_string(),
            child: None,
        }
    }

    /// Starts one on `port` (0: any free port) and waits until it answers.
    pub async fn start(port: u16) -> Result<Self, BoxError> {
        Self::start_with_env(port, &[]).await
    }

    /// [`Moto::start`] with extra environment for the launcher (e.g. `VN_DDB_TXN_HOLD_MS`).
    pub async fn start_with_env(port: u16, env: &[(&str, &str)]) -> Result<Self, BoxError> {
        let bin = python();
        if !bin.exists() {
            return Err(format!("{} not found: run `make venv` (or set MOTO_PYTHON)", bin.display()).into());
        }
        let port = if port == 0 { free_port()? } else { port };
        let child = tokio::process::Command::new(&bin)
            .arg(launcher())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if http.get(format!("{url}/moto-api/")).send().await.is_ok() {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!("moto did not answer on {url} within 30 s").into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(Self { url, child: Some(child) })
    }

    pub async fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill().await;
        }
    }
}
