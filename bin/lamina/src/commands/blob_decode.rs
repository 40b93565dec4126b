//! `lamina blob decode`: whatever frames a directory holds → checked blob → payload.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use lamina_encoding::{
    Blob, BlobFrames, Frame, G1_COMPRESSED_BYTES, VerifyError, decode_checked, g1_from_bytes,
    verify_frames,
};
use serde_json::json;

use super::frames_dir::{MANIFEST_FILE, Manifest, frame_index};
use super::srs_arg::SrsArgs;

/// Arguments of `lamina blob decode`.
#[derive(Debug, Args)]
pub(crate) struct DecodeArgs {
    /// Directory written by `lamina blob encode` (any subset of its frames).
    dir: PathBuf,
    /// File to write the payload to.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    srs: SrsArgs,
}

pub(crate) fn run(args: DecodeArgs) -> anyhow::Result<()> {
    let manifest_path = args.dir.join(MANIFEST_FILE);
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(&manifest_path)
            .with_context(|| format!("reading {}", manifest_path.display()))?,
    )
    .with_context(|| format!("parsing {}", manifest_path.display()))?;
    let shape = manifest.shape();
    shape.validate()?;
    let commitment_bytes: [u8; G1_COMPRESSED_BYTES] =
        hex::decode(manifest.commitment.trim_start_matches("0x"))
            .context("commitment hex")?
            .try_into()
            .map_err(|b: Vec<u8>| {
                anyhow::anyhow!("commitment has {} bytes, expected 32", b.len())
            })?;
    let commitment = g1_from_bytes(&commitment_bytes)?;

    // Every frame file present; malformed ones are reported and skipped.
    let mut frames: Vec<(u32, Frame)> = Vec::new();
    let mut unreadable = Vec::new();
    for entry in
        std::fs::read_dir(&args.dir).with_context(|| format!("listing {}", args.dir.display()))?
    {
        let entry = entry?;
        let name = entry.file_name();
        let Some(index) = name.to_str().and_then(frame_index) else {
            continue;
        };
        let bytes = std::fs::read(entry.path())
            .with_context(|| format!("reading {}", entry.path().display()))?;
        match Frame::from_bytes_with_len(&bytes, shape.chunk_length as usize) {
            Ok(frame) if u64::from(index) < shape.num_chunks => frames.push((index, frame)),
            Ok(_) => unreadable.push(json!({ "index": index, "error": "index out of range" })),
            Err(e) => {
                tracing::warn!(index, error = %e, "skipping malformed frame");
                unreadable.push(json!({ "index": index, "error": e.to_string() }));
            }
        }
    }
    frames.sort_by_key(|(i, _)| *i);
    let found = frames.len();
    if frames.is_empty() {
        bail!("no readable frames in {}", args.dir.display());
    }

    let srs = args.srs.load(usize::try_from(manifest.blob_symbols)?)?;
    let start = Instant::now();
    let blobs = [BlobFrames {
        commitment,
        params: shape,
        frames: &frames,
    }];
    let mut invalid = Vec::new();
    match verify_frames(&srs, &blobs) {
        Ok(()) => {}
        Err(VerifyError::InvalidFrames { bad }) => {
            for id in &bad {
                tracing::warn!(
                    index = id.index,
                    "dropping frame that does not open the commitment"
                );
            }
            invalid = bad.iter().map(|id| id.index).collect();
            frames.retain(|(i, _)| !invalid.contains(i));
        }
        Err(e) => return Err(e.into()),
    }
    let verify_ms = start.elapsed().as_secs_f64() * 1e3;

    let start = Instant::now();
    let coeffs = decode_checked(&srs, &commitment, &frames, shape, manifest.blob_symbols)?;
    let decode_ms = start.elapsed().as_secs_f64() * 1e3;
    let payload = Blob::from_coeffs(coeffs)?.to_payload()?;
    std::fs::write(&args.out, &payload)
        .with_context(|| format!("writing {}", args.out.display()))?;

    let summary = json!({
        "frames_found": found,
        "frames_used": frames.len(),
        "invalid_frames": invalid,
        "unreadable_frames": unreadable,
        "payload_bytes": payload.len(),
        "verify_ms": verify_ms,
        "decode_ms": decode_ms,
        "out": args.out,
    });
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}
