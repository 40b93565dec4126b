//! geth's v3 ECDSA key file: `{"address", "crypto", "id", "version": 3}`.

use std::path::Path;

use alloy_primitives::{Address, B256, keccak256};
use k256::ecdsa::SigningKey;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::v3::{CryptoJson, ScryptParams};
use super::{read_file, write_private_file};
use crate::error::KeystoreError;

/// A secp256k1 secret key and its Ethereum address.
///
/// The secret is overwritten with zeros when the key is dropped ([`ZeroizeOnDrop`]); the copy
/// [`EcdsaKey::secret_bytes`] returns is a plain value the caller must not keep.
#[derive(Clone, PartialEq, Eq)]
pub struct EcdsaKey {
    secret: B256,
    address: Address,
}

impl EcdsaKey {
    /// The key from its 32 secret bytes; must be a valid secp256k1 scalar.
    pub fn from_bytes(secret: B256) -> Result<Self, KeystoreError> {
        let signing = SigningKey::from_slice(secret.as_slice())
            .map_err(|e| KeystoreError::InvalidKey(e.to_string()))?;
        let point = signing.verifying_key().to_encoded_point(false);
        // Uncompressed SEC1 is 0x04 ‖ X ‖ Y; the address hashes X ‖ Y.
        let address = Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..]);
        Ok(Self { secret, address })
    }

    /// A fresh random key.
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        loop {
            let mut bytes = [0u8; 32];
            rng.fill_bytes(&mut bytes);
            if let Ok(key) = Self::from_bytes(B256::from(bytes)) {
                return key;
            }
        }
    }

    /// The secret bytes (for a signer such as alloy's `PrivateKeySigner::from_bytes`).
    pub fn secret_bytes(&self) -> B256 {
        self.secret
    }

    /// The key's Ethereum address.
    pub fn address(&self) -> Address {
        self.address
    }
}

impl Drop for EcdsaKey {
    fn drop(&mut self) {
        self.secret.0.zeroize();
    }
}

impl ZeroizeOnDrop for EcdsaKey {}

impl std::fmt::Debug for EcdsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EcdsaKey({}, <redacted>)", self.address)
    }
}

/// A geth v3 key file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcdsaKeystore {
    /// Address, 40 hex digits without `0x`.
    pub address: String,
    /// The encrypted 32-byte secret.
    pub crypto: CryptoJson,
    /// A random UUID.
    pub id: String,
    /// Always 3.
    pub version: u32,
}

fn uuid_v4<R: RngCore>(rng: &mut R) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

impl EcdsaKeystore {
    /// Encrypts `key` under `password`.
    pub fn encrypt<R: RngCore + CryptoRng>(
        key: &EcdsaKey,
        password: &str,
        params: ScryptParams,
        rng: &mut R,
    ) -> Result<Self, KeystoreError> {
        Ok(Self {
            address: hex::encode(key.address),
            crypto: CryptoJson::encrypt(key.secret.as_slice(), password, params, rng)?,
            id: uuid_v4(rng),
            version: 3,
        })
    }

    /// Decrypts the key and checks it against `address`.
    pub fn decrypt(&self, password: &str) -> Result<EcdsaKey, KeystoreError> {
        let bytes = self.crypto.decrypt(password)?;
        let secret = B256::try_from(bytes.as_slice())
            .map_err(|_| KeystoreError::InvalidKey(format!("{} bytes", bytes.len())))?;
        let key = EcdsaKey::from_bytes(secret)?;
        if self.address()? != key.address {
            return Err(KeystoreError::AddressMismatch {
                expected: self.address.clone(),
                actual: key.address.to_string(),
            });
        }
        Ok(key)
    }

    /// The address, without the password.
    pub fn address(&self) -> Result<Address, KeystoreError> {
        let s = self.address.strip_prefix("0x").unwrap_or(&self.address);
        let mut out = [0u8; 20];
        hex::decode_to_slice(s, &mut out).map_err(|_| KeystoreError::Hex { field: "address" })?;
        Ok(Address::from(out))
    }
}

/// Writes `key` to `path` (owner-only permissions), encrypted under `password`.
pub fn save_ecdsa_key(
    path: &Path,
    key: &EcdsaKey,
    password: &str,
    params: ScryptParams,
) -> Result<(), KeystoreError> {
    let file = EcdsaKeystore::encrypt(key, password, params, &mut rand::rngs::OsRng)?;
    write_private_file(path, &serde_json::to_vec(&file)?)
}

/// Reads and decrypts the ECDSA key at `path`.
pub fn load_ecdsa_key(path: &Path, password: &str) -> Result<EcdsaKey, KeystoreError> {
    serde_json::from_slice::<EcdsaKeystore>(&read_file(path)?)?.decrypt(password)
}

/// Reads the address of the key file at `path` without decrypting it.
pub fn read_ecdsa_address(path: &Path) -> Result<Address, KeystoreError> {
    serde_json::from_slice::<EcdsaKeystore>(&read_file(path)?)?.address()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, b256};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn address_of_anvil_key_zero() {
        // anvil/hardhat's first account.
        let key = EcdsaKey::from_bytes(b256!(
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
        ))
        .expect("valid");
        assert_eq!(
            key.address(),
            address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        );
    }

    /// Type-level check that the key wipes its secret on drop (memory after a drop cannot be
    /// inspected from safe Rust).
    #[test]
    fn ecdsa_key_is_zeroized_on_drop() {
        fn wiped_on_drop<T: ZeroizeOnDrop>() {}
        wiped_on_drop::<EcdsaKey>();
    }

    #[test]
    fn eigensdk_known_answer() {
        let file: EcdsaKeystore =
            serde_json::from_str(include_str!("testdata/eigensdk_1.ecdsa.key.json"))
                .expect("fixture parses");
        let key = file
            .decrypt("TV/2%P?|_l[Dr*]Q8^d+")
            .expect("fixture password");
        assert_eq!(
            key.secret_bytes(),
            b256!("0x64540125e6bf2ade614af37e7c644eb0c75ad1e64e54f84843bce49cd164dcbb")
        );
        assert_eq!(
            key.address(),
            address!("0x36cacfc85697f462fd755995d2b689f458a0db64")
        );
    }

    #[test]
    fn file_round_trip_and_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("op.ecdsa.key.json");
        let mut rng = ChaCha20Rng::seed_from_u64(10);
        let key = EcdsaKey::random(&mut rng);
        save_ecdsa_key(&path, &key, "pw", ScryptParams::TEST).expect("saves");
        assert_eq!(load_ecdsa_key(&path, "pw").expect("loads"), key);
        assert_eq!(read_ecdsa_address(&path).expect("reads"), key.address());
        assert!(matches!(
            load_ecdsa_key(&path, "nope"),
            Err(KeystoreError::WrongPassword)
        ));
        let mut file =
            EcdsaKeystore::encrypt(&key, "pw", ScryptParams::TEST, &mut rng).expect("encrypts");
        assert_eq!(file.version, 3);
        assert_eq!(file.id.len(), 36);
        file.address = hex::encode(Address::repeat_byte(1));
        assert!(matches!(
            file.decrypt("pw"),
            Err(KeystoreError::AddressMismatch { .. })
        ));
        assert!(EcdsaKey::from_bytes(B256::ZERO).is_err());
    }
}
