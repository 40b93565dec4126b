//! `lamina srs generate --points N --out DIR`: write an INSECURE development SRS.

use std::path::PathBuf;

use anyhow::{Context, ensure};
use clap::Args;
use lamina_encoding::{DEVELOPMENT_SEED, MAX_DEVELOPMENT_POINTS, Srs};
use serde::Serialize;

/// Arguments of `lamina srs generate`.
#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// Number of G1 points (at most 2^20); G2 points: min(N, 2^19).
    #[arg(long, value_name = "N")]
    points: usize,
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Seed of the secret; the default is the one `--srs`-less commands use.
    #[arg(long, default_value_t = DEVELOPMENT_SEED)]
    seed: u64,
}

#[derive(Debug, Serialize)]
struct GenerateOutput {
    dir: PathBuf,
    g1_points: usize,
    g2_points: usize,
    g2_trailing_points: usize,
    order: u64,
    insecure: bool,
}

/// Runs `lamina srs generate`.
pub(crate) fn run(args: GenerateArgs) -> anyhow::Result<()> {
    ensure!(
        (1..=MAX_DEVELOPMENT_POINTS).contains(&args.points),
        "--points {} is out of range 1..={MAX_DEVELOPMENT_POINTS}",
        args.points
    );
    tracing::warn!(
        seed = args.seed,
        "generating an INSECURE development SRS (public seed)"
    );
    let srs = Srs::insecure_development(args.seed, args.points);
    srs.write_to_dir(&args.out)
        .with_context(|| format!("writing {}", args.out.display()))?;
    let out = GenerateOutput {
        dir: args.out,
        g1_points: srs.g1().len(),
        g2_points: srs.g2().len(),
        g2_trailing_points: srs.g2_trailing().len(),
        order: srs.order(),
        insecure: srs.is_insecure(),
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
