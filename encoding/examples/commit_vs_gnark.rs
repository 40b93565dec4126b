//! Lamina's side of the commitments comparison with gnark-crypto (EigenDA's
//! MSM library); `scripts/bench_gnark.sh` runs both alternately.
//!
//! ```sh
//! cargo run --release -p lamina-encoding --example commit_vs_gnark -- inputs DIR N
//! cargo run --release -p lamina-encoding --example commit_vs_gnark -- time DIR N ROUNDS
//! ```
//!
//! `inputs` writes `N` G1 points, `2N` G2 points (leading and "trailing") and
//! `N` random scalars to `DIR`, uncompressed (gnark's raw layout), for
//! `bench/gnark` to read. The points are distinct (`P0 + i·Q`, random `P0`,
//! `Q`): which points an MSM runs over does not change its work.
//!
//! `time` reads them back and times the work of `commit_blob` on them (a G1
//! MSM and two G2 MSMs of `N` points, as `commit`, `commit_length` and
//! `length_proof` run them), printing one line per round in the format of the
//! Go program, then the three results compressed as gnark prints them.
use ark_bn254::{Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{BigInteger, PrimeField, UniformRand};
use lamina_encoding::msm::msm;
use lamina_encoding::{g1_to_bytes, g2_to_bytes};
use rand::SeedableRng;
use std::path::Path;
use std::time::Instant;

fn fq_be(x: &Fq) -> Vec<u8> {
    x.into_bigint().to_bytes_be()
}

fn fq_from_be(b: &[u8]) -> Fq {
    Fq::from_be_bytes_mod_order(b)
}

/// `start + i·step` for `i = 0..n`, affine.
fn progression<G: CurveGroup>(start: G, step: G, n: usize) -> Vec<G::Affine> {
    let mut acc = start;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(acc);
        acc += step;
    }
    G::normalize_batch(&out)
}

fn write_inputs(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir).expect("create DIR");
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(16);
    let g1 = progression(
        G1Projective::generator() * Fr::rand(&mut rng),
        G1Projective::generator() * Fr::rand(&mut rng),
        n,
    );
    let g2 = |rng: &mut rand_chacha::ChaCha20Rng| {
        progression(
            G2Projective::generator() * Fr::rand(rng),
            G2Projective::generator() * Fr::rand(rng),
            n,
        )
    };
    let (g2_leading, g2_trailing) = (g2(&mut rng), g2(&mut rng));
    let mut buf = Vec::with_capacity(64 * n);
    for p in &g1 {
        buf.extend(fq_be(&p.x));
        buf.extend(fq_be(&p.y));
    }
    std::fs::write(dir.join("g1.raw"), &buf).expect("write g1.raw");
    for (name, points) in [("g2.raw", &g2_leading), ("g2trailing.raw", &g2_trailing)] {
        let mut buf = Vec::with_capacity(128 * n);
        for p in points.iter() {
            for c in [p.x.c1, p.x.c0, p.y.c1, p.y.c0] {
                buf.extend(fq_be(&c));
            }
        }
        std::fs::write(dir.join(name), &buf).expect("write G2 points");
    }
    let mut buf = Vec::with_capacity(32 * n);
    for _ in 0..n {
        buf.extend(Fr::rand(&mut rng).into_bigint().to_bytes_be());
    }
    std::fs::write(dir.join("scalars.raw"), &buf).expect("write scalars.raw");
}

fn read(dir: &Path, name: &str, bytes: usize) -> Vec<u8> {
    let mut buf = std::fs::read(dir.join(name)).expect("read input (run `inputs` first)");
    assert!(buf.len() >= bytes, "{name} is too short for N");
    buf.truncate(bytes);
    buf
}

fn read_g2(dir: &Path, name: &str, n: usize) -> Vec<G2Affine> {
    read(dir, name, 128 * n)
        .chunks_exact(128)
        .map(|b| {
            let x = ark_bn254::Fq2::new(fq_from_be(&b[32..64]), fq_from_be(&b[..32]));
            let y = ark_bn254::Fq2::new(fq_from_be(&b[96..128]), fq_from_be(&b[64..96]));
            let p = G2Affine::new_unchecked(x, y);
            assert!(p.is_on_curve(), "{name}: a point is not on the curve");
            p
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: commit_vs_gnark inputs DIR N | time DIR N ROUNDS";
    let (Some(mode), Some(dir), Some(n)) = (args.get(1), args.get(2), args.get(3)) else {
        panic!("{usage}");
    };
    let dir = Path::new(dir);
    let n: usize = n.parse().expect("N");
    match mode.as_str() {
        "inputs" => write_inputs(dir, n),
        "time" => {
            let rounds: usize = args.get(4).and_then(|r| r.parse().ok()).unwrap_or(1);
            let g1: Vec<G1Affine> = read(dir, "g1.raw", 64 * n)
                .chunks_exact(64)
                .map(|b| {
                    let p = G1Affine::new_unchecked(fq_from_be(&b[..32]), fq_from_be(&b[32..]));
                    assert!(p.is_on_curve(), "g1.raw: a point is not on the curve");
                    p
                })
                .collect();
            let g2 = read_g2(dir, "g2.raw", n);
            let g2_trailing = read_g2(dir, "g2trailing.raw", n);
            let scalars: Vec<Fr> = read(dir, "scalars.raw", 32 * n)
                .chunks_exact(32)
                .map(Fr::from_be_bytes_mod_order)
                .collect();
            let mut results = None;
            for _ in 0..rounds {
                let t0 = Instant::now();
                let c = msm(&g1, &scalars).into_affine();
                let t1 = Instant::now();
                let lc = msm(&g2, &scalars).into_affine();
                let t2 = Instant::now();
                let lp = msm(&g2_trailing, &scalars).into_affine();
                let t3 = Instant::now();
                let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
                println!(
                    "lamina n={n} total_ms {:.1} g1_ms {:.1} g2_ms {:.1} g2proof_ms {:.1}",
                    ms(t0, t3),
                    ms(t0, t1),
                    ms(t1, t2),
                    ms(t2, t3)
                );
                results = Some((c, lc, lp));
            }
            if let Some((c, lc, lp)) = results {
                let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
                println!(
                    "lamina results {} {} {}",
                    hex(&g1_to_bytes(&c)),
                    hex(&g2_to_bytes(&lc)),
                    hex(&g2_to_bytes(&lp))
                );
            }
        }
        _ => panic!("{usage}"),
    }
}
