//! Starting and stopping a node: keys, SRS, store, chain, the gRPC and HTTP servers,
//! and the expiry task, all tied to one [`CancellationToken`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use lamina_core::chain::{ContractAddresses, EthChain};
use lamina_proto::node::v1::{
    dispersal_server::DispersalServer, retrieval_server::RetrievalServer,
};
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::chain::ChainReader;
use crate::config::{GrpcLimits, NodeConfig};
use crate::error::{ConfigError, NodeError, StoreError};
use crate::metrics::NodeMetrics;
use crate::payments::NodePayments;
use crate::ratelimit::{RateLimiter, ReadsInFlight};
use crate::replay::ReplayGuard;
use crate::service::{DispersalService, NodeState, RetrievalService};
use crate::store::Store;

/// A running node. Dropping it does not stop it: call [`Node::shutdown`].
#[must_use = "a node runs until `shutdown` is called"]
#[derive(Debug)]
pub struct Node {
    grpc_addr: SocketAddr,
    metrics_addr: SocketAddr,
    operator: lamina_core::OperatorId,
    cancel: CancellationToken,
    tasks: Vec<(&'static str, JoinHandle<Result<(), NodeError>>)>,
}

/// A gRPC server builder with `limits` on every request: a deadline (CANCELLED past
/// it), a per-connection and a global bound on requests in flight; load shedding
/// answers RESOURCE_EXHAUSTED past either bound instead of queueing without end.
pub(crate) fn limited_server(
    limits: GrpcLimits,
) -> tonic::transport::Server<
    tower::layer::util::Stack<
        tower::limit::GlobalConcurrencyLimitLayer,
        tower::layer::util::Identity,
    >,
> {
    tonic::transport::Server::builder()
        .timeout(limits.timeout)
        .concurrency_limit_per_connection(limits.per_connection)
        .load_shed(true)
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            limits.global,
        ))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Node {
    /// Loads keys and the SRS, opens the store, binds both listeners and starts serving.
    pub async fn spawn(config: NodeConfig) -> Result<Self, NodeError> {
        config.validate()?;
        let addresses = ContractAddresses::load(&config.deployment)?;
        // Before anything slow: a node that must enforce payments needs the vault.
        if config.payments.enabled && addresses.payment_vault.is_zero() {
            return Err(ConfigError::NoPaymentVault {
                deployment: config.deployment.clone(),
            }
            .into());
        }
        let chain = EthChain::connect_http_with_tls(&config.rpc_url, addresses, None, &config.tls)?;
        let server_tls = config.tls.server_tls()?;
        // Before anything slow: the development SRS only on a development chain.
        let srs_config = config.srs.approve(&chain).await?;
        let bls_path = config.bls_keystore.clone();
        let bls_password = config.bls_password_source();
        let points = config.max_blob_symbols as usize;
        let db_path = config.db_path();
        // Key decryption (scrypt), SRS loading and opening RocksDB block: off the runtime.
        let (key, srs, store) = tokio::task::spawn_blocking(move || {
            let password = bls_password
                .resolve()
                .map_err(|source| NodeError::Keystore {
                    path: bls_path.clone(),
                    source,
                })?;
            let key =
                lamina_core::keystore::load_bls_key(&bls_path, &password).map_err(|source| {
                    NodeError::Keystore {
                        path: bls_path.clone(),
                        source,
                    }
                })?;
            let srs = srs_config.load(points, lamina_encoding::SrsScope::Verify)?;
            let store = Store::open(&db_path)?;
            let batches = store.check_invariants()?;
            tracing::info!(path = %db_path.display(), batches, "store opened");
            Ok::<_, NodeError>((key, srs, store))
        })
        .await
        .map_err(|e| NodeError::Serve {
            what: "startup",
            reason: e.to_string(),
        })??;
        let operator = key.operator_id();
        let payments = if config.payments.enabled {
            let source: Arc<dyn lamina_core::chain::PaymentSource> = Arc::new(chain.clone());
            Some(Arc::new(NodePayments::new(&config.payments, source).await?))
        } else {
            tracing::warn!("payments disabled: this node signs for blobs nobody paid for");
            None
        };

        let mut registry = Registry::default();
        let metrics = NodeMetrics::new(&mut registry);
        let state = Arc::new(NodeState {
            chain: ChainReader::new(
                chain,
                config.operator_state_cache,
                (config.signer_cache_ttl(), config.signer_cache_capacity),
                metrics.signer_lookups.clone(),
            ),
            srs: Arc::new(srs),
            key,
            operator,
            replay: ReplayGuard::new(2 * config.max_timestamp_skew()),
            request_limiter: RateLimiter::new(
                config.retrieval_requests_per_sec.into(),
                config.retrieval_burst.into(),
                config.retrieval_max_clients,
            ),
            byte_limiter: RateLimiter::new(
                config.retrieval_bytes_per_sec,
                config.retrieval_burst_bytes,
                config.retrieval_max_clients,
            ),
            reads: ReadsInFlight::new(config.retrieval_reads_per_client),
            node_info: std::sync::Mutex::new(None),
            store_permits: Arc::new(Semaphore::new(config.max_concurrent_store)),
            metrics: metrics.clone(),
            payments: payments.clone(),
            store: store.clone(),
            config: config.clone(),
        });

        let grpc = TcpListener::bind(config.grpc_listen)
            .await
            .map_err(|source| NodeError::Bind {
                what: "gRPC",
                addr: config.grpc_listen,
                source,
            })?;
        let http = TcpListener::bind(config.metrics_listen)
            .await
            .map_err(|source| NodeError::Bind {
                what: "metrics",
                addr: config.metrics_listen,
                source,
            })?;
        let local = |l: &TcpListener, what| {
            l.local_addr().map_err(|source| NodeError::Bind {
                what,
                addr: config.grpc_listen,
                source,
            })
        };
        let grpc_addr = local(&grpc, "gRPC")?;
        let metrics_addr = local(&http, "metrics")?;

        let cancel = CancellationToken::new();
        let ready = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();

        let max_request = config.max_request_bytes;
        let dispersal = DispersalServer::new(DispersalService(state.clone()))
            .max_decoding_message_size(max_request)
            .max_encoding_message_size(lamina_proto::MAX_MESSAGE_SIZE);
        let retrieval = RetrievalServer::new(RetrievalService(state.clone()))
            .max_decoding_message_size(lamina_proto::MAX_MESSAGE_SIZE)
            .max_encoding_message_size(lamina_proto::MAX_MESSAGE_SIZE);
        let grpc_cancel = cancel.clone();
        let grpc_ready = ready.clone();
        let grpc_limits = config.grpc_limits();
        tasks.push((
            "grpc",
            tokio::spawn(async move {
                let incoming = tokio_stream::wrappers::TcpListenerStream::new(grpc);
                let mut builder = limited_server(grpc_limits);
                if let Some(tls) = server_tls {
                    builder = builder.tls_config(tls).map_err(|e| NodeError::Serve {
                        what: "gRPC TLS",
                        reason: e.to_string(),
                    })?;
                }
                let serve = builder
                    .add_service(dispersal)
                    .add_service(retrieval)
                    .serve_with_incoming_shutdown(incoming, async move {
                        grpc_cancel.cancelled().await;
                        // Report not-ready before draining.
                        grpc_ready.store(false, Ordering::Release);
                    });
                serve.await.map_err(|e| NodeError::Serve {
                    what: "gRPC",
                    reason: e.to_string(),
                })
            }),
        ));

        let mut ops = lamina_core::ops_http::router(ready.clone(), Arc::new(registry));
        if config.console.enabled {
            let source: Arc<dyn lamina_console::NodeSource> =
                Arc::new(crate::console::NodeConsole::new(state.clone()));
            ops = ops.merge(lamina_console::node_router(source, config.console.clone()));
        }
        let http_cancel = cancel.clone();
        tasks.push((
            "http",
            tokio::spawn(async move {
                // With client addresses: the node page charges each request to its address.
                axum::serve(
                    http,
                    ops.into_make_service_with_connect_info::<std::net::SocketAddr>(),
                )
                .with_graceful_shutdown(http_cancel.cancelled_owned())
                .await
                .map_err(|e| NodeError::Serve {
                    what: "metrics",
                    reason: e.to_string(),
                })
            }),
        ));

        if let Some(payments) = payments {
            let refresh_cancel = cancel.clone();
            tasks.push((
                "payments",
                tokio::spawn(async move {
                    crate::payments::refresh_periodically(payments, refresh_cancel).await;
                    Ok(())
                }),
            ));
        }

        let expiry_cancel = cancel.clone();
        let interval = config.expiry_interval();
        tasks.push((
            "expiry",
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        () = expiry_cancel.cancelled() => return Ok(()),
                        () = tokio::time::sleep(interval) => {}
                    }
                    let store = store.clone();
                    let result =
                        tokio::task::spawn_blocking(move || store.delete_expired(unix_now()))
                            .await
                            .map_err(|e| StoreError::Task(e.to_string()))?;
                    match result {
                        Ok(0) => {}
                        Ok(n) => {
                            metrics.batches_expired.inc_by(n as u64);
                            tracing::info!(batches = n, "expired batches deleted");
                        }
                        // Keep serving; the next pass retries.
                        Err(e) => tracing::error!(error = %e, "expiry pass failed"),
                    }
                }
            }),
        ));

        ready.store(true, Ordering::Release);
        tracing::info!(%grpc_addr, %metrics_addr, %operator, "node serving");
        Ok(Self {
            grpc_addr,
            metrics_addr,
            operator,
            cancel,
            tasks,
        })
    }

    /// The bound gRPC address (useful with port 0).
    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc_addr
    }

    /// The bound HTTP address.
    pub fn metrics_addr(&self) -> SocketAddr {
        self.metrics_addr
    }

    /// This node's operator id.
    pub fn operator_id(&self) -> lamina_core::OperatorId {
        self.operator
    }

    /// Stops accepting requests, drains in-flight ones and waits for every task.
    pub async fn shutdown(self) -> Result<(), NodeError> {
        self.cancel.cancel();
        let mut first_error = None;
        for (name, task) in self.tasks {
            let result = task.await.map_err(|e| NodeError::Serve {
                what: name,
                reason: format!("task panicked: {e}"),
            });
            if let Err(e) = result.and_then(|r| r) {
                tracing::error!(task = name, error = %e, "task failed");
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Runs a node until `shutdown` completes, then stops it cleanly.
pub async fn run(config: NodeConfig, shutdown: impl Future<Output = ()>) -> Result<(), NodeError> {
    let node = Node::spawn(config).await?;
    shutdown.await;
    tracing::info!("shutting down");
    node.shutdown().await
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use lamina_proto::node::v1::retrieval_client::RetrievalClient;
    use lamina_proto::node::v1::retrieval_server::{Retrieval, RetrievalServer};
    use lamina_proto::node::v1::{
        GetBlobCertificateReply, GetBlobCertificateRequest, GetChunksReply, GetChunksRequest,
        GetNodeInfoReply, GetNodeInfoRequest,
    };
    use tokio::sync::{Notify, mpsc};
    use tonic::{Request, Response, Status};

    use super::*;

    /// GetChunks reports that it started, then waits until released (GetNodeInfo
    /// answers at once).
    struct Held {
        started: mpsc::Sender<()>,
        release: Arc<Notify>,
    }

    #[tonic::async_trait]
    impl Retrieval for Held {
        async fn get_chunks(
            &self,
            _request: Request<GetChunksRequest>,
        ) -> Result<Response<GetChunksReply>, Status> {
            let _ = self.started.send(()).await;
            self.release.notified().await;
            Ok(Response::new(GetChunksReply::default()))
        }

        async fn get_blob_certificate(
            &self,
            _request: Request<GetBlobCertificateRequest>,
        ) -> Result<Response<GetBlobCertificateReply>, Status> {
            Err(Status::unimplemented("test"))
        }

        async fn get_node_info(
            &self,
            _request: Request<GetNodeInfoRequest>,
        ) -> Result<Response<GetNodeInfoReply>, Status> {
            Ok(Response::new(GetNodeInfoReply::default()))
        }
    }

    async fn serve(limits: GrpcLimits) -> (String, mpsc::Receiver<()>, Arc<Notify>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let addr = listener.local_addr().expect("addr");
        let (started, started_rx) = mpsc::channel(8);
        let release = Arc::new(Notify::new());
        let service = RetrievalServer::new(Held {
            started,
            release: release.clone(),
        });
        tokio::spawn(
            limited_server(limits)
                .add_service(service)
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
        );
        (format!("http://{addr}"), started_rx, release)
    }

    #[tokio::test]
    async fn payments_without_a_payment_vault_refuse_to_start_naming_the_way_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let deployment = dir.path().join("31337.json");
        // Every contract but the vault.
        std::fs::write(
            &deployment,
            r#"{"registry_coordinator": "0x0000000000000000000000000000000000000001"}"#,
        )
        .expect("written");
        let config = NodeConfig {
            deployment,
            data_dir: dir.path().join("node"),
            ..NodeConfig::default()
        };
        let error = Node::spawn(config).await.expect_err("refused");
        assert!(
            matches!(error, NodeError::Config(ConfigError::NoPaymentVault { .. })),
            "{error}"
        );
        let message = error.to_string();
        assert!(message.contains("enabled = false"), "{message}");
        assert!(message.contains("[payments]"), "{message}");
    }

    #[tokio::test]
    async fn requests_past_the_global_bound_are_refused_not_queued() {
        let limits = GrpcLimits {
            timeout: Duration::from_secs(3600),
            global: 1,
            per_connection: 8,
        };
        let (url, mut started, release) = serve(limits).await;
        let mut first = RetrievalClient::connect(url.clone())
            .await
            .expect("connects");
        let held = tokio::spawn(async move { first.get_chunks(GetChunksRequest::default()).await });
        started
            .recv()
            .await
            .expect("the first request is being served");
        // Another connection: the global bound, not the per-connection one, refuses it.
        let mut second = RetrievalClient::connect(url).await.expect("connects");
        let status = second
            .get_node_info(GetNodeInfoRequest {})
            .await
            .expect_err("over the global bound");
        assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
        release.notify_one();
        held.await
            .expect("joins")
            .expect("the first request completes");
        second
            .get_node_info(GetNodeInfoRequest {})
            .await
            .expect("served once the first is done");
    }

    #[tokio::test]
    async fn requests_past_the_per_connection_bound_are_refused() {
        let limits = GrpcLimits {
            timeout: Duration::from_secs(3600),
            global: 64,
            per_connection: 1,
        };
        let (url, mut started, release) = serve(limits).await;
        let channel = tonic::transport::Endpoint::from_shared(url)
            .expect("url")
            .connect()
            .await
            .expect("connects");
        let mut first = RetrievalClient::new(channel.clone());
        let held = tokio::spawn(async move { first.get_chunks(GetChunksRequest::default()).await });
        started
            .recv()
            .await
            .expect("the first request is being served");
        let status = RetrievalClient::new(channel)
            .get_node_info(GetNodeInfoRequest {})
            .await
            .expect_err("over the per-connection bound");
        assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
        release.notify_one();
        held.await
            .expect("joins")
            .expect("the first request completes");
    }

    #[tokio::test]
    async fn a_request_past_its_deadline_gets_a_status_not_a_hang() {
        let limits = GrpcLimits {
            timeout: Duration::from_millis(50),
            global: 8,
            per_connection: 8,
        };
        let (url, _started, _release) = serve(limits).await;
        let status = RetrievalClient::connect(url)
            .await
            .expect("connects")
            .get_chunks(GetChunksRequest::default())
            .await
            .expect_err("never released: the deadline ends it");
        assert_eq!(status.code(), tonic::Code::Cancelled, "{status:?}");
    }
}
