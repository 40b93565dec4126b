//! Operator onboarding, composed from the single transactions in `tx.rs`: stake test
//! tokens in a quorum's strategy, become an EigenLayer operator, register with the
//! RegistryCoordinator (BLS proof of possession, socket), and appoint batch confirmers.
//!
//! `lamina node register` and the devnet both onboard operators through these, one
//! function per concern, so a devnet operator is set up exactly as a real one would be
//! (only the token minting is devnet-specific: TestToken is freely mintable).

use alloy::primitives::{Address, B256, U256};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionReceipt;

use super::bindings::{
    delegation_manager::DelegationManager, registry_coordinator::RegistryCoordinator,
    service_manager::LaminaServiceManager, stake_registry::StakeRegistry,
    strategy_base::StrategyBase, test_token::TestToken,
};
use super::eth::revert;
use super::tx::{GAS_HEADROOM_PERCENT, send};
use super::{ChainError, ContractAddresses, EthChain};
use crate::bls::SecretKey;
use crate::types::{OperatorId, QuorumId};

/// `RegistryCoordinator.OperatorStatus`: where an address stands with the AVS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperatorStatus {
    /// Never registered.
    NeverRegistered,
    /// Registered for at least one quorum.
    Registered,
    /// Was registered, is not any more.
    Deregistered,
}

/// Everything one operator needs to join the AVS ([`EthChain::onboard_operator`]).
#[derive(Clone, Debug)]
pub struct OperatorOnboarding<'a> {
    /// The operator's BLS key (its G1 key's hash is the operator id).
    pub bls_key: &'a SecretKey,
    /// Test tokens to mint and deposit per quorum, into that quorum's first strategy;
    /// empty to use stake deposited earlier. The quorum's stake is this amount (every
    /// devnet strategy has multiplier 1e18 over `WEIGHTING_DIVISOR` 1e18).
    pub stakes: &'a [(QuorumId, U256)],
    /// Quorums to register for.
    pub quorums: &'a [QuorumId],
    /// The socket (`host:port` of the node's gRPC port) announced on-chain.
    pub socket: &'a str,
}

impl ContractAddresses {
    /// Reads the deploy script's address file (`contracts/deployments/<chainid>.json`).
    pub fn load(path: &std::path::Path) -> Result<Self, ChainError> {
        let text = std::fs::read_to_string(path).map_err(|e| ChainError::Deployment {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let addresses: Self = serde_json::from_str(&text).map_err(|e| ChainError::Deployment {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        if addresses.registry_coordinator.is_zero() {
            return Err(ChainError::Deployment {
                path: path.to_path_buf(),
                reason: "no registry_coordinator address".into(),
            });
        }
        Ok(addresses)
    }
}

impl EthChain {
    fn coordinator_instance(
        &self,
    ) -> RegistryCoordinator::RegistryCoordinatorInstance<&alloy::providers::DynProvider> {
        RegistryCoordinator::new(self.addresses().registry_coordinator, self.provider())
    }

    /// The signer's address, for transactions that act on it.
    fn signer_address(&self, action: &'static str) -> Result<Address, ChainError> {
        Ok(self.signer(action)?.address())
    }

    /// Strategies quorum `quorum` weighs (`StakeRegistry.strategyParamsByIndex`), in order.
    pub async fn quorum_strategies(&self, quorum: QuorumId) -> Result<Vec<Address>, ChainError> {
        let stake_registry = self
            .coordinator_instance()
            .stakeRegistry()
            .call()
            .await
            .map_err(revert::<RegistryCoordinator::RegistryCoordinatorErrors>(
                "RegistryCoordinator",
            ))?;
        let registry = StakeRegistry::new(stake_registry, self.provider());
        let errors = revert::<StakeRegistry::StakeRegistryErrors>("StakeRegistry");
        let count = registry
            .strategyParamsLength(quorum)
            .call()
            .await
            .map_err(&errors)?;
        let count = count.saturating_to::<u64>();
        let mut strategies = Vec::with_capacity(usize::try_from(count).unwrap_or_default());
        for i in 0..count {
            let params = registry
                .strategyParamsByIndex(quorum, U256::from(i))
                .call()
                .await
                .map_err(&errors)?;
            strategies.push(params.strategy);
        }
        Ok(strategies)
    }

    /// The ERC-20 token a strategy holds (`StrategyBase.underlyingToken`).
    pub async fn strategy_token(&self, strategy: Address) -> Result<Address, ChainError> {
        StrategyBase::new(strategy, self.provider())
            .underlyingToken()
            .call()
            .await
            .map_err(revert::<StrategyBase::StrategyBaseErrors>("StrategyBase"))
    }

    /// Mints `amount` of the devnet's freely mintable `TestToken` at `token` to `to`.
    pub async fn mint_test_tokens(
        &self,
        token: Address,
        to: Address,
        amount: U256,
    ) -> Result<TransactionReceipt, ChainError> {
        self.signer("mint test tokens")?;
        let erc20 = TestToken::new(token, self.provider());
        Ok(send!(
            self,
            erc20.mint(to, amount),
            TestToken::TestTokenErrors,
            "TestToken"
        ))
    }

    /// Mints `amount` test tokens of `quorum`'s first strategy to the signer, approves and
    /// deposits them (the signer's stake in `quorum` grows by `amount` once it is, or
    /// delegates to, an operator). Returns the strategy.
    pub async fn stake_test_tokens(
        &self,
        quorum: QuorumId,
        amount: U256,
    ) -> Result<Address, ChainError> {
        let me = self.signer_address("stake test tokens")?;
        let strategy = *self
            .quorum_strategies(quorum)
            .await?
            .first()
            .ok_or_else(|| ChainError::OutOfRange {
                what: "quorum without strategies",
                value: quorum.to_string(),
            })?;
        let token = self.strategy_token(strategy).await?;
        self.mint_test_tokens(token, me, amount).await?;
        self.deposit_into_strategy(strategy, token, amount).await?;
        Ok(strategy)
    }

    /// Whether `account` is an EigenLayer operator (`DelegationManager.isOperator`).
    pub async fn is_eigenlayer_operator(&self, account: Address) -> Result<bool, ChainError> {
        let delegation_manager = self.addresses().delegation_manager;
        if delegation_manager.is_zero() {
            return Err(ChainError::MissingAddress("delegation_manager"));
        }
        DelegationManager::new(delegation_manager, self.provider())
            .isOperator(account)
            .call()
            .await
            .map_err(revert::<DelegationManager::DelegationManagerErrors>(
                "DelegationManager",
            ))
    }

    /// Where `operator` stands with the RegistryCoordinator.
    pub async fn operator_status(&self, operator: Address) -> Result<OperatorStatus, ChainError> {
        let status = self
            .coordinator_instance()
            .getOperatorStatus(operator)
            .call()
            .await
            .map_err(revert::<RegistryCoordinator::RegistryCoordinatorErrors>(
                "RegistryCoordinator",
            ))?;
        match status {
            0 => Ok(OperatorStatus::NeverRegistered),
            1 => Ok(OperatorStatus::Registered),
            2 => Ok(OperatorStatus::Deregistered),
            other => Err(ChainError::OutOfRange {
                what: "operator status",
                value: other.to_string(),
            }),
        }
    }

    /// The quorums `operator` is registered for now (`getCurrentQuorumBitmap`), ascending.
    pub async fn registered_quorums(
        &self,
        operator: OperatorId,
    ) -> Result<Vec<QuorumId>, ChainError> {
        let bitmap = self
            .coordinator_instance()
            .getCurrentQuorumBitmap(B256::from(operator.0))
            .call()
            .await
            .map_err(revert::<RegistryCoordinator::RegistryCoordinatorErrors>(
                "RegistryCoordinator",
            ))?;
        Ok((0u8..192).filter(|&q| bitmap.bit(usize::from(q))).collect())
    }

    /// The whole onboarding of the signer as operator `onboarding.bls_key`: stakes test
    /// tokens per quorum, becomes an EigenLayer operator (self-delegating) unless it is one
    /// already, and registers for the quorums with its proof of possession and socket
    /// (skipped when already registered for exactly those quorums; the socket is then
    /// updated if it differs). Returns the operator id.
    pub async fn onboard_operator(
        &self,
        onboarding: &OperatorOnboarding<'_>,
    ) -> Result<OperatorId, ChainError> {
        let me = self.signer_address("onboard operator")?;
        for &(quorum, amount) in onboarding.stakes {
            self.stake_test_tokens(quorum, amount).await?;
        }
        if !self.is_eigenlayer_operator(me).await? {
            self.register_as_operator().await?;
        }
        let id = onboarding.bls_key.operator_id();
        if self.operator_status(me).await? == OperatorStatus::Registered {
            let mut wanted = onboarding.quorums.to_vec();
            wanted.sort_unstable();
            wanted.dedup();
            let have = self.registered_quorums(id).await?;
            if have != wanted {
                return Err(ChainError::OutOfRange {
                    what: "operator already registered for other quorums",
                    value: format!("{id}: registered {have:?}, asked {wanted:?}"),
                });
            }
            self.update_socket(onboarding.socket).await?;
        } else {
            self.register_operator(onboarding.bls_key, onboarding.quorums, onboarding.socket)
                .await?;
        }
        Ok(id)
    }

    /// `LaminaServiceManager.setBatchConfirmer(confirmer, allowed)`: owner only. Dispersers
    /// must be batch confirmers to call `confirmBatch`, and nodes accept `StoreChunks` from
    /// batch confirmers.
    pub async fn set_batch_confirmer(
        &self,
        confirmer: Address,
        allowed: bool,
    ) -> Result<TransactionReceipt, ChainError> {
        self.signer("set batch confirmer")?;
        let sm = self.service_manager_instance()?;
        Ok(send!(
            self,
            sm.setBatchConfirmer(confirmer, allowed),
            LaminaServiceManager::LaminaServiceManagerErrors,
            "LaminaServiceManager"
        ))
    }

    /// `LaminaServiceManager.isBatchConfirmer(account)`.
    pub async fn is_batch_confirmer(&self, account: Address) -> Result<bool, ChainError> {
        self.service_manager_instance()?
            .isBatchConfirmer(account)
            .call()
            .await
            .map_err(revert::<LaminaServiceManager::LaminaServiceManagerErrors>(
                "LaminaServiceManager",
            ))
    }

    /// Sends `amount` wei from the signer to `to` (funding operator and client accounts).
    pub async fn transfer_eth(
        &self,
        to: Address,
        amount: U256,
    ) -> Result<TransactionReceipt, ChainError> {
        let from = self.signer_address("transfer ETH")?;
        let tx = alloy::rpc::types::TransactionRequest::default()
            .from(from)
            .to(to)
            .value(amount);
        let pending = self.provider().send_transaction(tx).await?;
        self.confirmed(*pending.tx_hash()).await
    }

    fn service_manager_instance(
        &self,
    ) -> Result<
        LaminaServiceManager::LaminaServiceManagerInstance<&alloy::providers::DynProvider>,
        ChainError,
    > {
        let address = self.addresses().service_manager;
        if address.is_zero() {
            return Err(ChainError::MissingAddress("service_manager"));
        }
        Ok(LaminaServiceManager::new(address, self.provider()))
    }

    /// Waits for `tx` and fails if it reverted.
    async fn confirmed(&self, tx: B256) -> Result<TransactionReceipt, ChainError> {
        let receipt = self.wait_for_receipt(tx).await?;
        if !receipt.status() {
            return Err(ChainError::TransactionReverted {
                tx: tx.to_string(),
                block: receipt.block_number,
            });
        }
        Ok(receipt)
    }
}
