//! Checking one operator's answer (CPU work, run on rayon): keep only the frames of
//! chunks it is assigned, parse them, and verify them against the commitment with
//! one batched pairing; name every frame that fails.

use std::collections::BTreeSet;

use ark_bn254::G1Affine;
use lamina_encoding::{BlobFrames, EncodingParams, Frame, Srs, VerifyError, verify_frames};

use crate::error::RetrieverError;
use crate::fetch::RawChunks;
use crate::report::OperatorFault;

/// The blob every answer is checked against.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target {
    /// The blob's G1 commitment.
    pub(crate) commitment: G1Affine,
    /// Its chunk shape.
    pub(crate) params: EncodingParams,
}

/// What survived the checks, and why the rest did not.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    /// Verified frames of assigned chunks.
    pub(crate) accepted: Vec<(u32, Frame)>,
    /// Everything rejected, by kind.
    pub(crate) faults: Vec<OperatorFault>,
    /// Time the operator took to answer (set by the caller).
    pub(crate) latency: Option<std::time::Duration>,
}

/// Checks `raw` from an operator assigned `assigned` (its chunk indices).
pub(crate) fn check_answer(
    srs: &Srs,
    target: Target,
    assigned: &BTreeSet<u32>,
    raw: RawChunks,
) -> Checked {
    let mut out = Checked::default();
    if raw.indices.len() != raw.frames.len() {
        out.faults.push(OperatorFault::Malformed {
            reason: format!(
                "{} chunk indices but {} frames",
                raw.indices.len(),
                raw.frames.len()
            ),
        });
        return out;
    }
    let chunk_length = usize::try_from(target.params.chunk_length).unwrap_or(usize::MAX);
    let mut seen = BTreeSet::new();
    let mut unassigned = Vec::new();
    let mut undecodable = Vec::new();
    let mut parsed = Vec::with_capacity(raw.indices.len());
    for (index, bytes) in raw.indices.into_iter().zip(raw.frames) {
        // A repeated index is not a second chunk: count it as unassigned, as the
        // operator holds each of its chunks once.
        if !assigned.contains(&index) || !seen.insert(index) {
            unassigned.push(index);
            continue;
        }
        match Frame::from_bytes_with_len(&bytes, chunk_length) {
            Ok(frame) => parsed.push((index, frame)),
            Err(e) => undecodable.push(format!("chunk {index}: {e}")),
        }
    }
    if !unassigned.is_empty() {
        out.faults.push(OperatorFault::UnassignedIndices {
            indices: unassigned,
        });
    }
    if !undecodable.is_empty() {
        out.faults.push(OperatorFault::Malformed {
            reason: undecodable.join("; "),
        });
    }
    if parsed.is_empty() {
        if out.faults.is_empty() {
            out.faults.push(OperatorFault::NoChunks);
        }
        return out;
    }
    let blob = BlobFrames {
        commitment: target.commitment,
        params: target.params,
        frames: &parsed,
    };
    match verify_frames(srs, &[blob]) {
        Ok(()) => out.accepted = parsed,
        Err(VerifyError::InvalidFrames { bad }) => {
            let bad: BTreeSet<u32> = bad.iter().map(|id| id.index).collect();
            out.faults.push(OperatorFault::InvalidFrames {
                indices: bad.iter().copied().collect(),
            });
            out.accepted = parsed
                .into_iter()
                .filter(|(i, _)| !bad.contains(i))
                .collect();
        }
        // Shapes were checked when parsing and indices against the assignment, so
        // only an inconsistent batch (negligible probability) lands here: trust none.
        Err(e) => {
            tracing::warn!(error = %e, "frame verification failed as a whole");
            out.faults.push(OperatorFault::InvalidFrames {
                indices: parsed.iter().map(|(i, _)| *i).collect(),
            });
        }
    }
    out
}

/// Runs `job` on the rayon pool and awaits it, keeping CPU work off the runtime.
pub(crate) async fn on_rayon<T: Send + 'static>(
    what: &'static str,
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, RetrieverError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        // The receiver is gone only when the retrieval finished without this answer.
        let _ = tx.send(job());
    });
    rx.await.map_err(|_| RetrieverError::Worker { what })
}
