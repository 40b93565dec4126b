//! `run`: the retriever service. Loads the SRS, connects to the chain, binds the
//! gRPC and health/metrics ports, serves until `shutdown`, then drains.
//!
//! Tasks: the tonic server and the axum health/metrics server, both stopped by one
//! [`CancellationToken`]; `run` returns once both have finished.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use lamina_core::chain::EthChain;
use lamina_proto::MAX_MESSAGE_SIZE;
use lamina_proto::retriever::v1::retriever_server::RetrieverServer;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;

use crate::config::RetrieverConfig;
use crate::error::RetrieverError;
use crate::metrics::Metrics;
use crate::retriever::Retriever;
use crate::service::RetrieverService;

async fn bind(addr: SocketAddr) -> Result<TcpListener, RetrieverError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| RetrieverError::Bind { addr, source })
}

/// Runs the retriever service until `shutdown` resolves.
pub async fn run(
    config: RetrieverConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), RetrieverError> {
    config.validate()?;
    std::fs::create_dir_all(&config.data_dir).map_err(|source| RetrieverError::Io {
        path: config.data_dir.clone(),
        source,
    })?;
    let addresses = config.contract_addresses()?;
    let server_tls = config.tls.server_tls()?;
    let connector = config.tls.connector()?;
    let chain = EthChain::connect_http_with_tls(&config.rpc_url, addresses, None, &config.tls)
        .map_err(|source| RetrieverError::Config {
            field: "rpc_url",
            reason: source.to_string(),
        })?;
    // The development SRS only on a development chain.
    let srs_config = config.srs.approve(&chain).await?;
    let points = config.srs_points;
    let srs = tokio::task::spawn_blocking(move || {
        srs_config.load(points, lamina_encoding::SrsScope::Verify)
    })
    .await
    .map_err(|_| RetrieverError::Worker {
        what: "SRS loading",
    })??;
    if srs.is_insecure() {
        tracing::warn!("using the INSECURE development SRS: for tests and devnets only");
    }
    let mut retriever =
        Retriever::new(chain, Arc::new(srs), config.retrieval.clone()).with_tls(connector);
    if let Some(endpoint) = &config.disperser {
        retriever = retriever.with_disperser(endpoint)?;
    }
    let retriever = Arc::new(retriever);

    let grpc = bind(config.grpc_listen).await?;
    let http = bind(config.metrics_listen).await?;
    let grpc_addr = grpc.local_addr().unwrap_or(config.grpc_listen);
    let http_addr = http.local_addr().unwrap_or(config.metrics_listen);

    let mut registry = Registry::default();
    let metrics = Arc::new(Metrics::new(&mut registry));
    let ready = Arc::new(AtomicBool::new(false));
    let service = RetrieverService {
        retriever,
        permits: Arc::new(Semaphore::new(config.max_concurrent_retrievals)),
        metrics,
    };
    let stop = CancellationToken::new();

    let router = lamina_core::ops_http::router(Arc::clone(&ready), Arc::new(registry));
    let http_task = lamina_core::ops_http::spawn(http, router, stop.clone().cancelled_owned());

    let grpc_stop = stop.clone();
    let mut builder = tonic::transport::Server::builder()
        // A deadline, a per-connection and a global bound on requests in flight; load
        // shedding answers RESOURCE_EXHAUSTED past a bound instead of queueing.
        .timeout(std::time::Duration::from_secs(
            config.grpc_request_timeout_secs,
        ))
        .concurrency_limit_per_connection(config.grpc_concurrency_per_connection)
        .load_shed(true)
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            config.grpc_max_concurrent_requests,
        ));
    if let Some(tls) = server_tls {
        builder = builder.tls_config(tls)?;
    }
    let server = builder
        .add_service(
            RetrieverServer::new(service)
                .max_decoding_message_size(MAX_MESSAGE_SIZE)
                .max_encoding_message_size(MAX_MESSAGE_SIZE),
        )
        .serve_with_incoming_shutdown(TcpListenerStream::new(grpc), grpc_stop.cancelled_owned());
    // Both sockets are bound and the server future exists: accepted connections queue
    // in the listener until it is polled, so the service is ready.
    ready.store(true, Ordering::SeqCst);
    tracing::info!(%grpc_addr, %http_addr, "retriever serving");

    tokio::pin!(server);
    let served = tokio::select! {
        served = &mut server => served,
        () = shutdown => {
            tracing::info!("retriever shutting down: draining in-flight retrievals");
            ready.store(false, Ordering::SeqCst);
            stop.cancel();
            server.await
        }
    };
    // Stop the HTTP server too if gRPC ended on its own (an error).
    stop.cancel();
    let http_result = lamina_core::ops_http::join(http_task).await;
    served?;
    http_result.map_err(|source| RetrieverError::Io {
        path: "metrics server".into(),
        source,
    })
}
