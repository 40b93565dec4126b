//! `lamina proxy run`: the rollup sidecar (OP Stack alt-DA routes).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use lamina_core::SrsConfig;
use lamina_proxy::ProxyConfig;

use super::network::runtime;
use super::retriever::shutdown_signal;

/// `lamina proxy` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum ProxyCommand {
    /// Serve OP Stack alt-DA routes (`POST /put`, `GET /get/0x...`), `/health` and
    /// `/metrics` on `listen`, until Ctrl-C or SIGTERM.
    Run(RunArgs),
}

/// Flags of `lamina proxy run`. Every config field, flagged or not, can also be set by
/// a `LAMINA_PROXY_<FIELD>` variable (`LAMINA_PROXY_CLIENT__DISPERSER` for nested
/// ones; see `layered_config`); flags win.
#[derive(Debug, Args)]
#[command(next_help_heading = "Proxy")]
pub(crate) struct RunArgs {
    /// TOML config file (see `lamina_proxy::ProxyConfig`); without it, defaults plus
    /// flags.
    #[arg(long, env = "LAMINA_PROXY_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// HTTP listen address.
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Disperser gRPC `host:port` (or `https://host:port`).
    #[arg(long)]
    disperser: Option<String>,
    /// Retriever gRPC `host:port`; without one, reads go to the operators (needs an SRS).
    #[arg(long)]
    retriever: Option<String>,
    /// Ethereum JSON-RPC URL.
    #[arg(long)]
    rpc_url: Option<String>,
    /// Contract address file (contracts/deployments/<chainid>.json).
    #[arg(long)]
    deployment: Option<PathBuf>,
    /// File with the dispersing account's secp256k1 key as 0x-hex.
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
    /// Milliseconds a `POST /put` may take before it answers 503.
    #[arg(long)]
    put_timeout_ms: Option<u64>,
    /// Recency window in blocks (`GET ?l1_inclusion_block_number=N`).
    #[arg(long)]
    recency_window_blocks: Option<u64>,
    /// EigenDA-format SRS directory: commit locally, check blobs, read from operators.
    #[arg(long, value_name = "DIR")]
    srs_dir: Option<PathBuf>,
    /// Use the INSECURE development SRS (public secret): devnets only.
    #[arg(long, conflicts_with = "srs_dir")]
    insecure_dev_srs: bool,
    /// G1 points of the SRS: the largest blob in symbols.
    #[arg(long)]
    srs_points: Option<usize>,
    /// Memstore mode: batches in memory (the config's `[memstore]` expiry, default one
    /// hour), no network; for rollup development.
    #[arg(long)]
    memstore: bool,
}

impl RunArgs {
    /// Defaults, the config file, `LAMINA_PROXY_<FIELD>` variables, then flags.
    fn config(&self) -> anyhow::Result<ProxyConfig> {
        let mut c: ProxyConfig =
            super::layered_config::load(self.config.as_deref(), "LAMINA_PROXY", &["CONFIG"])?;
        if let Some(v) = self.listen {
            c.listen = v;
        }
        if let Some(v) = &self.disperser {
            c.client.disperser.clone_from(v);
        }
        if let Some(v) = &self.retriever {
            c.client.retriever = Some(v.clone());
        }
        if let Some(v) = &self.rpc_url {
            c.client.rpc_url.clone_from(v);
        }
        if let Some(v) = &self.deployment {
            c.deployment = Some(v.clone());
        }
        if let Some(v) = &self.key_file {
            c.key_file = Some(v.clone());
        }
        if let Some(v) = self.put_timeout_ms {
            c.put_timeout_ms = v;
        }
        if let Some(v) = self.recency_window_blocks {
            c.client.recency_window_blocks = v;
        }
        if let Some(dir) = &self.srs_dir {
            c.client.srs = Some(SrsConfig {
                dir: Some(dir.clone()),
                ..SrsConfig::default()
            });
        } else if self.insecure_dev_srs {
            c.client.srs = Some(SrsConfig::insecure_development());
        }
        if let Some(v) = self.srs_points {
            c.client.srs_points = v;
        }
        if self.memstore {
            c.memstore = Some(c.memstore.unwrap_or_default());
        }
        c.validate()?;
        Ok(c)
    }
}

/// Runs a `lamina proxy` subcommand.
pub(crate) fn run(command: ProxyCommand) -> anyhow::Result<()> {
    match command {
        ProxyCommand::Run(args) => {
            let config = args.config().context("proxy configuration")?;
            runtime()?.block_on(lamina_proxy::run(config, shutdown_signal()))?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(subcommand)]
        command: ProxyCommand,
    }

    #[test]
    fn flags_override_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("proxy.toml");
        std::fs::write(
            &path,
            "put_timeout_ms = 9000\n[client]\ndisperser = \"10.0.0.1:32001\"\nrecency_window_blocks = 20\n",
        )
        .expect("writes");
        let cli = Cli::parse_from([
            "x",
            "run",
            "--config",
            path.to_str().expect("utf-8"),
            "--recency-window-blocks",
            "30",
            "--listen",
            "127.0.0.1:7100",
        ]);
        let ProxyCommand::Run(args) = cli.command;
        let c = args.config().expect("valid");
        assert_eq!(c.put_timeout_ms, 9000);
        assert_eq!(c.client.disperser, "10.0.0.1:32001");
        assert_eq!(c.client.recency_window_blocks, 30);
        assert_eq!(c.listen, "127.0.0.1:7100".parse().expect("addr"));
    }
}
