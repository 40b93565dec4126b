//! Request validation for `DisperseBlob`: every check names the field it rejects.
//!
//! Checks run from the cheapest to the most expensive, and each only after the cheaper
//! ones passed (the service interleaves the rate limits):
//! 1. [`check_header`]: header parsing, blob size, version, quorums (no crypto);
//! 2. [`check_assignable`]: the version can be assigned over today's operators;
//! 3. per-address rate limit (service);
//! 4. [`check_signature`]: one ECDSA recovery over the recomputed blob key;
//! 5. the account's payments, cached: an account with neither a reservation nor an
//!    on-demand deposit is refused here (service, [`crate::payments`]);
//! 6. duplicate check, per-account rate limit, queue, then the blob is metered (its
//!    reservation bucket or on-demand payment charged; refunded if it is not stored)
//!    (service);
//! 7. [`check_blob`]: the blob parse and the commitment check (one G1 MSM over the blob,
//!    then the G2 length commitment and length proof checked against it with one batched
//!    pairing product, never recomputed), on the bounded commitment pool
//!    ([`crate::commit_pool`]).

use alloy_primitives::Address;
use lamina_core::{BlobCommitments, BlobHeader, BlobKey, PaymentHeader};
use lamina_encoding::{Blob, KzgError, Srs, commit, verify_commitments};
use lamina_proto::common::v1 as pb;
use lamina_proto::disperser::v1::DisperseBlobRequest;

use crate::chain_view::ChainParams;
use crate::error::DisperserError;

/// A request whose header and signature check out.
#[derive(Clone, Debug)]
pub struct CheckedRequest {
    /// The recomputed blob key.
    pub key: BlobKey,
    /// The header in core types.
    pub header: BlobHeader,
    /// The paying account (the signature's signer).
    pub account: Address,
    /// The payment header (its account is `account`).
    pub payment: PaymentHeader,
    /// The certificate as the disperser stores and forwards it.
    pub cert_proto: pb::BlobCertificate,
}

/// Quorums must be non-empty, ascending, unique, existing, and include the required ones.
pub fn check_quorums(quorums: &[u8], params: &ChainParams) -> Result<(), DisperserError> {
    if quorums.is_empty() || quorums.windows(2).any(|w| w[0] >= w[1]) {
        return Err(DisperserError::BadQuorumList {
            quorums: quorums.to_vec(),
        });
    }
    if let Some(&quorum) = quorums.iter().find(|&&q| q >= params.quorum_count) {
        return Err(DisperserError::UnknownQuorum {
            quorum,
            count: params.quorum_count,
        });
    }
    if let Some(&required) = params
        .required_quorums
        .iter()
        .find(|r| !quorums.contains(r))
    {
        return Err(DisperserError::MissingRequiredQuorum {
            quorums: quorums.to_vec(),
            required,
        });
    }
    Ok(())
}

/// A request whose header parses and whose size, version and quorums check out; its
/// signature is not checked yet.
#[derive(Clone, Debug)]
pub struct ParsedRequest {
    /// The header in core types.
    pub header: BlobHeader,
    /// The payment header.
    pub payment: PaymentHeader,
}

/// Everything [`check_request`] checks, then the account's signature.
pub fn check_request(
    request: &DisperseBlobRequest,
    params: &ChainParams,
    max_blob_size: usize,
    only_version: Option<u16>,
) -> Result<CheckedRequest, DisperserError> {
    let parsed = check_header(request, params, max_blob_size, only_version)?;
    check_signature(request, parsed)
}

/// The checks that cost no cryptography: header fields, blob size, version, quorums.
pub fn check_header(
    request: &DisperseBlobRequest,
    params: &ChainParams,
    max_blob_size: usize,
    only_version: Option<u16>,
) -> Result<ParsedRequest, DisperserError> {
    let header_pb = request
        .blob_header
        .as_ref()
        .ok_or(DisperserError::MissingField {
            field: "blob_header",
        })?;
    let payment_pb = header_pb
        .payment_header
        .as_ref()
        .ok_or(DisperserError::MissingField {
            field: "blob_header.payment_header",
        })?;
    let payment = PaymentHeader::try_from(payment_pb)?;
    let header = BlobHeader::try_from(header_pb)?;
    if request.blob.len() > max_blob_size {
        return Err(DisperserError::BlobTooLarge {
            len: request.blob.len(),
            max: max_blob_size,
        });
    }
    if header.version >= params.next_blob_version {
        return Err(DisperserError::UnknownVersion {
            version: header.version,
            next: params.next_blob_version,
        });
    }
    if let Some(accepted) = only_version.filter(|v| *v != header.version) {
        return Err(DisperserError::VersionNotAccepted {
            version: header.version,
            accepted,
        });
    }
    check_quorums(&header.quorum_numbers, params)?;
    Ok(ParsedRequest { header, payment })
}

/// A blob of `version` in `quorums` can be assigned chunks over the operators counted in
/// `params`: every quorum has operators, and no more than the version's
/// `max_num_operators` (the rule `assign_blob` enforces at dispatch).
pub fn check_assignable(
    version: u16,
    quorums: &[u8],
    params: &ChainParams,
) -> Result<(), DisperserError> {
    let Some(blob_params) = params.blob_params.get(&version) else {
        return Err(DisperserError::UnknownVersion {
            version,
            next: params.next_blob_version,
        });
    };
    for quorum in quorums {
        let operators = params.operator_counts.get(quorum).copied().unwrap_or(0);
        let reason = if operators == 0 {
            format!("quorum {quorum} has no operators")
        } else if operators > blob_params.max_num_operators as usize {
            format!(
                "quorum {quorum} has {operators} operators, the version allows at most {} (max_num_operators)",
                blob_params.max_num_operators
            )
        } else {
            continue;
        };
        return Err(DisperserError::VersionNotAssignable { version, reason });
    }
    Ok(())
}

/// The account's signature over the recomputed blob key (one ECDSA recovery).
pub fn check_signature(
    request: &DisperseBlobRequest,
    parsed: ParsedRequest,
) -> Result<CheckedRequest, DisperserError> {
    let ParsedRequest { header, payment } = parsed;
    let header_pb = request
        .blob_header
        .as_ref()
        .ok_or(DisperserError::MissingField {
            field: "blob_header",
        })?;
    let key = header.blob_key();
    let signer = lamina_core::ecdsa::recover_signer(key.as_b256(), &request.signature)?;
    if signer != payment.account_id {
        return Err(DisperserError::SignerMismatch {
            field: "blob_header.payment_header.account_id",
            signer,
            account: payment.account_id,
        });
    }
    Ok(CheckedRequest {
        key,
        header,
        account: signer,
        payment,
        cert_proto: pb::BlobCertificate {
            blob_header: Some(header_pb.clone()),
            signature: request.signature.clone(),
            relay_keys: Vec::new(),
        },
    })
}

/// Parses the blob (length, power-of-two symbols, every symbol < r), checks the header's
/// length, recomputes the G1 commitment and compares it, then checks that the length
/// commitment binds the same polynomial and the length proof holds
/// ([`verify_commitments`]: pairings against the recomputed commitment, no G2 MSM).
///
/// The claimed points were decoded with on-curve and subgroup checks (the proto
/// conversion); the length is the blob's own, so a length proof for any other length
/// never reaches the pairings.
pub fn check_blob(
    srs: &Srs,
    bytes: &[u8],
    claimed: &BlobCommitments,
) -> Result<Blob, DisperserError> {
    let blob = Blob::from_bytes(bytes)?;
    if claimed.length as usize != blob.len_symbols() {
        return Err(DisperserError::LengthMismatch {
            claimed: claimed.length,
            actual: blob.len_symbols(),
        });
    }
    if commit(srs, &blob)? != claimed.commitment {
        return Err(DisperserError::CommitmentMismatch {
            field: "commitment",
        });
    }
    // The two G2 values are checked against the recomputed G1 commitment with pairings
    // (one batched product), not recomputed: two G2 MSMs over the blob avoided. A wrong
    // length commitment is named as such (the length proof, paired against it, fails
    // with it).
    match verify_commitments(srs, claimed) {
        Ok(()) => Ok(blob),
        Err(KzgError::CommitmentMismatch) => Err(DisperserError::CommitmentMismatch {
            field: "length_commitment",
        }),
        Err(KzgError::InvalidLengthProof { .. }) => Err(DisperserError::CommitmentMismatch {
            field: "length_proof",
        }),
        Err(e) => Err(DisperserError::Commit(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::U256;
    use lamina_core::SecurityThresholds;
    use lamina_core::keystore::EcdsaKey;
    use lamina_encoding::{BlobParams, commit_blob};
    use lamina_proto::convert::blob_header_to_proto;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;
    use std::collections::BTreeMap;
    use tonic::Code;

    fn params() -> ChainParams {
        ChainParams {
            blob_params: BTreeMap::from([(0, BlobParams::V0), (1, BlobParams::V1_DEVNET)]),
            next_blob_version: 2,
            quorum_count: 3,
            required_quorums: vec![0, 1],
            thresholds: SecurityThresholds {
                confirmation_threshold: 55,
                adversary_threshold: 33,
            },
            operator_counts: BTreeMap::from([(0, 4), (1, 4), (2, 0)]),
        }
    }

    #[test]
    fn a_version_that_cannot_be_assigned_is_refused_naming_the_quorum() {
        let mut p = params();
        check_assignable(1, &[0, 1], &p).expect("4 operators fit");
        let (code, message) = status(check_assignable(1, &[0, 1, 2], &p));
        assert_eq!(code, Code::FailedPrecondition);
        assert!(message.contains("quorum 2 has no operators"), "{message}");
        let max = p.blob_params[&1].max_num_operators;
        p.operator_counts.insert(1, max as usize + 1);
        let (code, message) = status(check_assignable(1, &[0, 1], &p));
        assert_eq!(code, Code::FailedPrecondition);
        assert!(
            message.contains(&format!("quorum 1 has {} operators", max + 1)),
            "{message}"
        );
    }

    struct Fixture {
        srs: Srs,
        key: EcdsaKey,
        blob: Vec<u8>,
        commitments: BlobCommitments,
    }

    fn fixture() -> Fixture {
        let srs = Srs::insecure_development(1, 64);
        // 200 bytes: 1 + 7 symbols, 8 in all
        let blob = Blob::from_payload(&[7u8; 200]).expect("encodes");
        let commitments = commit_blob(&srs, &blob).expect("commits");
        Fixture {
            srs,
            key: EcdsaKey::random(&mut ChaCha20Rng::seed_from_u64(6)),
            blob: blob.to_bytes(),
            commitments,
        }
    }

    impl Fixture {
        /// A request for `quorums` and `version`, signed by `signer` for `account`.
        fn request_with(
            &self,
            quorums: Vec<u8>,
            version: u16,
            signer: &EcdsaKey,
            account: Address,
        ) -> DisperseBlobRequest {
            let payment = PaymentHeader {
                account_id: account,
                timestamp_ns: 1_700_000_000_000_000_000,
                cumulative_payment: U256::ZERO,
            };
            let header = BlobHeader {
                version,
                quorum_numbers: quorums,
                commitment: self.commitments,
                payment_header_hash: payment.hash(),
            };
            let signature = lamina_core::ecdsa::sign_digest(signer, header.blob_key().as_b256())
                .expect("signs");
            DisperseBlobRequest {
                blob: self.blob.clone(),
                blob_header: Some(blob_header_to_proto(&header, &payment)),
                signature: signature.to_vec(),
            }
        }

        fn request(&self) -> DisperseBlobRequest {
            self.request_with(vec![0, 1], 1, &self.key, self.key.address())
        }
    }

    /// The gRPC code and message a failed check turns into.
    fn status(r: Result<impl std::fmt::Debug, DisperserError>) -> (Code, String) {
        let e = r.expect_err("must be rejected");
        let s = tonic::Status::from(e);
        (s.code(), s.message().to_owned())
    }

    #[test]
    fn a_valid_request_passes_with_the_recomputed_key() {
        let f = fixture();
        let checked = check_request(&f.request(), &params(), 1 << 24, None).expect("valid");
        assert_eq!(checked.account, f.key.address());
        assert_eq!(checked.key, checked.header.blob_key());
        check_blob(&f.srs, &f.blob, &checked.header.commitment).expect("commitments match");
    }

    #[test]
    fn header_errors_are_invalid_argument_naming_the_field() {
        let f = fixture();
        let p = params();
        let me = f.key.address();
        let cases: Vec<(DisperseBlobRequest, &str)> = vec![
            (
                DisperseBlobRequest {
                    blob_header: None,
                    ..f.request()
                },
                "blob_header is missing",
            ),
            (
                f.request_with(vec![0, 1, 7], 1, &f.key, me),
                "quorum 7 does not exist",
            ),
            (
                f.request_with(vec![0], 1, &f.key, me),
                "lacks required quorum 1",
            ),
            (f.request_with(vec![1, 0], 1, &f.key, me), "ascending"),
            (f.request_with(vec![0, 0, 1], 1, &f.key, me), "ascending"),
            (
                f.request_with(vec![0, 1], 9, &f.key, me),
                "version 9 does not exist",
            ),
            (
                f.request_with(vec![0, 1], 1, &f.key, Address::repeat_byte(7)),
                "but blob_header.payment_header.account_id is",
            ),
            (
                DisperseBlobRequest {
                    signature: vec![1; 64],
                    ..f.request()
                },
                "signature",
            ),
        ];
        for (request, expected) in cases {
            let (code, message) = status(check_request(&request, &p, 1 << 24, None));
            assert_eq!(code, Code::InvalidArgument, "{message}");
            assert!(message.contains(expected), "{message:?} lacks {expected:?}");
        }
        let mut bad_account = f.request();
        if let Some(h) = bad_account.blob_header.as_mut()
            && let Some(p) = h.payment_header.as_mut()
        {
            p.account_id = "not an address".into();
        }
        let (code, message) = status(check_request(&bad_account, &p, 1 << 24, None));
        assert_eq!(code, Code::InvalidArgument);
        assert!(message.contains("account_id"), "{message}");
        let (code, message) = status(check_request(&f.request(), &p, 32, None));
        assert_eq!(code, Code::InvalidArgument);
        assert!(message.contains("the limit is 32 bytes"), "{message}");
        let (code, message) = status(check_request(&f.request(), &p, 1 << 24, Some(0)));
        assert_eq!(code, Code::InvalidArgument);
        assert!(message.contains("takes version 0"), "{message}");
    }

    #[test]
    fn blob_errors_name_the_symbol_or_commitment() {
        let f = fixture();
        let c = f.commitments;
        let check = |bytes: &[u8], c: &BlobCommitments| status(check_blob(&f.srs, bytes, c));
        // a symbol >= r: all 0xff
        let mut big = f.blob.clone();
        big[32..64].fill(0xff);
        let (code, message) = check(&big, &c);
        assert_eq!(code, Code::InvalidArgument);
        assert!(message.contains("symbol 1"), "{message}");
        // not a power of two of symbols
        let (code, message) = check(&f.blob[..96], &c);
        assert_eq!(code, Code::InvalidArgument);
        assert!(message.contains("power of two"), "{message}");
        // not whole symbols
        let (code, _) = check(&f.blob[..33], &c);
        assert_eq!(code, Code::InvalidArgument);
        // header length disagrees with the blob
        let (_, message) = check(&f.blob, &BlobCommitments { length: 4, ..c });
        assert!(message.contains("commitment.length is 4"), "{message}");
        // another blob's commitments
        let other =
            commit_blob(&f.srs, &Blob::from_payload(b"other").expect("encodes")).expect("commits");
        let (_, message) = check(
            &f.blob,
            &BlobCommitments {
                commitment: other.commitment,
                ..c
            },
        );
        assert!(
            message.contains("commitment.commitment does not match"),
            "{message}"
        );
        let (_, message) = check(
            &f.blob,
            &BlobCommitments {
                length_commitment: other.length_commitment,
                ..c
            },
        );
        assert!(message.contains("length_commitment"), "{message}");
        let (code, message) = check(
            &f.blob,
            &BlobCommitments {
                length_proof: other.length_proof,
                ..c
            },
        );
        assert_eq!(code, Code::InvalidArgument);
        assert!(message.contains("length_proof"), "{message}");
    }

    /// The G2 values are checked against the recomputed G1 commitment, not recomputed:
    /// forged values that pass one of the two equations are still refused with the same
    /// typed error, naming the field.
    #[test]
    fn forged_g2_values_are_refused_naming_the_field() {
        use ark_bn254::{Fr, G2Affine};
        use ark_ec::{AffineRepr, CurveGroup};
        use ark_ff::{Field, UniformRand};
        use lamina_encoding::EIGENDA_SRS_ORDER;

        let f = fixture();
        let c = f.commitments;
        // The fixture SRS is the development SRS of seed 1: its secret is known.
        let tau = Fr::rand(&mut ChaCha20Rng::seed_from_u64(1));
        let shift = |len: u32| tau.pow([EIGENDA_SRS_ORDER - u64::from(len)]);
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let field = |claimed: &BlobCommitments| match check_blob(&f.srs, &f.blob, claimed) {
            Err(DisperserError::CommitmentMismatch { field }) => field,
            other => panic!("expected CommitmentMismatch, got {other:?}"),
        };
        check_blob(&f.srs, &f.blob, &c).expect("honest commitments pass");
        // A length commitment to another polynomial with a length proof that holds for
        // it: the length equation passes, the equivalence does not.
        let delta = (G2Affine::generator() * Fr::rand(&mut rng)).into_affine();
        let lc = (c.length_commitment + delta).into_affine();
        let forged = BlobCommitments {
            length_commitment: lc,
            length_proof: (lc * shift(c.length)).into_affine(),
            ..c
        };
        assert_eq!(field(&forged), "length_commitment");
        // The right length commitment with a proof for twice the length (a blob lying
        // about its length to the contract).
        let longer = BlobCommitments {
            length_proof: (c.length_commitment * shift(2 * c.length)).into_affine(),
            ..c
        };
        assert_eq!(field(&longer), "length_proof");
        // Points at infinity (the zero polynomial's commitments) for a non-zero blob.
        let zero_g2 = BlobCommitments {
            length_commitment: G2Affine::identity(),
            length_proof: G2Affine::identity(),
            ..c
        };
        assert_eq!(field(&zero_g2), "length_commitment");
        let zero_proof = BlobCommitments {
            length_proof: G2Affine::identity(),
            ..c
        };
        assert_eq!(field(&zero_proof), "length_proof");
        // A length the blob does not have: refused before any pairing.
        let doubled = BlobCommitments {
            length: 2 * c.length,
            length_proof: longer.length_proof,
            ..c
        };
        assert!(matches!(
            check_blob(&f.srs, &f.blob, &doubled),
            Err(DisperserError::LengthMismatch { .. })
        ));
    }
}
