//! One batch of 256 affine additions (and one of 256 doublings) on G1 and
//! G2: the vector kernels against the same formulas one field operation at
//! a time with arkworks (Montgomery's trick, one inversion per batch). 256
//! is the lockstep width of FK20's tail; the MSMs' bucket rounds are larger.
//!
//! ```sh
//! cargo bench -p lamina-bn254-ifma --bench batch
//! ```

#![allow(missing_docs)]

use ark_ec::CurveGroup;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ff::{AdditiveGroup, Field, UniformRand};
use criterion::{Criterion, criterion_group, criterion_main};
use lamina_bn254_ifma::{Ifma, IfmaCurve};

const BATCH: usize = 256;

/// `lhs[k] += rhs[k]` (or `lhs[k] *= 2` where `rhs` is `None`), one
/// operation at a time.
fn one_at_a_time<P: IfmaCurve>(lhs: &mut [Affine<P>], rhs: Option<&[Affine<P>]>) {
    let mut dens: Vec<P::BaseField> = match rhs {
        Some(rhs) => lhs.iter().zip(rhs).map(|(a, b)| b.x - a.x).collect(),
        None => lhs.iter().map(|a| a.y.double()).collect(),
    };
    let mut prefix = Vec::with_capacity(dens.len());
    let mut acc = P::BaseField::ONE;
    for d in &dens {
        acc *= d;
        prefix.push(acc);
    }
    let mut inverse = acc.inverse().expect("nonzero denominators");
    for k in (0..dens.len()).rev() {
        let before = if k > 0 {
            prefix[k - 1]
        } else {
            P::BaseField::ONE
        };
        let d = dens[k];
        dens[k] = inverse * before;
        inverse *= d;
    }
    for (k, a) in lhs.iter_mut().enumerate() {
        let (lambda, x2) = match rhs {
            Some(rhs) => ((rhs[k].y - a.y) * dens[k], rhs[k].x),
            None => {
                let xx = a.x.square();
                ((xx.double() + xx) * dens[k], a.x)
            }
        };
        let x = lambda.square() - a.x - x2;
        let y = lambda * (a.x - x) - a.y;
        *a = Affine::new_unchecked(x, y);
    }
}

fn points<P: IfmaCurve>(seed: u64) -> Vec<Affine<P>> {
    let mut rng = <rand_chacha::ChaCha20Rng as rand::SeedableRng>::seed_from_u64(seed);
    let projective: Vec<Projective<P>> = (0..BATCH).map(|_| Projective::rand(&mut rng)).collect();
    Projective::normalize_batch(&projective)
}

fn curve<P: IfmaCurve>(c: &mut Criterion, name: &str) {
    let (lhs, rhs) = (points::<P>(1), points::<P>(2));
    let mut g = c.benchmark_group(format!("batch{BATCH}/{name}"));
    g.bench_function("add/one_at_a_time", |b| {
        b.iter(|| {
            let mut acc = lhs.clone();
            one_at_a_time(&mut acc, Some(&rhs));
            acc
        })
    });
    g.bench_function("double/one_at_a_time", |b| {
        b.iter(|| {
            let mut acc = lhs.clone();
            one_at_a_time::<P>(&mut acc, None);
            acc
        })
    });
    if let Some(ifma) = Ifma::detect() {
        g.bench_function("add/ifma", |b| {
            b.iter(|| {
                let mut acc = lhs.clone();
                ifma.add_distinct(&mut acc, &rhs);
                acc
            })
        });
        g.bench_function("double/ifma", |b| {
            b.iter(|| {
                let mut acc = lhs.clone();
                ifma.double(&mut acc);
                acc
            })
        });
    }
    g.finish();
}

fn batches(c: &mut Criterion) {
    curve::<ark_bn254::g1::Config>(c, "g1");
    curve::<ark_bn254::g2::Config>(c, "g2");
}

criterion_group!(benches, batches);
criterion_main!(benches);
