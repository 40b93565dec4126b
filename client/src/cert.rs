//! A blob's certificate as the client hands it to a rollup, and its JSON file form
//! (`lamina disperse --cert-out`, `lamina verify`, `lamina retrieve`).

use std::str::FromStr;

use lamina_core::{BlobKey, DaCertV3, QuorumId};
use serde::{Deserialize, Serialize};

use crate::error::ClientError;

/// Where a batch was anchored on-chain (`confirmBatch`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// The transaction, 0x-hex.
    pub transaction_hash: String,
    /// Its block.
    pub block_number: u64,
}

/// A DA certificate for a blob the client dispersed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    /// The key the client dispersed (and asked the status of). Verification checks
    /// the certificate's header hashes to it.
    pub blob_key: BlobKey,
    /// The certificate exactly as `checkDACert` takes it.
    pub cert: DaCertV3,
    /// The batch's anchoring transaction, when the disperser anchors batches.
    pub confirmation: Option<Confirmation>,
}

impl Certificate {
    /// `abi.encode(cert)`: the argument of `checkDACert(bytes)`.
    pub fn cert_abi(&self) -> Vec<u8> {
        self.cert.abi_encode()
    }

    /// The batch's reference block (operator state for verification and retrieval).
    pub fn reference_block(&self) -> u32 {
        self.cert.batch_header.reference_block_number
    }

    /// The blob's quorums.
    pub fn quorums(&self) -> &[QuorumId] {
        &self
            .cert
            .blob_inclusion_info
            .blob_certificate
            .blob_header
            .quorum_numbers
    }

    /// The JSON file form.
    pub fn to_file(&self) -> CertificateFile {
        let cert = &self.cert;
        CertificateFile {
            blob_key: self.blob_key.to_string(),
            cert_abi: format!("0x{}", hex::encode(self.cert_abi())),
            reference_block_number: cert.batch_header.reference_block_number,
            batch_root: cert.batch_header.batch_root.to_string(),
            blob_index: cert.blob_inclusion_info.blob_index,
            quorums: self.quorums().to_vec(),
            signed_quorums: cert.signed_quorum_numbers.clone(),
            confirmation: self.confirmation.clone(),
        }
    }

    /// Reads the JSON file form: `cert_abi` is authoritative, `blob_key` is the key
    /// the certificate must be for; the other fields are informative.
    pub fn from_file(file: &CertificateFile) -> Result<Self, ClientError> {
        let blob_key = BlobKey::from_str(&file.blob_key).map_err(|e| ClientError::Config {
            field: "blob_key",
            reason: format!("{:?}: {e}", file.blob_key),
        })?;
        let hex = file.cert_abi.strip_prefix("0x").unwrap_or(&file.cert_abi);
        let bytes = hex::decode(hex).map_err(|e| ClientError::Config {
            field: "cert_abi",
            reason: format!("not hex: {e}"),
        })?;
        Ok(Self {
            blob_key,
            cert: DaCertV3::abi_decode(&bytes)?,
            confirmation: file.confirmation.clone(),
        })
    }

    /// Pretty JSON of [`Certificate::to_file`].
    pub fn to_json(&self) -> String {
        // A struct of strings and numbers always serializes.
        serde_json::to_string_pretty(&self.to_file()).unwrap_or_default()
    }

    /// Parses the JSON file form.
    pub fn from_json(json: &str) -> Result<Self, ClientError> {
        let file: CertificateFile =
            serde_json::from_str(json).map_err(|e| ClientError::Config {
                field: "certificate file",
                reason: e.to_string(),
            })?;
        Self::from_file(&file)
    }
}

/// The certificate's JSON file form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateFile {
    /// The blob key, 64 hex digits.
    pub blob_key: String,
    /// `abi.encode(cert)`, 0x-hex: exactly what `checkDACert(bytes)` takes.
    pub cert_abi: String,
    /// The batch's reference block.
    #[serde(default)]
    pub reference_block_number: u32,
    /// The batch root, 0x-hex.
    #[serde(default)]
    pub batch_root: String,
    /// The blob's leaf index in the batch.
    #[serde(default)]
    pub blob_index: u32,
    /// The blob's quorums.
    #[serde(default)]
    pub quorums: Vec<QuorumId>,
    /// The quorums that signed.
    #[serde(default)]
    pub signed_quorums: Vec<QuorumId>,
    /// The batch's anchoring transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<Confirmation>,
}
