//! The JSON the API serves (`/api/v1/...`): plain serde structs, hex strings for keys,
//! milliseconds since the Unix epoch for times. Services fill them from their records.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A page of a list, newest first; `next` is the `before` cursor of the following page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items, newest first.
    pub items: Vec<T>,
    /// Pass as `before=` for the next (older) page; absent on the last page.
    pub next: Option<String>,
}

/// When a blob entered each stage, milliseconds since the Unix epoch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageTimes {
    /// Accepted and durable (`QUEUED`).
    pub queued_ms: u64,
    /// Frames computed (`ENCODED`).
    pub encoded_ms: Option<u64>,
    /// Put in a batch, chunks out to the operators (`GATHERING_SIGNATURES`).
    pub dispatched_ms: Option<u64>,
    /// Reached its terminal status (`COMPLETE`, `FAILED`, `INSUFFICIENT_SIGNATURES`).
    pub finished_ms: Option<u64>,
    /// Its batch's `confirmBatch` was mined.
    pub anchored_ms: Option<u64>,
}

/// One row of the blob list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobSummary {
    /// Blob key, 64 hex digits.
    pub blob_key: String,
    /// `QUEUED`, `ENCODED`, `GATHERING_SIGNATURES`, `COMPLETE`, `FAILED`,
    /// `INSUFFICIENT_SIGNATURES`.
    pub status: String,
    /// Why it failed or lacks signatures; empty otherwise.
    pub reason: String,
    /// Blob bytes.
    pub size_bytes: u64,
    /// Quorums it asked for.
    pub quorums: Vec<u8>,
    /// Paying account, 0x-hex.
    pub account: String,
    /// Blob version.
    pub version: u16,
    /// The batch it was last put in.
    pub batch_id: Option<u64>,
    /// Stage times.
    pub stages: StageTimes,
}

/// The blob's commitments, 0x-hex compressed points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentView {
    /// G1 KZG commitment.
    pub commitment: String,
    /// G2 length commitment.
    pub length_commitment: String,
    /// G2 length proof.
    pub length_proof: String,
    /// Length in symbols.
    pub length: u32,
}

/// A blob's header as the client signed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderView {
    /// Blob version.
    pub version: u16,
    /// Quorums.
    pub quorums: Vec<u8>,
    /// Commitments.
    pub commitment: CommitmentView,
    /// Paying account, 0x-hex.
    pub account: String,
    /// The payment header's timestamp, nanoseconds since the epoch.
    pub payment_timestamp_ns: i64,
    /// Cumulative payment, wei, decimal (0 for a reservation).
    pub cumulative_payment: String,
    /// The client's signature over the blob key, 0x-hex.
    pub signature: String,
}

/// Signed stake of one quorum in a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumSigning {
    /// The quorum.
    pub quorum: u8,
    /// `⌊100 · signed / total⌋`.
    pub signed_percentage: u8,
    /// Signed stake, decimal.
    pub signed_stake: String,
    /// Total stake at the reference block, decimal.
    pub total_stake: String,
    /// Operators whose signature verified, 0x-hex ids.
    pub signers: Vec<String>,
    /// Members that did not sign, 0x-hex ids.
    pub non_signers: Vec<String>,
}

/// Where a batch stands on-chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchorView {
    /// `NOT_ANCHORED`, `PENDING`, `CONFIRMED`, `FAILED`.
    pub state: String,
    /// The `confirmBatch` transaction, once mined.
    pub tx_hash: Option<String>,
    /// Its block.
    pub block_number: Option<u64>,
    /// Why anchoring failed.
    pub reason: Option<String>,
}

/// A certificate: what `checkDACert` takes, in both forms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateView {
    /// `abi.encode(DACertV3)`, 0x-hex: authoritative.
    pub cert_abi: String,
    /// The certificate JSON `lamina disperse --cert-out` writes (`blob_key`, `cert_abi`,
    /// `reference_block_number`, `batch_root`, `blob_index`, `quorums`, `signed_quorums`,
    /// `confirmation`?).
    pub json: serde_json::Value,
}

/// One blob, everything the disperser knows about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobDetail {
    /// The list row.
    pub summary: BlobSummary,
    /// The signed header.
    pub header: HeaderView,
    /// The certificate, once `COMPLETE`.
    pub certificate: Option<CertificateView>,
    /// Signed stake per quorum of its batch.
    pub quorums: Vec<QuorumSigning>,
    /// Operators of its batch that did not sign, 0x-hex ids.
    pub non_signers: Vec<String>,
    /// Its batch's reference block.
    pub reference_block_number: Option<u32>,
    /// Its batch's anchoring.
    pub anchor: Option<AnchorView>,
}

/// One dispatched batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchView {
    /// Batch id (the disperser's counter).
    pub batch_id: u64,
    /// Blob keys in leaf order.
    pub blob_keys: Vec<String>,
    /// Blob bytes in the batch.
    pub size_bytes: u64,
    /// Batch root, 0x-hex.
    pub batch_root: String,
    /// Reference block.
    pub reference_block_number: u32,
    /// Per quorum: signed stake, signers and non-signers.
    pub quorums: Vec<QuorumSigning>,
    /// Per operator: how its `StoreChunks` ended.
    pub operators: Vec<OperatorOutcomeView>,
    /// When the chunks went out, ms since the epoch.
    pub dispatched_ms: u64,
    /// When the outcome was recorded, ms since the epoch.
    pub finished_ms: u64,
    /// `finished_ms − dispatched_ms`.
    pub latency_ms: u64,
    /// Anchoring.
    pub anchor: AnchorView,
}

/// One operator's answer to one batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorOutcomeView {
    /// Operator id, 0x-hex.
    pub operator_id: String,
    /// `signed`, `bad_signature`, `error`, `timeout`, `unreachable`.
    pub outcome: String,
    /// The error, for anything but `signed`.
    pub reason: String,
    /// Answer time, milliseconds (0 when it never answered).
    pub latency_ms: u64,
}

/// How often an operator signed over a window, from the disperser's batch records.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SigningRate {
    /// Operator id, 0x-hex.
    pub operator_id: String,
    /// The window, seconds back from `as_of_ms`.
    pub window_secs: u64,
    /// Batches it signed.
    pub signed_batches: u64,
    /// Batches sent to it that it did not sign.
    pub unsigned_batches: u64,
    /// Blob bytes of the batches it signed.
    pub signed_bytes: u64,
    /// Blob bytes of the batches it did not sign.
    pub unsigned_bytes: u64,
    /// `signed / (signed + unsigned)`, 0 without batches.
    pub signing_rate: f64,
    /// Mean answer time of the signed batches, ms.
    pub mean_latency_ms: f64,
    /// The window's end, ms since the epoch.
    pub as_of_ms: u64,
}

/// A recent batch the operator did not sign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The batch.
    pub batch_id: u64,
    /// When its outcome was recorded, ms since the epoch.
    pub at_ms: u64,
    /// `bad_signature`, `error`, `timeout`, `unreachable`.
    pub outcome: String,
    /// The error.
    pub reason: String,
}

/// One operator on the operators page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperatorView {
    /// Operator id, 0x-hex.
    pub operator_id: String,
    /// Its announced socket (`host:port`), empty when unknown.
    pub socket: String,
    /// Stake per quorum at the head, decimal.
    pub stakes: BTreeMap<u8, String>,
    /// Share of each quorum's stake, percent.
    pub stake_shares: BTreeMap<u8, f64>,
    /// Signing over the last hour.
    pub last_hour: SigningRate,
    /// Signing over the last day.
    pub last_day: SigningRate,
    /// Its most recent unsigned batches (at most 10), newest first.
    pub recent_rejections: Vec<Rejection>,
    /// Its rewards; absent unless the console is configured with
    /// `console.rewards_distribution` or `console.rewards_tokens`.
    pub rewards: Option<OperatorRewards>,
}

/// An operator's rewards: what the `RewardsCoordinator` says it claimed and, with a
/// distribution file configured, what it earned and can claim now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorRewards {
    /// The earner: the operator's Ethereum address, 0x-hex (checksummed).
    pub earner: String,
    /// Root of the configured distribution, 0x-hex; absent without one.
    pub distribution_root: Option<String>,
    /// The distribution's calculation end, Unix seconds.
    pub calculated_to: Option<u64>,
    /// That root is posted (and not disabled) on the `RewardsCoordinator`.
    pub root_posted: bool,
    /// That root is active at the latest block (claims against it pass).
    pub root_active: bool,
    /// Per token: the distribution's tokens for this earner, then the configured
    /// `rewards_tokens`.
    pub tokens: Vec<TokenRewards>,
}

/// One token of [`OperatorRewards`]; amounts in the token's base unit, decimal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRewards {
    /// The ERC-20, 0x-hex (checksummed).
    pub token: String,
    /// Cumulative earnings under the configured distribution; absent without one.
    pub earned: Option<String>,
    /// Earned minus claimed once the root is active, else 0; absent without a
    /// distribution.
    pub claimable: Option<String>,
    /// `cumulativeClaimed(earner, token)` on the `RewardsCoordinator`.
    pub claimed: String,
}

/// What `/api/v1/search?q=` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResult {
    /// `blob`, `account`, `batch` or `operator`.
    pub kind: String,
    /// The normalised key.
    pub key: String,
    /// The page that shows it.
    pub page: String,
}

/// The node page's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeSummary {
    /// This node's operator id, 0x-hex.
    pub operator_id: String,
    /// Blob bytes stored since the process started (frames and proofs).
    pub stored_bytes: u64,
    /// Batches held in the store now.
    pub stored_batches: u64,
    /// Blobs held in the store now.
    pub stored_blobs: u64,
    /// Batches received since the process started.
    pub batches_received: u64,
    /// Batches signed since the process started.
    pub batches_signed: u64,
    /// Batches refused since the process started, by reason.
    pub batches_refused: BTreeMap<String, u64>,
    /// Batches deleted by expiry since the process started.
    pub batches_expired: u64,
    /// How long data is kept, seconds.
    pub expiry_secs: u64,
    /// Where the disperser's console shows this operator's signing rate, when configured.
    pub disperser_console: Option<String>,
}

/// Whether a blob can be rebuilt from the operators now:
/// `GET /api/v1/blobs/{key}/retrievability`. The disperser really retrieves it (the
/// `lamina-retriever` crate, trusting no operator: every chunk checked against the
/// commitment) from the operators of each of its quorums in turn, bounded by a timeout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retrievability {
    /// Blob key, 64 hex digits.
    pub blob_key: String,
    /// The blob was rebuilt from the operators and checks against its commitment.
    pub retrievable: bool,
    /// The quorum whose operators rebuilt it, or the last one asked.
    pub quorum: Option<u8>,
    /// Distinct chunks needed to rebuild the blob (0 when no operator could be asked).
    pub chunks_needed: u64,
    /// Distinct verified chunks collected from that quorum's operators.
    pub chunks_got: u64,
    /// Operators of that quorum.
    pub operators: u64,
    /// Of those, operators asked for chunks.
    pub operators_asked: u64,
    /// Of those, operators that answered.
    pub operators_answered: u64,
    /// How long the check took, ms.
    pub elapsed_ms: u64,
    /// When the check ran, ms since the epoch (results are reused for a short while,
    /// `console.retrievability_cache_ms`).
    pub checked_ms: u64,
    /// Bytes of the payload the rebuilt blob decodes to.
    pub payload_bytes: Option<u64>,
    /// Keccak-256 of that payload, 0x-hex: compare with the payload you dispersed.
    pub payload_keccak256: Option<String>,
    /// The rebuilt blob equals, symbol for symbol, the blob the disperser accepted
    /// (absent once the disperser no longer keeps the blob's bytes).
    pub matches_dispersed: Option<bool>,
    /// Why it is not retrievable; empty when it is.
    pub reason: String,
}
