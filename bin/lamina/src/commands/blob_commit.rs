//! `lamina blob commit <payload-file> [--srs DIR]`: a payload's commitments as JSON.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use lamina_encoding::{
    Blob, KzgError, commit, commit_length, g1_to_bytes, g2_to_bytes, length_proof,
};
use serde::Serialize;

use super::hex0x;
use super::srs_arg::SrsArgs;

/// Arguments of `lamina blob commit`.
#[derive(Debug, Args)]
pub(crate) struct CommitArgs {
    /// File holding the payload (raw bytes), encoded as EigenDA v2 does.
    #[arg(value_name = "PAYLOAD_FILE")]
    payload: PathBuf,
    #[command(flatten)]
    srs: SrsArgs,
}

/// What `lamina blob commit` prints: hex of EigenDA's compressed points.
#[derive(Debug, Serialize)]
struct CommitOutput {
    /// `[p(tau)]G1`, 32 bytes.
    commitment: String,
    /// `[p(tau)]G2`, 64 bytes; null when the SRS lacks the G2 points.
    length_commitment: Option<String>,
    /// `[tau^(D-len) p(tau)]G2`, 64 bytes; null when the SRS lacks the trailing G2 points.
    length_proof: Option<String>,
    /// Blob length in symbols.
    length: usize,
}

/// Runs `lamina blob commit`.
pub(crate) fn run(args: CommitArgs) -> anyhow::Result<()> {
    let payload = std::fs::read(&args.payload)
        .with_context(|| format!("reading {}", args.payload.display()))?;
    let blob = Blob::from_payload(&payload)?;
    let srs = args.srs.load(blob.len_symbols())?;

    let commitment = commit(&srs, &blob)?;
    let length_commitment = match commit_length(&srs, &blob) {
        Ok(c) => Some(c),
        Err(KzgError::TooFewG2Points { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let length_proof = match length_proof(&srs, &blob) {
        Ok(p) => Some(p),
        Err(KzgError::TooFewTrailingG2Points { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let out = CommitOutput {
        commitment: hex0x(&g1_to_bytes(&commitment)),
        length_commitment: length_commitment.map(|p| hex0x(&g2_to_bytes(&p))),
        length_proof: length_proof.map(|p| hex0x(&g2_to_bytes(&p))),
        length: blob.len_symbols(),
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
