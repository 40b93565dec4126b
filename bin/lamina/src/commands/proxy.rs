//! `lamina proxy run`: the rollup sidecar (OP Stack alt-DA routes).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use lamina_core::SrsConfig;
use lamina_proxy::{ObjectStoreConfig, ProxyConfig, S3Config};

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
    /// Milliseconds a read waits for the disperser's GetBlob (checked against the
    /// commitment) before asking the retriever and the operators; 0 turns it off.
    #[arg(long)]
    disperser_read_timeout_ms: Option<u64>,
    /// Secondary storage in a local directory (replaces the file's `[secondary]`).
    #[arg(long, value_name = "DIR", help_heading = "Secondary storage")]
    secondary_dir: Option<PathBuf>,
    /// Secondary storage in an S3-compatible bucket (the `[secondary.s3]` table; the
    /// secret only from the file or LAMINA_PROXY_SECONDARY__S3__SECRET_ACCESS_KEY).
    #[arg(
        long,
        conflicts_with = "secondary_dir",
        help_heading = "Secondary storage"
    )]
    s3_bucket: Option<String>,
    /// The S3 store's URL (`https://…`, or `http://…` with --s3-allow-http); default AWS.
    #[arg(
        long,
        conflicts_with = "secondary_dir",
        help_heading = "Secondary storage"
    )]
    s3_endpoint: Option<String>,
    /// The region S3 requests are signed for.
    #[arg(
        long,
        conflicts_with = "secondary_dir",
        help_heading = "Secondary storage"
    )]
    s3_region: Option<String>,
    /// The S3 access key id (its secret from the file or the environment, never a flag).
    #[arg(
        long,
        conflicts_with = "secondary_dir",
        help_heading = "Secondary storage"
    )]
    s3_access_key_id: Option<String>,
    /// Allow a plain http:// S3 endpoint (a local server).
    #[arg(
        long,
        conflicts_with = "secondary_dir",
        help_heading = "Secondary storage"
    )]
    s3_allow_http: bool,
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
        if let Some(v) = self.disperser_read_timeout_ms {
            c.disperser_read_timeout_ms = v;
        }
        if let Some(dir) = &self.secondary_dir {
            c.secondary = Some(ObjectStoreConfig::Dir(dir.clone()));
        }
        self.apply_s3_flags(&mut c);
        c.validate()?;
        Ok(c)
    }
}

impl RunArgs {
    /// The `--s3-*` flags over the config's `[secondary.s3]` (or a fresh one: any of them
    /// makes the secondary store S3).
    fn apply_s3_flags(&self, c: &mut ProxyConfig) {
        let any = self.s3_bucket.is_some()
            || self.s3_endpoint.is_some()
            || self.s3_region.is_some()
            || self.s3_access_key_id.is_some()
            || self.s3_allow_http;
        if !any {
            return;
        }
        let mut s3 = match c.secondary.take() {
            Some(ObjectStoreConfig::S3(s3)) => s3,
            Some(ObjectStoreConfig::Dir(_)) | None => S3Config::default(),
        };
        if let Some(v) = &self.s3_bucket {
            s3.bucket.clone_from(v);
        }
        if let Some(v) = &self.s3_endpoint {
            s3.endpoint = Some(v.clone());
        }
        if let Some(v) = &self.s3_region {
            s3.region.clone_from(v);
        }
        if let Some(v) = &self.s3_access_key_id {
            s3.access_key_id = Some(v.clone());
        }
        if self.s3_allow_http {
            s3.allow_http = true;
        }
        c.secondary = Some(ObjectStoreConfig::S3(s3));
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

    #[test]
    fn s3_flags_fill_the_files_s3_table_and_the_secret_stays_there() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("proxy.toml");
        std::fs::write(
            &path,
            "[secondary.s3]\nbucket = \"from-file\"\naccess_key_id = \"id\"\nsecret_access_key = \"s\"\n",
        )
        .expect("writes");
        let cli = Cli::parse_from([
            "x",
            "run",
            "--config",
            path.to_str().expect("utf-8"),
            "--s3-endpoint",
            "http://127.0.0.1:9000",
            "--s3-allow-http",
            "--s3-region",
            "eu-west-1",
            "--disperser-read-timeout-ms",
            "0",
        ]);
        let ProxyCommand::Run(args) = cli.command;
        let c = args.config().expect("valid");
        assert_eq!(c.disperser_read_timeout(), None);
        let Some(ObjectStoreConfig::S3(s3)) = &c.secondary else {
            panic!("an S3 store: {:?}", c.secondary);
        };
        assert_eq!(s3.bucket, "from-file");
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(s3.region, "eu-west-1");
        assert!(s3.allow_http);
        assert_eq!(s3.secret_access_key.as_ref().map(|s| s.expose()), Some("s"));
        // Without --s3-allow-http a plain http endpoint is refused, naming the field.
        let cli = Cli::parse_from([
            "x",
            "run",
            "--s3-bucket",
            "b",
            "--s3-endpoint",
            "http://127.0.0.1:9000",
        ]);
        let ProxyCommand::Run(args) = cli.command;
        let err = format!("{:#}", args.config().expect_err("http refused"));
        assert!(err.contains("secondary.s3.endpoint"), "{err}");
        assert!(
            Cli::try_parse_from(["x", "run", "--secondary-dir", "d", "--s3-bucket", "b"]).is_err(),
            "one store"
        );
    }
}
