//! The retrieval loop: ask operators (fastest first, bounded concurrency, a spare
//! and a hedge against slow ones), check each answer as it arrives, stop as soon
//! as the verified distinct chunks suffice, and report on everyone.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use lamina_core::{BlobKey, OperatorId, QuorumId};
use lamina_encoding::{Frame, Srs};

use crate::check::{Checked, Target, check_answer, on_rayon};
use crate::error::RetrieverError;
use crate::fetch::{Channels, get_chunks};
use crate::latency::LatencyTable;
use crate::options::RetrievalOptions;
use crate::report::{OperatorFault, OperatorReport, OperatorState, RetrievalReport};

/// An operator of the quorum and the chunks it should hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The operator.
    pub operator_id: OperatorId,
    /// Its registered `host:port`, if any.
    pub socket: Option<String>,
    /// Its assigned chunk indices.
    pub assigned: Vec<u32>,
}

/// What the loop needs besides the candidates.
pub(crate) struct Collector<'a> {
    pub(crate) srs: &'a Arc<Srs>,
    pub(crate) channels: &'a Channels,
    pub(crate) latency: &'a LatencyTable,
    pub(crate) options: &'a RetrievalOptions,
}

/// The blob being collected.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Wanted {
    pub(crate) blob_key: BlobKey,
    pub(crate) quorum: QuorumId,
    pub(crate) target: Target,
    /// Distinct chunks that rebuild the blob.
    pub(crate) needed: usize,
}

type Answer = (
    usize,
    Result<Result<Checked, OperatorFault>, RetrieverError>,
);

impl Collector<'_> {
    /// Collects at least `wanted.needed` distinct verified chunks from `candidates`,
    /// or fails with a report naming every operator that did not deliver.
    pub(crate) async fn collect(
        &self,
        wanted: Wanted,
        candidates: Vec<Candidate>,
    ) -> Result<(Vec<(u32, Frame)>, RetrievalReport), RetrieverError> {
        let ranking: Vec<(OperatorId, usize)> = candidates
            .iter()
            .map(|c| (c.operator_id, c.assigned.len()))
            .collect();
        let mut ranked: Vec<Candidate> = Vec::with_capacity(candidates.len());
        let mut slots: Vec<Option<Candidate>> = candidates.into_iter().map(Some).collect();
        for i in self.latency.rank(&ranking) {
            if let Some(c) = slots[i].take() {
                ranked.push(c);
            }
        }
        let mut report = RetrievalReport {
            chunks_needed: wanted.needed,
            chunks_got: 0,
            operators: ranked
                .iter()
                .map(|c| OperatorReport::new(c.operator_id, c.socket.clone(), c.assigned.len()))
                .collect(),
        };

        let mut got: BTreeMap<u32, Frame> = BTreeMap::new();
        let mut in_flight = FuturesUnordered::new();
        let mut asked = vec![false; ranked.len()];
        let mut done = vec![false; ranked.len()];
        let mut in_flight_chunks = 0usize;
        let mut spares = self.options.extra_requests;
        let mut next = 0usize;
        loop {
            // Ask more while what is in hand and in flight would not cover the blob,
            // then `spares` more, within the concurrency bound.
            while got.len() < wanted.needed
                && next < ranked.len()
                && in_flight.len() < self.options.max_concurrent_requests
            {
                if got.len() + in_flight_chunks >= wanted.needed {
                    if spares == 0 {
                        break;
                    }
                    spares -= 1;
                }
                let i = next;
                next += 1;
                asked[i] = true;
                match self.ask(wanted, i, &ranked[i]) {
                    Ok(fut) => {
                        in_flight_chunks += ranked[i].assigned.len();
                        in_flight.push(fut);
                    }
                    Err(fault) => {
                        done[i] = true;
                        report.operators[i].state = OperatorState::Failed;
                        report.operators[i].faults.push(fault);
                    }
                }
            }
            if got.len() >= wanted.needed || in_flight.is_empty() {
                break;
            }
            let hedge = tokio::time::sleep(self.options.hedge_after());
            tokio::select! {
                answer = in_flight.next() => {
                    let Some((i, result)) = answer else { break };
                    done[i] = true;
                    in_flight_chunks = in_flight_chunks.saturating_sub(ranked[i].assigned.len());
                    self.absorb(&mut report.operators[i], result?, &mut got);
                }
                () = hedge, if next < ranked.len() => {
                    tracing::debug!(blob_key = %wanted.blob_key, "no answer within the hedge delay: asking one more operator");
                    spares += 1;
                }
            }
        }
        for (i, op) in report.operators.iter_mut().enumerate() {
            if asked[i] && !done[i] {
                op.state = OperatorState::Cancelled;
            }
        }
        report.chunks_got = got.len();
        if got.len() < wanted.needed {
            return Err(RetrieverError::NotEnoughChunks {
                blob_key: wanted.blob_key,
                quorum: wanted.quorum,
                report: Box::new(report),
            });
        }
        Ok((got.into_iter().collect(), report))
    }

    /// Starts asking candidate `i`; fails at once when it cannot be dialled.
    fn ask(
        &self,
        wanted: Wanted,
        i: usize,
        candidate: &Candidate,
    ) -> Result<impl Future<Output = Answer> + use<>, OperatorFault> {
        let socket = candidate.socket.as_deref().ok_or(OperatorFault::NoSocket)?;
        let channel = self.channels.get(socket)?;
        let srs = Arc::clone(self.srs);
        let assigned: BTreeSet<u32> = candidate.assigned.iter().copied().collect();
        let timeout = self.options.operator_timeout();
        Ok(async move {
            let start = Instant::now();
            let raw = match get_chunks(channel, wanted.blob_key, wanted.quorum, timeout).await {
                Ok(raw) => raw,
                Err(fault) => return (i, Ok(Err(fault))),
            };
            let latency = start.elapsed();
            let checked = on_rayon("frame verification", move || {
                let mut checked = check_answer(&srs, wanted.target, &assigned, raw);
                checked.latency = Some(latency);
                checked
            })
            .await;
            (i, checked.map(Ok))
        })
    }

    /// Folds one operator's answer into the report and the collected chunks.
    fn absorb(
        &self,
        op: &mut OperatorReport,
        result: Result<Checked, OperatorFault>,
        got: &mut BTreeMap<u32, Frame>,
    ) {
        match result {
            Ok(checked) => {
                op.state = OperatorState::Answered;
                op.latency = checked.latency;
                if let Some(latency) = checked.latency {
                    self.latency.record(op.operator_id, latency);
                }
                op.accepted = checked.accepted.len();
                op.faults.extend(checked.faults);
                for (index, frame) in checked.accepted {
                    got.entry(index).or_insert(frame);
                }
            }
            Err(fault) => {
                // A failed ask costs as much as the deadline: the operator sinks in the ranking.
                self.latency
                    .record(op.operator_id, self.options.operator_timeout());
                op.state = OperatorState::Failed;
                op.faults.push(fault);
            }
        }
        if !op.faults.is_empty() {
            tracing::warn!(operator = %op.operator_id, "{op}");
        }
    }
}
