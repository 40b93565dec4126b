//! Prometheus metrics of the proxy (`GET /metrics`).

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of a request: its route and the status it got.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    status: u16,
}

/// Label: the route.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
}

/// Label: why a certificate was dropped (the derivation code's name).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DropLabels {
    reason: &'static str,
}

/// Labels of a secondary-storage operation: `write` (`ok`, `error`, `dropped` at a full
/// queue) or `read` (`hit`, `miss`, `error`, `mismatch`: not the committed blob).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SecondaryLabels {
    op: &'static str,
    outcome: &'static str,
}

/// Label: where a read's batch came from (`cache`, `disperser`, `retrieval`: the
/// retriever service or the operators, `secondary`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: &'static str,
}

/// Label: how the disperser fast path of a read ended (`ok`, `unavailable`: no answer,
/// an error or a timeout, `mismatch`: bytes that are not the committed blob).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

/// 10 ms to about 164 s, doubling: a dispersal waits for a batch and its signatures.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.01, 2.0, 15))
}

/// The proxy's metrics.
#[derive(Debug)]
pub(crate) struct Metrics {
    requests: Family<RequestLabels, Counter>,
    request_seconds: Family<RouteLabels, Histogram, fn() -> Histogram>,
    dispersal_seconds: Histogram,
    retrieval_seconds: Histogram,
    cache_hits: Counter,
    drops: Family<DropLabels, Counter>,
    secondary: Family<SecondaryLabels, Counter>,
    reads: Family<SourceLabels, Counter>,
    disperser_reads: Family<OutcomeLabels, Counter>,
}

impl Metrics {
    /// Creates the metrics and registers them in `registry`.
    pub(crate) fn new(registry: &mut Registry) -> Self {
        let m = Self {
            requests: Family::default(),
            request_seconds: Family::new_with_constructor(latency_histogram),
            dispersal_seconds: latency_histogram(),
            retrieval_seconds: latency_histogram(),
            cache_hits: Counter::default(),
            drops: Family::default(),
            secondary: Family::default(),
            reads: Family::default(),
            disperser_reads: Family::default(),
        };
        let r = registry.sub_registry_with_prefix("lamina_proxy");
        r.register(
            "requests",
            "Requests by route and HTTP status",
            m.requests.clone(),
        );
        r.register(
            "request_seconds",
            "Request latency by route",
            m.request_seconds.clone(),
        );
        r.register(
            "dispersal_seconds",
            "POST /put: batch received to verified certificate",
            m.dispersal_seconds.clone(),
        );
        r.register(
            "retrieval_seconds",
            "GET /get: blob retrieval from the network",
            m.retrieval_seconds.clone(),
        );
        r.register(
            "cache_hits",
            "GET /get answered from recently written batches",
            m.cache_hits.clone(),
        );
        r.register(
            "drops",
            "Certificates dropped by the derivation rules, by reason",
            m.drops.clone(),
        );
        r.register(
            "secondary",
            "Secondary-storage writes and reads by outcome",
            m.secondary.clone(),
        );
        r.register(
            "reads",
            "Blobs (or batches) reads got, by source",
            m.reads.clone(),
        );
        r.register(
            "disperser_reads",
            "Reads' GetBlob fast path by outcome",
            m.disperser_reads.clone(),
        );
        m
    }

    pub(crate) fn read_from(&self, source: &'static str) {
        self.reads.get_or_create(&SourceLabels { source }).inc();
    }

    pub(crate) fn disperser_read(&self, outcome: &'static str) {
        self.disperser_reads
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    pub(crate) fn request(&self, route: &'static str, status: u16, took: Duration) {
        self.requests
            .get_or_create(&RequestLabels { route, status })
            .inc();
        self.request_seconds
            .get_or_create(&RouteLabels { route })
            .observe(took.as_secs_f64());
    }

    pub(crate) fn dispersal(&self, took: Duration) {
        self.dispersal_seconds.observe(took.as_secs_f64());
    }

    pub(crate) fn retrieval(&self, took: Duration) {
        self.retrieval_seconds.observe(took.as_secs_f64());
    }

    pub(crate) fn cache_hit(&self) {
        self.cache_hits.inc();
    }

    pub(crate) fn secondary(&self, op: &'static str, outcome: &'static str) {
        self.secondary
            .get_or_create(&SecondaryLabels { op, outcome })
            .inc();
    }

    pub(crate) fn dropped(&self, reason: &'static str) {
        self.drops.get_or_create(&DropLabels { reason }).inc();
    }
}
