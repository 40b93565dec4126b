//! Commitments (G1 commitment + G2 length commitment + G2 length proof) for
//! blobs of 128 KiB, 1 MiB and 16 MiB, next to plain arkworks G1 and G2 MSMs
//! of the same size, so the target "commitments <= MSM_G1(n) + 2 MSM_G2(n)"
//! can be read off one run.
//!
//! `cargo bench -p lamina-encoding --bench commit`

// criterion_group!/criterion_main! generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::VariableBaseMSM;
use ark_ff::UniformRand;
use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use lamina_encoding::{Blob, DEVELOPMENT_SEED, Srs, commit_blob};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// 2^20 G1 points (and 2^19 leading + 2^19 trailing G2 points).
const SRS_POINTS: usize = 1 << 20;

/// (label, symbols) measured with criterion (10 samples); 32 bytes per symbol.
const SIZES: [(&str, usize); 2] = [("128KiB", 128 * 1024 / 32), ("1MiB", 1024 * 1024 / 32)];

/// 16 MiB = 2^19 symbols: one commitment takes minutes on 2 cores, too long
/// for criterion's minimum of 10 samples, so it is timed `LARGE_RUNS` times.
const LARGE: (&str, usize) = ("16MiB", 16 * 1024 * 1024 / 32);
const LARGE_RUNS: u32 = 2;

fn random_scalars(rng: &mut ChaCha20Rng, n: usize) -> Vec<Fr> {
    // every symbol non-zero: no padding to skip, the worst case
    (0..n).map(|_| Fr::rand(rng)).collect()
}

fn bench_commit(c: &mut Criterion) {
    let start = Instant::now();
    let srs = Srs::insecure_development(DEVELOPMENT_SEED, SRS_POINTS);
    eprintln!(
        "development SRS of 2^20 points generated in {:.1?}",
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
        group.bench_with_input(BenchmarkId::new("g1_msm", label), &scalars, |b, s| {
            b.iter(|| G1Projective::msm_unchecked(&srs.g1()[..n], s))
        });
        group.bench_with_input(BenchmarkId::new("g2_msm", label), &scalars, |b, s| {
            b.iter(|| G2Projective::msm_unchecked(&srs.g2()[..n], s))
        });
    }
    group.finish();

    let (label, n) = LARGE;
    let scalars = random_scalars(&mut rng, n);
    let blob = Blob::from_coeffs(scalars.clone()).expect("power of two");
    time_runs(&format!("commit/commitments/{label}"), || {
        commit_blob(&srs, &blob).expect("SRS is large enough")
    });
    time_runs(&format!("commit/g1_msm/{label}"), || {
        G1Projective::msm_unchecked(&srs.g1()[..n], &scalars)
    });
    time_runs(&format!("commit/g2_msm/{label}"), || {
        G2Projective::msm_unchecked(&srs.g2()[..n], &scalars)
    });
}

/// Runs `f` [`LARGE_RUNS`] times and prints the fastest and the mean.
fn time_runs<T>(name: &str, mut f: impl FnMut() -> T) {
    let runs: Vec<Duration> = (0..LARGE_RUNS)
        .map(|_| {
            let start = Instant::now();
            let out = f();
            let elapsed = start.elapsed();
            drop(black_box(out));
            elapsed
        })
        .collect();
    let best = runs.iter().min().copied().unwrap_or_default();
    let mean = runs.iter().sum::<Duration>() / LARGE_RUNS;
    println!("{name:<28} best {best:.2?}  mean {mean:.2?}  ({LARGE_RUNS} runs)");
}

criterion_group!(benches, bench_commit);
criterion_main!(benches);
