//! Chain access errors.

use crate::error::{AbiError, AssignmentError};

/// A chain read or transaction failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The RPC endpoint failed or returned garbage.
    #[error("RPC error: {0}")]
    Rpc(#[from] alloy::transports::TransportError),
    /// A contract call failed; when the revert data is one of the contract's named
    /// errors, `Reverted` is returned instead.
    #[error("contract call failed: {0}")]
    Contract(alloy::contract::Error),
    /// The contract reverted with a named custom error.
    #[error("{contract} reverted with {error}")]
    Reverted {
        /// Which contract.
        contract: &'static str,
        /// The decoded error with its arguments, e.g. `OperatorNotRegistered { .. }`.
        error: String,
    },
    /// Waiting for a transaction failed.
    #[error("transaction {tx} not confirmed: {reason}")]
    Pending {
        /// Transaction hash.
        tx: String,
        /// Why.
        reason: String,
    },
    /// The transaction was mined but reverted.
    #[error("transaction {tx} reverted in block {block:?}")]
    TransactionReverted {
        /// Transaction hash.
        tx: String,
        /// Block it was mined in.
        block: Option<u64>,
    },
    /// Transactions need a signer; this chain was built read-only.
    #[error("no signer configured: {action} needs a wallet")]
    NoSigner {
        /// What was attempted.
        action: &'static str,
    },
    /// A point or value read from the chain is invalid.
    #[error("invalid data from chain: {0}")]
    Abi(#[from] AbiError),
    /// Stakes read from the chain do not form a valid quorum.
    #[error("invalid operator state: {0}")]
    State(#[from] AssignmentError),
    /// The RPC transport's TLS configuration cannot be used.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    /// A value does not fit the protocol's range.
    #[error("{what} {value} out of range")]
    OutOfRange {
        /// Which value.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// The address book lacks a contract this call needs.
    #[error("no address configured for {0}")]
    MissingAddress(&'static str),
    /// A deployment address file is missing or malformed.
    #[error("deployment file {path}: {reason} (deploy with scripts/deploy-devnet.sh)")]
    Deployment {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The operator is not registered.
    #[error("operator {0} is not registered")]
    UnknownOperator(String),
}
