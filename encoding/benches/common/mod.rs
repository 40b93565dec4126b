//! Shared setup of the encoding benches: the blob shapes of the issue, an
//! in-memory INSECURE SRS sized for the largest selected shape, random blobs.
//!
//! `LAMINA_BENCH_CASES=128KiB,1MiB,16MiB,peerdas` selects shapes (default: all).

#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Duration;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion};
use lamina_encoding::{BlobParams, Encoder, EncodingParams, Srs};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// One benchmarked blob shape.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    pub name: &'static str,
    pub symbols: usize,
    pub params: BlobParams,
}

/// PeerDAS (EIP-7594): 4096 symbols, coding rate 2, 128 cells of 64.
pub const PEERDAS: BlobParams = BlobParams {
    num_chunks: 128,
    coding_rate: 2,
    max_num_operators: 128,
};

pub fn cases() -> Vec<Case> {
    let all = [
        Case {
            name: "128KiB",
            symbols: 1 << 12,
            params: BlobParams::V0,
        },
        Case {
            name: "1MiB",
            symbols: 1 << 15,
            params: BlobParams::V0,
        },
        Case {
            name: "16MiB",
            symbols: 1 << 19,
            params: BlobParams::V0,
        },
        Case {
            name: "peerdas",
            symbols: 1 << 12,
            params: PEERDAS,
        },
    ];
    let selected = std::env::var("LAMINA_BENCH_CASES").unwrap_or_default();
    all.into_iter()
        .filter(|c| selected.is_empty() || selected.split(',').any(|s| s.trim() == c.name))
        .collect()
}

pub const SRS_SEED: u64 = 0xbe9c;

pub fn srs_for(cases: &[Case]) -> Arc<Srs> {
    let points = cases.iter().map(|c| c.symbols).max().unwrap_or(1);
    Arc::new(Srs::insecure_development(SRS_SEED, points))
}

/// An encoder whose FK20 tables come from the known development secret
/// (same tables as from the points, built in seconds instead of minutes).
pub fn encoder(srs: &Arc<Srs>) -> Encoder {
    Encoder::with_insecure_development_seed(Arc::clone(srs), SRS_SEED)
}

pub fn random_fr(n: usize, seed: u64) -> Vec<Fr> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..n).map(|_| Fr::rand(&mut rng)).collect()
}

/// A case's benchmark blob: random coefficients (seed 1, the same in every
/// bench) and its chunk shape.
pub struct BenchBlob {
    pub coeffs: Vec<Fr>,
    pub shape: EncodingParams,
}

pub fn blob(case: &Case) -> BenchBlob {
    let coeffs = random_fr(case.symbols, 1);
    let shape = case
        .params
        .encoding_params(case.symbols as u64)
        .expect("valid shape");
    BenchBlob { coeffs, shape }
}

/// The blob's G1 commitment (plain MSM with the SRS).
pub fn commitment(srs: &Srs, blob: &BenchBlob) -> G1Affine {
    G1Projective::msm_unchecked(&srs.g1()[..blob.coeffs.len()], &blob.coeffs).into_affine()
}

/// The reference the frame and decode targets are stated against: one Fr FFT
/// of `num_chunks * chunk_length` points, in the caller's group.
pub fn bench_fr_fft(g: &mut BenchmarkGroup<'_, WallTime>, blob: &BenchBlob) {
    let evals = blob.shape.num_evaluations() as usize;
    let d = Radix2EvaluationDomain::<Fr>::new(evals).expect("domain");
    g.bench_function(BenchmarkId::new("fft_fr_rate_n", evals), |b| {
        b.iter(|| {
            let mut v = blob.coeffs.clone();
            d.fft_in_place(&mut v);
            v
        })
    });
}

pub fn criterion() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
}
