//! Local certificate verification: every check `CertVerifier.checkDACert` makes,
//! recomputed from the operator state at the reference block, plus the client's own
//! check that the certificate is for the blob it sent.
//!
//! The checks themselves live in `lamina-derivation` (pure, shared with the proxy's
//! derivation and with proof programs); this module reads their inputs from the chain
//! ([`read_chain_view`]) and runs them ([`verify_locally`]).

use std::collections::{BTreeMap, BTreeSet};

use futures::future::try_join_all;
use lamina_core::bls::operator_id;
use lamina_core::chain::{Chain, ChainError};
use lamina_core::{DaCertV3, OperatorId};

use lamina_core::BlobKey;
pub use lamina_derivation::cert_check::{
    CertError, ChainView, InfinityPoint, MAX_CERT_CALLDATA_BYTES, MAX_NONSIGNER_COUNT_ALL_QUORUM,
    MAX_QUORUM_COUNT, QuorumStake, VerifiedCert, check_inclusion, check_recency, check_signatures,
    verify_with_view,
};

/// Local verification failed: the certificate is invalid, or the chain could not be read.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The certificate fails a check.
    #[error(transparent)]
    Invalid(#[from] CertError),
    /// Reading the operator state or parameters failed.
    #[error("chain read failed: {0}")]
    Chain(#[from] ChainError),
}

/// Reads the [`ChainView`] `cert` is checked against.
pub async fn read_chain_view<C: Chain>(
    chain: &C,
    cert: &DaCertV3,
) -> Result<ChainView, ChainError> {
    let reference_block = cert.batch_header.reference_block_number;
    let version = cert
        .blob_inclusion_info
        .blob_certificate
        .blob_header
        .version;
    let head = chain.block_number().await?;
    let next_blob_version = chain.next_blob_version().await?;
    let blob_params = if version < next_blob_version {
        Some(chain.blob_params(version).await?)
    } else {
        None
    };
    // The rules in force at the reference block: what checkDACert applies.
    let thresholds = chain.security_thresholds_at(reference_block).await?;
    let required_quorums = chain.quorum_numbers_required_at(reference_block).await?;
    let quorums = &cert.signed_quorum_numbers;
    let well_formed = !quorums.is_empty()
        && quorums.len() <= MAX_QUORUM_COUNT
        && quorums.windows(2).all(|w| w[0] < w[1])
        && u64::from(reference_block) < head;
    let (state, keys, indices) = if well_formed {
        let state = chain.operator_state(quorums, reference_block).await?;
        let members: BTreeSet<OperatorId> = state
            .iter()
            .flat_map(|q| q.iter().map(|s| s.operator_id))
            .collect();
        let infos = try_join_all(
            members
                .iter()
                .map(|id| chain.operator_info(*id, reference_block)),
        )
        .await?;
        let keys = infos
            .into_iter()
            .map(|i| (i.operator_id, i.pubkey_g1))
            .collect();
        let non_signers: Vec<OperatorId> = cert
            .non_signer_stakes_and_signature
            .non_signer_pubkeys
            .iter()
            .map(operator_id)
            .collect();
        let known = non_signers.windows(2).all(|w| w[0] < w[1])
            && non_signers.iter().all(|id| members.contains(id));
        // Unknown or unsorted non-signers make the retriever contract revert; the
        // checks reject those before they need the indices.
        let indices = if known {
            Some(
                chain
                    .check_signatures_indices(reference_block, quorums, &non_signers)
                    .await?,
            )
        } else {
            None
        };
        (state, keys, indices)
    } else {
        (Vec::new(), BTreeMap::new(), None)
    };
    Ok(ChainView {
        head,
        next_blob_version,
        blob_params,
        thresholds,
        required_quorums,
        state,
        keys,
        indices,
    })
}

/// Runs every `checkDACert` check on `cert` against `chain`, and checks it is for
/// `expected` (the key that was dispersed).
///
/// `checkDACert` is stateless: it accepts a certificate over any past reference block.
/// The client adds the recency rule every consumer must apply ([`check_recency`]): the
/// certificate's L1 inclusion block (here: the current head, where the certificate would
/// be posted now) is at most `recency_window_blocks` after its reference block.
pub async fn verify_locally<C: Chain>(
    chain: &C,
    cert: &DaCertV3,
    expected: BlobKey,
    recency_window_blocks: u64,
) -> Result<VerifiedCert, VerifyError> {
    let view = read_chain_view(chain, cert).await?;
    let verified = verify_with_view(cert, expected, &view)?;
    check_recency(
        cert.batch_header.reference_block_number,
        view.head,
        recency_window_blocks,
    )?;
    Ok(verified)
}
