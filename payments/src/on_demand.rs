//! On-demand accounting: each account's last accepted cumulative payment, checked against
//! its on-chain deposit, and one global bucket for the network's on-demand rate ceiling.

use std::collections::HashMap;

use alloy_primitives::{Address, U256};

use crate::bucket::LeakyBucket;
use crate::params::{check_quorums, payment_for};
use crate::{PaymentError, PaymentParams};

/// The name the global on-demand bucket reports in errors.
pub const ON_DEMAND_BUCKET: &str = "global on-demand";

/// An accepted on-demand payment: what to persist with the blob, or to [`OnDemandLedger::refund`]
/// if the blob is not stored after all.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OnDemandCharge {
    /// The paying account.
    pub account: Address,
    /// The account's cumulative payment before this blob.
    pub previous: U256,
    /// The account's cumulative payment with this blob (the header's).
    pub cumulative: U256,
    /// The blob's charged symbols.
    pub symbols: u64,
    /// The blob's price in wei (`symbols × pricePerSymbol`).
    pub cost: U256,
}

/// The disperser's on-demand ledger. It is the one place where an account's cumulative
/// payment advances, and [`OnDemandLedger::charge`] checks and advances it in one `&mut`
/// step: wrap the ledger in one lock and concurrent dispersals of one account are
/// serialised, so two blobs can never both spend the same wei.
#[derive(Clone, Debug)]
pub struct OnDemandLedger {
    window_secs: u64,
    global: LeakyBucket,
    cumulative: HashMap<Address, U256>,
}

impl OnDemandLedger {
    /// An empty ledger whose global bucket holds `window_secs` of the on-demand rate.
    pub fn new(window_secs: u64, now_ns: u64) -> Self {
        Self {
            window_secs,
            global: LeakyBucket::new(0, now_ns),
            cumulative: HashMap::new(),
        }
    }

    /// Checks an on-demand blob and records its payment, or refuses it and changes
    /// nothing (but the global bucket's drain up to `now_ns`). In order:
    ///
    /// 1. every one of `quorums` is an on-demand quorum;
    /// 2. `cumulative_payment ≥ last accepted + symbols × pricePerSymbol`
    ///    ([`PaymentError::InsufficientIncrement`]: a replayed or non-increasing payment);
    /// 3. `cumulative_payment ≤ deposit`, the account's total on-chain deposit
    ///    ([`PaymentError::InsufficientDeposit`]);
    /// 4. the global on-demand bucket has room ([`PaymentError::Exhausted`], retryable).
    #[allow(clippy::too_many_arguments)]
    pub fn charge(
        &mut self,
        account: Address,
        cumulative_payment: U256,
        deposit: U256,
        quorums: &[u8],
        symbols: u64,
        params: &PaymentParams,
        now_ns: u64,
    ) -> Result<OnDemandCharge, PaymentError> {
        check_quorums(quorums, &params.on_demand_quorums, "on-demand")?;
        let cost = payment_for(symbols, params.price_per_symbol);
        let last = self.cumulative_payment(&account);
        let required = last.checked_add(cost).ok_or(PaymentError::Overflow {
            what: "cumulative payment",
        })?;
        if cumulative_payment < required {
            return Err(PaymentError::InsufficientIncrement {
                new: cumulative_payment,
                last,
                cost,
            });
        }
        if cumulative_payment > deposit {
            return Err(PaymentError::InsufficientDeposit {
                account,
                cumulative: cumulative_payment,
                deposit,
            });
        }
        self.global.try_fill(
            symbols,
            params.on_demand_symbols_per_second,
            self.window_secs,
            now_ns,
            ON_DEMAND_BUCKET,
        )?;
        self.cumulative.insert(account, cumulative_payment);
        Ok(OnDemandCharge {
            account,
            previous: last,
            cumulative: cumulative_payment,
            symbols,
            cost,
        })
    }

    /// Undoes `charge` (its blob was not stored): only the account's latest charge can be
    /// undone, so a later blob's payment is never rolled back under it.
    pub fn refund(&mut self, charge: &OnDemandCharge) -> Result<(), PaymentError> {
        let current = self.cumulative_payment(&charge.account);
        if current != charge.cumulative {
            return Err(PaymentError::RefundMismatch {
                account: charge.account,
                current,
                charged: charge.cumulative,
            });
        }
        if charge.previous.is_zero() {
            self.cumulative.remove(&charge.account);
        } else {
            self.cumulative.insert(charge.account, charge.previous);
        }
        self.global.refund(charge.symbols);
        Ok(())
    }

    /// `account`'s last accepted cumulative payment (zero if none).
    pub fn cumulative_payment(&self, account: &Address) -> U256 {
        self.cumulative.get(account).copied().unwrap_or(U256::ZERO)
    }

    /// Puts back a persisted cumulative payment (after a restart, or reloaded from a store
    /// several dispersers share). The persisted value is the account's, lower than the
    /// ledger's only when a refund lowered it elsewhere.
    pub fn restore(&mut self, account: Address, cumulative_payment: U256) {
        if cumulative_payment.is_zero() {
            self.cumulative.remove(&account);
        } else {
            self.cumulative.insert(account, cumulative_payment);
        }
    }

    /// Symbols in the global on-demand bucket at `now_ns`.
    pub fn global_usage(&self, now_ns: u64) -> u64 {
        self.global.level_symbols(now_ns)
    }

    /// The global bucket, to persist.
    pub fn global_bucket(&self) -> &LeakyBucket {
        &self.global
    }

    /// Puts back a persisted global bucket.
    pub fn restore_global_bucket(&mut self, bucket: LeakyBucket) {
        self.global = bucket;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const SEC: u64 = 1_000_000_000;

    fn params() -> PaymentParams {
        PaymentParams {
            price_per_symbol: 1_000,
            min_num_symbols: 32,
            on_demand_symbols_per_second: 1 << 20,
            on_demand_quorums: vec![0, 1],
        }
    }

    fn wei(n: u64) -> U256 {
        U256::from(n)
    }

    #[test]
    fn debits_exactly_the_cost() {
        let mut l = OnDemandLedger::new(30, 0);
        let a = Address::repeat_byte(7);
        let c = l
            .charge(a, wei(32_000), wei(100_000), &[0], 32, &params(), 0)
            .expect("accepted");
        assert_eq!(
            (c.previous, c.cumulative, c.cost),
            (wei(0), wei(32_000), wei(32_000))
        );
        let c = l
            .charge(a, wei(96_000), wei(100_000), &[0, 1], 64, &params(), 0)
            .expect("accepted");
        assert_eq!(c.previous, wei(32_000));
        assert_eq!(l.cumulative_payment(&a), wei(96_000));
    }

    #[test]
    fn replayed_or_short_payments_are_refused() {
        let mut l = OnDemandLedger::new(30, 0);
        let a = Address::repeat_byte(7);
        l.charge(a, wei(32_000), wei(100_000), &[0], 32, &params(), 0)
            .expect("accepted");
        let replay = l.charge(a, wei(32_000), wei(100_000), &[0], 32, &params(), 0);
        assert_eq!(
            replay,
            Err(PaymentError::InsufficientIncrement {
                new: wei(32_000),
                last: wei(32_000),
                cost: wei(32_000),
            })
        );
        assert!(matches!(
            l.charge(a, wei(63_999), wei(100_000), &[0], 32, &params(), 0),
            Err(PaymentError::InsufficientIncrement { .. })
        ));
        assert_eq!(l.cumulative_payment(&a), wei(32_000));
    }

    #[test]
    fn deposit_and_quorums_bound_the_payment() {
        let mut l = OnDemandLedger::new(30, 0);
        let a = Address::repeat_byte(7);
        assert!(matches!(
            l.charge(a, wei(32_001), wei(32_000), &[0], 32, &params(), 0),
            Err(PaymentError::InsufficientDeposit { .. })
        ));
        assert!(matches!(
            l.charge(a, wei(32_000), wei(32_000), &[2], 32, &params(), 0),
            Err(PaymentError::QuorumNotAllowed {
                quorum: 2,
                kind: "on-demand",
                ..
            })
        ));
        assert_eq!(l.cumulative_payment(&a), wei(0));
    }

    #[test]
    fn global_ceiling_is_shared_by_all_accounts() {
        let mut p = params();
        p.on_demand_symbols_per_second = 64;
        let mut l = OnDemandLedger::new(1, 0);
        let (a, b) = (Address::repeat_byte(1), Address::repeat_byte(2));
        l.charge(a, wei(32_000), wei(1 << 30), &[0], 32, &p, 0)
            .expect("accepted");
        l.charge(b, wei(32_000), wei(1 << 30), &[0], 32, &p, 0)
            .expect("accepted");
        let err = l
            .charge(a, wei(64_000), wei(1 << 30), &[0], 32, &p, 0)
            .expect_err("refused");
        assert_eq!(
            err.retry_after(),
            Some(std::time::Duration::from_millis(500))
        );
        assert_eq!(
            l.cumulative_payment(&a),
            wei(32_000),
            "a refusal spends nothing"
        );
        l.charge(a, wei(64_000), wei(1 << 30), &[0], 32, &p, SEC / 2)
            .expect("accepted");
    }

    #[test]
    fn refund_only_the_latest_charge() {
        let mut l = OnDemandLedger::new(30, 0);
        let a = Address::repeat_byte(7);
        let first = l
            .charge(a, wei(32_000), wei(1 << 30), &[0], 32, &params(), 0)
            .expect("accepted");
        let second = l
            .charge(a, wei(64_000), wei(1 << 30), &[0], 32, &params(), 0)
            .expect("accepted");
        assert!(matches!(
            l.refund(&first),
            Err(PaymentError::RefundMismatch { .. })
        ));
        l.refund(&second).expect("accepted");
        assert_eq!(l.cumulative_payment(&a), wei(32_000));
        assert_eq!(l.global_usage(0), 32);
        l.refund(&first).expect("accepted");
        assert_eq!(l.cumulative_payment(&a), wei(0));
    }

    #[test]
    fn restore_puts_back_the_persisted_value() {
        let mut l = OnDemandLedger::new(30, 0);
        let a = Address::repeat_byte(7);
        l.restore(a, wei(10));
        assert_eq!(l.cumulative_payment(&a), wei(10));
        // refunded elsewhere
        l.restore(a, wei(5));
        assert_eq!(l.cumulative_payment(&a), wei(5));
        l.restore(a, wei(0));
        assert_eq!(l.cumulative_payment(&a), wei(0));
    }

    proptest! {
        /// Any sequence of attempts from several accounts (some replayed, some short, some
        /// over the deposit): every account's ledger value is the last accepted header, it
        /// never decreases, never exceeds the deposit, and covers the sum of its accepted
        /// blobs' costs — no wei is spent twice.
        #[test]
        fn accounting_never_double_spends(
            attempts in proptest::collection::vec(
                (0usize..3, 0u64..4, 1u64..200, 0u64..100_000_000), 1..120),
            deposits in proptest::array::uniform3(0u64..2_000_000),
        ) {
            let p = params();
            let accounts = [Address::repeat_byte(1), Address::repeat_byte(2), Address::repeat_byte(3)];
            let mut l = OnDemandLedger::new(30, 0);
            let mut spent = [U256::ZERO; 3];
            let mut now = 0u64;
            for (who, mode, symbols, dt) in attempts {
                now += dt;
                let a = accounts[who];
                let last = l.cumulative_payment(&a);
                let cost = payment_for(symbols, p.price_per_symbol);
                // the client's proposal: exact, over-paying, replayed or one wei short
                let proposal = match mode {
                    0 => last + cost,
                    1 => last + cost + U256::from(17u64),
                    2 => last,
                    _ => (last + cost).saturating_sub(U256::from(1u64)),
                };
                let deposit = U256::from(deposits[who]);
                match l.charge(a, proposal, deposit, &[0], symbols, &p, now) {
                    Ok(c) => {
                        prop_assert!(c.cumulative >= c.previous + c.cost);
                        prop_assert!(c.cumulative <= deposit);
                        prop_assert_eq!(c.cost, cost);
                        spent[who] += cost;
                    }
                    Err(_) => prop_assert_eq!(l.cumulative_payment(&a), last),
                }
                let now_value = l.cumulative_payment(&a);
                prop_assert!(now_value >= last);
                prop_assert!(now_value >= spent[who], "costs covered");
                prop_assert!(now_value <= deposit || now_value.is_zero());
            }
        }

        /// Clients that always pay exactly the cost end with a cumulative payment equal to
        /// the sum of their accepted blobs' costs, however their attempts interleave.
        #[test]
        fn exact_payers_end_at_the_sum_of_costs(
            attempts in proptest::collection::vec((0usize..8, 1u64..5000), 1..100),
        ) {
            let p = params();
            let a = Address::repeat_byte(9);
            let deposit = U256::from(200_000_000u64);
            let mut l = OnDemandLedger::new(30, 0);
            // every "client" read the ledger at some point: some proposals are stale
            let mut seen = [U256::ZERO; 8];
            let mut sum = U256::ZERO;
            for (client, symbols) in attempts {
                let cost = payment_for(symbols, p.price_per_symbol);
                let proposal = seen[client] + cost;
                if l.charge(a, proposal, deposit, &[0], symbols, &p, 0).is_ok() {
                    sum += cost;
                    prop_assert_eq!(l.cumulative_payment(&a), sum);
                }
                seen[client] = l.cumulative_payment(&a);
            }
            prop_assert_eq!(l.cumulative_payment(&a), sum);
        }
    }
}
