//! eigensdk-go's BN254 keystore: `{"pubKey": "E([x,y])", "crypto": {...}}`.

use std::path::Path;

use alloy_primitives::U256;
use ark_bn254::{Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::PrimeField;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::v3::{CryptoJson, ScryptParams};
use super::{read_file, write_private_file};
use crate::abi::{G1Point, fp_to_u256, g1_from_abi};
use crate::bls::SecretKey;
use crate::error::KeystoreError;

/// A BLS key file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlsKeystore {
    /// The G1 public key as gnark prints it: `E([x,y])`, decimal; `O` for infinity.
    #[serde(rename = "pubKey")]
    pub pub_key: String,
    /// The encrypted 32-byte big-endian scalar.
    pub crypto: CryptoJson,
}

/// gnark's `G1Affine.String()`.
fn format_g1(p: &G1Affine) -> String {
    match p.xy() {
        Some((x, y)) => format!("E([{},{}])", fp_to_u256(&x), fp_to_u256(&y)),
        None => "O".to_owned(),
    }
}

fn parse_g1(s: &str) -> Result<G1Affine, KeystoreError> {
    let bad = || KeystoreError::PubKeyFormat(s.to_owned());
    let inner = s
        .trim()
        .strip_prefix("E([")
        .and_then(|r| r.strip_suffix("])"))
        .ok_or_else(bad)?;
    let (x, y) = inner.split_once(',').ok_or_else(bad)?;
    let word = |t: &str| U256::from_str_radix(t.trim(), 10).map_err(|_| bad());
    g1_from_abi(&G1Point {
        X: word(x)?,
        Y: word(y)?,
    })
    .map_err(|_| bad())
}

impl BlsKeystore {
    /// Encrypts `key` under `password`.
    pub fn encrypt<R: RngCore + CryptoRng>(
        key: &SecretKey,
        password: &str,
        params: ScryptParams,
        rng: &mut R,
    ) -> Result<Self, KeystoreError> {
        Ok(Self {
            pub_key: format_g1(&key.public_g1()),
            crypto: CryptoJson::encrypt(
                Zeroizing::new(key.to_be_bytes()).as_slice(),
                password,
                params,
                rng,
            )?,
        })
    }

    /// Decrypts the key and checks it against `pubKey`.
    pub fn decrypt(&self, password: &str) -> Result<SecretKey, KeystoreError> {
        let bytes = self.crypto.decrypt(password)?;
        // gnark's `SetBytes` reads big-endian and reduces mod r; do the same.
        let key = SecretKey::from_scalar(Fr::from_be_bytes_mod_order(&bytes))
            .map_err(|e| KeystoreError::InvalidKey(e.to_string()))?;
        if key.public_g1() != self.public_key()? {
            return Err(KeystoreError::PublicKeyMismatch(self.pub_key.clone()));
        }
        Ok(key)
    }

    /// The G1 public key, without the password.
    pub fn public_key(&self) -> Result<G1Affine, KeystoreError> {
        parse_g1(&self.pub_key)
    }
}

/// Writes `key` to `path` (owner-only permissions), encrypted under `password`.
pub fn save_bls_key(
    path: &Path,
    key: &SecretKey,
    password: &str,
    params: ScryptParams,
) -> Result<(), KeystoreError> {
    let file = BlsKeystore::encrypt(key, password, params, &mut rand::rngs::OsRng)?;
    write_private_file(path, &serde_json::to_vec(&file)?)
}

/// Reads and decrypts the BLS key at `path`.
pub fn load_bls_key(path: &Path, password: &str) -> Result<SecretKey, KeystoreError> {
    serde_json::from_slice::<BlsKeystore>(&read_file(path)?)?.decrypt(password)
}

/// Reads the G1 public key of the key file at `path` without decrypting it.
pub fn read_bls_public_key(path: &Path) -> Result<G1Affine, KeystoreError> {
    serde_json::from_slice::<BlsKeystore>(&read_file(path)?)?.public_key()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn eigensdk_known_answer() {
        let file: BlsKeystore =
            serde_json::from_str(include_str!("testdata/eigensdk_1.bls.key.json"))
                .expect("fixture parses");
        let key = file
            .decrypt("f3?T0pFhPFKG=SJ^No0<")
            .expect("fixture password");
        let expected: SecretKey =
            "2695733600625131346122864983303466385927445828993184612262398097053003827945"
                .parse()
                .expect("decimal");
        assert_eq!(key, expected);
        assert_eq!(format_g1(&key.public_g1()), file.pub_key);
    }

    #[test]
    fn file_round_trip_wrong_password_and_public_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys/op.bls.key.json");
        let key = SecretKey::random(&mut ChaCha20Rng::seed_from_u64(8));
        save_bls_key(&path, &key, "correct horse", ScryptParams::TEST).expect("saves");
        assert_eq!(load_bls_key(&path, "correct horse").expect("loads"), key);
        assert!(matches!(
            load_bls_key(&path, "wrong"),
            Err(KeystoreError::WrongPassword)
        ));
        assert_eq!(read_bls_public_key(&path).expect("reads"), key.public_g1());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let text = std::fs::read_to_string(&path).expect("reads");
        assert!(text.starts_with("{\"pubKey\":\"E(["), "{text}");
    }

    #[test]
    fn pubkey_mismatch_and_bad_format() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let a = SecretKey::random(&mut rng);
        let b = SecretKey::random(&mut rng);
        let mut file =
            BlsKeystore::encrypt(&a, "pw", ScryptParams::TEST, &mut rng).expect("encrypts");
        file.pub_key = format_g1(&b.public_g1());
        assert!(matches!(
            file.decrypt("pw"),
            Err(KeystoreError::PublicKeyMismatch(_))
        ));
        file.pub_key = "E([1,3])".into();
        assert!(matches!(
            file.public_key(),
            Err(KeystoreError::PubKeyFormat(_))
        ));
        file.pub_key = "(1,2)".into();
        assert!(matches!(
            file.public_key(),
            Err(KeystoreError::PubKeyFormat(_))
        ));
    }
}
