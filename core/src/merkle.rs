//! The batch's Merkle tree over blob certificates, as EigenDA v2 builds it and
//! as the contracts check it.
//!
//! - Leaves are `keccak256(certificateHash)` ([`crate::hashing::merkle_leaf`]):
//!   EigenDA's `BuildMerkleTree` feeds certificate hashes to wealdtech's
//!   go-merkletree, which hashes each datum, and `checkBlobInclusion` hashes the
//!   certificate hash once more before verifying.
//! - The leaf layer is padded to the next power of two with zero words (not
//!   hashed), as go-merkletree pads.
//! - A parent is `keccak256(left ‖ right)`, unsorted.
//! - A proof lists siblings from the leaf layer up; bit `i` of the index says
//!   whether the node at level `i` is a right child, exactly
//!   `Merkle.processInclusionProofKeccak` of eigenlayer-contracts. One leaf: the
//!   root is the leaf and the proof is empty.

use alloy_primitives::{B256, keccak256};

use crate::error::{AbiError, MerkleError};
use crate::hashing::merkle_leaf;

fn hash_pair(left: &B256, right: &B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(left.as_slice());
    buf[32..].copy_from_slice(right.as_slice());
    keccak256(buf)
}

/// A complete Merkle tree, every layer kept so proofs are lookups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerkleTree {
    /// `layers[0]` is the padded leaf layer, the last layer is `[root]`.
    layers: Vec<Vec<B256>>,
    /// Number of real (unpadded) leaves.
    leaves: usize,
}

impl MerkleTree {
    /// Builds the tree of a batch from its certificates' hashes (leaves are their keccak).
    pub fn from_certificate_hashes(hashes: &[B256]) -> Result<Self, MerkleError> {
        Self::from_leaves(hashes.iter().map(|h| merkle_leaf(*h)).collect())
    }

    /// Builds a tree over already-hashed leaves.
    pub fn from_leaves(mut leaves: Vec<B256>) -> Result<Self, MerkleError> {
        let count = leaves.len();
        if count == 0 {
            return Err(MerkleError::Empty);
        }
        if u32::try_from(count - 1).is_err() {
            return Err(MerkleError::TooManyLeaves { leaves: count });
        }
        leaves.resize(count.next_power_of_two(), B256::ZERO);
        let mut layers = vec![leaves];
        // invariant: the last layer has a power-of-two length >= 1
        while let Some(layer) = layers.last().filter(|l| l.len() > 1) {
            let next = layer
                .chunks_exact(2)
                .map(|pair| hash_pair(&pair[0], &pair[1]))
                .collect();
            layers.push(next);
        }
        Ok(Self {
            layers,
            leaves: count,
        })
    }

    /// The root (`batchRoot`).
    pub fn root(&self) -> B256 {
        // Construction guarantees a final one-element layer.
        self.layers
            .last()
            .and_then(|l| l.first())
            .copied()
            .unwrap_or_default()
    }

    /// Number of real leaves.
    pub fn len(&self) -> usize {
        self.leaves
    }

    /// Always false: a tree has at least one leaf.
    pub fn is_empty(&self) -> bool {
        self.leaves == 0
    }

    /// Proof depth: `ceil(log2(len))`.
    pub fn depth(&self) -> usize {
        self.layers.len() - 1
    }

    /// The inclusion proof of leaf `index`.
    pub fn proof(&self, index: usize) -> Result<MerkleProof, MerkleError> {
        if index >= self.leaves {
            return Err(MerkleError::IndexOutOfRange {
                index,
                leaves: self.leaves,
            });
        }
        let siblings = self.layers[..self.depth()]
            .iter()
            .enumerate()
            .map(|(level, layer)| layer[(index >> level) ^ 1])
            .collect();
        Ok(MerkleProof { siblings })
    }
}

/// Sibling hashes from the leaf layer up to (excluding) the root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MerkleProof {
    /// Siblings, leaf layer first.
    pub siblings: Vec<B256>,
}

impl MerkleProof {
    /// The root this proof leads to from `leaf` at `index`: exactly
    /// `Merkle.processInclusionProofKeccak`, which ignores index bits above the depth.
    pub fn process(&self, leaf: B256, index: u32) -> B256 {
        self.siblings
            .iter()
            .enumerate()
            .fold(leaf, |node, (level, sibling)| {
                if (index >> level) & 1 == 0 {
                    hash_pair(&node, sibling)
                } else {
                    hash_pair(sibling, &node)
                }
            })
    }

    /// Whether `leaf` sits at `index` under `root`. Stricter than
    /// `Merkle.verifyInclusionKeccak`: an index with bits above the proof's depth
    /// is rejected instead of aliasing a lower leaf.
    pub fn verify(&self, root: B256, leaf: B256, index: u32) -> bool {
        let in_range = self.siblings.len() >= 32 || (u64::from(index) >> self.siblings.len()) == 0;
        in_range && self.process(leaf, index) == root
    }

    /// The `bytes inclusionProof` of the ABI: siblings concatenated.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.siblings.iter().flat_map(|s| s.0).collect()
    }

    /// Parses concatenated 32-byte siblings.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AbiError> {
        if !bytes.len().is_multiple_of(32) {
            return Err(AbiError::ProofLength { len: bytes.len() });
        }
        Ok(Self {
            siblings: bytes.chunks_exact(32).map(B256::from_slice).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Naive twin: recursive root of the zero-padded leaves.
    fn naive_root(leaves: &[B256]) -> B256 {
        fn rec(nodes: &[B256]) -> B256 {
            if nodes.len() == 1 {
                return nodes[0];
            }
            let (l, r) = nodes.split_at(nodes.len() / 2);
            hash_pair(&rec(l), &rec(r))
        }
        let mut padded = leaves.to_vec();
        padded.resize(leaves.len().next_power_of_two(), B256::ZERO);
        rec(&padded)
    }

    fn leaves_strategy() -> impl Strategy<Value = Vec<B256>> {
        prop::collection::vec(any::<[u8; 32]>().prop_map(B256::from), 1..40)
    }

    #[test]
    fn single_leaf_root_is_leaf_and_proof_empty() {
        let leaf = B256::repeat_byte(5);
        let tree = MerkleTree::from_leaves(vec![leaf]).expect("one leaf");
        assert_eq!(tree.root(), leaf);
        let proof = tree.proof(0).expect("index 0");
        assert!(proof.siblings.is_empty());
        assert!(proof.verify(leaf, leaf, 0));
        assert!(!proof.verify(leaf, leaf, 1));
    }

    #[test]
    fn three_leaves_by_hand() {
        let [a, b, c] = [1u8, 2, 3].map(B256::repeat_byte);
        let tree = MerkleTree::from_leaves(vec![a, b, c]).expect("three leaves");
        let expected = hash_pair(&hash_pair(&a, &b), &hash_pair(&c, &B256::ZERO));
        assert_eq!(tree.root(), expected);
        assert_eq!(
            tree.proof(2).expect("index 2").siblings,
            vec![B256::ZERO, hash_pair(&a, &b)]
        );
    }

    #[test]
    fn errors() {
        assert_eq!(MerkleTree::from_leaves(vec![]), Err(MerkleError::Empty));
        let tree = MerkleTree::from_leaves(vec![B256::ZERO; 3]).expect("three leaves");
        assert_eq!(
            tree.proof(3),
            Err(MerkleError::IndexOutOfRange {
                index: 3,
                leaves: 3
            })
        );
        assert_eq!(
            MerkleProof::from_bytes(&[0; 33]),
            Err(AbiError::ProofLength { len: 33 })
        );
    }

    proptest! {
        #[test]
        fn every_leaf_proof_verifies(leaves in leaves_strategy()) {
            let tree = MerkleTree::from_leaves(leaves.clone()).expect("nonempty");
            prop_assert_eq!(tree.root(), naive_root(&leaves));
            for (i, leaf) in leaves.iter().enumerate() {
                let proof = tree.proof(i).expect("in range");
                prop_assert_eq!(proof.siblings.len(), tree.depth());
                let index = u32::try_from(i).expect("small");
                prop_assert!(proof.verify(tree.root(), *leaf, index));
                let round_trip = MerkleProof::from_bytes(&proof.to_bytes()).expect("multiple of 32");
                prop_assert_eq!(&round_trip, &proof);
            }
        }

        #[test]
        fn tampering_fails(
            leaves in prop::collection::vec(any::<[u8; 32]>().prop_map(B256::from), 2..40),
            pick in any::<prop::sample::Index>(),
            other in any::<prop::sample::Index>(),
            byte in 0usize..32,
            bit in 0u8..8,
        ) {
            let tree = MerkleTree::from_leaves(leaves.clone()).expect("nonempty");
            let root = tree.root();
            let i = pick.index(leaves.len());
            let index = u32::try_from(i).expect("small");
            let proof = tree.proof(i).expect("in range");

            let mut leaf = leaves[i];
            leaf.0[byte] ^= 1 << bit;
            prop_assert!(!proof.verify(root, leaf, index), "flipped leaf bit verified");

            let mut bad = proof.clone();
            let level = other.index(bad.siblings.len());
            bad.siblings[level].0[byte] ^= 1 << bit;
            prop_assert!(!bad.verify(root, leaves[i], index), "flipped sibling bit verified");

            let mut short = proof.clone();
            short.siblings.pop();
            prop_assert!(!short.verify(root, leaves[i], index), "truncated proof verified");

            // Any other index in the tree, or past its width, fails (distinct random leaves).
            let j = other.index(leaves.len());
            if leaves[j] != leaves[i] && j != i {
                let j = u32::try_from(j).expect("small");
                prop_assert!(!proof.verify(root, leaves[i], j), "wrong index verified");
            }
            let width = u32::try_from(leaves.len().next_power_of_two()).expect("small");
            prop_assert!(!proof.verify(root, leaves[i], index + width), "aliased index verified");
        }
    }
}
