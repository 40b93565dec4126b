//! # lamina-payments
//!
//! Lamina's payment metering, with no I/O: no tokio, no RPC, no system clock (every
//! function takes the time it judges at). One implementation, shared by the disperser
//! (the authority on usage and cumulative payments), the nodes (which refuse to sign for
//! accounts that have not paid) and the client (which predicts what it will be charged).
//! In the path blob → chunks → attestation → certificate → retrieval, it guards the
//! first step: who may put a blob in.
//!
//! ## Bird's eye view
//!
//! The chain's `PaymentVault` holds, per account, a **reservation** (`symbolsPerSecond`
//! over `[start, end)` on some quorums, set by governance) and an **on-demand deposit**
//! (ether, never withdrawn), plus global [`PaymentParams`]: `pricePerSymbol`,
//! `minNumSymbols`, a global on-demand rate and the on-demand quorums.
//!
//! 1. **Cost** ([`symbols_charged`]): a blob of `n` symbols is charged
//!    `max(minNumSymbols, n rounded up to a power of two)` symbols; on demand that is
//!    [`payment_for`]`(symbols, pricePerSymbol)` wei.
//! 2. **Which payment** ([`PaymentKind::of`]): a payment header with cumulative payment
//!    zero uses the reservation, any other value pays on demand.
//! 3. **Reservation** ([`ReservationMeter`]): one [`LeakyBucket`] per account, holding
//!    `window` seconds of the reserved rate and draining at that rate continuously. The
//!    reservation must be active at the header's timestamp and cover the blob's quorums; a
//!    blob that does not fit is refused with [`PaymentError::Exhausted`] and the exact
//!    wait the drain needs (`RESOURCE_EXHAUSTED` + `retry-after-ms`).
//! 4. **On-demand** ([`OnDemandLedger`]): the header's cumulative payment must be at least
//!    the last accepted one plus this blob's price (a replay or a non-increasing payment is
//!    refused), at most the account's on-chain deposit, on on-demand quorums, and the
//!    network-wide on-demand bucket must have room. Check and update are one `&mut` step.
//! 5. **Entry points**: [`DisperserMeter::meter`] at intake; [`NodeMeter::check`] before a
//!    node signs, with reservation buckets wider than the disperser's
//!    ([`MeteringConfig::node_reservation_window_secs`]) and static on-demand checks;
//!    [`Accountant::stamp`] in the client, which mirrors the disperser's view
//!    ([`PaymentState`], from `GetPaymentState`) to choose each header's payment.
//!
//! Every accepted charge can be undone ([`DisperserMeter::refund`]) if its blob is not
//! stored, and every piece of state ([`LeakyBucket`], cumulative payments) is plain data
//! the disperser persists with the blob and restores after a restart.
//!
//! ```
//! use alloy_primitives::{Address, U256};
//! use lamina_payments::{
//!     AccountPayments, BlobPayment, DisperserMeter, MeteringConfig, PaymentError,
//!     PaymentParams, Reservation,
//! };
//!
//! let params = PaymentParams {
//!     price_per_symbol: 1_000,
//!     min_num_symbols: 32,
//!     on_demand_symbols_per_second: 1 << 20,
//!     on_demand_quorums: vec![0, 1],
//! };
//! let account = AccountPayments {
//!     reservation: Reservation {
//!         symbols_per_second: 64,
//!         start_timestamp: 0,
//!         end_timestamp: u64::MAX,
//!         quorums: vec![0, 1],
//!         quorum_splits: vec![50, 50],
//!     },
//!     on_demand_deposit: U256::from(1_000_000u64),
//! };
//! let now = 1_700_000_000_000_000_000u64;
//! let config = MeteringConfig { reservation_window_secs: 1, node_reservation_window_secs: 2, ..Default::default() };
//! let mut meter = DisperserMeter::new(&config, now);
//! let blob = |cumulative: u64| BlobPayment {
//!     account: Address::repeat_byte(1),
//!     timestamp_ns: now as i64,
//!     cumulative_payment: U256::from(cumulative),
//!     quorums: &[0],
//!     blob_symbols: 20, // charged 32 symbols
//! };
//! // The reservation holds 64 symbols: two blobs fit, the third waits half a second.
//! meter.meter(&blob(0), &account, &params, now)?;
//! meter.meter(&blob(0), &account, &params, now)?;
//! let full = meter.meter(&blob(0), &account, &params, now).unwrap_err();
//! assert_eq!(full.retry_after(), Some(std::time::Duration::from_millis(500)));
//! // Paying on demand instead: 32 symbols × 1000 wei.
//! meter.meter(&blob(32_000), &account, &params, now)?;
//! // The same cumulative payment again is a replay.
//! assert!(matches!(
//!     meter.meter(&blob(32_000), &account, &params, now),
//!     Err(PaymentError::InsufficientIncrement { .. })
//! ));
//! # Ok::<(), PaymentError>(())
//! ```

#![forbid(unsafe_code)]

mod accountant;
mod bucket;
mod config;
mod error;
mod meter;
mod on_demand;
mod params;
mod reservation;

pub use accountant::{Accountant, PaymentState, Stamp};
pub use bucket::LeakyBucket;
pub use config::{
    ConfigError, DEFAULT_MAX_TIMESTAMP_SKEW_SECS, DEFAULT_NODE_RESERVATION_WINDOW_SECS,
    DEFAULT_ON_DEMAND_WINDOW_SECS, DEFAULT_RESERVATION_WINDOW_SECS, MeteringConfig,
};
pub use error::{NO_PAYMENT_REASON, PaymentError};
pub use meter::{
    AccountPayments, BlobPayment, DisperserMeter, Metered, NodeMeter, PaymentKind, check_timestamp,
};
pub use on_demand::{ON_DEMAND_BUCKET, OnDemandCharge, OnDemandLedger};
pub use params::{PaymentParams, Reservation, payment_for, symbols_charged};
pub use reservation::{RESERVATION_BUCKET, ReservationMeter};
