//! `RewardsCoordinator` and the service manager's rewards entry points: the transactions
//! of `lamina rewards submit|post-root|claim` and the reads of `lamina rewards show`.
//! The calculator that decides what goes into a root is `lamina-rewards`.

use alloy::primitives::{Address, B256, Bytes, U256};
use alloy::providers::DynProvider;
use alloy::rpc::types::TransactionReceipt;

use super::bindings::rewards_coordinator::{IRewardsCoordinatorTypes, RewardsCoordinator};
use super::bindings::service_manager::{
    IRewardsCoordinatorTypes as ServiceManagerTypes, LaminaServiceManager,
};
use super::eth::revert;
use super::tx::{GAS_HEADROOM_PERCENT, send};
use super::{ChainError, EthChain};

/// A strategy and its multiplier (1e18 = one share counts once; `uint96` on-chain).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RewardsStrategy {
    /// The strategy.
    pub strategy: Address,
    /// Its multiplier.
    pub multiplier: u128,
}

/// What `processClaim` takes, in core types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RewardsClaim {
    /// The root claimed against.
    pub root_index: u32,
    /// The earner's leaf index.
    pub earner_index: u32,
    /// Siblings from the earner leaf to the root.
    pub earner_tree_proof: Vec<u8>,
    /// The earner.
    pub earner: Address,
    /// Its token tree root.
    pub earner_token_root: B256,
    /// Per token: leaf index, proof, token, cumulative earnings.
    pub tokens: Vec<(u32, Vec<u8>, Address, U256)>,
}

/// One posted distribution root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostedRoot {
    /// Its index.
    pub index: u32,
    /// The root.
    pub root: B256,
    /// The calculation end it covers.
    pub calculation_end: u32,
    /// When it becomes claimable.
    pub activated_at: u32,
    /// Disabled by the owner.
    pub disabled: bool,
}

fn coordinator_revert(e: alloy::contract::Error) -> ChainError {
    revert::<RewardsCoordinator::RewardsCoordinatorErrors>("RewardsCoordinator")(e)
}

fn multiplier(value: u128) -> Result<alloy::primitives::Uint<96, 2>, ChainError> {
    alloy::primitives::Uint::<96, 2>::try_from(value).map_err(|_| ChainError::OutOfRange {
        what: "multiplier (uint96)",
        value: value.to_string(),
    })
}

fn timestamp(what: &'static str, value: u64) -> Result<u32, ChainError> {
    u32::try_from(value).map_err(|_| ChainError::OutOfRange {
        what,
        value: value.to_string(),
    })
}

fn strategies(
    list: &[RewardsStrategy],
) -> Result<Vec<ServiceManagerTypes::StrategyAndMultiplier>, ChainError> {
    list.iter()
        .map(|s| {
            Ok(ServiceManagerTypes::StrategyAndMultiplier {
                strategy: s.strategy,
                multiplier: multiplier(s.multiplier)?,
            })
        })
        .collect()
}

impl EthChain {
    fn rewards_coordinator(
        &self,
    ) -> Result<RewardsCoordinator::RewardsCoordinatorInstance<&DynProvider>, ChainError> {
        if self.addresses().rewards_coordinator.is_zero() {
            return Err(ChainError::MissingAddress("rewards_coordinator"));
        }
        Ok(RewardsCoordinator::new(
            self.addresses().rewards_coordinator,
            self.provider(),
        ))
    }

    fn service_manager_for_rewards(
        &self,
    ) -> Result<LaminaServiceManager::LaminaServiceManagerInstance<&DynProvider>, ChainError> {
        if self.addresses().service_manager.is_zero() {
            return Err(ChainError::MissingAddress("service_manager"));
        }
        Ok(LaminaServiceManager::new(
            self.addresses().service_manager,
            self.provider(),
        ))
    }

    /// The service manager's `createOperatorDirectedAVSRewardsSubmission` with one
    /// submission (owner only; funded from the service manager's balance of `token`).
    /// `operator_rewards` must be ascending by operator with non-zero amounts.
    pub async fn create_operator_directed_rewards_submission(
        &self,
        token: Address,
        operator_rewards: &[(Address, U256)],
        strategy_multipliers: &[RewardsStrategy],
        start: u64,
        duration: u64,
        description: &str,
    ) -> Result<TransactionReceipt, ChainError> {
        self.signer("create a rewards submission")?;
        let manager = self.service_manager_for_rewards()?;
        let submission = ServiceManagerTypes::OperatorDirectedRewardsSubmission {
            strategiesAndMultipliers: strategies(strategy_multipliers)?,
            token,
            operatorRewards: operator_rewards
                .iter()
                .map(|(operator, amount)| ServiceManagerTypes::OperatorReward {
                    operator: *operator,
                    amount: *amount,
                })
                .collect(),
            startTimestamp: timestamp("start", start)?,
            duration: timestamp("duration", duration)?,
            description: description.to_owned(),
        };
        Ok(send!(
            self,
            manager.createOperatorDirectedAVSRewardsSubmission(vec![submission]),
            LaminaServiceManager::LaminaServiceManagerErrors,
            "LaminaServiceManager"
        ))
    }

    /// The service manager's `createAVSRewardsSubmission` with one stake-weighted
    /// submission (owner only; funded from the service manager's balance of `token`).
    pub async fn create_rewards_submission(
        &self,
        token: Address,
        amount: U256,
        strategy_multipliers: &[RewardsStrategy],
        start: u64,
        duration: u64,
    ) -> Result<TransactionReceipt, ChainError> {
        self.signer("create a rewards submission")?;
        let manager = self.service_manager_for_rewards()?;
        let submission = ServiceManagerTypes::RewardsSubmission {
            strategiesAndMultipliers: strategies(strategy_multipliers)?,
            token,
            amount,
            startTimestamp: timestamp("start", start)?,
            duration: timestamp("duration", duration)?,
        };
        Ok(send!(
            self,
            manager.createAVSRewardsSubmission(vec![submission]),
            LaminaServiceManager::LaminaServiceManagerErrors,
            "LaminaServiceManager"
        ))
    }

    /// `submitRoot(root, calculationEnd)`: rewards updater only.
    pub async fn submit_rewards_root(
        &self,
        root: B256,
        calculation_end: u64,
    ) -> Result<TransactionReceipt, ChainError> {
        self.signer("post a distribution root")?;
        let coordinator = self.rewards_coordinator()?;
        Ok(send!(
            self,
            coordinator.submitRoot(root, timestamp("calculation end", calculation_end)?),
            RewardsCoordinator::RewardsCoordinatorErrors,
            "RewardsCoordinator"
        ))
    }

    /// `processClaim(claim, recipient)` from the signer (the earner or its claimer).
    pub async fn process_rewards_claim(
        &self,
        claim: &RewardsClaim,
        recipient: Address,
    ) -> Result<TransactionReceipt, ChainError> {
        self.signer("claim rewards")?;
        let coordinator = self.rewards_coordinator()?;
        let claim = IRewardsCoordinatorTypes::RewardsMerkleClaim {
            rootIndex: claim.root_index,
            earnerIndex: claim.earner_index,
            earnerTreeProof: Bytes::copy_from_slice(&claim.earner_tree_proof),
            earnerLeaf: IRewardsCoordinatorTypes::EarnerTreeMerkleLeaf {
                earner: claim.earner,
                earnerTokenRoot: claim.earner_token_root,
            },
            tokenIndices: claim.tokens.iter().map(|(index, ..)| *index).collect(),
            tokenTreeProofs: claim
                .tokens
                .iter()
                .map(|(_, proof, ..)| Bytes::copy_from_slice(proof))
                .collect(),
            tokenLeaves: claim
                .tokens
                .iter()
                .map(
                    |(_, _, token, cumulative)| IRewardsCoordinatorTypes::TokenTreeMerkleLeaf {
                        token: *token,
                        cumulativeEarnings: *cumulative,
                    },
                )
                .collect(),
        };
        Ok(send!(
            self,
            coordinator.processClaim(claim, recipient),
            RewardsCoordinator::RewardsCoordinatorErrors,
            "RewardsCoordinator"
        ))
    }

    /// `cumulativeClaimed(earner, token)`.
    pub async fn rewards_claimed(
        &self,
        earner: Address,
        token: Address,
    ) -> Result<U256, ChainError> {
        self.rewards_coordinator()?
            .cumulativeClaimed(earner, token)
            .call()
            .await
            .map_err(coordinator_revert)
    }

    /// Every posted root, oldest first.
    pub async fn distribution_roots(&self) -> Result<Vec<PostedRoot>, ChainError> {
        let coordinator = self.rewards_coordinator()?;
        let length = coordinator
            .getDistributionRootsLength()
            .call()
            .await
            .map_err(coordinator_revert)?;
        let length = u32::try_from(length).map_err(|_| ChainError::OutOfRange {
            what: "distribution roots",
            value: length.to_string(),
        })?;
        let mut roots = Vec::new();
        for index in 0..length {
            let root = coordinator
                .getDistributionRootAtIndex(U256::from(index))
                .call()
                .await
                .map_err(coordinator_revert)?;
            roots.push(PostedRoot {
                index,
                root: root.root,
                calculation_end: root.rewardsCalculationEndTimestamp,
                activated_at: root.activatedAt,
                disabled: root.disabled,
            });
        }
        Ok(roots)
    }

    /// `CALCULATION_INTERVAL_SECONDS` and `activationDelay`.
    pub async fn rewards_timing(&self) -> Result<(u32, u32), ChainError> {
        let coordinator = self.rewards_coordinator()?;
        let interval = coordinator
            .CALCULATION_INTERVAL_SECONDS()
            .call()
            .await
            .map_err(coordinator_revert)?;
        let delay = coordinator
            .activationDelay()
            .call()
            .await
            .map_err(coordinator_revert)?;
        Ok((interval, delay))
    }
}
