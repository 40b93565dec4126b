//! The `--srs DIR` option shared by blob commands, and how it becomes an [`Srs`].

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use lamina_core::SrsConfig;
use lamina_encoding::{EIGENDA_SRS_ORDER, Srs, SrsScope};

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
    /// Loads (or generates) an SRS with at least `points` G1 points. The blob commands
    /// are offline (no chain to check): what they compute with the development SRS is
    /// only accepted by a development network, whose roles refuse it elsewhere
    /// ([`SrsConfig::approve`]).
    pub(crate) fn load(&self, points: usize) -> anyhow::Result<Srs> {
        let config = SrsConfig {
            dir: self.srs.clone(),
            order: self.srs_order,
            ..SrsConfig::default()
        };
        let srs = config.approve_offline().load(points, SrsScope::Commit);
        match &self.srs {
            Some(dir) => srs.with_context(|| format!("loading the SRS in {}", dir.display())),
            None => srs.context("preparing the development SRS"),
        }
    }
}

/// The SRS flags of the services (`lamina node|disperser|retriever run`), laid over the
/// config file's `[srs]` table.
#[derive(Debug, Args)]
pub(crate) struct ServiceSrsArgs {
    /// EigenDA-format SRS directory (`g1.point`, `g2.point`); the config's `[srs] dir`.
    /// Without it the INSECURE development SRS is used, which the service refuses on any
    /// chain but a development one (chain id 31337) unless `--insecure-dev-srs` is given.
    #[arg(long, value_name = "DIR")]
    pub(crate) srs_dir: Option<PathBuf>,
    /// Use the INSECURE development SRS (public secret) whatever the chain id: devnets
    /// only. The config's `[srs] insecure_dev_srs = true`.
    #[arg(long, conflicts_with = "srs_dir")]
    pub(crate) insecure_dev_srs: bool,
}

impl ServiceSrsArgs {
    /// Lays the flags over `config`.
    pub(crate) fn apply(&self, config: &mut SrsConfig) {
        if let Some(dir) = &self.srs_dir {
            config.dir = Some(dir.clone());
        }
        if self.insecure_dev_srs {
            config.insecure_dev_srs = true;
        }
    }
}
