//! [`DerivationConfig`]: the rollup's choices the rules depend on.

/// Default [`DerivationConfig::recency_window_blocks`]: the deploy script's stake-use
/// window (`DEVNET_STAKE_USE_WINDOW_BLOCKS`, `LaminaServiceManager.BLOCK_STALE_MEASURE`).
pub const DEFAULT_RECENCY_WINDOW_BLOCKS: u64 = 50;

/// What a rollup's derivation is configured with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DerivationConfig {
    /// Recency window: a certificate included in L1 block `n` is dropped when
    /// `n - reference_block > recency_window_blocks`. Must not exceed the deployment's
    /// stake-use window (past it, the stake behind the signatures may be withdrawn
    /// without being slashable). Default: 50 ([`DEFAULT_RECENCY_WINDOW_BLOCKS`]).
    pub recency_window_blocks: u64,
}

impl Default for DerivationConfig {
    fn default() -> Self {
        Self {
            recency_window_blocks: DEFAULT_RECENCY_WINDOW_BLOCKS,
        }
    }
}

/// A [`DerivationConfig`] field is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid derivation config: {field}: {reason}")]
pub struct ConfigError {
    /// The field.
    pub field: &'static str,
    /// Why.
    pub reason: String,
}

impl DerivationConfig {
    /// Checks every field, naming the bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.recency_window_blocks == 0 {
            return Err(ConfigError {
                field: "recency_window_blocks",
                reason: "must be at least 1 (a certificate is never in its own reference block)"
                    .to_owned(),
            });
        }
        Ok(())
    }
}
