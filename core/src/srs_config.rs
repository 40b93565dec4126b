//! Where a service gets its SRS: EigenDA's files, or the cached INSECURE development setup.

use std::path::PathBuf;

use lamina_encoding::{DEVELOPMENT_SEED, EIGENDA_SRS_ORDER, Srs, SrsError, SrsScope};
use serde::{Deserialize, Serialize};

/// SRS settings shared by every role's configuration.
///
/// With `dir` unset the service uses the deterministic development SRS (public secret,
/// cached under `$LAMINA_SRS_CACHE` or `~/.cache/lamina/srs`): fine for tests and
/// devnets, worthless for security, and logged as such on every load.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SrsConfig {
    /// Directory of EigenDA-format SRS files (`g1.point`, `g2.point`, ...).
    pub dir: Option<PathBuf>,
    /// Order D of the setup the files were cut from: 2^28 for EigenDA's files.
    pub order: u64,
}

impl Default for SrsConfig {
    fn default() -> Self {
        Self {
            dir: None,
            order: EIGENDA_SRS_ORDER,
        }
    }
}

impl SrsConfig {
    /// Loads (or generates and caches) an SRS with at least `points` G1 points and the
    /// G2 powers `scope` needs: committers (disperser, client) need
    /// [`SrsScope::Commit`], verifiers (node, retriever) start much faster with
    /// [`SrsScope::Verify`].
    pub fn load(&self, points: usize, scope: SrsScope) -> Result<Srs, SrsError> {
        match &self.dir {
            Some(dir) => Srs::load_scoped(dir, points as u64, self.order, scope),
            None => Srs::development_cached_in(
                Srs::default_cache_dir()?,
                DEVELOPMENT_SEED,
                points,
                scope,
            ),
        }
    }
}
