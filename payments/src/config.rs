//! Metering configuration: the windows the buckets are sized in.

use std::time::Duration;

/// How the disperser and the nodes size their buckets.
///
/// A node's reservation window must exceed the disperser's by at least the longest delay
/// between the disperser metering a blob and a node receiving it (batching plus dispatch):
/// the node's bucket then always has room for what an honest disperser accepted, while a
/// disperser that skips metering still cannot push an account beyond its rate for long.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct MeteringConfig {
    /// The disperser's reservation bucket holds this many seconds of the reserved rate.
    /// Default: 60.
    pub reservation_window_secs: u64,
    /// The nodes' reservation bucket, in seconds of the reserved rate; must be greater than
    /// `reservation_window_secs`. Default: 120.
    pub node_reservation_window_secs: u64,
    /// The global on-demand bucket holds this many seconds of `onDemandSymbolsPerSecond`.
    /// Default: 30.
    pub on_demand_window_secs: u64,
    /// How far a payment header's timestamp may be from the metering clock, seconds.
    /// Default: 60.
    pub max_timestamp_skew_secs: u64,
}

/// [`MeteringConfig::reservation_window_secs`]'s default.
pub const DEFAULT_RESERVATION_WINDOW_SECS: u64 = 60;
/// [`MeteringConfig::node_reservation_window_secs`]'s default: twice the disperser's, so up
/// to a minute of batching and dispatch delay never makes a node refuse an honest blob.
pub const DEFAULT_NODE_RESERVATION_WINDOW_SECS: u64 = 120;
/// [`MeteringConfig::on_demand_window_secs`]'s default.
pub const DEFAULT_ON_DEMAND_WINDOW_SECS: u64 = 30;
/// [`MeteringConfig::max_timestamp_skew_secs`]'s default.
pub const DEFAULT_MAX_TIMESTAMP_SKEW_SECS: u64 = 60;

impl Default for MeteringConfig {
    fn default() -> Self {
        Self {
            reservation_window_secs: DEFAULT_RESERVATION_WINDOW_SECS,
            node_reservation_window_secs: DEFAULT_NODE_RESERVATION_WINDOW_SECS,
            on_demand_window_secs: DEFAULT_ON_DEMAND_WINDOW_SECS,
            max_timestamp_skew_secs: DEFAULT_MAX_TIMESTAMP_SKEW_SECS,
        }
    }
}

/// A [`MeteringConfig`] field with a value that cannot work.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A window of zero seconds admits nothing.
    #[error("{field} must be at least 1 second")]
    ZeroWindow {
        /// The field.
        field: &'static str,
    },
    /// The nodes' window must be wider than the disperser's.
    #[error(
        "node_reservation_window_secs ({node}) must be greater than reservation_window_secs \
         ({disperser}): nodes would refuse blobs the disperser accepted"
    )]
    NodeWindowNotWider {
        /// The nodes' window.
        node: u64,
        /// The disperser's window.
        disperser: u64,
    },
}

impl MeteringConfig {
    /// Checks every field; names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (field, value) in [
            ("reservation_window_secs", self.reservation_window_secs),
            (
                "node_reservation_window_secs",
                self.node_reservation_window_secs,
            ),
            ("on_demand_window_secs", self.on_demand_window_secs),
        ] {
            if value == 0 {
                return Err(ConfigError::ZeroWindow { field });
            }
        }
        if self.node_reservation_window_secs <= self.reservation_window_secs {
            return Err(ConfigError::NodeWindowNotWider {
                node: self.node_reservation_window_secs,
                disperser: self.reservation_window_secs,
            });
        }
        Ok(())
    }

    /// [`Self::max_timestamp_skew_secs`] as a duration.
    pub fn max_timestamp_skew(&self) -> Duration {
        Duration::from_secs(self.max_timestamp_skew_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid() {
        assert_eq!(MeteringConfig::default().validate(), Ok(()));
    }

    #[test]
    fn validate_names_the_field() {
        let c = MeteringConfig {
            on_demand_window_secs: 0,
            ..MeteringConfig::default()
        };
        assert_eq!(
            c.validate(),
            Err(ConfigError::ZeroWindow {
                field: "on_demand_window_secs"
            })
        );
        let c = MeteringConfig {
            node_reservation_window_secs: 60,
            ..MeteringConfig::default()
        };
        assert_eq!(
            c.validate(),
            Err(ConfigError::NodeWindowNotWider {
                node: 60,
                disperser: 60
            })
        );
    }
}
