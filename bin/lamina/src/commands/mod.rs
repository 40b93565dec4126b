//! The subcommands, one module each.

mod blob_commit;
mod srs;
mod srs_arg;

use clap::Subcommand;

pub(crate) use srs::SrsCommand;

/// `lamina blob ...`
#[derive(Debug, Subcommand)]
pub(crate) enum BlobCommand {
    /// Print a payload's KZG commitments (G1 commitment, G2 length commitment
    /// and length proof) as JSON.
    Commit(blob_commit::CommitArgs),
}

impl BlobCommand {
    /// Runs the command.
    pub(crate) fn run(self) -> anyhow::Result<()> {
        match self {
            Self::Commit(args) => blob_commit::run(args),
        }
    }
}
