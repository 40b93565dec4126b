//! The `lamina.disperser.v1.Disperser` gRPC service.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use lamina_core::{Attestation, BlobKey, DaCertV3};
use lamina_encoding::{Blob, Srs, commit_blob};
use lamina_proto::common::v1 as pb;
use lamina_proto::convert::inclusion_info_to_proto;
use lamina_proto::disperser::v1 as dpb;
use lamina_proto::disperser::v1::disperser_server::{Disperser, DisperserServer};
use prost::Message;
use tokio::sync::mpsc;
use tonic::{Request, Response, Status};

use crate::chain_view::ChainParams;
use crate::commit_pool::{AdmissionClass, CommitmentPool};
use crate::encode::{Lane, QueuedBlob};
use crate::error::DisperserError;
use crate::error::StoreError;
use crate::gate::AddressGate;
use crate::intake::{ParsedRequest, check_assignable, check_blob, check_header, check_signature};
use crate::metadata::NewBlob;
use crate::payments::{Charge, Payments, RefundOnDrop};
use crate::pipeline::Pipeline;
use crate::rate_limit::{RateLimiter, address_key};
use crate::store::{AnchorState, BlobState};

/// Which share of the commitment pool a request may use: a blob charged to its
/// account's reservation is [`AdmissionClass::Reserved`] (and may use
/// `reserved_commitment_slots`); anything else, on-demand payments and requests of a
/// disperser with payments disabled, is [`AdmissionClass::OnDemand`].
fn admission_class(charge: Option<&Charge>) -> AdmissionClass {
    match charge {
        Some(c) if c.is_reservation() => AdmissionClass::Reserved,
        _ => AdmissionClass::OnDemand,
    }
}

/// The gRPC handlers.
#[derive(Debug)]
pub struct DisperserService {
    p: Arc<Pipeline>,
    srs: Arc<Srs>,
    /// Per-account limits.
    limiter: RateLimiter<alloy_primitives::Address>,
    /// Per-client-address limits (over DisperseBlob and GetBlobCommitment; shared with
    /// the [`AddressGate`] in front of the service).
    address_limiter: Arc<RateLimiter<IpAddr>>,
    /// Where the commitment checks of `DisperseBlob` run.
    pool: Arc<CommitmentPool>,
    /// Where `GetBlobCommitment`'s MSMs run: its own slots and queue, so unauthenticated
    /// lookups never take a dispersal's place.
    lookup_pool: Arc<CommitmentPool>,
    /// Keys being accepted right now: two identical concurrent requests must not both pass
    /// the duplicate check. std `Mutex`: insert/remove only, never held across `.await`.
    accepting: Mutex<HashSet<BlobKey>>,
    /// The in-process encoder's queue; `None` on an API server whose controller is
    /// another process (it claims QUEUED blobs from the database).
    encode: Option<mpsc::Sender<QueuedBlob>>,
    /// Payment metering (`None`: payments disabled, every signed blob is free).
    payments: Option<Arc<Payments>>,
}

/// Removes a key from `accepting` however the handler exits.
struct AcceptGuard<'a>(&'a Mutex<HashSet<BlobKey>>, BlobKey);

impl Drop for AcceptGuard<'_> {
    fn drop(&mut self) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.1);
    }
}

fn blob_state_pb(state: BlobState) -> dpb::BlobStatus {
    match state {
        BlobState::Queued => dpb::BlobStatus::Queued,
        BlobState::Encoded => dpb::BlobStatus::Encoded,
        BlobState::GatheringSignatures => dpb::BlobStatus::GatheringSignatures,
        BlobState::Complete => dpb::BlobStatus::Complete,
        BlobState::Failed => dpb::BlobStatus::Failed,
        BlobState::InsufficientSignatures => dpb::BlobStatus::InsufficientSignatures,
    }
}

impl DisperserService {
    /// Handlers over the pipeline `p`, sending accepted keys to `encode` (if this process
    /// encodes); `DisperseBlob`'s
    /// commitment checks run on `pool`, `GetBlobCommitment` on `lookup_pool`.
    pub fn new(
        p: Arc<Pipeline>,
        srs: Arc<Srs>,
        encode: Option<mpsc::Sender<QueuedBlob>>,
        pool: Arc<CommitmentPool>,
        lookup_pool: Arc<CommitmentPool>,
    ) -> Self {
        let c = &p.config;
        let limiter = RateLimiter::new(
            c.rate_limit_bytes_per_sec,
            c.rate_limit_blobs_per_sec,
            c.rate_limit_tracked,
        );
        let address_limiter = Arc::new(RateLimiter::new(
            c.rate_limit_address_bytes_per_sec,
            c.rate_limit_address_blobs_per_sec,
            c.rate_limit_tracked,
        ));
        Self {
            p,
            srs,
            limiter,
            address_limiter,
            pool,
            lookup_pool,
            accepting: Mutex::new(HashSet::new()),
            encode,
            payments: None,
        }
    }

    /// Meters every `DisperseBlob` with `payments` (`None`: payments disabled).
    #[must_use]
    pub fn with_payments(mut self, payments: Option<Arc<Payments>>) -> Self {
        self.payments = payments;
        self
    }

    /// The gRPC server of these handlers, with its message limits, behind the
    /// per-address gate (a limited address is refused before its blob is read).
    pub fn into_server(self) -> AddressGate<DisperserServer<Self>> {
        let limiter = Arc::clone(&self.address_limiter);
        let server = DisperserServer::new(self)
            .max_decoding_message_size(lamina_proto::MAX_MESSAGE_SIZE)
            .max_encoding_message_size(lamina_proto::MAX_MESSAGE_SIZE);
        AddressGate::new(server, limiter)
    }

    /// The commitment pool (its counters show how much MSM work requests caused).
    pub fn commitment_pool(&self) -> &Arc<CommitmentPool> {
        &self.pool
    }

    /// Charges a request of `bytes` to the client address `peer` (unknown peers, e.g. a
    /// Unix socket in tests, are not limited by address).
    fn charge_address(&self, peer: Option<IpAddr>, bytes: usize) -> Result<(), DisperserError> {
        let Some(ip) = peer else {
            return Ok(());
        };
        let address = address_key(ip);
        self.address_limiter
            .check(address, bytes as u64, Instant::now())
            .map_err(|l| DisperserError::AddressRateLimited {
                address,
                kind: l.kind,
                limit: l.limit,
                retry_after: l.retry_after,
            })
    }

    /// Header checks, re-reading the chain parameters once when the request names a
    /// version or quorum not seen yet, or a version that cannot be assigned over the
    /// operators last counted.
    async fn header_checks(
        &self,
        request: &dpb::DisperseBlobRequest,
    ) -> Result<ParsedRequest, DisperserError> {
        let (max, only) = (self.p.config.max_blob_size, self.p.config.blob_version);
        let check = |params: &ChainParams| {
            let parsed = check_header(request, params, max, only)?;
            check_assignable(parsed.header.version, &parsed.header.quorum_numbers, params)?;
            Ok::<_, DisperserError>(parsed)
        };
        match check(&self.p.chain.params()) {
            Err(
                DisperserError::UnknownVersion { .. }
                | DisperserError::UnknownQuorum { .. }
                | DisperserError::VersionNotAssignable { .. },
            ) => check(&self.p.chain.refresh().await),
            other => other,
        }
    }

    async fn disperse(
        &self,
        request: dpb::DisperseBlobRequest,
        peer: Option<IpAddr>,
    ) -> Result<BlobKey, DisperserError> {
        // Cheapest first: parsing, sizes, version, quorums, assignability (no crypto) ...
        let parsed = self.header_checks(&request).await?;
        // ... the client address's rate, before any cryptography ...
        self.charge_address(peer, request.blob.len())?;
        // ... one ECDSA recovery ...
        let checked = check_signature(&request, parsed)?;
        // ... the account's payments (cached): an account that can pay neither way is
        // refused here, before any database read, MSM or write ...
        let account_payments = match &self.payments {
            Some(p) => Some(p.lookup(checked.account).await?),
            None => None,
        };
        let key = checked.key;
        let _guard = {
            let mut accepting = self
                .accepting
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if !accepting.insert(key) {
                return Err(DisperserError::Duplicate(key));
            }
            AcceptGuard(&self.accepting, key)
        };
        if self.p.store.contains(&key).await? {
            return Err(DisperserError::Duplicate(key));
        }
        // ... the account's rate: charged after the cheap refusals (malformed, unsigned,
        // duplicate), and before the commitment check and the durable write, which are
        // what the limit protects ...
        self.limiter
            .check(checked.account, request.blob.len() as u64, Instant::now())
            .map_err(|l| DisperserError::RateLimited {
                account: checked.account,
                kind: l.kind,
                limit: l.limit,
                retry_after: l.retry_after,
            })?;
        let capacity = self.p.config.queue_capacity;
        if self.p.in_flight.load(Ordering::Acquire) >= capacity {
            // A batch leaves the pipeline at least every batch interval.
            return Err(DisperserError::QueueFull {
                capacity,
                retry_after: self.p.config.batch_max_interval(),
            });
        }
        // ... the blob's charge (reservation bucket or on-demand payment), refunded if the
        // blob is not stored after all ...
        let charge = match (&self.payments, &account_payments) {
            (Some(p), Some(account)) => {
                let payment = lamina_payments::BlobPayment {
                    account: checked.account,
                    timestamp_ns: checked.payment.timestamp_ns,
                    cumulative_payment: checked.payment.cumulative_payment,
                    quorums: &checked.header.quorum_numbers,
                    blob_symbols: u64::from(checked.header.commitment.length),
                };
                let charge = p.charge(&payment, account).await?;
                Some(RefundOnDrop::new(Arc::clone(p), charge))
            }
            _ => None,
        };
        let class = admission_class(charge.as_ref().map(RefundOnDrop::charge));
        // ... and only then the MSM and pairings, on a bounded pool slot.
        let srs = self.srs.clone();
        let commitment = checked.header.commitment;
        let blob_bytes = Arc::new(request.blob);
        let checked_bytes = blob_bytes.clone();
        let verdict = self
            .pool
            .run(class, move || {
                check_blob(&srs, &checked_bytes, &commitment).map(drop)
            })
            .await
            .and_then(|checked| checked);
        if let Err(refused) = verdict {
            // Refunded before the answer, so that a client sending the blob again at once
            // (with the same payment) is not refused for it.
            if let Some(charge) = charge {
                let (payments, charge) = charge.disarm();
                payments.refund(&charge).await;
            }
            return Err(refused);
        }
        // The durable writes: first the blob object, then its metadata in one atomic write
        // (with the charge's records on RocksDB; a shared store has them already). In this
        // order an accepted blob's bytes always exist; a crash between the two leaves only
        // an orphan object (a retry rewrites the same bytes under the same key). From here
        // a spawned task, not this (cancellable) future, decides the refund.
        let store = Arc::clone(&self.p.store);
        let objects = self.p.objects.clone();
        let header_bytes = checked.cert_proto.encode_to_vec();
        let len = blob_bytes.len();
        let account: [u8; 20] = checked.account.into_array();
        let charge = charge.map(RefundOnDrop::disarm);
        tokio::spawn(async move {
            let blob = Arc::try_unwrap(blob_bytes).unwrap_or_else(|shared| (*shared).clone());
            let written = match objects.put_blob(&key, blob).await {
                Ok(()) => {
                    let records = charge
                        .as_ref()
                        .map_or(&[][..], |(_, c)| c.records.as_slice());
                    store
                        .accept(NewBlob {
                            key,
                            account,
                            blob_len: len as u64,
                            header: &header_bytes,
                            payments: records,
                        })
                        .await
                        .map_err(|e| match e {
                            // another API server accepted the same blob first
                            StoreError::AlreadyAccepted(key) => DisperserError::Duplicate(key),
                            e => DisperserError::Store(e),
                        })
                }
                Err(e) => Err(DisperserError::Objects(e)),
            };
            if written.is_err()
                && let Some((payments, c)) = &charge
            {
                payments.refund(c).await;
            }
            written
        })
        .await
        .map_err(|e| task_error("intake", e))??;
        self.p.entered();
        self.p.metrics.blob_state(BlobState::Queued);
        self.p.metrics.accepted_bytes.inc_by(len as u64);
        tracing::info!(blob_key = %key, bytes = len, account = %checked.account, "blob accepted");
        // The channel holds queue_capacity keys and at most that many are in flight, so
        // this waits only when recovery refilled it; the blob is durable either way.
        let queued = QueuedBlob {
            key,
            lane: Lane::from(peer),
        };
        if let Some(encode) = &self.encode
            && encode.send(queued).await.is_err()
        {
            tracing::warn!(blob_key = %key, "encoder stopped; the blob resumes at the next start");
        }
        Ok(key)
    }

    async fn status(&self, key: BlobKey) -> Result<dpb::GetBlobStatusReply, DisperserError> {
        let record = self
            .p
            .store
            .status(&key)
            .await?
            .ok_or(DisperserError::NotFound(key))?;
        let mut reply = dpb::GetBlobStatusReply {
            status: blob_state_pb(record.state) as i32,
            reason: record.reason.clone(),
            ..Default::default()
        };
        let Some(cert_abi) = record.cert_abi() else {
            return Ok(reply);
        };
        let cert = DaCertV3::abi_decode(&cert_abi).map_err(|e| {
            DisperserError::Store(crate::error::StoreError::Corrupt {
                what: "certificate",
                reason: e.to_string(),
            })
        })?;
        let cert_pb = self
            .p
            .store
            .header(&key)
            .await?
            .and_then(|h| pb::BlobCertificate::decode(h.as_slice()).ok());
        let info = &cert.blob_inclusion_info;
        let n = &cert.non_signer_stakes_and_signature;
        let attestation = Attestation {
            non_signer_pubkeys: n.non_signer_pubkeys.clone(),
            quorum_apks: n.quorum_apks.clone(),
            sigma: n.sigma,
            apk_g2: n.apk_g2,
            quorum_numbers: cert.signed_quorum_numbers.clone(),
            quorum_signed_percentages: record.signed_percentages.clone(),
        };
        reply.batch_header = Some(pb::BatchHeader::from(&cert.batch_header));
        reply.blob_inclusion_info = cert_pb.map(|c| inclusion_info_to_proto(info, c));
        reply.attestation = Some(dpb::Attestation::from(&attestation));
        reply.cert_abi = cert_abi;
        if let Some(batch_id) = record.batch_id
            && let Some(batch) = self.p.store.batch(batch_id).await?
            && let AnchorState::Confirmed(c) = batch.anchor
        {
            reply.confirmation = Some(dpb::Confirmation {
                transaction_hash: hex::decode(c.tx_hash.trim_start_matches("0x"))
                    .unwrap_or_default(),
                block_number: c.block_number,
            });
        }
        Ok(reply)
    }
}

fn task_error(task: &'static str, e: tokio::task::JoinError) -> DisperserError {
    DisperserError::Task {
        task,
        reason: e.to_string(),
    }
}

#[tonic::async_trait]
impl Disperser for DisperserService {
    async fn disperse_blob(
        &self,
        request: Request<dpb::DisperseBlobRequest>,
    ) -> Result<Response<dpb::DisperseBlobReply>, Status> {
        let peer = request.remote_addr().map(|a| a.ip());
        match self.disperse(request.into_inner(), peer).await {
            Ok(key) => Ok(Response::new(dpb::DisperseBlobReply {
                blob_key: key.0.to_vec(),
            })),
            Err(e) => {
                let status = Status::from(e);
                tracing::info!(code = ?status.code(), reason = status.message(), "DisperseBlob refused");
                self.p
                    .metrics
                    .rejected
                    .get_or_create(&vec![("code", format!("{:?}", status.code()))])
                    .inc();
                Err(status)
            }
        }
    }

    async fn get_blob_status(
        &self,
        request: Request<dpb::GetBlobStatusRequest>,
    ) -> Result<Response<dpb::GetBlobStatusReply>, Status> {
        let key = lamina_proto::convert::blob_key("blob_key", &request.into_inner().blob_key)
            .map_err(DisperserError::from)?;
        Ok(Response::new(self.status(key).await?))
    }

    async fn get_blob_commitment(
        &self,
        request: Request<dpb::GetBlobCommitmentRequest>,
    ) -> Result<Response<dpb::GetBlobCommitmentReply>, Status> {
        let peer = request.remote_addr().map(|a| a.ip());
        let bytes = request.into_inner().blob;
        let max = self.p.config.max_blob_size;
        if bytes.len() > max {
            return Err(DisperserError::BlobTooLarge {
                len: bytes.len(),
                max,
            }
            .into());
        }
        // Unauthenticated: the client address pays, and the MSMs run on a slot of the
        // lookup pool, never on one a dispersal could be waiting for.
        self.charge_address(peer, bytes.len())?;
        let srs = self.srs.clone();
        let commitments = self
            .lookup_pool
            .run(
                AdmissionClass::OnDemand,
                move || -> Result<_, DisperserError> {
                    let blob = Blob::from_bytes(&bytes)?;
                    Ok(commit_blob(&srs, &blob)?)
                },
            )
            .await??;
        Ok(Response::new(dpb::GetBlobCommitmentReply {
            commitment: Some(pb::BlobCommitment::from(&commitments)),
        }))
    }

    async fn get_blob(
        &self,
        request: Request<dpb::GetBlobRequest>,
    ) -> Result<Response<dpb::GetBlobReply>, Status> {
        let key = lamina_proto::convert::blob_key("blob_key", &request.into_inner().blob_key)
            .map_err(DisperserError::from)?;
        let record = self
            .p
            .store
            .status(&key)
            .await
            .map_err(DisperserError::from)?
            .ok_or(DisperserError::NotFound(key))?;
        if record.state != BlobState::Complete {
            return Err(if record.state.is_terminal() {
                DisperserError::BlobNotKept(key)
            } else {
                DisperserError::NotCertified {
                    blob_key: key,
                    state: record.state.label(),
                }
            }
            .into());
        }
        let blob = self
            .p
            .objects
            .blob(&key)
            .await
            .map_err(DisperserError::Objects)?
            .ok_or(DisperserError::BlobNotKept(key))?;
        Ok(Response::new(dpb::GetBlobReply { blob }))
    }

    async fn get_payment_state(
        &self,
        request: Request<dpb::GetPaymentStateRequest>,
    ) -> Result<Response<dpb::GetPaymentStateReply>, Status> {
        let peer = request.remote_addr().map(|a| a.ip());
        let request = request.into_inner();
        let payments = self
            .payments
            .as_ref()
            .ok_or(DisperserError::PaymentsDisabled)?;
        // Unauthenticated until the recovery: the client address pays for the request.
        self.charge_address(peer, 0)?;
        let account = lamina_proto::convert::account_id("account_id", &request.account_id)
            .map_err(DisperserError::from)?;
        payments.check_request_time(request.timestamp)?;
        let digest = lamina_proto::payment_state_digest(account, request.timestamp);
        let signer = lamina_core::ecdsa::recover_signer(digest, &request.signature)
            .map_err(DisperserError::from)?;
        if signer != account {
            return Err(DisperserError::SignerMismatch {
                field: "account_id",
                signer,
                account,
            }
            .into());
        }
        let state = payments.state(account).await?;
        Ok(Response::new(
            lamina_proto::convert::payment_state_to_proto(&state),
        ))
    }

    async fn get_validator_signing_rate(
        &self,
        request: Request<dpb::GetValidatorSigningRateRequest>,
    ) -> Result<Response<dpb::GetValidatorSigningRateReply>, Status> {
        let peer = request.remote_addr().map(|a| a.ip());
        let request = request.into_inner();
        // Unauthenticated: the client address pays for the request.
        self.charge_address(peer, 0)?;
        let id: [u8; 32] = request.validator_id.as_slice().try_into().map_err(|_| {
            DisperserError::InvalidField {
                field: "validator_id",
                reason: format!("{} bytes, expected 32", request.validator_id.len()),
            }
        })?;
        let window = request.window_secs;
        if window == 0 || window > lamina_console::MAX_WINDOW_SECS {
            return Err(DisperserError::InvalidField {
                field: "window_secs",
                reason: format!(
                    "{window} is outside 1..={}",
                    lamina_console::MAX_WINDOW_SECS
                ),
            }
            .into());
        }
        let now = crate::store::now_ns();
        let rate = crate::console::signing_rate(
            self.p.store.as_ref(),
            &lamina_core::OperatorId(id),
            now,
            window,
        )
        .await
        .map_err(DisperserError::from)?;
        Ok(Response::new(dpb::GetValidatorSigningRateReply {
            validator_id: id.to_vec(),
            window_secs: window,
            signed_batches: rate.signed_batches,
            unsigned_batches: rate.unsigned_batches,
            signed_bytes: rate.signed_bytes,
            unsigned_bytes: rate.unsigned_bytes,
            signing_rate: rate.signing_rate,
            mean_signing_latency_ms: rate.mean_latency_ms,
            as_of: i64::try_from(now).unwrap_or(i64::MAX),
        }))
    }
}
