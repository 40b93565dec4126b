//! The node's payment checks against a counting in-memory vault: accepting, refusing an
//! unpaid account and an account over its reservation, and refunding a refused batch.

use std::sync::atomic::{AtomicUsize, Ordering};

use alloy_primitives::U256;
use lamina_payments::Reservation;

use super::*;

const NOW: u64 = 1_700_000_000_000_000_000;
/// 64 symbols/s over a 2 s window: 128 symbols, four blobs of the minimum 32.
const RESERVED: Address = Address::repeat_byte(0xaa);
const DEPOSITED: Address = Address::repeat_byte(0xbb);
const UNPAID: Address = Address::repeat_byte(0xcc);

#[derive(Debug, Default)]
struct Vault {
    reads: AtomicUsize,
}

#[tonic::async_trait]
impl PaymentSource for Vault {
    async fn params(&self) -> Result<PaymentParams, ChainError> {
        Ok(PaymentParams {
            price_per_symbol: 1_000,
            min_num_symbols: 32,
            on_demand_symbols_per_second: 1 << 20,
            on_demand_quorums: vec![0, 1],
        })
    }

    async fn account(&self, account: Address) -> Result<AccountPayments, ChainError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        Ok(match account {
            RESERVED => AccountPayments {
                reservation: Reservation {
                    symbols_per_second: 64,
                    start_timestamp: 0,
                    end_timestamp: u64::MAX,
                    quorums: vec![0, 1],
                    quorum_splits: vec![50, 50],
                },
                on_demand_deposit: U256::ZERO,
            },
            DEPOSITED => AccountPayments {
                reservation: Reservation::default(),
                on_demand_deposit: U256::from(1_000_000u64),
            },
            _ => AccountPayments::default(),
        })
    }
}

async fn payments() -> (Arc<NodePayments>, Arc<Vault>) {
    let vault = Arc::new(Vault::default());
    let config = PaymentsConfig {
        reservation_window_secs: 2,
        ..PaymentsConfig::default()
    };
    let payments = NodePayments::new(&config, vault.clone())
        .await
        .expect("params read");
    (Arc::new(payments), vault)
}

fn blob(index: usize, account: Address, cumulative_payment: u64) -> BlobToMeter {
    BlobToMeter {
        index,
        key: BlobKey([index as u8; 32]),
        payment: PaymentHeader {
            account_id: account,
            timestamp_ns: NOW as i64,
            cumulative_payment: U256::from(cumulative_payment),
        },
        quorums: vec![0, 1],
        symbols: 20, // charged the minimum, 32
    }
}

/// The refused blob's index, the metering's reason, the metric label and the gRPC status.
fn refusal(
    result: Result<BatchCharge, NodeError>,
) -> (usize, PaymentError, &'static str, tonic::Status) {
    let error = result.expect_err("refused");
    let label = error.reason_label();
    let (index, reason) = match &error {
        NodeError::Validation(ValidationError::Payment { index, reason, .. }) => {
            (*index, reason.clone())
        }
        other => panic!("not a payment refusal: {other}"),
    };
    (index, *reason, label, tonic::Status::from(error))
}

#[tokio::test]
async fn a_paid_batch_is_charged_with_one_read_per_account() {
    let (payments, vault) = payments().await;
    let batch = [
        blob(0, RESERVED, 0),
        blob(1, RESERVED, 0),
        blob(2, DEPOSITED, 32_000),
        blob(3, RESERVED, 0),
    ];
    let charge = payments.charge_batch(&batch, NOW).await.expect("paid");
    assert_eq!(charge.symbols(), 4 * 32);
    charge.keep();
    assert_eq!(payments.reservation_usage(&RESERVED, NOW), 3 * 32);
    assert_eq!(
        vault.reads.load(Ordering::Relaxed),
        2,
        "one read per account"
    );
}

#[tokio::test]
async fn an_account_with_no_payment_is_refused_permission_denied() {
    let (payments, vault) = payments().await;
    let batch = [blob(0, RESERVED, 0), blob(1, UNPAID, 0), blob(2, UNPAID, 0)];
    let (index, reason, label, status) = refusal(payments.charge_batch(&batch, NOW).await);
    assert_eq!(index, 1);
    assert!(matches!(reason, PaymentError::NoPayment { account, .. } if account == UNPAID));
    assert_eq!(label, "payment_unpaid");
    assert_eq!(status.code(), tonic::Code::PermissionDenied);
    assert!(
        status.message().contains(&BlobKey([1; 32]).to_string()),
        "the status names the blob: {}",
        status.message()
    );
    // The unpaid answer is cached: the same account again costs no read.
    let _ = payments.charge_batch(&batch[1..], NOW).await;
    assert_eq!(vault.reads.load(Ordering::Relaxed), 2);
    // An on-demand payment beyond the deposit is refused as well.
    let (_, reason, label, _) = refusal(
        payments
            .charge_batch(&[blob(0, DEPOSITED, 2_000_000)], NOW)
            .await,
    );
    assert!(matches!(reason, PaymentError::InsufficientDeposit { .. }));
    assert_eq!(label, "payment_insufficient");
}

#[tokio::test]
async fn a_batch_over_the_reservation_is_refused_and_nothing_stays_charged() {
    let (payments, _) = payments().await;
    // The bucket holds 128 symbols: five blobs of 32 do not fit.
    let batch: Vec<BlobToMeter> = (0..5).map(|i| blob(i, RESERVED, 0)).collect();
    let (index, reason, label, status) = refusal(payments.charge_batch(&batch, NOW).await);
    assert_eq!(index, 4);
    assert!(
        matches!(reason, PaymentError::Exhausted { .. }),
        "{reason:?}"
    );
    assert_eq!(label, "payment_over_reservation");
    assert_eq!(status.code(), tonic::Code::PermissionDenied);
    assert_eq!(
        payments.reservation_usage(&RESERVED, NOW),
        0,
        "the four blobs that fitted were refunded"
    );
    // The first four alone fit.
    payments
        .charge_batch(&batch[..4], NOW)
        .await
        .expect("fits")
        .keep();
    assert_eq!(payments.reservation_usage(&RESERVED, NOW), 128);
}

#[tokio::test]
async fn a_charge_not_kept_is_refunded() {
    let (payments, _) = payments().await;
    let batch = [blob(0, RESERVED, 0), blob(1, RESERVED, 0)];
    let charge = payments.charge_batch(&batch, NOW).await.expect("paid");
    assert_eq!(payments.reservation_usage(&RESERVED, NOW), 64);
    // Verification or the store failed: the guard is dropped unkept.
    drop(charge);
    assert_eq!(payments.reservation_usage(&RESERVED, NOW), 0);
    // A refused batch after an accepted one leaves the accepted one's charge alone.
    payments
        .charge_batch(&batch, NOW)
        .await
        .expect("paid")
        .keep();
    let _ = refusal(
        payments
            .charge_batch(&[blob(0, RESERVED, 0), blob(1, UNPAID, 0)], NOW)
            .await,
    );
    assert_eq!(payments.reservation_usage(&RESERVED, NOW), 64);
}
