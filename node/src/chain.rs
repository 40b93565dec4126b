//! The node's reads of the contracts, with the caches that keep them off the hot path.
//!
//! - blob parameters per version: registered versions never change, cached forever;
//! - operator state per (reference block, quorum set): immutable history, kept in a
//!   bounded cache (the disperser sends many batches against one reference block);
//! - the quorum count and batch-confirmer approvals: cached briefly
//!   ([`ONCHAIN_CACHE_TTL`]) so a revoked confirmer loses access within seconds.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alloy::primitives::Address;
use lamina_core::chain::bindings::registry_coordinator::RegistryCoordinator;
use lamina_core::chain::{Chain, ChainError, EthChain};
use lamina_core::{BlobParams, QuorumId, QuorumOperators};

/// How long the quorum count and batch-confirmer answers are reused.
pub const ONCHAIN_CACHE_TTL: Duration = Duration::from_secs(10);

/// Operator state of some quorums at one block, one entry per quorum (ascending).
pub type QuorumStates = Arc<Vec<QuorumOperators>>;

/// Cached chain reads. Locks are std mutexes held only for map operations, never
/// across an `.await` (the chain call happens between two short critical sections).
#[derive(Debug)]
pub struct ChainReader {
    chain: EthChain,
    params: Mutex<HashMap<u16, BlobParams>>,
    states: Mutex<StateCache>,
    quorum_count: Mutex<Option<(Instant, u8)>>,
    confirmers: Mutex<HashMap<Address, (Instant, bool)>>,
}

#[derive(Debug)]
struct StateCache {
    capacity: usize,
    map: HashMap<(u32, Vec<QuorumId>), QuorumStates>,
    order: VecDeque<(u32, Vec<QuorumId>)>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves a valid cache: keep going.
    match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl ChainReader {
    /// Wraps `chain`, keeping up to `state_cache` operator states.
    pub fn new(chain: EthChain, state_cache: usize) -> Self {
        Self {
            chain,
            params: Mutex::new(HashMap::new()),
            states: Mutex::new(StateCache {
                capacity: state_cache.max(1),
                map: HashMap::new(),
                order: VecDeque::new(),
            }),
            quorum_count: Mutex::new(None),
            confirmers: Mutex::new(HashMap::new()),
        }
    }

    /// The underlying chain.
    pub fn chain(&self) -> &EthChain {
        &self.chain
    }

    /// Latest block number.
    pub async fn block_number(&self) -> Result<u64, ChainError> {
        self.chain.block_number().await
    }

    /// Parameters of blob `version`; `Ok(None)` if the version is not registered.
    pub async fn blob_params(&self, version: u16) -> Result<Option<BlobParams>, ChainError> {
        if let Some(p) = lock(&self.params).get(&version) {
            return Ok(Some(*p));
        }
        if version >= self.chain.next_blob_version().await? {
            return Ok(None);
        }
        let params = self.chain.blob_params(version).await?;
        lock(&self.params).insert(version, params);
        Ok(Some(params))
    }

    /// Number of quorums created in the registry coordinator.
    pub async fn quorum_count(&self) -> Result<u8, ChainError> {
        if let Some((at, n)) = *lock(&self.quorum_count)
            && at.elapsed() < ONCHAIN_CACHE_TTL
        {
            return Ok(n);
        }
        let n = RegistryCoordinator::new(
            self.chain.addresses().registry_coordinator,
            self.chain.provider(),
        )
        .quorumCount()
        .call()
        .await
        .map_err(ChainError::Contract)?;
        *lock(&self.quorum_count) = Some((Instant::now(), n));
        Ok(n)
    }

    /// Whether `LaminaServiceManager.isBatchConfirmer(address)`.
    pub async fn is_batch_confirmer(&self, address: Address) -> Result<bool, ChainError> {
        if let Some(&(at, ok)) = lock(&self.confirmers).get(&address)
            && at.elapsed() < ONCHAIN_CACHE_TTL
        {
            return Ok(ok);
        }
        let ok = self.chain.is_batch_confirmer(address).await?;
        // Only approvals are cached: a newly appointed confirmer is accepted at once, and
        // an unknown signer cannot fill the cache.
        if ok {
            let mut confirmers = lock(&self.confirmers);
            if confirmers.len() > 1024 {
                confirmers.retain(|_, (at, _)| at.elapsed() < ONCHAIN_CACHE_TTL);
            }
            confirmers.insert(address, (Instant::now(), ok));
        }
        Ok(ok)
    }

    /// Operator state of `quorums` (ascending, distinct) at `block`.
    pub async fn operator_state(
        &self,
        quorums: &[QuorumId],
        block: u32,
    ) -> Result<QuorumStates, ChainError> {
        let key = (block, quorums.to_vec());
        if let Some(s) = lock(&self.states).map.get(&key) {
            return Ok(s.clone());
        }
        let state = Arc::new(self.chain.operator_state(quorums, block).await?);
        let mut cache = lock(&self.states);
        if !cache.map.contains_key(&key) {
            if cache.order.len() >= cache.capacity
                && let Some(old) = cache.order.pop_front()
            {
                cache.map.remove(&old);
            }
            cache.order.push_back(key.clone());
            cache.map.insert(key, state.clone());
        }
        Ok(state)
    }
}
