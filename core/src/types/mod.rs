//! Protocol types: what a blob, a batch, an attestation and a certificate are.
//!
//! Each type has an ABI twin in [`crate::abi`]; `From`/`TryFrom` impls convert
//! between them, validating every point on the way in.

mod batch;
mod blob;
mod cert;
mod operator;
mod payment;

pub use batch::{Attestation, BatchHeader, BlobInclusionInfo};
pub(crate) use blob::blob_commitment_to_abi;
pub use blob::{BlobCertificate, BlobHeader, BlobKey};
pub use cert::{CheckSignaturesIndices, DaCertV3, NonSignerStakesAndSignature};
pub use operator::{OperatorId, QuorumId};
pub use payment::PaymentHeader;
