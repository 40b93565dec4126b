//! The calculator's output: cumulative earnings, the distribution root, and claim proofs.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, U256};
use lamina_core::rewards::{EarnerEarnings, distribution_tree};
use serde::{Deserialize, Serialize};

use crate::error::RewardsError;
use crate::work::WorkRecord;

/// Earner → token → amount.
pub type Earnings = BTreeMap<Address, BTreeMap<Address, U256>>;

/// One token of one earner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenEarnings {
    /// The token ([`lamina_core::rewards::NATIVE_TOKEN`] for ether).
    pub token: Address,
    /// Everything earned so far: the token leaf's `cumulativeEarnings`.
    pub cumulative_earnings: U256,
    /// The part earned in intervals ending in `(from, to]`.
    pub earned_in_window: U256,
}

/// One leaf of the distribution tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnerEntry {
    /// The earner.
    pub earner: Address,
    /// Its tokens, ascending.
    pub tokens: Vec<TokenEarnings>,
}

/// Every earner's cumulative earnings up to `to`, and the root the rewards updater posts.
/// Serialised as JSON with sorted keys and earners, so the file is byte-for-byte
/// reproducible.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distribution {
    /// The AVS whose submissions were split.
    pub avs: Address,
    /// Start of the reporting window (`earned_in_window`).
    pub from: u64,
    /// The calculation end: `submitRoot`'s `rewardsCalculationEndTimestamp`.
    pub to: u64,
    /// The distribution root (zero when nobody has earned anything yet).
    pub root: B256,
    /// Earners ascending, leaf `i` of the tree is `earners[i]`.
    pub earners: Vec<EarnerEntry>,
    /// Per token, the sum of every interval counted (submissions' amounts up to `to`).
    pub submitted: BTreeMap<Address, U256>,
    /// Per token, the part of `submitted` nobody had weight for (stays in the coordinator).
    pub unallocated: BTreeMap<Address, U256>,
    /// Each operator's signing record for the batches confirmed in `[from, to)`.
    pub work: Vec<WorkRecord>,
}

/// What `processClaim` needs for one earner, built from a [`Distribution`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimProof {
    /// The earner.
    pub earner: Address,
    /// Its leaf index.
    pub earner_index: u32,
    /// Siblings from its leaf to the root, 32 bytes each.
    pub earner_tree_proof: Vec<u8>,
    /// Its token tree's root.
    pub earner_token_root: B256,
    /// Per claimed token: leaf index, proof, token and cumulative earnings.
    pub tokens: Vec<TokenClaim>,
}

/// One token leaf of a claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaim {
    /// Leaf index in the earner's token tree.
    pub index: u32,
    /// Siblings from the token leaf to the earner's token root.
    pub proof: Vec<u8>,
    /// The token.
    pub token: Address,
    /// Its cumulative earnings.
    pub cumulative_earnings: U256,
}

impl Distribution {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        avs: Address,
        from: u64,
        to: u64,
        cumulative: Earnings,
        in_window: Earnings,
        submitted: BTreeMap<Address, U256>,
        unallocated: BTreeMap<Address, U256>,
        work: Vec<WorkRecord>,
    ) -> Result<Self, RewardsError> {
        let earners: Vec<EarnerEntry> = cumulative
            .into_iter()
            .map(|(earner, tokens)| EarnerEntry {
                earner,
                tokens: tokens
                    .into_iter()
                    .filter(|(_, amount)| !amount.is_zero())
                    .map(|(token, cumulative_earnings)| TokenEarnings {
                        token,
                        cumulative_earnings,
                        earned_in_window: in_window
                            .get(&earner)
                            .and_then(|tokens| tokens.get(&token))
                            .copied()
                            .unwrap_or(U256::ZERO),
                    })
                    .collect(),
            })
            .filter(|entry: &EarnerEntry| !entry.tokens.is_empty())
            .collect();
        let mut distribution = Self {
            avs,
            from,
            to,
            root: B256::ZERO,
            earners,
            submitted,
            unallocated,
            work,
        };
        let leaves = distribution.leaves();
        if !leaves.is_empty() {
            distribution.root = distribution_tree(&leaves)?.root();
        }
        Ok(distribution)
    }

    /// The earners as `lamina_core` tree leaves (already canonical: ascending, no zeros).
    pub fn leaves(&self) -> Vec<EarnerEarnings> {
        self.earners
            .iter()
            .map(|entry| EarnerEarnings {
                earner: entry.earner,
                tokens: entry
                    .tokens
                    .iter()
                    .map(|token| (token.token, token.cumulative_earnings))
                    .collect(),
            })
            .collect()
    }

    /// The earner's entry, if it earned anything.
    pub fn earner(&self, earner: Address) -> Option<&EarnerEntry> {
        self.earners
            .binary_search_by_key(&earner, |entry| entry.earner)
            .ok()
            .map(|index| &self.earners[index])
    }

    /// Per token, what the earners were credited (equals `submitted − unallocated`).
    pub fn total_earned(&self) -> BTreeMap<Address, U256> {
        let mut totals: BTreeMap<Address, U256> = BTreeMap::new();
        for entry in &self.earners {
            for token in &entry.tokens {
                *totals.entry(token.token).or_default() += token.cumulative_earnings;
            }
        }
        totals
    }

    /// The proofs for `earner`'s claim of every token it earned.
    pub fn claim_proof(&self, earner: Address) -> Result<ClaimProof, RewardsError> {
        let position = self
            .earners
            .binary_search_by_key(&earner, |entry| entry.earner)
            .map_err(|_| RewardsError::NotAnEarner { earner })?;
        let leaves = self.leaves();
        let tree = distribution_tree(&leaves)?;
        let earner_proof = tree.proof(position)?;
        let token_tree = leaves[position].token_tree()?;
        let tokens = leaves[position]
            .tokens
            .iter()
            .enumerate()
            .map(|(index, (token, cumulative_earnings))| {
                Ok(TokenClaim {
                    index: u32::try_from(index).map_err(|_| {
                        lamina_core::MerkleError::TooManyLeaves {
                            leaves: leaves[position].tokens.len(),
                        }
                    })?,
                    proof: token_tree.proof(index)?.to_bytes(),
                    token: *token,
                    cumulative_earnings: *cumulative_earnings,
                })
            })
            .collect::<Result<Vec<_>, RewardsError>>()?;
        Ok(ClaimProof {
            earner,
            earner_index: u32::try_from(position).map_err(|_| {
                lamina_core::MerkleError::TooManyLeaves {
                    leaves: leaves.len(),
                }
            })?,
            earner_tree_proof: earner_proof.to_bytes(),
            earner_token_root: token_tree.root(),
            tokens,
        })
    }

    /// Pretty JSON (sorted: the same distribution always gives the same bytes).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plain data: serialisation cannot fail")
    }

    /// Reads a distribution written by [`Self::to_json`].
    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }
}
