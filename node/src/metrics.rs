//! Prometheus metrics of the node, served as text on `GET /metrics`.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Label of rejected batches.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    /// Short reason (see `ValidationError::reason_label`).
    pub reason: &'static str,
}

/// Labels of gRPC latencies.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct GrpcLabels {
    /// Method name, e.g. `StoreChunks`.
    pub method: &'static str,
    /// `ok` or the status code name.
    pub code: &'static str,
}

/// Every metric the node exports. Cloning shares the underlying counters.
#[derive(Clone, Debug)]
pub struct NodeMetrics {
    /// StoreChunks requests received.
    pub batches_received: Counter,
    /// Batches validated, stored and signed.
    pub batches_signed: Counter,
    /// Batches refused, by reason.
    pub batches_rejected: Family<ReasonLabel, Counter>,
    /// Frame bytes written to the store.
    pub bytes_stored: Counter,
    /// Time to validate a batch (parsing, length proofs, batched frame verification).
    pub verification_seconds: Histogram,
    /// gRPC handler latency by method and outcome.
    pub grpc_seconds: Family<GrpcLabels, Histogram>,
    /// Batches deleted by expiry.
    pub batches_expired: Counter,
    /// Chain calls made to check a StoreChunks signer (`isBatchConfirmer`): cache misses.
    pub signer_lookups: Counter,
    /// Chain reads made to answer GetNodeInfo: cache misses.
    pub node_info_lookups: Counter,
    /// The same counts as `batches_rejected`, readable by the node page (a prometheus
    /// family cannot be listed). std `Mutex`: an increment or a copy, never across `.await`.
    rejected_by_reason:
        std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<&'static str, u64>>>,
}

impl NodeMetrics {
    /// Counts a refused batch under `reason` (`batches_rejected_total{reason}`).
    pub fn rejected(&self, reason: &'static str) {
        self.batches_rejected
            .get_or_create(&ReasonLabel { reason })
            .inc();
        *self
            .rejected_by_reason
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(reason)
            .or_default() += 1;
    }

    /// Batches refused since the start, by reason.
    pub fn rejected_by_reason(&self) -> std::collections::BTreeMap<String, u64> {
        self.rejected_by_reason
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(k, v)| ((*k).to_owned(), *v))
            .collect()
    }
}

fn latency_histogram() -> Histogram {
    // 1 ms .. ~33 s: covers a tiny retrieval and a 16 MiB batch on a slow disk.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl NodeMetrics {
    /// Creates the metrics and registers them under the `lamina_node` prefix.
    pub fn new(registry: &mut Registry) -> Self {
        let metrics = Self {
            batches_received: Counter::default(),
            batches_signed: Counter::default(),
            batches_rejected: Family::default(),
            bytes_stored: Counter::default(),
            verification_seconds: latency_histogram(),
            grpc_seconds: Family::new_with_constructor(latency_histogram),
            batches_expired: Counter::default(),
            signer_lookups: Counter::default(),
            node_info_lookups: Counter::default(),
            rejected_by_reason: Default::default(),
        };
        let r = registry.sub_registry_with_prefix("lamina_node");
        r.register(
            "batches_received",
            "StoreChunks requests received",
            metrics.batches_received.clone(),
        );
        r.register(
            "batches_signed",
            "Batches validated, stored and signed",
            metrics.batches_signed.clone(),
        );
        r.register(
            "batches_rejected",
            "Batches refused, by reason",
            metrics.batches_rejected.clone(),
        );
        r.register(
            "bytes_stored",
            "Frame bytes written to the store",
            metrics.bytes_stored.clone(),
        );
        r.register(
            "verification_seconds",
            "Time to validate a StoreChunks batch",
            metrics.verification_seconds.clone(),
        );
        r.register(
            "grpc_seconds",
            "gRPC handler latency by method and outcome",
            metrics.grpc_seconds.clone(),
        );
        r.register(
            "batches_expired",
            "Batches deleted after their custody period",
            metrics.batches_expired.clone(),
        );
        r.register(
            "signer_lookups",
            "Chain calls made to check a StoreChunks signer (cache misses)",
            metrics.signer_lookups.clone(),
        );
        r.register(
            "node_info_lookups",
            "Chain reads made to answer GetNodeInfo (cache misses)",
            metrics.node_info_lookups.clone(),
        );
        metrics
    }

    /// Records one gRPC call.
    pub fn observe_grpc(&self, method: &'static str, code: tonic::Code, elapsed: Duration) {
        self.grpc_seconds
            .get_or_create(&GrpcLabels {
                method,
                code: code_label(code),
            })
            .observe(elapsed.as_secs_f64());
    }
}

/// A static name for each gRPC code (label values must be `'static` here).
fn code_label(code: tonic::Code) -> &'static str {
    match code {
        tonic::Code::Ok => "ok",
        tonic::Code::Cancelled => "cancelled",
        tonic::Code::Unknown => "unknown",
        tonic::Code::InvalidArgument => "invalid_argument",
        tonic::Code::DeadlineExceeded => "deadline_exceeded",
        tonic::Code::NotFound => "not_found",
        tonic::Code::AlreadyExists => "already_exists",
        tonic::Code::PermissionDenied => "permission_denied",
        tonic::Code::ResourceExhausted => "resource_exhausted",
        tonic::Code::FailedPrecondition => "failed_precondition",
        tonic::Code::Aborted => "aborted",
        tonic::Code::OutOfRange => "out_of_range",
        tonic::Code::Unimplemented => "unimplemented",
        tonic::Code::Internal => "internal",
        tonic::Code::Unavailable => "unavailable",
        tonic::Code::DataLoss => "data_loss",
        tonic::Code::Unauthenticated => "unauthenticated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `lamina_node_*` series `ops/grafana/lamina-node.json` queries is one the node
    /// exports.
    #[test]
    fn the_grafana_dashboard_queries_only_exported_metrics() {
        let mut registry = Registry::default();
        let metrics = NodeMetrics::new(&mut registry);
        // Families show in the text once they have a series.
        metrics.rejected("stale");
        metrics
            .grpc_seconds
            .get_or_create(&GrpcLabels {
                method: "StoreChunks",
                code: "ok",
            })
            .observe(0.1);
        let mut exported = String::new();
        prometheus_client::encoding::text::encode(&mut exported, &registry).expect("encodes");
        let dashboard = include_str!("../../ops/grafana/lamina-node.json");
        let names = lamina_core::ops_http::metric_names(dashboard, "lamina_node_");
        assert!(names.len() >= 8, "{names:?}");
        for name in names {
            assert!(
                exported.contains(&format!("# TYPE {name} ")),
                "the dashboard queries {name}, which the node does not export"
            );
        }
        assert_eq!(metrics.rejected_by_reason().get("stale"), Some(&1));
    }
}
