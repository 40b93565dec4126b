//! The commitment bytes a rollup posts to L1 (OP Stack alt-DA "generic" commitment),
//! and their parsing with bounded sizes.
//!
//! ```text
//! byte 0   0x01  OP alt-DA commitment type: generic (da-service)
//! byte 1   0x4c  DA-layer byte: Lamina (ASCII 'L')
//! byte 2   0x00  Lamina certificate version: 0 = abi.encode(DACertV3)
//! byte 3.. abi.encode(DACertV3), exactly what `checkDACert(bytes)` takes
//! ```
//!
//! OP's spec leaves the DA-layer byte to each DA layer's server. Bytes already taken by
//! other layers: EigenDA `0x00`, Celestia `0x0c`; Lamina takes `0x4c`, which no other
//! layer is known to use, so a rollup that reads several DA layers can tell them apart.

use lamina_core::{AbiError, DaCertV3};

use crate::cert_check::MAX_CERT_CALLDATA_BYTES;

/// OP alt-DA commitment type of a DA server's commitment ("generic"; `0x00` is keccak).
pub const GENERIC_COMMITMENT_TYPE: u8 = 0x01;
/// Lamina's DA-layer byte in OP generic commitments (ASCII `L`).
pub const LAMINA_DA_LAYER_BYTE: u8 = 0x4c;
/// Version byte of a commitment carrying `abi.encode(DACertV3)`.
pub const CERT_VERSION_V3: u8 = 0x00;
/// The three bytes before the certificate.
pub const COMMITMENT_PREFIX: [u8; 3] = [
    GENERIC_COMMITMENT_TYPE,
    LAMINA_DA_LAYER_BYTE,
    CERT_VERSION_V3,
];
/// Longest commitment accepted: the prefix plus the longest certificate `checkDACert`
/// takes. Longer input is refused before any decoding.
pub const MAX_COMMITMENT_BYTES: usize = COMMITMENT_PREFIX.len() + MAX_CERT_CALLDATA_BYTES;

/// Why bytes are not a Lamina commitment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommitmentError {
    /// Shorter than the three prefix bytes.
    #[error("commitment has {len} bytes, fewer than the {} prefix bytes", COMMITMENT_PREFIX.len())]
    TooShort {
        /// Its length.
        len: usize,
    },
    /// Longer than any certificate `checkDACert` accepts.
    #[error("commitment has {len} bytes, at most {MAX_COMMITMENT_BYTES}")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// Not an OP generic commitment (`0x00` is a keccak commitment).
    #[error(
        "commitment type {commitment_type:#04x} is not generic ({GENERIC_COMMITMENT_TYPE:#04x})"
    )]
    NotGeneric {
        /// The first byte.
        commitment_type: u8,
    },
    /// Another DA layer's commitment.
    #[error("DA-layer byte {byte:#04x} is not Lamina's ({LAMINA_DA_LAYER_BYTE:#04x})")]
    OtherDaLayer {
        /// The second byte.
        byte: u8,
    },
    /// A certificate version this crate does not know.
    #[error("certificate version {version:#04x} is unknown (known: {CERT_VERSION_V3:#04x})")]
    UnknownVersion {
        /// The third byte.
        version: u8,
    },
    /// The certificate bytes are not a valid `DACertV3` encoding (or a point is not on
    /// its curve).
    #[error(transparent)]
    Certificate(#[from] AbiError),
    /// The certificate decodes, but its bytes are not `abi.encode` of it (the ABI
    /// decoder tolerates some non-canonical words): refused so that one certificate has
    /// exactly one commitment.
    #[error("certificate bytes are not the canonical abi.encode of the certificate they decode to")]
    NonCanonical,
}

/// The commitment bytes of `cert`: [`COMMITMENT_PREFIX`] then `abi.encode(cert)`.
pub fn encode_commitment(cert: &DaCertV3) -> Vec<u8> {
    let abi = cert.abi_encode();
    let mut bytes = Vec::with_capacity(COMMITMENT_PREFIX.len() + abi.len());
    bytes.extend_from_slice(&COMMITMENT_PREFIX);
    bytes.extend_from_slice(&abi);
    bytes
}

/// The certificate in commitment bytes. Any input gives a certificate or a typed error;
/// input over [`MAX_COMMITMENT_BYTES`] is refused before decoding, and the certificate
/// bytes must be its canonical encoding ([`encode_commitment`] is the only inverse).
pub fn parse_commitment(bytes: &[u8]) -> Result<DaCertV3, CommitmentError> {
    if bytes.len() > MAX_COMMITMENT_BYTES {
        return Err(CommitmentError::TooLong { len: bytes.len() });
    }
    let [commitment_type, da_layer, version, cert @ ..] = bytes else {
        return Err(CommitmentError::TooShort { len: bytes.len() });
    };
    if *commitment_type != GENERIC_COMMITMENT_TYPE {
        return Err(CommitmentError::NotGeneric {
            commitment_type: *commitment_type,
        });
    }
    if *da_layer != LAMINA_DA_LAYER_BYTE {
        return Err(CommitmentError::OtherDaLayer { byte: *da_layer });
    }
    if *version != CERT_VERSION_V3 {
        return Err(CommitmentError::UnknownVersion { version: *version });
    }
    let decoded = DaCertV3::abi_decode(cert)?;
    if decoded.abi_encode() != cert {
        return Err(CommitmentError::NonCanonical);
    }
    Ok(decoded)
}
