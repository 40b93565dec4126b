//! # lamina-client
//!
//! A rollup's side of the whole path, blob → chunks → attestation → certificate →
//! retrieval: [`LaminaClient`] disperses a payload, waits for its certificate,
//! verifies it exactly as `CertVerifier.checkDACert` would (locally, and on-chain
//! with `eth_call`), and retrieves the payload back.
//!
//! - [`LaminaClient::disperse`]: payload → blob (EigenDA's codec) → commitments
//!   (locally with an SRS, or the disperser's `GetBlobCommitment`) → blob header and
//!   payment header (account = the key's address, timestamp in ns) → blob key signed
//!   with `lamina_core::ecdsa::sign_digest` → `DisperseBlob`.
//! - [`LaminaClient::wait_for_certificate`]: polls `GetBlobStatus` with backoff and
//!   a timeout; [`LaminaClient::wait_for_certificate_with`] reports each poll.
//! - [`LaminaClient::verify_certificate`]: [`verify::verify_locally`] (inclusion
//!   proof, blob version and security parameters, quorum keys and signed stake at
//!   the reference block, the BLS pairing check, confirmation threshold, required
//!   quorums, and that the certificate is for the blob sent), then `checkDACert`.
//! - [`LaminaClient::retrieve`]: through the retriever service, or directly from
//!   the operators with `lamina-retriever`.
//!
//! Every error is a [`ClientError`] whose [`ClientError::action`] says whether to
//! retry, fail over or drop ([`ErrorAction`]).
//!
//! ```no_run
//! # async fn example(key: lamina_core::keystore::EcdsaKey) -> Result<(), lamina_client::ClientError> {
//! use lamina_client::{ClientConfig, LaminaClient};
//!
//! let config = ClientConfig {
//!     disperser: "127.0.0.1:32001".into(),
//!     retriever: Some("127.0.0.1:32011".into()),
//!     ..ClientConfig::default()
//! }
//! .with_deployment_file("contracts/deployments/31337.json".as_ref())?;
//! let client = LaminaClient::connect(config, key).await?;
//! let key = client.disperse(b"rollup batch 42", &[0, 1]).await?;
//! let cert = client.wait_for_certificate(key).await?;
//! client.verify_certificate(&cert).await?;
//! assert_eq!(client.retrieve(&cert).await?, b"rollup batch 42");
//! std::fs::write("cert.json", cert.to_json()).ok();
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod cert;
mod client;
mod config;
mod error;
mod payments;
mod status;
pub mod verify;

pub use cert::{Certificate, CertificateFile, Confirmation};
pub use client::{LaminaClient, PreparedBlob, Progress, StatusReply};
pub use config::{ClientConfig, DEFAULT_RECENCY_WINDOW_BLOCKS};
pub use error::{ClientError, ErrorAction};
pub use lamina_payments::{PaymentState, Stamp};
pub use status::BlobStatus;
pub use verify::{CertError, VerifiedCert};

#[cfg(test)]
mod tests;
