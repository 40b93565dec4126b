//! The rules in order: parse, recency, validity, availability, payload decoding.

use lamina_core::DaCertV3;
use lamina_encoding::Blob;

use crate::cert_check::{CertError, ChainView, VerifiedCert, check_recency, verify_with_view};
use crate::commitment::parse_commitment;
use crate::config::DerivationConfig;
use crate::outcome::{DropReason, Outcome, PayloadError};

/// The rules that depend on where the certificate was found: the recency rule, and a
/// reference block at or after the L1 inclusion block is invalid (`checkDACert` at
/// inclusion would have refused it). Nothing to check without an inclusion block.
pub fn check_inclusion_block(
    config: &DerivationConfig,
    cert: &DaCertV3,
    l1_inclusion_block: Option<u64>,
) -> Result<(), DropReason> {
    let Some(inclusion_block) = l1_inclusion_block else {
        return Ok(());
    };
    let reference_block = cert.batch_header.reference_block_number;
    if inclusion_block <= u64::from(reference_block) {
        return Err(DropReason::InvalidCert(CertError::ReferenceBlockInFuture {
            reference_block,
            head: inclusion_block,
        }));
    }
    if check_recency(
        reference_block,
        inclusion_block,
        config.recency_window_blocks,
    )
    .is_err()
    {
        return Err(DropReason::Recency {
            reference_block,
            inclusion_block,
            window_blocks: config.recency_window_blocks,
        });
    }
    Ok(())
}

/// Recency and validity of a parsed certificate.
///
/// With `l1_inclusion_block` (the L1 block whose batcher transaction carried the
/// commitment), [`check_inclusion_block`] applies first. Without it (a read outside
/// derivation) only validity is checked. `view` is the operator state at the
/// certificate's reference block.
pub fn check_certificate(
    config: &DerivationConfig,
    cert: &DaCertV3,
    l1_inclusion_block: Option<u64>,
    view: &ChainView,
) -> Result<VerifiedCert, DropReason> {
    check_inclusion_block(config, cert, l1_inclusion_block)?;
    // A derivation has no dispersed key to compare with: the key is the header's own.
    Ok(verify_with_view(cert, cert.blob_key(), view)?)
}

/// The payload of `cert`'s blob. The blob must come from a retrieval that checked it
/// against the certificate's commitment (the retriever verifies every chunk; the client
/// checks a whole blob with its SRS); its length is checked again here.
pub fn decode_payload(cert: &DaCertV3, blob: &Blob) -> Result<Vec<u8>, PayloadError> {
    let committed = cert
        .blob_inclusion_info
        .blob_certificate
        .blob_header
        .commitment
        .length;
    if u64::try_from(blob.len_symbols()).ok() != Some(u64::from(committed)) {
        return Err(PayloadError::LengthMismatch {
            blob_symbols: blob.len_symbols(),
            committed,
        });
    }
    Ok(blob.to_payload()?)
}

/// Every rule on one commitment: [`parse_commitment`], [`check_certificate`], then the
/// blob (`None`: not retrievable yet, [`Outcome::Stall`]) through [`decode_payload`].
///
/// `view` is the operator state at the certificate's reference block: the caller parses
/// the commitment first to know which block to read it at.
pub fn derive(
    config: &DerivationConfig,
    commitment: &[u8],
    l1_inclusion_block: Option<u64>,
    view: &ChainView,
    blob: Option<&Blob>,
) -> Outcome {
    let cert = match parse_commitment(commitment) {
        Ok(cert) => cert,
        Err(e) => return Outcome::Drop(e.into()),
    };
    if let Err(reason) = check_certificate(config, &cert, l1_inclusion_block, view) {
        return Outcome::Drop(reason);
    }
    let Some(blob) = blob else {
        return Outcome::Stall;
    };
    match decode_payload(&cert, blob) {
        Ok(payload) => Outcome::Payload(payload),
        Err(e) => Outcome::Drop(e.into()),
    }
}
