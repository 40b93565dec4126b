//! The on-chain state metering reads: `PaymentVault`'s global parameters and an
//! account's reservation (Rust mirrors; `lamina-core`'s chain module reads them).

use alloy_primitives::U256;

use crate::PaymentError;

/// `PaymentVault.getPaymentParams()`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PaymentParams {
    /// Wei per charged symbol.
    pub price_per_symbol: u64,
    /// The fewest symbols a blob is charged for.
    pub min_num_symbols: u64,
    /// The global on-demand rate ceiling, symbols per second, all accounts together.
    pub on_demand_symbols_per_second: u64,
    /// The quorums on-demand blobs may use (ascending).
    pub on_demand_quorums: Vec<u8>,
}

/// `PaymentVault.getReservation(account)`: `symbols_per_second` from `start` (inclusive)
/// to `end` (exclusive), Unix seconds, on `quorums`. A zero rate means no reservation.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reservation {
    /// Reserved symbols per second.
    pub symbols_per_second: u64,
    /// First second of the reservation (Unix).
    pub start_timestamp: u64,
    /// First second after the reservation (Unix).
    pub end_timestamp: u64,
    /// The quorums the reservation covers (ascending).
    pub quorums: Vec<u8>,
    /// Percentage of the reservation's payment per quorum (same order, sums to 100).
    pub quorum_splits: Vec<u8>,
}

impl Reservation {
    /// Whether the account has a reservation at all (a cancelled or absent one reads as
    /// zeros).
    pub fn exists(&self) -> bool {
        self.symbols_per_second != 0
    }

    /// Whether it is in force at `timestamp_secs`: `start <= t < end`.
    pub fn is_active_at(&self, timestamp_secs: u64) -> bool {
        self.exists()
            && self.start_timestamp <= timestamp_secs
            && timestamp_secs < self.end_timestamp
    }
}

/// Checks that `quorums` is non-empty and every one of them is in `allowed`.
pub(crate) fn check_quorums(
    quorums: &[u8],
    allowed: &[u8],
    kind: &'static str,
) -> Result<(), PaymentError> {
    if quorums.is_empty() {
        return Err(PaymentError::NoQuorums);
    }
    match quorums.iter().find(|q| !allowed.contains(q)) {
        Some(&quorum) => Err(PaymentError::QuorumNotAllowed {
            quorum,
            kind,
            allowed: allowed.to_vec(),
        }),
        None => Ok(()),
    }
}

/// The symbols a blob of `blob_symbols` 32-byte symbols is charged for:
/// `max(min_num_symbols, blob_symbols rounded up to a power of two)`. An empty blob costs
/// `min_num_symbols`.
///
/// ```
/// use lamina_payments::symbols_charged;
/// assert_eq!(symbols_charged(1, 4096), Ok(4096));
/// assert_eq!(symbols_charged(5000, 4096), Ok(8192));
/// assert_eq!(symbols_charged(8192, 4096), Ok(8192));
/// ```
pub fn symbols_charged(blob_symbols: u64, min_num_symbols: u64) -> Result<u64, PaymentError> {
    let rounded = blob_symbols
        .checked_next_power_of_two()
        .ok_or(PaymentError::Overflow {
            what: "blob length rounded up to a power of two",
        })?;
    Ok(rounded.max(min_num_symbols))
}

/// The on-demand price of `symbols` charged symbols: `symbols × price_per_symbol` wei
/// (cannot overflow a `U256`).
pub fn payment_for(symbols: u64, price_per_symbol: u64) -> U256 {
    U256::from(symbols) * U256::from(price_per_symbol)
}

/// Nanoseconds since the epoch of a payment header → whole seconds (negative → 0).
pub(crate) fn header_secs(timestamp_ns: i64) -> u64 {
    u64::try_from(timestamp_ns).unwrap_or(0) / 1_000_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Naive twin: the smallest power of two ≥ n by doubling.
    fn naive(n: u64, min: u64) -> u64 {
        let mut p = 1u64;
        while p < n {
            p *= 2;
        }
        p.max(min)
    }

    #[test]
    fn cost_matches_the_rule() {
        for n in [
            0u64,
            1,
            2,
            3,
            31,
            32,
            33,
            4095,
            4096,
            4097,
            1 << 20,
            (1 << 20) + 1,
        ] {
            for min in [1u64, 32, 4096] {
                assert_eq!(
                    symbols_charged(n, min),
                    Ok(naive(n, min)),
                    "n={n} min={min}"
                );
            }
        }
    }

    #[test]
    fn cost_overflow_is_an_error() {
        assert_eq!(symbols_charged(1 << 63, 1), Ok(1 << 63));
        assert!(matches!(
            symbols_charged((1 << 63) + 1, 1),
            Err(PaymentError::Overflow { .. })
        ));
    }

    #[test]
    fn reservation_period_is_half_open() {
        let r = Reservation {
            symbols_per_second: 1,
            start_timestamp: 10,
            end_timestamp: 20,
            quorums: vec![0],
            quorum_splits: vec![100],
        };
        assert!(!r.is_active_at(9));
        assert!(r.is_active_at(10));
        assert!(r.is_active_at(19));
        assert!(!r.is_active_at(20));
        assert!(!Reservation::default().is_active_at(0));
    }

    #[test]
    fn quorum_check_names_the_quorum() {
        assert_eq!(check_quorums(&[0, 1], &[0, 1], "on-demand"), Ok(()));
        assert_eq!(
            check_quorums(&[], &[0], "on-demand"),
            Err(PaymentError::NoQuorums)
        );
        assert_eq!(
            check_quorums(&[0, 2], &[0, 1], "reservation"),
            Err(PaymentError::QuorumNotAllowed {
                quorum: 2,
                kind: "reservation",
                allowed: vec![0, 1]
            })
        );
    }

    #[test]
    fn header_seconds() {
        assert_eq!(header_secs(-5), 0);
        assert_eq!(header_secs(1_999_999_999), 1);
    }
}
