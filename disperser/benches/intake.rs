//! Disperser intake: checking a client's commitments ([`check_blob`]: the blob parse,
//! the G1 commitment recomputed, the G2 length commitment and length proof checked
//! against it with pairings) against recomputing all three (parse + `commit_blob`),
//! at 128 KiB and 1 MiB, with an in-memory INSECURE development SRS.
//!
//! `cargo bench -p lamina-disperser --bench intake`

// criterion_group!/criterion_main! generate undocumented functions.
#![allow(missing_docs)]

use std::time::Duration;

use ark_bn254::Fr;
use ark_ff::UniformRand;
use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use lamina_disperser::intake::check_blob;
use lamina_encoding::{Blob, Srs, commit_blob, verify_commitments};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// (label, symbols): 32 bytes per symbol.
const SIZES: [(&str, usize); 2] = [("128KiB", 128 * 1024 / 32), ("1MiB", 1024 * 1024 / 32)];

fn bench_intake(c: &mut Criterion) {
    let max = SIZES.iter().map(|s| s.1).max().unwrap_or(1);
    let srs = Srs::insecure_development(0x1a7e, max);
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut group = c.benchmark_group("intake");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(4));
    for (label, n) in SIZES {
        // every symbol non-zero: no padding to skip, the worst case
        let blob =
            Blob::from_coeffs((0..n).map(|_| Fr::rand(&mut rng)).collect()).expect("power of two");
        let bytes = blob.to_bytes();
        let claimed = commit_blob(&srs, &blob).expect("SRS is large enough");
        group.bench_with_input(BenchmarkId::new("check", label), &bytes, |b, bytes| {
            b.iter(|| check_blob(&srs, bytes, &claimed).expect("honest commitments"))
        });
        group.bench_with_input(BenchmarkId::new("recompute", label), &bytes, |b, bytes| {
            b.iter(|| {
                let blob = Blob::from_bytes(bytes).expect("valid blob");
                let mine = commit_blob(&srs, &blob).expect("SRS is large enough");
                assert_eq!(mine, claimed);
            })
        });
        group.bench_with_input(BenchmarkId::new("pairings", label), &claimed, |b, c| {
            b.iter(|| verify_commitments(&srs, c).expect("honest commitments"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_intake);
criterion_main!(benches);
