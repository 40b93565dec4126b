//! Prometheus metrics of the encoder service (`GET /metrics`).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Label: how an `EncodeBlob` ended (`ok`, `busy`, `missing`, `invalid`, `unencodable`,
/// `storage`, `internal`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct OutcomeLabels {
    pub(crate) outcome: &'static str,
}

/// The service's metrics.
#[derive(Debug)]
pub(crate) struct Metrics {
    pub(crate) requests: Family<OutcomeLabels, Counter>,
    pub(crate) encode_seconds: Histogram,
    pub(crate) blob_bytes: Counter,
    pub(crate) in_flight: Gauge,
}

impl Metrics {
    /// Creates the metrics and registers them in `registry`.
    pub(crate) fn new(registry: &mut Registry) -> Self {
        let m = Self {
            requests: Family::default(),
            // 10 ms .. ~82 s.
            encode_seconds: Histogram::new(exponential_buckets(0.01, 2.0, 14)),
            blob_bytes: Counter::default(),
            in_flight: Gauge::default(),
        };
        registry.register(
            "lamina_encoder_requests",
            "EncodeBlob requests by outcome",
            m.requests.clone(),
        );
        registry.register(
            "lamina_encoder_encode_seconds",
            "Time computing one blob's frames (object reads and writes excluded)",
            m.encode_seconds.clone(),
        );
        registry.register(
            "lamina_encoder_blob_bytes",
            "Bytes of blobs encoded",
            m.blob_bytes.clone(),
        );
        registry.register(
            "lamina_encoder_in_flight",
            "Blobs being encoded now",
            m.in_flight.clone(),
        );
        m
    }
}
