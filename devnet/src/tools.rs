//! Where the repository and its pinned Foundry tools are.

use std::path::{Path, PathBuf};

use crate::DevnetError;

/// The repository root (this crate's parent directory, or `$LAMINA_ROOT`).
pub fn repo_root() -> PathBuf {
    if let Some(root) = std::env::var_os("LAMINA_ROOT") {
        return PathBuf::from(root);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The Foundry project (`<repo>/contracts`).
pub fn contracts_dir() -> PathBuf {
    repo_root().join("contracts")
}

fn foundry_tool(name: &'static str, env: &'static str) -> Result<PathBuf, DevnetError> {
    let path = std::env::var_os(env).map_or_else(
        || {
            contracts_dir().join(format!(
                "node_modules/@foundry-rs/{name}-linux-amd64/bin/{name}"
            ))
        },
        PathBuf::from,
    );
    if path.is_file() {
        Ok(path)
    } else {
        Err(DevnetError::ToolMissing {
            tool: name,
            path,
            env,
        })
    }
}

/// The npm-installed anvil (`scripts/setup.sh`), or `$LAMINA_ANVIL`.
pub fn anvil() -> Result<PathBuf, DevnetError> {
    foundry_tool("anvil", "LAMINA_ANVIL")
}

/// The npm-installed forge, or `$LAMINA_FORGE`.
pub fn forge() -> Result<PathBuf, DevnetError> {
    foundry_tool("forge", "LAMINA_FORGE")
}

/// The `s3s-fs` S3 server: `$LAMINA_S3S_FS_BIN`, else where `scripts/setup.sh` installs it
/// (`$HOME/.cache/lamina/tools/bin`), else on `PATH`.
pub fn s3s_fs() -> Result<PathBuf, DevnetError> {
    if let Some(path) = std::env::var_os("LAMINA_S3S_FS_BIN").map(PathBuf::from) {
        return if path.is_file() {
            Ok(path)
        } else {
            Err(DevnetError::ToolMissing {
                tool: "s3s-fs",
                path,
                env: "LAMINA_S3S_FS_BIN",
            })
        };
    }
    let installed = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cache/lamina/tools/bin/s3s-fs"));
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("s3s-fs"));
    installed
        .into_iter()
        .chain(on_path)
        .find(|p| p.is_file())
        .ok_or(DevnetError::ToolMissing {
            tool: "s3s-fs",
            path: PathBuf::from("s3s-fs"),
            env: "LAMINA_S3S_FS_BIN",
        })
}

/// Starts `s3s-fs` serving `root` (one directory per bucket, one file per object) on
/// `addr`, accepting only requests signed with `access_key` / `secret_key`, and waits
/// until it accepts connections (at most `timeout`).
pub async fn start_s3s_fs(
    root: &std::path::Path,
    addr: std::net::SocketAddr,
    (access_key, secret_key): (&str, &str),
    log: PathBuf,
    timeout: std::time::Duration,
) -> Result<crate::ServiceProcess, DevnetError> {
    let mut server = crate::ServiceProcess::spawn(crate::ServiceSpec {
        name: "s3s-fs".into(),
        program: s3s_fs()?,
        args: vec![
            root.as_os_str().to_owned(),
            "--host".into(),
            addr.ip().to_string().into(),
            "--port".into(),
            addr.port().to_string().into(),
            "--access-key".into(),
            access_key.into(),
            "--secret-key".into(),
            secret_key.into(),
        ],
        env: Vec::new(),
        log,
        health: None,
    })?;
    let deadline = std::time::Instant::now() + timeout;
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        server.check_alive()?;
        if std::time::Instant::now() > deadline {
            return Err(DevnetError::S3(format!(
                "s3s-fs did not listen on {addr} within {timeout:?}"
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(server)
}
