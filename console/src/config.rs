//! [`ConsoleConfig`]: what the console serves and how much per request.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::ConsoleError;

/// Default for [`ConsoleConfig::default_page_size`].
pub const DEFAULT_PAGE_SIZE: usize = 25;
/// Default for [`ConsoleConfig::max_page_size`].
pub const DEFAULT_MAX_PAGE_SIZE: usize = 200;
/// Default for [`ConsoleConfig::refresh_ms`].
pub const DEFAULT_REFRESH_MS: u64 = 2000;
/// Default for [`ConsoleConfig::retrievability_timeout_ms`]: the retriever's own
/// per-operator deadline (`RetrievalOptions::operator_timeout_ms`).
pub const DEFAULT_RETRIEVABILITY_TIMEOUT_MS: u64 = 10_000;
/// Default for [`ConsoleConfig::retrievability_max_checks`].
pub const DEFAULT_RETRIEVABILITY_MAX_CHECKS: usize = 2;
/// Default for [`ConsoleConfig::retrievability_cache_ms`].
pub const DEFAULT_RETRIEVABILITY_CACHE_MS: u64 = 10_000;

/// The `[console]` table of the disperser's and the node's configuration.
///
/// ```toml
/// [console]
/// enabled = true          # serve the pages and /api/v1 on the metrics port
/// default_page_size = 25
/// max_page_size = 200
/// refresh_ms = 2000       # how often the pages poll for updates
/// retrievability_timeout_ms = 10000
/// retrievability_max_checks = 2
/// retrievability_cache_ms = 10000
/// # rewards_distribution = "rewards.json"   # disperser only: earned and claimable
/// # rewards_tokens = ["0x..."]              # disperser only: tokens whose claims to show
/// ```
///
/// The node reads the same table and uses the first four fields only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleConfig {
    /// Serve the console (pages and JSON API) next to `/health` and `/metrics`.
    /// Default: true.
    pub enabled: bool,
    /// Items per page when the request names no `limit`. Default: 25.
    pub default_page_size: usize,
    /// The largest `limit` a request may ask for; larger is `400`. Default: 200.
    pub max_page_size: usize,
    /// How often the pages poll the API, milliseconds. Default: 2000.
    pub refresh_ms: u64,
    /// Disperser: the longest one retrievability check (a real rebuild of a blob from
    /// the operators) may run, milliseconds; past it the answer is
    /// `retrievable: false`. Default: 10000.
    pub retrievability_timeout_ms: u64,
    /// Disperser: retrievability checks running at once, over all blobs; one more is
    /// `503 BUSY`. A blob has at most one check running (later requests wait for it).
    /// Default: 2.
    pub retrievability_max_checks: usize,
    /// Disperser: how long a blob's retrievability result is reused before a request
    /// runs a new check, milliseconds. Default: 10000.
    pub retrievability_cache_ms: u64,
    /// Disperser: a distribution file (`lamina rewards calculate --out`) whose root was
    /// posted. When set, the operators page shows each operator's earned and claimable
    /// amounts per token from it (claimable: earned minus claimed, once the root is
    /// active). Public data only: the file holds earnings, no key. Default: none.
    pub rewards_distribution: Option<PathBuf>,
    /// Disperser: ERC-20 tokens (0x-addresses) whose cumulative claimed amount per
    /// operator the operators page reads from the `RewardsCoordinator`, besides the
    /// tokens of [`ConsoleConfig::rewards_distribution`]. Default: none.
    pub rewards_tokens: Vec<String>,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            default_page_size: DEFAULT_PAGE_SIZE,
            max_page_size: DEFAULT_MAX_PAGE_SIZE,
            refresh_ms: DEFAULT_REFRESH_MS,
            retrievability_timeout_ms: DEFAULT_RETRIEVABILITY_TIMEOUT_MS,
            retrievability_max_checks: DEFAULT_RETRIEVABILITY_MAX_CHECKS,
            retrievability_cache_ms: DEFAULT_RETRIEVABILITY_CACHE_MS,
            rewards_distribution: None,
            rewards_tokens: Vec::new(),
        }
    }
}

impl ConsoleConfig {
    /// Checks the limits, naming the bad field.
    pub fn validate(&self) -> Result<(), ConsoleError> {
        if self.max_page_size == 0 || self.max_page_size > 10_000 {
            return Err(ConsoleError::invalid(
                "console.max_page_size",
                format!("{} is outside 1..=10000", self.max_page_size),
            ));
        }
        if self.default_page_size == 0 || self.default_page_size > self.max_page_size {
            return Err(ConsoleError::invalid(
                "console.default_page_size",
                format!(
                    "{} is outside 1..=max_page_size ({})",
                    self.default_page_size, self.max_page_size
                ),
            ));
        }
        if self.refresh_ms < 100 {
            return Err(ConsoleError::invalid(
                "console.refresh_ms",
                format!("{} ms is below the 100 ms floor", self.refresh_ms),
            ));
        }
        if self.retrievability_timeout_ms == 0 || self.retrievability_timeout_ms > 120_000 {
            return Err(ConsoleError::invalid(
                "console.retrievability_timeout_ms",
                format!(
                    "{} ms is outside 1..=120000",
                    self.retrievability_timeout_ms
                ),
            ));
        }
        if self.retrievability_max_checks == 0 || self.retrievability_max_checks > 64 {
            return Err(ConsoleError::invalid(
                "console.retrievability_max_checks",
                format!("{} is outside 1..=64", self.retrievability_max_checks),
            ));
        }
        for token in &self.rewards_tokens {
            crate::parse_hex::<20>("console.rewards_tokens", token)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_bad_limits_name_their_field() {
        ConsoleConfig::default()
            .validate()
            .expect("defaults are valid");
        let bad = ConsoleConfig {
            default_page_size: 500,
            ..ConsoleConfig::default()
        };
        let err = bad.validate().expect_err("above the maximum");
        assert!(
            err.to_string().contains("console.default_page_size"),
            "{err}"
        );
    }

    #[test]
    fn round_trips_through_json() {
        let config = ConsoleConfig {
            refresh_ms: 500,
            ..ConsoleConfig::default()
        };
        let text = serde_json::to_string(&config).expect("serializes");
        let back: ConsoleConfig = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, config);
        let partial: ConsoleConfig = serde_json::from_str(r#"{"enabled": false}"#).expect("parses");
        assert_eq!(partial.max_page_size, DEFAULT_MAX_PAGE_SIZE);
    }
}
