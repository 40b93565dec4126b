//! Signatures, verification and aggregation.

use alloy_primitives::{B256, keccak256};
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{PrimeField, Zero};

use super::hash_to_curve::hash_to_g1;
use crate::abi::{g1_to_abi, g2_to_abi};
use crate::error::BlsError;

/// A BLS signature: a point of G1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature(G1Affine);

impl Signature {
    /// Wraps a G1 point (e.g. decoded from the wire).
    pub fn from_point(point: G1Affine) -> Self {
        Self(point)
    }

    /// The G1 point.
    pub fn point(&self) -> G1Affine {
        self.0
    }

    /// Whether this signs `message` under `pubkey_g2`: see [`verify`].
    pub fn verify(&self, pubkey_g2: &G2Affine, message: B256) -> bool {
        verify(pubkey_g2, message, self)
    }

    /// The sum of signatures (a signature under the sum of their keys).
    pub fn aggregate<'a>(
        signatures: impl IntoIterator<Item = &'a Signature>,
    ) -> Result<Signature, BlsError> {
        let mut iter = signatures.into_iter().peekable();
        if iter.peek().is_none() {
            return Err(BlsError::EmptyAggregate { what: "signatures" });
        }
        Ok(Self(iter.map(|s| s.0).sum::<G1Projective>().into_affine()))
    }
}

/// `e(σ, G2) = e(H(m), pk_G2)`, checked as `e(H(m), pk_G2) · e(−σ, G2) = 1` like
/// eigensdk-go's `VerifySig`. A zero key is rejected: it would accept `σ = 0`.
pub fn verify(pubkey_g2: &G2Affine, message: B256, signature: &Signature) -> bool {
    if pubkey_g2.is_zero() {
        return false;
    }
    let lhs = [hash_to_g1(message), -signature.0];
    let rhs = [*pubkey_g2, G2Affine::generator()];
    Bn254::multi_pairing(lhs, rhs).is_zero()
}

/// Sum of G1 points (identity for none): aggregate G1 keys.
pub fn aggregate_g1<'a>(points: impl IntoIterator<Item = &'a G1Affine>) -> G1Affine {
    points
        .into_iter()
        .map(|p| p.into_group())
        .sum::<G1Projective>()
        .into_affine()
}

/// Sum of G2 points (identity for none): aggregate G2 keys.
pub fn aggregate_g2<'a>(points: impl IntoIterator<Item = &'a G2Affine>) -> G2Affine {
    points
        .into_iter()
        .map(|p| p.into_group())
        .sum::<G2Projective>()
        .into_affine()
}

/// `γ = keccak256(abi.encodePacked(msgHash, apk.X, apk.Y, apkG2.X[0], apkG2.X[1],
/// apkG2.Y[0], apkG2.Y[1], sigma.X, sigma.Y)) mod r`, as in
/// `BLSSignatureChecker.trySignatureAndApkVerification`.
pub fn signature_and_apk_gamma(
    message: B256,
    apk_g1: &G1Affine,
    apk_g2: &G2Affine,
    sigma: &G1Affine,
) -> Fr {
    let (apk, apk2, sig) = (g1_to_abi(apk_g1), g2_to_abi(apk_g2), g1_to_abi(sigma));
    let mut buf = Vec::with_capacity(9 * 32);
    buf.extend_from_slice(message.as_slice());
    for word in [
        apk.X, apk.Y, apk2.X[0], apk2.X[1], apk2.Y[0], apk2.Y[1], sig.X, sig.Y,
    ] {
        buf.extend_from_slice(&word.to_be_bytes::<32>());
    }
    Fr::from_be_bytes_mod_order(keccak256(buf).as_slice())
}

/// The contract's combined check that `sigma` signs `message` under `apk_G2` *and*
/// that `apk_G1` and `apk_G2` share a discrete log:
/// `e(σ + γ·apk, −G2) · e(H(m) + γ·G1, apk_G2) = 1`.
pub fn check_signature_and_apk(
    message: B256,
    apk_g1: &G1Affine,
    apk_g2: &G2Affine,
    sigma: &G1Affine,
) -> bool {
    let gamma = signature_and_apk_gamma(message, apk_g1, apk_g2, sigma);
    let left = (*sigma + *apk_g1 * gamma).into_affine();
    let right = (hash_to_g1(message) + G1Affine::generator() * gamma).into_affine();
    Bn254::multi_pairing([left, right], [-G2Affine::generator(), *apk_g2]).is_zero()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bls::SecretKey;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn keys(seed: u64, n: usize) -> Vec<SecretKey> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        (0..n).map(|_| SecretKey::random(&mut rng)).collect()
    }

    #[test]
    fn sign_verify_and_reject() {
        let [a, b] = <[SecretKey; 2]>::try_from(keys(3, 2)).expect("two keys");
        let m = B256::repeat_byte(9);
        let sig = a.sign(m);
        assert!(sig.verify(&a.public_g2(), m));
        assert!(!sig.verify(&b.public_g2(), m));
        assert!(!sig.verify(&a.public_g2(), B256::repeat_byte(8)));
        assert!(!Signature::from_point(G1Affine::zero()).verify(&G2Affine::zero(), m));
        // Naive twin of the pairing equation: e(σ, G2) == e(H(m), pk).
        assert_eq!(
            Bn254::pairing(sig.point(), G2Affine::generator()),
            Bn254::pairing(hash_to_g1(m), a.public_g2())
        );
    }

    #[test]
    fn aggregates_verify_under_aggregate_keys() {
        let sks = keys(4, 5);
        let m = B256::repeat_byte(1);
        let sigs: Vec<Signature> = sks.iter().map(|k| k.sign(m)).collect();
        let agg = Signature::aggregate(&sigs).expect("nonempty");
        let g1s: Vec<G1Affine> = sks.iter().map(SecretKey::public_g1).collect();
        let g2s: Vec<G2Affine> = sks.iter().map(SecretKey::public_g2).collect();
        let (apk1, apk2) = (aggregate_g1(&g1s), aggregate_g2(&g2s));
        assert!(agg.verify(&apk2, m));
        assert!(check_signature_and_apk(m, &apk1, &apk2, &agg.point()));
        // Drop one signer from the G1 key only: the combined check must fail.
        let apk1_missing = aggregate_g1(&g1s[1..]);
        assert!(!check_signature_and_apk(
            m,
            &apk1_missing,
            &apk2,
            &agg.point()
        ));
        // Signature missing a signer fails too.
        let partial = Signature::aggregate(&sigs[1..]).expect("nonempty");
        assert!(!check_signature_and_apk(m, &apk1, &apk2, &partial.point()));
        assert_eq!(
            Signature::aggregate(&[]),
            Err(BlsError::EmptyAggregate { what: "signatures" })
        );
        assert!(aggregate_g1(&[]).is_zero());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        #[test]
        fn random_messages_and_keys(seed in any::<u64>(), msg in any::<[u8; 32]>()) {
            let sk = keys(seed, 1).remove(0);
            let m = B256::from(msg);
            let sig = sk.sign(m);
            prop_assert!(sig.verify(&sk.public_g2(), m));
            prop_assert!(check_signature_and_apk(m, &sk.public_g1(), &sk.public_g2(), &sig.point()));
        }
    }
}
