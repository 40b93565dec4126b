//! Conversions between wire messages and `lamina-core` types, validating on the way in.
//!
//! Handlers call these at the edge and pass only core types inward. Every failure is a
//! [`ProtoError`] naming the offending field, so a gRPC status can say exactly what was
//! wrong. Points are EigenDA's compressed encodings (G1 32 bytes, G2 64 bytes), checked to
//! be on the curve and in the prime-order subgroup.
//!
//! A core [`BlobHeader`] holds only the payment header's hash (that is all the blob key and
//! the certificate commit to), so the wire header converts into a core header but not back:
//! services that must answer with the wire header keep the message they received.

use alloy_primitives::{Address, B256, U256};
use ark_bn254::{G1Affine, G2Affine};
use lamina_core::types::PaymentHeader;
use lamina_core::{
    Attestation, BatchHeader, BlobCertificate, BlobCommitments, BlobHeader, BlobInclusionInfo,
    BlobKey, MerkleProof, QuorumId,
};
use lamina_encoding::{
    G1_COMPRESSED_BYTES, G2_COMPRESSED_BYTES, PointError, g1_from_bytes, g1_to_bytes,
    g2_from_bytes, g2_to_bytes,
};
use lamina_payments::{AccountPayments, PaymentParams, PaymentState, Reservation};

use crate::common::v1 as pb;
use crate::disperser::v1 as disperser_pb;

/// A wire message is missing a field or holds an invalid value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtoError {
    /// A required message field is absent.
    #[error("missing field {field}")]
    MissingField {
        /// Dotted path of the field.
        field: &'static str,
    },
    /// A bytes field has the wrong length.
    #[error("{field} is {got} bytes, expected {expected}")]
    Length {
        /// Dotted path of the field.
        field: &'static str,
        /// Required length.
        expected: usize,
        /// Received length.
        got: usize,
    },
    /// A bytes field is not a valid compressed point.
    #[error("{field} is not a valid point: {source}")]
    Point {
        /// Dotted path of the field.
        field: &'static str,
        /// What is wrong with it.
        source: PointError,
    },
    /// A number does not fit the protocol's range.
    #[error("{field} = {value} is out of range (at most {max})")]
    OutOfRange {
        /// Dotted path of the field.
        field: &'static str,
        /// Received value.
        value: u64,
        /// Largest allowed value.
        max: u64,
    },
    /// An account field is not an Ethereum address.
    #[error("{field} {value:?} is not a 0x-prefixed 20-byte hex address")]
    AccountId {
        /// Dotted path of the field.
        field: &'static str,
        /// Received text.
        value: String,
    },
    /// Two lists that must have the same length do not.
    #[error("{field} has {got} entries, expected {expected} (one per {per})")]
    Count {
        /// Dotted path of the field.
        field: &'static str,
        /// What each entry corresponds to.
        per: &'static str,
        /// Required count.
        expected: usize,
        /// Received count.
        got: usize,
    },
}

fn fixed<const N: usize>(field: &'static str, bytes: &[u8]) -> Result<[u8; N], ProtoError> {
    bytes.try_into().map_err(|_| ProtoError::Length {
        field,
        expected: N,
        got: bytes.len(),
    })
}

/// An account address from its 0x-prefixed hex text (any letter case).
pub fn account_id(field: &'static str, text: &str) -> Result<Address, ProtoError> {
    let account_error = || ProtoError::AccountId {
        field,
        value: text.to_owned(),
    };
    let hex = text.strip_prefix("0x").ok_or_else(account_error)?;
    hex.parse::<Address>().map_err(|_| account_error())
}

/// A 32-byte-at-most big-endian wei amount.
fn wei(field: &'static str, bytes: &[u8]) -> Result<U256, ProtoError> {
    if bytes.len() > 32 {
        return Err(ProtoError::Length {
            field,
            expected: 32,
            got: bytes.len(),
        });
    }
    Ok(U256::from_be_slice(bytes))
}

/// A G1 point from its 32-byte compressed encoding.
pub fn g1(field: &'static str, bytes: &[u8]) -> Result<G1Affine, ProtoError> {
    g1_from_bytes(&fixed::<G1_COMPRESSED_BYTES>(field, bytes)?)
        .map_err(|source| ProtoError::Point { field, source })
}

/// A G2 point from its 64-byte compressed encoding.
pub fn g2(field: &'static str, bytes: &[u8]) -> Result<G2Affine, ProtoError> {
    g2_from_bytes(&fixed::<G2_COMPRESSED_BYTES>(field, bytes)?)
        .map_err(|source| ProtoError::Point { field, source })
}

/// A 32-byte hash (blob key, batch root).
pub fn b256(field: &'static str, bytes: &[u8]) -> Result<B256, ProtoError> {
    fixed::<32>(field, bytes).map(B256::from)
}

/// A blob key from its 32 bytes.
pub fn blob_key(field: &'static str, bytes: &[u8]) -> Result<BlobKey, ProtoError> {
    fixed::<32>(field, bytes).map(BlobKey)
}

fn quorum(field: &'static str, value: u32) -> Result<QuorumId, ProtoError> {
    QuorumId::try_from(value).map_err(|_| ProtoError::OutOfRange {
        field,
        value: value.into(),
        max: QuorumId::MAX.into(),
    })
}

/// Quorum numbers from their wire form (each must fit in a byte).
pub fn quorums(field: &'static str, values: &[u32]) -> Result<Vec<QuorumId>, ProtoError> {
    values.iter().map(|&q| quorum(field, q)).collect()
}

impl TryFrom<&pb::BlobCommitment> for BlobCommitments {
    type Error = ProtoError;

    fn try_from(c: &pb::BlobCommitment) -> Result<Self, ProtoError> {
        Ok(Self {
            commitment: g1("commitment.commitment", &c.commitment)?,
            length_commitment: g2("commitment.length_commitment", &c.length_commitment)?,
            length_proof: g2("commitment.length_proof", &c.length_proof)?,
            length: c.length,
        })
    }
}

impl From<&BlobCommitments> for pb::BlobCommitment {
    fn from(c: &BlobCommitments) -> Self {
        Self {
            commitment: g1_to_bytes(&c.commitment).to_vec(),
            length_commitment: g2_to_bytes(&c.length_commitment).to_vec(),
            length_proof: g2_to_bytes(&c.length_proof).to_vec(),
            length: c.length,
        }
    }
}

impl TryFrom<&pb::PaymentHeader> for PaymentHeader {
    type Error = ProtoError;

    fn try_from(p: &pb::PaymentHeader) -> Result<Self, ProtoError> {
        Ok(Self {
            account_id: account_id("payment_header.account_id", &p.account_id)?,
            timestamp_ns: p.timestamp,
            cumulative_payment: wei("payment_header.cumulative_payment", &p.cumulative_payment)?,
        })
    }
}

impl From<&PaymentHeader> for pb::PaymentHeader {
    fn from(p: &PaymentHeader) -> Self {
        let payment = p.cumulative_payment;
        Self {
            account_id: p.account_id.to_checksum(None),
            timestamp: p.timestamp_ns,
            // Minimal big-endian bytes: empty for zero, as EigenDA's big.Int.Bytes().
            cumulative_payment: payment.to_be_bytes_trimmed_vec(),
        }
    }
}

/// The wire blob header: version, quorums, commitments and the full payment header.
pub fn blob_header_to_proto(header: &BlobHeader, payment: &PaymentHeader) -> pb::BlobHeader {
    pb::BlobHeader {
        version: header.version.into(),
        quorum_numbers: header.quorum_numbers.iter().map(|&q| q.into()).collect(),
        commitment: Some((&header.commitment).into()),
        payment_header: Some(payment.into()),
    }
}

impl TryFrom<&pb::BlobHeader> for BlobHeader {
    type Error = ProtoError;

    /// Validates the header's fields and hashes its payment header.
    fn try_from(h: &pb::BlobHeader) -> Result<Self, ProtoError> {
        let version = u16::try_from(h.version).map_err(|_| ProtoError::OutOfRange {
            field: "blob_header.version",
            value: h.version.into(),
            max: u16::MAX.into(),
        })?;
        let commitment = h.commitment.as_ref().ok_or(ProtoError::MissingField {
            field: "blob_header.commitment",
        })?;
        let payment = h.payment_header.as_ref().ok_or(ProtoError::MissingField {
            field: "blob_header.payment_header",
        })?;
        Ok(Self {
            version,
            quorum_numbers: quorums("blob_header.quorum_numbers", &h.quorum_numbers)?,
            commitment: commitment.try_into()?,
            payment_header_hash: PaymentHeader::try_from(payment)?.hash(),
        })
    }
}

impl TryFrom<&pb::BlobCertificate> for BlobCertificate {
    type Error = ProtoError;

    fn try_from(c: &pb::BlobCertificate) -> Result<Self, ProtoError> {
        let header = c.blob_header.as_ref().ok_or(ProtoError::MissingField {
            field: "blob_certificate.blob_header",
        })?;
        Ok(Self {
            blob_header: header.try_into()?,
            signature: c.signature.clone(),
            relay_keys: c.relay_keys.clone(),
        })
    }
}

impl TryFrom<&pb::BatchHeader> for BatchHeader {
    type Error = ProtoError;

    fn try_from(h: &pb::BatchHeader) -> Result<Self, ProtoError> {
        let reference_block_number =
            u32::try_from(h.reference_block_number).map_err(|_| ProtoError::OutOfRange {
                field: "batch_header.reference_block_number",
                value: h.reference_block_number,
                max: u32::MAX.into(),
            })?;
        Ok(Self {
            batch_root: b256("batch_header.batch_root", &h.batch_root)?,
            reference_block_number,
        })
    }
}

impl From<&BatchHeader> for pb::BatchHeader {
    fn from(h: &BatchHeader) -> Self {
        Self {
            batch_root: h.batch_root.to_vec(),
            reference_block_number: h.reference_block_number.into(),
        }
    }
}

/// A batch's header and its certificates, in leaf order.
pub fn batch(b: &pb::Batch) -> Result<(BatchHeader, Vec<BlobCertificate>), ProtoError> {
    let header = b.header.as_ref().ok_or(ProtoError::MissingField {
        field: "batch.header",
    })?;
    let certificates = b
        .blob_certificates
        .iter()
        .map(BlobCertificate::try_from)
        .collect::<Result<_, _>>()?;
    Ok((header.try_into()?, certificates))
}

impl TryFrom<&disperser_pb::Attestation> for Attestation {
    type Error = ProtoError;

    fn try_from(a: &disperser_pb::Attestation) -> Result<Self, ProtoError> {
        let quorum_numbers = quorums("attestation.quorum_numbers", &a.quorum_numbers)?;
        let count = |field, got| {
            if got == quorum_numbers.len() {
                Ok(())
            } else {
                Err(ProtoError::Count {
                    field,
                    per: "quorum",
                    expected: quorum_numbers.len(),
                    got,
                })
            }
        };
        count("attestation.quorum_apks", a.quorum_apks.len())?;
        count(
            "attestation.quorum_signed_percentages",
            a.quorum_signed_percentages.len(),
        )?;
        let percentages = a
            .quorum_signed_percentages
            .iter()
            .map(|&p| match u8::try_from(p) {
                Ok(p) if p <= 100 => Ok(p),
                _ => Err(ProtoError::OutOfRange {
                    field: "attestation.quorum_signed_percentages",
                    value: p.into(),
                    max: 100,
                }),
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            non_signer_pubkeys: a
                .non_signer_pubkeys
                .iter()
                .map(|p| g1("attestation.non_signer_pubkeys", p))
                .collect::<Result<_, _>>()?,
            quorum_apks: a
                .quorum_apks
                .iter()
                .map(|p| g1("attestation.quorum_apks", p))
                .collect::<Result<_, _>>()?,
            sigma: g1("attestation.sigma", &a.sigma)?,
            apk_g2: g2("attestation.apk_g2", &a.apk_g2)?,
            quorum_numbers,
            quorum_signed_percentages: percentages,
        })
    }
}

impl From<&Attestation> for disperser_pb::Attestation {
    fn from(a: &Attestation) -> Self {
        Self {
            non_signer_pubkeys: a
                .non_signer_pubkeys
                .iter()
                .map(|p| g1_to_bytes(p).to_vec())
                .collect(),
            quorum_apks: a
                .quorum_apks
                .iter()
                .map(|p| g1_to_bytes(p).to_vec())
                .collect(),
            apk_g2: g2_to_bytes(&a.apk_g2).to_vec(),
            sigma: g1_to_bytes(&a.sigma).to_vec(),
            quorum_numbers: a.quorum_numbers.iter().map(|&q| q.into()).collect(),
            quorum_signed_percentages: a
                .quorum_signed_percentages
                .iter()
                .map(|&p| p.into())
                .collect(),
        }
    }
}

impl TryFrom<&disperser_pb::BlobInclusionInfo> for BlobInclusionInfo {
    type Error = ProtoError;

    fn try_from(i: &disperser_pb::BlobInclusionInfo) -> Result<Self, ProtoError> {
        let certificate = i
            .blob_certificate
            .as_ref()
            .ok_or(ProtoError::MissingField {
                field: "blob_inclusion_info.blob_certificate",
            })?;
        if !i.inclusion_proof.len().is_multiple_of(32) {
            return Err(ProtoError::Length {
                field: "blob_inclusion_info.inclusion_proof",
                expected: i.inclusion_proof.len().next_multiple_of(32),
                got: i.inclusion_proof.len(),
            });
        }
        Ok(Self {
            blob_certificate: certificate.try_into()?,
            blob_index: i.blob_index,
            inclusion_proof: MerkleProof {
                siblings: i
                    .inclusion_proof
                    .chunks_exact(32)
                    .map(B256::from_slice)
                    .collect(),
            },
        })
    }
}

/// The wire inclusion info of a blob, given the wire certificate it was dispersed with
/// (the core certificate has only the payment header's hash).
pub fn inclusion_info_to_proto(
    info: &BlobInclusionInfo,
    certificate: pb::BlobCertificate,
) -> disperser_pb::BlobInclusionInfo {
    disperser_pb::BlobInclusionInfo {
        blob_certificate: Some(certificate),
        blob_index: info.blob_index,
        inclusion_proof: info
            .inclusion_proof
            .siblings
            .iter()
            .flat_map(|s| s.0)
            .collect(),
    }
}

/// Quorum numbers of a payment message (each must fit a byte).
fn quorum_bytes(field: &'static str, values: &[u32]) -> Result<Vec<u8>, ProtoError> {
    values
        .iter()
        .map(|&v| {
            u8::try_from(v).map_err(|_| ProtoError::OutOfRange {
                field,
                value: v.into(),
                max: u8::MAX.into(),
            })
        })
        .collect()
}

/// The `GetPaymentState` answer for `state`.
pub fn payment_state_to_proto(state: &PaymentState) -> disperser_pb::GetPaymentStateReply {
    let p = &state.params;
    let r = &state.account.reservation;
    disperser_pb::GetPaymentStateReply {
        params: Some(disperser_pb::PaymentParams {
            price_per_symbol: p.price_per_symbol,
            min_num_symbols: p.min_num_symbols,
            on_demand_symbols_per_second: p.on_demand_symbols_per_second,
            on_demand_quorum_numbers: p.on_demand_quorums.iter().map(|&q| q.into()).collect(),
            reservation_window_secs: state.reservation_window_secs,
        }),
        reservation: Some(disperser_pb::Reservation {
            symbols_per_second: r.symbols_per_second,
            start_timestamp: r.start_timestamp,
            end_timestamp: r.end_timestamp,
            quorum_numbers: r.quorums.iter().map(|&q| q.into()).collect(),
            quorum_splits: r.quorum_splits.iter().map(|&q| q.into()).collect(),
        }),
        reservation_usage_symbols: state.reservation_usage_symbols,
        cumulative_payment: state.cumulative_payment.to_be_bytes::<32>().to_vec(),
        onchain_deposit: state.account.on_demand_deposit.to_be_bytes::<32>().to_vec(),
        as_of: i64::try_from(state.as_of_ns).unwrap_or(i64::MAX),
    }
}

impl TryFrom<&disperser_pb::GetPaymentStateReply> for PaymentState {
    type Error = ProtoError;

    fn try_from(m: &disperser_pb::GetPaymentStateReply) -> Result<Self, ProtoError> {
        let p = m
            .params
            .as_ref()
            .ok_or(ProtoError::MissingField { field: "params" })?;
        let r = m.reservation.clone().unwrap_or_default();
        Ok(Self {
            params: PaymentParams {
                price_per_symbol: p.price_per_symbol,
                min_num_symbols: p.min_num_symbols,
                on_demand_symbols_per_second: p.on_demand_symbols_per_second,
                on_demand_quorums: quorum_bytes(
                    "params.on_demand_quorum_numbers",
                    &p.on_demand_quorum_numbers,
                )?,
            },
            account: AccountPayments {
                reservation: Reservation {
                    symbols_per_second: r.symbols_per_second,
                    start_timestamp: r.start_timestamp,
                    end_timestamp: r.end_timestamp,
                    quorums: quorum_bytes("reservation.quorum_numbers", &r.quorum_numbers)?,
                    quorum_splits: quorum_bytes("reservation.quorum_splits", &r.quorum_splits)?,
                },
                on_demand_deposit: wei("onchain_deposit", &m.onchain_deposit)?,
            },
            reservation_window_secs: p.reservation_window_secs,
            reservation_usage_symbols: m.reservation_usage_symbols,
            cumulative_payment: wei("cumulative_payment", &m.cumulative_payment)?,
            as_of_ns: u64::try_from(m.as_of).unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::UniformRand;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn commitments(rng: &mut ChaCha20Rng) -> BlobCommitments {
        BlobCommitments {
            commitment: (G1Affine::generator() * ark_bn254::Fr::rand(rng)).into_affine(),
            length_commitment: (G2Affine::generator() * ark_bn254::Fr::rand(rng)).into_affine(),
            length_proof: (G2Affine::generator() * ark_bn254::Fr::rand(rng)).into_affine(),
            length: 1024,
        }
    }

    fn payment() -> PaymentHeader {
        PaymentHeader {
            account_id: Address::repeat_byte(0xa5),
            timestamp_ns: 1_750_000_000_123_456_789,
            cumulative_payment: U256::from(0u64),
        }
    }

    fn header(rng: &mut ChaCha20Rng) -> BlobHeader {
        BlobHeader {
            version: 1,
            quorum_numbers: vec![0, 1],
            commitment: commitments(rng),
            payment_header_hash: payment().hash(),
        }
    }

    #[test]
    fn blob_header_round_trips_and_keeps_its_key() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let header = header(&mut rng);
        let wire = blob_header_to_proto(&header, &payment());
        assert_eq!(
            wire.payment_header
                .as_ref()
                .expect("set")
                .cumulative_payment,
            Vec::<u8>::new()
        );
        let back = BlobHeader::try_from(&wire).expect("converts");
        assert_eq!(back, header);
        assert_eq!(back.blob_key(), header.blob_key());
    }

    #[test]
    fn payment_header_round_trips_with_a_payment() {
        let mut p = payment();
        p.cumulative_payment = U256::from(0x0102_0304u64);
        let wire = pb::PaymentHeader::from(&p);
        assert_eq!(wire.cumulative_payment, vec![1, 2, 3, 4]);
        assert_eq!(PaymentHeader::try_from(&wire).expect("converts"), p);
    }

    #[test]
    fn bad_fields_are_named() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let good = blob_header_to_proto(&header(&mut rng), &payment());

        let mut h = good.clone();
        h.commitment = None;
        assert_eq!(
            BlobHeader::try_from(&h),
            Err(ProtoError::MissingField {
                field: "blob_header.commitment"
            })
        );

        let mut h = good.clone();
        h.commitment.as_mut().expect("set").commitment.pop();
        assert_eq!(
            BlobHeader::try_from(&h),
            Err(ProtoError::Length {
                field: "commitment.commitment",
                expected: 32,
                got: 31
            })
        );

        let mut h = good.clone();
        // Flags 0b00 mark gnark's uncompressed form: invalid in a compressed point.
        h.commitment.as_mut().expect("set").length_proof[0] &= 0x3f;
        assert!(matches!(
            BlobHeader::try_from(&h),
            Err(ProtoError::Point {
                field: "commitment.length_proof",
                ..
            })
        ));

        let mut h = good.clone();
        h.quorum_numbers.push(256);
        assert_eq!(
            BlobHeader::try_from(&h),
            Err(ProtoError::OutOfRange {
                field: "blob_header.quorum_numbers",
                value: 256,
                max: 255
            })
        );

        let mut h = good.clone();
        h.version = 70_000;
        assert!(matches!(
            BlobHeader::try_from(&h),
            Err(ProtoError::OutOfRange {
                field: "blob_header.version",
                ..
            })
        ));

        let mut h = good;
        h.payment_header.as_mut().expect("set").account_id = "a5a5".into();
        assert!(matches!(
            BlobHeader::try_from(&h),
            Err(ProtoError::AccountId { .. })
        ));
    }

    #[test]
    fn batch_and_attestation_round_trip() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let header = BatchHeader {
            batch_root: B256::repeat_byte(7),
            reference_block_number: 99,
        };
        assert_eq!(
            BatchHeader::try_from(&pb::BatchHeader::from(&header)).expect("converts"),
            header
        );
        let too_big = pb::BatchHeader {
            batch_root: vec![7; 32],
            reference_block_number: 1 << 33,
        };
        assert!(matches!(
            BatchHeader::try_from(&too_big),
            Err(ProtoError::OutOfRange {
                field: "batch_header.reference_block_number",
                ..
            })
        ));

        let point = |rng: &mut ChaCha20Rng| {
            (G1Affine::generator() * ark_bn254::Fr::rand(rng)).into_affine()
        };
        let attestation = Attestation {
            non_signer_pubkeys: vec![point(&mut rng)],
            quorum_apks: vec![point(&mut rng), point(&mut rng)],
            sigma: point(&mut rng),
            apk_g2: (G2Affine::generator() * ark_bn254::Fr::rand(&mut rng)).into_affine(),
            quorum_numbers: vec![0, 1],
            quorum_signed_percentages: vec![80, 100],
        };
        let wire = disperser_pb::Attestation::from(&attestation);
        assert_eq!(Attestation::try_from(&wire).expect("converts"), attestation);
        let mut short = wire;
        short.quorum_apks.pop();
        assert!(matches!(
            Attestation::try_from(&short),
            Err(ProtoError::Count {
                field: "attestation.quorum_apks",
                expected: 2,
                got: 1,
                ..
            })
        ));
    }

    #[test]
    fn inclusion_info_round_trips() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let header = header(&mut rng);
        let certificate = BlobCertificate {
            blob_header: header.clone(),
            signature: vec![1; 65],
            relay_keys: vec![],
        };
        let info = BlobInclusionInfo {
            blob_certificate: certificate,
            blob_index: 3,
            inclusion_proof: MerkleProof {
                siblings: vec![B256::repeat_byte(1), B256::repeat_byte(2)],
            },
        };
        let wire_cert = pb::BlobCertificate {
            blob_header: Some(blob_header_to_proto(&header, &payment())),
            signature: vec![1; 65],
            relay_keys: vec![],
        };
        let wire = inclusion_info_to_proto(&info, wire_cert);
        assert_eq!(BlobInclusionInfo::try_from(&wire).expect("converts"), info);
    }
}
