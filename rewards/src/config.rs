//! The calculator's knobs.

use crate::error::RewardsError;

/// How the calculator treats what the chain leaves open.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CalculatorConfig {
    /// Operator commission, in basis points, before the coordinator emitted any
    /// `DefaultOperatorSplitBipsSet` (its constructor emits one, so a full snapshot never
    /// needs this). Default: 1000 (EigenLayer's 10 %).
    pub fallback_split_bips: u16,
    /// Refuse submissions spanning more calculation intervals than this (a 7-day
    /// submission at the devnet's 60-second interval spans 10,080). Default: 1,000,000.
    pub max_intervals_per_submission: u64,
}

impl Default for CalculatorConfig {
    fn default() -> Self {
        Self {
            fallback_split_bips: 1000,
            max_intervals_per_submission: 1_000_000,
        }
    }
}

impl CalculatorConfig {
    /// Names the first bad field.
    pub fn validate(&self) -> Result<(), RewardsError> {
        if self.fallback_split_bips > crate::split::BIPS {
            return Err(RewardsError::InvalidConfig {
                field: "fallback_split_bips",
                reason: "above 10000 basis points",
            });
        }
        if self.max_intervals_per_submission == 0 {
            return Err(RewardsError::InvalidConfig {
                field: "max_intervals_per_submission",
                reason: "must be at least 1",
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_bad_fields_are_named() {
        assert_eq!(CalculatorConfig::default().validate(), Ok(()));
        let config = CalculatorConfig {
            fallback_split_bips: 10_001,
            ..CalculatorConfig::default()
        };
        assert!(matches!(
            config.validate(),
            Err(RewardsError::InvalidConfig {
                field: "fallback_split_bips",
                ..
            })
        ));
    }
}
