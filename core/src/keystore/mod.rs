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
pub use v3::{
    CipherParams, CryptoJson, KdfParams, MAX_SCRYPT_COST_BYTES, MAX_SCRYPT_LOG_N, MAX_SCRYPT_P,
    MAX_SCRYPT_R, ScryptParams,
};

use std::path::{Path, PathBuf};

use crate::error::KeystoreError;

/// Largest key file [`read_file`] reads: keystores are a few hundred bytes; anything larger is
/// not one, and reading it whole could exhaust memory.
const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// The temporary file a key is written through before it is renamed onto `path`.
fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Writes `contents` to `path` readable only by the owner (mode 0600), so that a crash never
/// leaves half a key file and nothing planted beside it can capture or redirect the key:
///
/// 1. refuses when something other than a regular file is at `path` (a symlink is not followed,
///    it is refused: [`KeystoreError::NotARegularFile`]);
/// 2. creates `path.tmp` with `O_CREAT | O_EXCL` (`create_new`) and mode 0600, which fails on any
///    existing file or symlink there ([`KeystoreError::TempFileExists`]) instead of writing
///    through it;
/// 3. writes and fsyncs the file, renames it onto `path`, then fsyncs the directory so the
///    rename itself survives a crash.
///
/// Missing parent directories are created owner-only (0700).
fn write_private_file(path: &Path, contents: &[u8]) -> Result<(), KeystoreError> {
    use std::io::Write;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| KeystoreError::Io { path, source }
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io(dir))?;

    match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_file() => {
            return Err(KeystoreError::NotARegularFile {
                path: path.to_path_buf(),
            });
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(path)(e)),
    }

    let tmp = temp_path(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(&tmp) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(KeystoreError::TempFileExists { path: tmp });
        }
        Err(e) => return Err(io(&tmp)(e)),
    };
    let written = file
        .write_all(contents)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    drop(file);
    if let Err(e) = written {
        // The temporary file is ours (create_new made it): do not leave a partial key behind.
        let _ = std::fs::remove_file(&tmp);
        return Err(io(path)(e));
    }
    sync_dir(dir)
}

/// fsyncs a directory so a rename in it is durable (a no-op where directories cannot be opened).
fn sync_dir(dir: &Path) -> Result<(), KeystoreError> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| KeystoreError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Reads a key file, refusing anything larger than a keystore can be.
fn read_file(path: &Path) -> Result<Vec<u8>, KeystoreError> {
    use std::io::Read;
    let io = |source| KeystoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > MAX_KEY_FILE_BYTES {
        return Err(KeystoreError::FileTooLarge {
            path: path.to_path_buf(),
            size,
            max: MAX_KEY_FILE_BYTES,
        });
    }
    let mut bytes = Vec::new();
    // The cap also holds if the file grows between the size check and the read.
    file.take(MAX_KEY_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_KEY_FILE_BYTES {
        return Err(KeystoreError::FileTooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            max: MAX_KEY_FILE_BYTES,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::symlink_metadata(path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn new_file_is_owner_only_and_no_temp_is_left() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("new/dir/key.json");
        write_private_file(&path, b"secret").expect("writes");
        assert_eq!(std::fs::read(&path).expect("reads"), b"secret");
        assert!(!temp_path(&path).exists(), "temporary file renamed away");
        #[cfg(unix)]
        {
            assert_eq!(mode_of(&path), 0o600, "key file owner-only");
            assert_eq!(
                mode_of(&dir.path().join("new/dir")),
                0o700,
                "created dirs owner-only"
            );
        }
        // Replacing an existing regular key file is allowed, and stays 0600.
        write_private_file(&path, b"rotated").expect("rewrites");
        assert_eq!(std::fs::read(&path).expect("reads"), b"rotated");
        #[cfg(unix)]
        assert_eq!(mode_of(&path), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_at_target_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, b"victim").expect("write");
        let path = dir.path().join("key.json");
        std::os::unix::fs::symlink(&outside, &path).expect("symlink");
        assert!(matches!(
            write_private_file(&path, b"secret"),
            Err(KeystoreError::NotARegularFile { path: p }) if p == path
        ));
        assert_eq!(std::fs::read(&outside).expect("reads"), b"victim");
        assert!(
            std::fs::symlink_metadata(&path)
                .expect("link")
                .file_type()
                .is_symlink()
        );
        assert!(!temp_path(&path).exists());
        // A dangling link (to a file an attacker hopes the key lands in) is refused too.
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink(dir.path().join("not-yet"), &dangling).expect("symlink");
        assert!(matches!(
            write_private_file(&dangling, b"secret"),
            Err(KeystoreError::NotARegularFile { .. })
        ));
        assert!(
            !dir.path().join("not-yet").exists(),
            "nothing written through the link"
        );
    }

    #[test]
    fn existing_temp_file_is_refused_not_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("key.json");
        std::fs::write(temp_path(&path), b"planted").expect("write");
        assert!(matches!(
            write_private_file(&path, b"secret"),
            Err(KeystoreError::TempFileExists { path: p }) if p == temp_path(&path)
        ));
        assert_eq!(std::fs::read(temp_path(&path)).expect("reads"), b"planted");
        assert!(!path.exists(), "no key written");
    }

    #[cfg(unix)]
    #[test]
    fn symlink_at_temp_path_is_refused_and_nothing_written_outside() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = dir.path().join("attacker-readable");
        let path = dir.path().join("key.json");
        // A link planted where the temporary file goes, pointing at a file the attacker can read
        // once created: create_new refuses to follow it.
        std::os::unix::fs::symlink(&outside, temp_path(&path)).expect("symlink");
        assert!(matches!(
            write_private_file(&path, b"secret"),
            Err(KeystoreError::TempFileExists { .. })
        ));
        assert!(!outside.exists(), "nothing written through the link");
        assert!(!path.exists());
    }

    #[test]
    fn oversized_file_is_refused_unread() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("huge.json");
        let file = std::fs::File::create(&path).expect("create");
        file.set_len(MAX_KEY_FILE_BYTES + 1).expect("sparse file");
        assert!(matches!(
            read_file(&path),
            Err(KeystoreError::FileTooLarge { size, .. }) if size == MAX_KEY_FILE_BYTES + 1
        ));
    }
}
