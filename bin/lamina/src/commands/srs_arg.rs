//! The `--srs DIR` option shared by blob commands, and how it becomes an [`Srs`].

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use lamina_encoding::{EIGENDA_SRS_ORDER, Srs};

/// Where the SRS comes from.
#[derive(Debug, Args)]
pub(crate) struct SrsArgs {
    /// Directory of EigenDA-format SRS files (`g1.point`, `g2.point`, ...).
    /// Default: the cached INSECURE development SRS (`$LAMINA_SRS_CACHE`,
    /// else `~/.cache/lamina/srs`), generated on first use.
    #[arg(long, value_name = "DIR")]
    pub(crate) srs: Option<PathBuf>,
    /// Order D of the setup the files were cut from: 2^28 for EigenDA's files;
    /// the number of points in `g2.point` when it holds a whole small setup
    /// (3000 for EigenDA's local test SRS). Ignored without `--srs`.
    #[arg(long, value_name = "D", default_value_t = EIGENDA_SRS_ORDER)]
    pub(crate) srs_order: u64,
}

impl SrsArgs {
    /// Loads (or generates) an SRS with at least `points` G1 points.
    pub(crate) fn load(&self, points: usize) -> anyhow::Result<Srs> {
        match &self.srs {
            Some(dir) => Srs::load_with_order(dir, points as u64, self.srs_order)
                .with_context(|| format!("loading the SRS in {}", dir.display())),
            None => Srs::development_cached(points).context("preparing the development SRS"),
        }
    }
}
