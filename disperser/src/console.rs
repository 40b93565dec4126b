//! The disperser's side of the web console ([`lamina_console`]): [`ConsoleSource`] reads
//! the store's records (blob statuses and stage times, batch records with every
//! operator's answer) and the chain (stakes and sockets, cached for
//! [`OPERATORS_CACHE_TTL`]), and [`signing_rate`] turns batch records into an operator's
//! signing rate, for the console and for `GetValidatorSigningRate` alike.
//! [`retrievability`] answers whether a blob can be rebuilt from the operators now.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use lamina_console::model::{
    AnchorView, BatchView, BlobDetail, BlobSummary, CertificateView, CommitmentView, HeaderView,
    OperatorOutcomeView, OperatorRewards, OperatorView, Page, QuorumSigning, Rejection,
    Retrievability, SigningRate, StageTimes,
};
use lamina_console::{BlobCursor, BlobQuery, ConsoleError, DisperserSource};
use lamina_core::chain::Chain;
use lamina_core::{BlobKey, DaCertV3, OperatorId, QuorumId};
use lamina_proto::common::v1 as pb;
use prost::Message;

use crate::error::StoreError;
use crate::metadata::MetadataStore;
use crate::pipeline::Pipeline;
use crate::rate_limit::{RateLimiter, address_key};
use crate::store::{AnchorState, BatchRecord, BlobState, StatusRecord, now_ns};

pub mod retrievability;
pub mod rewards;

use retrievability::{CheckInput, RetrievabilityChecks};
use rewards::RewardsView;

/// How long the operators' stakes, sockets and rewards read from the chain are reused.
pub const OPERATORS_CACHE_TTL: Duration = Duration::from_secs(10);
/// The most batch records one signing-rate answer reads (a day of 1 s batches is 86,400).
pub const MAX_SIGNING_RATE_BATCHES: usize = 100_000;
/// Batches finish out of id order by at most the batches dispatched at once; records
/// this much older than the window's start end the scan.
/// Batch records read per page while tallying signing rates.
const SIGNING_RATE_PAGE: usize = 256;
const FINISH_ORDER_SLACK_NS: u64 = 120 * 1_000_000_000;
/// Rejections listed per operator.
const RECENT_REJECTIONS: usize = 10;

fn ms(ns: u64) -> u64 {
    ns / 1_000_000
}

fn internal(what: &'static str) -> impl Fn(StoreError) -> ConsoleError {
    move |e| ConsoleError::Internal {
        what,
        reason: e.to_string(),
    }
}

fn status_label(state: BlobState) -> &'static str {
    match state {
        BlobState::Queued => "QUEUED",
        BlobState::Encoded => "ENCODED",
        BlobState::GatheringSignatures => "GATHERING_SIGNATURES",
        BlobState::Complete => "COMPLETE",
        BlobState::Failed => "FAILED",
        BlobState::InsufficientSignatures => "INSUFFICIENT_SIGNATURES",
    }
}

fn anchor_view(anchor: &AnchorState) -> AnchorView {
    match anchor {
        AnchorState::NotAnchored => AnchorView {
            state: "NOT_ANCHORED".into(),
            tx_hash: None,
            block_number: None,
            reason: None,
        },
        AnchorState::Pending => AnchorView {
            state: "PENDING".into(),
            tx_hash: None,
            block_number: None,
            reason: None,
        },
        AnchorState::Confirmed(c) => AnchorView {
            state: "CONFIRMED".into(),
            tx_hash: Some(c.tx_hash.clone()),
            block_number: Some(c.block_number),
            reason: None,
        },
        AnchorState::Failed(why) => AnchorView {
            state: "FAILED".into(),
            tx_hash: None,
            block_number: None,
            reason: Some(why.clone()),
        },
    }
}

fn quorum_views(batch: &BatchRecord) -> Vec<QuorumSigning> {
    batch
        .quorums
        .iter()
        .map(|q| QuorumSigning {
            quorum: q.quorum,
            signed_percentage: q.percentage,
            signed_stake: q.signed_stake.clone(),
            total_stake: q.total_stake.clone(),
            signers: q.signers.clone(),
            non_signers: q.non_signers.clone(),
        })
        .collect()
}

fn batch_view(batch_id: u64, b: &BatchRecord) -> BatchView {
    BatchView {
        batch_id,
        blob_keys: b.blob_keys.clone(),
        size_bytes: b.blob_bytes,
        batch_root: b.batch_root.clone(),
        reference_block_number: b.reference_block_number,
        quorums: quorum_views(b),
        operators: b
            .operators
            .iter()
            .map(|o| OperatorOutcomeView {
                operator_id: o.operator_id.clone(),
                outcome: o.outcome.clone(),
                reason: o.reason.clone(),
                latency_ms: o.latency_ms,
            })
            .collect(),
        dispatched_ms: ms(b.dispatched_ns),
        finished_ms: ms(b.finished_ns),
        latency_ms: ms(b.finished_ns.saturating_sub(b.dispatched_ns)),
        anchor: anchor_view(&b.anchor),
    }
}

/// The parts of the stored header (prost `BlobCertificate`) the console shows.
fn header_view(bytes: &[u8]) -> Result<HeaderView, ConsoleError> {
    let cert = pb::BlobCertificate::decode(bytes).map_err(|e| ConsoleError::Internal {
        what: "blob header",
        reason: e.to_string(),
    })?;
    let header = cert.blob_header.unwrap_or_default();
    let commitment = header.commitment.unwrap_or_default();
    let payment = header.payment_header.unwrap_or_default();
    let hex0x = |b: &[u8]| format!("0x{}", hex::encode(b));
    Ok(HeaderView {
        version: u16::try_from(header.version).unwrap_or(u16::MAX),
        quorums: header
            .quorum_numbers
            .iter()
            .map(|&q| u8::try_from(q).unwrap_or(u8::MAX))
            .collect(),
        commitment: CommitmentView {
            commitment: hex0x(&commitment.commitment),
            length_commitment: hex0x(&commitment.length_commitment),
            length_proof: hex0x(&commitment.length_proof),
            length: commitment.length,
        },
        account: payment.account_id,
        payment_timestamp_ns: payment.timestamp,
        cumulative_payment: alloy_primitives::U256::from_be_slice(
            &payment.cumulative_payment[..payment.cumulative_payment.len().min(32)],
        )
        .to_string(),
        signature: hex0x(&cert.signature),
    })
}

fn summary(
    key: &BlobKey,
    status: &StatusRecord,
    header: &HeaderView,
    batch: Option<&BatchRecord>,
) -> BlobSummary {
    let anchored_ms = batch.and_then(|b| match &b.anchor {
        // The record keeps the block, not its time: the finish time of the batch record's
        // last update is the closest the disperser knows.
        AnchorState::Confirmed(_) => Some(ms(status.updated_ns)),
        AnchorState::NotAnchored | AnchorState::Pending | AnchorState::Failed(_) => None,
    });
    BlobSummary {
        blob_key: key.to_string(),
        status: status_label(status.state).into(),
        reason: status.reason.clone(),
        size_bytes: status.blob_bytes,
        quorums: header.quorums.clone(),
        account: header.account.clone(),
        version: header.version,
        batch_id: status.batch_id,
        stages: StageTimes {
            queued_ms: ms(status.accepted_ns),
            encoded_ms: status.encoded_ns.map(ms),
            dispatched_ms: status.dispatched_ns.map(ms),
            finished_ms: status.state.is_terminal().then(|| ms(status.updated_ns)),
            anchored_ms,
        },
    }
}

/// The certificate in both forms: ABI hex and the JSON `lamina disperse --cert-out` writes.
fn certificate_view(
    key: &BlobKey,
    abi: &[u8],
    batch: Option<&BatchRecord>,
) -> Result<CertificateView, ConsoleError> {
    let cert = DaCertV3::abi_decode(abi).map_err(|e| ConsoleError::Internal {
        what: "certificate",
        reason: e.to_string(),
    })?;
    let mut json = serde_json::json!({
        "blob_key": key.to_string(),
        "cert_abi": format!("0x{}", hex::encode(abi)),
        "reference_block_number": cert.batch_header.reference_block_number,
        "batch_root": cert.batch_header.batch_root.to_string(),
        "blob_index": cert.blob_inclusion_info.blob_index,
        "quorums": cert.blob_inclusion_info.blob_certificate.blob_header.quorum_numbers,
        "signed_quorums": cert.signed_quorum_numbers,
    });
    if let Some(AnchorState::Confirmed(c)) = batch.map(|b| &b.anchor)
        && let Some(object) = json.as_object_mut()
    {
        object.insert(
            "confirmation".into(),
            serde_json::json!({ "transaction_hash": c.tx_hash, "block_number": c.block_number }),
        );
    }
    Ok(CertificateView {
        cert_abi: format!("0x{}", hex::encode(abi)),
        json,
    })
}

/// What [`signing_rates`] counts, by operator id (0x-hex).
#[derive(Clone, Debug, Default)]
pub struct SigningTallies {
    /// Each operator's signing rate over the window.
    pub rates: BTreeMap<String, SigningRate>,
    /// Each operator's most recent unsigned batches in the window, newest first.
    pub rejections: BTreeMap<String, Vec<Rejection>>,
}

/// Signing tallies of every operator over the last `window_secs` before `now_ns`, from
/// the newest [`MAX_SIGNING_RATE_BATCHES`] batch records; also each operator's most
/// recent rejections.
pub async fn signing_rates(
    store: &dyn MetadataStore,
    now_ns: u64,
    window_secs: u64,
) -> Result<SigningTallies, StoreError> {
    let start = now_ns.saturating_sub(window_secs.saturating_mul(1_000_000_000));
    let mut rates: BTreeMap<String, SigningRate> = BTreeMap::new();
    let mut latency_sums: BTreeMap<String, u64> = BTreeMap::new();
    let mut rejections: BTreeMap<String, Vec<Rejection>> = BTreeMap::new();
    let mut before = None;
    let mut read = 0;
    'pages: while read < MAX_SIGNING_RATE_BATCHES {
        let page = SIGNING_RATE_PAGE.min(MAX_SIGNING_RATE_BATCHES - read);
        let batches = store.recent_batches(before, page).await?;
        let Some((last, _)) = batches.last() else {
            break;
        };
        before = Some(*last);
        read += batches.len();
        let short = batches.len() < page;
        for (batch_id, batch) in batches {
            if batch.finished_ns < start {
                // Records from before stage times existed (0) or long before the window end the scan.
                if batch.finished_ns == 0 || batch.finished_ns + FINISH_ORDER_SLACK_NS < start {
                    break 'pages;
                }
                continue;
            }
            for o in &batch.operators {
                let rate = rates.entry(o.operator_id.clone()).or_default();
                if o.signed() {
                    rate.signed_batches += 1;
                    rate.signed_bytes += batch.blob_bytes;
                    *latency_sums.entry(o.operator_id.clone()).or_default() += o.latency_ms;
                } else {
                    rate.unsigned_batches += 1;
                    rate.unsigned_bytes += batch.blob_bytes;
                    let list = rejections.entry(o.operator_id.clone()).or_default();
                    if list.len() < RECENT_REJECTIONS {
                        list.push(Rejection {
                            batch_id,
                            at_ms: ms(batch.finished_ns),
                            outcome: o.outcome.clone(),
                            reason: o.reason.clone(),
                        });
                    }
                }
            }
        }
        if short {
            break;
        }
    }
    for (id, rate) in &mut rates {
        rate.operator_id.clone_from(id);
        rate.window_secs = window_secs;
        rate.as_of_ms = ms(now_ns);
        let total = rate.signed_batches + rate.unsigned_batches;
        if total > 0 {
            rate.signing_rate = rate.signed_batches as f64 / total as f64;
        }
        if rate.signed_batches > 0 {
            rate.mean_latency_ms =
                latency_sums.get(id).copied().unwrap_or(0) as f64 / rate.signed_batches as f64;
        }
    }
    Ok(SigningTallies { rates, rejections })
}

/// One operator's [`signing_rates`] entry (all zeros when no batch went to it).
pub async fn signing_rate(
    store: &dyn MetadataStore,
    operator: &OperatorId,
    now_ns: u64,
    window_secs: u64,
) -> Result<SigningRate, StoreError> {
    let id = operator.to_string();
    let mut tallies = signing_rates(store, now_ns, window_secs).await?;
    Ok(tallies.rates.remove(&id).unwrap_or(SigningRate {
        operator_id: id,
        window_secs,
        as_of_ms: ms(now_ns),
        ..SigningRate::default()
    }))
}

/// One registered operator at the head.
#[derive(Clone, Debug, Default)]
struct RegisteredOperator {
    /// Stake per quorum, decimal.
    stakes: BTreeMap<u8, String>,
    /// Share of each quorum's stake, percent.
    shares: BTreeMap<u8, f64>,
    /// Announced socket, empty when unknown.
    socket: String,
    /// Its Ethereum address (the rewards earner), when its registration could be read.
    address: Option<alloy_primitives::Address>,
    /// Its rewards, when the console shows them.
    rewards: Option<OperatorRewards>,
}

/// Stakes and sockets at the head.
#[derive(Clone, Debug)]
struct Registered {
    operators: BTreeMap<OperatorId, RegisteredOperator>,
}

/// [`DisperserSource`] over the disperser's store and chain.
#[derive(Debug)]
pub struct ConsoleSource {
    p: Arc<Pipeline>,
    /// Its own per-address limiter with the gRPC API's per-address limits, so that
    /// console traffic never eats a client address's dispersal budget.
    limiter: RateLimiter<IpAddr>,
    /// std `Mutex`: a clone in and out, never held across `.await`.
    registered: Mutex<Option<(Instant, Registered)>>,
    /// The live retrievability checks, bounded.
    checks: RetrievabilityChecks,
    /// Which rewards the operators page shows.
    rewards: RewardsView,
}

impl ConsoleSource {
    /// The console's view of the pipeline `p`; retrievability checks verify with `srs`
    /// and open operator sockets with `operators` (the dispatcher's connector).
    pub fn new(
        p: Arc<Pipeline>,
        srs: Arc<lamina_encoding::Srs>,
        operators: lamina_core::tls::GrpcConnector,
    ) -> Self {
        let c = &p.config;
        let limiter = RateLimiter::new(0, c.rate_limit_address_blobs_per_sec, c.rate_limit_tracked);
        let checks = RetrievabilityChecks::new(p.chain.chain().clone(), srs, operators, &c.console);
        let rewards = RewardsView::new(&c.console);
        Self {
            p,
            limiter,
            registered: Mutex::new(None),
            checks,
            rewards,
        }
    }

    async fn registered(&self) -> Result<Registered, ConsoleError> {
        if let Some((at, r)) = self
            .registered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            && at.elapsed() < OPERATORS_CACHE_TTL
        {
            return Ok(r.clone());
        }
        let unavailable = |e: lamina_core::chain::ChainError| ConsoleError::Unavailable {
            what: "chain",
            reason: e.to_string(),
        };
        let chain = self.p.chain.chain();
        let head = chain.block_number().await.map_err(unavailable)?;
        let head = u32::try_from(head).unwrap_or(u32::MAX);
        let quorums: Vec<QuorumId> = (0..self.p.chain.params().quorum_count).collect();
        let state = if quorums.is_empty() {
            Vec::new()
        } else {
            chain
                .operator_state(&quorums, head)
                .await
                .map_err(unavailable)?
        };
        let mut operators: BTreeMap<OperatorId, RegisteredOperator> = BTreeMap::new();
        for q in &state {
            let total = q.total_stake();
            for m in q.iter() {
                let entry = operators.entry(m.operator_id).or_default();
                entry.stakes.insert(q.quorum(), m.stake.to_string());
                let share = if total == 0 {
                    0.0
                } else {
                    100.0 * m.stake as f64 / total as f64
                };
                entry.shares.insert(q.quorum(), share);
            }
        }
        for (id, entry) in &mut operators {
            // A socket that cannot be read shows as unknown; the stake is still right.
            if let Ok(info) = chain.operator_info(*id, head).await {
                entry.socket = info.socket.unwrap_or_default();
                entry.address = Some(info.address);
            }
        }
        if self.rewards.enabled() {
            let distribution = self.rewards.distribution().await?;
            for entry in operators.values_mut() {
                if let Some(address) = entry.address {
                    entry.rewards = Some(
                        self.rewards
                            .operator(chain, distribution.as_ref(), address)
                            .await?,
                    );
                }
            }
        }
        let registered = Registered { operators };
        *self
            .registered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((Instant::now(), registered.clone()));
        Ok(registered)
    }
}

async fn read_blob(store: &dyn MetadataStore, key: &BlobKey) -> Result<StoredBlob, ConsoleError> {
    let status = store
        .status(key)
        .await
        .map_err(internal("blob status"))?
        .ok_or_else(|| ConsoleError::NotFound {
            what: "blob",
            key: key.to_string(),
        })?;
    let header = store
        .header(key)
        .await
        .map_err(internal("blob header"))?
        .map(|h| header_view(&h))
        .transpose()?
        .ok_or_else(|| ConsoleError::Internal {
            what: "blob header",
            reason: format!("blob {key} has a status but no header"),
        })?;
    let batch = match status.batch_id {
        Some(id) => store
            .batch(id)
            .await
            .map_err(internal("batch"))?
            .map(|b| (id, b)),
        None => None,
    };
    Ok(StoredBlob {
        status,
        header,
        batch,
    })
}

/// What a retrievability check of `key` needs: its certified header and reference block
/// (from its certificate) and its bytes while kept; [`ConsoleError::WrongState`] unless
/// it is `COMPLETE`.
async fn check_input(p: &Pipeline, key: &BlobKey) -> Result<CheckInput, ConsoleError> {
    let status = p
        .store
        .status(key)
        .await
        .map_err(internal("blob status"))?
        .ok_or_else(|| ConsoleError::NotFound {
            what: "blob",
            key: key.to_string(),
        })?;
    let wrong_state = |reason: String| ConsoleError::WrongState {
        what: "blob",
        key: key.to_string(),
        reason,
    };
    if status.state != BlobState::Complete {
        return Err(wrong_state(format!(
            "it is {}; only a COMPLETE blob (certified, chunks stored by the operators) can be checked",
            status_label(status.state)
        )));
    }
    let abi = status.cert_abi().ok_or_else(|| ConsoleError::Internal {
        what: "certificate",
        reason: format!("COMPLETE blob {key} has no certificate record"),
    })?;
    let cert = DaCertV3::abi_decode(&abi).map_err(|e| ConsoleError::Internal {
        what: "certificate",
        reason: e.to_string(),
    })?;
    Ok(CheckInput {
        header: cert.blob_inclusion_info.blob_certificate.blob_header,
        reference_block: cert.batch_header.reference_block_number,
        dispersed: p
            .objects
            .blob(key)
            .await
            .map_err(|e| ConsoleError::Internal {
                what: "blob bytes",
                reason: e.to_string(),
            })?,
    })
}

/// A blob's records: status, header, and its batch (id and record) once it has one.
struct StoredBlob {
    status: StatusRecord,
    header: HeaderView,
    batch: Option<(u64, BatchRecord)>,
}

#[async_trait]
impl DisperserSource for ConsoleSource {
    fn admit(&self, peer: Option<IpAddr>) -> Result<(), ConsoleError> {
        let Some(ip) = peer else {
            return Ok(());
        };
        self.limiter
            .check(address_key(ip), 0, Instant::now())
            .map_err(|l| ConsoleError::RateLimited {
                retry_after: l.retry_after,
            })
    }

    async fn blobs(&self, query: BlobQuery) -> Result<Page<BlobSummary>, ConsoleError> {
        let store = self.p.store.as_ref();
        let before = query.before.map(|c| (c.accepted_ns, BlobKey(c.blob_key)));
        let keys = store
            .recent_blobs(query.account.as_ref(), before, query.limit)
            .await
            .map_err(internal("blob list"))?;
        let mut items = Vec::with_capacity(keys.len());
        for (_, key) in &keys {
            let StoredBlob {
                status,
                header,
                batch,
            } = read_blob(store, key).await?;
            items.push(summary(
                key,
                &status,
                &header,
                batch.as_ref().map(|(_, b)| b),
            ));
        }
        let next = (keys.len() == query.limit)
            .then(|| keys.last())
            .flatten()
            .map(|(ns, key)| {
                BlobCursor {
                    accepted_ns: *ns,
                    blob_key: key.0,
                }
                .encode()
            });
        Ok(Page { items, next })
    }

    async fn blob(&self, blob_key: [u8; 32]) -> Result<BlobDetail, ConsoleError> {
        let key = BlobKey(blob_key);
        let StoredBlob {
            status,
            header,
            batch,
        } = read_blob(self.p.store.as_ref(), &key).await?;
        let batch_ref = batch.as_ref().map(|(_, b)| b);
        let certificate = status
            .cert_abi()
            .map(|abi| certificate_view(&key, &abi, batch_ref))
            .transpose()?;
        let quorums = batch_ref.map(quorum_views).unwrap_or_default();
        let mut non_signers: Vec<String> = quorums
            .iter()
            .flat_map(|q| q.non_signers.iter().cloned())
            .collect();
        non_signers.sort();
        non_signers.dedup();
        Ok(BlobDetail {
            summary: summary(&key, &status, &header, batch_ref),
            header,
            certificate,
            quorums,
            non_signers,
            reference_block_number: batch_ref.map(|b| b.reference_block_number),
            anchor: batch_ref.map(|b| anchor_view(&b.anchor)),
        })
    }

    async fn retrievability(&self, blob_key: [u8; 32]) -> Result<Retrievability, ConsoleError> {
        let key = BlobKey(blob_key);
        let input = check_input(&self.p, &key);
        self.checks.check(key, input).await
    }

    async fn batches(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Page<BatchView>, ConsoleError> {
        let batches = self
            .p
            .store
            .recent_batches(before, limit)
            .await
            .map_err(internal("batch list"))?;
        let next = (batches.len() == limit)
            .then(|| batches.last().map(|(id, _)| id.to_string()))
            .flatten();
        Ok(Page {
            items: batches.iter().map(|(id, b)| batch_view(*id, b)).collect(),
            next,
        })
    }

    async fn batch(&self, batch_id: u64) -> Result<BatchView, ConsoleError> {
        let batch = self
            .p
            .store
            .batch(batch_id)
            .await
            .map_err(internal("batch"))?
            .ok_or_else(|| ConsoleError::NotFound {
                what: "batch",
                key: batch_id.to_string(),
            })?;
        Ok(batch_view(batch_id, &batch))
    }

    async fn operators(&self) -> Result<Vec<OperatorView>, ConsoleError> {
        let registered = self.registered().await?;
        let now = now_ns();
        let store = self.p.store.as_ref();
        let hour = signing_rates(store, now, 3600)
            .await
            .map_err(internal("signing rates"))?
            .rates;
        let day = signing_rates(store, now, 86_400)
            .await
            .map_err(internal("signing rates"))?;
        let SigningTallies {
            rates: day,
            rejections,
        } = day;
        let empty = |id: &str, window_secs| SigningRate {
            operator_id: id.to_owned(),
            window_secs,
            as_of_ms: ms(now),
            ..SigningRate::default()
        };
        Ok(registered
            .operators
            .into_iter()
            .map(|(id, registered)| {
                let id = id.to_string();
                OperatorView {
                    last_hour: hour.get(&id).cloned().unwrap_or_else(|| empty(&id, 3600)),
                    last_day: day.get(&id).cloned().unwrap_or_else(|| empty(&id, 86_400)),
                    recent_rejections: rejections.get(&id).cloned().unwrap_or_default(),
                    operator_id: id,
                    socket: registered.socket,
                    stakes: registered.stakes,
                    stake_shares: registered.shares,
                    rewards: registered.rewards,
                }
            })
            .collect())
    }

    async fn signing_rate(
        &self,
        operator_id: [u8; 32],
        window_secs: u64,
    ) -> Result<SigningRate, ConsoleError> {
        let now = now_ns();
        signing_rate(
            self.p.store.as_ref(),
            &OperatorId(operator_id),
            now,
            window_secs,
        )
        .await
        .map_err(internal("signing rate"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{OperatorRecord, Store};

    fn answer(id: u8, outcome: &str, latency_ms: u64) -> OperatorRecord {
        OperatorRecord {
            operator_id: OperatorId([id; 32]).to_string(),
            outcome: outcome.into(),
            reason: if outcome == "signed" {
                String::new()
            } else {
                format!("{outcome} at node {id}")
            },
            latency_ms,
        }
    }

    fn batch(finished_ns: u64, bytes: u64, operators: Vec<OperatorRecord>) -> BatchRecord {
        BatchRecord {
            blob_keys: Vec::new(),
            batch_root: "0x00".into(),
            reference_block_number: 1,
            anchor: AnchorState::NotAnchored,
            dispatched_ns: finished_ns.saturating_sub(1),
            finished_ns,
            blob_bytes: bytes,
            quorums: Vec::new(),
            operators,
        }
    }

    #[tokio::test]
    async fn signing_rates_count_the_window_and_name_rejections() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), 0).expect("opens");
        let hour = 3600 * 1_000_000_000u64;
        let now = 100 * hour;
        let batches = [
            // a day ago: outside the hour, inside the day
            batch(
                now - 20 * hour,
                10,
                vec![answer(1, "signed", 5), answer(2, "signed", 7)],
            ),
            batch(
                now - 60 * 1_000_000_000,
                100,
                vec![answer(1, "signed", 10), answer(2, "timeout", 0)],
            ),
            batch(
                now - 1_000_000_000,
                1000,
                vec![answer(1, "signed", 20), answer(2, "error", 0)],
            ),
        ];
        for (id, record) in batches.iter().enumerate() {
            store.set_batch(id as u64, record).await.expect("writes");
        }
        let SigningTallies {
            rates: hourly,
            rejections,
        } = signing_rates(&store, now, 3600).await.expect("reads");
        let one = &hourly[&OperatorId([1; 32]).to_string()];
        assert_eq!((one.signed_batches, one.unsigned_batches), (2, 0));
        assert_eq!(one.signed_bytes, 1100);
        assert!((one.signing_rate - 1.0).abs() < f64::EPSILON);
        assert!((one.mean_latency_ms - 15.0).abs() < f64::EPSILON);
        let two = &hourly[&OperatorId([2; 32]).to_string()];
        assert_eq!((two.signed_batches, two.unsigned_batches), (0, 2));
        assert_eq!(two.unsigned_bytes, 1100);
        assert_eq!(two.signing_rate, 0.0);
        let listed = &rejections[&OperatorId([2; 32]).to_string()];
        assert_eq!(
            listed
                .iter()
                .map(|r| (r.batch_id, r.outcome.as_str()))
                .collect::<Vec<_>>(),
            vec![(2, "error"), (1, "timeout")],
            "newest first"
        );

        let daily = signing_rate(&store, &OperatorId([2; 32]), now, 86_400)
            .await
            .expect("reads");
        assert_eq!((daily.signed_batches, daily.unsigned_batches), (1, 2));
        assert!((daily.signing_rate - 1.0 / 3.0).abs() < 1e-9);
        let nobody = signing_rate(&store, &OperatorId([9; 32]), now, 86_400)
            .await
            .expect("reads");
        assert_eq!(
            (
                nobody.signed_batches,
                nobody.unsigned_batches,
                nobody.window_secs
            ),
            (0, 0, 86_400)
        );
    }
}
