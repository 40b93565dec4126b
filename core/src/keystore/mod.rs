//! Encrypted key files in the formats EigenLayer's operator tooling writes.
//!
//! Both formats share geth's keystore-v3 `crypto` section ([`CryptoJson`]):
//! scrypt derives 32 bytes from the password; the first 16 key AES-128-CTR over
//! the secret, `mac = keccak256(dk[16..32] ‖ ciphertext)` detects a wrong password.
//!
//! - BLS ([`BlsKeystore`]): eigensdk-go `crypto/bls` `SaveToFile` /
//!   `ReadPrivateKeyFromFile`: `{"pubKey": "E([x,y])", "crypto": {...}}`, the
//!   secret being the scalar's 32 big-endian bytes and `pubKey` the G1 key in
//!   gnark's decimal text form, readable without the password.
//! - ECDSA ([`EcdsaKeystore`]): geth v3, `{"address", "crypto", "id", "version": 3}`.
//!
//! Passwords come from an environment variable or a file ([`PasswordSource`]),
//! never from a command-line argument.

mod bls;
mod ecdsa;
mod password;
mod v3;

pub use bls::{BlsKeystore, load_bls_key, read_bls_public_key, save_bls_key};
pub use ecdsa::{EcdsaKey, EcdsaKeystore, load_ecdsa_key, read_ecdsa_address, save_ecdsa_key};
pub use password::PasswordSource;
pub use v3::{CipherParams, CryptoJson, KdfParams, ScryptParams};

use std::path::Path;

use crate::error::KeystoreError;

/// Writes `contents` to `path` readable only by the owner, via a temporary file
/// renamed into place so a crash never leaves half a key file.
fn write_private_file(path: &Path, contents: &[u8]) -> Result<(), KeystoreError> {
    use std::io::Write;
    let io = |source| KeystoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp_name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(io)?;
    file.write_all(contents).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

fn read_file(path: &Path) -> Result<Vec<u8>, KeystoreError> {
    std::fs::read(path).map_err(|source| KeystoreError::Io {
        path: path.to_path_buf(),
        source,
    })
}
