//! Reading a [`ChainSnapshot`] from a JSON-RPC endpoint, through `lamina-core`'s
//! bindings (feature `chain`).
//!
//! Sources, all logs from `from_block` to the snapshot block, `MAX_LOG_RANGE` blocks
//! per `eth_getLogs`:
//! - `BLSApkRegistry.OperatorAddedToQuorums` / `OperatorRemovedFromQuorums` (the registry is
//!   found through the `RegistryCoordinator`);
//! - `DelegationManager.OperatorSharesIncreased` / `OperatorSharesDecreased`;
//! - `RewardsCoordinator`: `OperatorAVSSplitBipsSet` for the AVS, `DefaultOperatorSplitBipsSet`,
//!   both submission events of the AVS, `CALCULATION_INTERVAL_SECONDS`;
//! - `LaminaServiceManager.BatchConfirmed`, and for each the transaction that emitted it,
//!   decoded as `confirmBatch(batchHeader, params)` for the quorums and the non-signer keys.
//!   A `confirmBatch` reached through another contract would need the call trace, which
//!   this reader does not fetch: it stops with [`SnapshotError::ConfirmBatchNotDirect`].

use std::collections::BTreeMap;

use alloy::eips::BlockNumberOrTag;
use alloy::primitives::{Address, B256, U256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::{Filter, Log};
use alloy::sol_types::{SolCall, SolEvent};
use lamina_core::chain::bindings::{
    bls_apk_registry::BLSApkRegistry, delegation_manager::DelegationManager,
    registry_coordinator::RegistryCoordinator, rewards_coordinator::RewardsCoordinator,
    service_manager::LaminaServiceManager,
};
use lamina_core::chain::sockets::MAX_LOG_RANGE;
use lamina_core::chain::{ChainError, EthChain};

use crate::snapshot::{
    ChainSnapshot, ConfirmedBatch, DefaultSplitChange, DelegatedSharesChange, EventTime, G1Key,
    Membership, OperatorDirectedSubmission, OperatorReward, OperatorSplitChange,
    QuorumMembershipChange, StakeWeightedSubmission, StrategyMultiplier,
};

/// Reading the snapshot failed.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// A chain read failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The RPC endpoint failed.
    #[error("RPC error: {0}")]
    Rpc(#[from] alloy::transports::TransportError),
    /// A contract read failed.
    #[error("contract call failed: {0}")]
    Contract(#[from] alloy::contract::Error),
    /// The deployment lacks a contract the snapshot needs.
    #[error("no address configured for {0}")]
    MissingAddress(&'static str),
    /// A log without its block number, index or timestamp (a pending log).
    #[error("log of {event} lacks its position in the chain")]
    UnplacedLog {
        /// The event.
        event: &'static str,
    },
    /// A log's data does not decode as the event its signature names.
    #[error("{event} log at block {block} does not decode: {reason}")]
    Decode {
        /// The event.
        event: &'static str,
        /// Its block.
        block: u64,
        /// The decoder's message.
        reason: String,
    },
    /// The transaction that emitted `BatchConfirmed` is not a direct `confirmBatch` call.
    #[error(
        "batch {batch_id}: transaction {tx} is not a direct confirmBatch call (reading call traces is not implemented)"
    )]
    ConfirmBatchNotDirect {
        /// The batch.
        batch_id: u32,
        /// The transaction.
        tx: B256,
    },
    /// A block or transaction the logs name is missing from the endpoint.
    #[error("the endpoint does not have {what}")]
    Missing {
        /// What was asked for.
        what: String,
    },
}

/// Where the snapshot reads.
#[derive(Clone, Copy, Debug)]
pub struct SnapshotRange {
    /// First block scanned (the deployment block, or 0).
    pub from_block: u64,
    /// Last block scanned; the snapshot covers up to its timestamp.
    pub to_block: u64,
}

struct Reader<'a> {
    provider: &'a DynProvider,
    range: SnapshotRange,
    timestamps: BTreeMap<u64, u64>,
}

impl Reader<'_> {
    async fn logs<E: SolEvent>(
        &mut self,
        address: Address,
    ) -> Result<Vec<(EventTime, E, Log)>, SnapshotError> {
        let mut out = Vec::new();
        let mut from = self.range.from_block;
        while from <= self.range.to_block {
            let to = self
                .range
                .to_block
                .min(from.saturating_add(MAX_LOG_RANGE - 1));
            let filter = Filter::new()
                .address(address)
                .event_signature(E::SIGNATURE_HASH)
                .from_block(BlockNumberOrTag::Number(from))
                .to_block(BlockNumberOrTag::Number(to));
            for log in self.provider.get_logs(&filter).await? {
                let (Some(block), Some(log_index)) = (log.block_number, log.log_index) else {
                    return Err(SnapshotError::UnplacedLog {
                        event: E::SIGNATURE,
                    });
                };
                let timestamp = match log.block_timestamp {
                    Some(timestamp) => timestamp,
                    None => self.timestamp(block).await?,
                };
                let event = E::decode_log_data(log.data()).map_err(|e| SnapshotError::Decode {
                    event: E::SIGNATURE,
                    block,
                    reason: e.to_string(),
                })?;
                out.push((
                    EventTime {
                        block,
                        log_index,
                        timestamp,
                    },
                    event,
                    log,
                ));
            }
            from = to + 1;
        }
        Ok(out)
    }

    async fn timestamp(&mut self, block: u64) -> Result<u64, SnapshotError> {
        if let Some(timestamp) = self.timestamps.get(&block) {
            return Ok(*timestamp);
        }
        let header = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Number(block))
            .await?
            .ok_or_else(|| SnapshotError::Missing {
                what: format!("block {block}"),
            })?;
        let timestamp = header.header.timestamp;
        self.timestamps.insert(block, timestamp);
        Ok(timestamp)
    }
}

fn required(name: &'static str, address: Address) -> Result<Address, SnapshotError> {
    if address.is_zero() {
        Err(SnapshotError::MissingAddress(name))
    } else {
        Ok(address)
    }
}

/// Reads everything [`crate::calculate`] needs for the service manager's rewards, from
/// `range.from_block` to `range.to_block`.
pub async fn read_snapshot(
    chain: &EthChain,
    range: SnapshotRange,
) -> Result<ChainSnapshot, SnapshotError> {
    let addresses = *chain.addresses();
    let provider = chain.provider();
    let avs = required("service_manager", addresses.service_manager)?;
    let coordinator_address = required("rewards_coordinator", addresses.rewards_coordinator)?;
    let delegation = required("delegation_manager", addresses.delegation_manager)?;
    let registry = RegistryCoordinator::new(
        required("registry_coordinator", addresses.registry_coordinator)?,
        provider,
    );
    let bls_apk_registry = registry.blsApkRegistry().call().await?;
    let coordinator = RewardsCoordinator::new(coordinator_address, provider);
    let calculation_interval = u64::from(coordinator.CALCULATION_INTERVAL_SECONDS().call().await?);

    let mut reader = Reader {
        provider,
        range,
        timestamps: BTreeMap::new(),
    };
    let covered_to = reader.timestamp(range.to_block).await?;
    let mut snapshot = ChainSnapshot {
        avs,
        calculation_interval,
        covered_to,
        ..ChainSnapshot::default()
    };

    for (at, event, _) in reader
        .logs::<BLSApkRegistry::OperatorAddedToQuorums>(bls_apk_registry)
        .await?
    {
        snapshot.memberships.push(QuorumMembershipChange {
            at,
            operator: event.operator,
            operator_id: event.operatorId,
            quorums: event.quorumNumbers.to_vec(),
            change: Membership::Added,
        });
    }
    for (at, event, _) in reader
        .logs::<BLSApkRegistry::OperatorRemovedFromQuorums>(bls_apk_registry)
        .await?
    {
        snapshot.memberships.push(QuorumMembershipChange {
            at,
            operator: event.operator,
            operator_id: event.operatorId,
            quorums: event.quorumNumbers.to_vec(),
            change: Membership::Removed,
        });
    }
    for (at, event, _) in reader
        .logs::<DelegationManager::OperatorSharesIncreased>(delegation)
        .await?
    {
        snapshot.shares.push(DelegatedSharesChange {
            at,
            operator: event.operator,
            staker: event.staker,
            strategy: event.strategy,
            increase: true,
            shares: event.shares,
        });
    }
    for (at, event, _) in reader
        .logs::<DelegationManager::OperatorSharesDecreased>(delegation)
        .await?
    {
        snapshot.shares.push(DelegatedSharesChange {
            at,
            operator: event.operator,
            staker: event.staker,
            strategy: event.strategy,
            increase: false,
            shares: event.shares,
        });
    }
    for (at, event, _) in reader
        .logs::<RewardsCoordinator::OperatorAVSSplitBipsSet>(coordinator_address)
        .await?
    {
        if event.avs == avs {
            snapshot.splits.push(OperatorSplitChange {
                at,
                operator: event.operator,
                activated_at: u64::from(event.activatedAt),
                old_bips: event.oldSplitBips,
                new_bips: event.newSplitBips,
            });
        }
    }
    for (at, event, _) in reader
        .logs::<RewardsCoordinator::DefaultOperatorSplitBipsSet>(coordinator_address)
        .await?
    {
        snapshot.default_splits.push(DefaultSplitChange {
            at,
            bips: event.newSplitBips,
        });
    }
    let strategies = |list: &[lamina_core::chain::bindings::rewards_coordinator::IRewardsCoordinatorTypes::StrategyAndMultiplier]| -> Vec<StrategyMultiplier> {
        list.iter()
            .map(|s| StrategyMultiplier { strategy: s.strategy, multiplier: U256::from(s.multiplier) })
            .collect()
    };
    for (at, event, _) in reader
        .logs::<RewardsCoordinator::AVSRewardsSubmissionCreated>(coordinator_address)
        .await?
    {
        if event.avs != avs {
            continue;
        }
        let submission = &event.rewardsSubmission;
        snapshot.submissions.push(StakeWeightedSubmission {
            at,
            token: submission.token,
            amount: submission.amount,
            start: u64::from(submission.startTimestamp),
            duration: u64::from(submission.duration),
            strategies: strategies(&submission.strategiesAndMultipliers),
        });
    }
    for (at, event, _) in reader
        .logs::<RewardsCoordinator::OperatorDirectedAVSRewardsSubmissionCreated>(
            coordinator_address,
        )
        .await?
    {
        if event.avs != avs {
            continue;
        }
        let submission = &event.operatorDirectedRewardsSubmission;
        snapshot
            .directed_submissions
            .push(OperatorDirectedSubmission {
                at,
                token: submission.token,
                operator_rewards: submission
                    .operatorRewards
                    .iter()
                    .map(|reward| OperatorReward {
                        operator: reward.operator,
                        amount: reward.amount,
                    })
                    .collect(),
                start: u64::from(submission.startTimestamp),
                duration: u64::from(submission.duration),
                strategies: strategies(&submission.strategiesAndMultipliers),
            });
    }
    for (at, event, log) in reader
        .logs::<LaminaServiceManager::BatchConfirmed>(avs)
        .await?
    {
        let tx_hash = log.transaction_hash.ok_or(SnapshotError::UnplacedLog {
            event: "BatchConfirmed",
        })?;
        let tx = provider
            .get_transaction_by_hash(tx_hash)
            .await?
            .ok_or_else(|| SnapshotError::Missing {
                what: format!("transaction {tx_hash}"),
            })?;
        let input = alloy::consensus::Transaction::input(tx.inner.inner());
        let call = LaminaServiceManager::confirmBatchCall::abi_decode(input).map_err(|_| {
            SnapshotError::ConfirmBatchNotDirect {
                batch_id: event.batchId,
                tx: tx_hash,
            }
        })?;
        snapshot.batches.push(ConfirmedBatch {
            at,
            batch_id: event.batchId,
            reference_block: event.referenceBlockNumber,
            quorums: call.batchHeader.quorumNumbers.to_vec(),
            non_signer_keys: call
                .params
                .nonSignerPubkeys
                .iter()
                .map(|key| G1Key { x: key.X, y: key.Y })
                .collect(),
            signatory_record_hash: event.signatoryRecordHash,
        });
    }
    Ok(snapshot)
}

/// One token of an [`EarnerStanding`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenStanding {
    /// The ERC-20.
    pub token: Address,
    /// Cumulative earnings under the distribution.
    pub earned: U256,
    /// Of those, earned in the distribution's reporting window.
    pub earned_in_window: U256,
    /// What a claim would pay now: earned minus claimed once the root is active, else 0.
    pub claimable: U256,
    /// `cumulativeClaimed(earner, token)` on the `RewardsCoordinator`.
    pub claimed: U256,
}

/// An earner's rewards under a distribution as the chain stands (`lamina rewards show`,
/// the disperser console's operators page): per token earned, claimable and claimed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EarnerStanding {
    /// The posted, enabled root equal to the distribution's, if any.
    pub root: Option<lamina_core::chain::PostedRoot>,
    /// That root is active (claims against it pass) at the latest block.
    pub root_active: bool,
    /// The earner's tokens in the distribution, in its order.
    pub tokens: Vec<TokenStanding>,
}

/// The posted, enabled root equal to `distribution`'s (the latest such).
pub fn posted_root(
    roots: &[lamina_core::chain::PostedRoot],
    distribution: &crate::Distribution,
) -> Option<lamina_core::chain::PostedRoot> {
    roots
        .iter()
        .rev()
        .find(|root| root.root == distribution.root && !root.disabled)
        .copied()
}

/// The latest block's timestamp, Unix seconds.
pub async fn latest_timestamp(chain: &EthChain) -> Result<u64, SnapshotError> {
    let block = chain
        .provider()
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await?
        .ok_or_else(|| SnapshotError::Missing {
            what: "the latest block".into(),
        })?;
    Ok(block.header.timestamp)
}

/// `earner`'s [`EarnerStanding`] under `distribution`: the posted roots, the latest
/// block's time, and `cumulativeClaimed` per token of the earner's entry.
pub async fn earner_standing(
    chain: &EthChain,
    distribution: &crate::Distribution,
    earner: Address,
) -> Result<EarnerStanding, SnapshotError> {
    let roots = chain.distribution_roots().await?;
    let now = latest_timestamp(chain).await?;
    let root = posted_root(&roots, distribution);
    let root_active = root.is_some_and(|root| u64::from(root.activated_at) <= now);
    let mut tokens = Vec::new();
    if let Some(entry) = distribution.earner(earner) {
        for token in &entry.tokens {
            let claimed = chain.rewards_claimed(earner, token.token).await?;
            tokens.push(TokenStanding {
                token: token.token,
                earned: token.cumulative_earnings,
                earned_in_window: token.earned_in_window,
                claimable: if root_active {
                    token.cumulative_earnings.saturating_sub(claimed)
                } else {
                    U256::ZERO
                },
                claimed,
            });
        }
    }
    Ok(EarnerStanding {
        root,
        root_active,
        tokens,
    })
}
