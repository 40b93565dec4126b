//! Secondary storage: batches this proxy wrote, copied to an object store (a local
//! directory, or an S3-compatible bucket, both through `object_store`) and read back
//! when the network cannot serve a valid certificate's blob. Writes go through a bounded
//! queue to one writer task, after the certificate is verified; a full queue or a failed
//! write is counted, never silent. A batch read back is checked against the
//! certificate's commitment before it is used.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::keccak256;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStore, RetryConfig};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::error::ProxyError;
use crate::metrics::Metrics;

/// Batches waiting to be copied; past it a copy is dropped (and counted).
const WRITE_QUEUE_CAPACITY: usize = 256;

/// The `[secondary]` table: one store, a local directory (`[secondary] dir = "…"`) or
/// an S3-compatible bucket (`[secondary.s3]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecondaryConfig {
    /// A directory on the local filesystem (created if missing).
    Dir(PathBuf),
    /// A bucket of an S3-compatible object store.
    S3(S3Config),
}

/// The `[secondary.s3]` table. Every field can also come from
/// `LAMINA_PROXY_SECONDARY__S3__<FIELD>`; the secret only from the file or that
/// variable (never a flag, so that it does not show in the process list).
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
    /// How long one request may take, retries included, before it counts as failed
    /// (a write is then counted as an error, a read falls through to a stall).
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

impl SecondaryConfig {
    /// Checks the fields, naming the bad one.
    pub fn validate(&self) -> Result<(), ProxyError> {
        let bad = |field, reason: &str| {
            Err(ProxyError::Config {
                field,
                reason: reason.to_owned(),
            })
        };
        let s3 = match self {
            Self::Dir(dir) if dir.as_os_str().is_empty() => {
                return bad("secondary.dir", "must name a directory");
            }
            Self::Dir(_) => return Ok(()),
            Self::S3(s3) => s3,
        };
        if s3.bucket.is_empty() {
            return bad("secondary.s3.bucket", "must name a bucket");
        }
        if s3.region.is_empty() {
            return bad("secondary.s3.region", "must name a region");
        }
        if s3.timeout_ms == 0 {
            return bad("secondary.s3.timeout_ms", "must be at least 1");
        }
        if s3.access_key_id.is_some() != s3.secret_access_key.is_some() {
            return bad(
                "secondary.s3.secret_access_key",
                "access_key_id and secret_access_key are set together (the secret from \
                 LAMINA_PROXY_SECONDARY__S3__SECRET_ACCESS_KEY or the file), or neither",
            );
        }
        if let Some(endpoint) = &s3.endpoint {
            if endpoint.starts_with("http://") && !s3.allow_http {
                return bad(
                    "secondary.s3.endpoint",
                    "a plain http:// endpoint needs secondary.s3.allow_http = true",
                );
            }
            if !endpoint.starts_with("http://") && !endpoint.starts_with("https://") {
                return bad(
                    "secondary.s3.endpoint",
                    "must be an http:// or https:// URL",
                );
            }
        }
        Ok(())
    }

    /// Where copies go, for the log (never the secret).
    fn describe(&self) -> String {
        match self {
            Self::Dir(dir) => dir.display().to_string(),
            Self::S3(s3) => format!(
                "s3 bucket {} at {}",
                s3.bucket,
                s3.endpoint.as_deref().unwrap_or("AWS")
            ),
        }
    }

    /// The object store this config names.
    fn open(&self) -> Result<Arc<dyn ObjectStore>, ProxyError> {
        match self {
            Self::Dir(dir) => {
                let bad = |reason: String| ProxyError::Config {
                    field: "secondary.dir",
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
                    ProxyError::Config {
                        field: "secondary.s3",
                        reason: e.to_string(),
                    }
                })?))
            }
        }
    }
}

/// The object name of a commitment's batch: the keccak of the commitment bytes, hex.
pub fn object_name(commitment: &[u8]) -> String {
    hex::encode(keccak256(commitment))
}

/// The store and the queue to its writer.
pub(crate) struct Secondary {
    store: Arc<dyn ObjectStore>,
    writes: mpsc::Sender<(Vec<u8>, Vec<u8>)>,
}

impl Secondary {
    /// Opens the store and starts its writer task, which ends when the proxy (the last
    /// sender) is dropped.
    pub(crate) fn open(
        config: &SecondaryConfig,
        metrics: Arc<Metrics>,
    ) -> Result<Self, ProxyError> {
        config.validate()?;
        let store = config.open()?;
        tracing::info!(store = %config.describe(), "secondary storage");
        let (writes, mut queue) = mpsc::channel::<(Vec<u8>, Vec<u8>)>(WRITE_QUEUE_CAPACITY);
        let writer_store = Arc::clone(&store);
        tokio::spawn(async move {
            while let Some((commitment, batch)) = queue.recv().await {
                let path = ObjectPath::from(object_name(&commitment));
                match writer_store.put(&path, batch.into()).await {
                    Ok(_) => metrics.secondary("write", "ok"),
                    Err(e) => {
                        metrics.secondary("write", "error");
                        tracing::warn!(object = %path, error = %e, "secondary write failed");
                    }
                }
            }
        });
        Ok(Self { store, writes })
    }

    /// Queues a copy of `batch`; a full queue drops it (counted by the caller's metrics).
    pub(crate) fn queue_write(&self, commitment: Vec<u8>, batch: Vec<u8>) -> bool {
        self.writes.try_send((commitment, batch)).is_ok()
    }

    /// The batch stored for `commitment`: `Ok(None)` when there is none.
    pub(crate) async fn read(
        &self,
        commitment: &[u8],
    ) -> Result<Option<Vec<u8>>, object_store::Error> {
        let path = ObjectPath::from(object_name(commitment));
        match self.store.get(&path).await {
            Ok(found) => found.bytes().await.map(|b| Some(b.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_stores_parse_from_toml_and_bad_fields_are_named() {
        let dir: SecondaryConfig = toml::from_str("dir = \"store\"").expect("parses");
        assert_eq!(dir, SecondaryConfig::Dir(PathBuf::from("store")));
        dir.validate().expect("valid");
        let s3: SecondaryConfig = toml::from_str(
            "[s3]\nendpoint = \"http://127.0.0.1:9000\"\nbucket = \"b\"\nallow_http = true\n\
             access_key_id = \"id\"\nsecret_access_key = \"hidden-secret\"\n",
        )
        .expect("parses");
        s3.validate().expect("valid");
        let SecondaryConfig::S3(table) = &s3 else {
            panic!("an s3 table: {s3:?}");
        };
        assert_eq!(
            (table.region.as_str(), table.timeout_ms),
            ("us-east-1", 10_000)
        );
        // The secret round-trips through the file but never shows in Debug output.
        assert!(!format!("{s3:?}").contains("hidden-secret"));
        let back: SecondaryConfig =
            toml::from_str(&toml::to_string(&s3).expect("serializes")).expect("parses");
        assert_eq!(back, s3);

        let field_of = |text: &str| match toml::from_str::<SecondaryConfig>(text)
            .expect("parses")
            .validate()
        {
            Err(ProxyError::Config { field, .. }) => field,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(field_of("[s3]\nregion = \"x\""), "secondary.s3.bucket");
        assert_eq!(
            field_of("[s3]\nbucket = \"b\"\nendpoint = \"http://h:1\""),
            "secondary.s3.endpoint"
        );
        assert_eq!(
            field_of("[s3]\nbucket = \"b\"\naccess_key_id = \"id\""),
            "secondary.s3.secret_access_key"
        );
        assert!(toml::from_str::<SecondaryConfig>("[s3]\nbucket_name = \"b\"").is_err());
        assert!(
            toml::from_str::<SecondaryConfig>("dir = \"d\"\n[s3]\nbucket = \"b\"").is_err(),
            "one store, not both"
        );
    }
}
