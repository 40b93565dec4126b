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

/// The `s3s-fs` S3 server (`scripts/setup.sh` installs it under
/// `$HOME/.cache/lamina/tools/bin`), or `$LAMINA_S3S_FS_BIN`.
pub fn s3s_fs() -> Result<PathBuf, DevnetError> {
    let path = std::env::var_os("LAMINA_S3S_FS_BIN")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(".cache/lamina/tools/bin/s3s-fs"))
        })
        .unwrap_or_else(|| PathBuf::from("s3s-fs"));
    if path.is_file() {
        Ok(path)
    } else {
        Err(DevnetError::ToolMissing {
            tool: "s3s-fs",
            path,
            env: "LAMINA_S3S_FS_BIN",
        })
    }
}
