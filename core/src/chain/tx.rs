//! Transactions: restaking (deposit, delegate), operator registration with the BLS
//! proof of possession, socket updates and batch confirmation. All need an
//! [`EthChain`] built with a signer; each waits for the configured confirmations
//! and turns a revert into the contract's named error.

use alloy::primitives::{Address, B256, Bytes, U256};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionReceipt;
use alloy::signers::SignerSync;

use super::bindings::{
    avs_directory::AVSDirectory, delegation_manager::DelegationManager,
    registry_coordinator::RegistryCoordinator, service_manager::LaminaServiceManager,
    strategy_manager::StrategyManager, test_token::TestToken,
};
use super::convert::rebind;
use super::eth::revert;
use super::{ChainError, EthChain};
use crate::abi;
use crate::bls::{RegistryCoordinatorDomain, SecretKey};
use crate::types::{NonSignerStakesAndSignature, QuorumId};

/// How long an operator's AVS-registration signature stays valid, in seconds.
const REGISTRATION_SIGNATURE_TTL_SECS: u64 = 3600;

/// Gas limit headroom over the estimate, in percent. An estimate holds for the state it
/// ran against; transactions of other accounts mined first can change the storage writes
/// (a first registration in a quorum initialises history slots, for example) and run an
/// exactly-estimated transaction out of gas.
pub(super) const GAS_HEADROOM_PERCENT: u64 = 25;

/// Sends a contract call with [`GAS_HEADROOM_PERCENT`] over its gas estimate, waits for
/// confirmations and checks the receipt's status.
macro_rules! send {
    ($self:ident, $call:expr, $errors:ty, $contract:literal) => {{
        let call = $call;
        let estimate = call
            .estimate_gas()
            .await
            .map_err(revert::<$errors>($contract))?;
        let pending = call
            .gas(estimate + estimate * GAS_HEADROOM_PERCENT / 100)
            .send()
            .await
            .map_err(revert::<$errors>($contract))?;
        let tx = *pending.tx_hash();
        let receipt = $self.wait_for_receipt(tx).await?;
        if !receipt.status() {
            return Err(ChainError::TransactionReverted {
                tx: tx.to_string(),
                block: receipt.block_number,
            });
        }
        receipt
    }};
}
pub(super) use send;

impl EthChain {
    /// Polls for the receipt of `tx` until it is buried under the configured number of
    /// confirmations, or the receipt timeout passes. (Polling rather than alloy's block
    /// heartbeat: deterministic on instant-mining devnets, and bounded.)
    pub async fn wait_for_receipt(&self, tx: B256) -> Result<TransactionReceipt, ChainError> {
        let deadline = tokio::time::Instant::now() + self.receipt_timeout();
        loop {
            if let Some(receipt) = self.provider().get_transaction_receipt(tx).await? {
                let mined = receipt.block_number.unwrap_or_default();
                let head = self.provider().get_block_number().await?;
                if head + 1 >= mined + self.confirmations() {
                    return Ok(receipt);
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ChainError::Pending {
                    tx: tx.to_string(),
                    reason: format!("not confirmed within {:?}", self.receipt_timeout()),
                });
            }
            tokio::time::sleep(self.poll_interval()).await;
        }
    }

    fn address_of(&self, name: &'static str, address: Address) -> Result<Address, ChainError> {
        if address.is_zero() {
            Err(ChainError::MissingAddress(name))
        } else {
            Ok(address)
        }
    }

    /// Approves the StrategyManager for `amount` of `token` and deposits it into `strategy`.
    pub async fn deposit_into_strategy(
        &self,
        strategy: Address,
        token: Address,
        amount: U256,
    ) -> Result<TransactionReceipt, ChainError> {
        self.signer("deposit")?;
        let strategy_manager =
            self.address_of("strategy_manager", self.addresses().strategy_manager)?;
        let erc20 = TestToken::new(token, self.provider());
        send!(
            self,
            erc20.approve(strategy_manager, amount),
            TestToken::TestTokenErrors,
            "ERC20"
        );
        let manager = StrategyManager::new(strategy_manager, self.provider());
        Ok(send!(
            self,
            manager.depositIntoStrategy(strategy, token, amount),
            StrategyManager::StrategyManagerErrors,
            "StrategyManager"
        ))
    }

    /// Registers the signer as an EigenLayer operator (which self-delegates its deposits).
    pub async fn register_as_operator(&self) -> Result<TransactionReceipt, ChainError> {
        self.signer("register as operator")?;
        let delegation_manager =
            self.address_of("delegation_manager", self.addresses().delegation_manager)?;
        let dm = DelegationManager::new(delegation_manager, self.provider());
        Ok(send!(
            self,
            dm.registerAsOperator(Address::ZERO, 0, String::new()),
            DelegationManager::DelegationManagerErrors,
            "DelegationManager"
        ))
    }

    /// Delegates the signer's deposits to `operator` (no delegation approver).
    pub async fn delegate_to(&self, operator: Address) -> Result<TransactionReceipt, ChainError> {
        self.signer("delegate")?;
        let delegation_manager =
            self.address_of("delegation_manager", self.addresses().delegation_manager)?;
        let dm = DelegationManager::new(delegation_manager, self.provider());
        let no_approval =
            super::bindings::delegation_manager::ISignatureUtils::SignatureWithExpiry {
                signature: Bytes::new(),
                expiry: U256::ZERO,
            };
        Ok(send!(
            self,
            dm.delegateTo(operator, no_approval, B256::ZERO),
            DelegationManager::DelegationManagerErrors,
            "DelegationManager"
        ))
    }

    /// Registers the signer for `quorums` with `socket`: proves possession of `bls_key`
    /// (signing `pubkeyRegistrationMessageHash`) and signs the AVSDirectory registration digest.
    pub async fn register_operator(
        &self,
        bls_key: &SecretKey,
        quorums: &[QuorumId],
        socket: &str,
    ) -> Result<TransactionReceipt, ChainError> {
        let signer = self.signer("register operator")?;
        let operator = signer.address();
        let coordinator =
            RegistryCoordinator::new(self.addresses().registry_coordinator, self.provider());
        let coordinator_errors =
            revert::<RegistryCoordinator::RegistryCoordinatorErrors>("RegistryCoordinator");
        let chain_id = self.provider().get_chain_id().await?;
        let domain =
            RegistryCoordinatorDomain::new(chain_id, self.addresses().registry_coordinator);
        let pop = bls_key.pubkey_registration_params(&domain, operator);

        let service_manager = coordinator
            .serviceManager()
            .call()
            .await
            .map_err(&coordinator_errors)?;
        let directory = LaminaServiceManager::new(service_manager, self.provider())
            .avsDirectory()
            .call()
            .await
            .map_err(revert::<LaminaServiceManager::LaminaServiceManagerErrors>(
                "LaminaServiceManager",
            ))?;
        let now = self
            .provider()
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await?
            .map(|b| b.header.timestamp)
            .unwrap_or_default();
        let expiry = U256::from(now + REGISTRATION_SIGNATURE_TTL_SECS);
        let salt = B256::from(rand::random::<[u8; 32]>());
        let digest = AVSDirectory::new(directory, self.provider())
            .calculateOperatorAVSRegistrationDigestHash(operator, service_manager, salt, expiry)
            .call()
            .await
            .map_err(revert::<AVSDirectory::AVSDirectoryErrors>("AVSDirectory"))?;
        let signature = signer
            .sign_hash_sync(&digest)
            .map_err(|e| ChainError::Pending {
                tx: "(unsigned)".into(),
                reason: e.to_string(),
            })?;

        let params = abi_registration_params(&pop);
        let operator_signature =
            super::bindings::registry_coordinator::ISignatureUtils::SignatureWithSaltAndExpiry {
                signature: Bytes::from(signature.as_bytes().to_vec()),
                salt,
                expiry,
            };
        Ok(send!(
            self,
            coordinator.registerOperator(
                Bytes::copy_from_slice(quorums),
                socket.to_owned(),
                rebind(&params)?,
                operator_signature
            ),
            RegistryCoordinator::RegistryCoordinatorErrors,
            "RegistryCoordinator"
        ))
    }

    /// Announces the signer's new socket.
    pub async fn update_socket(&self, socket: &str) -> Result<TransactionReceipt, ChainError> {
        self.signer("update socket")?;
        let coordinator =
            RegistryCoordinator::new(self.addresses().registry_coordinator, self.provider());
        Ok(send!(
            self,
            coordinator.updateSocket(socket.to_owned()),
            RegistryCoordinator::RegistryCoordinatorErrors,
            "RegistryCoordinator"
        ))
    }

    /// Anchors a batch with `LaminaServiceManager.confirmBatch` (v1-style header: the batch root,
    /// quorums, per-quorum threshold percentages and reference block).
    pub async fn confirm_batch(
        &self,
        batch_root: B256,
        quorums: &[QuorumId],
        threshold_percentages: &[u8],
        reference_block_number: u32,
        signature: &NonSignerStakesAndSignature,
    ) -> Result<TransactionReceipt, ChainError> {
        self.signer("confirm batch")?;
        let service_manager =
            self.address_of("service_manager", self.addresses().service_manager)?;
        let sm = LaminaServiceManager::new(service_manager, self.provider());
        let header = super::bindings::service_manager::DATypes::BatchHeader {
            blobHeadersRoot: batch_root,
            quorumNumbers: Bytes::copy_from_slice(quorums),
            signedStakeForQuorums: Bytes::copy_from_slice(threshold_percentages),
            referenceBlockNumber: reference_block_number,
        };
        let params: abi::NonSignerStakesAndSignature = signature.into();
        Ok(send!(
            self,
            sm.confirmBatch(header, rebind(&params)?),
            LaminaServiceManager::LaminaServiceManagerErrors,
            "LaminaServiceManager"
        ))
    }
}

mod registration_abi {
    #![allow(missing_docs)]
    alloy::sol! {
        struct G1P { uint256 X; uint256 Y; }
        struct G2P { uint256[2] X; uint256[2] Y; }
        /// `IBLSApkRegistry.PubkeyRegistrationParams`, to re-type into the coordinator binding.
        struct PubkeyRegistrationParamsAbi {
            G1P pubkeyRegistrationSignature;
            G1P pubkeyG1;
            G2P pubkeyG2;
        }
    }
}

fn abi_registration_params(
    p: &crate::bls::PubkeyRegistrationParams,
) -> registration_abi::PubkeyRegistrationParamsAbi {
    use registration_abi::{G1P, G2P};
    let g1 = |q| {
        let a = abi::g1_to_abi(q);
        G1P { X: a.X, Y: a.Y }
    };
    let a = abi::g2_to_abi(&p.pubkey_g2);
    registration_abi::PubkeyRegistrationParamsAbi {
        pubkeyRegistrationSignature: g1(&p.signature),
        pubkeyG1: g1(&p.pubkey_g1),
        pubkeyG2: G2P { X: a.X, Y: a.Y },
    }
}
