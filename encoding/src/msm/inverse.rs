//! Inversion in BN254's base fields by Bernstein and Yang's safegcd, in
//! variable time, after libsecp256k1's `modinv64_var`.
//!
//! Every batched affine addition of the MSMs and of FK20's tail ends in one
//! inversion, shared by the batch; where a batch is narrow (the PeerDAS
//! shape's FFTs are 64 points wide) that inversion took a fifth of the time.
//! arkworks inverts by the binary extended Euclidean algorithm, bit by bit on
//! 4-limb numbers (2.0–2.4 µs here); safegcd does 62 division steps at a time
//! on the low word alone and then applies them to the full numbers as one
//! 2×2 matrix (1.4–1.6 µs, gnark-crypto's speed). Variable time, like arkworks' binary Euclid it replaces, is fine
//! here: the inputs are derived from public blob data and public points.
//!
//! Numbers are five signed 62-bit limbs, so a limb product and its carries
//! fit an `i128`.

use ark_bn254::{Fq, Fq2};
use ark_ff::{BigInt, Field, PrimeField, Zero};

/// A field whose inversion is faster here than arkworks' `Field::inverse`.
/// Variable time: its running time depends on the value, so it is not for
/// secrets (everything this crate inverts is public).
pub trait FastInverse: Field {
    /// `1 / self`; `None` for zero.
    fn fast_inverse(&self) -> Option<Self>;
}

impl FastInverse for Fq {
    fn fast_inverse(&self) -> Option<Self> {
        if self.is_zero() {
            return None;
        }
        let inverse = invert_mod_p(&self.into_bigint().0);
        Fq::from_bigint(BigInt(inverse))
    }
}

impl FastInverse for Fq2 {
    /// `(c0 + c1·u)⁻¹ = (c0 − c1·u) / (c0² + c1²)`, as `u² = −1`.
    fn fast_inverse(&self) -> Option<Self> {
        let norm_inverse = (self.c0.square() + self.c1.square()).fast_inverse()?;
        Some(Fq2::new(self.c0 * norm_inverse, -(self.c1 * norm_inverse)))
    }
}

const LOW_62: u64 = u64::MAX >> 2;

/// A number in five signed 62-bit limbs, least significant first; the top
/// limb carries the sign.
type Signed62 = [i64; 5];

/// Fq's modulus `p` in 62-bit limbs.
const P: Signed62 = to_signed62(&<Fq as PrimeField>::MODULUS.0);

/// `p⁻¹ mod 2^62`.
const P_INV_62: u64 = {
    // Newton's iteration doubles the correct low bits; an odd `p` is its own
    // inverse mod 8.
    let p = <Fq as PrimeField>::MODULUS.0[0];
    let mut inverse = p;
    let mut i = 0;
    while i < 5 {
        inverse = inverse.wrapping_mul(2u64.wrapping_sub(p.wrapping_mul(inverse)));
        i += 1;
    }
    inverse & LOW_62
};

const fn to_signed62(x: &[u64; 4]) -> Signed62 {
    [
        (x[0] & LOW_62) as i64,
        ((x[0] >> 62 | x[1] << 2) & LOW_62) as i64,
        ((x[1] >> 60 | x[2] << 4) & LOW_62) as i64,
        ((x[2] >> 58 | x[3] << 6) & LOW_62) as i64,
        (x[3] >> 56) as i64,
    ]
}

/// For limbs in `[0, 2^62)` and a value below 2^256.
fn from_signed62(a: &Signed62) -> [u64; 4] {
    let a = a.map(|limb| limb as u64);
    [
        a[0] | a[1] << 62,
        a[1] >> 2 | a[2] << 60,
        a[2] >> 4 | a[3] << 58,
        a[3] >> 6 | a[4] << 56,
    ]
}

/// The 2×2 matrix of 62 division steps, scaled by 2^62:
/// `[f', g'] = [u v; q r] · [f, g] / 2^62`.
struct Steps {
    u: i64,
    v: i64,
    q: i64,
    r: i64,
}

/// `x⁻¹ mod p` for `0 < x < p` (canonical limbs in, canonical limbs out).
fn invert_mod_p(x: &[u64; 4]) -> [u64; 4] {
    // Invariants, mod p: d·x = f and e·x = g. f starts at p and g at x;
    // when g reaches 0, f = ±gcd = ±1, so d = ±x⁻¹.
    let mut d: Signed62 = [0; 5];
    let mut e: Signed62 = [1, 0, 0, 0, 0];
    let mut f = P;
    let mut g = to_signed62(x);
    // Limbs of f and g still in use: both shrink by ~62 bits every few rounds.
    let mut len = 5;
    // η = −δ of the division steps; δ starts at 1.
    let mut eta = -1;
    loop {
        let steps;
        (eta, steps) = divsteps_62(eta, f[0] as u64, g[0] as u64);
        update_de(&mut d, &mut e, &steps);
        update_fg(&mut f[..len], &mut g[..len], &steps);
        if g[..len].iter().all(|&limb| limb == 0) {
            break;
        }
        let (f_top, g_top) = (f[len - 1], g[len - 1]);
        // Both top limbs only sign (0 or −1): fold them into the limb below.
        if len > 1 && f_top == f_top >> 63 && g_top == g_top >> 63 {
            f[len - 2] |= ((f_top as u64) << 62) as i64;
            g[len - 2] |= ((g_top as u64) << 62) as i64;
            len -= 1;
        }
    }
    normalize(&mut d, f[len - 1] < 0);
    from_signed62(&d)
}

/// 62 division steps on the low words of `f` (odd) and `g`, several at a
/// time: a run of zero bits of `g` is one shift, and each odd `g` is
/// cleared of up to 4 or 6 low bits at once by adding a multiple of `f`.
fn divsteps_62(mut eta: i64, f0: u64, g0: u64) -> (i64, Steps) {
    let (mut u, mut v, mut q, mut r) = (1u64, 0u64, 0u64, 1u64);
    let (mut f, mut g) = (f0, g0);
    let mut left: u32 = 62;
    loop {
        // A sentinel bit stops the count at the steps left.
        let zeros = (g | (u64::MAX << left)).trailing_zeros();
        g >>= zeros;
        u <<= zeros;
        v <<= zeros;
        eta -= i64::from(zeros);
        left -= zeros;
        if left == 0 {
            break;
        }
        // No more bits than the steps left can be cleared, nor more than
        // η + 1 (the step after that swaps again).
        let limit = u32::try_from(eta.unsigned_abs() + 1).map_or(left, |l| l.min(left));
        let w = if eta < 0 {
            eta = -eta;
            (f, g) = (g, f.wrapping_neg());
            (u, q) = (q, u.wrapping_neg());
            (v, r) = (r, v.wrapping_neg());
            let mask = (u64::MAX >> (64 - limit)) & 63;
            // −g/f mod 64: f·(f² − 2) is f⁻¹ mod 64 up to sign.
            f.wrapping_mul(g)
                .wrapping_mul(f.wrapping_mul(f).wrapping_sub(2))
                & mask
        } else {
            let mask = (u64::MAX >> (64 - limit)) & 15;
            // f + ((f + 1) & 4)·2 is −f⁻¹ mod 16.
            let f_inverse = f.wrapping_add((f.wrapping_add(1) & 4) << 1);
            f_inverse.wrapping_neg().wrapping_mul(g) & mask
        };
        g = g.wrapping_add(f.wrapping_mul(w));
        q = q.wrapping_add(u.wrapping_mul(w));
        r = r.wrapping_add(v.wrapping_mul(w));
    }
    let steps = Steps {
        u: u as i64,
        v: v as i64,
        q: q as i64,
        r: r as i64,
    };
    (eta, steps)
}

/// `[d, e] ← [u v; q r] · [d, e] / 2^62 (mod p)`: a multiple of `p` is
/// added to each so the division is exact; `d` and `e` stay in `(−2p, p)`.
fn update_de(d: &mut Signed62, e: &mut Signed62, t: &Steps) {
    let (u, v, q, r) = (
        i128::from(t.u),
        i128::from(t.v),
        i128::from(t.q),
        i128::from(t.r),
    );
    // Start from the multiples that make negative inputs non-negative.
    let (d_sign, e_sign) = (d[4] >> 63, e[4] >> 63);
    let mut md = (t.u & d_sign) + (t.v & e_sign);
    let mut me = (t.q & d_sign) + (t.r & e_sign);
    let mut cd = u * i128::from(d[0]) + v * i128::from(e[0]);
    let mut ce = q * i128::from(d[0]) + r * i128::from(e[0]);
    // Adjust them so the low 62 bits cancel.
    md -= (P_INV_62.wrapping_mul(cd as u64).wrapping_add(md as u64) & LOW_62) as i64;
    me -= (P_INV_62.wrapping_mul(ce as u64).wrapping_add(me as u64) & LOW_62) as i64;
    cd += i128::from(P[0]) * i128::from(md);
    ce += i128::from(P[0]) * i128::from(me);
    debug_assert!(cd as u64 & LOW_62 == 0 && ce as u64 & LOW_62 == 0);
    cd >>= 62;
    ce >>= 62;
    for k in 1..5 {
        cd += u * i128::from(d[k]) + v * i128::from(e[k]) + i128::from(P[k]) * i128::from(md);
        ce += q * i128::from(d[k]) + r * i128::from(e[k]) + i128::from(P[k]) * i128::from(me);
        d[k - 1] = (cd as u64 & LOW_62) as i64;
        e[k - 1] = (ce as u64 & LOW_62) as i64;
        cd >>= 62;
        ce >>= 62;
    }
    d[4] = cd as i64;
    e[4] = ce as i64;
}

/// `[f, g] ← [u v; q r] · [f, g] / 2^62` (exact) over the limbs in use.
fn update_fg(f: &mut [i64], g: &mut [i64], t: &Steps) {
    let (u, v, q, r) = (
        i128::from(t.u),
        i128::from(t.v),
        i128::from(t.q),
        i128::from(t.r),
    );
    let mut cf = u * i128::from(f[0]) + v * i128::from(g[0]);
    let mut cg = q * i128::from(f[0]) + r * i128::from(g[0]);
    debug_assert!(cf as u64 & LOW_62 == 0 && cg as u64 & LOW_62 == 0);
    cf >>= 62;
    cg >>= 62;
    let len = f.len();
    for k in 1..len {
        cf += u * i128::from(f[k]) + v * i128::from(g[k]);
        cg += q * i128::from(f[k]) + r * i128::from(g[k]);
        f[k - 1] = (cf as u64 & LOW_62) as i64;
        g[k - 1] = (cg as u64 & LOW_62) as i64;
        cf >>= 62;
        cg >>= 62;
    }
    f[len - 1] = cf as i64;
    g[len - 1] = cg as i64;
}

/// Brings `d` from `(−2p, p)` to `[0, p)`, negated first if `negate`, with
/// every limb in `[0, 2^62)`.
fn normalize(d: &mut Signed62, negate: bool) {
    let add_p_if_negative = |d: &mut Signed62| {
        if d[4] < 0 {
            for (limb, p) in d.iter_mut().zip(P) {
                *limb += p;
            }
        }
    };
    let carry = |d: &mut Signed62| {
        for k in 0..4 {
            d[k + 1] += d[k] >> 62;
            d[k] &= LOW_62 as i64;
        }
    };
    add_p_if_negative(d);
    if negate {
        for limb in d.iter_mut() {
            *limb = -*limb;
        }
    }
    carry(d);
    add_p_if_negative(d);
    carry(d);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{One, UniformRand};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn fq_inverse_matches_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let p_minus = |k: u64| -Fq::from(k);
        let mut values: Vec<Fq> = (0..20_000).map(|_| Fq::rand(&mut rng)).collect();
        values.extend((1..=64).map(Fq::from));
        values.extend((1..=64).map(p_minus));
        values.extend((0..254).map(|k| Fq::from(2u64).pow([k])));
        values.extend((0..254).map(|k| -Fq::from(2u64).pow([k])));
        // Limb patterns: all ones below 2^k, and single limbs.
        values.extend((1..254).map(|k| Fq::from(2u64).pow([k]) - Fq::one()));
        for limb in 0..4 {
            let mut raw = [0u64; 4];
            raw[limb] = u64::MAX;
            values.extend(Fq::from_bigint(BigInt(raw)));
        }
        for x in values {
            assert_eq!(x.fast_inverse(), x.inverse(), "{x}");
        }
        assert_eq!(Fq::zero().fast_inverse(), None);
    }

    #[test]
    fn fq2_inverse_matches_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let mut values: Vec<Fq2> = (0..2_000).map(|_| Fq2::rand(&mut rng)).collect();
        values.push(Fq2::new(Fq::zero(), Fq::one()));
        values.push(Fq2::new(Fq::one(), Fq::zero()));
        values.push(Fq2::new(Fq::rand(&mut rng), Fq::zero()));
        values.push(Fq2::new(Fq::zero(), -Fq::rand(&mut rng)));
        for x in values {
            assert_eq!(x.fast_inverse(), x.inverse(), "{x}");
        }
        assert_eq!(Fq2::zero().fast_inverse(), None);
    }
}
