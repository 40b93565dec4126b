//! [`ConsoleConfig`]: what the console serves and how much per request.

use serde::{Deserialize, Serialize};

use crate::ConsoleError;

/// Default for [`ConsoleConfig::default_page_size`].
pub const DEFAULT_PAGE_SIZE: usize = 25;
/// Default for [`ConsoleConfig::max_page_size`].
pub const DEFAULT_MAX_PAGE_SIZE: usize = 200;
/// Default for [`ConsoleConfig::refresh_ms`].
pub const DEFAULT_REFRESH_MS: u64 = 2000;

/// The `[console]` table of the disperser's and the node's configuration.
///
/// ```toml
/// [console]
/// enabled = true          # serve the pages and /api/v1 on the metrics port
/// default_page_size = 25
/// max_page_size = 200
/// refresh_ms = 2000       # how often the pages poll for updates
/// ```
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
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            default_page_size: DEFAULT_PAGE_SIZE,
            max_page_size: DEFAULT_MAX_PAGE_SIZE,
            refresh_ms: DEFAULT_REFRESH_MS,
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
