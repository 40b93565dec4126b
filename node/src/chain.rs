//! The node's reads of the contracts, with the caches that keep them off the hot path.
//!
//! - blob parameters per version: registered versions never change, cached forever;
//! - operator state per (reference block, quorum set): immutable history, kept in a
//!   bounded cache (the disperser sends many batches against one reference block);
//! - the quorum count: cached briefly ([`ONCHAIN_CACHE_TTL`]);
//! - batch-confirmer answers, approvals AND refusals: cached for the configured TTL in
//!   a bounded table ([`SignerCache`]), so a flood of StoreChunks signed by fresh keys
//!   costs one chain call per key, not per request, and cannot grow memory; a revoked
//!   confirmer loses access, and a newly appointed one gains it, within the TTL;
//! - the registries' own record of this operator per (reference block, quorum set), read
//!   beside the operator state to cross-check it ([`QuorumRegistry`]).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alloy::primitives::{Address, B256, U256};
use lamina_core::chain::bindings::registry_coordinator::RegistryCoordinator;
use lamina_core::chain::bindings::stake_registry::StakeRegistry;
use lamina_core::chain::{Chain, ChainError, EthChain};
use lamina_core::{BlobParams, OperatorId, QuorumId, QuorumOperators};
use prometheus_client::metrics::counter::Counter;

use crate::validate::QuorumRegistry;

/// How long the quorum count and batch-confirmer answers are reused.
pub const ONCHAIN_CACHE_TTL: Duration = Duration::from_secs(10);

/// Operator state of some quorums at one block, one entry per quorum (ascending).
pub type QuorumStates = Arc<Vec<QuorumOperators>>;

/// A bounded table of `isBatchConfirmer` answers, each reused for `ttl`. At capacity the
/// oldest answer is forgotten first (insertion order), so the table never exceeds
/// `capacity` whatever the number of keys an attacker signs with.
#[derive(Debug)]
pub struct SignerCache {
    ttl: Duration,
    capacity: usize,
    answers: HashMap<Address, (Instant, bool)>,
    order: VecDeque<Address>,
}

impl SignerCache {
    /// Empty; answers live `ttl`; at most `capacity` (at least 1) are kept.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity: capacity.max(1),
            answers: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// The cached answer for `signer` at `now`, if still fresh.
    pub fn get(&self, signer: &Address, now: Instant) -> Option<bool> {
        self.answers
            .get(signer)
            .filter(|(at, _)| now.saturating_duration_since(*at) < self.ttl)
            .map(|&(_, ok)| ok)
    }

    /// Records `ok` for `signer` at `now`, evicting the oldest entries past capacity.
    pub fn insert(&mut self, signer: Address, ok: bool, now: Instant) {
        if self.answers.insert(signer, (now, ok)).is_none() {
            self.order.push_back(signer);
        }
        while self.answers.len() > self.capacity {
            match self.order.pop_front() {
                Some(old) => {
                    self.answers.remove(&old);
                }
                None => break,
            }
        }
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.answers.len()
    }

    /// Whether no answer is held.
    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
    }
}

/// Cached chain reads. Locks are std mutexes held only for map operations, never
/// across an `.await` (the chain call happens between two short critical sections).
#[derive(Debug)]
pub struct ChainReader {
    chain: EthChain,
    params: Mutex<HashMap<u16, BlobParams>>,
    states: Mutex<StateCache>,
    quorum_count: Mutex<Option<(Instant, u8)>>,
    confirmers: Mutex<SignerCache>,
    /// Chain calls made to answer `is_batch_confirmer` (the cache's misses).
    signer_lookups: Counter,
    stake_registry: Mutex<Option<Address>>,
    registry: Mutex<HashMap<RegistryKey, Arc<Vec<QuorumRegistry>>>>,
}

/// A registry read: its reference block and quorums.
type RegistryKey = (u32, Vec<QuorumId>);

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
    /// Wraps `chain`, keeping up to `state_cache` operator states and `signers` (TTL,
    /// capacity) batch-confirmer answers; `signer_lookups` counts the chain calls those
    /// answers cost.
    pub fn new(
        chain: EthChain,
        state_cache: usize,
        signers: (Duration, usize),
        signer_lookups: Counter,
    ) -> Self {
        Self {
            chain,
            params: Mutex::new(HashMap::new()),
            states: Mutex::new(StateCache {
                capacity: state_cache.max(1),
                map: HashMap::new(),
                order: VecDeque::new(),
            }),
            quorum_count: Mutex::new(None),
            confirmers: Mutex::new(SignerCache::new(signers.0, signers.1)),
            signer_lookups,
            stake_registry: Mutex::new(None),
            registry: Mutex::new(HashMap::new()),
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
        if let Some(ok) = lock(&self.confirmers).get(&address, Instant::now()) {
            return Ok(ok);
        }
        self.signer_lookups.inc();
        let ok = self.chain.is_batch_confirmer(address).await?;
        // Refusals are cached too: otherwise every request signed by a fresh or unknown
        // key would cost a chain call. The table is bounded (oldest evicted first).
        lock(&self.confirmers).insert(address, ok, Instant::now());
        Ok(ok)
    }

    async fn stake_registry(
        &self,
    ) -> Result<StakeRegistry::StakeRegistryInstance<&alloy::providers::DynProvider>, ChainError>
    {
        let cached = *lock(&self.stake_registry);
        let address = match cached {
            Some(address) => address,
            None => {
                let address = RegistryCoordinator::new(
                    self.chain.addresses().registry_coordinator,
                    self.chain.provider(),
                )
                .stakeRegistry()
                .call()
                .await
                .map_err(ChainError::Contract)?;
                *lock(&self.stake_registry) = Some(address);
                address
            }
        };
        Ok(StakeRegistry::new(address, self.chain.provider()))
    }

    /// What the registries record about `operator` in `quorums` (ascending) at `block`,
    /// read independently of [`Self::operator_state`]: the StakeRegistry's total and
    /// operator stake histories and the coordinator's bitmap history, evaluated at
    /// `block` here (no call that reverts for an operator that never registered).
    pub async fn registry_records(
        &self,
        quorums: &[QuorumId],
        block: u32,
        operator: OperatorId,
    ) -> Result<Arc<Vec<QuorumRegistry>>, ChainError> {
        let key = (block, quorums.to_vec());
        if let Some(r) = lock(&self.registry).get(&key) {
            return Ok(r.clone());
        }
        let coordinator = RegistryCoordinator::new(
            self.chain.addresses().registry_coordinator,
            self.chain.provider(),
        );
        let id = B256::from(operator.0);
        // The operator's quorum bitmap at `block`: the last update at or before it.
        let length = coordinator
            .getQuorumBitmapHistoryLength(id)
            .call()
            .await
            .map_err(ChainError::Contract)?;
        let mut bitmap = U256::ZERO;
        let mut i = length;
        while i > U256::ZERO {
            i -= U256::from(1);
            let update = coordinator
                .getQuorumBitmapUpdateByIndex(id, i)
                .call()
                .await
                .map_err(ChainError::Contract)?;
            if update.updateBlockNumber <= block {
                bitmap = U256::from(update.quorumBitmap);
                break;
            }
        }
        let stakes = self.stake_registry().await?;
        let indices = stakes
            .getTotalStakeIndicesAtBlockNumber(block, quorums.to_vec().into())
            .call()
            .await
            .map_err(ChainError::Contract)?;
        let mut records = Vec::with_capacity(quorums.len());
        for (&quorum, index) in quorums.iter().zip(indices) {
            let total = stakes
                .getTotalStakeAtBlockNumberFromIndex(quorum, block, U256::from(index))
                .call()
                .await
                .map_err(ChainError::Contract)?;
            let history = stakes
                .getStakeHistory(id, quorum)
                .call()
                .await
                .map_err(ChainError::Contract)?;
            let operator_stake = history
                .iter()
                .rev()
                .find(|u| u.updateBlockNumber <= block)
                .map_or(0, |u| u.stake.to::<u128>());
            records.push(QuorumRegistry {
                quorum,
                total_stake: total.to::<u128>(),
                operator_stake,
                operator_registered: bitmap.bit(usize::from(quorum)),
            });
        }
        let records = Arc::new(records);
        let capacity = lock(&self.states).capacity;
        let mut cache = lock(&self.registry);
        if cache.len() >= capacity {
            // Reference blocks move forward: dropping everything is cheap and bounded.
            cache.clear();
        }
        cache.insert(key, records.clone());
        Ok(records)
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
