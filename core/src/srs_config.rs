//! Where a service gets its SRS: EigenDA's files, or the cached INSECURE development setup,
//! and the one rule that decides when the development setup may be used.
//!
//! The development SRS is generated from a published seed: its secret τ is public, so
//! anyone can open a commitment made with it to any value (forge KZG openings and length
//! proofs). It is loaded only on a development chain: one whose chain id is in
//! [`DEVELOPMENT_CHAIN_IDS`] (anvil's and hardhat's default, 31337), or when the
//! configuration opts in explicitly with `insecure_dev_srs = true` (`--insecure-dev-srs`),
//! as the devnet does for its own chains. Every role (node, disperser, retriever,
//! client and CLI) goes through [`SrsConfig::approve`] (or [`SrsConfig::approve_for_chain`]),
//! whose [`ApprovedSrs`] is the only way to load an SRS from a configuration.

use std::path::PathBuf;

use lamina_encoding::{DEVELOPMENT_SEED, EIGENDA_SRS_ORDER, Srs, SrsError, SrsScope};
use serde::{Deserialize, Serialize};

/// Chain ids on which the development SRS is used without an explicit opt-in: 31337,
/// the default chain id of anvil and hardhat (never a public network's).
pub const DEVELOPMENT_CHAIN_IDS: [u64; 1] = [31337];

/// SRS settings shared by every role's configuration.
///
/// With `dir` unset the service uses the deterministic development SRS (public secret,
/// cached under `$LAMINA_SRS_CACHE` or `~/.cache/lamina/srs`): fine for tests and
/// devnets, worthless for security, refused on any chain but a development one (see
/// the module docs), and logged as such on every load.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SrsConfig {
    /// Directory of EigenDA-format SRS files (`g1.point`, `g2.point`, ...). Default unset
    /// (the development SRS, on a development chain only).
    pub dir: Option<PathBuf>,
    /// Order D of the setup the files were cut from: 2^28 for EigenDA's files.
    pub order: u64,
    /// Use the INSECURE development SRS whatever the chain id (devnets with their own
    /// chain ids). Ignored when `dir` is set. Default false.
    pub insecure_dev_srs: bool,
}

impl Default for SrsConfig {
    fn default() -> Self {
        Self {
            dir: None,
            order: EIGENDA_SRS_ORDER,
            insecure_dev_srs: false,
        }
    }
}

/// Why a role may not start with its SRS configuration.
#[derive(Debug, thiserror::Error)]
pub enum SrsSetupError {
    /// No SRS files on a chain that is not a development chain.
    #[error(
        "no SRS files given, and chain {chain_id} is not a development chain: the development \
         SRS has a public secret (anyone can forge KZG openings with it), so it is only used on \
         chain id 31337 or with an explicit opt-in. Pass EigenDA's SRS files: `[srs] dir = \"DIR\"` \
         in the config file (`--srs-dir DIR` on the command line), DIR holding g1.point and \
         g2.point; for a development network only, set `[srs] insecure_dev_srs = true` \
         (`--insecure-dev-srs`)"
    )]
    DevelopmentSrsRefused {
        /// The chain the role is pointed at.
        chain_id: u64,
    },
    /// The chain id could not be read, so the development SRS cannot be approved.
    #[cfg(feature = "chain")]
    #[error("reading the chain id to decide whether the development SRS may be used: {0}")]
    ChainId(#[source] crate::chain::ChainError),
}

/// An [`SrsConfig`] that passed the development-SRS rule: the only way to load an SRS
/// from a configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "an approved SRS configuration does nothing until loaded"]
pub struct ApprovedSrs {
    config: SrsConfig,
}

impl SrsConfig {
    /// The development SRS with the explicit opt-in: for devnets and tests whose chain id
    /// is not 31337.
    pub fn insecure_development() -> Self {
        Self {
            insecure_dev_srs: true,
            ..Self::default()
        }
    }

    /// Whether this configuration would load the development SRS.
    pub fn uses_development_srs(&self) -> bool {
        self.dir.is_none()
    }

    /// The rule, for a role pointed at chain `chain_id`: SRS files are always fine; the
    /// development SRS only on a development chain or with `insecure_dev_srs`.
    pub fn approve_for_chain(&self, chain_id: u64) -> Result<ApprovedSrs, SrsSetupError> {
        if self.dir.is_none()
            && !self.insecure_dev_srs
            && !DEVELOPMENT_CHAIN_IDS.contains(&chain_id)
        {
            return Err(SrsSetupError::DevelopmentSrsRefused { chain_id });
        }
        Ok(ApprovedSrs {
            config: self.clone(),
        })
    }

    /// [`SrsConfig::approve_for_chain`] with the chain id read from `chain`, read only when
    /// the answer depends on it (no SRS files and no opt-in).
    #[cfg(feature = "chain")]
    pub async fn approve(
        &self,
        chain: &impl crate::chain::Chain,
    ) -> Result<ApprovedSrs, SrsSetupError> {
        if self.dir.is_some() || self.insecure_dev_srs {
            return Ok(ApprovedSrs {
                config: self.clone(),
            });
        }
        let chain_id = chain.chain_id().await.map_err(SrsSetupError::ChainId)?;
        self.approve_for_chain(chain_id)
    }

    /// For offline tools that never talk to a chain (`lamina blob commit` and friends):
    /// what they compute with the development SRS is only accepted by a development
    /// network, whose roles went through [`SrsConfig::approve`].
    pub fn approve_offline(&self) -> ApprovedSrs {
        ApprovedSrs {
            config: self.clone(),
        }
    }
}

impl ApprovedSrs {
    /// The approved configuration.
    pub fn config(&self) -> &SrsConfig {
        &self.config
    }

    /// Loads (or generates and caches) an SRS with at least `points` G1 points and the
    /// G2 powers `scope` needs: committers (disperser, client) need
    /// [`SrsScope::Commit`], verifiers (node, retriever) start much faster with
    /// [`SrsScope::Verify`]. SRS files are read through
    /// [`Srs::load_scoped_with_cache`] with [`Srs::default_validated_cache_dir`] (plain
    /// [`Srs::load_scoped`] when neither `LAMINA_SRS_CACHE` nor `HOME` is set).
    pub fn load(&self, points: usize, scope: SrsScope) -> Result<Srs, SrsError> {
        match &self.config.dir {
            // Points checked once are kept decoded under the user's cache directory, so
            // a restart on the same files skips the square roots and subgroup checks.
            Some(dir) => match Srs::default_validated_cache_dir() {
                Ok(cache) => {
                    Srs::load_scoped_with_cache(dir, points as u64, self.config.order, scope, cache)
                }
                Err(_) => Srs::load_scoped(dir, points as u64, self.config.order, scope),
            },
            None => Srs::development_cached_in(
                Srs::default_cache_dir()?,
                DEVELOPMENT_SEED,
                points,
                scope,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAINNET: u64 = 1;
    const DEVNET_OWN_ID: u64 = 1_000_123_000;

    #[test]
    fn development_srs_is_refused_on_any_other_chain() {
        for chain_id in [MAINNET, 17000, 11_155_111, DEVNET_OWN_ID] {
            let refused = SrsConfig::default().approve_for_chain(chain_id);
            let err = refused.expect_err("development SRS off a development chain");
            assert!(
                matches!(err, SrsSetupError::DevelopmentSrsRefused { chain_id: c } if c == chain_id)
            );
            let message = err.to_string();
            for hint in [
                "srs-dir",
                "[srs] dir",
                "insecure_dev_srs",
                "--insecure-dev-srs",
            ] {
                assert!(message.contains(hint), "{message:?} names {hint}");
            }
        }
    }

    #[test]
    fn development_srs_is_approved_on_a_development_chain_or_with_the_opt_in() {
        assert!(SrsConfig::default().approve_for_chain(31337).is_ok());
        let opted_in = SrsConfig::insecure_development();
        assert!(opted_in.approve_for_chain(MAINNET).is_ok());
        assert!(opted_in.approve_for_chain(DEVNET_OWN_ID).is_ok());
    }

    #[test]
    fn srs_files_are_approved_on_every_chain() {
        let files = SrsConfig {
            dir: Some(PathBuf::from("/srs")),
            ..SrsConfig::default()
        };
        let approved = files.approve_for_chain(MAINNET).expect("files are fine");
        assert_eq!(approved.config(), &files);
    }

    #[test]
    fn opt_in_is_read_from_config_and_defaults_off() {
        let config: SrsConfig =
            serde_json::from_str(r#"{"insecure_dev_srs": true}"#).expect("json");
        assert_eq!(config, SrsConfig::insecure_development());
        let config: SrsConfig = serde_json::from_str("{}").expect("json");
        assert!(!config.insecure_dev_srs);
    }
}
