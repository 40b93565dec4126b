//! How the client pays for its blobs: `GetPaymentState` and the accountant around it.
//!
//! The payment header is part of the signed blob key, so it is chosen when the blob is
//! sent ([`LaminaClient::send`]), not when it is prepared: a refused payment is stamped
//! again (new key, new signature; the commitment is reused) instead of failing.
//!
//! - **Which payment**: [`lamina_payments::Accountant`] mirrors the disperser's view
//!   (reported by `GetPaymentState`, read once and after every payment refusal): the
//!   reservation while its bucket has room, on-demand otherwise.
//! - **On-demand sends are serialised per client**: the stamp and the disperser's answer
//!   happen under one lock, so two of this client's on-demand blobs are never accepted
//!   out of order (the later payment would then cover both, and the account overpay).
//!   Reservation blobs are sent concurrently.
//! - **Refusals**: a stale cumulative payment (another client of the same account paid
//!   in between), a full reservation bucket or a skewed timestamp re-reads the state and
//!   stamps again; other refusals for load wait the server's retry-after; all of it
//!   within `busy_patience_ms`.
//! - A disperser that does not meter (`GetPaymentState` answers `FAILED_PRECONDITION` or
//!   `UNIMPLEMENTED`) gets cumulative payment zero, as before payments existed.

use std::time::{Duration, Instant};

use alloy_primitives::{Address, U256};
use lamina_core::ecdsa::sign_digest;
use lamina_core::keystore::EcdsaKey;
use lamina_payments::{Accountant, PaymentError, PaymentState, Stamp};
use lamina_proto::disperser::v1::GetPaymentStateRequest;
use lamina_proto::disperser::v1::disperser_client::DisperserClient;
use tonic::transport::Channel;

use crate::error::ClientError;

/// The client's payment bookkeeping, behind an async lock (held across an on-demand
/// send).
#[derive(Debug)]
pub(crate) enum Book {
    /// Not read yet, or to be read again before the next stamp.
    Unknown,
    /// The disperser does not meter payments.
    Unmetered,
    /// The disperser meters; this is the mirror.
    Metered(Box<Accountant>),
}

/// Reasons (`lamina-error-reason`) after which the state is read again and the blob
/// stamped again.
const RESTAMP_REASONS: [&str; 3] = [
    "PAYMENT_STALE_CUMULATIVE",
    "PAYMENT_BUCKET_FULL",
    "PAYMENT_TIMESTAMP_SKEW",
];

/// Whether `error` is a payment refusal that a fresh state and a new stamp may cure.
pub(crate) fn needs_restamp(error: &ClientError) -> bool {
    error.reason().is_some_and(|r| RESTAMP_REASONS.contains(&r))
}

/// Nanoseconds since the Unix epoch.
pub(crate) fn now_ns() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// Reads `account`'s payment state from the disperser, signed with `key`.
pub(crate) async fn read_state(
    disperser: &DisperserClient<Channel>,
    key: &EcdsaKey,
) -> Result<PaymentState, ClientError> {
    let account = key.address();
    let timestamp = now_ns();
    let digest = lamina_proto::payment_state_digest(account, timestamp);
    let signature = sign_digest(key, digest).map_err(|e| ClientError::Signing {
        what: "the GetPaymentState request".to_owned(),
        reason: e.to_string(),
    })?;
    let reply = disperser
        .clone()
        .get_payment_state(GetPaymentStateRequest {
            account_id: account.to_checksum(None),
            timestamp,
            signature: signature.to_vec(),
        })
        .await
        .map_err(|s| ClientError::from_status("GetPaymentState", s))?
        .into_inner();
    PaymentState::try_from(&reply).map_err(|e| ClientError::BadReply {
        call: "GetPaymentState",
        reason: e.to_string(),
    })
}

impl Book {
    /// Reads the state when it is unknown: `Metered` with a fresh mirror, or `Unmetered`
    /// when the disperser says it does not meter.
    pub(crate) async fn ensure(
        &mut self,
        disperser: &DisperserClient<Channel>,
        key: &EcdsaKey,
    ) -> Result<(), ClientError> {
        if !matches!(self, Self::Unknown) {
            return Ok(());
        }
        *self = match read_state(disperser, key).await {
            Ok(state) => Self::Metered(Box::new(Accountant::new(key.address(), state))),
            Err(ClientError::Rpc {
                code: tonic::Code::FailedPrecondition | tonic::Code::Unimplemented,
                ..
            }) => Self::Unmetered,
            Err(e) => return Err(e),
        };
        Ok(())
    }

    /// The payment of a blob of `blob_symbols` on `quorums` made at `now_ns`: `None` when
    /// the disperser does not meter. [`Book::ensure`] must have run.
    pub(crate) fn stamp(
        &mut self,
        account: Address,
        blob_symbols: u64,
        quorums: &[u8],
        now_ns: i64,
    ) -> Result<Option<Stamp>, ClientError> {
        match self {
            Self::Unmetered => Ok(None),
            Self::Metered(a) => a
                .stamp(
                    blob_symbols,
                    quorums,
                    u64::try_from(now_ns).unwrap_or_default(),
                )
                .map(Some)
                .map_err(|source| ClientError::Payment {
                    account,
                    source: Box::new(source),
                }),
            Self::Unknown => Err(ClientError::Worker {
                what: "payment state not read before stamping",
            }),
        }
    }

    /// Takes back a stamp whose blob was not accepted.
    pub(crate) fn undo(&mut self, stamp: Option<&Stamp>) {
        if let (Self::Metered(a), Some(stamp)) = (self, stamp) {
            a.undo(stamp);
        }
    }
}

/// The header's cumulative payment for `stamp` (zero when unmetered).
pub(crate) fn cumulative(stamp: Option<&Stamp>) -> U256 {
    stamp.map_or(U256::ZERO, Stamp::cumulative_payment)
}

/// When to try again after `error`, or `None` to give up: within `deadline`, a payment
/// refusal a new stamp may cure (at once, or after the wait the accountant will ask for),
/// a full bucket the accountant itself predicted (its wait), and a refusal for load (the
/// server's retry-after plus up to a quarter, so refused clients spread out).
pub(crate) fn retry_delay(error: &ClientError, deadline: Instant) -> Option<Duration> {
    let wait = match error {
        ClientError::Payment { source, .. }
            if matches!(**source, PaymentError::Exhausted { .. }) =>
        {
            source.retry_after().unwrap_or_default()
        }
        e if needs_restamp(e) => Duration::ZERO,
        e if e.is_busy() => {
            let asked = e.retry_after().unwrap_or_default();
            asked + asked.mul_f64(rand::random::<f64>() / 4.0)
        }
        _ => return None,
    };
    (Instant::now() + wait <= deadline).then_some(wait)
}
