//! Prometheus metrics and the `/health` + `/metrics` HTTP server (`lamina_core::ops_http`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokio_util::sync::CancellationToken;

use crate::error::DisperserError;
use crate::store::BlobState;

/// Label pairs of a metric family.
pub type Labels = Vec<(&'static str, String)>;
type HistogramFamily = Family<Labels, Histogram, fn() -> Histogram>;

fn seconds_histogram() -> Histogram {
    // 1 ms .. ~65 s
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

fn count_histogram() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 12))
}

fn bytes_histogram() -> Histogram {
    // 1 KiB .. 512 MiB
    Histogram::new(exponential_buckets(1024.0, 2.0, 20))
}

/// Every metric the disperser exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// Blobs entering each state.
    pub blobs: Family<Labels, Counter>,
    /// Bytes of accepted blobs.
    pub accepted_bytes: Counter,
    /// Requests refused, by gRPC code.
    pub rejected: Family<Labels, Counter>,
    /// Blobs accepted and not yet terminal.
    pub in_flight: Gauge,
    /// Time to encode one blob into frames.
    pub encode_seconds: Histogram,
    /// Remote encoder attempts that failed and moved the blob to another encoder, by
    /// encoder endpoint.
    pub encoder_retries: Family<Labels, Counter>,
    /// Blobs per batch.
    pub batch_blobs: Histogram,
    /// Blob bytes per batch.
    pub batch_bytes: Histogram,
    /// StoreChunks outcomes per operator (`signed`, `bad_signature`, `error`, `timeout`).
    pub operator_requests: Family<Labels, Counter>,
    /// StoreChunks latency per operator.
    pub operator_latency: HistogramFamily,
    /// From acceptance to a terminal state.
    pub dispersal_seconds: Histogram,
    /// `confirmBatch` outcomes (`confirmed`, `failed`).
    pub anchors: Family<Labels, Counter>,
    /// The commitment pool's counters.
    pub commitment: CommitmentMetrics,
}

/// Counters of the commitment pool ([`crate::commit_pool::CommitmentPool`]).
#[derive(Clone, Debug, Default)]
pub struct CommitmentMetrics {
    /// Jobs (MSM or pairing work) running now.
    pub running: Gauge,
    /// Jobs started.
    pub started: Counter,
    /// Requests refused with slots and queue full.
    pub refused: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric under the `lamina_disperser` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("lamina_disperser");
        let blobs = Family::<Labels, Counter>::default();
        registry.register("blobs", "Blobs entering each status", blobs.clone());
        let accepted_bytes = Counter::default();
        registry.register(
            "accepted_bytes",
            "Bytes of accepted blobs",
            accepted_bytes.clone(),
        );
        let rejected = Family::<Labels, Counter>::default();
        registry.register(
            "rejected_requests",
            "DisperseBlob requests refused, by gRPC code",
            rejected.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "in_flight_blobs",
            "Blobs accepted and not yet terminal",
            in_flight.clone(),
        );
        let encode_seconds = seconds_histogram();
        registry.register(
            "encode_seconds",
            "Time to encode a blob into frames",
            encode_seconds.clone(),
        );
        let encoder_retries = Family::<Labels, Counter>::default();
        registry.register(
            "encoder_retries",
            "Remote encoder attempts that failed (the blob went to another encoder), by encoder",
            encoder_retries.clone(),
        );
        let batch_blobs = count_histogram();
        registry.register("batch_blobs", "Blobs per batch", batch_blobs.clone());
        let batch_bytes = bytes_histogram();
        registry.register("batch_bytes", "Blob bytes per batch", batch_bytes.clone());
        let operator_requests = Family::<Labels, Counter>::default();
        registry.register(
            "operator_requests",
            "StoreChunks outcomes per operator",
            operator_requests.clone(),
        );
        let operator_latency: HistogramFamily = Family::new_with_constructor(seconds_histogram);
        registry.register(
            "operator_latency_seconds",
            "StoreChunks latency per operator",
            operator_latency.clone(),
        );
        let dispersal_seconds = seconds_histogram();
        registry.register(
            "dispersal_seconds",
            "Time from acceptance to a terminal status",
            dispersal_seconds.clone(),
        );
        let anchors = Family::<Labels, Counter>::default();
        registry.register("anchors", "confirmBatch outcomes", anchors.clone());
        let commitment = CommitmentMetrics::default();
        registry.register(
            "commitment_jobs_running",
            "Commitment jobs (MSMs, pairings) running on the commitment pool",
            commitment.running.clone(),
        );
        registry.register(
            "commitment_jobs",
            "Commitment jobs started on the commitment pool",
            commitment.started.clone(),
        );
        registry.register(
            "commitment_refused",
            "Requests refused because the commitment pool and its queue were full",
            commitment.refused.clone(),
        );
        Self {
            registry: Arc::new(registry),
            blobs,
            accepted_bytes,
            rejected,
            in_flight,
            encode_seconds,
            encoder_retries,
            batch_blobs,
            batch_bytes,
            operator_requests,
            operator_latency,
            dispersal_seconds,
            anchors,
            commitment,
        }
    }

    /// Counts a blob entering `state`.
    pub fn blob_state(&self, state: BlobState) {
        self.blobs
            .get_or_create(&vec![("status", state.label().to_owned())])
            .inc();
    }

    /// Counts a StoreChunks outcome and its latency.
    pub fn operator(&self, operator: &str, outcome: &'static str, seconds: f64) {
        self.operator_requests
            .get_or_create(&vec![
                ("operator", operator.to_owned()),
                ("outcome", outcome.to_owned()),
            ])
            .inc();
        self.operator_latency
            .get_or_create(&vec![("operator", operator.to_owned())])
            .observe(seconds);
    }

    /// The Prometheus text exposition (served by `lamina_core::ops_http`).
    #[cfg(test)]
    fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Binds `addr` and serves `/health` (200 once `ready`) and `/metrics` until `shutdown`.
pub async fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    ready: Arc<AtomicBool>,
    shutdown: CancellationToken,
    console: Option<axum::Router>,
) -> Result<(), DisperserError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| DisperserError::Listen {
            what: "metrics listener",
            addr,
            source,
        })?;
    let mut app = lamina_core::ops_http::router(ready, Arc::clone(&metrics.registry));
    if let Some(console) = console {
        app = app.merge(console);
    }
    // With client addresses: the console charges each request to its address.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { shutdown.cancelled().await })
    .await
    .map_err(|source| DisperserError::Listen {
        what: "metrics server",
        addr,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `lamina_disperser_*` series `ops/grafana/lamina-disperser.json` queries is one
    /// this registry exports (a renamed metric must not leave a dashboard panel empty).
    #[test]
    fn the_grafana_dashboard_queries_only_exported_metrics() {
        let dashboard = include_str!("../../ops/grafana/lamina-disperser.json");
        let m = Metrics::new();
        // Families show in the text once they have a series.
        m.blob_state(BlobState::Complete);
        m.operator("0xab", "signed", 0.5);
        m.rejected
            .get_or_create(&vec![("code", "Unavailable".into())])
            .inc();
        m.anchors
            .get_or_create(&vec![("outcome", "confirmed".into())])
            .inc();
        let exported = m.render();
        let names = lamina_core::ops_http::metric_names(dashboard, "lamina_disperser_");
        assert!(names.len() >= 10, "{names:?}");
        for name in names {
            assert!(
                exported.contains(&format!("# TYPE {name} ")),
                "the dashboard queries {name}, which the disperser does not export"
            );
        }
    }

    #[test]
    fn renders_labelled_metrics() {
        let m = Metrics::new();
        m.blob_state(BlobState::Complete);
        m.operator("0xab", "signed", 0.5);
        let text = m.render();
        assert!(
            text.contains("lamina_disperser_blobs_total{status=\"complete\"} 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "lamina_disperser_operator_requests_total{operator=\"0xab\",outcome=\"signed\"} 1"
            ),
            "{text}"
        );
    }
}
