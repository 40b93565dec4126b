//! Who pays for a blob: the payment header, hashed into the blob key.

use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_sol_types::SolValue;

/// The payment header of a blob (EigenDA's `PaymentMetadata`): the paying account, the
/// client's timestamp (which also makes otherwise identical blobs' keys unique) and the
/// cumulative payment (zero for reservation or free use).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentHeader {
    /// The account whose ECDSA key signs the blob key.
    pub account_id: Address,
    /// Nanoseconds since the Unix epoch when the client made the header.
    pub timestamp_ns: i64,
    /// Cumulative payment in wei.
    pub cumulative_payment: U256,
}

impl PaymentHeader {
    /// `keccak256(abi.encode((string accountId, int64 timestamp, uint256 cumulativePayment)))`
    /// with the account as its EIP-55 checksummed hex string, as EigenDA's
    /// `PaymentMetadata.Hash` packs it (one tuple argument, so the encoding starts with
    /// the tuple's offset).
    pub fn hash(&self) -> B256 {
        let tuple = (
            self.account_id.to_checksum(None),
            self.timestamp_ns,
            self.cumulative_payment,
        );
        keccak256(tuple.abi_encode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> PaymentHeader {
        PaymentHeader {
            account_id: Address::repeat_byte(0x1f),
            timestamp_ns: 1_700_000_000_000_000_000,
            cumulative_payment: U256::from(12345u64),
        }
    }

    /// The preimage laid out word by word: offset of the dynamic tuple, its three head
    /// words (string offset, timestamp, payment), then the string's length and bytes.
    #[test]
    fn hash_is_keccak_of_the_tuple_encoding() {
        let h = header();
        let account = h.account_id.to_checksum(None);
        let mut preimage = Vec::new();
        let word = |v: U256| v.to_be_bytes::<32>();
        preimage.extend(word(U256::from(0x20)));
        preimage.extend(word(U256::from(0x60)));
        preimage.extend(word(U256::from(h.timestamp_ns as u64)));
        preimage.extend(word(h.cumulative_payment));
        preimage.extend(word(U256::from(account.len())));
        let mut text = account.as_bytes().to_vec();
        text.resize(text.len().div_ceil(32) * 32, 0);
        preimage.extend(text);
        assert_eq!(h.hash(), keccak256(&preimage));
    }

    /// Known answers, computed independently of this code with Foundry's `cast`:
    /// `cast keccak $(cast abi-encode "f((string,int64,uint256))" "(<EIP-55 account>,<ts>,<payment>)")`.
    /// The reservation form (payment 0) and an on-demand one; the account string is the
    /// EIP-55 checksum `0x1f1f1F1f1F1f1f1F1F1F1f1F1f1F1f1F1F1F1F1F`.
    #[test]
    fn known_answer_vectors() {
        let mut h = header();
        assert_eq!(
            h.account_id.to_checksum(None),
            "0x1f1f1F1f1F1f1f1F1F1F1f1F1f1F1f1F1F1F1F1F"
        );
        assert_eq!(
            h.hash().to_string(),
            "0xea4b9fd1d741152afb16e5cb9c2fd92a7ca7fb2152813e0860f08a5b78a11434"
        );
        h.cumulative_payment = U256::ZERO;
        assert_eq!(
            h.hash().to_string(),
            "0x9a567bb9b25e149c323d0fb9c1538ebbfad474a1c80e2c599f466a4ccb68511a"
        );
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = header().hash();
        let mut h = header();
        h.timestamp_ns += 1;
        assert_ne!(h.hash(), base);
        let mut h = header();
        h.cumulative_payment += U256::from(1);
        assert_ne!(h.hash(), base);
        let mut h = header();
        h.account_id = Address::repeat_byte(0x20);
        assert_ne!(h.hash(), base);
    }
}
