//! [`MetadataConfig`]: the `[metadata]` table of the disperser's configuration.

use lamina_storage::SecretString;
use serde::{Deserialize, Serialize};

use crate::error::ConfigError;

/// Which database holds the disperser's metadata.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetadataBackend {
    /// RocksDB under `<data_dir>/db`: one process (API server and controller together).
    #[default]
    Rocksdb,
    /// A PostgreSQL database shared by every API server and the controller.
    Postgres,
}

/// `[metadata]`: `backend = "rocksdb"` (the default) or `backend = "postgres"` with the
/// database's URL in `url` or, with its password, in the environment variable named by
/// `url_env` (exactly one of the two).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetadataConfig {
    /// The backend. Default: `rocksdb`.
    pub backend: MetadataBackend,
    /// `postgres://user:password@host:port/database`; never logged. Default: none.
    pub url: Option<SecretString>,
    /// Environment variable holding the URL (keeps the password out of the file).
    /// Default: none.
    pub url_env: Option<String>,
    /// Connections of the pool to PostgreSQL. Default: 16.
    pub max_connections: u32,
}

impl Default for MetadataConfig {
    fn default() -> Self {
        Self {
            backend: MetadataBackend::Rocksdb,
            url: None,
            url_env: None,
            max_connections: 16,
        }
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field,
        reason: reason.into(),
    }
}

impl MetadataConfig {
    /// Checks the fields, naming the bad one (`metadata.url`, …). The URL an `url_env`
    /// names is read at start ([`Self::postgres_url`]).
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self.backend {
            MetadataBackend::Rocksdb => {
                if self.url.is_some() || self.url_env.is_some() {
                    return Err(invalid(
                        "metadata.url",
                        "url and url_env are for backend = \"postgres\"",
                    ));
                }
            }
            MetadataBackend::Postgres => {
                match (&self.url, &self.url_env) {
                    (Some(_), Some(_)) | (None, None) => {
                        return Err(invalid(
                            "metadata.url",
                            "backend = \"postgres\" needs exactly one of url and url_env",
                        ));
                    }
                    (Some(url), None) => check_url("metadata.url", url.expose())?,
                    (None, Some(var)) if var.is_empty() => {
                        return Err(invalid("metadata.url_env", "names no variable"));
                    }
                    (None, Some(_)) => {}
                }
                if self.max_connections == 0 {
                    return Err(invalid("metadata.max_connections", "must be at least 1"));
                }
            }
        }
        Ok(())
    }

    /// The PostgreSQL URL: `url`, or the value of the variable `url_env` names.
    pub fn postgres_url(&self) -> Result<SecretString, ConfigError> {
        self.validate()?;
        match (&self.url, &self.url_env) {
            (Some(url), _) => Ok(url.clone()),
            (None, Some(var)) => {
                let url = std::env::var(var).map_err(|e| {
                    invalid(
                        "metadata.url_env",
                        format!("environment variable {var}: {e}"),
                    )
                })?;
                check_url("metadata.url_env", &url)?;
                Ok(SecretString::new(url))
            }
            (None, None) => Err(invalid(
                "metadata.url",
                "backend = \"postgres\" needs exactly one of url and url_env",
            )),
        }
    }
}

fn check_url(field: &'static str, url: &str) -> Result<(), ConfigError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(())
    } else {
        // The URL may hold a password: name only its scheme.
        let scheme = url.split_once("://").map_or("(none)", |(s, _)| s);
        Err(invalid(
            field,
            format!("scheme {scheme:?}; expected postgres:// or postgresql://"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_parse_and_bad_fields_are_named() {
        let c: MetadataConfig = toml::from_str("").expect("parses");
        assert_eq!(c.backend, MetadataBackend::Rocksdb);
        c.validate().expect("the default is valid");
        let pg: MetadataConfig =
            toml::from_str("backend = \"postgres\"\nurl_env = \"LAMINA_PG_URL\"\n")
                .expect("parses");
        pg.validate().expect("valid");
        let field = |text: &str| match toml::from_str::<MetadataConfig>(text)
            .expect("parses")
            .validate()
        {
            Err(ConfigError::Invalid { field, .. }) => field,
            Ok(()) => "ok",
        };
        assert_eq!(field("backend = \"postgres\""), "metadata.url");
        assert_eq!(
            field("backend = \"postgres\"\nurl = \"mysql://x\""),
            "metadata.url"
        );
        assert_eq!(
            field("backend = \"postgres\"\nurl_env = \"\""),
            "metadata.url_env"
        );
        assert_eq!(
            field("backend = \"postgres\"\nurl = \"postgres://h/db\"\nmax_connections = 0"),
            "metadata.max_connections"
        );
        assert_eq!(field("url = \"postgres://h/db\""), "metadata.url");
        let missing = MetadataConfig {
            url_env: Some("LAMINA_TEST_SURELY_UNSET_PG_URL".into()),
            ..pg
        };
        assert!(matches!(
            missing.postgres_url(),
            Err(ConfigError::Invalid {
                field: "metadata.url_env",
                ..
            })
        ));
        // the secret never shows in Debug
        let secret = MetadataConfig {
            backend: MetadataBackend::Postgres,
            url: Some(SecretString::new("postgres://u:hunter2@h/db")),
            ..MetadataConfig::default()
        };
        assert!(!format!("{secret:?}").contains("hunter2"));
    }
}
