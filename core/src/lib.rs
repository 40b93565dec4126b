//! # lamina-core
//!
//! The shared language of the node, the disperser, the retriever and the
//! client. In the path blob → chunks → attestation → certificate → retrieval,
//! this crate owns the parts every service must agree on bit for bit with the
//! contracts and with EigenDA v2:
//!
//! - [`types`]: blob headers and keys, blob certificates, batch headers,
//!   attestations, inclusion info and the DA certificate `checkDACert` takes;
//!   [`abi`] mirrors their Solidity structs and converts points.
//! - [`hashing`]: blob key, certificate hash, batch header hash, Merkle leaf.
//! - [`merkle`]: the batch's certificate tree and inclusion proofs.
//! - [`rewards`]: the rewards distribution tree's leaf format (what claims prove).
//! - [`assignment`] and [`security`]: which chunks each operator stores, and the
//!   thresholds that make that safe.
//! - [`bls`]: BN254 BLS keys, `hashToG1`, signatures, aggregation, proof of possession.
//! - [`keystore`]: EigenLayer-style encrypted BLS and ECDSA key files.
//! - `chain` (feature `chain`, on by default): contract bindings generated from the
//!   forge artifacts and the `Chain` trait services read and write the contracts through.
//!
//! ```
//! use alloy_primitives::B256;
//! use lamina_core::{BatchHeader, MerkleTree, bls::SecretKey};
//!
//! // A disperser builds a batch over certificate hashes ...
//! let cert_hashes = [B256::repeat_byte(1), B256::repeat_byte(2), B256::repeat_byte(3)];
//! let tree = MerkleTree::from_certificate_hashes(&cert_hashes)?;
//! let header = BatchHeader { batch_root: tree.root(), reference_block_number: 42 };
//! // ... an operator signs the batch header hash ...
//! let key = SecretKey::random(&mut rand::thread_rng());
//! let signature = key.sign(header.hash());
//! assert!(signature.verify(&key.public_g2(), header.hash()));
//! // ... and a rollup proves its certificate is in the batch.
//! let proof = tree.proof(2)?;
//! let leaf = lamina_core::hashing::merkle_leaf(cert_hashes[2]);
//! assert!(proof.verify(header.batch_root, leaf, 2));
//! # Ok::<(), lamina_core::CoreError>(())
//! ```

#![forbid(unsafe_code)]

pub mod abi;
pub mod assignment;
pub mod bls;
#[cfg(feature = "chain")]
pub mod chain;
pub mod ecdsa;
mod error;
pub mod hashing;
pub mod keystore;
pub mod merkle;
#[cfg(feature = "ops-http")]
pub mod ops_http;
pub mod rewards;
pub mod security;
mod srs_config;
#[cfg(feature = "tls")]
pub mod tls;
pub mod types;

pub use assignment::{
    ChunkAssignment, OperatorStake, QuorumOperators, assign_blob, assign_operator,
};
pub use error::{
    AbiError, AssignmentError, BlsError, CoreError, KeystoreError, MerkleError, PointError,
    SecurityError,
};
pub use merkle::{MerkleProof, MerkleTree};
pub use security::SecurityThresholds;
pub use srs_config::{ApprovedSrs, DEVELOPMENT_CHAIN_IDS, SrsConfig, SrsSetupError};
pub use types::{
    Attestation, BatchHeader, BlobCertificate, BlobHeader, BlobInclusionInfo, BlobKey,
    CheckSignaturesIndices, DaCertV3, NonSignerStakesAndSignature, OperatorId, PaymentHeader,
    QuorumId,
};

// Re-exported so users name the same types the crate's API uses.
pub use lamina_encoding::{BlobCommitments, BlobParams};
