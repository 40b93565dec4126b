//! Chain access: contract bindings generated from the forge artifacts, and the
//! [`Chain`] trait through which services read operator state at a reference
//! block and send transactions.
//!
//! [`EthChain`] is the implementation over any JSON-RPC endpoint (anvil in tests
//! and the devnet). Services are generic over [`Chain`], so a test can point them
//! at any endpoint.

pub mod bindings;
mod convert;
mod error;
mod eth;
mod onboard;
mod payment_cache;
mod payments;
mod rewards;
pub mod sockets;
mod tx;

use std::future::Future;

use alloy::primitives::Address;
use ark_bn254::{G1Affine, G2Affine};
use lamina_encoding::BlobParams;

pub use error::ChainError;
pub use eth::{ContractAddresses, DEFAULT_POLL_INTERVAL, DEFAULT_RECEIPT_TIMEOUT, EthChain};
pub use onboard::{OperatorOnboarding, OperatorStatus};
pub use payment_cache::{
    AccountCache, AccountCacheConfig, AccountLookupError, PaymentSource, has_payment,
};
pub use rewards::{PostedRoot, RewardsClaim, RewardsStrategy};

use crate::assignment::QuorumOperators;
use crate::security::SecurityThresholds;
use crate::types::{CheckSignaturesIndices, DaCertV3, OperatorId, QuorumId};

/// What services need to know about one registered operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperatorInfo {
    /// The operator's id.
    pub operator_id: OperatorId,
    /// Its Ethereum address.
    pub address: Address,
    /// Registered G1 public key.
    pub pubkey_g1: G1Affine,
    /// Registered G2 public key.
    pub pubkey_g2: G2Affine,
    /// Latest socket (`host:port`) announced at or before the queried block, if any.
    pub socket: Option<String>,
}

/// Read access to the contracts at a reference block, and the transactions operators
/// and dispersers send.
pub trait Chain: Send + Sync {
    /// Latest block number.
    fn block_number(&self) -> impl Future<Output = Result<u64, ChainError>> + Send;

    /// The chain id (`eth_chainId`): decides whether the development SRS may be used.
    fn chain_id(&self) -> impl Future<Output = Result<u64, ChainError>> + Send;

    /// Operators and their stakes in each of `quorums` at `reference_block`
    /// (`OperatorStateRetriever.getOperatorState`), one entry per quorum, same order.
    fn operator_state(
        &self,
        quorums: &[QuorumId],
        reference_block: u32,
    ) -> impl Future<Output = Result<Vec<QuorumOperators>, ChainError>> + Send;

    /// Address, keys and socket of `operator` as of `reference_block`.
    fn operator_info(
        &self,
        operator: OperatorId,
        reference_block: u32,
    ) -> impl Future<Output = Result<OperatorInfo, ChainError>> + Send;

    /// The registry history indices `checkSignatures` needs
    /// (`OperatorStateRetriever.getCheckSignaturesIndices`); `non_signers` sorted ascending.
    fn check_signatures_indices(
        &self,
        reference_block: u32,
        quorums: &[QuorumId],
        non_signers: &[OperatorId],
    ) -> impl Future<Output = Result<CheckSignaturesIndices, ChainError>> + Send;

    /// Parameters of blob `version` (`ThresholdRegistry.getBlobParams`).
    fn blob_params(
        &self,
        version: u16,
    ) -> impl Future<Output = Result<BlobParams, ChainError>> + Send;

    /// One past the highest registered blob version.
    fn next_blob_version(&self) -> impl Future<Output = Result<u16, ChainError>> + Send;

    /// Confirmation and adversary thresholds.
    fn security_thresholds(
        &self,
    ) -> impl Future<Output = Result<SecurityThresholds, ChainError>> + Send;

    /// Quorums every blob must include.
    fn quorum_numbers_required(
        &self,
    ) -> impl Future<Output = Result<Vec<QuorumId>, ChainError>> + Send;

    /// The thresholds in force at `block` (`ThresholdRegistry.securityThresholdsAtBlock`):
    /// what `checkDACert` applies to a certificate with that reference block.
    fn security_thresholds_at(
        &self,
        block: u32,
    ) -> impl Future<Output = Result<SecurityThresholds, ChainError>> + Send;

    /// The required quorums in force at `block` (`quorumNumbersRequiredAtBlock`).
    fn quorum_numbers_required_at(
        &self,
        block: u32,
    ) -> impl Future<Output = Result<Vec<QuorumId>, ChainError>> + Send;

    /// `RegistryCoordinator.pubkeyRegistrationMessageHash(operator)`.
    fn pubkey_registration_point(
        &self,
        operator: Address,
    ) -> impl Future<Output = Result<G1Affine, ChainError>> + Send;

    /// `CertVerifier.checkDACertReverts(cert)`: `Ok` for a valid certificate, else the
    /// contract's named error (`ChainError::Reverted`) saying why.
    fn check_da_cert_reverts(
        &self,
        cert: &DaCertV3,
    ) -> impl Future<Output = Result<(), ChainError>> + Send;

    /// `CertVerifier.checkDACert(abi.encode(cert))`: 1 is success.
    fn check_da_cert(&self, cert: &DaCertV3)
    -> impl Future<Output = Result<u8, ChainError>> + Send;
}
