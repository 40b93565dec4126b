//! geth keystore v3 `crypto` section: scrypt + AES-128-CTR + keccak MAC.

use aes::Aes128;
use alloy_primitives::keccak256;
use ctr::Ctr128BE;
use ctr::cipher::{KeyIvInit, StreamCipher};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::error::KeystoreError;

/// Largest scrypt memory (`128 · r · n` bytes) a file may demand: 1 GiB. A hostile file
/// could otherwise make decryption allocate without bound.
const MAX_SCRYPT_MEMORY: u64 = 1 << 30;

/// scrypt cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScryptParams {
    /// `log2(n)`.
    pub log_n: u8,
    /// Block size.
    pub r: u32,
    /// Parallelism.
    pub p: u32,
}

impl ScryptParams {
    /// geth's `StandardScryptN`/`StandardScryptP`, which eigensdk uses: n = 2^18, r = 8, p = 1
    /// (256 MiB, about a second).
    pub const STANDARD: Self = Self {
        log_n: 18,
        r: 8,
        p: 1,
    };
    /// n = 2^10, r = 8, p = 1: fast and weak, for tests only.
    pub const TEST: Self = Self {
        log_n: 10,
        r: 8,
        p: 1,
    };
}

/// `cipherparams`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CipherParams {
    /// 16-byte AES-CTR initial counter, hex.
    pub iv: String,
}

/// `kdfparams` for scrypt (geth writes the keys sorted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Derived key length: 32.
    pub dklen: usize,
    /// Cost, a power of two.
    pub n: u64,
    /// Parallelism.
    pub p: u32,
    /// Block size.
    pub r: u32,
    /// Salt, hex.
    pub salt: String,
}

/// The `crypto` object of a v3 keystore.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CryptoJson {
    /// `aes-128-ctr`.
    pub cipher: String,
    /// Encrypted secret, hex.
    pub ciphertext: String,
    /// Cipher parameters.
    pub cipherparams: CipherParams,
    /// `scrypt`.
    pub kdf: String,
    /// KDF parameters.
    pub kdfparams: KdfParams,
    /// `keccak256(dk[16..32] ‖ ciphertext)`, hex.
    pub mac: String,
}

fn derive_key(
    password: &str,
    salt: &[u8],
    log_n: u8,
    r: u32,
    p: u32,
) -> Result<[u8; 32], KeystoreError> {
    let invalid = || KeystoreError::InvalidKdfParams {
        n: 1u64 << log_n.min(63),
        r,
        p,
        dklen: 32,
    };
    let params = scrypt::Params::new(log_n, r, p, 32).map_err(|_| invalid())?;
    let mut dk = [0u8; 32];
    scrypt::scrypt(password.as_bytes(), salt, &params, &mut dk).map_err(|_| invalid())?;
    Ok(dk)
}

fn mac(dk: &[u8; 32], ciphertext: &[u8]) -> [u8; 32] {
    let mut buf = Vec::with_capacity(16 + ciphertext.len());
    buf.extend_from_slice(&dk[16..]);
    buf.extend_from_slice(ciphertext);
    keccak256(buf).0
}

fn apply_ctr(dk: &[u8; 32], iv: &[u8; 16], data: &mut [u8]) {
    let mut cipher = Ctr128BE::<Aes128>::new(dk[..16].into(), iv.into());
    cipher.apply_keystream(data);
}

fn unhex<const N: usize>(field: &'static str, s: &str) -> Result<[u8; N], KeystoreError> {
    let mut out = [0u8; N];
    hex::decode_to_slice(s.strip_prefix("0x").unwrap_or(s), &mut out)
        .map_err(|_| KeystoreError::Hex { field })?;
    Ok(out)
}

impl CryptoJson {
    /// Encrypts `secret` under `password` with fresh salt and IV from `rng`.
    pub fn encrypt<R: RngCore + CryptoRng>(
        secret: &[u8],
        password: &str,
        params: ScryptParams,
        rng: &mut R,
    ) -> Result<Self, KeystoreError> {
        let mut salt = [0u8; 32];
        let mut iv = [0u8; 16];
        rng.fill_bytes(&mut salt);
        rng.fill_bytes(&mut iv);
        let dk = derive_key(password, &salt, params.log_n, params.r, params.p)?;
        let mut ciphertext = secret.to_vec();
        apply_ctr(&dk, &iv, &mut ciphertext);
        Ok(Self {
            cipher: "aes-128-ctr".into(),
            mac: hex::encode(mac(&dk, &ciphertext)),
            ciphertext: hex::encode(ciphertext),
            cipherparams: CipherParams {
                iv: hex::encode(iv),
            },
            kdf: "scrypt".into(),
            kdfparams: KdfParams {
                dklen: 32,
                n: 1u64 << params.log_n,
                p: params.p,
                r: params.r,
                salt: hex::encode(salt),
            },
        })
    }

    /// Decrypts the secret; a MAC mismatch is [`KeystoreError::WrongPassword`].
    pub fn decrypt(&self, password: &str) -> Result<Vec<u8>, KeystoreError> {
        if self.cipher != "aes-128-ctr" {
            return Err(KeystoreError::UnsupportedCipher(self.cipher.clone()));
        }
        if self.kdf != "scrypt" {
            return Err(KeystoreError::UnsupportedKdf(self.kdf.clone()));
        }
        let KdfParams {
            dklen,
            n,
            p,
            r,
            ref salt,
        } = self.kdfparams;
        let memory = 128u64.saturating_mul(u64::from(r)).saturating_mul(n);
        if dklen != 32 || !n.is_power_of_two() || n < 2 || memory > MAX_SCRYPT_MEMORY {
            return Err(KeystoreError::InvalidKdfParams { n, r, p, dklen });
        }
        let salt = hex::decode(salt.strip_prefix("0x").unwrap_or(salt)).map_err(|_| {
            KeystoreError::Hex {
                field: "kdfparams.salt",
            }
        })?;
        let iv: [u8; 16] = unhex("cipherparams.iv", &self.cipherparams.iv)?;
        let expected_mac: [u8; 32] = unhex("mac", &self.mac)?;
        let mut data = hex::decode(
            self.ciphertext
                .strip_prefix("0x")
                .unwrap_or(&self.ciphertext),
        )
        .map_err(|_| KeystoreError::Hex {
            field: "ciphertext",
        })?;
        // n is a power of two below 2^30 here, so its log fits a u8.
        let log_n = u8::try_from(n.trailing_zeros())
            .map_err(|_| KeystoreError::InvalidKdfParams { n, r, p, dklen })?;
        let dk = derive_key(password, &salt, log_n, r, p)?;
        if mac(&dk, &data) != expected_mac {
            return Err(KeystoreError::WrongPassword);
        }
        apply_ctr(&dk, &iv, &mut data);
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn round_trip_and_wrong_password() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let secret = [7u8; 32];
        let c = CryptoJson::encrypt(&secret, "pw", ScryptParams::TEST, &mut rng).expect("encrypts");
        assert_eq!(c.kdfparams.n, 1024);
        assert_eq!(c.decrypt("pw").expect("decrypts"), secret);
        assert!(matches!(c.decrypt("pW"), Err(KeystoreError::WrongPassword)));
    }

    #[test]
    fn hostile_parameters_are_rejected() {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let good =
            CryptoJson::encrypt(&[1; 32], "pw", ScryptParams::TEST, &mut rng).expect("encrypts");
        let mut c = good.clone();
        c.kdfparams.n = 1 << 40;
        assert!(matches!(
            c.decrypt("pw"),
            Err(KeystoreError::InvalidKdfParams { .. })
        ));
        let mut c = good.clone();
        c.kdfparams.n = 1000;
        assert!(matches!(
            c.decrypt("pw"),
            Err(KeystoreError::InvalidKdfParams { .. })
        ));
        let mut c = good.clone();
        c.kdf = "pbkdf2".into();
        assert!(matches!(
            c.decrypt("pw"),
            Err(KeystoreError::UnsupportedKdf(_))
        ));
        let mut c = good.clone();
        c.cipher = "aes-128-cbc".into();
        assert!(matches!(
            c.decrypt("pw"),
            Err(KeystoreError::UnsupportedCipher(_))
        ));
        let mut c = good;
        c.mac = "zz".into();
        assert!(matches!(
            c.decrypt("pw"),
            Err(KeystoreError::Hex { field: "mac" })
        ));
    }
}
