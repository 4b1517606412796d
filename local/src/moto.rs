//! The AWS emulator (moto in server mode) as a child process that dies with us.
use crate::BoxError;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct Moto {
    pub url: String,
    child: Option<tokio::process::Child>,
}

/// `MOTO_SERVER`, else the repo's venv (`make venv` creates it).
pub fn binary() -> PathBuf {
    std::env::var_os("MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/moto_server")))
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
        let bin = binary();
        if !bin.exists() {
            return Err(format!("{} not found: run `make venv` (or set MOTO_SERVER)", bin.display()).into());
        }
        let port = if port == 0 { free_port()? } else { port };
        let child = tokio::process::Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
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
