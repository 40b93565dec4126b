//! Operator and quorum identifiers.

use std::fmt;
use std::str::FromStr;

use alloy_primitives::B256;

/// A quorum number, as the registry coordinator numbers quorums (`uint8`).
pub type QuorumId = u8;

/// An operator's id: `keccak256(X ‖ Y)` of its G1 public key, 32-byte big-endian
/// words, exactly `BN254.hashG1Point` (see [`crate::bls::operator_id`]).
///
/// Ordering is byte order, which is also the order of EigenDA's lowercase hex
/// strings that `GetAssignmentsForQuorum` sorts by.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct OperatorId(pub [u8; 32]);

impl OperatorId {
    /// The id as a `bytes32` word.
    pub fn as_b256(&self) -> B256 {
        B256::from(self.0)
    }
}

impl From<B256> for OperatorId {
    fn from(value: B256) -> Self {
        Self(value.0)
    }
}

impl fmt::Display for OperatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for OperatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OperatorId({self})")
    }
}

impl FromStr for OperatorId {
    type Err = hex::FromHexError;

    /// Parses 64 hex digits, with or without `0x`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s.strip_prefix("0x").unwrap_or(s), &mut out)?;
        Ok(Self(out))
    }
}
