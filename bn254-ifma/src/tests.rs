use ark_bn254::{Fq, g1, g2};
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{One, UniformRand};
use ark_std::test_rng;

use super::{Ifma, IfmaCurve, NEGATED};

fn random_points<P: IfmaCurve>(n: usize, rng: &mut impl ark_std::rand::Rng) -> Vec<Affine<P>> {
    let projective: Vec<Projective<P>> = (0..n).map(|_| Projective::rand(rng)).collect();
    Projective::normalize_batch(&projective)
}

fn ifma() -> Option<Ifma> {
    let found = Ifma::detect();
    if found.is_none() {
        eprintln!("this CPU has no AVX-512 IFMA: nothing to compare");
    }
    found
}

/// Batch lengths around the eight lanes (padding) and the callers' sizes.
fn lengths() -> impl Iterator<Item = usize> {
    // 2049: past two chunks of 1024 pairs, each with its own inversion.
    (0..=40).chain([255, 256, 257, 1000, 2049])
}

fn sums_equal_arkworks<P: IfmaCurve>(ifma: Ifma) {
    let mut rng = test_rng();
    for n in lengths() {
        let lhs = random_points::<P>(n, &mut rng);
        let rhs = random_points::<P>(n, &mut rng);
        let expected: Vec<Affine<P>> = lhs
            .iter()
            .zip(&rhs)
            .map(|(a, b)| (*a + *b).into_affine())
            .collect();
        let mut sums = lhs.clone();
        ifma.add_distinct(&mut sums, &rhs);
        assert_eq!(sums, expected, "batch of {n}");
    }
}

/// `n` pairs of indices below `len`, no index in two pairs, shuffled.
fn disjoint_pairs(len: usize, n: usize, rng: &mut impl ark_std::rand::Rng) -> Vec<(u32, u32)> {
    let mut order: Vec<u32> = (0..len as u32).collect();
    ark_std::rand::seq::SliceRandom::shuffle(&mut order[..], rng);
    order
        .chunks_exact(2)
        .take(n)
        .map(|p| (p[0], p[1]))
        .collect()
}

/// Pairs scattered through one slice: `points[a] += points[b]` for a
/// shuffled pairing, the points not in any pair left alone.
fn sums_in_place_equal_arkworks<P: IfmaCurve>(ifma: Ifma) {
    let mut rng = test_rng();
    for n in lengths() {
        let mut points = random_points::<P>(2 * n + 3, &mut rng);
        let pairs = disjoint_pairs(points.len(), n, &mut rng);
        let mut expected = points.clone();
        for &(a, b) in &pairs {
            expected[a as usize] = (points[a as usize] + points[b as usize]).into_affine();
        }
        ifma.add_in_place(&mut points, &pairs);
        assert_eq!(points, expected, "batch of {n}");
    }
}

/// Pairs picked from one slice, their sums written where `to` says into
/// another, some operands negated; the slots not written are left alone.
/// Pairs with equal `x` (the same point twice, a point and its negation)
/// planted first, last and in the middle are returned, their slots
/// untouched.
fn gathered_sums_equal_arkworks<P: IfmaCurve>(ifma: Ifma) {
    let mut rng = test_rng();
    for n in lengths() {
        let mut src = random_points::<P>(2 * n + 3, &mut rng);
        let pairs = disjoint_pairs(src.len(), n, &mut rng);
        // Some operands negated, by NEGATED on their index.
        let signed: Vec<(u32, u32)> = pairs
            .iter()
            .map(|&(a, b)| {
                let mut sign = |i: u32| {
                    if ark_std::rand::Rng::r#gen::<bool>(&mut rng) {
                        i | NEGATED
                    } else {
                        i
                    }
                };
                (sign(a), sign(b))
            })
            .collect();
        let operand = |src: &[Affine<P>], i: u32| {
            let p = src[(i & !NEGATED) as usize];
            if i & NEGATED != 0 { -p } else { p }
        };
        let mut planted: Vec<u32> = [0, n / 2, n.saturating_sub(1)]
            .into_iter()
            .filter(|&k| k < n)
            .map(|k| k as u32)
            .collect();
        planted.dedup();
        for (i, &k) in planted.iter().enumerate() {
            let (a, b) = pairs[k as usize];
            let p = src[a as usize];
            src[b as usize] = if i % 2 == 0 { p } else { -p };
        }
        let mut to: Vec<u32> = (0..n as u32 + 5).collect();
        ark_std::rand::seq::SliceRandom::shuffle(&mut to[..], &mut rng);
        to.truncate(n);
        let mut dst = random_points::<P>(n + 5, &mut rng);
        let mut expected = dst.clone();
        for (k, (&(a, b), &at)) in signed.iter().zip(&to).enumerate() {
            if !planted.contains(&(k as u32)) {
                expected[at as usize] = (operand(&src, a) + operand(&src, b)).into_affine();
            }
        }
        let equal_x = ifma.add_gathered(&src, &signed, &to, &mut dst);
        assert_eq!(dst, expected, "batch of {n}");
        assert_eq!(equal_x, planted, "batch of {n}");
    }
}

fn doublings_equal_arkworks<P: IfmaCurve>(ifma: Ifma) {
    let mut rng = test_rng();
    for n in lengths() {
        let points = random_points::<P>(n, &mut rng);
        let expected: Vec<Affine<P>> = points.iter().map(|p| (*p + *p).into_affine()).collect();
        let mut doubled = points.clone();
        ifma.double(&mut doubled);
        assert_eq!(doubled, expected, "batch of {n}");
    }
}

/// The generator, its negation and small multiples of both: every pair
/// with different `x` summed, every point doubled. On G1 the generator is
/// `(1, 2)` and its negation `(1, p − 2)`, both ends of the field.
fn small_multiples_equal_arkworks<P: IfmaCurve>(ifma: Ifma) {
    let g = Affine::<P>::generator();
    let mut points = vec![g, -g];
    let mut multiple = g.into_group();
    for _ in 0..40 {
        multiple += g;
        let affine = multiple.into_affine();
        points.extend([affine, -affine]);
    }
    let (mut lhs, mut rhs) = (Vec::new(), Vec::new());
    for a in &points {
        for b in points.iter().filter(|b| b.x != a.x) {
            lhs.push(*a);
            rhs.push(*b);
        }
    }
    let expected: Vec<Affine<P>> = lhs
        .iter()
        .zip(&rhs)
        .map(|(a, b)| (*a + *b).into_affine())
        .collect();
    ifma.add_distinct(&mut lhs, &rhs);
    assert_eq!(lhs, expected);

    let expected: Vec<Affine<P>> = points.iter().map(|p| (*p + *p).into_affine()).collect();
    ifma.double(&mut points);
    assert_eq!(points, expected);
}

#[test]
fn g1_sums_equal_arkworks() {
    let Some(ifma) = ifma() else { return };
    sums_equal_arkworks::<g1::Config>(ifma);
}

#[test]
fn g2_sums_equal_arkworks() {
    let Some(ifma) = ifma() else { return };
    sums_equal_arkworks::<g2::Config>(ifma);
}

#[test]
fn g1_sums_in_place_equal_arkworks() {
    let Some(ifma) = ifma() else { return };
    sums_in_place_equal_arkworks::<g1::Config>(ifma);
}

#[test]
fn g2_sums_in_place_equal_arkworks() {
    let Some(ifma) = ifma() else { return };
    sums_in_place_equal_arkworks::<g2::Config>(ifma);
}

#[test]
fn g1_doublings_equal_arkworks() {
    let Some(ifma) = ifma() else { return };
    doublings_equal_arkworks::<g1::Config>(ifma);
}

#[test]
fn g2_doublings_equal_arkworks() {
    let Some(ifma) = ifma() else { return };
    doublings_equal_arkworks::<g2::Config>(ifma);
}

#[test]
fn small_multiples_equal_arkworks_on_both_curves() {
    let Some(ifma) = ifma() else { return };
    let g = Affine::<g1::Config>::generator();
    assert_eq!((g.x, (-g).y), (Fq::one(), -Fq::from(2u64)));
    small_multiples_equal_arkworks::<g1::Config>(ifma);
    small_multiples_equal_arkworks::<g2::Config>(ifma);
}

#[test]
fn g1_gathered_sums_equal_arkworks() {
    let Some(ifma) = ifma() else { return };
    gathered_sums_equal_arkworks::<g1::Config>(ifma);
}

#[test]
fn g2_gathered_sums_equal_arkworks() {
    let Some(ifma) = ifma() else { return };
    gathered_sums_equal_arkworks::<g2::Config>(ifma);
}
