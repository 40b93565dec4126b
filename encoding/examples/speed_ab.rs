//! Old-vs-new timings in alternating rounds (A, B, A, B, ...), for a shared
//! machine whose load changes during a run: each line is one back-to-back
//! pair and its ratio (new / old). Release build:
//!
//! ```sh
//! cargo run --release -p lamina-encoding --example speed_ab -- 32768    # G1 + 2 G2 MSMs of n: arkworks vs msm::msm
//! cargo run --release -p lamina-encoding --example speed_ab -- fk20 [128KiB|1MiB|16MB|peerdas]  # FK20 proofs: Fk20Table::proofs_baseline vs proofs, without and with window multiples
//! cargo run --release -p lamina-encoding --example speed_ab -- rows [8|64|512]  # FK20's 2048 Toeplitz MSMs of L points: msm_serial per row vs msm_rows
//! cargo run --release -p lamina-encoding --example speed_ab -- field    # Fp/Fp2 multiplication, Fp inverse (Go twin: bench/gnark field_test.go)
//! cargo run --release -p lamina-encoding --example speed_ab -- g2check  # G2 subgroup check: arkworks vs g2_in_subgroup
//! cargo run --release -p lamina-encoding --example speed_ab -- srs DIR N [CACHE]  # load N points of an SRS directory, all checks [through the validated-points cache CACHE]
//! cargo run --release -p lamina-encoding --example speed_ab -- srs-gen DIR N  # write an INSECURE development SRS of N points to DIR
//! ```
//!
//! Bases are random multiples of the generators (the G2 bases repeat every
//! 2^16 points, which does not change the MSM's work).
use ark_bn254::{Fq, Fq2, Fr, G1Projective, G2Affine, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup, ScalarMul, VariableBaseMSM};
use ark_ff::{Field, UniformRand};
use lamina_encoding::fk20::Fk20Table;
use lamina_encoding::msm::FastInverse;
use rand::SeedableRng;
use std::time::{Duration, Instant};
fn t<T>(f: impl FnOnce() -> T) -> Duration {
    let s = Instant::now();
    std::hint::black_box(f());
    s.elapsed()
}
fn main() {
    let what = std::env::args().nth(1).unwrap_or_default();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let rounds = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    if what == "fk20" {
        let tau = Fr::rand(&mut rng);
        // Version 0 (8192 chunks, rate 8) at the issue's payload sizes, and
        // the PeerDAS shape.
        for (name, n, l, nc) in [
            ("128KiB", 8192usize, 8usize, 8192usize),
            ("1MiB", 65536, 64, 8192),
            ("16MB", 524288, 512, 8192),
            ("peerdas", 4096, 64, 128),
        ] {
            let only = std::env::args().nth(2);
            if only.as_deref().is_some_and(|o| o != name) {
                continue;
            }
            let table =
                Fk20Table::<G1Projective>::from_insecure_trapdoor(tau, n, l).expect("valid shape");
            let mut fixed = table.clone();
            let s = Instant::now();
            fixed.prepare_fixed_bases(usize::MAX);
            println!(
                "fk20 {name}: window multiples {} MiB, built in {:.3?}",
                table.fixed_bases_bytes() >> 20,
                s.elapsed()
            );
            let c: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let want = table.proofs_baseline(&c, nc).expect("valid shape");
            assert_eq!(table.proofs(&c, nc).expect("valid shape"), want);
            assert_eq!(fixed.proofs(&c, nc).expect("valid shape"), want);
            for _ in 0..rounds {
                let a = t(|| table.proofs_baseline(&c, nc).expect("valid shape"));
                let b = t(|| table.proofs(&c, nc).expect("valid shape"));
                let f = t(|| fixed.proofs(&c, nc).expect("valid shape"));
                println!(
                    "fk20 {name}: old {a:.3?} new {b:.3?} ratio {:.2}; with window multiples {f:.3?} ratio {:.2}",
                    b.as_secs_f64() / a.as_secs_f64(),
                    f.as_secs_f64() / a.as_secs_f64()
                );
            }
        }
    } else if what == "rows" {
        // The Toeplitz products of version 0: 2m = 2048 rows of L bases.
        for l in [8usize, 64, 512] {
            let only = std::env::args().nth(2);
            if only.as_deref().is_some_and(|o| o != l.to_string()) {
                continue;
            }
            let len = 2048 * l;
            let scalars: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
            let bases = G1Projective::generator().batch_mul(&scalars);
            let scalars: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
            let serial = || -> Vec<G1Projective> {
                use ark_ff::PrimeField;
                use rayon::prelude::*;
                bases
                    .par_chunks(l)
                    .zip(scalars.par_chunks(l))
                    .map(|(b, s)| {
                        let s: Vec<_> = s.iter().map(|x| x.into_bigint()).collect();
                        lamina_encoding::msm::msm_serial::<G1Projective>(b, &s)
                    })
                    .collect()
            };
            let rows = || lamina_encoding::msm::msm_rows(&bases, &scalars, l).expect("splits");
            assert_eq!(serial(), rows());
            for _ in 0..rounds {
                let a = t(serial);
                let b = t(rows);
                println!(
                    "rows 2048 x L={l}: old {a:.3?} new {b:.3?} ratio {:.2}",
                    b.as_secs_f64() / a.as_secs_f64()
                );
            }
        }
    } else if what == "g2check" {
        let pts: Vec<G2Affine> = G2Projective::generator()
            .batch_mul(&(0..4000).map(|_| Fr::rand(&mut rng)).collect::<Vec<_>>());
        for _ in 0..rounds {
            let a = t(|| {
                pts.iter()
                    .filter(|p| p.is_in_correct_subgroup_assuming_on_curve())
                    .count()
            });
            let b = t(|| {
                pts.iter()
                    .filter(|p| lamina_encoding::g2_in_subgroup(p))
                    .count()
            });
            println!(
                "g2 subgroup check x4000: old {a:.3?} new {b:.3?} ratio {:.2}",
                b.as_secs_f64() / a.as_secs_f64()
            );
        }
    } else if what == "field" {
        // Chains of dependent operations, as in a point addition; the Go twin is
        // `cd bench/gnark && go test -bench .`.
        let iters = 20_000_000u32;
        let (mut x, y) = (Fq::rand(&mut rng), Fq::rand(&mut rng));
        let d = t(|| {
            for _ in 0..iters {
                x *= y;
            }
            x
        });
        println!(
            "Fp mul: {:.2} ns/op",
            d.as_secs_f64() * 1e9 / f64::from(iters)
        );
        let (mut x2, y2) = (Fq2::rand(&mut rng), Fq2::rand(&mut rng));
        let d = t(|| {
            for _ in 0..iters / 4 {
                x2 *= y2;
            }
            x2
        });
        println!(
            "Fp2 mul: {:.2} ns/op",
            d.as_secs_f64() * 1e9 / f64::from(iters / 4)
        );
        type Inverse = fn(&Fq) -> Option<Fq>;
        let inverses: [(&str, Inverse); 2] = [
            ("arkworks", |x| x.inverse()),
            ("safegcd, msm::FastInverse", |x| x.fast_inverse()),
        ];
        for (name, inverse) in inverses {
            let d = t(|| {
                for _ in 0..iters / 100 {
                    x = inverse(&x).unwrap_or(y);
                }
                x
            });
            println!(
                "Fp inverse ({name}): {:.2} ns/op",
                d.as_secs_f64() * 1e9 / f64::from(iters / 100)
            );
        }
    } else if what == "srs-gen" {
        let dir = std::env::args().nth(2).expect("srs-gen DIR N");
        let n: usize = std::env::args()
            .nth(3)
            .and_then(|a| a.parse().ok())
            .expect("srs-gen DIR N");
        let s = Instant::now();
        lamina_encoding::Srs::insecure_development(lamina_encoding::DEVELOPMENT_SEED, n)
            .write_to_dir(&dir)
            .expect("write SRS");
        println!("srs-gen {n} points: {:.2?}", s.elapsed());
    } else if what == "srs" {
        let dir = std::env::args().nth(2).expect("srs DIR N");
        let n: u64 = std::env::args()
            .nth(3)
            .and_then(|a| a.parse().ok())
            .expect("srs DIR N");
        let cache = std::env::args().nth(4);
        let s = Instant::now();
        let srs = match &cache {
            Some(cache) => lamina_encoding::Srs::load_scoped_with_cache(
                &dir,
                n,
                lamina_encoding::EIGENDA_SRS_ORDER,
                lamina_encoding::SrsScope::Commit,
                cache,
            ),
            None => lamina_encoding::Srs::load(&dir, n),
        }
        .expect("valid shape");
        println!(
            "srs load {n} points, validated cache {cache:?} (g1 {} g2 {} trailing {}): {:.2?}",
            srs.g1().len(),
            srs.g2().len(),
            srs.g2_trailing().len(),
            s.elapsed()
        );
    } else {
        let n: usize = what.parse().unwrap_or(1 << 15);
        let s: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let b1 = G1Projective::generator().batch_mul(&s);
        let b2 = G2Projective::generator().batch_mul(&s[..n.min(1 << 16)]);
        let b2: Vec<_> = b2.iter().cycle().take(n).copied().collect();
        for _ in 0..rounds {
            let old = t(|| {
                (
                    G1Projective::msm_unchecked(&b1, &s).into_affine(),
                    G2Projective::msm_unchecked(&b2, &s).into_affine(),
                    G2Projective::msm_unchecked(&b2, &s).into_affine(),
                )
            });
            let new = t(|| {
                (
                    lamina_encoding::msm::msm(&b1, &s).into_affine(),
                    lamina_encoding::msm::msm(&b2, &s).into_affine(),
                    lamina_encoding::msm::msm(&b2, &s).into_affine(),
                )
            });
            println!(
                "commitments-equivalent (G1 + 2 G2 MSM) n={n}: old {old:.3?} new {new:.3?} ratio {:.2}",
                new.as_secs_f64() / old.as_secs_f64()
            );
        }
    }
}
