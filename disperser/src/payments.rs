//! Payments at intake: who may put a blob in, and what it costs them.
//!
//! The rules are [`lamina_payments`]' ([`DisperserMeter`]); this module feeds them what
//! they need from the chain, keeps the meter's state durable and refunds what was charged
//! for a blob that is not stored.
//!
//! ## Where metering sits in `DisperseBlob`
//!
//! 1. Right after the account's signature ([`Payments::lookup`]): the account's
//!    reservation and on-demand deposit, from a bounded cache. An account with neither is
//!    refused here ([`DisperserError::NoPayment`], `PERMISSION_DENIED`), before the
//!    duplicate check, the commitment check and the durable write: a fresh key with no
//!    payment costs a cache look-up (or, at most every `accounts.unpaid_recheck_secs`, one chain
//!    read) and an ECDSA recovery.
//! 2. After the per-account rate and the queue check ([`Payments::charge`]): the blob is
//!    metered ([`DisperserMeter::meter`]: reservation when the header's cumulative
//!    payment is zero, on-demand otherwise). A reservation charge makes the request
//!    [`crate::commit_pool::AdmissionClass::Reserved`].
//! 3. The charge's new state ([`Charge::records`]) is written in the blob's own synced
//!    metadata write ([`crate::metadata::MetadataStore::accept`]), or, on a store several
//!    API servers share, before the charge returns (below); a blob refused after metering
//!    (the commitment check fails, the pool is busy, the request is cancelled, the write
//!    fails) is refunded ([`Payments::refund`]).
//!
//! ## Chain reads: bounded, and a flood of fresh accounts is not a flood of reads
//!
//! Account state comes from [`lamina_core::chain::AccountCache`], the cache the nodes use
//! too, configured by the same `[payments.accounts]` table: paying accounts cached (at
//! most `tracked`, least recently used evicted) and re-read every `refresh_secs` (a failed
//! re-read keeps the old answer); unpaid accounts refused without a read for
//! `unpaid_recheck_secs` from a separate bounded table; reads for accounts in neither
//! share one global budget (`unknown_reads_per_sec`), beyond which such a request is refused with
//! `RESOURCE_EXHAUSTED` and a `retry-after-ms`. (Following the vault's events instead
//! would need no read per account at all; left for later.)
//!
//! ## Persistence
//!
//! Each charge produces records keyed by what they describe (the account's reservation
//! bucket, its cumulative payment, the global on-demand bucket), each stamped with a
//! sequence number taken under the meter's lock. The store merges records keeping the
//! highest sequence ([`crate::store`]'s `payments` family), so blobs written out of order
//! never put an older state over a newer one. At start [`Payments::new`] loads them and
//! continues the sequence after the highest.
//!
//! ## Several API servers
//!
//! API servers behind one load balancer must meter an account as one disperser: with a
//! meter each, an account could spend its reservation once per server, and one on-demand
//! payment could pay for a blob at every server. On PostgreSQL every charge therefore
//! locks the records it touches for the whole database
//! ([`crate::metadata::MetadataStore::update_payment_records`]), reloads them into the
//! meter, meters, and writes the new records before it returns; refunds do the same. The
//! cost is one short transaction per blob. A crash between a charge and its blob's write
//! leaves the charge standing (the account pays for one blob it must send again), as in
//! EigenDA, where metering is also written before the blob.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use alloy_primitives::{Address, U256};
/// Where payment state is read from (moved to `lamina-core`, shared with the nodes).
pub use lamina_core::chain::PaymentSource;
use lamina_core::chain::{AccountCache, AccountCacheConfig, AccountLookupError};
/// The payment types of the vault, for callers without `lamina-payments`.
pub use lamina_payments::{AccountPayments, PaymentParams, PaymentState, Reservation};
use lamina_payments::{
    BlobPayment, DisperserMeter, LeakyBucket, Metered, MeteringConfig, PaymentKind,
};
use serde::{Deserialize, Serialize};

use crate::error::{ConfigError, DisperserError};
use crate::metadata::MetadataStore;
use crate::store::{PaymentRecord, now_ns};

/// The `[payments]` table of the disperser's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentsConfig {
    /// Meter every blob against the `PaymentVault`. When true and the deployment has no
    /// `payment_vault` address, the disperser refuses to start. Default: true.
    pub enabled: bool,
    /// The reservation bucket holds this many seconds of an account's reserved rate.
    /// Default: 60.
    pub reservation_window_secs: u64,
    /// The global on-demand bucket holds this many seconds of the on-demand rate.
    /// Default: 30.
    pub on_demand_window_secs: u64,
    /// Largest distance between a payment header's timestamp and the disperser's clock,
    /// seconds. Default: 60.
    pub max_timestamp_skew_secs: u64,
    /// `[payments.accounts]`: the account cache, shared in form with the nodes.
    pub accounts: AccountCacheConfig,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        let m = MeteringConfig::default();
        Self {
            enabled: true,
            reservation_window_secs: m.reservation_window_secs,
            on_demand_window_secs: m.on_demand_window_secs,
            max_timestamp_skew_secs: m.max_timestamp_skew_secs,
            accounts: AccountCacheConfig::default(),
        }
    }
}

impl PaymentsConfig {
    /// The metering windows (the node window is not the disperser's business: twice its
    /// own, so the crate's check that it is wider holds).
    pub fn metering(&self) -> MeteringConfig {
        MeteringConfig {
            reservation_window_secs: self.reservation_window_secs,
            node_reservation_window_secs: self.reservation_window_secs.saturating_mul(2),
            on_demand_window_secs: self.on_demand_window_secs,
            max_timestamp_skew_secs: self.max_timestamp_skew_secs,
        }
    }

    /// Checks every field, naming the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let zero = [
            (
                "payments.reservation_window_secs",
                self.reservation_window_secs,
            ),
            ("payments.on_demand_window_secs", self.on_demand_window_secs),
        ]
        .into_iter()
        .find_map(|(field, value)| (value == 0).then_some(field))
        .or_else(|| self.accounts.zero_field());
        match zero {
            Some(field) => Err(ConfigError::Invalid {
                field,
                reason: "must be at least 1".into(),
            }),
            None => Ok(()),
        }
    }
}

/// What a blob was charged, and the records that make the charge durable.
#[derive(Clone, Debug)]
pub struct Charge {
    /// The meter's answer.
    pub metered: Metered,
    /// `(key, value)` pairs for the store's `payments` family, merged keeping the highest
    /// sequence.
    pub records: Vec<PaymentRecord>,
}

impl Charge {
    /// Whether the blob was charged to a reservation.
    pub fn is_reservation(&self) -> bool {
        matches!(self.metered, Metered::Reservation { .. })
    }
}

const RESERVATION_PREFIX: u8 = b'r';
const CUMULATIVE_PREFIX: u8 = b'o';
const GLOBAL_KEY: &[u8] = b"g";

fn record(key: Vec<u8>, seq: u64, payload: &[u8]) -> PaymentRecord {
    let mut value = Vec::with_capacity(8 + payload.len());
    value.extend_from_slice(&seq.to_be_bytes());
    value.extend_from_slice(payload);
    (key, value)
}

fn account_key(prefix: u8, account: &Address) -> Vec<u8> {
    let mut k = Vec::with_capacity(21);
    k.push(prefix);
    k.extend_from_slice(account.as_slice());
    k
}

/// The sequence number a stored payment record starts with (`None`: too short).
pub fn record_seq(value: &[u8]) -> Option<u64> {
    value
        .get(..8)
        .map(|b| u64::from_be_bytes(b.try_into().unwrap_or([0; 8])))
}

/// The keys of the records that metering `blob` reads and writes: its account's
/// reservation bucket, or its account's cumulative payment and the global on-demand bucket.
fn record_keys(account: &Address, kind: PaymentKind) -> Vec<Vec<u8>> {
    match kind {
        PaymentKind::Reservation => vec![account_key(RESERVATION_PREFIX, account)],
        PaymentKind::OnDemand => vec![account_key(CUMULATIVE_PREFIX, account), GLOBAL_KEY.to_vec()],
    }
}

/// The keys of the records a charge changed.
fn charged_keys(metered: &Metered) -> Vec<Vec<u8>> {
    match metered {
        Metered::Reservation { account, .. } => record_keys(account, PaymentKind::Reservation),
        Metered::OnDemand(c) => record_keys(&c.account, PaymentKind::OnDemand),
    }
}

#[derive(Debug)]
struct MeterState {
    meter: DisperserMeter,
    seq: u64,
}

impl MeterState {
    /// Loads persisted records; the sequence continues after the highest one.
    fn restore(&mut self, records: &[PaymentRecord]) -> Result<(), DisperserError> {
        let corrupt = |reason: String| {
            DisperserError::Store(crate::error::StoreError::Corrupt {
                what: "payment record",
                reason,
            })
        };
        for (key, value) in records {
            let seq = record_seq(value).ok_or_else(|| corrupt("shorter than 8 bytes".into()))?;
            self.seq = self.seq.max(seq);
            let payload = &value[8..];
            let bucket = || {
                serde_json::from_slice::<LeakyBucket>(payload).map_err(|e| corrupt(e.to_string()))
            };
            match key.split_first() {
                Some((&RESERVATION_PREFIX, a)) if a.len() == 20 => {
                    let b = bucket()?;
                    self.meter
                        .reservations_mut()
                        .restore(Address::from_slice(a), b);
                }
                Some((&CUMULATIVE_PREFIX, a)) if a.len() == 20 => {
                    let bytes: [u8; 32] = payload
                        .try_into()
                        .map_err(|_| corrupt("cumulative payment is not 32 bytes".into()))?;
                    self.meter
                        .on_demand_mut()
                        .restore(Address::from_slice(a), U256::from_be_bytes(bytes));
                }
                _ if key.as_slice() == GLOBAL_KEY => {
                    let b = bucket()?;
                    self.meter.on_demand_mut().restore_global_bucket(b);
                }
                _ => return Err(corrupt(format!("unknown key {}", hex::encode(key)))),
            }
        }
        Ok(())
    }

    /// Meters one blob at `now`; the charge carries the records of what it changed.
    fn charge(
        &mut self,
        blob: &BlobPayment<'_>,
        account: &AccountPayments,
        params: &PaymentParams,
        now: u64,
    ) -> Result<Charge, DisperserError> {
        let metered = self.meter.meter(blob, account, params, now)?;
        let records = self.records(&metered);
        Ok(Charge { metered, records })
    }

    /// The records of the state `metered` touched, as it stands now, stamped with the
    /// next sequence.
    fn records(&mut self, metered: &Metered) -> Vec<PaymentRecord> {
        self.seq += 1;
        let seq = self.seq;
        match metered {
            Metered::Reservation { account, .. } => {
                let bucket = self
                    .meter
                    .reservations()
                    .bucket(account)
                    .copied()
                    .unwrap_or_default();
                vec![record(
                    account_key(RESERVATION_PREFIX, account),
                    seq,
                    &serde_json::to_vec(&bucket).unwrap_or_default(),
                )]
            }
            Metered::OnDemand(c) => {
                let global = *self.meter.on_demand().global_bucket();
                let cumulative = self.meter.on_demand().cumulative_payment(&c.account);
                vec![
                    record(
                        account_key(CUMULATIVE_PREFIX, &c.account),
                        seq,
                        &cumulative.to_be_bytes::<32>(),
                    ),
                    record(
                        GLOBAL_KEY.to_vec(),
                        seq,
                        &serde_json::to_vec(&global).unwrap_or_default(),
                    ),
                ]
            }
        }
    }

    /// Undoes a charge; `false` when it could not be (an on-demand charge that is no
    /// longer its account's latest: the later payment already covers it).
    fn refund(&mut self, charge: &Charge) -> bool {
        match self.meter.refund(&charge.metered) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "payment not refunded");
                false
            }
        }
    }
}

/// The disperser's payments: cached chain state, the meter, its durable records.
///
/// With a store that several processes write (PostgreSQL), every charge, refund and
/// report first reloads the records it touches from the store, under the store's lock
/// for them ([`MetadataStore::update_payment_records`]), and writes the new ones before
/// it returns: the meter in memory is then a cache of the shared state, and API servers
/// behind one load balancer meter each account exactly as one would. With RocksDB (one
/// process) the meter is the state, and its records are written with each blob.
#[derive(Debug)]
pub struct Payments {
    config: PaymentsConfig,
    source: Arc<dyn PaymentSource>,
    store: Arc<dyn MetadataStore>,
    /// std locks: held for a few operations, never across `.await`.
    params: RwLock<(PaymentParams, Instant)>,
    accounts: AccountCache,
    meter: Mutex<MeterState>,
}

impl Payments {
    /// Reads the global parameters from `source` (a failure stops the start) and restores
    /// the meter from the records in `store`.
    pub async fn new(
        config: PaymentsConfig,
        source: Arc<dyn PaymentSource>,
        store: Arc<dyn MetadataStore>,
    ) -> Result<Self, DisperserError> {
        let params = source.params().await?;
        let records = store.payment_records().await?;
        let mut meter = MeterState {
            meter: DisperserMeter::new(&config.metering(), now_ns()),
            seq: 0,
        };
        meter.restore(&records)?;
        tracing::info!(records = records.len(), "payment state restored");
        Ok(Self {
            accounts: AccountCache::new(config.accounts),
            params: RwLock::new((params, Instant::now())),
            meter: Mutex::new(meter),
            config,
            source,
            store,
        })
    }

    /// The global parameters in force.
    pub fn params(&self) -> PaymentParams {
        self.params
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .0
            .clone()
    }

    /// Re-reads the global parameters (a failure keeps the old ones) and forgets drained
    /// reservation buckets.
    pub async fn refresh(&self) {
        match self.source.params().await {
            Ok(p) => {
                *self
                    .params
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = (p, Instant::now());
            }
            Err(e) => tracing::warn!(error = %e, "could not refresh payment parameters"),
        }
        self.lock_meter().meter.reservations_mut().prune(now_ns());
    }

    fn lock_meter(&self) -> std::sync::MutexGuard<'_, MeterState> {
        self.meter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The account's payment state, or a refusal: [`DisperserError::NoPayment`] for an
    /// account with neither a reservation nor a deposit, [`DisperserError::PaymentLookupBusy`]
    /// when an account seen nowhere would need a read beyond the budget.
    pub async fn lookup(&self, account: Address) -> Result<AccountPayments, DisperserError> {
        self.accounts
            .lookup(self.source.as_ref(), account)
            .await
            .map_err(|e| match e {
                AccountLookupError::NoPayment { account } => DisperserError::NoPayment { account },
                AccountLookupError::Busy { retry_after } => {
                    DisperserError::PaymentLookupBusy { retry_after }
                }
                AccountLookupError::Chain(e) => DisperserError::Chain(e),
            })
    }

    /// Accounts in the (paying, unpaid) caches.
    pub fn cached_accounts(&self) -> (usize, usize) {
        self.accounts.cached_accounts()
    }

    /// Meters one blob at the disperser's clock; on success the charge stands until
    /// [`Self::refund`]. On a shared store the charge is durable when this returns (and
    /// its `records` are empty); otherwise its records go with the blob's accept.
    pub async fn charge(
        &self,
        blob: &BlobPayment<'_>,
        account: &AccountPayments,
    ) -> Result<Charge, DisperserError> {
        let params = self.params();
        let keys = record_keys(&blob.account, PaymentKind::of(blob.cumulative_payment));
        let mut shared = None;
        self.store
            .update_payment_records(&keys, &mut |stored| {
                let mut st = self.lock_meter();
                let mut charged = st
                    .restore(stored)
                    .and_then(|()| st.charge(blob, account, &params, now_ns()));
                // The records go to the store here, not with the blob.
                let records = charged
                    .as_mut()
                    .map_or_else(|_| Vec::new(), |c| std::mem::take(&mut c.records));
                shared = Some(charged);
                records
            })
            .await?;
        match shared {
            Some(charged) => charged,
            None => self.lock_meter().charge(blob, account, &params, now_ns()),
        }
    }

    /// Undoes a charge whose blob was not stored. An on-demand charge can only be undone
    /// while it is the account's latest; otherwise the later payment already covers it and
    /// the refusal is logged. On a shared store the refund is written before this returns;
    /// otherwise the next charge's records carry it.
    pub async fn refund(&self, charge: &Charge) {
        let mut shared = false;
        let updated = self
            .store
            .update_payment_records(&charged_keys(&charge.metered), &mut |stored| {
                shared = true;
                let mut st = self.lock_meter();
                if let Err(e) = st.restore(stored) {
                    tracing::warn!(error = %e, "payment not refunded");
                    return Vec::new();
                }
                if st.refund(charge) {
                    st.records(&charge.metered)
                } else {
                    Vec::new()
                }
            })
            .await;
        match updated {
            Ok(()) if !shared => {
                self.lock_meter().refund(charge);
            }
            Ok(()) => {}
            Err(e) => tracing::warn!(error = %e, "payment not refunded: store"),
        }
    }

    /// Reloads `account`'s own records (its reservation bucket and cumulative payment, not
    /// the global bucket every on-demand charge locks) from a shared store; nothing on a
    /// store with one writer, whose meter is the state.
    async fn reload(&self, account: &Address) -> Result<(), DisperserError> {
        let keys = [
            account_key(RESERVATION_PREFIX, account),
            account_key(CUMULATIVE_PREFIX, account),
        ];
        let mut restored = Ok(());
        self.store
            .update_payment_records(&keys, &mut |stored| {
                restored = self.lock_meter().restore(stored);
                Vec::new()
            })
            .await?;
        restored
    }

    /// The account's last accepted cumulative payment, as the meter holds it.
    pub fn cumulative_payment(&self, account: &Address) -> U256 {
        self.lock_meter()
            .meter
            .on_demand()
            .cumulative_payment(account)
    }

    /// The account's reservation usage in symbols now.
    pub fn reservation_usage(&self, account: &Address) -> u64 {
        self.lock_meter()
            .meter
            .reservations()
            .usage(account, now_ns())
    }

    /// Checks a signed request's timestamp against the disperser's clock, with the
    /// payment headers' skew.
    pub fn check_request_time(&self, timestamp_ns: i64) -> Result<(), DisperserError> {
        lamina_payments::check_timestamp(
            timestamp_ns,
            now_ns(),
            self.config.metering().max_timestamp_skew(),
        )?;
        Ok(())
    }

    /// What `GetPaymentState` reports for `account`: its on-chain payments (through the
    /// same bounded cache as intake; an account that cannot pay reads as zeros), the
    /// bucket level and the last accepted cumulative payment, at one instant of the
    /// meter (reloaded first from a shared store).
    pub async fn state(&self, account: Address) -> Result<PaymentState, DisperserError> {
        let payments = match self.lookup(account).await {
            Ok(p) => p,
            Err(DisperserError::NoPayment { .. }) => AccountPayments::default(),
            Err(e) => return Err(e),
        };
        self.reload(&account).await?;
        let params = self.params();
        let st = self.lock_meter();
        let now = now_ns();
        Ok(PaymentState {
            params,
            account: payments,
            reservation_window_secs: st.meter.reservations().window_secs(),
            reservation_usage_symbols: st.meter.reservations().usage(&account, now),
            cumulative_payment: st.meter.on_demand().cumulative_payment(&account),
            as_of_ns: now,
        })
    }
}

/// Re-reads the payment parameters every `accounts.refresh_secs` until `shutdown`.
pub async fn refresh_periodically(
    payments: Arc<Payments>,
    shutdown: tokio_util::sync::CancellationToken,
) {
    let every = payments.config.accounts.refresh();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        payments.refresh().await;
    }
}

/// Undoes a charge when dropped, unless [`RefundOnDrop::disarm`]ed: a `DisperseBlob`
/// cancelled after metering gives the charge back, in a task of its own (a refund may
/// write to the store). Refusals refund explicitly, before they answer.
#[derive(Debug)]
pub struct RefundOnDrop {
    payments: Arc<Payments>,
    charge: Option<Charge>,
}

impl RefundOnDrop {
    /// Guards `charge`.
    pub fn new(payments: Arc<Payments>, charge: Charge) -> Self {
        Self {
            payments,
            charge: Some(charge),
        }
    }

    /// The guarded charge.
    pub fn charge(&self) -> &Charge {
        self.charge.as_ref().expect("armed until disarmed")
    }

    /// The charge, no longer refunded on drop.
    pub fn disarm(mut self) -> (Arc<Payments>, Charge) {
        let charge = self.charge.take().expect("armed until disarmed");
        (Arc::clone(&self.payments), charge)
    }
}

impl Drop for RefundOnDrop {
    fn drop(&mut self) {
        if let Some(charge) = self.charge.take() {
            // The refund may write to the store: a task of its own, so that a cancelled
            // request still gives the charge back.
            let payments = Arc::clone(&self.payments);
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn(async move { payments.refund(&charge).await });
                }
                Err(_) => tracing::warn!("payment not refunded: no runtime"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_defaults_validate() {
        assert!(PaymentsConfig::default().validate().is_ok());
        assert!(PaymentsConfig::default().metering().validate().is_ok());
        let bad = PaymentsConfig {
            accounts: AccountCacheConfig {
                unknown_reads_per_sec: 0,
                ..AccountCacheConfig::default()
            },
            ..PaymentsConfig::default()
        };
        assert!(bad.validate().is_err());
    }
}
