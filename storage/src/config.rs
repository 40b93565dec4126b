//! [`ObjectStoreConfig`]: a local directory or an S3-compatible bucket.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::{ClientOptions, ObjectStore, RetryConfig};
use serde::{Deserialize, Serialize};

use crate::StorageError;

/// One object store: a local directory (`dir = "…"`) or a bucket of an S3-compatible
/// store (an `[s3]` table), inside whatever table names the store (`[secondary]` of the
/// proxy, `[objects]` of the disperser and the encoder).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectStoreConfig {
    /// A directory on the local filesystem (created if missing).
    Dir(PathBuf),
    /// A bucket of an S3-compatible object store.
    S3(S3Config),
}

/// The `[s3]` table of an [`ObjectStoreConfig`]. Roles whose layered config reads the
/// environment take every field from it too; the secret only from the file or the
/// environment (never a flag, so that it does not show in the process list).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Config {
    /// The store's base URL (`https://s3.example.com`, `http://127.0.0.1:9000`); the
    /// bucket is addressed path-style under it. Default: none (AWS S3 in `region`).
    pub endpoint: Option<String>,
    /// The bucket (it must exist). Default: empty, which `validate` refuses.
    pub bucket: String,
    /// The region requests are signed for. Default: `us-east-1`.
    pub region: String,
    /// The access key id. Default: none (with no secret either, credentials come from
    /// the environment's provider chain: web identity, the container's or instance's
    /// role).
    pub access_key_id: Option<String>,
    /// The secret access key; set with `access_key_id`. Never logged. Default: none.
    pub secret_access_key: Option<SecretString>,
    /// Allow a plain `http://` endpoint (a local server); otherwise only https. Default:
    /// false.
    pub allow_http: bool,
    /// How long one request may take, retries included, before it counts as failed.
    /// Default: 10000.
    pub timeout_ms: u64,
}

impl Default for S3Config {
    fn default() -> Self {
        Self {
            endpoint: None,
            bucket: String::new(),
            region: "us-east-1".to_owned(),
            access_key_id: None,
            secret_access_key: None,
            allow_http: false,
            timeout_ms: 10_000,
        }
    }
}

/// A secret string: serialized as it is (the config file carries it), shown as `***`
/// by `Debug`, so that logging a config never prints it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl ObjectStoreConfig {
    /// Checks the fields, naming the bad one.
    pub fn validate(&self) -> Result<(), StorageError> {
        let bad = |field, reason: &str| {
            Err(StorageError::Config {
                field,
                reason: reason.to_owned(),
            })
        };
        let s3 = match self {
            Self::Dir(dir) if dir.as_os_str().is_empty() => {
                return bad("dir", "must name a directory");
            }
            Self::Dir(_) => return Ok(()),
            Self::S3(s3) => s3,
        };
        if s3.bucket.is_empty() {
            return bad("s3.bucket", "must name a bucket");
        }
        if s3.region.is_empty() {
            return bad("s3.region", "must name a region");
        }
        if s3.timeout_ms == 0 {
            return bad("s3.timeout_ms", "must be at least 1");
        }
        if s3.access_key_id.is_some() != s3.secret_access_key.is_some() {
            return bad(
                "s3.secret_access_key",
                "access_key_id and secret_access_key are set together (the secret from \
                 the file or the environment), or neither",
            );
        }
        if let Some(endpoint) = &s3.endpoint {
            if endpoint.starts_with("http://") && !s3.allow_http {
                return bad(
                    "s3.endpoint",
                    "a plain http:// endpoint needs s3.allow_http = true",
                );
            }
            if !endpoint.starts_with("http://") && !endpoint.starts_with("https://") {
                return bad("s3.endpoint", "must be an http:// or https:// URL");
            }
        }
        Ok(())
    }

    /// Where objects go, for logs (never the secret).
    pub fn describe(&self) -> String {
        match self {
            Self::Dir(dir) => dir.display().to_string(),
            Self::S3(s3) => format!(
                "s3 bucket {} at {}",
                s3.bucket,
                s3.endpoint.as_deref().unwrap_or("AWS")
            ),
        }
    }

    /// The object store this config names (a directory is created if missing).
    pub fn open(&self) -> Result<Arc<dyn ObjectStore>, StorageError> {
        match self {
            Self::Dir(dir) => {
                let bad = |reason: String| StorageError::Config {
                    field: "dir",
                    reason,
                };
                std::fs::create_dir_all(dir).map_err(|e| bad(format!("{}: {e}", dir.display())))?;
                Ok(Arc::new(
                    LocalFileSystem::new_with_prefix(dir).map_err(|e| bad(e.to_string()))?,
                ))
            }
            Self::S3(s3) => {
                let timeout = Duration::from_millis(s3.timeout_ms);
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_allow_http(s3.allow_http)
                    .with_client_options(
                        ClientOptions::new()
                            .with_allow_http(s3.allow_http)
                            .with_timeout(timeout)
                            .with_connect_timeout(timeout.min(Duration::from_secs(5))),
                    )
                    .with_retry(RetryConfig {
                        max_retries: 3,
                        retry_timeout: timeout,
                        ..RetryConfig::default()
                    });
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let (Some(id), Some(secret)) = (&s3.access_key_id, &s3.secret_access_key) {
                    builder = builder
                        .with_access_key_id(id)
                        .with_secret_access_key(secret.expose());
                }
                Ok(Arc::new(builder.build().map_err(|e| {
                    StorageError::Config {
                        field: "s3",
                        reason: e.to_string(),
                    }
                })?))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_stores_parse_from_toml_and_bad_fields_are_named() {
        let dir: ObjectStoreConfig = toml::from_str("dir = \"store\"").expect("parses");
        assert_eq!(dir, ObjectStoreConfig::Dir(PathBuf::from("store")));
        dir.validate().expect("valid");
        let s3: ObjectStoreConfig = toml::from_str(
            "[s3]\nendpoint = \"http://127.0.0.1:9000\"\nbucket = \"b\"\nallow_http = true\n\
             access_key_id = \"id\"\nsecret_access_key = \"hidden-secret\"\n",
        )
        .expect("parses");
        s3.validate().expect("valid");
        let ObjectStoreConfig::S3(table) = &s3 else {
            panic!("an s3 table: {s3:?}");
        };
        assert_eq!(
            (table.region.as_str(), table.timeout_ms),
            ("us-east-1", 10_000)
        );
        // The secret round-trips through the file but never shows in Debug output.
        assert!(!format!("{s3:?}").contains("hidden-secret"));
        let back: ObjectStoreConfig =
            toml::from_str(&toml::to_string(&s3).expect("serializes")).expect("parses");
        assert_eq!(back, s3);

        let field_of = |text: &str| match toml::from_str::<ObjectStoreConfig>(text)
            .expect("parses")
            .validate()
        {
            Err(StorageError::Config { field, .. }) => field,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(field_of("[s3]\nregion = \"x\""), "s3.bucket");
        assert_eq!(
            field_of("[s3]\nbucket = \"b\"\nendpoint = \"http://h:1\""),
            "s3.endpoint"
        );
        assert_eq!(
            field_of("[s3]\nbucket = \"b\"\naccess_key_id = \"id\""),
            "s3.secret_access_key"
        );
        assert!(toml::from_str::<ObjectStoreConfig>("[s3]\nbucket_name = \"b\"").is_err());
        assert!(
            toml::from_str::<ObjectStoreConfig>("dir = \"d\"\n[s3]\nbucket = \"b\"").is_err(),
            "one store, not both"
        );
    }
}
