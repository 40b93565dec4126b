//! `lamina disperse FILE`: disperse a file's bytes; with `--wait`, wait for the
//! certificate (printing progress) and write it as JSON.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use lamina_client::Progress;

use super::network::{NetworkArgs, runtime};

/// Arguments of `lamina disperse`.
#[derive(Debug, Args)]
pub(crate) struct DisperseArgs {
    /// The payload file.
    file: PathBuf,
    /// Quorums, comma-separated (default: devnet.json's, else 0,1).
    #[arg(long, value_delimiter = ',')]
    quorums: Vec<u8>,
    /// Wait for the certificate.
    #[arg(long)]
    wait: bool,
    /// Write the certificate here as JSON (`blob_key`, `cert_abi`, ...); implies `--wait`.
    #[arg(long, value_name = "CERT.json")]
    cert_out: Option<PathBuf>,
    #[command(flatten)]
    network: NetworkArgs,
}

/// Runs `lamina disperse`.
pub(crate) fn run(args: DisperseArgs) -> anyhow::Result<()> {
    let payload =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    runtime()?.block_on(async {
        let client = args.network.client().await?;
        let start = Instant::now();
        let key = client.disperse(&payload, &args.quorums).await?;
        println!("{key}");
        eprintln!(
            "dispersed {} bytes as blob {key} in {:.2?}",
            payload.len(),
            start.elapsed()
        );
        if !(args.wait || args.cert_out.is_some()) {
            return Ok(());
        }
        let mut last = None;
        let cert = client
            .wait_for_certificate_with(key, |p: &Progress| {
                if last != Some(p.status) {
                    eprintln!("  {:>7.2?}  {}", p.elapsed, p.status);
                    last = Some(p.status);
                } else {
                    eprint!(".");
                    let _ = std::io::stderr().flush();
                }
            })
            .await?;
        eprintln!(
            "certificate: batch root {}, reference block {}, blob index {} ({:.2?} since dispersal)",
            cert.cert.batch_header.batch_root,
            cert.reference_block(),
            cert.cert.blob_inclusion_info.blob_index,
            start.elapsed()
        );
        if let Some(path) = &args.cert_out {
            std::fs::write(path, cert.to_json() + "\n")
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        Ok(())
    })
}
