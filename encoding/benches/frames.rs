//! Frame generation: RS extension, FK20 proofs, full frames; with plain G1
//! MSM(n) and one Fr FFT of rate*n in the same run so ratios can be read.

#![allow(missing_docs)]

mod common;

use ark_bn254::G1Projective;
use ark_ec::VariableBaseMSM;
use criterion::{BenchmarkId, criterion_group, criterion_main};
use lamina_encoding::rs;

/// Blob size from which FK20 and full frames are timed as single runs.
const SINGLE_SHOT_SYMBOLS: usize = 1 << 19;
const SINGLE_SHOT_RUNS: usize = 1;

fn frames(c: &mut criterion::Criterion) {
    let cases = common::cases();
    let srs = common::srs_for(&cases);
    let encoder = common::encoder(&srs);
    for case in &cases {
        let blob = common::blob(case);
        let (coeffs, shape) = (&blob.coeffs, blob.shape);
        // Build the FK20 table once, outside the timings (it is cached per shape).
        let start = std::time::Instant::now();
        let table = encoder
            .table(case.symbols, shape.chunk_length as usize)
            .expect("table");
        let num_chunks = shape.num_chunks as usize;
        eprintln!(
            "{}: FK20 table {:?} ({:?})",
            case.name,
            start.elapsed(),
            shape
        );

        let mut g = c.benchmark_group(format!("frames/{}", case.name));
        g.bench_function(BenchmarkId::new("msm_g1_n", case.symbols), |b| {
            b.iter(|| G1Projective::msm_unchecked(&srs.g1()[..case.symbols], coeffs))
        });
        common::bench_fr_fft(&mut g, &blob);
        g.bench_function("rs_extension", |b| {
            b.iter(|| rs::extend(coeffs, shape).expect("extend"))
        });
        g.bench_function("chunk_coefficients", |b| {
            b.iter(|| rs::chunk_coefficients(coeffs, shape).expect("chunks"))
        });
        if case.symbols >= SINGLE_SHOT_SYMBOLS {
            // Criterion needs at least 10 samples; at 16 MiB one run takes
            // tens of seconds on 2 shared cores, so time single runs instead.
            g.finish();
            let time = |f: &dyn Fn()| -> Vec<f64> {
                (0..SINGLE_SHOT_RUNS)
                    .map(|_| {
                        let start = std::time::Instant::now();
                        f();
                        start.elapsed().as_secs_f64()
                    })
                    .collect()
            };
            let fk20 = time(&|| drop(encoder.proofs(coeffs, shape).expect("proofs")));
            eprintln!("frames/{}/fk20_proofs: single runs {fk20:.3?} s", case.name);
            let old = time(&|| drop(table.proofs_baseline(coeffs, num_chunks).expect("proofs")));
            eprintln!(
                "frames/{}/fk20_proofs_baseline: single runs {old:.3?} s",
                case.name
            );
            let total = time(&|| drop(encoder.encode_coeffs(coeffs, case.params).expect("frames")));
            eprintln!(
                "frames/{}/frames_total: single runs {total:.3?} s",
                case.name
            );
            continue;
        }
        g.bench_function("fk20_proofs", |b| {
            b.iter(|| encoder.proofs(coeffs, shape).expect("proofs"))
        });
        // The same proofs as computed before issue 16's work (serial
        // Toeplitz MSMs, arkworks' group FFTs), in the same run.
        g.bench_function("fk20_proofs_baseline", |b| {
            b.iter(|| table.proofs_baseline(coeffs, num_chunks).expect("proofs"))
        });
        g.bench_function("frames_total", |b| {
            b.iter(|| encoder.encode_coeffs(coeffs, case.params).expect("frames"))
        });
        g.finish();
    }
}

criterion_group! { name = benches; config = common::criterion(); targets = frames }
criterion_main!(benches);
