//! `lamina verify CERT.json`: checks a certificate locally (every `checkDACert`
//! check, against the operator state at its reference block) and on-chain.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use lamina_client::Certificate;

use super::network::{NetworkArgs, runtime};

/// Arguments of `lamina verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// Certificate JSON (from `lamina disperse --cert-out`).
    cert: PathBuf,
    #[command(flatten)]
    network: NetworkArgs,
}

/// Runs `lamina verify`: fails (non-zero exit) unless both checks pass.
pub(crate) fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let json = std::fs::read_to_string(&args.cert)
        .with_context(|| format!("reading {}", args.cert.display()))?;
    let cert = Certificate::from_json(&json)?;
    runtime()?.block_on(async {
        let client = args.network.client().await?;
        let local = client.verify_certificate_locally(&cert).await;
        match &local {
            Ok(v) => {
                let signed: Vec<String> = v
                    .signed_percentages
                    .iter()
                    .map(|(q, p)| format!("quorum {q}: {p}%"))
                    .collect();
                eprintln!(
                    "local:    valid (reference block {}, signed {}, {} non-signer(s))",
                    v.reference_block,
                    signed.join(", "),
                    v.non_signers.len()
                );
            }
            Err(e) => eprintln!("local:    INVALID: {e}"),
        }
        let onchain = client.verify_certificate_onchain(&cert).await;
        match &onchain {
            Ok(()) => eprintln!("on-chain: valid (checkDACert returned 1)"),
            Err(e) => eprintln!("on-chain: INVALID: {e}"),
        }
        local?;
        onchain?;
        println!("valid {}", cert.blob_key);
        Ok(())
    })
}
