//! [`Chain`] over an alloy provider.

use std::sync::Arc;
use std::time::Duration;

use alloy::network::EthereumWallet;
use alloy::primitives::{Address, B256, Bytes};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolInterface;
use ark_bn254::G1Affine;
use lamina_encoding::BlobParams;

use super::bindings::{
    bls_apk_registry::BLSApkRegistry,
    cert_verifier::CertVerifier,
    operator_state_retriever::OperatorStateRetriever,
    payment_vault::PaymentVault,
    registry_coordinator::RegistryCoordinator,
    service_manager::LaminaServiceManager,
    threshold_registry::{DATypes, ThresholdRegistry},
};
use super::convert::{g1_from_binding, g2_from_binding};
use super::sockets::SocketIndex;
use super::{Chain, ChainError, OperatorInfo};
use crate::assignment::{OperatorStake, QuorumOperators};
use crate::security::SecurityThresholds;
use crate::types::{CheckSignaturesIndices, DaCertV3, OperatorId, QuorumId};

/// Addresses of the contracts services talk to (the registries are found through the
/// coordinator). Deserializes from the deploy script's `contracts/deployments/<chainid>.json`
/// (snake_case names; unknown entries ignored, missing ones zero).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ContractAddresses {
    /// `RegistryCoordinator`.
    pub registry_coordinator: Address,
    /// `OperatorStateRetriever`.
    pub operator_state_retriever: Address,
    /// `ThresholdRegistry`.
    pub threshold_registry: Address,
    /// `CertVerifier`.
    pub cert_verifier: Address,
    /// `LaminaServiceManager` (batch confirmation).
    pub service_manager: Address,
    /// `StrategyManager` (deposits).
    pub strategy_manager: Address,
    /// `DelegationManager` (operator registration with EigenLayer, delegation).
    pub delegation_manager: Address,
    /// `PaymentVault` (reservations, on-demand deposits, payment parameters).
    pub payment_vault: Address,
    /// `RewardsCoordinator` (rewards submissions, distribution roots, claims).
    pub rewards_coordinator: Address,
}

/// The real [`Chain`]: JSON-RPC through an alloy provider.
#[derive(Clone, Debug)]
pub struct EthChain {
    provider: DynProvider,
    addresses: ContractAddresses,
    /// Blocks to wait after a transaction is mined; default 1 (the inclusion block).
    confirmations: u64,
    /// Key of the account that sends transactions and signs registration digests.
    signer: Option<PrivateKeySigner>,
    /// How often to poll for receipts; default [`DEFAULT_POLL_INTERVAL`].
    poll_interval: Duration,
    /// How long to wait for a transaction's confirmations; default [`DEFAULT_RECEIPT_TIMEOUT`].
    receipt_timeout: Duration,
    /// Operator sockets read so far, shared by every clone. tokio `Mutex`: held across
    /// the `eth_getLogs` of a sync, so that concurrent lookups wait for one read instead
    /// of each making its own.
    sockets: Arc<tokio::sync::Mutex<SocketIndex>>,
}

/// Default receipt polling interval: 100 ms (devnets mine instantly or every second).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Default time to wait for a transaction's confirmations: 120 s.
pub const DEFAULT_RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Maps a failed call to the contract's named error when the revert data decodes as one.
/// [`revert`] for `ThresholdRegistry`'s calls.
fn threshold_registry_revert(e: alloy::contract::Error) -> ChainError {
    revert::<ThresholdRegistry::ThresholdRegistryErrors>("ThresholdRegistry")(e)
}

/// [`revert`] for `PaymentVault`'s calls and transactions.
pub(super) fn payment_vault_revert(e: alloy::contract::Error) -> ChainError {
    revert::<PaymentVault::PaymentVaultErrors>("PaymentVault")(e)
}

/// The registry's thresholds struct as ours.
fn security_thresholds(t: &DATypes::SecurityThresholds) -> SecurityThresholds {
    SecurityThresholds {
        confirmation_threshold: t.confirmationThreshold,
        adversary_threshold: t.adversaryThreshold,
    }
}

pub(super) fn revert<E: SolInterface + std::fmt::Debug>(
    contract: &'static str,
) -> impl Fn(alloy::contract::Error) -> ChainError {
    move |e| match e.as_decoded_interface_error::<E>() {
        Some(decoded) => ChainError::Reverted {
            contract,
            error: format!("{decoded:?}"),
        },
        None => ChainError::Contract(e),
    }
}

fn quorum_bytes(quorums: &[QuorumId]) -> Bytes {
    Bytes::copy_from_slice(quorums)
}

impl EthChain {
    /// Wraps a provider (with or without a wallet).
    pub fn new(provider: DynProvider, addresses: ContractAddresses) -> Self {
        Self {
            provider,
            addresses,
            confirmations: 1,
            signer: None,
            poll_interval: DEFAULT_POLL_INTERVAL,
            receipt_timeout: DEFAULT_RECEIPT_TIMEOUT,
            sockets: Arc::default(),
        }
    }

    /// Sets how often receipts are polled and how long a transaction may take to confirm.
    pub fn with_receipt_polling(mut self, interval: Duration, timeout: Duration) -> Self {
        self.poll_interval = interval;
        self.receipt_timeout = timeout;
        self
    }

    pub(super) fn poll_interval(&self) -> Duration {
        self.poll_interval
    }

    pub(super) fn receipt_timeout(&self) -> Duration {
        self.receipt_timeout
    }

    /// Uses `signer` for digests that transactions carry (registration); the provider
    /// must sign transactions with the same key ([`EthChain::connect_http`] ensures it).
    pub fn with_signer(mut self, signer: PrivateKeySigner) -> Self {
        self.signer = Some(signer);
        self
    }

    pub(super) fn signer(&self, action: &'static str) -> Result<&PrivateKeySigner, ChainError> {
        self.signer.as_ref().ok_or(ChainError::NoSigner { action })
    }

    pub(super) fn confirmations(&self) -> u64 {
        self.confirmations
    }

    /// Connects to an HTTP(S) JSON-RPC endpoint; with `signer`, transactions are signed by
    /// it. https URLs are verified against the Mozilla roots (see
    /// [`EthChain::connect_http_with_tls`] for a private CA).
    pub fn connect_http(
        url: &str,
        addresses: ContractAddresses,
        signer: Option<PrivateKeySigner>,
    ) -> Result<Self, ChainError> {
        Self::connect_http_with_tls(url, addresses, signer, &crate::tls::TlsConfig::default())
    }

    /// [`EthChain::connect_http`] with https URLs verified against `tls`'s roots (the
    /// Mozilla roots plus its `ca_file`).
    pub fn connect_http_with_tls(
        url: &str,
        addresses: ContractAddresses,
        signer: Option<PrivateKeySigner>,
        tls: &crate::tls::TlsConfig,
    ) -> Result<Self, ChainError> {
        let url: alloy::transports::http::reqwest::Url =
            url.parse().map_err(|e| ChainError::OutOfRange {
                what: "RPC URL",
                value: format!("{url}: {e}"),
            })?;
        // Nonces come from the node for every transaction (simple, not cached): with alloy's
        // default cached nonces, a send that fails after nonce assignment (e.g. a reverting
        // gas estimate) leaves a gap, and every later transaction waits forever.
        let builder = ProviderBuilder::new()
            .disable_recommended_fillers()
            .with_gas_estimation()
            .with_simple_nonce_management()
            .fetch_chain_id();
        // https: our rustls transport (alloy's reqwest is built without TLS); http: alloy's.
        let is_local = alloy::transports::utils::guess_local_url(url.as_str());
        let client = if url.scheme() == "https" {
            alloy::rpc::client::RpcClient::new(tls.rpc_transport(url.as_str())?, is_local)
        } else {
            alloy::rpc::client::ClientBuilder::default().http(url)
        };
        Ok(match signer {
            Some(signer) => {
                let provider = builder
                    .wallet(EthereumWallet::from(signer.clone()))
                    .connect_client(client)
                    .erased();
                Self::new(provider, addresses).with_signer(signer)
            }
            None => Self::new(builder.connect_client(client).erased(), addresses),
        })
    }

    /// Sets how many blocks a transaction must be buried under before it counts.
    pub fn with_confirmations(mut self, confirmations: u64) -> Self {
        self.confirmations = confirmations.max(1);
        self
    }

    /// The provider, for calls this type does not wrap.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The number of the block with `hash`, or `None` when this chain has no such block
    /// (a rollup reader giving the L1 block that included a certificate by its hash,
    /// as Arbitrum Nitro does).
    pub async fn block_number_of(&self, hash: B256) -> Result<Option<u64>, ChainError> {
        Ok(self
            .provider
            .get_block_by_hash(hash)
            .await?
            .map(|block| block.header.number))
    }

    /// The configured addresses.
    pub fn addresses(&self) -> &ContractAddresses {
        &self.addresses
    }

    fn coordinator(&self) -> RegistryCoordinator::RegistryCoordinatorInstance<&DynProvider> {
        RegistryCoordinator::new(self.addresses.registry_coordinator, &self.provider)
    }

    fn threshold_registry(&self) -> ThresholdRegistry::ThresholdRegistryInstance<&DynProvider> {
        ThresholdRegistry::new(self.addresses.threshold_registry, &self.provider)
    }

    /// The `PaymentVault`; [`ChainError::MissingAddress`] when the deployment has none.
    pub(super) fn payment_vault(
        &self,
    ) -> Result<PaymentVault::PaymentVaultInstance<&DynProvider>, ChainError> {
        if self.addresses.payment_vault.is_zero() {
            return Err(ChainError::MissingAddress("payment_vault"));
        }
        Ok(PaymentVault::new(
            self.addresses.payment_vault,
            &self.provider,
        ))
    }

    async fn bls_apk_registry(
        &self,
    ) -> Result<BLSApkRegistry::BLSApkRegistryInstance<&DynProvider>, ChainError> {
        let address = self
            .coordinator()
            .blsApkRegistry()
            .call()
            .await
            .map_err(revert::<RegistryCoordinator::RegistryCoordinatorErrors>(
                "RegistryCoordinator",
            ))?;
        Ok(BLSApkRegistry::new(address, &self.provider))
    }

    /// Latest `OperatorSocketUpdate` of `operator` at or before `block`, from the shared
    /// [`SocketIndex`]: only blocks not read before are asked for (never past the head).
    async fn socket(&self, operator: OperatorId, block: u32) -> Result<Option<String>, ChainError> {
        let block = u64::from(block);
        let mut index = self.sockets.lock().await;
        if index.synced_to().is_none_or(|synced| synced < block) {
            let head = self.provider.get_block_number().await?;
            index
                .sync_to(
                    &self.provider,
                    self.addresses.registry_coordinator,
                    block.min(head),
                )
                .await?;
        }
        Ok(index.socket_at(&operator, block))
    }

    /// `eth_getLogs` calls the socket index has made so far (each reads only blocks not
    /// read before).
    pub async fn socket_log_queries(&self) -> u64 {
        self.sockets.lock().await.log_queries()
    }

    /// Address and registered keys of `operator`, without its socket (which
    /// [`Chain::operator_info`] adds): what aggregation needs for a non-signer.
    pub async fn operator_keys(&self, operator: OperatorId) -> Result<OperatorInfo, ChainError> {
        let address = self
            .coordinator()
            .getOperatorFromId(B256::from(operator.0))
            .call()
            .await
            .map_err(revert::<RegistryCoordinator::RegistryCoordinatorErrors>(
                "RegistryCoordinator",
            ))?;
        if address.is_zero() {
            return Err(ChainError::UnknownOperator(operator.to_string()));
        }
        let registry = self.bls_apk_registry().await?;
        let errors = revert::<BLSApkRegistry::BLSApkRegistryErrors>("BLSApkRegistry");
        let g1 = registry
            .getRegisteredPubkey(address)
            .call()
            .await
            .map_err(&errors)?;
        let g2 = registry
            .getOperatorPubkeyG2(address)
            .call()
            .await
            .map_err(&errors)?;
        Ok(OperatorInfo {
            operator_id: operator,
            address,
            pubkey_g1: g1_from_binding!(g1._0, "pubkeyG1")?,
            pubkey_g2: g2_from_binding!(g2, "pubkeyG2")?,
            socket: None,
        })
    }
}

impl Chain for EthChain {
    async fn block_number(&self) -> Result<u64, ChainError> {
        Ok(self.provider.get_block_number().await?)
    }

    async fn chain_id(&self) -> Result<u64, ChainError> {
        Ok(self.provider.get_chain_id().await?)
    }

    async fn operator_state(
        &self,
        quorums: &[QuorumId],
        reference_block: u32,
    ) -> Result<Vec<QuorumOperators>, ChainError> {
        let retriever =
            OperatorStateRetriever::new(self.addresses.operator_state_retriever, &self.provider);
        let per_quorum = retriever
            .getOperatorState_0(
                self.addresses.registry_coordinator,
                quorum_bytes(quorums),
                reference_block,
            )
            .call()
            .await
            .map_err(ChainError::Contract)?;
        quorums
            .iter()
            .zip(per_quorum)
            .map(|(&quorum, operators)| {
                let stakes = operators.into_iter().map(|op| OperatorStake {
                    operator_id: OperatorId(op.operatorId.0),
                    stake: op.stake.saturating_to::<u128>(),
                });
                Ok(QuorumOperators::new(quorum, stakes)?)
            })
            .collect()
    }

    async fn operator_info(
        &self,
        operator: OperatorId,
        reference_block: u32,
    ) -> Result<OperatorInfo, ChainError> {
        let mut info = self.operator_keys(operator).await?;
        info.socket = self.socket(operator, reference_block).await?;
        Ok(info)
    }

    async fn check_signatures_indices(
        &self,
        reference_block: u32,
        quorums: &[QuorumId],
        non_signers: &[OperatorId],
    ) -> Result<CheckSignaturesIndices, ChainError> {
        let retriever =
            OperatorStateRetriever::new(self.addresses.operator_state_retriever, &self.provider);
        let ids: Vec<B256> = non_signers.iter().map(|id| B256::from(id.0)).collect();
        let i = retriever
            .getCheckSignaturesIndices(
                self.addresses.registry_coordinator,
                reference_block,
                quorum_bytes(quorums),
                ids,
            )
            .call()
            .await
            .map_err(ChainError::Contract)?;
        Ok(CheckSignaturesIndices {
            non_signer_quorum_bitmap_indices: i.nonSignerQuorumBitmapIndices,
            quorum_apk_indices: i.quorumApkIndices,
            total_stake_indices: i.totalStakeIndices,
            non_signer_stake_indices: i.nonSignerStakeIndices,
        })
    }

    async fn blob_params(&self, version: u16) -> Result<BlobParams, ChainError> {
        let p = self
            .threshold_registry()
            .getBlobParams(version)
            .call()
            .await
            .map_err(threshold_registry_revert)?;
        Ok(BlobParams {
            num_chunks: p.numChunks,
            coding_rate: u32::from(p.codingRate),
            max_num_operators: p.maxNumOperators,
        })
    }

    async fn next_blob_version(&self) -> Result<u16, ChainError> {
        self.threshold_registry()
            .nextBlobVersion()
            .call()
            .await
            .map_err(threshold_registry_revert)
    }

    async fn security_thresholds(&self) -> Result<SecurityThresholds, ChainError> {
        let t = self
            .threshold_registry()
            .securityThresholds()
            .call()
            .await
            .map_err(threshold_registry_revert)?;
        Ok(security_thresholds(&t))
    }

    async fn quorum_numbers_required(&self) -> Result<Vec<QuorumId>, ChainError> {
        let q = self
            .threshold_registry()
            .quorumNumbersRequired()
            .call()
            .await
            .map_err(threshold_registry_revert)?;
        Ok(q.to_vec())
    }

    async fn security_thresholds_at(&self, block: u32) -> Result<SecurityThresholds, ChainError> {
        let t = self
            .threshold_registry()
            .securityThresholdsAtBlock(block)
            .call()
            .await
            .map_err(threshold_registry_revert)?;
        Ok(security_thresholds(&t))
    }

    async fn quorum_numbers_required_at(&self, block: u32) -> Result<Vec<QuorumId>, ChainError> {
        let q = self
            .threshold_registry()
            .quorumNumbersRequiredAtBlock(block)
            .call()
            .await
            .map_err(threshold_registry_revert)?;
        Ok(q.to_vec())
    }

    async fn pubkey_registration_point(&self, operator: Address) -> Result<G1Affine, ChainError> {
        let p = self
            .coordinator()
            .pubkeyRegistrationMessageHash(operator)
            .call()
            .await
            .map_err(revert::<RegistryCoordinator::RegistryCoordinatorErrors>(
                "RegistryCoordinator",
            ))?;
        Ok(g1_from_binding!(p, "pubkeyRegistrationMessageHash")?)
    }

    async fn check_da_cert_reverts(&self, cert: &DaCertV3) -> Result<(), ChainError> {
        let raw: crate::abi::DACertV3 = cert.into();
        CertVerifier::new(self.addresses.cert_verifier, &self.provider)
            .checkDACertReverts(super::convert::rebind(&raw)?)
            .call()
            .await
            .map(|_| ())
            .map_err(|e| {
                // The certificate checks revert in the verifier; the signature checks in the
                // service manager it calls.
                if let Some(d) = e.as_decoded_interface_error::<CertVerifier::CertVerifierErrors>()
                {
                    return ChainError::Reverted {
                        contract: "CertVerifier",
                        error: format!("{d:?}"),
                    };
                }
                revert::<LaminaServiceManager::LaminaServiceManagerErrors>("LaminaServiceManager")(
                    e,
                )
            })
    }

    async fn check_da_cert(&self, cert: &DaCertV3) -> Result<u8, ChainError> {
        CertVerifier::new(self.addresses.cert_verifier, &self.provider)
            .checkDACert(Bytes::from(cert.abi_encode()))
            .call()
            .await
            .map_err(revert::<CertVerifier::CertVerifierErrors>("CertVerifier"))
    }
}
