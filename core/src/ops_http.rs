//! The operations endpoint every Lamina service serves on its metrics port:
//! `GET /health` (200 once serving, 503 while starting or draining) and `GET /metrics`
//! (Prometheus/OpenMetrics text of the service's registry).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::registry::Registry;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone)]
struct OpsState {
    ready: Arc<AtomicBool>,
    registry: Arc<Registry>,
}

/// The router for `/health` and `/metrics`. `ready` is the service's readiness flag: set
/// it once the gRPC port serves and clear it when draining.
pub fn router(ready: Arc<AtomicBool>, registry: Arc<Registry>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .with_state(OpsState { ready, registry })
}

async fn health(State(state): State<OpsState>) -> impl IntoResponse {
    if state.ready.load(Ordering::Acquire) {
        (StatusCode::OK, "ok\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "starting or stopping\n")
    }
}

async fn metrics(State(state): State<OpsState>) -> impl IntoResponse {
    let mut body = String::new();
    match prometheus_client::encoding::text::encode(&mut body, &state.registry) {
        Ok(()) => (StatusCode::OK, [(header::CONTENT_TYPE, OPENMETRICS)], body),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/plain")],
            format!("encoding metrics failed: {e}\n"),
        ),
    }
}

/// Serves `router` on `listener` until `stop` resolves (then finishes the requests in
/// flight), on its own task.
pub fn spawn(
    listener: tokio::net::TcpListener,
    router: Router,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<std::io::Result<()>> {
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(stop)
            .await
    })
}

/// How a task from [`spawn`] ended: a panicked or cancelled task is an error too.
pub async fn join(task: tokio::task::JoinHandle<std::io::Result<()>>) -> std::io::Result<()> {
    task.await
        .map_err(|e| std::io::Error::other(format!("HTTP server task: {e}")))?
}

/// The metric family names (`prefix…`, without `_bucket`, `_sum`, `_count` or `_total`) a
/// text such as a Grafana dashboard's JSON refers to: for tests that keep dashboards
/// (`ops/grafana/`) and registries in step.
pub fn metric_names(text: &str, prefix: &str) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        let name = &tail[..end];
        let base = ["_bucket", "_sum", "_count", "_total"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(name);
        // `prefix*` in a description names no metric.
        if base.len() > prefix.len() {
            names.insert(base.to_owned());
        }
        rest = &tail[end..];
    }
    names
}
