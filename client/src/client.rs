//! [`LaminaClient`]: disperse, wait for the certificate, verify it, retrieve.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alloy_primitives::{Address, U256};
use lamina_core::chain::{Chain, EthChain};
use lamina_core::ecdsa::{recover_signer, sign_digest};
use lamina_core::keystore::EcdsaKey;
use lamina_core::tls::GrpcConnector;
use lamina_core::{BlobCommitments, BlobHeader, BlobKey, DaCertV3, PaymentHeader, QuorumId};
use lamina_encoding::{Blob, Srs, commit, commit_blob};
use lamina_payments::{PaymentState, Stamp};
use lamina_proto::MAX_MESSAGE_SIZE;
use lamina_proto::convert::blob_header_to_proto;
use lamina_proto::disperser::v1::disperser_client::DisperserClient;
use lamina_proto::disperser::v1::{
    DisperseBlobRequest, GetBlobCommitmentRequest, GetBlobStatusRequest,
};
use lamina_proto::retriever::v1::retrieve_blob_request::Blob as RetrieveWhat;
use lamina_proto::retriever::v1::retriever_client::RetrieverClient;
use lamina_proto::retriever::v1::{RetrievalForm, RetrieveBlobRequest};
use lamina_retriever::{Retrieved, RetrievedBlob, Retriever};
use tonic::transport::Channel;

use crate::cert::{Certificate, Confirmation};
use crate::config::ClientConfig;
use crate::error::{ClientError, ErrorAction};
use crate::payments::{self, Book};
use crate::status::BlobStatus;
use crate::verify::{VerifiedCert, verify_locally};

/// Most dispersed headers remembered for verification; past it the oldest half is
/// not tracked any more (verification then checks the key alone).
const MAX_REMEMBERED: usize = 4096;

/// A blob's status and, once complete, its certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusReply {
    /// The status.
    pub status: BlobStatus,
    /// Why a blob failed, if it did.
    pub reason: String,
    /// The certificate, when `status` is `Complete`.
    pub certificate: Option<Certificate>,
}

/// One poll of [`LaminaClient::wait_for_certificate_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The blob.
    pub blob_key: BlobKey,
    /// Its status at this poll.
    pub status: BlobStatus,
    /// Time since waiting started.
    pub elapsed: Duration,
}

/// A blob ready to send: its bytes, quorums and commitments ([`LaminaClient::prepare`]).
/// The payment header, and with it the blob key and signature, are made when it is sent.
#[derive(Clone, Debug)]
pub struct PreparedBlob {
    blob: Vec<u8>,
    version: u16,
    quorums: Vec<QuorumId>,
    commitment: BlobCommitments,
}

impl PreparedBlob {
    /// The blob's length in 32-byte symbols (what its payment is charged on).
    pub fn blob_symbols(&self) -> u64 {
        u64::from(self.commitment.length)
    }
}

/// A prepared blob stamped with a payment and signed: its key, header and request.
struct SignedBlob {
    blob_key: BlobKey,
    header: BlobHeader,
    request: DisperseBlobRequest,
}

/// What the client sent for a blob: checked against certificates for it.
#[derive(Clone, Debug)]
struct Sent {
    header: BlobHeader,
    at: Instant,
}

/// A rollup's client of a Lamina network: signs with the account's ECDSA key,
/// disperses through the disperser, verifies certificates against `C`, retrieves
/// through the retriever service or directly from operators.
pub struct LaminaClient<C> {
    config: ClientConfig,
    key: EcdsaKey,
    chain: C,
    disperser: DisperserClient<Channel>,
    retriever_service: Option<RetrieverClient<Channel>>,
    direct: Option<Retriever<C>>,
    srs: Option<Arc<Srs>>,
    /// A std mutex: held only to insert or look up, never across an `.await`.
    sent: Mutex<HashMap<BlobKey, Sent>>,
    /// How blobs are paid for; held across an on-demand send (see [`crate::payments`]).
    payments: tokio::sync::Mutex<Book>,
}

impl<C> std::fmt::Debug for LaminaClient<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LaminaClient")
            .field("account", &self.key.address())
            .field("disperser", &self.config.disperser)
            .field("retriever", &self.config.retriever)
            .finish_non_exhaustive()
    }
}

/// A channel to `endpoint`: `https://host:port` over TLS (trusting `tls`'s roots),
/// `host:port` or `http://host:port` in plaintext.
fn channel(
    connector: &GrpcConnector,
    endpoint: &str,
    timeout: Duration,
) -> Result<Channel, ClientError> {
    Ok(connector
        .endpoint(endpoint)
        .map_err(|e| ClientError::Endpoint {
            endpoint: endpoint.to_owned(),
            reason: e.to_string(),
        })?
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true)
        .connect_lazy())
}

async fn blocking<T: Send + 'static>(
    what: &'static str,
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ClientError> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|_| ClientError::Worker { what })
}

/// The payload of a retrieved blob, by the retriever's one decoding rule.
async fn decode_on_blocking(blob_key: BlobKey, blob: Blob) -> Result<Vec<u8>, ClientError> {
    Ok(blocking("payload decoding", move || {
        lamina_retriever::decode_payload(blob_key, &blob)
    })
    .await??)
}

impl LaminaClient<EthChain> {
    /// A client over JSON-RPC at `config.rpc_url` (read-only: the client sends no
    /// transactions).
    pub async fn connect(config: ClientConfig, key: EcdsaKey) -> Result<Self, ClientError> {
        let chain =
            EthChain::connect_http_with_tls(&config.rpc_url, config.contracts, None, &config.tls)?;
        Self::new(config, key, chain).await
    }
}

impl<C: Chain + Clone + 'static> LaminaClient<C> {
    /// A client reading the contracts through `chain`. Loads the SRS when configured.
    pub async fn new(config: ClientConfig, key: EcdsaKey, chain: C) -> Result<Self, ClientError> {
        config.validate()?;
        let timeout = config.request_timeout();
        let connector = config.tls.connector()?;
        let disperser = DisperserClient::new(channel(&connector, &config.disperser, timeout)?)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE);
        let retriever_service = match &config.retriever {
            Some(endpoint) => Some(
                RetrieverClient::new(channel(&connector, endpoint, timeout)?)
                    .max_decoding_message_size(MAX_MESSAGE_SIZE)
                    .max_encoding_message_size(MAX_MESSAGE_SIZE),
            ),
            None => None,
        };
        let srs = match config.srs.clone() {
            Some(srs_config) => {
                // The development SRS only on a development chain.
                let srs_config = srs_config.approve(&chain).await?;
                let points = config.srs_points;
                let srs = blocking("SRS loading", move || {
                    srs_config.load(points, lamina_encoding::SrsScope::Commit)
                })
                .await??;
                Some(Arc::new(srs))
            }
            None => None,
        };
        let direct = srs.as_ref().map(|srs| {
            Retriever::new(chain.clone(), Arc::clone(srs), config.retrieval.clone())
                .with_tls(connector.clone())
        });
        Ok(Self {
            config,
            key,
            chain,
            disperser,
            retriever_service,
            direct,
            srs,
            sent: Mutex::new(HashMap::new()),
            payments: tokio::sync::Mutex::new(Book::Unknown),
        })
    }

    /// The account that signs blob keys and pays.
    pub fn account(&self) -> Address {
        self.key.address()
    }

    /// The chain certificates are verified against.
    pub fn chain(&self) -> &C {
        &self.chain
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The SRS the client commits and checks blobs with, when configured.
    pub fn srs(&self) -> Option<&Arc<Srs>> {
        self.srs.as_ref()
    }

    /// Encodes `payload` into a blob, commits to it (locally with the SRS, else with
    /// the disperser's `GetBlobCommitment`), builds the header and payment header,
    /// signs the blob key and disperses it. `quorums` empty means the configured ones.
    /// Same as [`LaminaClient::prepare`] then [`LaminaClient::send`].
    pub async fn disperse(
        &self,
        payload: &[u8],
        quorums: &[QuorumId],
    ) -> Result<BlobKey, ClientError> {
        let prepared = self.prepare(payload, quorums).await?;
        self.send(prepared).await
    }

    /// The client's share of a dispersal, off the network: encodes `payload`, commits
    /// to it, builds the headers and signs the blob key. A rollup can prepare its next
    /// blob while the previous one is in flight.
    pub async fn prepare(
        &self,
        payload: &[u8],
        quorums: &[QuorumId],
    ) -> Result<PreparedBlob, ClientError> {
        let blob = Blob::from_payload(payload).map_err(|source| ClientError::Payload {
            len: payload.len(),
            source,
        })?;
        self.prepare_blob(blob, quorums).await
    }

    /// [`LaminaClient::prepare`] for a blob the caller encoded itself: the network
    /// certifies blobs as opaque field elements, whatever payload encoding (if any)
    /// they carry; retrieve it back with [`LaminaClient::retrieve_blob`].
    pub async fn prepare_blob(
        &self,
        blob: Blob,
        quorums: &[QuorumId],
    ) -> Result<PreparedBlob, ClientError> {
        let mut quorums = if quorums.is_empty() {
            self.config.quorums.clone()
        } else {
            quorums.to_vec()
        };
        quorums.sort_unstable();
        quorums.dedup();
        let blob_bytes = blob.to_bytes();
        let commitment = self.commitments(blob, &blob_bytes).await?;
        Ok(PreparedBlob {
            blob: blob_bytes,
            version: self.config.blob_version,
            quorums,
            commitment,
        })
    }

    /// The account's payment state as the disperser meters it (`GetPaymentState`):
    /// parameters, reservation and usage, last accepted cumulative payment, deposit.
    pub async fn payment_state(&self) -> Result<PaymentState, ClientError> {
        payments::read_state(&self.disperser, &self.key).await
    }

    /// Stamps `prepared` with `cumulative_payment` at `timestamp_ns` and signs its key.
    fn sign(
        &self,
        prepared: &PreparedBlob,
        cumulative_payment: U256,
        timestamp_ns: i64,
    ) -> Result<SignedBlob, ClientError> {
        let payment = PaymentHeader {
            account_id: self.key.address(),
            timestamp_ns,
            cumulative_payment,
        };
        let header = BlobHeader {
            version: prepared.version,
            quorum_numbers: prepared.quorums.clone(),
            commitment: prepared.commitment,
            payment_header_hash: payment.hash(),
        };
        let blob_key = header.blob_key();
        let signature =
            sign_digest(&self.key, blob_key.as_b256()).map_err(|e| ClientError::Signing {
                what: format!("blob key {blob_key}"),
                reason: e.to_string(),
            })?;
        let request = DisperseBlobRequest {
            blob: prepared.blob.clone(),
            blob_header: Some(blob_header_to_proto(&header, &payment)),
            signature: signature.to_vec(),
        };
        Ok(SignedBlob {
            blob_key,
            header,
            request,
        })
    }

    /// Pays for and sends a prepared blob with `DisperseBlob`, and checks the
    /// disperser's key is ours; returns the key.
    ///
    /// The payment is chosen now ([`crate::payments`]): the reservation while it has
    /// room, on-demand otherwise. A payment refusal the disperser's fresh state may cure
    /// (another client of this account paid in between, the bucket filled) is stamped
    /// again; a refusal for load is retried after the server's delay; all of it within
    /// `busy_patience_ms`.
    pub async fn send(&self, prepared: PreparedBlob) -> Result<BlobKey, ClientError> {
        let deadline = Instant::now() + self.config.busy_patience();
        let account = self.key.address();
        loop {
            let mut book = self.payments.lock().await;
            book.ensure(&self.disperser, &self.key).await?;
            let timestamp_ns = payments::now_ns();
            let stamp = match book.stamp(
                account,
                prepared.blob_symbols(),
                &prepared.quorums,
                timestamp_ns,
            ) {
                Ok(stamp) => stamp,
                Err(error) => {
                    drop(book);
                    match payments::retry_delay(&error, deadline) {
                        Some(wait) => {
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                        None => return Err(error),
                    }
                }
            };
            let signed = self.sign(
                &prepared,
                payments::cumulative(stamp.as_ref()),
                timestamp_ns,
            )?;
            // Reservation blobs go out concurrently; an on-demand one holds the book until
            // the disperser answers.
            let on_demand = matches!(stamp, Some(Stamp::OnDemand { .. }));
            let held = if on_demand {
                Some(book)
            } else {
                drop(book);
                None
            };
            let outcome = self.send_signed(signed).await;
            let Err(error) = outcome else {
                return outcome;
            };
            let mut book = match held {
                Some(book) => book,
                None => self.payments.lock().await,
            };
            book.undo(stamp.as_ref());
            if payments::needs_restamp(&error) {
                *book = Book::Unknown;
            }
            drop(book);
            match payments::retry_delay(&error, deadline) {
                Some(wait) => {
                    tracing::debug!(%error, wait_ms = wait.as_millis() as u64, "dispersal refused; paying again");
                    tokio::time::sleep(wait).await;
                }
                None => return Err(error),
            }
        }
    }

    /// One `DisperseBlob` of a signed blob; checks the key and remembers the header.
    async fn send_signed(&self, signed: SignedBlob) -> Result<BlobKey, ClientError> {
        let SignedBlob {
            blob_key,
            header,
            request,
        } = signed;
        let bytes = request.blob.len();
        let reply = self
            .disperser
            .clone()
            .disperse_blob(request)
            .await
            .map_err(|s| ClientError::from_status("DisperseBlob", s))?
            .into_inner();
        let theirs = lamina_proto::convert::blob_key("blob_key", &reply.blob_key).map_err(|e| {
            ClientError::BadReply {
                call: "DisperseBlob",
                reason: e.to_string(),
            }
        })?;
        if theirs != blob_key {
            return Err(ClientError::BlobKeyMismatch {
                ours: blob_key,
                theirs,
            });
        }
        self.remember(blob_key, header);
        tracing::info!(%blob_key, blob_bytes = bytes, "blob dispersed");
        Ok(blob_key)
    }

    async fn commitments(
        &self,
        blob: Blob,
        blob_bytes: &[u8],
    ) -> Result<BlobCommitments, ClientError> {
        if let Some(srs) = &self.srs {
            let srs = Arc::clone(srs);
            return Ok(blocking("commitment", move || commit_blob(&srs, &blob)).await??);
        }
        let reply = self
            .when_not_busy(|| {
                let mut disperser = self.disperser.clone();
                let request = GetBlobCommitmentRequest {
                    blob: blob_bytes.to_vec(),
                };
                async move {
                    disperser
                        .get_blob_commitment(request)
                        .await
                        .map_err(|s| ClientError::from_status("GetBlobCommitment", s))
                }
            })
            .await?
            .into_inner();
        let commitment = reply.commitment.as_ref().ok_or(ClientError::BadReply {
            call: "GetBlobCommitment",
            reason: "no commitment".to_owned(),
        })?;
        BlobCommitments::try_from(commitment).map_err(|e| ClientError::BadReply {
            call: "GetBlobCommitment",
            reason: e.to_string(),
        })
    }

    /// Runs `call` again while the disperser refuses it for load (`RESOURCE_EXHAUSTED`
    /// with a retry-after), waiting what it asks plus up to a quarter more (so refused
    /// clients do not all come back at once), for at most `busy_patience_ms` in all.
    /// Any other outcome is returned as it is.
    async fn when_not_busy<T, F, Fut>(&self, mut call: F) -> Result<T, ClientError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let deadline = Instant::now() + self.config.busy_patience();
        loop {
            let error = match call().await {
                Err(error) if error.is_busy() => error,
                outcome => return outcome,
            };
            let asked = error.retry_after().unwrap_or_default();
            let wait = asked + asked.mul_f64(rand::random::<f64>() / 4.0);
            if Instant::now() + wait > deadline {
                return Err(error);
            }
            tracing::debug!(%error, wait_ms = wait.as_millis() as u64, "disperser busy, retrying");
            tokio::time::sleep(wait).await;
        }
    }

    fn remember(&self, key: BlobKey, header: BlobHeader) {
        let mut sent = self
            .sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if sent.len() >= MAX_REMEMBERED {
            // Forget the older half.
            let mut ages: Vec<Instant> = sent.values().map(|s| s.at).collect();
            ages.sort_unstable();
            let cutoff = ages[ages.len() / 2];
            sent.retain(|_, s| s.at > cutoff);
        }
        sent.insert(
            key,
            Sent {
                header,
                at: Instant::now(),
            },
        );
    }

    fn sent_header(&self, key: &BlobKey) -> Option<BlobHeader> {
        self.sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key)
            .map(|s| s.header.clone())
    }

    /// The blob's status at the disperser, with its certificate once complete.
    pub async fn status(&self, blob_key: BlobKey) -> Result<StatusReply, ClientError> {
        let reply = self
            .disperser
            .clone()
            .get_blob_status(GetBlobStatusRequest {
                blob_key: blob_key.0.to_vec(),
            })
            .await
            .map_err(|s| ClientError::from_status("GetBlobStatus", s))?
            .into_inner();
        let status = BlobStatus::from(reply.status);
        let certificate = if status == BlobStatus::Complete {
            if reply.cert_abi.is_empty() {
                return Err(ClientError::BadReply {
                    call: "GetBlobStatus",
                    reason: "COMPLETE without cert_abi".to_owned(),
                });
            }
            let cert =
                DaCertV3::abi_decode(&reply.cert_abi).map_err(|e| ClientError::BadReply {
                    call: "GetBlobStatus",
                    reason: format!("cert_abi: {e}"),
                })?;
            Some(Certificate {
                blob_key,
                cert,
                confirmation: reply.confirmation.map(|c| Confirmation {
                    transaction_hash: format!("0x{}", hex::encode(c.transaction_hash)),
                    block_number: c.block_number,
                }),
            })
        } else {
            None
        };
        Ok(StatusReply {
            status,
            reason: reply.reason,
            certificate,
        })
    }

    /// Polls the blob's status (backing off from `poll_initial_ms` to `poll_max_ms`)
    /// until it is complete, failed, or `certificate_timeout_ms` passed.
    pub async fn wait_for_certificate(
        &self,
        blob_key: BlobKey,
    ) -> Result<Certificate, ClientError> {
        self.wait_for_certificate_with(blob_key, |_| {}).await
    }

    /// [`LaminaClient::wait_for_certificate`], calling `on_progress` after every poll.
    pub async fn wait_for_certificate_with(
        &self,
        blob_key: BlobKey,
        mut on_progress: impl FnMut(&Progress),
    ) -> Result<Certificate, ClientError> {
        let start = Instant::now();
        let deadline = start + self.config.certificate_timeout();
        let mut interval = Duration::from_millis(self.config.poll_initial_ms);
        let max = Duration::from_millis(self.config.poll_max_ms);
        let mut last_status = BlobStatus::Unknown(0);
        loop {
            match self.status(blob_key).await {
                Ok(reply) => {
                    last_status = reply.status;
                    on_progress(&Progress {
                        blob_key,
                        status: reply.status,
                        elapsed: start.elapsed(),
                    });
                    match (reply.status, reply.certificate) {
                        (BlobStatus::Complete, Some(cert)) => return Ok(cert),
                        (status @ (BlobStatus::Failed | BlobStatus::InsufficientSignatures), _) => {
                            return Err(ClientError::DispersalFailed {
                                blob_key,
                                status,
                                reason: reply.reason,
                            });
                        }
                        _ => {}
                    }
                }
                Err(e) if e.is_retryable() => {
                    tracing::warn!(%blob_key, error = %e, "status poll failed; polling on");
                }
                Err(e) => return Err(e),
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(ClientError::CertificateTimeout {
                    blob_key,
                    waited: start.elapsed(),
                    last_status,
                });
            }
            tokio::time::sleep(interval.min(deadline - now)).await;
            interval = (interval * 3 / 2).min(max);
        }
    }

    /// Verifies `cert` locally (every `checkDACert` check, against the operator state
    /// at its reference block; the certificate is for `cert.blob_key`; for blobs this
    /// client dispersed, the header is the one sent and the blob key is signed by its
    /// account), then on-chain with `checkDACert`.
    pub async fn verify_certificate(
        &self,
        cert: &Certificate,
    ) -> Result<VerifiedCert, ClientError> {
        let verified = self.verify_certificate_locally(cert).await?;
        self.verify_certificate_onchain(cert).await?;
        Ok(verified)
    }

    /// The local half of [`LaminaClient::verify_certificate`].
    pub async fn verify_certificate_locally(
        &self,
        cert: &Certificate,
    ) -> Result<VerifiedCert, ClientError> {
        let blob_key = cert.blob_key;
        let verified = verify_locally(
            &self.chain,
            &cert.cert,
            blob_key,
            self.config.recency_window_blocks,
        )
        .await
        .map_err(|e| ClientError::from_verify(blob_key, e))?;
        if let Some(header) = self.sent_header(&blob_key) {
            let blob_cert = &cert.cert.blob_inclusion_info.blob_certificate;
            // The key binds the header; compare anyway so a hashing bug cannot hide.
            if blob_cert.blob_header != header {
                return Err(ClientError::InvalidCertificate {
                    blob_key,
                    source: crate::verify::CertError::BlobKeyMismatch {
                        expected: blob_key,
                        got: blob_cert.blob_header.blob_key(),
                    },
                });
            }
            let signer = recover_signer(blob_key.as_b256(), &blob_cert.signature).ok();
            if signer != Some(self.account()) {
                return Err(ClientError::InvalidCertificate {
                    blob_key,
                    source: crate::verify::CertError::WrongBlobSigner {
                        expected: self.account().to_string(),
                        got: signer.map(|a| a.to_string()),
                    },
                });
            }
        }
        Ok(verified)
    }

    /// `CertVerifier.checkDACert(abi.encode(cert))` through `eth_call`; on failure,
    /// the contract's named error from `checkDACertReverts`.
    pub async fn verify_certificate_onchain(&self, cert: &Certificate) -> Result<(), ClientError> {
        let status = self.chain.check_da_cert(&cert.cert).await?;
        if status == 1 {
            return Ok(());
        }
        let reason = match self.chain.check_da_cert_reverts(&cert.cert).await {
            Err(e) => Some(e.to_string()),
            Ok(()) => None,
        };
        Err(ClientError::RejectedOnChain {
            blob_key: cert.blob_key,
            status,
            reason,
        })
    }

    /// The payload of `cert`'s blob: [`LaminaClient::retrieve_blob`], decoded by the
    /// retriever's one rule ([`lamina_retriever::decode_payload`]), so a blob that is
    /// not a valid payload encoding is the same
    /// [`RetrieverError::Payload`](lamina_retriever::RetrieverError::Payload) whichever
    /// path served it.
    pub async fn retrieve(&self, cert: &Certificate) -> Result<Vec<u8>, ClientError> {
        let blob = self.retrieve_checked_blob(cert).await?;
        decode_on_blocking(cert.blob_key, blob).await
    }

    /// The blob of `cert`, exactly as committed (`commitment.length` 32-byte symbols,
    /// padding included, whatever it encodes): from the retriever service when
    /// configured (checked against the commitment when the client has an SRS),
    /// falling back to the operators directly when that fails and an SRS is
    /// configured.
    pub async fn retrieve_blob(&self, cert: &Certificate) -> Result<Vec<u8>, ClientError> {
        let blob = self.retrieve_checked_blob(cert).await?;
        blocking("blob serialization", move || blob.to_bytes()).await
    }

    async fn retrieve_checked_blob(&self, cert: &Certificate) -> Result<Blob, ClientError> {
        if self.retriever_service.is_some() {
            match self.service_blob(cert).await {
                Ok(blob) => return Ok(blob),
                Err(e) if self.direct.is_some() && e.action() != ErrorAction::Drop => {
                    tracing::warn!(blob_key = %cert.blob_key, error = %e, "retriever service failed; retrieving from operators");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(self.retrieve_blob_from_operators(cert).await?.blob)
    }

    /// The raw blob of `cert` from the disperser's `GetBlob` (the fast path: one call,
    /// no chunk verification), accepted only when it has the committed length and
    /// commits to the certificate's commitment (needs an SRS). The call gets at most
    /// `timeout`; callers fall back to [`LaminaClient::retrieve_blob`] on any error.
    pub async fn retrieve_blob_from_disperser(
        &self,
        cert: &Certificate,
        timeout: Duration,
    ) -> Result<Vec<u8>, ClientError> {
        let Some(srs) = &self.srs else {
            return Err(ClientError::Config {
                field: "srs",
                reason: "checking the disperser's blob needs an SRS".to_owned(),
            });
        };
        let header = &cert.cert.blob_inclusion_info.blob_certificate.blob_header;
        let blob =
            lamina_retriever::fetch_checked_blob(self.disperser.clone(), srs, header, timeout)
                .await
                .map_err(|source| ClientError::DisperserBlob {
                    blob_key: cert.blob_key,
                    source,
                })?;
        blocking("blob serialization", move || blob.to_bytes()).await
    }

    /// Retrieves the payload through the retriever service: the raw blob (form
    /// `BLOB`), checked, then decoded here.
    pub async fn retrieve_from_service(&self, cert: &Certificate) -> Result<Vec<u8>, ClientError> {
        let blob = self.service_blob(cert).await?;
        decode_on_blocking(cert.blob_key, blob).await
    }

    /// Retrieves the raw blob through the retriever service (form `BLOB`), checked.
    pub async fn retrieve_blob_from_service(
        &self,
        cert: &Certificate,
    ) -> Result<Vec<u8>, ClientError> {
        let blob = self.service_blob(cert).await?;
        blocking("blob serialization", move || blob.to_bytes()).await
    }

    /// The blob from the retriever service: a well-formed blob of exactly the
    /// committed length, and (with an SRS) committing to the certificate's
    /// commitment. The payload is never re-encoded to check it: a blob may carry
    /// more padding than the minimal encoding, and it is certified as it is.
    async fn service_blob(&self, cert: &Certificate) -> Result<Blob, ClientError> {
        let Some(service) = &self.retriever_service else {
            return Err(ClientError::Config {
                field: "retriever",
                reason: "no retriever service configured".to_owned(),
            });
        };
        let header = &cert.cert.blob_inclusion_info.blob_certificate.blob_header;
        let quorum = header.quorum_numbers.first().copied().unwrap_or_default();
        let request = RetrieveBlobRequest {
            blob: Some(RetrieveWhat::CertAbi(cert.cert_abi())),
            reference_block_number: u64::from(cert.reference_block()),
            quorum_id: u32::from(quorum),
            form: RetrievalForm::Blob.into(),
        };
        let bytes = service
            .clone()
            .retrieve_blob(request)
            .await
            .map_err(|s| ClientError::from_status("RetrieveBlob", s))?
            .into_inner()
            .blob;
        let srs = self.srs.clone();
        let expected = header.commitment;
        let checked = blocking("blob check", move || {
            let blob = Blob::from_bytes(&bytes).ok()?;
            if blob.len_symbols() as u64 != u64::from(expected.length) {
                return None;
            }
            match srs {
                Some(srs) => {
                    (commit(&srs, &blob).ok() == Some(expected.commitment)).then_some(blob)
                }
                None => Some(blob),
            }
        })
        .await?;
        checked.ok_or(ClientError::PayloadMismatch {
            blob_key: cert.blob_key,
        })
    }

    /// The in-process retriever, which exists when the client has an SRS.
    fn direct(&self) -> Result<&Retriever<C>, ClientError> {
        self.direct.as_ref().ok_or_else(|| ClientError::Config {
            field: "srs",
            reason: "direct retrieval from operators needs an SRS".to_owned(),
        })
    }

    /// Retrieves the raw blob directly from the operators (needs an SRS), with the
    /// report of who answered and who was skipped.
    pub async fn retrieve_blob_from_operators(
        &self,
        cert: &Certificate,
    ) -> Result<RetrievedBlob, ClientError> {
        let direct = self.direct()?;
        let header = &cert.cert.blob_inclusion_info.blob_certificate.blob_header;
        let quorum = header.quorum_numbers.first().copied().unwrap_or_default();
        Ok(direct
            .retrieve_blob_preferring(header, cert.reference_block(), quorum)
            .await?)
    }

    /// Retrieves directly from the operators (needs an SRS), with the report of who
    /// answered and who was skipped.
    pub async fn retrieve_from_operators(
        &self,
        cert: &Certificate,
    ) -> Result<Retrieved, ClientError> {
        let direct = self.direct()?;
        let header = &cert.cert.blob_inclusion_info.blob_certificate.blob_header;
        let quorum = header.quorum_numbers.first().copied().unwrap_or_default();
        Ok(direct
            .retrieve_preferring(header, cert.reference_block(), quorum)
            .await?)
    }
}
