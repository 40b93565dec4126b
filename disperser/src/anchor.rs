//! The anchoring stage: `LaminaServiceManager.confirmBatch` for each attested batch when
//! `anchor_on_chain` is set. Off the critical path: certificates are valid for
//! `checkDACert` without it; a blob's status shows the confirmation once mined.
//! Batches still `Pending` after a restart are anchored then.

use std::sync::Arc;

use lamina_core::{BlobKey, DaCertV3};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::pipeline::Pipeline;
use crate::store::{AnchorState, Confirmation};

async fn anchor_one(p: &Pipeline, batch_id: u64) -> Result<AnchorState, String> {
    let record = p
        .store
        .batch(batch_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("batch {batch_id} is not recorded"))?;
    // Every complete blob of the batch carries the same signature part; take the first.
    let mut source = None;
    for key in &record.blob_keys {
        let key: BlobKey = key.parse().map_err(|e| format!("stored key {key}: {e}"))?;
        if let Some(status) = p.store.status(&key).await.map_err(|e| e.to_string())?
            && let Some(cert) = status.cert_abi()
        {
            source = Some((cert, status.signed_percentages));
            break;
        }
    }
    let (cert, percentages) = source.ok_or("no complete blob in the batch")?;
    let cert = DaCertV3::abi_decode(&cert).map_err(|e| e.to_string())?;
    let receipt = p
        .chain
        .chain()
        .confirm_batch(
            cert.batch_header.batch_root,
            &cert.signed_quorum_numbers,
            &percentages,
            cert.batch_header.reference_block_number,
            &cert.non_signer_stakes_and_signature,
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(AnchorState::Confirmed(Confirmation {
        tx_hash: receipt.transaction_hash.to_string(),
        block_number: receipt.block_number.unwrap_or_default(),
    }))
}

/// Runs until `batches` closes or `shutdown` fires; first re-anchors batches left pending.
pub async fn run(p: Arc<Pipeline>, mut batches: mpsc::Receiver<u64>, shutdown: CancellationToken) {
    let mut leftover: std::collections::VecDeque<u64> = match p.store.batches_to_anchor().await {
        Ok(list) => list.into_iter().map(|(id, _)| id).collect(),
        Err(e) => {
            tracing::error!(error = %e, "cannot list batches to anchor");
            std::collections::VecDeque::new()
        }
    };
    loop {
        let id = match leftover.pop_front() {
            Some(id) => id,
            None => tokio::select! {
                () = shutdown.cancelled() => return,
                id = batches.recv() => match id {
                    Some(id) => id,
                    None => return,
                },
            },
        };
        // Stopping mid-transaction leaves the batch Pending: it is re-sent after a restart.
        let outcome = tokio::select! {
            () = shutdown.cancelled() => return,
            outcome = anchor_one(&p, id) => outcome,
        };
        let state = match outcome {
            Ok(state) => {
                tracing::info!(batch_id = id, ?state, "batch anchored");
                p.metrics
                    .anchors
                    .get_or_create(&vec![("outcome", "confirmed".to_owned())])
                    .inc();
                state
            }
            Err(reason) => {
                tracing::warn!(batch_id = id, %reason, "confirmBatch failed");
                p.metrics
                    .anchors
                    .get_or_create(&vec![("outcome", "failed".to_owned())])
                    .inc();
                AnchorState::Failed(reason)
            }
        };
        match p.store.batch(id).await {
            Ok(Some(mut record)) => {
                record.anchor = state;
                if let Err(e) = p.store.set_batch(id, &record).await {
                    tracing::error!(batch_id = id, error = %e, "cannot record anchoring");
                }
            }
            Ok(None) => tracing::error!(batch_id = id, "batch vanished while anchoring"),
            Err(e) => tracing::error!(batch_id = id, error = %e, "cannot read batch"),
        }
    }
}
