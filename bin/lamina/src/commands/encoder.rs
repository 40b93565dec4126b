//! `lamina encoder run`: the stateless encoder service of a scaled-out disperser.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use lamina_encoder::EncoderConfig;
use lamina_storage::ObjectStoreConfig;

use super::network::runtime;
use super::retriever::shutdown_signal;

/// `lamina encoder` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum EncoderCommand {
    /// Serve `lamina.encoder.v1.Encoder` (EncodeBlob, GetLoad) on `grpc_listen` and
    /// `/health`, `/metrics` on `metrics_listen`, until Ctrl-C or SIGTERM.
    Run(RunArgs),
    /// Print the effective configuration (file + environment + flags) as TOML and exit.
    Config(RunArgs),
}

/// Flags of `lamina encoder run`. Every config field, flagged or not, can also be set by
/// a `LAMINA_ENCODER_<FIELD>` variable (see `layered_config`); flags win.
#[derive(Debug, Args)]
#[command(next_help_heading = "Encoder")]
pub(crate) struct RunArgs {
    /// TOML config file (see `lamina_encoder::EncoderConfig`); without it, defaults
    /// plus flags.
    #[arg(long, env = "LAMINA_ENCODER_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// gRPC listen address.
    #[arg(long)]
    grpc_listen: Option<SocketAddr>,
    /// HTTP listen address for /health and /metrics.
    #[arg(long)]
    metrics_listen: Option<SocketAddr>,
    /// The object store is this local directory (the disperser's `[objects] dir`); for
    /// an S3 bucket use the config file's `[objects.s3]` table.
    #[arg(long, value_name = "DIR")]
    objects_dir: Option<PathBuf>,
    #[command(flatten)]
    srs: super::srs_arg::ServiceSrsArgs,
    /// G1 points to load: the largest blob, in symbols, it can encode.
    #[arg(long)]
    srs_points: Option<usize>,
    /// Blobs encoded at once; more are refused (the controller asks another encoder).
    #[arg(long)]
    max_concurrent_encodes: Option<usize>,
}

impl RunArgs {
    /// Defaults, the config file, `LAMINA_ENCODER_<FIELD>` variables, then flags.
    fn config(&self) -> anyhow::Result<EncoderConfig> {
        let mut c: EncoderConfig =
            super::layered_config::load(self.config.as_deref(), "LAMINA_ENCODER", &["CONFIG"])?;
        if let Some(v) = self.grpc_listen {
            c.grpc_listen = v;
        }
        if let Some(v) = self.metrics_listen {
            c.metrics_listen = v;
        }
        if let Some(dir) = &self.objects_dir {
            c.objects = ObjectStoreConfig::Dir(dir.clone());
        }
        self.srs.apply(&mut c.srs);
        if let Some(v) = self.srs_points {
            c.srs_points = v;
        }
        if let Some(v) = self.max_concurrent_encodes {
            c.max_concurrent_encodes = v;
        }
        c.validate()?;
        Ok(c)
    }
}

/// Runs a `lamina encoder` subcommand.
pub(crate) fn run(command: EncoderCommand) -> anyhow::Result<()> {
    match command {
        EncoderCommand::Run(args) => {
            let config = args.config().context("encoder configuration")?;
            runtime()?.block_on(lamina_encoder::run(config, shutdown_signal()))?;
            Ok(())
        }
        EncoderCommand::Config(args) => {
            let config = args.config().context("encoder configuration")?;
            print!("{}", toml::to_string(&config)?);
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
        command: EncoderCommand,
    }

    #[test]
    fn flags_override_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("encoder.toml");
        std::fs::write(
            &path,
            "max_concurrent_encodes = 3\nsrs_points = 1024\n[objects.s3]\nbucket = \"b\"\n",
        )
        .expect("writes");
        let cli = Cli::parse_from([
            "x",
            "run",
            "--config",
            path.to_str().expect("utf-8"),
            "--srs-points",
            "2048",
            "--objects-dir",
            "/var/lib/lamina/objects",
        ]);
        let EncoderCommand::Run(args) = cli.command else {
            panic!("run");
        };
        let c = args.config().expect("valid");
        assert_eq!(c.max_concurrent_encodes, 3);
        assert_eq!(c.srs_points, 2048);
        assert_eq!(
            c.objects,
            ObjectStoreConfig::Dir("/var/lib/lamina/objects".into())
        );
    }
}
