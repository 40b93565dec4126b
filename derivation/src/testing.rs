//! Test fixtures (feature `testing`): a real certificate, with real BLS keys and
//! signatures aggregated as the disperser does, and the operator state it verifies
//! against. Fixture code: it panics on its own invariants.

use std::collections::BTreeMap;

use alloy_primitives::B256;
use ark_bn254::{G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use lamina_core::bls::{OperatorKeys, SecretKey, aggregate_attestation};
use lamina_core::{
    BatchHeader, BlobCertificate, BlobCommitments, BlobHeader, BlobInclusionInfo, BlobParams,
    CheckSignaturesIndices, DaCertV3, MerkleTree, NonSignerStakesAndSignature, OperatorId,
    OperatorStake, QuorumOperators, SecurityThresholds,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::cert_check::ChainView;

/// The fixture's reference block.
pub const REFERENCE_BLOCK: u32 = 40;

/// A certificate and the operator state it verifies against.
#[derive(Clone, Debug)]
pub struct CertFixture {
    /// The certificate (leaf 2 of a 4-blob batch).
    pub cert: DaCertV3,
    /// The operator state at its reference block, as the chain would answer.
    pub view: ChainView,
    /// The four operators' BLS keys.
    pub keys: Vec<SecretKey>,
}

/// Four operators; quorum 0: all four (stakes 10, 20, 30, 40); quorum 1: operators
/// 1..4 (stakes 5, 5, 10). `signers` (indices 0..4) sign; the certificate is leaf 2 of
/// 4, for a blob of 64 symbols with a random commitment.
pub fn certificate(signers: &[usize]) -> CertFixture {
    certificate_with(signers, None)
}

/// [`certificate`] for a blob with the given commitments (so that a real blob of
/// `commitment.length` symbols goes with it).
pub fn certificate_for(signers: &[usize], commitment: BlobCommitments) -> CertFixture {
    certificate_with(signers, Some(commitment))
}

fn certificate_with(signers: &[usize], commitment: Option<BlobCommitments>) -> CertFixture {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let keys: Vec<SecretKey> = (0..4).map(|_| SecretKey::random(&mut rng)).collect();
    let ids: Vec<OperatorId> = keys.iter().map(SecretKey::operator_id).collect();
    let stake = |i: usize, stake: u128| OperatorStake {
        operator_id: ids[i],
        stake,
    };
    let state = vec![
        QuorumOperators::new(0, [stake(0, 10), stake(1, 20), stake(2, 30), stake(3, 40)])
            .expect("valid"),
        QuorumOperators::new(1, [stake(1, 5), stake(2, 5), stake(3, 10)]).expect("valid"),
    ];
    let mut certs: Vec<BlobCertificate> = (0..4u8)
        .map(|i| {
            let s = SecretKey::random(&mut rng).scalar();
            BlobCertificate {
                blob_header: BlobHeader {
                    version: 1,
                    quorum_numbers: vec![0, 1],
                    commitment: BlobCommitments {
                        commitment: (G1Affine::generator() * s).into_affine(),
                        length_commitment: (G2Affine::generator() * s).into_affine(),
                        length_proof: G2Affine::generator(),
                        length: 64,
                    },
                    payment_header_hash: B256::repeat_byte(i),
                },
                signature: vec![i; 65],
                relay_keys: vec![],
            }
        })
        .collect();
    if let Some(commitment) = commitment {
        certs[2].blob_header.commitment = commitment;
    }
    let hashes: Vec<B256> = certs.iter().map(BlobCertificate::hash).collect();
    let tree = MerkleTree::from_certificate_hashes(&hashes).expect("non-empty");
    let batch_header = BatchHeader {
        batch_root: tree.root(),
        reference_block_number: REFERENCE_BLOCK,
    };
    let op_keys: BTreeMap<OperatorId, OperatorKeys> = keys
        .iter()
        .map(|k| {
            (
                k.operator_id(),
                OperatorKeys {
                    g1: k.public_g1(),
                    g2: k.public_g2(),
                },
            )
        })
        .collect();
    let signatures = signers
        .iter()
        .map(|&i| (ids[i], keys[i].sign(batch_header.hash())))
        .collect();
    let attestation = aggregate_attestation(&state, &op_keys, &signatures).expect("aggregates");
    let non_signers: Vec<OperatorId> = attestation
        .non_signer_pubkeys
        .iter()
        .map(lamina_core::bls::operator_id)
        .collect();
    let indices = CheckSignaturesIndices {
        non_signer_quorum_bitmap_indices: vec![0; non_signers.len()],
        quorum_apk_indices: vec![0, 0],
        total_stake_indices: vec![0, 0],
        non_signer_stake_indices: state
            .iter()
            .map(|q| {
                non_signers
                    .iter()
                    .filter(|id| q.stake(id).is_some())
                    .map(|_| 0)
                    .collect()
            })
            .collect(),
    };
    let cert = DaCertV3 {
        batch_header,
        blob_inclusion_info: BlobInclusionInfo {
            blob_certificate: certs[2].clone(),
            blob_index: 2,
            inclusion_proof: tree.proof(2).expect("in range"),
        },
        non_signer_stakes_and_signature: NonSignerStakesAndSignature::new(
            &attestation,
            indices.clone(),
        ),
        signed_quorum_numbers: vec![0, 1],
    };
    let view = ChainView {
        head: u64::from(REFERENCE_BLOCK) + 5,
        next_blob_version: 2,
        blob_params: Some(BlobParams::V1_DEVNET),
        thresholds: SecurityThresholds {
            confirmation_threshold: 55,
            adversary_threshold: 33,
        },
        required_quorums: vec![0, 1],
        state,
        keys: keys
            .iter()
            .map(|k| (k.operator_id(), k.public_g1()))
            .collect(),
        indices: Some(indices),
    };
    CertFixture { cert, view, keys }
}
