//! Where a keystore password comes from.

use std::path::PathBuf;

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
    /// Reads the password.
    pub fn resolve(&self) -> Result<String, KeystoreError> {
        match self {
            Self::Env(var) => {
                std::env::var(var).map_err(|_| KeystoreError::PasswordEnvMissing(var.clone()))
            }
            Self::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| KeystoreError::Io {
                    path: path.clone(),
                    source,
                })?;
                Ok(text.trim_end_matches(['\n', '\r']).to_owned())
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
            PasswordSource::File(path).resolve().expect("reads"),
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
