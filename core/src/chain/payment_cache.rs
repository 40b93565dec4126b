//! Accounts' `PaymentVault` state as the services that meter see it: a bounded cache in
//! front of the chain, shared by the disperser (at intake) and the nodes (before they
//! sign), so both bound memory and chain reads the same way.
//!
//! - Accounts with a payment (a reservation or a deposit) are cached (at most
//!   `tracked`, least recently used evicted) and re-read every `refresh`; a
//!   failed re-read keeps the old answer.
//! - Accounts found with neither go to a separate bounded *negative* table and are refused
//!   without a read for `unpaid_recheck`: a flood of fresh keys evicts only other unpaid
//!   accounts, never a paying one.
//! - Reads for accounts in neither table share one global budget
//!   (`unknown_reads_per_sec`, a token bucket holding one second of it); beyond it
//!   the look-up is refused with the wait until a token is back. A flood of fresh accounts
//!   thus costs the chain at most that many reads per second, whatever its size.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use alloy::primitives::Address;
use lamina_payments::{AccountPayments, PaymentParams};

use super::{ChainError, EthChain};

/// Where payment state is read from: the `PaymentVault` (an [`EthChain`]), or a fake in
/// tests.
#[async_trait::async_trait]
pub trait PaymentSource: Send + Sync + std::fmt::Debug + 'static {
    /// The global parameters.
    async fn params(&self) -> Result<PaymentParams, ChainError>;
    /// One account's reservation and deposit.
    async fn account(&self, account: Address) -> Result<AccountPayments, ChainError>;
}

#[async_trait::async_trait]
impl PaymentSource for EthChain {
    async fn params(&self) -> Result<PaymentParams, ChainError> {
        self.payment_params().await
    }

    async fn account(&self, account: Address) -> Result<AccountPayments, ChainError> {
        self.account_payments(account).await
    }
}

/// How an [`AccountCache`] bounds memory and reads: the `[payments.accounts]` table of
/// the disperser's and the nodes' configuration (one table, so both read it alike).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountCacheConfig {
    /// A paying account's reservation and deposit, and the global payment parameters,
    /// are re-read after this many seconds. Default: 30.
    pub refresh_secs: u64,
    /// An account found with neither a reservation nor a deposit is refused without a
    /// chain read for this many seconds. Default: 10.
    pub unpaid_recheck_secs: u64,
    /// Accounts kept in each of the two tables (paying, unpaid). Default: 65536.
    pub tracked: usize,
    /// Chain reads per second, over all accounts, for accounts in neither table; beyond
    /// it a request naming such an account is refused with `RESOURCE_EXHAUSTED`.
    /// Default: 20.
    pub unknown_reads_per_sec: u64,
}

impl Default for AccountCacheConfig {
    fn default() -> Self {
        Self {
            refresh_secs: 30,
            unpaid_recheck_secs: 10,
            tracked: 65_536,
            unknown_reads_per_sec: 20,
        }
    }
}

impl AccountCacheConfig {
    /// The first field that is zero, by its configuration path (each must be positive).
    pub fn zero_field(&self) -> Option<&'static str> {
        [
            ("payments.accounts.refresh_secs", self.refresh_secs),
            (
                "payments.accounts.unpaid_recheck_secs",
                self.unpaid_recheck_secs,
            ),
            ("payments.accounts.tracked", self.tracked as u64),
            (
                "payments.accounts.unknown_reads_per_sec",
                self.unknown_reads_per_sec,
            ),
        ]
        .into_iter()
        .find_map(|(field, value)| (value == 0).then_some(field))
    }

    /// How long a paying account's state (and the global parameters) are trusted.
    pub fn refresh(&self) -> Duration {
        Duration::from_secs(self.refresh_secs)
    }

    fn unpaid_recheck(&self) -> Duration {
        Duration::from_secs(self.unpaid_recheck_secs)
    }
}

/// Why [`AccountCache::lookup`] gives no payment state.
#[derive(Debug, thiserror::Error)]
pub enum AccountLookupError {
    /// The account has neither a reservation nor an on-demand deposit.
    #[error("account {account} has neither a reservation nor an on-demand deposit")]
    NoPayment {
        /// The account.
        account: Address,
    },
    /// The account is in neither table and the read budget is spent.
    #[error("too many look-ups of unknown accounts; retry after {retry_after:?}")]
    Busy {
        /// When the budget has a read again.
        retry_after: Duration,
    },
    /// The read failed and nothing older is cached.
    #[error(transparent)]
    Chain(#[from] ChainError),
}

/// Whether an account can pay at all: a reservation (any, active or not: the meter judges
/// it at the header's timestamp) or a deposit.
pub fn has_payment(a: &AccountPayments) -> bool {
    a.reservation.exists() || !a.on_demand_deposit.is_zero()
}

#[derive(Clone, Debug)]
struct Paid {
    payments: AccountPayments,
    read_at: Instant,
    used_at: Instant,
}

#[derive(Debug)]
struct Tables {
    paid: HashMap<Address, Paid>,
    /// When each unpaid account was read.
    unpaid: HashMap<Address, Instant>,
    /// Read budget for accounts in neither table: tokens (at most one second's worth).
    tokens: f64,
    tokens_at: Instant,
}

/// Removes the oldest eighth of `map` by `at` (at least one entry).
fn evict_oldest<V>(map: &mut HashMap<Address, V>, at: impl Fn(&V) -> Instant) {
    let mut times: Vec<(Instant, Address)> = map.iter().map(|(k, v)| (at(v), *k)).collect();
    times.sort_unstable_by_key(|(t, _)| *t);
    for (_, k) in times.iter().take((map.len() / 8).max(1)) {
        map.remove(k);
    }
}

/// The bounded account cache (see the module docs).
#[derive(Debug)]
pub struct AccountCache {
    limits: AccountCacheConfig,
    // std lock: held for a few map operations, never across `.await`.
    tables: Mutex<Tables>,
}

impl AccountCache {
    /// An empty cache with a full read budget.
    pub fn new(limits: AccountCacheConfig) -> Self {
        let limits = AccountCacheConfig {
            tracked: limits.tracked.max(1),
            unknown_reads_per_sec: limits.unknown_reads_per_sec.max(1),
            ..limits
        };
        Self {
            tables: Mutex::new(Tables {
                paid: HashMap::new(),
                unpaid: HashMap::new(),
                tokens: limits.unknown_reads_per_sec as f64,
                tokens_at: Instant::now(),
            }),
            limits,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The account's payment state: cached, or read from `source` (at most one read per
    /// call).
    pub async fn lookup(
        &self,
        source: &dyn PaymentSource,
        account: Address,
    ) -> Result<AccountPayments, AccountLookupError> {
        let stale = {
            let mut t = self.lock();
            let now = Instant::now();
            if let Some(p) = t.paid.get_mut(&account) {
                p.used_at = now;
                if now.saturating_duration_since(p.read_at) < self.limits.refresh() {
                    return Ok(p.payments.clone());
                }
                Some(p.payments.clone())
            } else {
                if let Some(read_at) = t.unpaid.get(&account)
                    && now.saturating_duration_since(*read_at) < self.limits.unpaid_recheck()
                {
                    return Err(AccountLookupError::NoPayment { account });
                }
                // Seen nowhere (or unpaid long enough ago): one read from the budget.
                let rate = self.limits.unknown_reads_per_sec as f64;
                let elapsed = now.saturating_duration_since(t.tokens_at).as_secs_f64();
                t.tokens = (t.tokens + elapsed * rate).min(rate);
                t.tokens_at = now;
                if t.tokens < 1.0 {
                    return Err(AccountLookupError::Busy {
                        retry_after: Duration::from_secs_f64((1.0 - t.tokens) / rate),
                    });
                }
                t.tokens -= 1.0;
                None
            }
        };
        let read = match source.account(account).await {
            Ok(read) => read,
            Err(e) => {
                return match stale {
                    Some(old) => {
                        tracing::warn!(%account, error = %e, "could not refresh an account's payments; using the last read");
                        Ok(old)
                    }
                    None => Err(AccountLookupError::Chain(e)),
                };
            }
        };
        let mut t = self.lock();
        let now = Instant::now();
        if has_payment(&read) {
            t.unpaid.remove(&account);
            if t.paid.len() >= self.limits.tracked && !t.paid.contains_key(&account) {
                evict_oldest(&mut t.paid, |p| p.used_at);
            }
            t.paid.insert(
                account,
                Paid {
                    payments: read.clone(),
                    read_at: now,
                    used_at: now,
                },
            );
            Ok(read)
        } else {
            t.paid.remove(&account);
            if t.unpaid.len() >= self.limits.tracked && !t.unpaid.contains_key(&account) {
                evict_oldest(&mut t.unpaid, |at| *at);
            }
            t.unpaid.insert(account, now);
            Err(AccountLookupError::NoPayment { account })
        }
    }

    /// Accounts in the (paying, unpaid) tables.
    pub fn cached_accounts(&self) -> (usize, usize) {
        let t = self.lock();
        (t.paid.len(), t.unpaid.len())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use alloy::primitives::U256;

    use super::*;

    #[test]
    fn eviction_keeps_the_table_bounded() {
        let mut map = HashMap::new();
        let t0 = Instant::now();
        for i in 0..16u8 {
            map.insert(
                Address::repeat_byte(i),
                t0 + Duration::from_millis(u64::from(i)),
            );
        }
        evict_oldest(&mut map, |t| *t);
        assert_eq!(map.len(), 14);
        assert!(!map.contains_key(&Address::repeat_byte(0)));
        assert!(!map.contains_key(&Address::repeat_byte(1)));
    }

    /// Accounts whose first byte is odd have a deposit; every read is counted.
    #[derive(Debug, Default)]
    struct Vault {
        reads: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl PaymentSource for Vault {
        async fn params(&self) -> Result<PaymentParams, ChainError> {
            Ok(PaymentParams {
                price_per_symbol: 1,
                min_num_symbols: 1,
                on_demand_symbols_per_second: 1,
                on_demand_quorums: vec![0],
            })
        }

        async fn account(&self, account: Address) -> Result<AccountPayments, ChainError> {
            self.reads.fetch_add(1, Ordering::Relaxed);
            Ok(AccountPayments {
                on_demand_deposit: U256::from(account.0[0] % 2),
                ..AccountPayments::default()
            })
        }
    }

    fn limits() -> AccountCacheConfig {
        AccountCacheConfig {
            refresh_secs: 60,
            unpaid_recheck_secs: 60,
            tracked: 4,
            unknown_reads_per_sec: 2,
        }
    }

    #[tokio::test]
    async fn repeated_lookups_read_once_and_unknown_reads_are_budgeted() {
        let vault = Vault::default();
        let cache = AccountCache::new(limits());
        let paying = Address::repeat_byte(1);
        for _ in 0..5 {
            cache.lookup(&vault, paying).await.expect("paying");
        }
        let unpaid = Address::repeat_byte(2);
        for _ in 0..5 {
            assert!(matches!(
                cache.lookup(&vault, unpaid).await,
                Err(AccountLookupError::NoPayment { .. })
            ));
        }
        assert_eq!(vault.reads.load(Ordering::Relaxed), 2);
        // The budget (2 per second) is spent: a third fresh account waits.
        assert!(matches!(
            cache.lookup(&vault, Address::repeat_byte(4)).await,
            Err(AccountLookupError::Busy { .. })
        ));
        assert_eq!(cache.cached_accounts(), (1, 1));
    }
}
