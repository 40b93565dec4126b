//! geth keystore v3 `crypto` section: scrypt + AES-128-CTR + keccak MAC.

use aes::Aes128;
use alloy_primitives::keccak256;
use ctr::Ctr128BE;
use ctr::cipher::{KeyIvInit, StreamCipher};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::KeystoreError;

/// Largest `log2(n)` a key file may ask for: 2^20, four times geth's and eigensdk's standard
/// 2^18. The limits below are checked before scrypt runs, so a crafted key file costs at most
/// about four times a standard unlock (roughly 1 GiB and a few seconds) instead of minutes or
/// an allocation failure.
pub const MAX_SCRYPT_LOG_N: u8 = 20;
/// Largest scrypt block size `r` a key file may ask for (every known tool writes 8).
pub const MAX_SCRYPT_R: u32 = 32;
/// Largest scrypt parallelism `p` a key file may ask for (every known tool writes 1).
pub const MAX_SCRYPT_P: u32 = 16;
/// Largest scrypt cost `128 · n · r · p` in bytes: 1 GiB. This bounds both the memory
/// (`128 · r · n` for the ROMix table, `128 · r · p` for the blocks) and the work, which is
/// proportional to `n · r · p`.
pub const MAX_SCRYPT_COST_BYTES: u64 = 1 << 30;

/// Refuses scrypt parameters above the limits (typed [`KeystoreError::KdfParamsTooCostly`]) or
/// malformed (`n` not a power of two of at least 2, `r` or `p` zero, `dklen` not 32:
/// [`KeystoreError::InvalidKdfParams`]), before any scrypt work. Returns `log2(n)`.
fn check_kdf_params(n: u64, r: u32, p: u32, dklen: usize) -> Result<u8, KeystoreError> {
    if dklen != 32 || !n.is_power_of_two() || n < 2 || r == 0 || p == 0 {
        return Err(KeystoreError::InvalidKdfParams { n, r, p, dklen });
    }
    let cost = 128u64
        .saturating_mul(n)
        .saturating_mul(u64::from(r))
        .saturating_mul(u64::from(p));
    let log_n = n.trailing_zeros();
    if log_n > u32::from(MAX_SCRYPT_LOG_N)
        || r > MAX_SCRYPT_R
        || p > MAX_SCRYPT_P
        || cost > MAX_SCRYPT_COST_BYTES
    {
        return Err(KeystoreError::KdfParamsTooCostly {
            n,
            r,
            p,
            max_log_n: MAX_SCRYPT_LOG_N,
            max_r: MAX_SCRYPT_R,
            max_p: MAX_SCRYPT_P,
            max_cost_bytes: MAX_SCRYPT_COST_BYTES,
        });
    }
    // log_n <= MAX_SCRYPT_LOG_N (20) here, so it fits a u8.
    u8::try_from(log_n).map_err(|_| KeystoreError::InvalidKdfParams { n, r, p, dklen })
}

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

/// scrypt's 32-byte derived key; wiped when dropped (its first half is the AES key).
fn derive_key(
    password: &str,
    salt: &[u8],
    log_n: u8,
    r: u32,
    p: u32,
) -> Result<Zeroizing<[u8; 32]>, KeystoreError> {
    let invalid = || KeystoreError::InvalidKdfParams {
        n: 1u64 << log_n.min(63),
        r,
        p,
        dklen: 32,
    };
    let params = scrypt::Params::new(log_n, r, p, 32).map_err(|_| invalid())?;
    let mut dk = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password.as_bytes(), salt, &params, dk.as_mut()).map_err(|_| invalid())?;
    Ok(dk)
}

fn mac(dk: &[u8; 32], ciphertext: &[u8]) -> [u8; 32] {
    // Holds half the derived key: wiped after hashing.
    let mut buf = Zeroizing::new(Vec::with_capacity(16 + ciphertext.len()));
    buf.extend_from_slice(&dk[16..]);
    buf.extend_from_slice(ciphertext);
    keccak256(buf.as_slice()).0
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
        check_kdf_params(1u64 << params.log_n.min(63), params.r, params.p, 32)?;
        let mut salt = [0u8; 32];
        let mut iv = [0u8; 16];
        rng.fill_bytes(&mut salt);
        rng.fill_bytes(&mut iv);
        let dk = derive_key(password, &salt, params.log_n, params.r, params.p)?;
        let mut ciphertext = secret.to_vec();
        apply_ctr(&dk, &iv, &mut ciphertext);
        // `ciphertext` held the plaintext until the line above; it is ciphertext from here on.
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

    /// Decrypts the secret; a MAC mismatch is [`KeystoreError::WrongPassword`]. Scrypt parameters
    /// above the documented limits ([`MAX_SCRYPT_LOG_N`], [`MAX_SCRYPT_R`], [`MAX_SCRYPT_P`],
    /// [`MAX_SCRYPT_COST_BYTES`]) are refused before scrypt runs. The plaintext is wiped when the
    /// returned buffer is dropped.
    pub fn decrypt(&self, password: &str) -> Result<Zeroizing<Vec<u8>>, KeystoreError> {
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
        let log_n = check_kdf_params(n, r, p, dklen)?;
        let salt = hex::decode(salt.strip_prefix("0x").unwrap_or(salt)).map_err(|_| {
            KeystoreError::Hex {
                field: "kdfparams.salt",
            }
        })?;
        let iv: [u8; 16] = unhex("cipherparams.iv", &self.cipherparams.iv)?;
        let expected_mac: [u8; 32] = unhex("mac", &self.mac)?;
        let mut data = Zeroizing::new(
            hex::decode(
                self.ciphertext
                    .strip_prefix("0x")
                    .unwrap_or(&self.ciphertext),
            )
            .map_err(|_| KeystoreError::Hex {
                field: "ciphertext",
            })?,
        );
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
        assert_eq!(c.decrypt("pw").expect("decrypts").as_slice(), secret);
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
            Err(KeystoreError::KdfParamsTooCostly { .. })
        ));
        let mut c = good.clone();
        c.kdfparams.n = 1000;
        assert!(matches!(
            c.decrypt("pw"),
            Err(KeystoreError::InvalidKdfParams { .. })
        ));
        let mut c = good.clone();
        c.kdfparams.p = 0;
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

    /// Each limit is refused with the typed error before scrypt runs. Without the check, the
    /// first case (p = 2^20 with a small n, which the old memory-only bound let through) makes
    /// scrypt run 2^20 ROMix rounds over a 1 GiB block buffer: minutes of CPU, and the others
    /// allocate up to 2^32 bytes; with it, each answer comes without any scrypt work.
    #[test]
    fn costly_parameters_are_refused_before_scrypt() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let good =
            CryptoJson::encrypt(&[1; 32], "pw", ScryptParams::TEST, &mut rng).expect("encrypts");
        for (n, r, p) in [
            (1u64 << 10, 8u32, 1u32 << 20), // parallelism: minutes of work, 1 GiB of blocks
            (1 << 10, 1 << 20, 1),          // block size
            (1 << 21, 1, 1),                // cost above 2^20
            (1 << 62, 8, 1),                // absurd cost
            (1 << 20, 8, 2),                // each in range, 128*n*r*p = 2 GiB
            (1 << 18, 8, MAX_SCRYPT_P + 1), // parallelism just over
            (1 << 10, MAX_SCRYPT_R + 1, 1), // block size just over
        ] {
            let mut c = good.clone();
            c.kdfparams.n = n;
            c.kdfparams.r = r;
            c.kdfparams.p = p;
            match c.decrypt("pw") {
                Err(KeystoreError::KdfParamsTooCostly {
                    n: got_n,
                    r: got_r,
                    p: got_p,
                    ..
                }) => assert_eq!((got_n, got_r, got_p), (n, r, p)),
                other => panic!("n={n} r={r} p={p}: expected KdfParamsTooCostly, got {other:?}"),
            }
        }
        // The limits themselves are accepted (checked without running scrypt at them).
        assert_eq!(
            check_kdf_params(1 << 20, 8, 1, 32).expect("at the limit"),
            20
        );
        assert_eq!(
            check_kdf_params(1 << 18, 8, 1, 32).expect("geth standard"),
            18
        );
        // Writing refuses what reading would refuse.
        let too_costly = ScryptParams {
            log_n: 21,
            r: 8,
            p: 1,
        };
        assert!(matches!(
            CryptoJson::encrypt(&[1; 32], "pw", too_costly, &mut rng),
            Err(KeystoreError::KdfParamsTooCostly { .. })
        ));
    }

    /// The plaintext and the derived key live in wiping buffers: a type-level check (memory after
    /// a drop cannot be inspected from safe Rust).
    #[test]
    fn plaintext_and_derived_key_are_wiped_on_drop() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>(_: &T) {}
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let c =
            CryptoJson::encrypt(&[3; 32], "pw", ScryptParams::TEST, &mut rng).expect("encrypts");
        let plaintext = c.decrypt("pw").expect("decrypts");
        wiped_on_drop(&plaintext);
        let dk = derive_key("pw", b"salt", 4, 1, 1).expect("derives");
        wiped_on_drop(&dk);
    }
}
