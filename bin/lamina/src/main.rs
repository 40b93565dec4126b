//! `lamina`: one binary for every role of the DA layer.
//!
//! `main` only parses the command line and dispatches; each command lives in
//! its own module under `commands/`.

mod commands;

use clap::{Parser, Subcommand};

use commands::{BlobCommand, SrsCommand};

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
    /// Work with blobs: commitments, frames.
    #[command(subcommand)]
    Blob(BlobCommand),
    /// Structured reference strings (KZG setups).
    #[command(subcommand)]
    Srs(SrsCommand),
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
        Command::Blob(cmd) => cmd.run()?,
        Command::Srs(cmd) => cmd.run()?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
