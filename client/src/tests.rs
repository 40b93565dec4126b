//! Local certificate verification with real crypto: a batch of real blob
//! certificates, real BLS keys and signatures aggregated as the disperser does, an
//! operator state the checks read; then every field tampered with, one at a time.
//! (On-chain agreement is in the process tests, `bin/lamina/tests/retriever.rs`.)

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

use crate::cert::Certificate;
use crate::verify::{CertError, ChainView, verify_with_view};

const REFERENCE_BLOCK: u32 = 40;

struct Setup {
    cert: DaCertV3,
    view: ChainView,
    keys: Vec<SecretKey>,
}

/// Four operators; quorum 0: all four (stakes 10, 20, 30, 40); quorum 1: operators
/// 1..4 (stakes 5, 5, 10). `signers` sign; the certificate is leaf 2 of 4.
fn setup(signers: &[usize]) -> Setup {
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
    let certs: Vec<BlobCertificate> = (0..4u8)
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
    Setup { cert, view, keys }
}

#[test]
fn a_real_certificate_verifies_and_reports_signed_stake() {
    // Operator 0 does not sign: quorum 0 has 90 of 100, quorum 1 (without it) 100%.
    let s = setup(&[1, 2, 3]);
    let key = s.cert.blob_key();
    let v = verify_with_view(&s.cert, key, &s.view).expect("valid");
    assert_eq!(v.blob_key, key);
    assert_eq!(v.reference_block, REFERENCE_BLOCK);
    assert_eq!(v.signed_percentages, vec![(0, 90), (1, 100)]);
    assert_eq!(v.non_signers, vec![s.keys[0].operator_id()]);
}

#[test]
fn too_little_stake_is_not_confirmed() {
    // Operators 0 and 1 sign: quorum 0 has 30%, quorum 1 has 25%.
    let s = setup(&[0, 1]);
    let err = verify_with_view(&s.cert, s.cert.blob_key(), &s.view).expect_err("unconfirmed");
    assert!(
        matches!(&err, CertError::BlobQuorumsNotConfirmed { confirmed, signed, threshold: 55, .. }
            if confirmed.is_empty() && signed == &vec![(0, 30), (1, 25)]),
        "{err}"
    );
}

/// Every field of the certificate, tampered: each must fail, with the reason the
/// contract would give.
#[test]
fn every_tampered_field_fails() {
    let s = setup(&[1, 2, 3]);
    let key = s.cert.blob_key();
    let other_g1 = (G1Affine::generator() * s.keys[0].scalar()).into_affine();
    let other_g2 = s.keys[0].public_g2();
    type Tamper = (
        &'static str,
        Box<dyn Fn(&mut DaCertV3)>,
        fn(&CertError) -> bool,
    );
    let cases: Vec<Tamper> = vec![
        (
            "batch root",
            Box::new(|c| c.batch_header.batch_root = B256::repeat_byte(9)),
            |e| matches!(e, CertError::InvalidInclusionProof { .. }),
        ),
        (
            "reference block",
            Box::new(|c| c.batch_header.reference_block_number -= 1),
            |e| matches!(e, CertError::InvalidSignature { .. }),
        ),
        (
            "blob index",
            Box::new(|c| c.blob_inclusion_info.blob_index = 1),
            |e| matches!(e, CertError::InvalidInclusionProof { .. }),
        ),
        (
            "inclusion proof",
            Box::new(|c| c.blob_inclusion_info.inclusion_proof.siblings[0] = B256::ZERO),
            |e| matches!(e, CertError::InvalidInclusionProof { .. }),
        ),
        (
            "blob certificate signature",
            Box::new(|c| c.blob_inclusion_info.blob_certificate.signature[0] ^= 1),
            |e| matches!(e, CertError::InvalidInclusionProof { .. }),
        ),
        (
            "relay keys",
            Box::new(|c| c.blob_inclusion_info.blob_certificate.relay_keys.push(1)),
            |e| matches!(e, CertError::InvalidInclusionProof { .. }),
        ),
        (
            "blob header commitment",
            Box::new(|c| {
                c.blob_inclusion_info
                    .blob_certificate
                    .blob_header
                    .commitment
                    .length = 128
            }),
            |e| matches!(e, CertError::BlobKeyMismatch { .. }),
        ),
        (
            "sigma",
            Box::new(move |c| c.non_signer_stakes_and_signature.sigma = other_g1),
            |e| matches!(e, CertError::InvalidSignature { .. }),
        ),
        (
            "apk G2",
            Box::new(move |c| c.non_signer_stakes_and_signature.apk_g2 = other_g2),
            |e| matches!(e, CertError::InvalidSignature { .. }),
        ),
        (
            "quorum apk",
            Box::new(move |c| c.non_signer_stakes_and_signature.quorum_apks[1] = other_g1),
            |e| matches!(e, CertError::QuorumApkMismatch { quorum: 1, .. }),
        ),
        (
            "non-signer dropped",
            Box::new(|c| c.non_signer_stakes_and_signature.non_signer_pubkeys.clear()),
            // its bitmap index stays: checkSignatures' InputNonSignerLengthMismatch
            |e| {
                matches!(
                    e,
                    CertError::ArrayLengthMismatch {
                        field: "non_signer_quorum_bitmap_indices",
                        ..
                    }
                )
            },
        ),
        (
            "unknown non-signer",
            Box::new(|c| {
                c.non_signer_stakes_and_signature.non_signer_pubkeys = vec![G1Affine::generator()]
            }),
            |e| {
                matches!(
                    e,
                    CertError::UnknownNonSigner { .. } | CertError::NonSignersNotSorted
                )
            },
        ),
        (
            "quorum apk index",
            Box::new(|c| c.non_signer_stakes_and_signature.quorum_apk_indices[0] += 1),
            |e| matches!(e, CertError::WrongRegistryIndices { .. }),
        ),
        (
            "total stake index",
            Box::new(|c| c.non_signer_stakes_and_signature.total_stake_indices[1] += 1),
            |e| matches!(e, CertError::WrongRegistryIndices { .. }),
        ),
        (
            "non-signer stake index",
            Box::new(|c| c.non_signer_stakes_and_signature.non_signer_stake_indices[0][0] += 1),
            |e| matches!(e, CertError::WrongRegistryIndices { .. }),
        ),
        (
            "non-signer bitmap index",
            Box::new(|c| {
                c.non_signer_stakes_and_signature
                    .non_signer_quorum_bitmap_indices[0] += 1
            }),
            |e| matches!(e, CertError::WrongRegistryIndices { .. }),
        ),
        (
            "signed quorums",
            Box::new(|c| c.signed_quorum_numbers = vec![1, 0]),
            |e| matches!(e, CertError::BadSignedQuorums { .. }),
        ),
        (
            "one signed quorum only",
            Box::new(|c| c.signed_quorum_numbers = vec![0]),
            |e| matches!(e, CertError::ApkCountMismatch { .. }),
        ),
    ];
    for (what, tamper, expected) in cases {
        let mut cert = s.cert.clone();
        tamper(&mut cert);
        assert_ne!(cert, s.cert, "{what}: tampering changed nothing");
        let err = verify_with_view(&cert, key, &s.view).expect_err(what);
        assert!(expected(&err), "{what}: unexpected error {err}");
    }
}

#[test]
fn chain_side_conditions_are_checked() {
    let s = setup(&[1, 2, 3]);
    let key = s.cert.blob_key();
    let mut view = s.view.clone();
    view.head = u64::from(REFERENCE_BLOCK);
    assert!(matches!(
        verify_with_view(&s.cert, key, &view),
        Err(CertError::ReferenceBlockInFuture { .. })
    ));
    let mut view = s.view.clone();
    view.next_blob_version = 1;
    assert!(matches!(
        verify_with_view(&s.cert, key, &view),
        Err(CertError::InvalidBlobVersion {
            version: 1,
            next: 1
        })
    ));
    let mut view = s.view.clone();
    view.thresholds.adversary_threshold = 50;
    assert!(matches!(
        verify_with_view(&s.cert, key, &view),
        Err(CertError::Security(_))
    ));
    let mut view = s.view.clone();
    view.required_quorums = vec![0, 1, 2];
    assert!(matches!(
        verify_with_view(&s.cert, key, &view),
        Err(CertError::RequiredQuorumsMissing { .. })
    ));
    // A stake change the certificate did not see: the quorum key no longer matches.
    let mut view = s.view.clone();
    view.keys
        .insert(s.keys[3].operator_id(), G1Affine::generator());
    assert!(matches!(
        verify_with_view(&s.cert, key, &view),
        Err(CertError::QuorumApkMismatch { quorum: 0, .. })
    ));
    // The key the client sent differs.
    assert!(matches!(
        verify_with_view(&s.cert, lamina_core::BlobKey([7; 32]), &s.view),
        Err(CertError::BlobKeyMismatch { .. })
    ));
}

#[test]
fn certificate_json_round_trips_and_rejects_garbage() {
    let s = setup(&[1, 2, 3]);
    let cert = Certificate {
        blob_key: s.cert.blob_key(),
        cert: s.cert.clone(),
        confirmation: None,
    };
    let json = cert.to_json();
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(value["blob_key"], cert.blob_key.to_string());
    assert!(
        value["cert_abi"]
            .as_str()
            .is_some_and(|s| s.starts_with("0x"))
    );
    assert_eq!(Certificate::from_json(&json).expect("parses"), cert);
    let broken = json.replace(&value["cert_abi"].as_str().expect("hex")[..12], "0x00");
    assert!(Certificate::from_json(&broken).is_err());
}
