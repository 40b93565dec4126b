//! `lamina`: one binary for every role of the DA layer.

use clap::{Parser, Subcommand};

mod commands;

/// Lamina: a data-availability layer on BN254 KZG and restaked operators.
#[derive(Debug, Parser)]
#[command(name = "lamina", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the version and exit.
    Version,
    /// Blob encoding: commitments, frames, reconstruction.
    #[command(subcommand)]
    Blob(BlobCommand),
}

#[derive(Debug, Subcommand)]
enum BlobCommand {
    /// Encode a payload into frames (one file each) plus a JSON manifest.
    Encode(commands::blob_encode::EncodeArgs),
    /// Rebuild a payload from whatever frames a directory holds.
    Decode(commands::blob_decode::DecodeArgs),
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Version => println!("lamina {}", env!("CARGO_PKG_VERSION")),
        Command::Blob(BlobCommand::Encode(args)) => commands::blob_encode::run(args)?,
        Command::Blob(BlobCommand::Decode(args)) => commands::blob_decode::run(args)?,
    }
    Ok(())
}
