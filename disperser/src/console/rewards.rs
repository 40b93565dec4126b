//! Operators' rewards on the operators page: per token, what the `RewardsCoordinator`
//! says each operator claimed (`cumulativeClaimed`) and, with a distribution file
//! configured (`console.rewards_distribution`, what `lamina rewards calculate --out`
//! writes), what it earned and can claim now. The same reading as `lamina rewards show`
//! ([`lamina_rewards::chain::earner_standing`]); read-only, public data only.

use std::path::PathBuf;

use alloy_primitives::{Address, U256};
use lamina_console::model::{OperatorRewards, TokenRewards};
use lamina_console::{ConsoleConfig, ConsoleError, parse_hex};
use lamina_core::chain::EthChain;
use lamina_rewards::Distribution;
use lamina_rewards::chain::{SnapshotError, earner_standing};

/// What the console's configuration asks to show.
#[derive(Clone, Debug, Default)]
pub struct RewardsView {
    distribution: Option<PathBuf>,
    tokens: Vec<Address>,
}

fn unavailable(e: SnapshotError) -> ConsoleError {
    ConsoleError::Unavailable {
        what: "rewards",
        reason: e.to_string(),
    }
}

impl RewardsView {
    /// From `console.rewards_distribution` and `console.rewards_tokens`. Every token
    /// parses: [`ConsoleConfig::validate`], which the disperser's config validation
    /// runs before anything starts, refuses one that does not.
    pub fn new(config: &ConsoleConfig) -> Self {
        Self {
            distribution: config.rewards_distribution.clone(),
            tokens: config
                .rewards_tokens
                .iter()
                .filter_map(|t| parse_hex::<20>("console.rewards_tokens", t).ok())
                .map(Address::from)
                .collect(),
        }
    }

    /// Whether the page shows rewards at all.
    pub fn enabled(&self) -> bool {
        self.distribution.is_some() || !self.tokens.is_empty()
    }

    /// The configured distribution, read now (the file is replaced as roots are posted).
    pub async fn distribution(&self) -> Result<Option<Distribution>, ConsoleError> {
        let Some(path) = &self.distribution else {
            return Ok(None);
        };
        let unreadable = |reason: String| ConsoleError::Internal {
            what: "rewards distribution",
            reason: format!(
                "{} (console.rewards_distribution): {reason}",
                path.display()
            ),
        };
        let text = tokio::fs::read_to_string(path)
            .await
            .map_err(|e| unreadable(e.to_string()))?;
        Distribution::from_json(&text)
            .map(Some)
            .map_err(|e| unreadable(format!("not a distribution file: {e}")))
    }

    /// `earner`'s rewards under `distribution` (if any) and for the configured tokens.
    pub async fn operator(
        &self,
        chain: &EthChain,
        distribution: Option<&Distribution>,
        earner: Address,
    ) -> Result<OperatorRewards, ConsoleError> {
        let amount = |v: U256| v.to_string();
        let mut view = OperatorRewards {
            earner: earner.to_checksum(None),
            distribution_root: distribution.map(|d| d.root.to_string()),
            calculated_to: distribution.map(|d| d.to),
            root_posted: false,
            root_active: false,
            tokens: Vec::new(),
        };
        if let Some(distribution) = distribution {
            let standing = earner_standing(chain, distribution, earner)
                .await
                .map_err(unavailable)?;
            view.root_posted = standing.root.is_some();
            view.root_active = standing.root_active;
            view.tokens = standing
                .tokens
                .iter()
                .map(|t| TokenRewards {
                    token: t.token.to_checksum(None),
                    earned: Some(amount(t.earned)),
                    claimable: Some(amount(t.claimable)),
                    claimed: amount(t.claimed),
                })
                .collect();
        }
        for token in &self.tokens {
            let shown = token.to_checksum(None);
            if view.tokens.iter().any(|t| t.token == shown) {
                continue;
            }
            let claimed = chain
                .rewards_claimed(earner, *token)
                .await
                .map_err(|e| unavailable(e.into()))?;
            // With a distribution, a token it does not list for this earner was not
            // earned under it.
            let zero = distribution.map(|_| "0".to_owned());
            view.tokens.push(TokenRewards {
                token: shown,
                earned: zero.clone(),
                claimable: zero,
                claimed: amount(claimed),
            });
        }
        Ok(view)
    }
}
