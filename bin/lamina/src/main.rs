//! `lamina`: one binary for every role of the DA layer.

use clap::{Parser, Subcommand};

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
    }
    Ok(())
}
