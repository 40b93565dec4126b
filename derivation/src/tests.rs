//! The derivation rules end to end on a real certificate ([`crate::testing`]): a valid
//! certificate gives exactly its payload, anything tampered with is dropped with its
//! code, arbitrary bytes never panic.

use ark_bn254::{G1Affine, G2Affine};
use ark_ec::AffineRepr;
use lamina_core::BlobCommitments;
use lamina_encoding::Blob;
use proptest::prelude::*;

use crate::testing::{CertFixture, REFERENCE_BLOCK, certificate_for};
use crate::{
    COMMITMENT_PREFIX, DerivationConfig, DropCode, DropReason, MAX_COMMITMENT_BYTES, Outcome,
    PayloadError, derive, encode_commitment, parse_commitment,
};

/// A certificate for `blob` (its commitment's length is the blob's), signed by three
/// of the four operators.
fn fixture_for(blob: &Blob) -> CertFixture {
    let length = u32::try_from(blob.len_symbols()).expect("small blob");
    certificate_for(
        &[1, 2, 3],
        BlobCommitments {
            commitment: G1Affine::generator(),
            length_commitment: G2Affine::generator(),
            length_proof: G2Affine::generator(),
            length,
        },
    )
}

fn code(outcome: &Outcome) -> Option<DropCode> {
    match outcome {
        Outcome::Drop(reason) => Some(reason.code()),
        Outcome::Payload(_) | Outcome::Stall => None,
    }
}

const CONFIG: DerivationConfig = DerivationConfig {
    recency_window_blocks: 50,
};

#[test]
fn commitment_bytes_have_the_documented_layout() {
    let blob = Blob::from_payload(b"hello").expect("encodes");
    let f = fixture_for(&blob);
    let bytes = encode_commitment(&f.cert);
    // Known answer (docs/architecture.md): the prefix, then the ABI head of a DACertV3
    // tuple with dynamic members: one offset word, 0x20.
    let mut head = vec![0x01, 0x4c, 0x00];
    head.extend_from_slice(&[0u8; 31]);
    head.push(0x20);
    assert_eq!(&bytes[..35], &head[..]);
    assert_eq!(bytes[3..], f.cert.abi_encode()[..]);
    assert_eq!(parse_commitment(&bytes), Ok(f.cert));
}

#[test]
fn a_valid_certificate_gives_its_payload_and_stalls_without_its_blob() {
    let payload = b"rollup batch 7".to_vec();
    let blob = Blob::from_payload(&payload).expect("encodes");
    let f = fixture_for(&blob);
    let bytes = encode_commitment(&f.cert);
    let inclusion = Some(u64::from(REFERENCE_BLOCK) + 1);
    assert_eq!(
        derive(&CONFIG, &bytes, inclusion, &f.view, Some(&blob)),
        Outcome::Payload(payload.clone())
    );
    // Outside derivation (no inclusion block): validity only.
    assert_eq!(
        derive(&CONFIG, &bytes, None, &f.view, Some(&blob)),
        Outcome::Payload(payload)
    );
    assert_eq!(
        derive(&CONFIG, &bytes, inclusion, &f.view, None),
        Outcome::Stall
    );
}

#[test]
fn recency_window_is_inclusive_and_a_future_reference_block_is_invalid() {
    let blob = Blob::from_payload(b"x").expect("encodes");
    let f = fixture_for(&blob);
    let bytes = encode_commitment(&f.cert);
    let rbn = u64::from(REFERENCE_BLOCK);
    let at = |inclusion: u64| derive(&CONFIG, &bytes, Some(inclusion), &f.view, Some(&blob));
    assert!(matches!(at(rbn + 50), Outcome::Payload(_)));
    assert_eq!(
        at(rbn + 51),
        Outcome::Drop(DropReason::Recency {
            reference_block: REFERENCE_BLOCK,
            inclusion_block: rbn + 51,
            window_blocks: 50
        })
    );
    assert_eq!(code(&at(rbn)), Some(DropCode::InvalidCert));
    assert_eq!(code(&at(0)), Some(DropCode::InvalidCert));
}

#[test]
fn a_blob_that_is_not_a_payload_or_not_the_committed_length_is_dropped() {
    // 64 symbols whose header names payload encoding version 7.
    let mut bytes = vec![0u8; 64 * 32];
    bytes[1] = 7;
    let blob = Blob::from_bytes(&bytes).expect("valid field elements");
    let f = fixture_for(&blob);
    let commitment = encode_commitment(&f.cert);
    let outcome = derive(&CONFIG, &commitment, None, &f.view, Some(&blob));
    assert_eq!(code(&outcome), Some(DropCode::UndecodablePayload));
    // The committed length differs from the blob's.
    let short = Blob::from_payload(b"x").expect("encodes");
    assert_eq!(
        derive(&CONFIG, &commitment, None, &f.view, Some(&short)),
        Outcome::Drop(DropReason::UndecodablePayload(
            PayloadError::LengthMismatch {
                blob_symbols: short.len_symbols(),
                committed: 64
            }
        ))
    );
}

#[test]
fn drop_codes_are_stable_and_distinct() {
    let pairs: Vec<(u8, &str)> = DropCode::ALL
        .iter()
        .map(|c| (c.number(), c.name()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            (1, "parse"),
            (2, "recency"),
            (3, "invalid_cert"),
            (4, "undecodable_payload")
        ]
    );
}

#[test]
fn wrong_prefixes_and_sizes_are_parse_errors() {
    use crate::CommitmentError as E;
    assert_eq!(parse_commitment(&[]), Err(E::TooShort { len: 0 }));
    assert_eq!(parse_commitment(&[1, 0x4c]), Err(E::TooShort { len: 2 }));
    assert_eq!(
        parse_commitment(&[0, 0x4c, 0]),
        Err(E::NotGeneric { commitment_type: 0 })
    );
    assert_eq!(
        parse_commitment(&[1, 0x0c, 0]),
        Err(E::OtherDaLayer { byte: 0x0c })
    );
    assert_eq!(
        parse_commitment(&[1, 0x4c, 9]),
        Err(E::UnknownVersion { version: 9 })
    );
    let long = vec![0u8; MAX_COMMITMENT_BYTES + 1];
    assert_eq!(
        parse_commitment(&long),
        Err(E::TooLong {
            len: MAX_COMMITMENT_BYTES + 1
        })
    );
    assert!(matches!(
        parse_commitment(&COMMITMENT_PREFIX),
        Err(E::Certificate(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Any bytes, with or without Lamina's prefix: a certificate or a parse error.
    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        prefixed in any::<bool>(),
    ) {
        let f = crate::testing::certificate(&[1, 2, 3]);
        let input = if prefixed {
            [&COMMITMENT_PREFIX[..], &bytes].concat()
        } else {
            bytes
        };
        let outcome = derive(&CONFIG, &input, Some(45), &f.view, None);
        prop_assert!(matches!(outcome, Outcome::Drop(_)), "{outcome:?}");
    }

    /// A valid certificate gives exactly the payload its blob encodes.
    #[test]
    fn valid_certificate_gives_exactly_the_payload(
        payload in proptest::collection::vec(any::<u8>(), 0..4096),
    ) {
        let blob = Blob::from_payload(&payload).expect("encodes");
        let f = fixture_for(&blob);
        let bytes = encode_commitment(&f.cert);
        let outcome = derive(&CONFIG, &bytes, Some(u64::from(REFERENCE_BLOCK) + 3), &f.view, Some(&blob));
        prop_assert_eq!(outcome, Outcome::Payload(payload));
    }

    /// Any byte of the commitment changed: the certificate is dropped (it no longer
    /// parses, or one of `checkDACert`'s checks fails); never another payload.
    #[test]
    fn any_tampered_byte_is_dropped(index in any::<prop::sample::Index>(), xor in 1u8..=255) {
        let blob = Blob::from_payload(b"tamper me").expect("encodes");
        let f = fixture_for(&blob);
        let mut bytes = encode_commitment(&f.cert);
        let i = index.index(bytes.len());
        bytes[i] ^= xor;
        let outcome = derive(&CONFIG, &bytes, None, &f.view, Some(&blob));
        let dropped = code(&outcome);
        prop_assert!(
            matches!(dropped, Some(DropCode::Parse | DropCode::InvalidCert)),
            "byte {i} ^ {xor:#04x}: {outcome:?}"
        );
    }
}
