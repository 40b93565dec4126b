//! Commitments (G1 commitment + G2 length commitment + G2 length proof) for
//! blobs of 128 KiB, 1 MiB and 16 MiB, next to plain arkworks G1 and G2 MSMs
//! of the same size, so the target "commitments <= MSM_G1(n) + 2 MSM_G2(n)"
//! can be read off one run.
//!
//! `commitments` is `commit_blob` (Lamina's MSM, `lamina_encoding::msm::msm`);
//! `commitments_arkworks` is the same three MSMs with arkworks'
//! `VariableBaseMSM` (the code before), measured in the same run.
//!
//! `cargo bench -p lamina-encoding --bench commit`

// criterion_group!/criterion_main! generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use ark_bn254::{Fr, G1Affine, G1Projective, G2Projective};
use ark_ec::CurveGroup;
use ark_ec::VariableBaseMSM;
use ark_ff::UniformRand;
use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use lamina_encoding::{Blob, DEVELOPMENT_SEED, Srs, commit_blob, msm::msm};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// 2^20 G1 points (and 2^19 leading + 2^19 trailing G2 points) when the
/// 16 MiB size runs, else 2^16.
const SRS_POINTS: usize = 1 << 20;
const SMALL_SRS_POINTS: usize = 1 << 16;

/// (label, symbols) measured with criterion (10 samples); 32 bytes per symbol.
const SIZES: [(&str, usize); 2] = [("128KiB", 128 * 1024 / 32), ("1MiB", 1024 * 1024 / 32)];

/// 16 MiB = 2^19 symbols: one commitment takes minutes on 2 cores, too long
/// for criterion's minimum of 10 samples, so it is timed in `LARGE_RUNS` rounds.
const LARGE: (&str, usize) = ("16MiB", 16 * 1024 * 1024 / 32);
const LARGE_RUNS: u32 = 3;

fn random_scalars(rng: &mut ChaCha20Rng, n: usize) -> Vec<Fr> {
    // every symbol non-zero: no padding to skip, the worst case
    (0..n).map(|_| Fr::rand(rng)).collect()
}

fn bench_commit(c: &mut Criterion) {
    let start = Instant::now();
    let points = if selected(LARGE.0) {
        SRS_POINTS
    } else {
        SMALL_SRS_POINTS
    };
    let srs = Srs::insecure_development(DEVELOPMENT_SEED, points);
    eprintln!(
        "development SRS of {points} points generated in {:.1?}",
        start.elapsed()
    );

    let mut rng = ChaCha20Rng::seed_from_u64(42);
    let mut group = c.benchmark_group("commit");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(5));

    for (label, n) in SIZES {
        let scalars = random_scalars(&mut rng, n);
        let blob = Blob::from_coeffs(scalars.clone()).expect("power of two");

        group.bench_with_input(BenchmarkId::new("commitments", label), &blob, |b, blob| {
            b.iter(|| commit_blob(&srs, blob).expect("SRS is large enough"))
        });
        group.bench_with_input(
            BenchmarkId::new("commitments_arkworks", label),
            &scalars,
            |b, s| b.iter(|| commitments_arkworks(&srs, s)),
        );
        group.bench_with_input(
            BenchmarkId::new("g1_msm_lamina", label),
            &scalars,
            |b, s| b.iter(|| msm(&srs.g1()[..n], s)),
        );
        group.bench_with_input(
            BenchmarkId::new("g2_msm_lamina", label),
            &scalars,
            |b, s| b.iter(|| msm(&srs.g2()[..n], s)),
        );
        group.bench_with_input(BenchmarkId::new("g1_msm", label), &scalars, |b, s| {
            b.iter(|| G1Projective::msm_unchecked(&srs.g1()[..n], s))
        });
        group.bench_with_input(BenchmarkId::new("g2_msm", label), &scalars, |b, s| {
            b.iter(|| G2Projective::msm_unchecked(&srs.g2()[..n], s))
        });
    }
    group.finish();

    let (label, n) = LARGE;
    if !selected(label) {
        return;
    }
    let scalars = random_scalars(&mut rng, n);
    let blob = Blob::from_coeffs(scalars.clone()).expect("power of two");
    // Rounds interleave the three measurements, so a change in machine load
    // during the run hits all three alike; each round prints its own ratio.
    let mut best = [Duration::MAX; 4];
    for round in 1..=LARGE_RUNS {
        let times = [
            time(|| commit_blob(&srs, &blob).expect("SRS is large enough")),
            time(|| commitments_arkworks(&srs, &scalars)),
            time(|| G1Projective::msm_unchecked(&srs.g1()[..n], &scalars)),
            time(|| G2Projective::msm_unchecked(&srs.g2()[..n], &scalars)),
        ];
        let ratio = times[0].as_secs_f64() / times[1].as_secs_f64();
        println!(
            "commit/{label} round {round}: commitments {:.2?}  commitments_arkworks {:.2?}  \
             g1_msm {:.2?}  g2_msm {:.2?}  commitments / commitments_arkworks = {ratio:.2}",
            times[0], times[1], times[2], times[3]
        );
        for (b, t) in best.iter_mut().zip(times) {
            *b = (*b).min(t);
        }
    }
    println!(
        "commit/{label} best of {LARGE_RUNS}: commitments {:.2?}  commitments_arkworks {:.2?}  \
         g1_msm {:.2?}  g2_msm {:.2?}",
        best[0], best[1], best[2], best[3]
    );
}

/// The three commitments as computed before (arkworks' `VariableBaseMSM`),
/// for the same-run comparison: G1 commitment, G2 length commitment, G2
/// length proof over the trailing points.
fn commitments_arkworks(srs: &Srs, scalars: &[Fr]) -> (G1Affine, G2Projective, G2Projective) {
    let n = scalars.len();
    let trailing = srs.g2_trailing();
    (
        G1Projective::msm_unchecked(&srs.g1()[..n], scalars).into_affine(),
        G2Projective::msm_unchecked(&srs.g2()[..n], scalars),
        G2Projective::msm_unchecked(&trailing[trailing.len() - n..], scalars),
    )
}

/// Whether the command line's filter (criterion's positional argument, taken
/// here as a plain substring) selects the size `label`.
fn selected(label: &str) -> bool {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    filter.is_none_or(|f| label.contains(&f) || f.contains(label))
}

/// Wall time of one call of `f`.
fn time<T>(f: impl FnOnce() -> T) -> Duration {
    let start = Instant::now();
    let out = f();
    let elapsed = start.elapsed();
    drop(black_box(out));
    elapsed
}

criterion_group!(benches, bench_commit);
criterion_main!(benches);
