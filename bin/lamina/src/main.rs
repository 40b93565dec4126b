//! `lamina`: one binary for every role of the DA layer.
//!
//! `main` only parses the command line and dispatches; each command lives in
//! its own module under `commands/`.

#![forbid(unsafe_code)]

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
    /// Structured reference strings (KZG setups).
    #[command(subcommand)]
    Srs(SrsCommand),
    /// The rollup sidecar: OP Stack alt-DA routes over Lamina.
    #[command(subcommand)]
    Proxy(commands::proxy::ProxyCommand),
    /// The retriever service: rebuilds blobs from operators' chunks.
    #[command(subcommand)]
    Retriever(commands::retriever::RetrieverCommand),
    /// The stateless encoder service of a scaled-out disperser.
    #[command(subcommand)]
    Encoder(commands::encoder::EncoderCommand),
    /// Disperse a file as a blob; with --wait, write its certificate.
    Disperse(commands::disperse::DisperseArgs),
    /// A blob's status at the disperser.
    Status(commands::status::StatusArgs),
    /// Verify a certificate locally and on-chain.
    Verify(commands::verify::VerifyArgs),
    /// Retrieve a certificate's payload.
    Retrieve(commands::retrieve::RetrieveArgs),
    /// Payments: an account's state at the disperser, on-demand deposits, reservations.
    #[command(subcommand)]
    Payments(commands::payments::PaymentsCommand),
    /// Rewards: calculate the distribution, create submissions, post roots, claim, show.
    #[command(subcommand)]
    Rewards(commands::rewards::RewardsCommand),
    /// The operator's DA node: run it, manage its keys, register it.
    #[command(subcommand)]
    Node(commands::node::NodeCommand),
    /// The disperser: accepts blobs, encodes, batches, gathers operator signatures.
    #[command(subcommand)]
    Disperser(commands::disperser::DisperserCommand),
    /// A whole local network: anvil, contracts, operators, nodes, disperser, retriever.
    #[command(subcommand)]
    Devnet(commands::devnet::DevnetCommand),
}

#[derive(Debug, Subcommand)]
enum BlobCommand {
    /// Print a payload's KZG commitments (G1 commitment, G2 length commitment
    /// and length proof) as JSON.
    Commit(commands::blob_commit::CommitArgs),
    /// Encode a payload into frames (one file each) plus a JSON manifest.
    Encode(commands::blob_encode::EncodeArgs),
    /// Rebuild a payload from whatever frames a directory holds.
    Decode(commands::blob_decode::DecodeArgs),
}

#[derive(Debug, Subcommand)]
enum SrsCommand {
    /// Generate an INSECURE development SRS (public seed) in EigenDA's file format.
    Generate(commands::srs_generate::GenerateArgs),
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
        Command::Blob(BlobCommand::Commit(args)) => commands::blob_commit::run(args)?,
        Command::Blob(BlobCommand::Encode(args)) => commands::blob_encode::run(args)?,
        Command::Blob(BlobCommand::Decode(args)) => commands::blob_decode::run(args)?,
        Command::Srs(SrsCommand::Generate(args)) => commands::srs_generate::run(args)?,
        Command::Retriever(command) => commands::retriever::run(command)?,
        Command::Proxy(command) => commands::proxy::run(command)?,
        Command::Encoder(command) => commands::encoder::run(command)?,
        Command::Disperse(args) => commands::disperse::run(args)?,
        Command::Status(args) => commands::status::run(args)?,
        Command::Verify(args) => commands::verify::run(args)?,
        Command::Retrieve(args) => commands::retrieve::run(args)?,
        Command::Payments(command) => commands::payments::run(command)?,
        Command::Rewards(command) => commands::rewards::run(command)?,
        Command::Node(command) => commands::node::run(command)?,
        Command::Disperser(command) => commands::disperser::run(command)?,
        Command::Devnet(command) => commands::devnet::run(command)?,
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
