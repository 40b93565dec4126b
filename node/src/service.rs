//! The gRPC handlers: `lamina.node.v1.Dispersal` and `lamina.node.v1.Retrieval`, both
//! served on the node's one gRPC port. Handlers decode at the edge, run the checks of
//! [`crate::validate`] and the store, and map [`NodeError`] to a status in one place.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lamina_core::bls::SecretKey;
use lamina_core::{BlobKey, OperatorId, QuorumId};
use lamina_encoding::Srs;
use lamina_proto::node::v1::{
    GetBlobCertificateReply, GetBlobCertificateRequest, GetChunksReply, GetChunksRequest,
    GetNodeInfoReply, GetNodeInfoRequest, StoreChunksReply, StoreChunksRequest,
    dispersal_server::Dispersal, retrieval_server::Retrieval,
};
use prost::Message;
use tokio::sync::Semaphore;
use tonic::{Request, Response, Status};

use crate::chain::ChainReader;
use crate::config::NodeConfig;
use crate::error::{NodeError, StoreError, ValidationError};
use crate::metrics::NodeMetrics;
use crate::payments::{BlobToMeter, NodePayments};
use crate::ratelimit::{READS_IN_FLIGHT_RETRY_AFTER, RateLimiter, ReadsInFlight, client_key};
use crate::replay::ReplayGuard;
use crate::request::{ParsedRequest, parse_request};
use crate::store::{BatchWrite, BlobWrite, Store, StoreOutcome};
use crate::validate::{BatchContext, check_structure, required_lookups, validate_batch};

/// Everything the handlers share.
pub(crate) struct NodeState {
    pub(crate) config: NodeConfig,
    pub(crate) store: Store,
    pub(crate) chain: ChainReader,
    pub(crate) srs: Arc<Srs>,
    pub(crate) key: SecretKey,
    pub(crate) operator: OperatorId,
    pub(crate) replay: ReplayGuard,
    /// Retrieval requests per client.
    pub(crate) request_limiter: RateLimiter,
    /// Frame bytes served per client, reserved before each read.
    pub(crate) byte_limiter: RateLimiter,
    /// GetChunks reads in flight per client.
    pub(crate) reads: ReadsInFlight,
    /// The last GetNodeInfo answer and when it was read: the chain is asked at most
    /// once per [`crate::ONCHAIN_CACHE_TTL`], however often clients call.
    // std Mutex: held to copy or replace the reply, never across an `.await`.
    pub(crate) node_info: std::sync::Mutex<Option<(Instant, GetNodeInfoReply)>>,
    /// Bounds StoreChunks validations in flight (each holds a batch's frames in memory
    /// and uses every core for verification).
    pub(crate) store_permits: Arc<Semaphore>,
    pub(crate) metrics: NodeMetrics,
    /// Payment enforcement (`None`: `[payments] enabled = false`).
    pub(crate) payments: Option<Arc<NodePayments>>,
}

/// The client a request is accounted to: its IP (IPv6: its /64); unspecified when the
/// transport does not say (such clients share one budget).
fn client_ip<T>(request: &Request<T>) -> IpAddr {
    client_key(
        request
            .remote_addr()
            .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip()),
    )
}

fn now_unix() -> Duration {
    // Before 1970 only on a broken clock: treat it as the epoch.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
}

/// The node's clock in Unix nanoseconds, the metering clock.
pub(crate) fn now_ns() -> u64 {
    u64::try_from(now_unix().as_nanos()).unwrap_or(u64::MAX)
}

impl NodeState {
    /// The whole StoreChunks path: authenticate, check freshness, decode, check against
    /// the chain, validate, store, sign.
    async fn store_chunks(&self, request: StoreChunksRequest) -> Result<Vec<u8>, NodeError> {
        // Cheapest first: the clock, then signature recovery, then the signer lookup
        // (cached, refusals included, so unknown keys cost one chain call each).
        self.check_fresh(request.timestamp)?;
        let digest = lamina_proto::store_chunks_digest(&request);
        let signer = lamina_core::ecdsa::recover_signer(digest, &request.disperser_signature)
            .map_err(|e| ValidationError::BadSignature(e.to_string()))?;
        let authorized = self.config.authorized_dispersers.contains(&signer)
            || (self.config.onchain_dispersers && self.chain.is_batch_confirmer(signer).await?);
        if !authorized {
            return Err(ValidationError::UnknownDisperser(signer).into());
        }
        if !self.replay.check_and_insert(digest, Instant::now()) {
            return Err(ValidationError::Replayed {
                digest: digest.to_string(),
            }
            .into());
        }

        let ParsedRequest {
            batch,
            certificate_bytes,
            payments,
        } = parse_request(request)?;
        check_structure(&batch)?;
        let reference_block = u64::from(batch.header.reference_block_number);
        let head = self.chain.block_number().await?;
        if reference_block > head {
            return Err(ValidationError::FutureReferenceBlock {
                reference_block,
                head,
            }
            .into());
        }
        let age = head - reference_block;
        if age > self.config.max_reference_block_age {
            return Err(ValidationError::StaleReferenceBlock {
                reference_block,
                head,
                age,
                max_age: self.config.max_reference_block_age,
            }
            .into());
        }
        let ctx = self.context(&batch).await?;
        // Before any frame is verified or stored: every blob paid for, or no signature.
        let charge = self.charge_payments(&batch, &payments).await?;

        let permit = self
            .store_permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| NodeError::Busy("shutting down"))?;
        let srs = self.srs.clone();
        let store = self.store.clone();
        let expiry = (now_unix() + self.config.expiry()).as_secs();
        let metrics = self.metrics.clone();
        let header = batch.header;
        let outcome = tokio::task::spawn_blocking(move || -> Result<StoreOutcome, NodeError> {
            let _permit = permit;
            let started = Instant::now();
            let validated = validate_batch(&ctx, &srs, &batch)?;
            metrics
                .verification_seconds
                .observe(started.elapsed().as_secs_f64());
            let blobs = validated
                .plans
                .iter()
                .zip(certificate_bytes)
                .enumerate()
                .map(|(b, (plan, certificate))| BlobWrite {
                    key: plan.key,
                    certificate,
                    quorums: plan.quorums.clone(),
                    frames: plan
                        .entry
                        .map(|e| {
                            let entry = &batch.blobs[b][e];
                            entry
                                .indices
                                .iter()
                                .copied()
                                .zip(entry.frames.iter().map(Vec::as_slice))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect();
            let write = BatchWrite {
                header_hash: validated.header_hash,
                reference_block: header.reference_block_number,
                batch_root: header.batch_root,
                blobs,
                expiry,
            };
            let outcome = store.store_batch(&write)?;
            // The charges stand only for a batch this request stored; one stored already
            // (by a concurrent copy of the request) was charged by that copy. Dropped
            // unkept (any `?` above), the charge is refunded. Here, not in the handler,
            // so a cancelled request cannot refund a batch that still got stored.
            if let (StoreOutcome::Stored { .. }, Some(charge)) = (&outcome, charge) {
                charge.keep();
            }
            Ok(outcome)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))??;
        match outcome {
            StoreOutcome::Stored { frame_bytes } => {
                self.metrics.bytes_stored.inc_by(frame_bytes);
            }
            StoreOutcome::AlreadyStored => {
                tracing::info!(batch = %header.hash(), "batch already stored; signing again")
            }
        }
        let signature = self.key.sign(header.hash());
        Ok(lamina_encoding::g1_to_bytes(&signature.point()).to_vec())
    }

    /// The payment checks of [`crate::payments`]: each blob's client signature recovers to
    /// its payment header's account, then the batch's blobs are metered as one unit.
    /// Blobs already in the store (a dispatch retry, or a batch re-cut after a disperser
    /// restart) were charged when first stored and are not metered again. `None` when
    /// payments are disabled.
    async fn charge_payments(
        &self,
        batch: &crate::validate::ParsedBatch,
        payments: &[lamina_core::PaymentHeader],
    ) -> Result<Option<crate::payments::BatchCharge>, NodeError> {
        let Some(node_payments) = &self.payments else {
            return Ok(None);
        };
        let keys: Vec<BlobKey> = batch
            .certificates
            .iter()
            .map(|c| c.blob_header.blob_key())
            .collect();
        let store = self.store.clone();
        let lookup = keys.clone();
        let stored = blocking(move || {
            lookup
                .iter()
                .map(|key| Ok(store.certificate(key)?.is_some()))
                .collect::<Result<Vec<bool>, StoreError>>()
        })
        .await?;
        let mut blobs = Vec::with_capacity(keys.len());
        for (index, ((cert, payment), key)) in batch
            .certificates
            .iter()
            .zip(payments)
            .zip(keys)
            .enumerate()
        {
            let client_signature = |reason: String| ValidationError::ClientSignature {
                index,
                key,
                account: payment.account_id,
                reason,
            };
            let signer = lamina_core::ecdsa::recover_signer(key.as_b256(), &cert.signature)
                .map_err(|e| client_signature(e.to_string()))?;
            if signer != payment.account_id {
                return Err(client_signature(format!("it recovers to {signer}")).into());
            }
            if stored[index] {
                continue;
            }
            blobs.push(BlobToMeter {
                index,
                key,
                payment: payment.clone(),
                quorums: cert.blob_header.quorum_numbers.clone(),
                symbols: u64::from(cert.blob_header.commitment.length),
            });
        }
        node_payments.charge_batch(&blobs, now_ns()).await.map(Some)
    }

    fn check_fresh(&self, timestamp_ns: i64) -> Result<(), ValidationError> {
        let now_ns = i128::try_from(now_unix().as_nanos()).unwrap_or(i128::MAX);
        let skew_ns = (now_ns - i128::from(timestamp_ns)).unsigned_abs();
        let max = self.config.max_timestamp_skew();
        if skew_ns > max.as_nanos() {
            return Err(ValidationError::Stale {
                timestamp_ns,
                skew_secs: u64::try_from(skew_ns / 1_000_000_000).unwrap_or(u64::MAX),
                max_secs: max.as_secs(),
            });
        }
        Ok(())
    }

    /// Reads what validation needs at the reference block (cached).
    async fn context(
        &self,
        batch: &crate::validate::ParsedBatch,
    ) -> Result<BatchContext, NodeError> {
        let quorum_count = self.chain.quorum_count().await?;
        let (versions, sets) = required_lookups(batch);
        let mut ctx = BatchContext {
            operator: self.operator,
            quorum_count,
            params: Default::default(),
            states: Default::default(),
            registry: Default::default(),
            max_blob_symbols: self.config.max_blob_symbols,
        };
        for version in versions {
            if let Some(p) = self.chain.blob_params(version).await? {
                ctx.params.insert(version, p);
            }
        }
        let block = batch.header.reference_block_number;
        for set in sets {
            // Invalid sets are refused by validation with a precise error; don't ask the chain.
            let valid = !set.is_empty()
                && set.windows(2).all(|w| w[0] < w[1])
                && set.iter().all(|&q| q < quorum_count);
            if valid {
                let state = self.chain.operator_state(&set, block).await?;
                let records = self
                    .chain
                    .registry_records(&set, block, self.operator)
                    .await?;
                ctx.registry
                    .extend(records.iter().map(|record| (record.quorum, *record)));
                ctx.states.insert(set, state);
            }
        }
        Ok(ctx)
    }

    /// Admits a retrieval request from `client`: within its request rate and not in
    /// debt for bytes served.
    fn admit(&self, client: IpAddr) -> Result<(), NodeError> {
        let now = Instant::now();
        self.request_limiter
            .take(client, 1.0, 1.0, now)
            .map_err(rate_limited("request rate", client))?;
        self.byte_limiter
            .take(client, 1.0, 0.0, now)
            .map_err(rate_limited("byte rate", client))
    }

    /// Admits a GetChunks read from `client`: within its request rate, under its bound
    /// of reads in flight, and with the largest possible reply ([`MAX_REPLY_BYTES`])
    /// charged to its byte budget BEFORE the read; [`Self::settle_read`] refunds the
    /// difference once the reply's size is known.
    fn admit_read(&self, client: IpAddr) -> Result<crate::ratelimit::ReadPermit, NodeError> {
        let now = Instant::now();
        self.request_limiter
            .take(client, 1.0, 1.0, now)
            .map_err(rate_limited("request rate", client))?;
        let permit = self
            .reads
            .try_start(client)
            .ok_or_else(|| rate_limited("reads in flight", client)(READS_IN_FLIGHT_RETRY_AFTER))?;
        self.byte_limiter
            .reserve(client, MAX_REPLY_BYTES as f64, now)
            .map_err(rate_limited("byte rate", client))?;
        Ok(permit)
    }

    /// Refunds the part of a read's reservation not served (`served` bytes were).
    fn settle_read(&self, client: IpAddr, served: usize) {
        self.byte_limiter
            .refund(client, MAX_REPLY_BYTES.saturating_sub(served) as f64);
    }

    /// GetNodeInfo, from a reply at most [`crate::ONCHAIN_CACHE_TTL`] old.
    async fn node_info(&self) -> Result<GetNodeInfoReply, NodeError> {
        let cached = lock(&self.node_info)
            .as_ref()
            .filter(|(at, _)| at.elapsed() < crate::ONCHAIN_CACHE_TTL)
            .map(|(_, reply)| reply.clone());
        if let Some(reply) = cached {
            return Ok(reply);
        }
        self.metrics.node_info_lookups.inc();
        let reply = self.read_node_info().await?;
        *lock(&self.node_info) = Some((Instant::now(), reply.clone()));
        Ok(reply)
    }

    async fn read_node_info(&self) -> Result<GetNodeInfoReply, NodeError> {
        let head = self.chain.block_number().await?;
        let count = self.chain.quorum_count().await?;
        let all: Vec<QuorumId> = (0..count).collect();
        let block = u32::try_from(head).map_err(|_| {
            NodeError::InvalidRequest(format!("chain head {head} exceeds u32 block numbers"))
        })?;
        let quorums = if all.is_empty() {
            Vec::new()
        } else {
            self.chain
                .operator_state(&all, block)
                .await?
                .iter()
                .filter(|s| s.stake(&self.operator).is_some())
                .map(|s| u32::from(s.quorum()))
                .collect()
        };
        Ok(GetNodeInfoReply {
            semver: env!("CARGO_PKG_VERSION").into(),
            operator_id: self.operator.0.to_vec(),
            quorums,
        })
    }
}

/// The largest reply GetChunks can send (the gRPC encoding limit): what a read is
/// charged before it runs.
const MAX_REPLY_BYTES: usize = lamina_proto::MAX_MESSAGE_SIZE;

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves a valid value: keep going.
    match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn rate_limited(limit: &'static str, client: IpAddr) -> impl Fn(Duration) -> NodeError {
    move |wait: Duration| NodeError::RateLimited {
        limit,
        client: client.to_string(),
        retry_after_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1),
    }
}

fn blob_key(bytes: &[u8]) -> Result<BlobKey, NodeError> {
    lamina_proto::convert::blob_key("blob_key", bytes)
        .map_err(|e| NodeError::InvalidRequest(e.to_string()))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, NodeError> {
    Ok(tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Task(e.to_string()))??)
}

/// Times a handler and records its outcome.
fn finish<T>(
    metrics: &NodeMetrics,
    method: &'static str,
    started: Instant,
    result: Result<T, NodeError>,
) -> Result<Response<T>, Status> {
    let result = result.map(Response::new).map_err(Status::from);
    let code = match &result {
        Ok(_) => tonic::Code::Ok,
        Err(status) => status.code(),
    };
    metrics.observe_grpc(method, code, started.elapsed());
    result
}

/// `lamina.node.v1.Dispersal`.
#[derive(Clone)]
pub(crate) struct DispersalService(pub(crate) Arc<NodeState>);

#[tonic::async_trait]
impl Dispersal for DispersalService {
    async fn store_chunks(
        &self,
        request: Request<StoreChunksRequest>,
    ) -> Result<Response<StoreChunksReply>, Status> {
        let started = Instant::now();
        let state = &self.0;
        state.metrics.batches_received.inc();
        let result = state.store_chunks(request.into_inner()).await;
        match &result {
            Ok(_) => {
                state.metrics.batches_signed.inc();
            }
            Err(e) => {
                tracing::warn!(error = %e, "StoreChunks refused");
                state.metrics.rejected(e.reason_label());
            }
        }
        finish(
            &state.metrics,
            "StoreChunks",
            started,
            result.map(|signature| StoreChunksReply { signature }),
        )
    }

    async fn get_node_info(
        &self,
        _request: Request<GetNodeInfoRequest>,
    ) -> Result<Response<GetNodeInfoReply>, Status> {
        let started = Instant::now();
        let result = self.0.node_info().await;
        finish(&self.0.metrics, "GetNodeInfo", started, result)
    }
}

/// `lamina.node.v1.Retrieval`.
#[derive(Clone)]
pub(crate) struct RetrievalService(pub(crate) Arc<NodeState>);

#[tonic::async_trait]
impl Retrieval for RetrievalService {
    async fn get_chunks(
        &self,
        request: Request<GetChunksRequest>,
    ) -> Result<Response<GetChunksReply>, Status> {
        let started = Instant::now();
        let state = self.0.clone();
        let result = async {
            let client = client_ip(&request);
            let request = request.into_inner();
            let key = blob_key(&request.blob_key)?;
            let quorum = QuorumId::try_from(request.quorum_id).map_err(|_| {
                NodeError::InvalidRequest(format!(
                    "quorum_id {} does not fit a byte",
                    request.quorum_id
                ))
            })?;
            let _read = state.admit_read(client)?;
            let store = state.store.clone();
            let read = blocking(move || store.frames(&key, quorum)).await;
            let served = match &read {
                Ok(Some(frames)) => frames.iter().map(|(_, f)| f.len()).sum(),
                Ok(None) | Err(_) => 0,
            };
            state.settle_read(client, served);
            let frames =
                read?.ok_or_else(|| NodeError::NotFound(format!("blob {key} quorum {quorum}")))?;
            let (chunk_indices, frames): (Vec<u32>, Vec<Vec<u8>>) = frames.into_iter().unzip();
            Ok(GetChunksReply {
                chunk_indices,
                frames,
            })
        }
        .await;
        finish(&self.0.metrics, "GetChunks", started, result)
    }

    async fn get_blob_certificate(
        &self,
        request: Request<GetBlobCertificateRequest>,
    ) -> Result<Response<GetBlobCertificateReply>, Status> {
        let started = Instant::now();
        let state = self.0.clone();
        let result = async {
            state.admit(client_ip(&request))?;
            let key = blob_key(&request.into_inner().blob_key)?;
            let store = state.store.clone();
            let bytes = blocking(move || store.certificate(&key))
                .await?
                .ok_or_else(|| NodeError::NotFound(format!("blob {key}")))?;
            let certificate = lamina_proto::common::v1::BlobCertificate::decode(bytes.as_slice())
                .map_err(|e| StoreError::Corrupt {
                table: "certificates",
                key: key.to_string(),
                reason: e.to_string(),
            })?;
            Ok(GetBlobCertificateReply {
                blob_certificate: Some(certificate),
            })
        }
        .await;
        finish(&self.0.metrics, "GetBlobCertificate", started, result)
    }

    async fn get_node_info(
        &self,
        _request: Request<GetNodeInfoRequest>,
    ) -> Result<Response<GetNodeInfoReply>, Status> {
        let started = Instant::now();
        let result = self.0.node_info().await;
        finish(&self.0.metrics, "GetNodeInfo", started, result)
    }
}
