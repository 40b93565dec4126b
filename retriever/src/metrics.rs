//! Prometheus metrics of the retriever service (`GET /metrics`).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use lamina_proto::retriever::v1::RetrieveBlobReply;

use crate::error::RetrieverError;
use crate::report::RetrievalReport;

/// Label: how a retrieval ended.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct OutcomeLabels {
    outcome: &'static str,
}

/// Label: why an operator was skipped.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct FaultLabels {
    fault: &'static str,
}

/// The service's metrics.
#[derive(Debug)]
pub(crate) struct Metrics {
    retrievals: Family<OutcomeLabels, Counter>,
    operator_faults: Family<FaultLabels, Counter>,
    payload_bytes: Counter,
    latency: Histogram,
}

impl Metrics {
    /// Creates the metrics and registers them in `registry`.
    pub(crate) fn new(registry: &mut Registry) -> Self {
        let m = Self {
            retrievals: Family::default(),
            operator_faults: Family::default(),
            payload_bytes: Counter::default(),
            // 10 ms .. ~82 s.
            latency: Histogram::new(exponential_buckets(0.01, 2.0, 14)),
        };
        registry.register(
            "lamina_retriever_retrievals",
            "Retrievals by outcome",
            m.retrievals.clone(),
        );
        registry.register(
            "lamina_retriever_operator_faults",
            "Operators skipped during retrievals, by reason",
            m.operator_faults.clone(),
        );
        registry.register(
            "lamina_retriever_payload_bytes",
            "Bytes returned (payloads, or raw blobs when asked for)",
            m.payload_bytes.clone(),
        );
        registry.register(
            "lamina_retriever_retrieval_seconds",
            "Time to retrieve a blob",
            m.latency.clone(),
        );
        m
    }

    /// Records one retrieval.
    pub(crate) fn observe(
        &self,
        result: &Result<(RetrieveBlobReply, RetrievalReport), RetrieverError>,
        seconds: f64,
    ) {
        let outcome = match result {
            Ok((reply, report)) => {
                self.payload_bytes
                    .inc_by((reply.payload.len() + reply.blob.len()) as u64);
                self.faults(report);
                "ok"
            }
            Err(RetrieverError::NotEnoughChunks { report, .. }) => {
                self.faults(report);
                "not_enough_chunks"
            }
            Err(RetrieverError::Payload { .. }) => "payload_undecodable",
            Err(_) => "error",
        };
        self.retrievals
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
        self.latency.observe(seconds);
    }

    fn faults(&self, report: &RetrievalReport) {
        for op in &report.operators {
            for fault in &op.faults {
                self.operator_faults
                    .get_or_create(&FaultLabels {
                        fault: fault.label(),
                    })
                    .inc();
            }
        }
    }
}
