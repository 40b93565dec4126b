//! # lamina-core
//!
//! The shared language of the node, the disperser, the retriever and the
//! client: protocol types and their hashes, stake-proportional chunk
//! assignment, BN254 BLS signatures and chain access.
