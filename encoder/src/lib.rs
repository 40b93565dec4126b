//! # lamina-encoder
//!
//! The stateless encoder of a scaled-out disperser. In the path blob → chunks →
//! attestation → certificate → retrieval, it does the expensive middle of "chunks":
//! `EncodeBlob(blob key, shape)` reads the blob an API server wrote to the object
//! store, computes its frames (Reed-Solomon chunks and their FK20 multiproofs, bit
//! for bit EigenDA's), writes them back as one object (`lamina_storage::frames`) and
//! answers with the frame count, frame length and the object's digest. Any number of
//! encoders can serve one controller; each keeps its FK20 tables warm and reports its
//! load (`GetLoad`).
//!
//! ## Bird's-eye view
//!
//! - [`service_encoder`] and [`encode_frames`]: the one encoding core, also what the
//!   disperser runs when it encodes in process (the default);
//! - [`EncoderService`]: the gRPC service; at most `max_concurrent_encodes` blobs at
//!   once, beyond which it answers RESOURCE_EXHAUSTED at once (the controller asks
//!   another encoder rather than queue behind a busy one);
//! - [`run`]: loads the SRS, opens the object store, serves gRPC and
//!   `GET /health`, `GET /metrics` until shutdown, then drains.
//!
//! Errors: [`EncoderError`] when it cannot start, [`EncodeFailure`] per request, mapped
//! to gRPC statuses in one place (`From<EncodeFailure> for tonic::Status`).

#![forbid(unsafe_code)]

mod config;
mod error;
mod metrics;
mod service;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use lamina_proto::MAX_MESSAGE_SIZE;
use lamina_proto::encoder::v1::encoder_server::EncoderServer;
use lamina_storage::BlobObjects;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;

pub use config::EncoderConfig;
pub use error::{EncodeFailure, EncoderError, FrameError};
pub use service::{EncoderService, encode_frames, service_encoder};

async fn bind(addr: SocketAddr) -> Result<TcpListener, EncoderError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| EncoderError::Bind { addr, source })
}

/// Runs the encoder service until `shutdown` resolves; encodes in flight finish first.
pub async fn run(
    config: EncoderConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), EncoderError> {
    config.validate()?;
    let grpc = bind(config.grpc_listen).await?;
    let http = bind(config.metrics_listen).await?;
    run_on(config, grpc, http, shutdown).await
}

/// [`run`] on listeners already bound (`grpc_listen` and `metrics_listen` are ignored):
/// for tests and embedders that bind port 0 and learn the port first.
pub async fn run_on(
    config: EncoderConfig,
    grpc: TcpListener,
    http: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), EncoderError> {
    config.validate()?;
    std::fs::create_dir_all(&config.data_dir).map_err(|e| EncoderError::Config {
        field: "data_dir",
        reason: format!("{}: {e}", config.data_dir.display()),
    })?;
    let objects = BlobObjects::open(&config.objects).map_err(EncoderError::Objects)?;
    tracing::info!(objects = %config.objects.describe(), "object store");
    let server_tls = config.tls.server_tls()?;
    // Frames need only G1 powers: the verifier's scope loads no long G2 vectors.
    let srs_config = config.srs.approve_offline();
    let points = config.srs_points;
    let srs = tokio::task::spawn_blocking(move || {
        srs_config.load(points, lamina_encoding::SrsScope::Verify)
    })
    .await
    .map_err(|_| EncoderError::Worker {
        what: "SRS loading",
    })??;
    if srs.is_insecure() {
        tracing::warn!("using the INSECURE development SRS: for tests and devnets only");
    }
    let encoder = Arc::new(
        service_encoder(Arc::new(srs))
            .with_fixed_bases_limit(config.fk20_window_multiples_mib.saturating_mul(1 << 20)),
    );

    let grpc_addr = grpc.local_addr().unwrap_or(config.grpc_listen);
    let http_addr = http.local_addr().unwrap_or(config.metrics_listen);
    let mut registry = Registry::default();
    let metrics = Arc::new(metrics::Metrics::new(&mut registry));
    let service = EncoderService::new(encoder, objects, config.max_concurrent_encodes, metrics);
    let ready = Arc::new(AtomicBool::new(false));
    let stop = CancellationToken::new();

    let router = lamina_core::ops_http::router(Arc::clone(&ready), Arc::new(registry));
    let http_task = lamina_core::ops_http::spawn(http, router, stop.clone().cancelled_owned());

    let mut builder = tonic::transport::Server::builder().timeout(std::time::Duration::from_secs(
        config.grpc_request_timeout_secs,
    ));
    if let Some(tls) = server_tls {
        builder = builder.tls_config(tls)?;
    }
    let server = builder
        .add_service(
            EncoderServer::new(service)
                .max_decoding_message_size(MAX_MESSAGE_SIZE)
                .max_encoding_message_size(MAX_MESSAGE_SIZE),
        )
        .serve_with_incoming_shutdown(TcpListenerStream::new(grpc), stop.clone().cancelled_owned());
    ready.store(true, Ordering::SeqCst);
    tracing::info!(%grpc_addr, %http_addr, "encoder serving");

    tokio::pin!(server);
    let served = tokio::select! {
        served = &mut server => served,
        () = shutdown => {
            tracing::info!("encoder shutting down: finishing the blobs in flight");
            ready.store(false, Ordering::SeqCst);
            stop.cancel();
            server.await
        }
    };
    stop.cancel();
    let http_result = lamina_core::ops_http::join(http_task).await;
    served?;
    http_result.map_err(EncoderError::Http)
}
