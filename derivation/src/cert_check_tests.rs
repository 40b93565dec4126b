//! Validity with real crypto: [`testing::certificate`]'s real certificate verifies,
//! and every field tampered with, one at a time, fails with the reason the contract
//! would give.

use alloy_primitives::B256;
use ark_bn254::G1Affine;
use ark_ec::{AffineRepr, CurveGroup};
use lamina_core::DaCertV3;

use crate::cert_check::{CertError, verify_with_view};
use crate::testing::{REFERENCE_BLOCK, certificate};

#[test]
fn a_real_certificate_verifies_and_reports_signed_stake() {
    // Operator 0 does not sign: quorum 0 has 90 of 100, quorum 1 (without it) 100%.
    let s = certificate(&[1, 2, 3]);
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
    let s = certificate(&[0, 1]);
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
    let s = certificate(&[1, 2, 3]);
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
    let s = certificate(&[1, 2, 3]);
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
