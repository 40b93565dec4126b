//! `lamina retrieve CERT.json --out FILE`: the payload of a certificate's blob (or,
//! with `--raw`, the blob exactly as committed), from the retriever service or
//! (`--direct`) from the operators themselves.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use lamina_client::Certificate;

use super::network::{NetworkArgs, runtime};

/// Arguments of `lamina retrieve`.
#[derive(Debug, Args)]
pub(crate) struct RetrieveArgs {
    /// Certificate JSON (from `lamina disperse --cert-out`).
    cert: PathBuf,
    /// Where to write the payload (or the blob, with `--raw`).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Write the blob exactly as committed (its 32-byte symbols, padding included)
    /// instead of decoding its payload: works for blobs that are not a valid payload
    /// encoding, which the network certifies all the same.
    #[arg(long)]
    raw: bool,
    /// Ask the operators directly (needs `--srs-dir` or `--insecure-dev-srs`) and print who
    /// answered and who was skipped.
    #[arg(long)]
    direct: bool,
    #[command(flatten)]
    network: NetworkArgs,
}

/// Runs `lamina retrieve`.
pub(crate) fn run(args: RetrieveArgs) -> anyhow::Result<()> {
    let json = std::fs::read_to_string(&args.cert)
        .with_context(|| format!("reading {}", args.cert.display()))?;
    let cert = Certificate::from_json(&json)?;
    runtime()?.block_on(async {
        let client = args.network.client().await?;
        let start = Instant::now();
        eprintln!("retrieving blob {} ...", cert.blob_key);
        let bytes = match (args.direct, args.raw) {
            (true, raw) => {
                let retrieved = client.retrieve_blob_from_operators(&cert).await?;
                eprintln!("{}", retrieved.report);
                for op in &retrieved.report.operators {
                    eprintln!("  {op}");
                }
                if raw {
                    retrieved.blob.to_bytes()
                } else {
                    lamina_retriever::decode_payload(cert.blob_key, &retrieved.blob)?
                }
            }
            (false, true) => client.retrieve_blob(&cert).await?,
            (false, false) => client.retrieve(&cert).await?,
        };
        std::fs::write(&args.out, &bytes)
            .with_context(|| format!("writing {}", args.out.display()))?;
        eprintln!(
            "wrote {} {} bytes to {} in {:.2?}",
            bytes.len(),
            if args.raw { "blob" } else { "payload" },
            args.out.display(),
            start.elapsed()
        );
        Ok(())
    })
}
