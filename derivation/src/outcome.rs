//! [`Outcome`]: what a derivation does with one certificate, and [`DropReason`] with its
//! stable [`DropCode`].

use lamina_encoding::CodecError;

use crate::cert_check::CertError;
use crate::commitment::CommitmentError;

/// What a rollup's derivation does with one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The certificate is valid and its blob decodes: these are the rollup's bytes.
    Payload(Vec<u8>),
    /// The certificate must be skipped, now and on every replay: the same inputs always
    /// give the same reason.
    Drop(DropReason),
    /// The certificate is valid but its blob is not retrievable yet: retry later, never
    /// drop (dropping on a transient failure would fork the rollup).
    Stall,
}

/// Why a certificate is dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DropReason {
    /// The commitment bytes are not a Lamina certificate.
    #[error("commitment does not parse: {0}")]
    Parse(#[from] CommitmentError),
    /// The certificate was included in L1 too long after its reference block.
    #[error(
        "certificate's reference block {reference_block} is more than {window_blocks} blocks before its L1 inclusion block {inclusion_block}"
    )]
    Recency {
        /// The certificate's reference block.
        reference_block: u32,
        /// The L1 block that included the certificate.
        inclusion_block: u64,
        /// The configured window.
        window_blocks: u64,
    },
    /// The certificate fails one of `checkDACert`'s checks.
    #[error("certificate is invalid: {0}")]
    InvalidCert(#[from] CertError),
    /// The certified blob does not decode to a payload.
    #[error("certified blob does not decode to a payload: {0}")]
    UndecodablePayload(#[from] PayloadError),
}

/// The stable code of a [`DropReason`], for wire formats (the proxy's 418 body) and
/// metrics: numbers and names never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum DropCode {
    /// [`DropReason::Parse`].
    Parse = 1,
    /// [`DropReason::Recency`].
    Recency = 2,
    /// [`DropReason::InvalidCert`].
    InvalidCert = 3,
    /// [`DropReason::UndecodablePayload`].
    UndecodablePayload = 4,
}

impl DropCode {
    /// Every code, in numeric order.
    pub const ALL: [Self; 4] = [
        Self::Parse,
        Self::Recency,
        Self::InvalidCert,
        Self::UndecodablePayload,
    ];

    /// The number: 1 parse, 2 recency, 3 invalid certificate, 4 undecodable payload.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The name: `parse`, `recency`, `invalid_cert`, `undecodable_payload`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Parse => "parse",
            Self::Recency => "recency",
            Self::InvalidCert => "invalid_cert",
            Self::UndecodablePayload => "undecodable_payload",
        }
    }
}

impl std::fmt::Display for DropCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl DropReason {
    /// This reason's stable code.
    pub fn code(&self) -> DropCode {
        match self {
            Self::Parse(_) => DropCode::Parse,
            Self::Recency { .. } => DropCode::Recency,
            Self::InvalidCert(_) => DropCode::InvalidCert,
            Self::UndecodablePayload(_) => DropCode::UndecodablePayload,
        }
    }
}

/// Why a certified blob gives no payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// The blob is not as long as the certificate's commitment says (a retrieval bug:
    /// retrievals return exactly the committed symbols).
    #[error("blob has {blob_symbols} symbols, the certificate commits to {committed}")]
    LengthMismatch {
        /// The blob's symbols.
        blob_symbols: usize,
        /// `commitment.length`.
        committed: u32,
    },
    /// The blob is not a valid payload encoding.
    #[error(transparent)]
    Codec(#[from] CodecError),
}
