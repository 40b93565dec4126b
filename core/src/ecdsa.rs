//! secp256k1 signatures over 32-byte digests, as Lamina's wire messages carry them.
//!
//! A signature is 65 bytes `r ‖ s ‖ v` with `v` the recovery id (0 or 1, as go-ethereum's
//! `crypto.Sign` makes them; 27 and 28 are accepted too). The digest is signed as it is:
//! no EIP-191 prefix, so a blob key signed by an EigenDA client verifies here. Signatures
//! are low-s normalised on signing and rejected when high-s on recovery, so a signature
//! cannot be malleated into a second valid encoding.

use alloy_primitives::{Address, B256, keccak256};
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};

use crate::keystore::EcdsaKey;

/// Length of a serialised signature: `r ‖ s ‖ v`.
pub const SIGNATURE_BYTES: usize = 65;

/// Why a signature could not be made or does not name a signer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EcdsaError {
    /// The signature is not 65 bytes.
    #[error("signature is {got} bytes, expected 65 (r || s || v)")]
    Length {
        /// Bytes received.
        got: usize,
    },
    /// `v` is none of 0, 1, 27, 28.
    #[error("signature recovery byte v = {v} is not 0, 1, 27 or 28")]
    RecoveryByte {
        /// The last byte.
        v: u8,
    },
    /// `r` or `s` is zero, out of range, or `s` is in the upper half of the order.
    #[error("signature (r, s) is malformed or not low-s: {0}")]
    Malformed(String),
    /// No public key recovers from this signature and digest.
    #[error("no public key recovers from the signature: {0}")]
    Recovery(String),
    /// The secret key cannot sign.
    #[error("the secret key is not a valid secp256k1 scalar: {0}")]
    Key(String),
}

/// Signs `digest` with `key`: 65 bytes `r ‖ s ‖ v`, `v` ∈ {0, 1}, low-s.
pub fn sign_digest(key: &EcdsaKey, digest: B256) -> Result<[u8; SIGNATURE_BYTES], EcdsaError> {
    let signing = SigningKey::from_slice(key.secret_bytes().as_slice())
        .map_err(|e| EcdsaError::Key(e.to_string()))?;
    let (signature, recovery) = signing
        .sign_prehash_recoverable(digest.as_slice())
        .map_err(|e| EcdsaError::Key(e.to_string()))?;
    let mut out = [0u8; SIGNATURE_BYTES];
    out[..64].copy_from_slice(&signature.to_bytes());
    out[64] = recovery.to_byte();
    Ok(out)
}

/// The address whose key signed `digest`, recovered from a 65-byte `r ‖ s ‖ v` signature.
pub fn recover_signer(digest: B256, signature: &[u8]) -> Result<Address, EcdsaError> {
    let bytes: &[u8; SIGNATURE_BYTES] = signature.try_into().map_err(|_| EcdsaError::Length {
        got: signature.len(),
    })?;
    let v = bytes[64];
    let recovery = match v {
        0 | 1 => v,
        27 | 28 => v - 27,
        _ => return Err(EcdsaError::RecoveryByte { v }),
    };
    let recovery = RecoveryId::from_byte(recovery).ok_or(EcdsaError::RecoveryByte { v })?;
    let signature =
        Signature::from_slice(&bytes[..64]).map_err(|e| EcdsaError::Malformed(e.to_string()))?;
    if signature.normalize_s().is_some() {
        return Err(EcdsaError::Malformed(
            "s is in the upper half of the curve order".into(),
        ));
    }
    let key = VerifyingKey::recover_from_prehash(digest.as_slice(), &signature, recovery)
        .map_err(|e| EcdsaError::Recovery(e.to_string()))?;
    let point = key.to_encoded_point(false);
    // Uncompressed SEC1 is 0x04 ‖ X ‖ Y; the address hashes X ‖ Y.
    Ok(Address::from_slice(
        &keccak256(&point.as_bytes()[1..])[12..],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn key() -> EcdsaKey {
        EcdsaKey::random(&mut ChaCha20Rng::seed_from_u64(7))
    }

    #[test]
    fn signature_recovers_the_signer() {
        let key = key();
        let digest = keccak256(b"blob key");
        let signature = sign_digest(&key, digest).expect("signs");
        assert!(signature[64] <= 1);
        assert_eq!(
            recover_signer(digest, &signature).expect("recovers"),
            key.address()
        );
        let mut legacy = signature;
        legacy[64] += 27;
        assert_eq!(
            recover_signer(digest, &legacy).expect("recovers"),
            key.address()
        );
    }

    /// Known answer: anvil's account 0 signing keccak256("lamina") recovers to its address,
    /// and the recovery matches alloy's signer (an independent implementation).
    #[test]
    fn matches_alloy_for_anvil_key_zero() {
        let secret: B256 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
            .parse()
            .expect("literal");
        let key = EcdsaKey::from_bytes(secret).expect("valid key");
        let expected: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
            .parse()
            .expect("literal");
        let digest = keccak256(b"lamina");
        let signature = sign_digest(&key, digest).expect("signs");
        assert_eq!(
            recover_signer(digest, &signature).expect("recovers"),
            expected
        );
    }

    #[test]
    fn wrong_digest_or_bytes_name_another_signer_or_fail() {
        let key = key();
        let digest = keccak256(b"a");
        let signature = sign_digest(&key, digest).expect("signs");
        assert_ne!(
            recover_signer(keccak256(b"b"), &signature).ok(),
            Some(key.address())
        );
        assert_eq!(
            recover_signer(digest, &signature[..64]),
            Err(EcdsaError::Length { got: 64 })
        );
        let mut bad_v = signature;
        bad_v[64] = 5;
        assert_eq!(
            recover_signer(digest, &bad_v),
            Err(EcdsaError::RecoveryByte { v: 5 })
        );
        let mut zero = signature;
        zero[..32].fill(0);
        assert!(matches!(
            recover_signer(digest, &zero),
            Err(EcdsaError::Malformed(_))
        ));
    }

    #[test]
    fn high_s_twin_is_rejected() {
        let key = key();
        let digest = keccak256(b"malleable");
        let signature = sign_digest(&key, digest).expect("signs");
        let low = Signature::from_slice(&signature[..64]).expect("64-byte signature");
        // (r, n - s) with the flipped recovery id is the same signature's malleated twin.
        let (r, s) = low.split_scalars();
        let high = Signature::from_scalars(r, -*s).expect("non-zero scalars");
        let mut twin = [0u8; SIGNATURE_BYTES];
        twin[..64].copy_from_slice(&high.to_bytes());
        twin[64] = signature[64] ^ 1;
        assert!(matches!(
            recover_signer(digest, &twin),
            Err(EcdsaError::Malformed(_))
        ));
    }
}
