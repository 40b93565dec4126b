//! What the disperser reads from the contracts once and keeps: blob versions and their
//! parameters, the number of quorums, required quorums, security thresholds and each
//! quorum's operator count. Refreshed every [`REFRESH_INTERVAL`] in the background
//! ([`refresh_periodically`]: operators registering change which versions can be
//! assigned, and intake must refuse by today's count), and when a request names a version
//! or quorum not seen yet or a version that cannot be assigned (at most every
//! [`REFRESH_INTERVAL`]), so a version added on-chain is picked up without a restart.
//!
//! Required quorums and thresholds are read at the block a batch dispersed now would
//! reference (head − `reference_block_delay`), not at the head: dispatch judges a blob by
//! the rules at its batch's reference block, so a blob intake accepts under rules read at
//! the head could only fail later (governance drops a required quorum: a blob without it
//! passes intake at once, then fails at a reference block before the change).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use lamina_core::chain::bindings::registry_coordinator::RegistryCoordinator;
use lamina_core::chain::{Chain, ChainError, EthChain};
use lamina_core::{BlobParams, QuorumId, SecurityThresholds};
use tokio_util::sync::CancellationToken;

/// Shortest time between two refreshes triggered by requests.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(10);

/// The protocol parameters in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainParams {
    /// Parameters of every registered blob version (`0..next_blob_version`).
    pub blob_params: BTreeMap<u16, BlobParams>,
    /// `ThresholdRegistry.nextBlobVersion`.
    pub next_blob_version: u16,
    /// `RegistryCoordinator.quorumCount`.
    pub quorum_count: u8,
    /// Quorums every blob must include, at the block a batch formed now would reference.
    pub required_quorums: Vec<QuorumId>,
    /// Confirmation and adversary thresholds, at the same block.
    pub thresholds: SecurityThresholds,
    /// Operators registered in each quorum at the head when read (intake refuses a blob
    /// version that cannot be assigned over them).
    pub operator_counts: BTreeMap<QuorumId, usize>,
}

/// The chain connection plus cached [`ChainParams`].
#[derive(Debug)]
pub struct ChainView {
    chain: EthChain,
    /// Blocks between the head and a batch's reference block (`reference_block_delay`).
    reference_block_delay: u64,
    /// std `RwLock`: read for a clone, written after the awaits are done; never held
    /// across `.await`.
    params: RwLock<(ChainParams, Instant)>,
}

async fn load(chain: &EthChain, reference_block_delay: u64) -> Result<ChainParams, ChainError> {
    let next = chain.next_blob_version().await?;
    let mut blob_params = BTreeMap::new();
    for v in 0..next {
        blob_params.insert(v, chain.blob_params(v).await?);
    }
    let quorum_count =
        RegistryCoordinator::new(chain.addresses().registry_coordinator, chain.provider())
            .quorumCount()
            .call()
            .await
            .map_err(ChainError::Contract)?;
    let head_number = chain.block_number().await?;
    let head = u32::try_from(head_number).unwrap_or(u32::MAX);
    let reference =
        u32::try_from(head_number.saturating_sub(reference_block_delay)).unwrap_or(u32::MAX);
    let quorums: Vec<QuorumId> = (0..quorum_count).collect();
    let operator_counts = if quorums.is_empty() {
        BTreeMap::new()
    } else {
        chain
            .operator_state(&quorums, head)
            .await?
            .iter()
            .map(|q| (q.quorum(), q.len()))
            .collect()
    };
    let (required_quorums, thresholds) = rules_at(chain, reference).await?;
    Ok(ChainParams {
        blob_params,
        next_blob_version: next,
        quorum_count,
        operator_counts,
        required_quorums,
        thresholds,
    })
}

/// Required quorums and thresholds at `block`. Before the registry's first update there are
/// none (`NoParametersAtBlock`, a fresh chain younger than the delay): the current ones
/// stand in, and a batch referencing such a block fails at dispatch with its reason.
async fn rules_at(
    chain: &EthChain,
    block: u32,
) -> Result<(Vec<QuorumId>, SecurityThresholds), ChainError> {
    match (
        chain.quorum_numbers_required_at(block).await,
        chain.security_thresholds_at(block).await,
    ) {
        (Ok(required), Ok(thresholds)) => Ok((required, thresholds)),
        (Err(ChainError::Reverted { .. }), _) | (_, Err(ChainError::Reverted { .. })) => Ok((
            chain.quorum_numbers_required().await?,
            chain.security_thresholds().await?,
        )),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

impl ChainView {
    /// Reads the parameters, the rules at head − `reference_block_delay`.
    pub async fn new(chain: EthChain, reference_block_delay: u64) -> Result<Self, ChainError> {
        let params = load(&chain, reference_block_delay).await?;
        Ok(Self {
            chain,
            reference_block_delay,
            params: RwLock::new((params, Instant::now())),
        })
    }

    /// A view over `chain` with `params` as read, without reading anything (for
    /// in-process tests of the service, which never reach the chain).
    pub fn with_params(chain: EthChain, params: ChainParams) -> Self {
        Self {
            chain,
            reference_block_delay: 0,
            params: RwLock::new((params, Instant::now())),
        }
    }

    /// The chain.
    pub fn chain(&self) -> &EthChain {
        &self.chain
    }

    /// The cached parameters.
    pub fn params(&self) -> ChainParams {
        self.params
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .0
            .clone()
    }

    /// Re-reads the parameters unless that happened less than [`REFRESH_INTERVAL`] ago;
    /// returns the parameters in force either way.
    pub async fn refresh(&self) -> ChainParams {
        let stale = self
            .params
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .1
            .elapsed()
            >= REFRESH_INTERVAL;
        if stale {
            match load(&self.chain, self.reference_block_delay).await {
                Ok(fresh) => {
                    *self
                        .params
                        .write()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) =
                        (fresh, Instant::now());
                }
                Err(e) => tracing::warn!(error = %e, "could not refresh chain parameters"),
            }
        }
        self.params()
    }
}

/// Re-reads the parameters every [`REFRESH_INTERVAL`] until `shutdown`, so intake counts
/// the operators registered now: without it the counts read at start stay in force, and
/// after a 9th operator registers a version capped at 8 passes intake only to fail at
/// dispatch (refreshes triggered by requests come only after a refusal).
pub async fn refresh_periodically(view: Arc<ChainView>, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(REFRESH_INTERVAL) => {}
        }
        view.refresh().await;
    }
}
