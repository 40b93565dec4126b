//! Batched verification of k = 1024 frames (one blob), next to plain G1
//! MSM(2k) in the same run.

#![allow(missing_docs)]

mod common;

use ark_bn254::{G1Affine, G1Projective};
use ark_ec::VariableBaseMSM;
use criterion::{BenchmarkId, criterion_group, criterion_main};
use lamina_encoding::{BlobFrames, Frame, verify::batch_check};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

const K: usize = 1024;

fn verify(c: &mut criterion::Criterion) {
    let cases = common::cases();
    let srs = common::srs_for(&cases);
    let encoder = common::encoder(&srs);
    let msm_scalars = common::random_fr(2 * K, 3);
    for case in &cases {
        let blob = common::blob(case);
        let (coeffs, shape) = (&blob.coeffs, blob.shape);
        let commitment = common::commitment(&srs, &blob);
        let frames: Vec<(u32, Frame)> = encoder
            .encode_coeffs(coeffs, case.params)
            .expect("frames")
            .into_iter()
            .enumerate()
            .map(|(i, f)| (i as u32, f))
            .take(K)
            .collect();
        let k = frames.len();
        let blobs = [BlobFrames {
            commitment,
            params: shape,
            frames: &frames,
        }];
        let mut g = c.benchmark_group(format!("verify/{}", case.name));
        // MSM bases: the first 2k proofs-like points (SRS points), real scalars.
        let bases: Vec<G1Affine> = srs.g1().iter().cycle().take(2 * k).copied().collect();
        g.bench_function(BenchmarkId::new("msm_g1_2k", 2 * k), |b| {
            b.iter(|| G1Projective::msm_unchecked(&bases, &msm_scalars[..2 * k]))
        });
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        g.bench_function(BenchmarkId::new("batch_verify", k), |b| {
            b.iter(|| assert!(batch_check(&srs, &blobs, &mut rng).expect("shape")))
        });
        g.finish();
    }
}

criterion_group! { name = benches; config = common::criterion(); targets = verify }
criterion_main!(benches);
