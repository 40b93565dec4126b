//! Error types of `lamina-core`, one enum per concern, gathered in [`CoreError`].

use alloy_primitives::U256;

use crate::types::{OperatorId, QuorumId};

/// A curve point or field element from the wire (ABI words, keystore text) was invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PointError {
    /// A coordinate word is not a canonical base-field element.
    #[error("coordinate {value:#x} is not below the BN254 base field modulus")]
    CoordinateOutOfRange {
        /// The offending word.
        value: U256,
    },
    /// A scalar word is not a canonical scalar-field element.
    #[error("scalar {value:#x} is not below the BN254 scalar field modulus")]
    ScalarOutOfRange {
        /// The offending word.
        value: U256,
    },
    /// `(x, y)` does not satisfy `y^2 = x^3 + 3`.
    #[error("G1 point ({x:#x}, {y:#x}) is not on the curve y^2 = x^3 + 3")]
    G1NotOnCurve {
        /// X coordinate.
        x: U256,
        /// Y coordinate.
        y: U256,
    },
    /// The G2 point is not on the sextic twist.
    #[error("G2 point with x = ({x_c0:#x} + {x_c1:#x}·i) is not on the twist curve")]
    G2NotOnCurve {
        /// Real part of X.
        x_c0: U256,
        /// Imaginary part of X.
        x_c1: U256,
    },
    /// The G2 point is on the twist but outside the prime-order subgroup.
    #[error("G2 point with x = ({x_c0:#x} + {x_c1:#x}·i) is not in the order-r subgroup")]
    G2NotInSubgroup {
        /// Real part of X.
        x_c0: U256,
        /// Imaginary part of X.
        x_c1: U256,
    },
}

/// Decoding an ABI-encoded structure failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AbiError {
    /// The bytes are not a valid ABI encoding of the expected type.
    #[error("invalid ABI encoding of {what}: {reason}")]
    Decode {
        /// The type being decoded.
        what: &'static str,
        /// The decoder's message.
        reason: String,
    },
    /// A point inside the structure is invalid.
    #[error("invalid point in {field}: {source}")]
    Point {
        /// Which field held the point.
        field: &'static str,
        /// What was wrong with it.
        #[source]
        source: PointError,
    },
    /// A `uint32` quorum number does not fit a quorum id (`uint8`).
    #[error("quorum number {value} in {field} does not fit in a byte")]
    QuorumOutOfRange {
        /// Which field held it.
        field: &'static str,
        /// The value.
        value: u32,
    },
    /// An inclusion proof's length is not a multiple of 32 bytes.
    #[error("inclusion proof has {len} bytes, not a multiple of 32")]
    ProofLength {
        /// Its length in bytes.
        len: usize,
    },
}

/// Building a Merkle tree or a proof failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// A tree needs at least one leaf.
    #[error("a Merkle tree needs at least one leaf")]
    Empty,
    /// The index is past the last leaf.
    #[error("leaf index {index} is out of range for a tree of {leaves} leaves")]
    IndexOutOfRange {
        /// The requested index.
        index: usize,
        /// Number of leaves.
        leaves: usize,
    },
    /// More leaves than a `uint32` blob index can address.
    #[error("{leaves} leaves exceed the 2^32 a uint32 blob index can address")]
    TooManyLeaves {
        /// Number of leaves.
        leaves: usize,
    },
}

/// Computing a chunk assignment failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentError {
    /// The blob parameters are unusable.
    #[error(
        "invalid blob parameters: num_chunks {num_chunks}, coding_rate {coding_rate}, \
         max_num_operators {max_num_operators} (need coding_rate > 0 and max_num_operators <= num_chunks)"
    )]
    InvalidParams {
        /// Number of chunks.
        num_chunks: u32,
        /// Coding rate.
        coding_rate: u32,
        /// Maximum operator count.
        max_num_operators: u32,
    },
    /// A blob must name at least one quorum.
    #[error("no quorums given")]
    NoQuorums,
    /// The same quorum was given twice.
    #[error("quorum {quorum} given twice")]
    DuplicateQuorum {
        /// The quorum.
        quorum: QuorumId,
    },
    /// The quorum has no operators at the reference block.
    #[error("quorum {quorum} has no operators")]
    NoOperators {
        /// The quorum.
        quorum: QuorumId,
    },
    /// The same operator was listed twice in one quorum.
    #[error("operator {operator} listed twice in quorum {quorum}")]
    DuplicateOperator {
        /// The quorum.
        quorum: QuorumId,
        /// The operator.
        operator: OperatorId,
    },
    /// More operators than the blob version allows.
    #[error("quorum {quorum} has {operators} operators, blob version allows at most {max}")]
    TooManyOperators {
        /// The quorum.
        quorum: QuorumId,
        /// Operators in the quorum.
        operators: usize,
        /// `max_num_operators` of the blob version.
        max: u32,
    },
    /// Every operator of the quorum has zero stake.
    #[error("quorum {quorum} has zero total stake")]
    ZeroTotalStake {
        /// The quorum.
        quorum: QuorumId,
    },
    /// The stakes of a quorum overflow 128 bits.
    #[error("total stake of quorum {quorum} overflows 128 bits")]
    StakeOverflow {
        /// The quorum.
        quorum: QuorumId,
    },
    /// The assignment would need more distinct chunk indices than exist.
    #[error("quorum {quorum} needs more than the {num_chunks} chunk indices that exist")]
    ChunksExhausted {
        /// The quorum.
        quorum: QuorumId,
        /// Number of chunks.
        num_chunks: u32,
    },
    /// The operator is in none of the blob's quorums.
    #[error("operator {operator} is in none of the blob's quorums")]
    OperatorNotAssigned {
        /// The operator.
        operator: OperatorId,
    },
}

/// The security parameters of a blob version do not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecurityError {
    /// `codingRate·(numChunks − maxNumOperators)·(confirmation − adversary) >= 100·numChunks`
    /// fails, or one of its differences would underflow (the contract's `SecurityAssumptionsNotMet`).
    #[error(
        "security assumptions not met: confirmation {confirmation_threshold}%, adversary \
         {adversary_threshold}%, coding rate {coding_rate}, {num_chunks} chunks, at most \
         {max_num_operators} operators"
    )]
    SecurityAssumptionsNotMet {
        /// Confirmation threshold, percent.
        confirmation_threshold: u8,
        /// Adversary threshold, percent.
        adversary_threshold: u8,
        /// Coding rate of the blob version.
        coding_rate: u32,
        /// Number of chunks of the blob version.
        num_chunks: u32,
        /// Maximum operators of the blob version.
        max_num_operators: u32,
    },
}

/// A BLS operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlsError {
    /// A secret key must be in `[1, r)`.
    #[error("BLS secret key must be a nonzero scalar below the group order r")]
    InvalidSecretKey,
    /// A secret key string was neither decimal nor 0x-hex.
    #[error("BLS secret key is neither a decimal number nor 0x-prefixed hex: {reason}")]
    SecretKeyFormat {
        /// Why parsing failed.
        reason: String,
    },
    /// A quorum member's public keys were not supplied.
    #[error("no public keys for operator {operator}")]
    MissingOperatorKeys {
        /// The operator.
        operator: OperatorId,
    },
    /// Nothing to aggregate.
    #[error("cannot aggregate an empty set of {what}")]
    EmptyAggregate {
        /// Signatures or keys.
        what: &'static str,
    },
}

/// Reading or writing a keystore failed.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    /// File-system failure.
    #[error("keystore file {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not keystore JSON.
    #[error("keystore JSON is malformed: {0}")]
    Json(#[from] serde_json::Error),
    /// A hex field does not decode.
    #[error("keystore field {field} is not valid hex of the right length")]
    Hex {
        /// The field.
        field: &'static str,
    },
    /// Only `aes-128-ctr` is supported, as geth writes.
    #[error("unsupported keystore cipher {0:?} (only aes-128-ctr)")]
    UnsupportedCipher(String),
    /// Only scrypt is supported, as geth and eigensdk write.
    #[error("unsupported keystore KDF {0:?} (only scrypt)")]
    UnsupportedKdf(String),
    /// Scrypt parameters out of range.
    #[error("invalid scrypt parameters n={n}, r={r}, p={p}, dklen={dklen}")]
    InvalidKdfParams {
        /// Cost.
        n: u64,
        /// Block size.
        r: u32,
        /// Parallelism.
        p: u32,
        /// Derived key length.
        dklen: usize,
    },
    /// Scrypt parameters that would cost more than a key file may ask for: refused before
    /// running scrypt, so a crafted file cannot make a process burn minutes or gigabytes.
    #[error(
        "keystore scrypt parameters n={n}, r={r}, p={p} exceed the limits \
         (n <= 2^{max_log_n}, r <= {max_r}, p <= {max_p}, 128*n*r*p <= {max_cost_bytes} bytes)"
    )]
    KdfParamsTooCostly {
        /// Cost.
        n: u64,
        /// Block size.
        r: u32,
        /// Parallelism.
        p: u32,
        /// Largest accepted `log2(n)`.
        max_log_n: u8,
        /// Largest accepted `r`.
        max_r: u32,
        /// Largest accepted `p`.
        max_p: u32,
        /// Largest accepted `128 * n * r * p`.
        max_cost_bytes: u64,
    },
    /// The key file is larger than any keystore (a few hundred bytes): refused unread.
    #[error("keystore file {path} is {size} bytes, more than the {max} a key file can be")]
    FileTooLarge {
        /// The file.
        path: std::path::PathBuf,
        /// Its size.
        size: u64,
        /// The largest accepted size.
        max: u64,
    },
    /// Something other than a regular file (a symlink, a directory) sits at the path a key is
    /// to be written to; writing is refused so a planted link cannot redirect the key.
    #[error("refusing to write a key to {path}: it exists and is not a regular file (a symlink?)")]
    NotARegularFile {
        /// The target path.
        path: std::path::PathBuf,
    },
    /// The temporary file a key is written through already exists (a crashed write or a planted
    /// file): refused rather than reused; remove it after checking what it is.
    #[error("refusing to write a key through {path}: the temporary file already exists; remove it")]
    TempFileExists {
        /// The temporary file.
        path: std::path::PathBuf,
    },
    /// The MAC does not match: the password is wrong (or the file is corrupt).
    #[error("wrong keystore password (MAC mismatch)")]
    WrongPassword,
    /// The decrypted secret is not a valid key.
    #[error("decrypted key is invalid: {0}")]
    InvalidKey(String),
    /// The decrypted BLS key does not match the file's `pubKey`.
    #[error("decrypted BLS key does not match the keystore's pubKey {0}")]
    PublicKeyMismatch(String),
    /// The decrypted ECDSA key does not match the file's `address`.
    #[error("decrypted ECDSA key belongs to {actual}, keystore says {expected}")]
    AddressMismatch {
        /// The `address` field.
        expected: String,
        /// Address of the decrypted key.
        actual: String,
    },
    /// The `pubKey` field is not `E([x,y])` with decimal coordinates of a G1 point.
    #[error("keystore pubKey {0:?} is not E([x,y]) with decimal coordinates of a G1 point")]
    PubKeyFormat(String),
    /// The password environment variable is unset or not unicode.
    #[error("password environment variable {0} is not set (or not valid unicode)")]
    PasswordEnvMissing(String),
}

/// Any error of this crate.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// See [`PointError`].
    #[error(transparent)]
    Point(#[from] PointError),
    /// See [`AbiError`].
    #[error(transparent)]
    Abi(#[from] AbiError),
    /// See [`MerkleError`].
    #[error(transparent)]
    Merkle(#[from] MerkleError),
    /// See [`AssignmentError`].
    #[error(transparent)]
    Assignment(#[from] AssignmentError),
    /// See [`SecurityError`].
    #[error(transparent)]
    Security(#[from] SecurityError),
    /// See [`BlsError`].
    #[error(transparent)]
    Bls(#[from] BlsError),
    /// See [`KeystoreError`].
    #[error(transparent)]
    Keystore(#[from] KeystoreError),
    /// See [`crate::chain::ChainError`].
    #[cfg(feature = "chain")]
    #[error(transparent)]
    Chain(#[from] crate::chain::ChainError),
}
