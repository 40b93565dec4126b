//! # lamina-derivation
//!
//! Everything a rollup's derivation (or a fault or validity proof of it) must decide
//! about a Lamina certificate it finds on L1, with no I/O: no tokio, no RPC, no
//! network. In the path blob → chunks → attestation → certificate → retrieval, this
//! crate owns the last step's rules: which certificates count, and what bytes they give.
//!
//! ## Bird's eye view
//!
//! One certificate goes through, in order:
//!
//! 1. [`parse_commitment`] ([`commitment`]): the commitment bytes (OP alt-DA generic
//!    commitment `0x01`, Lamina's DA-layer byte `0x4c`, version `0x00`, then
//!    `abi.encode(DACertV3)`), with bounded sizes; any input gives a certificate or a
//!    typed [`CommitmentError`], never a panic.
//! 2. [`check_certificate`]: the recency rule (`l1_inclusion_block - reference_block >
//!    recency_window_blocks` drops it), then validity: every check of
//!    `CertVerifier.checkDACert` ([`cert_check`]) against the operator state at the
//!    reference block ([`ChainView`], read by the caller). `lamina-client`'s local
//!    verification runs the same functions: one implementation.
//! 3. The blob, retrieved by the caller and checked against the commitment: absent means
//!    [`Outcome::Stall`] (retry, never drop); present, [`decode_payload`] gives the
//!    payload or a typed [`PayloadError`].
//!
//! [`derive`] runs all three and answers one [`Outcome`]: `Payload(bytes)`,
//! `Drop(reason)` with a stable [`DropCode`] per reason (1 parse, 2 recency, 3 invalid
//! certificate, 4 undecodable payload), or `Stall`.
//!
//! ```
//! use std::collections::BTreeMap;
//! use lamina_core::{BlobParams, SecurityThresholds};
//! use lamina_derivation::{ChainView, DerivationConfig, DropCode, Outcome, derive};
//!
//! // The operator state at the certificate's reference block, as the caller read it.
//! let view = ChainView {
//!     head: 100,
//!     next_blob_version: 2,
//!     blob_params: Some(BlobParams::V1_DEVNET),
//!     thresholds: SecurityThresholds { confirmation_threshold: 55, adversary_threshold: 33 },
//!     required_quorums: vec![0, 1],
//!     state: vec![],
//!     keys: BTreeMap::new(),
//!     indices: None,
//! };
//! // Another DA layer's commitment (EigenDA's byte 0x00) is dropped, never retried.
//! let outcome = derive(&DerivationConfig::default(), &[0x01, 0x00, 0x00, 0xab], Some(90), &view, None);
//! let Outcome::Drop(reason) = outcome else { panic!("expected a drop") };
//! assert_eq!(reason.code(), DropCode::Parse);
//! assert_eq!((reason.code().number(), reason.code().name()), (1, "parse"));
//! ```

#![forbid(unsafe_code)]

pub mod cert_check;
pub mod commitment;
mod config;
mod derive;
mod outcome;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use cert_check::{CertError, ChainView, VerifiedCert};
pub use commitment::{
    COMMITMENT_PREFIX, CommitmentError, LAMINA_DA_LAYER_BYTE, MAX_COMMITMENT_BYTES,
    encode_commitment, parse_commitment,
};
pub use config::{ConfigError, DEFAULT_RECENCY_WINDOW_BLOCKS, DerivationConfig};
pub use derive::{check_certificate, check_inclusion_block, decode_payload, derive};
pub use outcome::{DropCode, DropReason, Outcome, PayloadError};

#[cfg(test)]
mod cert_check_tests;
#[cfg(test)]
mod tests;
