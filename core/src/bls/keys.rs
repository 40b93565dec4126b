//! BLS secret keys, public keys and operator ids.

use std::fmt;
use std::str::FromStr;

use alloy_primitives::{U256, keccak256};
use ark_bn254::{Bn254, Fr, G1Affine, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField, UniformRand, Zero};
use rand::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::hash_to_curve::hash_to_g1;
use super::signature::Signature;
use crate::abi::{fp_to_u256, fr_from_u256};
use crate::error::BlsError;
use crate::types::OperatorId;

/// A BLS secret key: a nonzero scalar of BN254's group order `r`.
///
/// `Debug` never prints the scalar, and the scalar is overwritten with zeros when the key is
/// dropped ([`ZeroizeOnDrop`]). Copies taken out with [`SecretKey::scalar`] or
/// [`SecretKey::to_be_bytes`] are plain values the caller must not keep.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(Fr);

impl SecretKey {
    /// A uniformly random key from `rng` (use `rand::rngs::OsRng` outside tests).
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        loop {
            let s = Fr::rand(rng);
            if !s.is_zero() {
                return Self(s);
            }
        }
    }

    /// A fresh key from the operating system's RNG.
    pub fn generate() -> Self {
        Self::random(&mut rand::rngs::OsRng)
    }

    /// The key from its 32-byte big-endian encoding; must be in `[1, r)`.
    pub fn from_be_bytes(bytes: &[u8; 32]) -> Result<Self, BlsError> {
        let s =
            fr_from_u256(U256::from_be_bytes(*bytes)).map_err(|_| BlsError::InvalidSecretKey)?;
        Self::from_scalar(s)
    }

    /// The key from a scalar; must be nonzero.
    pub fn from_scalar(s: Fr) -> Result<Self, BlsError> {
        if s.is_zero() {
            Err(BlsError::InvalidSecretKey)
        } else {
            Ok(Self(s))
        }
    }

    /// 32-byte big-endian encoding (what the keystore encrypts).
    pub fn to_be_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        // The intermediate Vec holds the secret: wiped when dropped.
        let bytes = Zeroizing::new(self.0.into_bigint().to_bytes_be());
        out.copy_from_slice(&bytes);
        out
    }

    /// The scalar.
    pub fn scalar(&self) -> Fr {
        self.0
    }

    /// `sk · G1`.
    pub fn public_g1(&self) -> G1Affine {
        (G1Affine::generator() * self.0).into_affine()
    }

    /// `sk · G2`.
    pub fn public_g2(&self) -> G2Affine {
        (G2Affine::generator() * self.0).into_affine()
    }

    /// The operator id of this key's G1 public key.
    pub fn operator_id(&self) -> OperatorId {
        operator_id(&self.public_g1())
    }

    /// `σ = sk · hashToG1(message)`.
    pub fn sign(&self, message: alloy_primitives::B256) -> Signature {
        Signature::from_point((hash_to_g1(message) * self.0).into_affine())
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for SecretKey {}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl FromStr for SecretKey {
    type Err = BlsError;

    /// Parses a decimal number (as eigensdk's `NewPrivateKey` and its test data
    /// write keys) or `0x`-prefixed hex; must be in `[1, r)`.
    fn from_str(s: &str) -> Result<Self, BlsError> {
        let s = s.trim();
        let value = match s.strip_prefix("0x") {
            Some(hex) => U256::from_str_radix(hex, 16),
            None => U256::from_str_radix(s, 10),
        }
        .map_err(|e| BlsError::SecretKeyFormat {
            reason: e.to_string(),
        })?;
        Self::from_be_bytes(&value.to_be_bytes())
    }
}

/// `keccak256(X ‖ Y)` with 32-byte big-endian coordinates: `BN254.hashG1Point`, the
/// operator id and pubkey hash of the registries. (eigensdk-go's `GetOperatorID`
/// drops leading zero bytes of each coordinate; the contract does not, and the
/// contract is what counts.)
pub fn operator_id(pubkey_g1: &G1Affine) -> OperatorId {
    let mut buf = [0u8; 64];
    if let Some((x, y)) = pubkey_g1.xy() {
        buf[..32].copy_from_slice(&fp_to_u256(&x).to_be_bytes::<32>());
        buf[32..].copy_from_slice(&fp_to_u256(&y).to_be_bytes::<32>());
    }
    OperatorId(keccak256(buf).0)
}

/// Whether a G1 and a G2 key share a discrete log: `e(pk_G1, G2) = e(G1, pk_G2)`.
pub fn g1_g2_keys_match(pubkey_g1: &G1Affine, pubkey_g2: &G2Affine) -> bool {
    let lhs = [*pubkey_g1, -G1Affine::generator()];
    let rhs = [G2Affine::generator(), *pubkey_g2];
    Bn254::multi_pairing(lhs, rhs).is_zero()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn bytes_and_strings_round_trip() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let sk = SecretKey::random(&mut rng);
        assert_eq!(SecretKey::from_be_bytes(&sk.to_be_bytes()), Ok(sk.clone()));
        let dec = U256::from_be_bytes(sk.to_be_bytes()).to_string();
        assert_eq!(dec.parse::<SecretKey>(), Ok(sk.clone()));
        let hex = format!("0x{}", hex::encode(sk.to_be_bytes()));
        assert_eq!(hex.parse::<SecretKey>(), Ok(sk.clone()));
        assert_eq!(format!("{sk:?}"), "SecretKey(<redacted>)");
    }

    #[test]
    fn invalid_keys_are_rejected() {
        assert_eq!(
            SecretKey::from_be_bytes(&[0; 32]),
            Err(BlsError::InvalidSecretKey)
        );
        assert_eq!(
            SecretKey::from_be_bytes(&[0xff; 32]),
            Err(BlsError::InvalidSecretKey)
        );
        let r = U256::from_limbs(Fr::MODULUS.0);
        assert_eq!(
            SecretKey::from_be_bytes(&r.to_be_bytes()),
            Err(BlsError::InvalidSecretKey)
        );
        assert!(matches!(
            "12x".parse::<SecretKey>(),
            Err(BlsError::SecretKeyFormat { .. })
        ));
    }

    #[test]
    fn operator_id_is_hash_of_padded_words() {
        // The generator (1, 2): keccak(uint256(1) ‖ uint256(2)).
        let mut buf = [0u8; 64];
        buf[31] = 1;
        buf[63] = 2;
        assert_eq!(operator_id(&G1Affine::generator()).0, keccak256(buf).0);
        // Infinity hashes 64 zero bytes: the registry's ZERO_PK_HASH.
        assert_eq!(operator_id(&G1Affine::zero()).0, keccak256([0u8; 64]).0);
    }

    /// The key wipes its scalar when dropped: a type-level check (memory after a drop cannot be
    /// inspected from safe Rust), plus the wipe itself on a scalar.
    #[test]
    fn secret_key_is_zeroized_on_drop() {
        fn wiped_on_drop<T: ZeroizeOnDrop>() {}
        wiped_on_drop::<SecretKey>();
        let mut s = SecretKey::random(&mut ChaCha20Rng::seed_from_u64(3)).scalar();
        s.zeroize();
        assert!(
            s.is_zero(),
            "Fr's Zeroize (what Drop calls) sets the scalar to zero"
        );
    }

    #[test]
    fn g1_and_g2_keys_match_only_for_the_same_scalar() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let a = SecretKey::random(&mut rng);
        let b = SecretKey::random(&mut rng);
        assert!(g1_g2_keys_match(&a.public_g1(), &a.public_g2()));
        assert!(!g1_g2_keys_match(&a.public_g1(), &b.public_g2()));
    }
}
