//! `lamina blob encode`: payload → blob → commitments → frames on disk.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use lamina_encoding::{
    Blob, BlobParams, DEVELOPMENT_SEED, Encoder, KzgError, TableCache, commit, commit_blob,
    g1_to_bytes, g2_to_bytes,
};
use serde_json::json;

use super::frames_dir::{MANIFEST_FILE, Manifest, frame_path};
use super::hex0x;
use super::srs_arg::SrsArgs;

/// Arguments of `lamina blob encode`.
#[derive(Debug, Args)]
pub(crate) struct EncodeArgs {
    /// File holding the payload (any bytes).
    payload: PathBuf,
    /// Directory to write the frames and `manifest.json` into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Blob version (0: EigenDA mainnet shape, 1: devnet). Default 0 unless
    /// --num-chunks/--coding-rate are given.
    #[arg(long, conflicts_with_all = ["num_chunks", "coding_rate"])]
    version: Option<u16>,
    /// Number of chunks (power of two); needs --coding-rate.
    #[arg(long, requires = "coding_rate")]
    num_chunks: Option<u32>,
    /// Reed-Solomon coding rate (power of two); needs --num-chunks.
    #[arg(long, requires = "num_chunks")]
    coding_rate: Option<u32>,
    #[command(flatten)]
    srs: SrsArgs,
    /// Directory of cached FK20 tables (with --srs; keyed by the SRS points' digest
    /// and the shape). Default: `$LAMINA_FK20_CACHE`, else `fk20-tables` under the
    /// SRS cache root (`$LAMINA_SRS_CACHE`, else `~/.cache/lamina/srs`).
    #[arg(long, value_name = "DIR", conflicts_with = "no_table_cache")]
    table_cache: Option<PathBuf>,
    /// Build the FK20 tables from the SRS points without reading or writing the cache.
    #[arg(long)]
    no_table_cache: bool,
}

pub(crate) fn run(args: EncodeArgs) -> anyhow::Result<()> {
    let payload = std::fs::read(&args.payload)
        .with_context(|| format!("reading payload {}", args.payload.display()))?;
    let (version, params) = match (args.version, args.num_chunks, args.coding_rate) {
        (Some(v), _, _) => (Some(v), BlobParams::version(v)?),
        (None, Some(num_chunks), Some(coding_rate)) => (
            None,
            BlobParams {
                num_chunks,
                coding_rate,
                max_num_operators: num_chunks,
            },
        ),
        (None, None, None) => (Some(0), BlobParams::V0),
        _ => bail!("--num-chunks and --coding-rate go together"),
    };
    let blob = Blob::from_payload(&payload)?;
    let symbols = blob.len_symbols() as u64;
    let shape = params.encoding_params(symbols)?;

    let srs = Arc::new(args.srs.load(usize::try_from(symbols)?)?);
    let encoder = match args.srs.srs {
        Some(_) => {
            let encoder = Encoder::new(Arc::clone(&srs));
            let dir = match (&args.table_cache, args.no_table_cache) {
                (_, true) => None,
                (Some(dir), false) => Some(dir.clone()),
                (None, false) => TableCache::default_dir().ok(),
            };
            match dir {
                Some(dir) => encoder.with_table_cache(TableCache::new(dir)),
                None => encoder,
            }
        }
        // The development SRS's secret is public: build FK20 tables from it
        // (checked against the SRS; same tables, seconds instead of minutes).
        None => Encoder::with_insecure_development_seed(Arc::clone(&srs), DEVELOPMENT_SEED),
    };

    let start = Instant::now();
    let (commitment, length_commitment, length_proof) = match commit_blob(&srs, &blob) {
        Ok(c) => (
            c.commitment,
            Some(c.length_commitment),
            Some(c.length_proof),
        ),
        // The SRS lacks the G2 points of the length commitment/proof (as the
        // 3000-point fixtures): the G1 commitment alone still binds the frames.
        Err(KzgError::TooFewG2Points { .. } | KzgError::TooFewTrailingG2Points { .. }) => {
            (commit(&srs, &blob)?, None, None)
        }
        Err(e) => return Err(e.into()),
    };
    let commit_ms = start.elapsed().as_secs_f64() * 1e3;

    // FK20's SRS tables are per shape: built (or, with --srs, read from the
    // table cache) first and reported apart.
    let start = Instant::now();
    encoder.table(blob.len_symbols(), shape.chunk_length as usize)?;
    let table_ms = start.elapsed().as_secs_f64() * 1e3;

    let start = Instant::now();
    let frames = encoder.encode(&blob, params)?;
    let frames_ms = start.elapsed().as_secs_f64() * 1e3;

    let start = Instant::now();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    for (i, frame) in frames.iter().enumerate() {
        let path = frame_path(&args.out, i as u32);
        std::fs::write(&path, frame.to_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let manifest = Manifest {
        version,
        num_chunks: shape.num_chunks,
        coding_rate: params.coding_rate,
        chunk_length: shape.chunk_length,
        blob_symbols: symbols,
        commitment: hex0x(&g1_to_bytes(&commitment)),
        length_commitment: length_commitment.map(|p| hex0x(&g2_to_bytes(&p))),
        length_proof: length_proof.map(|p| hex0x(&g2_to_bytes(&p))),
    };
    let manifest_path = args.out.join(MANIFEST_FILE);
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest)?)
        .with_context(|| format!("writing {}", manifest_path.display()))?;
    let write_ms = start.elapsed().as_secs_f64() * 1e3;

    let summary = json!({
        "commitment": manifest.commitment,
        "length_commitment": manifest.length_commitment,
        "length_proof": manifest.length_proof,
        "length": symbols,
        "payload_bytes": payload.len(),
        "version": version,
        "num_chunks": shape.num_chunks,
        "coding_rate": params.coding_rate,
        "chunk_length": shape.chunk_length,
        "frames": frames.len(),
        "commit_ms": commit_ms,
        "fk20_table_ms": table_ms,
        "frames_ms": frames_ms,
        "write_ms": write_ms,
        "out": args.out,
    });
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}
