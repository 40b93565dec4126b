//! `lamina retriever run`: the retriever service.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use lamina_retriever::RetrieverConfig;

use super::network::runtime;

/// `lamina retriever` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum RetrieverCommand {
    /// Serve `lamina.retriever.v1.Retriever/RetrieveBlob` on `grpc_listen` and
    /// `/health`, `/metrics` on `metrics_listen`, until Ctrl-C or SIGTERM.
    Run(RunArgs),
}

/// Flags of `lamina retriever run`. Every config field, flagged or not, can also be
/// set by a `LAMINA_RETRIEVER_<FIELD>` variable (see `layered_config`); flags win.
#[derive(Debug, Args)]
#[command(next_help_heading = "Retriever")]
pub(crate) struct RunArgs {
    /// TOML config file (see `lamina_retriever::RetrieverConfig`); without it,
    /// defaults plus flags.
    #[arg(long, env = "LAMINA_RETRIEVER_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// gRPC listen address.
    #[arg(long)]
    grpc_listen: Option<SocketAddr>,
    /// HTTP listen address for /health and /metrics.
    #[arg(long)]
    metrics_listen: Option<SocketAddr>,
    /// Ethereum JSON-RPC URL.
    #[arg(long)]
    rpc_url: Option<String>,
    /// Contract address file (contracts/deployments/<chainid>.json).
    #[arg(long)]
    deployment: Option<PathBuf>,
    #[command(flatten)]
    srs: super::srs_arg::ServiceSrsArgs,
    /// G1 points to load: the largest retrievable blob in symbols.
    #[arg(long)]
    srs_points: Option<usize>,
    /// Retrievals served at once.
    #[arg(long)]
    max_concurrent_retrievals: Option<usize>,
    /// Operators asked at once per retrieval.
    #[arg(long)]
    max_concurrent_requests: Option<usize>,
    /// Per-operator answer deadline in milliseconds.
    #[arg(long)]
    operator_timeout_ms: Option<u64>,
    /// Disperser (host:port) asked for the whole blob when operators cannot rebuild it.
    #[arg(long)]
    disperser: Option<String>,
}

impl RunArgs {
    /// Defaults, the config file, `LAMINA_RETRIEVER_<FIELD>` variables, then flags.
    fn config(&self) -> anyhow::Result<RetrieverConfig> {
        let mut c: RetrieverConfig =
            super::layered_config::load(self.config.as_deref(), "LAMINA_RETRIEVER", &["CONFIG"])?;
        if let Some(v) = self.grpc_listen {
            c.grpc_listen = v;
        }
        if let Some(v) = self.metrics_listen {
            c.metrics_listen = v;
        }
        if let Some(v) = &self.rpc_url {
            c.rpc_url.clone_from(v);
        }
        if let Some(v) = &self.deployment {
            c.deployment.clone_from(v);
        }
        self.srs.apply(&mut c.srs);
        if let Some(v) = self.srs_points {
            c.srs_points = v;
        }
        if let Some(v) = self.max_concurrent_retrievals {
            c.max_concurrent_retrievals = v;
        }
        if let Some(v) = self.max_concurrent_requests {
            c.retrieval.max_concurrent_requests = v;
        }
        if let Some(v) = self.operator_timeout_ms {
            c.retrieval.operator_timeout_ms = v;
        }
        if let Some(v) = &self.disperser {
            c.disperser = Some(v.clone());
        }
        c.validate()?;
        Ok(c)
    }
}

/// Resolves on Ctrl-C or SIGTERM (also the proxy's shutdown).
pub(super) async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// Runs a `lamina retriever` subcommand.
pub(crate) fn run(command: RetrieverCommand) -> anyhow::Result<()> {
    match command {
        RetrieverCommand::Run(args) => {
            let config = args.config().context("retriever configuration")?;
            runtime()?.block_on(lamina_retriever::run(config, shutdown_signal()))?;
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
        command: RetrieverCommand,
    }

    #[test]
    fn flags_override_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("retriever.toml");
        std::fs::write(
            &path,
            "rpc_url = \"http://10.0.0.1:8545\"\nsrs_points = 1024\n[retrieval]\noperator_timeout_ms = 5\n",
        )
        .expect("writes");
        let cli = Cli::parse_from([
            "x",
            "run",
            "--config",
            path.to_str().expect("utf-8"),
            "--srs-points",
            "2048",
            "--grpc-listen",
            "127.0.0.1:7000",
        ]);
        let RetrieverCommand::Run(args) = cli.command;
        let c = args.config().expect("valid");
        assert_eq!(c.rpc_url, "http://10.0.0.1:8545");
        assert_eq!(c.srs_points, 2048);
        assert_eq!(c.retrieval.operator_timeout_ms, 5);
        assert_eq!(c.grpc_listen, "127.0.0.1:7000".parse().expect("addr"));
    }
}
