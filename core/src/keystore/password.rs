//! Where a keystore password comes from.

use std::path::PathBuf;

use zeroize::Zeroizing;

use crate::error::KeystoreError;

/// The source of a keystore password: never a command-line argument, which other
/// users could read from the process table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordSource {
    /// The value of this environment variable.
    Env(String),
    /// The contents of this file, without trailing line breaks.
    File(PathBuf),
}

impl PasswordSource {
    /// Reads the password; it is wiped from memory when dropped (the file's text is
    /// trimmed in place, never copied).
    pub fn resolve(&self) -> Result<Zeroizing<String>, KeystoreError> {
        match self {
            Self::Env(var) => std::env::var(var)
                .map(Zeroizing::new)
                .map_err(|_| KeystoreError::PasswordEnvMissing(var.clone())),
            Self::File(path) => {
                let mut text = Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
                    KeystoreError::Io {
                        path: path.clone(),
                        source,
                    }
                })?);
                let len = text.trim_end_matches(['\n', '\r']).len();
                text.truncate(len);
                Ok(text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_password_drops_trailing_newlines_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("pw");
        std::fs::write(&path, " s3cret \r\n").expect("write");
        assert_eq!(
            PasswordSource::File(path)
                .resolve()
                .expect("reads")
                .as_str(),
            " s3cret "
        );
    }

    #[test]
    fn missing_sources_are_typed_errors() {
        let var = "LAMINA_TEST_SURELY_UNSET_PASSWORD_VAR";
        assert!(matches!(
            PasswordSource::Env(var.into()).resolve(),
            Err(KeystoreError::PasswordEnvMissing(v)) if v == var
        ));
        assert!(matches!(
            PasswordSource::File("/nonexistent/lamina/pw".into()).resolve(),
            Err(KeystoreError::Io { .. })
        ));
    }
}
