//! Payments before signing: a node refuses to sign a batch holding a blob whose account
//! has not paid for it, so a disperser cannot give away free bandwidth (EigenDA makes
//! the validators the authority on payments, not the disperser).
//!
//! The rules are [`lamina_payments::NodeMeter`]'s: a reservation blob (cumulative payment
//! zero) is metered again in this node's own bucket, sized with a window wider than the
//! disperser's (`[payments] reservation_window_secs`, default 120 s against the
//! disperser's 60 s) so batching and dispatch delays never make an honest blob overflow;
//! an on-demand blob must pay at least its own price, on on-demand quorums, within the
//! account's deposit. (The ordering of cumulative payments is the disperser's to enforce:
//! a node sees only the batches sent to it.)
//!
//! ## Where it sits in StoreChunks
//!
//! After the disperser's signature, the replay guard, decoding, the batch root and the
//! reference block, and before any frame is verified or stored
//! ([`crate::service`]): every blob's client signature must recover to its payment
//! header's account (the header itself is bound to the certificate by its hash, which
//! decoding computes), then [`NodePayments::charge_batch`] meters the batch's blobs as one
//! unit. If one blob is refused, what was charged for the others is refunded and the whole
//! batch is refused; if a later step (verification, the store) fails, the
//! [`BatchCharge`] guard refunds everything. A blob the node already stored (a dispatch
//! retry, a batch re-cut after a disperser restart) is not metered again.
//!
//! ## Chain reads
//!
//! Accounts come from [`lamina_core::chain::AccountCache`], the disperser's cache: bounded
//! (paying and unpaid accounts in separate tables), configured by the same
//! `[payments.accounts]` table, refreshed every `refresh_secs` (a failed refresh keeps the
//! old answer), and reads of accounts never seen share one budget
//! (`unknown_reads_per_sec`). A batch of N blobs of one account costs at most one read.
//! The global parameters are read at start and re-read every `refresh_secs`. Only an authorised disperser can reach this code
//! (its signature is checked first), but the bounds hold whatever it sends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use alloy_primitives::Address;
use lamina_core::chain::{
    AccountCache, AccountCacheConfig, AccountLookupError, ChainError, PaymentSource,
};
use lamina_core::{BlobKey, PaymentHeader, QuorumId};
use lamina_payments::{
    AccountPayments, BlobPayment, Metered, MeteringConfig, NodeMeter, PaymentError, PaymentParams,
};
use serde::{Deserialize, Serialize};

use crate::error::{ConfigError, NodeError, ValidationError};

/// The `[payments]` table of the node's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentsConfig {
    /// Refuse to sign for blobs whose account has not paid. When true and the deployment
    /// has no `payment_vault` address, the node refuses to start. Default: true.
    pub enabled: bool,
    /// This node's reservation bucket holds this many seconds of an account's reserved
    /// rate. Must exceed the disperser's `[payments] reservation_window_secs` (60 by
    /// default) by the longest batching and dispatch delay. Default: 120.
    pub reservation_window_secs: u64,
    /// `[payments.accounts]`: the account cache, in the same form as the disperser's.
    pub accounts: AccountCacheConfig,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            reservation_window_secs: MeteringConfig::default().node_reservation_window_secs,
            accounts: AccountCacheConfig::default(),
        }
    }
}

impl PaymentsConfig {
    /// Checks every field, naming the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let zero = (self.reservation_window_secs == 0)
            .then_some("payments.reservation_window_secs")
            .or_else(|| self.accounts.zero_field());
        match zero {
            Some(field) => Err(ConfigError::Invalid {
                field,
                value: "0".into(),
                reason: "must be positive",
            }),
            None => Ok(()),
        }
    }

    fn metering(&self) -> MeteringConfig {
        MeteringConfig {
            node_reservation_window_secs: self.reservation_window_secs,
            ..MeteringConfig::default()
        }
    }
}

/// What the node meters of one blob of a batch.
#[derive(Clone, Debug)]
pub struct BlobToMeter {
    /// Position in the batch.
    pub index: usize,
    /// Blob key.
    pub key: BlobKey,
    /// The payment header the blob header's `payment_header_hash` is the hash of.
    pub payment: PaymentHeader,
    /// The blob's quorums.
    pub quorums: Vec<QuorumId>,
    /// The blob's length in symbols.
    pub symbols: u64,
}

/// The node's payment state: the account cache, the global parameters, the meter.
#[derive(Debug)]
pub struct NodePayments {
    source: Arc<dyn PaymentSource>,
    accounts: AccountCache,
    // std locks: held for a few operations, never across `.await`.
    params: RwLock<PaymentParams>,
    meter: Mutex<NodeMeter>,
    refresh_every: Duration,
}

impl NodePayments {
    /// Reads the global parameters from `source` (a failure stops the start).
    pub async fn new(
        config: &PaymentsConfig,
        source: Arc<dyn PaymentSource>,
    ) -> Result<Self, ChainError> {
        let params = source.params().await?;
        Ok(Self::with_params(config, source, params))
    }

    /// Payments with `params` as read.
    pub fn with_params(
        config: &PaymentsConfig,
        source: Arc<dyn PaymentSource>,
        params: PaymentParams,
    ) -> Self {
        Self {
            source,
            accounts: AccountCache::new(config.accounts),
            params: RwLock::new(params),
            meter: Mutex::new(NodeMeter::new(&config.metering())),
            refresh_every: config.accounts.refresh(),
        }
    }

    fn lock_meter(&self) -> std::sync::MutexGuard<'_, NodeMeter> {
        self.meter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn params(&self) -> PaymentParams {
        self.params
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Re-reads the global parameters (a failure keeps the old ones) and forgets drained
    /// reservation buckets.
    pub async fn refresh(&self, now_ns: u64) {
        match self.source.params().await {
            Ok(p) => {
                *self
                    .params
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = p;
            }
            Err(e) => tracing::warn!(error = %e, "could not refresh payment parameters"),
        }
        self.lock_meter().reservations_mut().prune(now_ns);
    }

    /// The symbols this node holds charged to `account`'s reservation at `now_ns`.
    pub fn reservation_usage(&self, account: &Address, now_ns: u64) -> u64 {
        self.lock_meter().reservations_mut().usage(account, now_ns)
    }

    /// Meters every blob of a batch at `now_ns` (this node's clock), as one unit: either
    /// every blob is charged and the returned guard holds the charges (refunded when it is
    /// dropped, unless [`BatchCharge::keep`] is called once the batch is stored), or
    /// nothing stays charged and the first refused blob is named.
    pub async fn charge_batch(
        self: &Arc<Self>,
        blobs: &[BlobToMeter],
        now_ns: u64,
    ) -> Result<BatchCharge, NodeError> {
        // One look-up per distinct account, before the meter's lock.
        let mut accounts: HashMap<Address, AccountPayments> = HashMap::new();
        for blob in blobs {
            let account = blob.payment.account_id;
            if accounts.contains_key(&account) {
                continue;
            }
            match self.accounts.lookup(self.source.as_ref(), account).await {
                Ok(payments) => {
                    accounts.insert(account, payments);
                }
                Err(AccountLookupError::NoPayment { account }) => {
                    return Err(refused(
                        blob,
                        PaymentError::NoPayment {
                            account,
                            timestamp_secs: timestamp_secs(blob.payment.timestamp_ns),
                        },
                    ));
                }
                Err(AccountLookupError::Busy { retry_after }) => {
                    return Err(ValidationError::PaymentLookupBusy {
                        index: blob.index,
                        key: blob.key,
                        retry_after_ms: u64::try_from(retry_after.as_millis())
                            .unwrap_or(u64::MAX)
                            .max(1),
                    }
                    .into());
                }
                Err(AccountLookupError::Chain(e)) => return Err(NodeError::Chain(e)),
            }
        }
        let params = self.params();
        let mut charge = BatchCharge {
            payments: Arc::clone(self),
            charges: Vec::with_capacity(blobs.len()),
        };
        let mut meter = self.lock_meter();
        for blob in blobs {
            let Some(account) = accounts.get(&blob.payment.account_id) else {
                // Every account was looked up above.
                continue;
            };
            let payment = BlobPayment {
                account: blob.payment.account_id,
                timestamp_ns: blob.payment.timestamp_ns,
                cumulative_payment: blob.payment.cumulative_payment,
                quorums: &blob.quorums,
                blob_symbols: blob.symbols,
            };
            match meter.check(&payment, account, &params, now_ns) {
                Ok(metered) => charge.charges.push(metered),
                Err(e) => {
                    // Refund under the same lock: nobody sees the half-metered batch.
                    for metered in charge.charges.drain(..) {
                        meter.refund(&metered);
                    }
                    return Err(refused(blob, e));
                }
            }
        }
        Ok(charge)
    }
}

fn timestamp_secs(timestamp_ns: i64) -> u64 {
    u64::try_from(timestamp_ns / 1_000_000_000).unwrap_or(0)
}

fn refused(blob: &BlobToMeter, reason: PaymentError) -> NodeError {
    ValidationError::Payment {
        index: blob.index,
        key: blob.key,
        account: blob.payment.account_id,
        reason: Box::new(reason),
    }
    .into()
}

/// The charges of one batch: refunded when dropped, unless kept.
#[derive(Debug)]
#[must_use = "dropping the charge refunds it"]
pub struct BatchCharge {
    payments: Arc<NodePayments>,
    charges: Vec<Metered>,
}

impl BatchCharge {
    /// The batch was stored and signed: its charges stand.
    pub fn keep(mut self) {
        self.charges.clear();
    }

    /// The charged symbols, all blobs together.
    pub fn symbols(&self) -> u64 {
        self.charges.iter().map(Metered::symbols).sum()
    }
}

impl Drop for BatchCharge {
    fn drop(&mut self) {
        if self.charges.is_empty() {
            return;
        }
        let mut meter = self.payments.lock_meter();
        for metered in self.charges.drain(..) {
            meter.refund(&metered);
        }
    }
}

/// Re-reads the payment parameters every `accounts.refresh_secs` until `shutdown`.
pub(crate) async fn refresh_periodically(
    payments: Arc<NodePayments>,
    shutdown: tokio_util::sync::CancellationToken,
) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(payments.refresh_every) => {}
        }
        payments.refresh(crate::service::now_ns()).await;
    }
}

#[cfg(test)]
mod tests;
