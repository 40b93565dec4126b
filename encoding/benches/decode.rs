//! Decoding from the minimum number of chunks (a random subset, so the
//! erasure path runs), with and without the commitment check; one Fr FFT of
//! rate*n in the same run.

#![allow(missing_docs)]

mod common;

use ark_bn254::G1Affine;
use ark_ec::AffineRepr;
use criterion::{criterion_group, criterion_main};
use lamina_encoding::{Frame, decode, decode_checked, rs};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha20Rng;

fn decoding(c: &mut criterion::Criterion) {
    let cases = common::cases();
    let srs = common::srs_for(&cases);
    for case in &cases {
        let blob = common::blob(case);
        let (coeffs, shape) = (&blob.coeffs, blob.shape);
        let commitment = common::commitment(&srs, &blob);
        // Decoding reads only the coefficients: skip FK20 in the setup.
        let mut frames: Vec<(u32, Frame)> = rs::chunk_coefficients(coeffs, shape)
            .expect("chunks")
            .into_iter()
            .enumerate()
            .map(|(i, coeffs)| {
                (
                    i as u32,
                    Frame {
                        proof: G1Affine::zero(),
                        coeffs,
                    },
                )
            })
            .collect();
        frames.shuffle(&mut ChaCha20Rng::seed_from_u64(9));
        frames.truncate(shape.min_chunks(case.symbols as u64) as usize);
        let n = case.symbols as u64;

        let mut g = c.benchmark_group(format!("decode/{}", case.name));
        common::bench_fr_fft(&mut g, &blob);
        g.bench_function("decode", |b| {
            b.iter(|| decode(&frames, shape, n).expect("decode"))
        });
        g.bench_function("decode_checked", |b| {
            b.iter(|| decode_checked(&srs, &commitment, &frames, shape, n).expect("decode"))
        });
        g.finish();
    }
}

criterion_group! { name = benches; config = common::criterion(); targets = decoding }
criterion_main!(benches);
