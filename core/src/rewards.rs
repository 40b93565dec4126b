//! The rewards distribution tree the `RewardsCoordinator` checks claims against
//! (EigenLayer's format; docs/architecture.md, "Rewards").
//!
//! Two levels over [`MerkleTree`] (zero-padded to a power of two, parent
//! `keccak256(left ‖ right)`, a one-leaf tree's root is the leaf):
//!
//! - token leaf = `keccak256(0x01 ‖ token (20 bytes) ‖ cumulativeEarnings (32 bytes))`,
//!   an earner's token root is the tree over its token leaves;
//! - earner leaf = `keccak256(0x00 ‖ earner (20 bytes) ‖ earnerTokenRoot (32 bytes))`,
//!   the distribution root is the tree over the earner leaves.
//!
//! The contract accepts any leaf order; the calculator orders earners, and each
//! earner's tokens, by ascending address and omits zero earnings
//! ([`EarnerEarnings::sorted`] does), so that anyone can rebuild the same root.
//! Only the leaf format lives here; the calculator that fills it is `lamina-rewards`.

use alloy_primitives::{Address, B256, U256, keccak256};

use crate::error::MerkleError;
use crate::merkle::MerkleTree;

/// `EARNER_LEAF_SALT` of the coordinator.
pub const EARNER_LEAF_SALT: u8 = 0;
/// `TOKEN_LEAF_SALT` of the coordinator.
pub const TOKEN_LEAF_SALT: u8 = 1;
/// The coordinator's `NATIVE_TOKEN`: ether in submissions and token leaves.
pub const NATIVE_TOKEN: Address = Address::new([0xee; 20]);

/// `calculateTokenLeafHash`: `keccak256(abi.encodePacked(uint8(1), token, cumulativeEarnings))`.
pub fn token_leaf_hash(token: Address, cumulative_earnings: U256) -> B256 {
    let mut preimage = [0u8; 53];
    preimage[0] = TOKEN_LEAF_SALT;
    preimage[1..21].copy_from_slice(token.as_slice());
    preimage[21..].copy_from_slice(&cumulative_earnings.to_be_bytes::<32>());
    keccak256(preimage)
}

/// `calculateEarnerLeafHash`: `keccak256(abi.encodePacked(uint8(0), earner, earnerTokenRoot))`.
pub fn earner_leaf_hash(earner: Address, earner_token_root: B256) -> B256 {
    let mut preimage = [0u8; 53];
    preimage[0] = EARNER_LEAF_SALT;
    preimage[1..21].copy_from_slice(earner.as_slice());
    preimage[21..].copy_from_slice(earner_token_root.as_slice());
    keccak256(preimage)
}

/// One earner's cumulative earnings per token, in leaf order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EarnerEarnings {
    /// The earner (staker or operator).
    pub earner: Address,
    /// `(token, cumulative earnings)` in token-leaf order.
    pub tokens: Vec<(Address, U256)>,
}

impl EarnerEarnings {
    /// The canonical form: tokens ascending by address, zero earnings dropped.
    pub fn sorted(mut self) -> Self {
        self.tokens.retain(|(_, amount)| !amount.is_zero());
        self.tokens.sort_by_key(|(token, _)| *token);
        self
    }

    /// The earner's token tree.
    pub fn token_tree(&self) -> Result<MerkleTree, MerkleError> {
        MerkleTree::from_leaves(
            self.tokens
                .iter()
                .map(|(token, amount)| token_leaf_hash(*token, *amount))
                .collect(),
        )
    }

    /// The earner's leaf in the distribution tree.
    pub fn earner_leaf(&self) -> Result<B256, MerkleError> {
        Ok(earner_leaf_hash(self.earner, self.token_tree()?.root()))
    }
}

/// The distribution tree over `earners` in the given order (earner `i` is leaf `i`).
pub fn distribution_tree(earners: &[EarnerEarnings]) -> Result<MerkleTree, MerkleError> {
    MerkleTree::from_leaves(
        earners
            .iter()
            .map(EarnerEarnings::earner_leaf)
            .collect::<Result<_, _>>()?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, b256};

    const T0: Address = address!("1111111111111111111111111111111111111111");
    const T1: Address = address!("2222222222222222222222222222222222222222");

    /// The known-answer vector of docs/architecture.md and
    /// contracts/test/unit/RewardsMerkleKAT.t.sol.
    fn vector() -> Vec<EarnerEarnings> {
        vec![
            EarnerEarnings {
                earner: Address::repeat_byte(0xaa),
                tokens: vec![(T0, U256::from(1000)), (T1, U256::from(2500))],
            },
            EarnerEarnings {
                earner: Address::repeat_byte(0xbb),
                tokens: vec![(T0, U256::from(7))],
            },
            EarnerEarnings {
                earner: Address::repeat_byte(0xcc),
                tokens: vec![(T1, U256::from(123_456_789))],
            },
        ]
    }

    #[test]
    fn known_answer_vector() {
        let earners = vector();
        assert_eq!(
            token_leaf_hash(T0, U256::from(1000)),
            b256!("432cf5dd28cf2cf9e780c8ecee9187eacade1b2058a980622784eb2fe4ce9cca")
        );
        assert_eq!(
            earners[0].token_tree().expect("one token").root(),
            b256!("14a21716105051ba1cd0cf0df5bb5bc00183d7935ae1ffa13c328c6ed8a552eb")
        );
        assert_eq!(
            earners[2].earner_leaf().expect("earner leaf"),
            b256!("5bd000e5682cb26fb81cf88526d2334d4ac3a388625e602b4c95f9b0a9f3af9d")
        );
        let tree = distribution_tree(&earners).expect("tree");
        let root = b256!("ea308d676507bc1b79d884e6aadea9b3a6430c1d662a46aa69e0cd3a94e0d5c8");
        assert_eq!(tree.root(), root);
        let proof = tree.proof(2).expect("leaf 2 exists");
        assert_eq!(
            proof.siblings,
            vec![
                B256::ZERO,
                b256!("e13615f29038f61f2ad80e47ebbae96cfa3af772eeaec920f5175eb8cbbf5180")
            ]
        );
        assert!(proof.verify(root, earners[2].earner_leaf().expect("earner leaf"), 2));
    }

    #[test]
    fn sorted_orders_tokens_and_drops_zeros() {
        let earner = EarnerEarnings {
            earner: Address::ZERO,
            tokens: vec![
                (T1, U256::from(1)),
                (NATIVE_TOKEN, U256::ZERO),
                (T0, U256::from(2)),
            ],
        }
        .sorted();
        assert_eq!(
            earner.tokens,
            vec![(T0, U256::from(2)), (T1, U256::from(1))]
        );
    }
}
