//! `lamina disperser run --config FILE`: the disperser service.
//!
//! Precedence: flags, then `LAMINA_DISPERSER_<FIELD>` environment variables (every
//! field, see `layered_config`), then the TOML file, then `DisperserConfig::default()`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use lamina_disperser::DisperserConfig;

/// `lamina disperser ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum DisperserCommand {
    /// Run the disperser: gRPC intake, encoding, batching, dispatch, certificates.
    Run(RunArgs),
    /// Print the effective configuration (file + environment + flags) as TOML and exit.
    Config(RunArgs),
}

/// Arguments of `lamina disperser run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// TOML configuration file (every field optional; see `DisperserConfig`).
    #[arg(long, env = "LAMINA_DISPERSER_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// gRPC listen address.
    #[arg(long)]
    grpc_listen: Option<SocketAddr>,
    /// HTTP listen address of /health and /metrics.
    #[arg(long)]
    metrics_listen: Option<SocketAddr>,
    /// Data directory (RocksDB under `<dir>/db`).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Ethereum JSON-RPC URL.
    #[arg(long)]
    rpc_url: Option<String>,
    /// contracts/deployments/<chainid>.json.
    #[arg(long)]
    deployment: Option<PathBuf>,
    /// ECDSA keystore (geth v3).
    #[arg(long)]
    ecdsa_keystore: Option<PathBuf>,
    /// File holding the keystore password.
    #[arg(long)]
    password_file: Option<PathBuf>,
    /// Environment variable holding the keystore password.
    #[arg(long)]
    password_env: Option<String>,
    /// Batch size limit in bytes.
    #[arg(long)]
    batch_max_bytes: Option<usize>,
    /// Batch time limit in milliseconds.
    #[arg(long)]
    batch_max_interval_ms: Option<u64>,
    /// Reference block = head minus this many blocks.
    #[arg(long)]
    reference_block_delay: Option<u64>,
    /// Per-operator StoreChunks timeout in milliseconds.
    #[arg(long)]
    node_timeout_ms: Option<u64>,
    /// Per-batch timeout in milliseconds.
    #[arg(long)]
    batch_timeout_ms: Option<u64>,
    /// Anchor batches with confirmBatch (true/false).
    #[arg(long)]
    anchor_on_chain: Option<bool>,
    /// Per-account bytes per second (0 = unlimited).
    #[arg(long)]
    rate_limit_bytes_per_sec: Option<u64>,
    /// Per-account blobs per second (0 = unlimited).
    #[arg(long)]
    rate_limit_blobs_per_sec: Option<u64>,
    /// Per-client-address bytes per second over DisperseBlob and GetBlobCommitment (0 = unlimited).
    #[arg(long)]
    rate_limit_address_bytes_per_sec: Option<u64>,
    /// Per-client-address requests per second (0 = unlimited).
    #[arg(long)]
    rate_limit_address_blobs_per_sec: Option<u64>,
    /// Commitment work (MSMs, pairings) run at once (0 = number of CPU cores).
    #[arg(long)]
    commitment_slots: Option<usize>,
    /// Requests waiting for a commitment slot before RESOURCE_EXHAUSTED.
    #[arg(long)]
    commitment_queue: Option<usize>,
    /// gRPC request deadline in milliseconds.
    #[arg(long)]
    grpc_request_timeout_ms: Option<u64>,
    /// gRPC requests served at once over all connections.
    #[arg(long)]
    grpc_max_concurrent_requests: Option<usize>,
    /// Blobs in flight before DisperseBlob answers RESOURCE_EXHAUSTED (with a retry-after).
    #[arg(long)]
    queue_capacity: Option<usize>,
    /// Largest blob in bytes (at most 16 MiB).
    #[arg(long)]
    max_blob_size: Option<usize>,
    #[command(flatten)]
    srs: super::srs_arg::ServiceSrsArgs,
}

macro_rules! overlay {
    ($config:ident, $args:ident, $($field:ident),*) => {
        $(if let Some(v) = $args.$field.clone() { $config.$field = v; })*
    };
}

impl RunArgs {
    /// The file (or defaults) with the environment and flags laid over it.
    fn config(&self) -> anyhow::Result<DisperserConfig> {
        let mut config: DisperserConfig =
            super::layered_config::load(self.config.as_deref(), "LAMINA_DISPERSER", &["CONFIG"])?;
        let args = self;
        overlay!(
            config,
            args,
            grpc_listen,
            metrics_listen,
            data_dir,
            rpc_url,
            deployment,
            batch_max_bytes,
            batch_max_interval_ms,
            reference_block_delay,
            node_timeout_ms,
            batch_timeout_ms,
            anchor_on_chain,
            rate_limit_bytes_per_sec,
            rate_limit_blobs_per_sec,
            rate_limit_address_bytes_per_sec,
            rate_limit_address_blobs_per_sec,
            commitment_slots,
            commitment_queue,
            grpc_request_timeout_ms,
            grpc_max_concurrent_requests,
            queue_capacity,
            max_blob_size
        );
        if let Some(k) = &self.ecdsa_keystore {
            config.ecdsa_keystore = k.clone();
        }
        if let Some(f) = &self.password_file {
            config.password_file = Some(f.clone());
            config.password_env = None;
        }
        if let Some(e) = &self.password_env {
            config.password_env = Some(e.clone());
            config.password_file = None;
        }
        self.srs.apply(&mut config.srs);
        config.validate()?;
        Ok(config)
    }
}

/// Waits for Ctrl-C or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Runs `lamina disperser ...`.
pub(crate) fn run(command: DisperserCommand) -> anyhow::Result<()> {
    match command {
        DisperserCommand::Config(args) => {
            print!("{}", args.config()?.to_toml()?);
            Ok(())
        }
        DisperserCommand::Run(args) => {
            let config = args.config()?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            runtime
                .block_on(lamina_disperser::run(config, stop_signal()))
                .context("disperser")
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
        command: DisperserCommand,
    }

    #[test]
    fn flags_override_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("d.toml");
        std::fs::write(
            &file,
            "deployment = \"a.json\"\nreference_block_delay = 5\nqueue_capacity = 7\necdsa_keystore = \"k\"\npassword_file = \"pw\"\n",
        )
        .expect("writes");
        let cli = Cli::parse_from([
            "x",
            "run",
            "--config",
            file.to_str().expect("utf-8"),
            "--reference-block-delay",
            "1",
            "--password-env",
            "PW",
        ]);
        let DisperserCommand::Run(args) = cli.command else {
            panic!("run");
        };
        let c = args.config().expect("valid");
        assert_eq!(c.reference_block_delay, 1);
        assert_eq!(c.queue_capacity, 7);
        assert_eq!(c.password_env.as_deref(), Some("PW"));
        assert_eq!(c.password_file, None);
    }
}
