//! `lamina status KEY`: a blob's status at the disperser, as JSON.

use clap::Args;
use lamina_core::BlobKey;

use super::network::{NetworkArgs, runtime};

/// Arguments of `lamina status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The blob key (64 hex digits, with or without 0x).
    key: BlobKey,
    #[command(flatten)]
    network: NetworkArgs,
}

/// Runs `lamina status`.
pub(crate) fn run(args: StatusArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let client = args.network.client().await?;
        let reply = client.status(args.key).await?;
        let mut out = serde_json::json!({
            "blob_key": args.key.to_string(),
            "status": reply.status.to_string(),
        });
        if !reply.reason.is_empty() {
            out["reason"] = reply.reason.into();
        }
        if let Some(cert) = reply.certificate {
            out["reference_block_number"] = cert.reference_block().into();
            out["batch_root"] = cert.cert.batch_header.batch_root.to_string().into();
            out["cert_abi"] = format!("0x{}", hex::encode(cert.cert_abi())).into();
            if let Some(c) = cert.confirmation {
                out["confirmation"] = serde_json::to_value(c)?;
            }
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
        Ok(())
    })
}
