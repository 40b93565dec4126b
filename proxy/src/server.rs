//! The HTTP server: OP Stack alt-DA routes over the Lamina client, with the derivation
//! rules on every read.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use alloy_primitives::B256;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lamina_client::verify::read_chain_view;
use lamina_client::{Certificate, ClientError, LaminaClient};
use lamina_core::chain::EthChain;
use lamina_core::keystore::EcdsaKey;
use lamina_derivation::{
    DerivationConfig, DropReason, Outcome, check_certificate, check_inclusion_block,
    decode_payload, encode_commitment, parse_commitment,
};
use lamina_encoding::Blob;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::cache::RecentBatches;
use crate::config::ProxyConfig;
use crate::error::{ApiError, ProxyError};
use crate::memstore::MemStore;
use crate::metrics::Metrics;
use crate::secondary::Secondary;

/// The query parameter naming the L1 block that included the commitment (OP's
/// `op-alt-da` client sends it; eigenda-proxy reads the same name).
pub const L1_INCLUSION_BLOCK_PARAM: &str = "l1_inclusion_block_number";

/// Where batches go and come from.
pub enum Backend {
    /// A Lamina network, through the client.
    Network(Box<LaminaClient<EthChain>>),
    /// Memory ([`crate::MemstoreConfig`]): for rollup developers, no network.
    Memstore(MemStore),
}

/// What every request handler shares.
pub(crate) struct Proxy {
    backend: Backend,
    derivation: DerivationConfig,
    put_timeout: std::time::Duration,
    /// The disperser fast path's timeout on reads; `None` when it is off.
    disperser_read_timeout: Option<Duration>,
    pub(crate) max_batch_bytes: usize,
    cache: RecentBatches,
    /// Requests in flight (`max_concurrent_requests`): taken with `try_acquire`, so a
    /// full proxy refuses at once instead of queueing batches in memory.
    permits: Semaphore,
    secondary: Option<Secondary>,
    pub(crate) metrics: Arc<Metrics>,
}

/// Reads the config's key file (one line of 0x-hex), or makes a random key.
fn account_key(path: Option<&Path>) -> Result<EcdsaKey, ProxyError> {
    let Some(path) = path else {
        return Ok(EcdsaKey::random(&mut rand::thread_rng()));
    };
    let bad = |reason: String| ProxyError::Key {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let secret: B256 = text
        .trim()
        .parse()
        .map_err(|_| bad("not a 32-byte 0x-hex key".to_owned()))?;
    EcdsaKey::from_bytes(secret).map_err(|e| bad(e.to_string()))
}

/// Runs the proxy: connects the Lamina client (loading its SRS when configured), binds
/// `config.listen` and serves until `shutdown` resolves.
pub async fn run(
    config: ProxyConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ProxyError> {
    config.validate()?;
    let mut client_config = config.client.clone();
    if let Some(path) = &config.deployment {
        client_config = client_config.with_deployment_file(path)?;
    }
    let backend = match config.memstore {
        Some(memstore) => {
            tracing::warn!("memstore mode: batches are kept in memory, nothing is dispersed");
            Backend::Memstore(MemStore::new(memstore))
        }
        None => {
            let key = account_key(config.key_file.as_deref())?;
            Backend::Network(Box::new(LaminaClient::connect(client_config, key).await?))
        }
    };
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ProxyError::Bind {
            addr: config.listen,
            source,
        })?;
    serve(listener, &config, backend, shutdown).await
}

/// Serves the proxy's routes on `listener` over `backend` until `shutdown` resolves:
/// `POST /put`, `POST /put/`, `GET /get/0x<commitment>`, Nitro's `daprovider_*`
/// JSON-RPC on `POST /`, `GET /health`, `GET /metrics`.
pub async fn serve(
    listener: TcpListener,
    config: &ProxyConfig,
    backend: Backend,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ProxyError> {
    let mut registry = Registry::default();
    let max_batch_bytes = config.max_batch_bytes();
    let proxy = Arc::new(Proxy::new(config, backend, &mut registry)?);
    let ready = Arc::new(AtomicBool::new(false));
    let app = Router::new()
        // Current op-alt-da clients post to `/put`, older ones to `/put/`.
        .route("/put", post(put))
        .route("/put/", post(put))
        .route("/get/{commitment}", get(get_batch))
        // Arbitrum Nitro's external DA provider (`daprovider_*` JSON-RPC).
        .route("/", post(crate::nitro::rpc))
        // Memstore fault injection (404 outside memstore mode).
        .route("/memstore/faults", get(get_faults).put(set_faults))
        .with_state(proxy)
        // One byte over the largest batch still reaches the handler, which answers 413
        // with the proxy's JSON body; anything longer is cut off by axum.
        .layer(DefaultBodyLimit::max(max_batch_bytes.saturating_add(1)))
        .merge(lamina_core::ops_http::router(
            Arc::clone(&ready),
            Arc::new(registry),
        ));
    let addr = listener.local_addr().map_err(ProxyError::Serve)?;
    ready.store(true, Ordering::Release);
    tracing::info!(%addr, "proxy serving OP alt-DA routes");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(ProxyError::Serve)
}

async fn put(State(proxy): State<Arc<Proxy>>, batch: Bytes) -> Response {
    let start = Instant::now();
    let response = match proxy.put(&batch).await {
        Ok(commitment) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/octet-stream")],
            commitment,
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(bytes = batch.len(), error = %e, "put failed");
            e.into_response()
        }
    };
    proxy
        .metrics
        .request("put", response.status().as_u16(), start.elapsed());
    response
}

async fn get_batch(
    State(proxy): State<Arc<Proxy>>,
    UrlPath(commitment): UrlPath<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let start = Instant::now();
    let response = match proxy.get(&commitment, query.as_deref()).await {
        Ok(Outcome::Payload(payload)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/octet-stream")],
            payload,
        )
            .into_response(),
        Ok(Outcome::Drop(reason)) => {
            proxy.metrics.dropped(reason.code().name());
            tracing::info!(code = reason.code().name(), %reason, "certificate dropped");
            ApiError::Drop(reason).into_response()
        }
        Ok(Outcome::Stall) => ApiError::NotAvailable {
            reason: "the certificate is valid but its blob is not retrievable yet".to_owned(),
        }
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "get failed");
            e.into_response()
        }
    };
    proxy
        .metrics
        .request("get", response.status().as_u16(), start.elapsed());
    response
}

/// `GET /memstore/faults`: the faults in force, as JSON.
async fn get_faults(State(proxy): State<Arc<Proxy>>) -> Response {
    match &proxy.backend {
        Backend::Memstore(store) => json_response(StatusCode::OK, &store.faults()),
        Backend::Network(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `PUT /memstore/faults` (a JSON [`crate::Faults`]): replaces the faults.
async fn set_faults(State(proxy): State<Arc<Proxy>>, body: Bytes) -> Response {
    let Backend::Memstore(store) = &proxy.backend else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let set = serde_json::from_slice::<crate::Faults>(&body)
        .map_err(|e| e.to_string())
        .and_then(|faults| store.set_faults(faults));
    match set {
        Ok(()) => json_response(StatusCode::OK, &store.faults()),
        Err(reason) => ApiError::BadQuery {
            name: "faults",
            reason,
        }
        .into_response(),
    }
}

fn json_response(status: StatusCode, value: &impl serde::Serialize) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => ApiError::Internal {
            reason: e.to_string(),
        }
        .into_response(),
    }
}

/// `0x`-prefixed hex (the prefix is optional, as in eigenda-proxy).
fn commitment_bytes(hex_text: &str) -> Result<Vec<u8>, ApiError> {
    let digits = hex_text.strip_prefix("0x").unwrap_or(hex_text);
    hex::decode(digits).map_err(|e| ApiError::BadCommitmentHex {
        reason: e.to_string(),
    })
}

/// `l1_inclusion_block_number=N` from the query string, if present.
fn l1_inclusion_block(query: Option<&str>) -> Result<Option<u64>, ApiError> {
    let Some(query) = query else {
        return Ok(None);
    };
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if name == L1_INCLUSION_BLOCK_PARAM {
            return value.parse().map(Some).map_err(|_| ApiError::BadQuery {
                name: L1_INCLUSION_BLOCK_PARAM,
                reason: format!("{value:?} is not a block number"),
            });
        }
    }
    Ok(None)
}

impl Proxy {
    fn new(
        config: &ProxyConfig,
        backend: Backend,
        registry: &mut Registry,
    ) -> Result<Self, ProxyError> {
        let metrics = Arc::new(Metrics::new(registry));
        let secondary = match (&config.secondary, &backend) {
            (Some(secondary), Backend::Network(_)) => {
                Some(Secondary::open(secondary, Arc::clone(&metrics))?)
            }
            (None, _) | (Some(_), Backend::Memstore(_)) => None,
        };
        Ok(Self {
            backend,
            derivation: config.derivation(),
            put_timeout: config.put_timeout(),
            disperser_read_timeout: config.disperser_read_timeout(),
            max_batch_bytes: config.max_batch_bytes(),
            cache: RecentBatches::new(config.cache_bytes),
            permits: Semaphore::new(config.max_concurrent_requests),
            secondary,
            metrics,
        })
    }
}

impl Proxy {
    /// The batch secondary storage holds for `commitment`, if it is the blob `cert`
    /// commits to: re-encoded, of the committed length, and with the same KZG commitment
    /// (computed with the client's SRS; without one nothing read back can be checked, so
    /// nothing is used).
    async fn secondary_read(
        &self,
        client: &LaminaClient<EthChain>,
        cert: &lamina_core::DaCertV3,
        commitment: &[u8],
    ) -> Option<Vec<u8>> {
        let secondary = self.secondary.as_ref()?;
        let batch = match secondary.read(commitment).await {
            Ok(Some(batch)) => batch,
            Ok(None) => {
                self.metrics.secondary("read", "miss");
                return None;
            }
            Err(e) => {
                self.metrics.secondary("read", "error");
                tracing::warn!(error = %e, "secondary read failed");
                return None;
            }
        };
        let srs = Arc::clone(client.srs()?);
        let expected = cert
            .blob_inclusion_info
            .blob_certificate
            .blob_header
            .commitment;
        let checked = tokio::task::spawn_blocking(move || {
            let blob = Blob::from_payload(&batch).ok()?;
            let same_length =
                u64::try_from(blob.len_symbols()).ok() == Some(u64::from(expected.length));
            (same_length && lamina_encoding::commit(&srs, &blob).ok() == Some(expected.commitment))
                .then_some(batch)
        })
        .await
        .ok()
        .flatten();
        self.metrics
            .secondary("read", if checked.is_some() { "hit" } else { "mismatch" });
        checked
    }
}

impl Proxy {
    /// The blob from the disperser's `GetBlob` (the read fast path), checked against the
    /// certificate's length and KZG commitment; `None`, counted by outcome, when it is
    /// off, the client has no SRS to check with, or the disperser fails or lies: the
    /// caller then asks the retriever and the operators.
    async fn disperser_blob(
        &self,
        client: &LaminaClient<EthChain>,
        certificate: &Certificate,
    ) -> Option<Vec<u8>> {
        let timeout = self.disperser_read_timeout?;
        client.srs()?;
        match client
            .retrieve_blob_from_disperser(certificate, timeout)
            .await
        {
            Ok(bytes) => {
                self.metrics.disperser_read("ok");
                Some(bytes)
            }
            Err(e) => {
                let outcome = match &e {
                    ClientError::DisperserBlob { source, .. } if source.is_mismatch() => {
                        tracing::warn!(blob_key = %certificate.blob_key, error = %e, "the disperser served bytes that are not the committed blob; reading from the operators");
                        "mismatch"
                    }
                    _ => {
                        tracing::info!(blob_key = %certificate.blob_key, error = %e, "disperser fast path failed; reading from the operators");
                        "unavailable"
                    }
                };
                self.metrics.disperser_read(outcome);
                None
            }
        }
    }
}

/// How long a client refused for `max_concurrent_requests` is asked to wait.
const BUSY_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

impl Proxy {
    /// A slot for one request, or 429 when `max_concurrent_requests` are in flight.
    fn permit(&self) -> Result<SemaphorePermit<'_>, ApiError> {
        self.permits.try_acquire().map_err(|_| ApiError::Busy {
            retry_after: BUSY_RETRY_AFTER,
            reason: "the proxy is serving max_concurrent_requests already".to_owned(),
        })
    }

    /// Disperses `batch`, waits for its certificate and verifies it locally (every
    /// `checkDACert` check) before answering its commitment bytes.
    pub(crate) async fn put(&self, batch: &[u8]) -> Result<Vec<u8>, ApiError> {
        if batch.len() > self.max_batch_bytes {
            return Err(ApiError::BatchTooLarge {
                bytes: batch.len(),
                max: self.max_batch_bytes,
            });
        }
        let _permit = self.permit()?;
        let client = match &self.backend {
            Backend::Network(client) => client,
            Backend::Memstore(store) => {
                let faults = store.faults();
                tokio::time::sleep(Duration::from_millis(faults.put_latency_ms)).await;
                if faults.put_failover {
                    return Err(ApiError::Unavailable {
                        reason: "memstore fault injection: put_failover".to_owned(),
                    });
                }
                return Ok(store.put(batch, Instant::now()));
            }
        };
        let start = Instant::now();
        // Each attempt builds a fresh payment header (a new timestamp): a batcher's retry
        // of the same batch is a new blob, never "already exists".
        let certify = async {
            let blob_key = client.disperse(batch, &[]).await?;
            let cert = client.wait_for_certificate(blob_key).await?;
            client.verify_certificate_locally(&cert).await?;
            Ok::<_, ClientError>(cert)
        };
        let cert = tokio::time::timeout(self.put_timeout, certify)
            .await
            .map_err(|_| ApiError::PutTimeout {
                waited: start.elapsed(),
            })?
            .map_err(|e| ApiError::from_put(e, self.max_batch_bytes))?;
        self.metrics.dispersal(start.elapsed());
        let commitment = encode_commitment(&cert.cert);
        tracing::info!(blob_key = %cert.blob_key, bytes = batch.len(), took_ms = start.elapsed().as_millis() as u64, "batch certified");
        self.cache.insert(commitment.clone(), batch.to_vec());
        if let Some(secondary) = &self.secondary
            && !secondary.queue_write(commitment.clone(), batch.to_vec())
        {
            self.metrics.secondary("write", "dropped");
        }
        Ok(commitment)
    }

    /// The derivation's outcome for a commitment: parse, recency, validity against the
    /// operator state at the reference block, retrieval (checked against the
    /// commitment), payload decoding. `Err` only for requests that are not a
    /// commitment, or when the chain cannot be read.
    async fn get(&self, hex_text: &str, query: Option<&str>) -> Result<Outcome, ApiError> {
        let bytes = commitment_bytes(hex_text)?;
        let l1_inclusion_block = l1_inclusion_block(query)?;
        self.derive(&bytes, l1_inclusion_block).await
    }

    /// The number of the L1 block with `hash`, the block that included a certificate (a
    /// Nitro read gives it by hash): `None` when it is not known (the zero hash, or
    /// memstore mode, which has no chain). A hash the chain does not have is
    /// [`ApiError::Unavailable`] (retry): skipping the recency rule then would let two
    /// proxies, one behind the other, derive differently.
    pub(crate) async fn inclusion_block_of(&self, hash: B256) -> Result<Option<u64>, ApiError> {
        let client = match &self.backend {
            Backend::Network(client) if hash != B256::ZERO => client,
            Backend::Network(_) | Backend::Memstore(_) => return Ok(None),
        };
        match client.chain().block_number_of(hash).await {
            Ok(Some(number)) => Ok(Some(number)),
            Ok(None) => Err(ApiError::Unavailable {
                reason: format!("the chain has no block {hash} (yet)"),
            }),
            Err(e) => Err(ApiError::Unavailable {
                reason: format!("reading block {hash}: {e}"),
            }),
        }
    }

    /// [`Proxy::get`] on commitment bytes.
    pub(crate) async fn derive(
        &self,
        bytes: &[u8],
        l1_inclusion_block: Option<u64>,
    ) -> Result<Outcome, ApiError> {
        let _permit = self.permit()?;
        let client = match &self.backend {
            Backend::Network(client) => client,
            Backend::Memstore(store) => {
                let faults = store.faults();
                tokio::time::sleep(Duration::from_millis(faults.get_latency_ms)).await;
                let outcome = store.get(bytes, Instant::now());
                return match (&outcome, faults.drop_code()) {
                    (Outcome::Payload(_), Ok(Some(code))) => Err(ApiError::InjectedDrop(code)),
                    _ => Ok(outcome),
                };
            }
        };
        let cert = match parse_commitment(bytes) {
            Ok(cert) => cert,
            Err(e) => return Ok(Outcome::Drop(DropReason::Parse(e))),
        };
        let blob_key = cert.blob_key();
        if let Some(payload) = self.cache.get(bytes) {
            // Verified when it was written, against the state at its reference block,
            // which does not change; only the inclusion block is new.
            if let Err(reason) = check_inclusion_block(&self.derivation, &cert, l1_inclusion_block)
            {
                return Ok(Outcome::Drop(reason));
            }
            self.metrics.cache_hit();
            self.metrics.read_from("cache");
            return Ok(Outcome::Payload(payload.to_vec()));
        }
        let view =
            read_chain_view(client.chain(), &cert)
                .await
                .map_err(|e| ApiError::Unavailable {
                    reason: format!("reading the operator state for blob {blob_key}: {e}"),
                })?;
        if let Err(reason) = check_certificate(&self.derivation, &cert, l1_inclusion_block, &view) {
            return Ok(Outcome::Drop(reason));
        }
        let certificate = Certificate {
            blob_key,
            cert,
            confirmation: None,
        };
        let start = Instant::now();
        // Fast path first (one GetBlob, checked), then the retriever service and the
        // operators (chunk by chunk, verified), then secondary storage.
        let (blob_bytes, source) = match self.disperser_blob(client, &certificate).await {
            Some(bytes) => (bytes, "disperser"),
            None => match client.retrieve_blob(&certificate).await {
                Ok(bytes) => (bytes, "retrieval"),
                Err(e) => {
                    if let Some(batch) = self.secondary_read(client, &certificate.cert, bytes).await
                    {
                        tracing::info!(%blob_key, error = %e, "retrieval failed; served from secondary storage");
                        self.metrics.read_from("secondary");
                        return Ok(Outcome::Payload(batch));
                    }
                    // A valid certificate whose blob cannot be had now: stall, never drop.
                    tracing::warn!(%blob_key, error = %e, "retrieval failed; the reader should retry");
                    return Ok(Outcome::Stall);
                }
            },
        };
        self.metrics.retrieval(start.elapsed());
        self.metrics.read_from(source);
        let cert = certificate.cert;
        tokio::task::spawn_blocking(move || {
            let blob = Blob::from_bytes(&blob_bytes).map_err(|e| ApiError::Internal {
                reason: format!("retrieved blob {blob_key} is not a blob: {e}"),
            })?;
            Ok(match decode_payload(&cert, &blob) {
                Ok(payload) => Outcome::Payload(payload),
                Err(e) => Outcome::Drop(DropReason::UndecodablePayload(e)),
            })
        })
        .await
        .map_err(|_| ApiError::Internal {
            reason: "payload decoding worker stopped".to_owned(),
        })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commitments_and_queries_parse_or_are_bad_requests() {
        assert_eq!(commitment_bytes("0x014c00").expect("hex"), vec![1, 0x4c, 0]);
        assert_eq!(commitment_bytes("014c").expect("hex"), vec![1, 0x4c]);
        assert!(matches!(
            commitment_bytes("0xzz"),
            Err(ApiError::BadCommitmentHex { .. })
        ));
        assert_eq!(l1_inclusion_block(None).expect("none"), None);
        assert_eq!(
            l1_inclusion_block(Some("a=1&l1_inclusion_block_number=42")).expect("number"),
            Some(42)
        );
        assert_eq!(l1_inclusion_block(Some("other=1")).expect("absent"), None);
        assert!(matches!(
            l1_inclusion_block(Some("l1_inclusion_block_number=-1")),
            Err(ApiError::BadQuery { .. })
        ));
    }

    #[tokio::test]
    async fn a_full_proxy_refuses_with_busy_instead_of_queueing() {
        let config = ProxyConfig {
            max_concurrent_requests: 1,
            ..ProxyConfig::default()
        };
        let backend = Backend::Memstore(MemStore::new(crate::MemstoreConfig::default()));
        let proxy = Proxy::new(&config, backend, &mut Registry::default()).expect("no store");
        let held = proxy.permit().expect("one slot");
        assert!(matches!(
            proxy.put(b"batch").await,
            Err(ApiError::Busy { .. })
        ));
        assert!(matches!(
            proxy.derive(&[0x01], None).await,
            Err(ApiError::Busy { .. })
        ));
        drop(held);
        let commitment = proxy.put(b"batch").await.expect("a slot is free");
        assert_eq!(
            proxy.derive(&commitment, None).await.expect("served"),
            Outcome::Payload(b"batch".to_vec())
        );
    }
}
