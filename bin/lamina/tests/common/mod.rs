//! Shared by the process tests: a rollup that sends raw `DisperseBlob` requests, for tests
//! that choose a blob's version and quorums or read a refusal's exact status; a disperser
//! that lies on `GetBlob`, for readers that must not trust it.

// Each test uses part of this module.
#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use alloy_primitives::U256;
use lamina_core::keystore::EcdsaKey;
use lamina_core::{BlobCommitments, BlobHeader, BlobKey, PaymentHeader, QuorumId};
use lamina_devnet::Devnet;
use lamina_encoding::{Blob, Srs, commit_blob};
use lamina_proto::convert::blob_header_to_proto;
use lamina_proto::disperser::v1 as dpb;
use lamina_proto::disperser::v1::disperser_client::DisperserClient;
use lamina_proto::disperser::v1::{DisperseBlobRequest, GetBlobStatusReply, GetBlobStatusRequest};
use tonic::transport::Channel;

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos() as i64
}

/// A signed DisperseBlob request and what a test expects of it.
pub(crate) struct Prepared {
    pub(crate) request: DisperseBlobRequest,
    pub(crate) key: BlobKey,
    pub(crate) commitments: BlobCommitments,
}

/// An account talking to the devnet's disperser with raw requests.
pub(crate) struct RawRollup {
    pub(crate) key: EcdsaKey,
    pub(crate) srs: Srs,
    /// The devnet's blob version.
    pub(crate) version: u16,
    /// The devnet's quorums.
    pub(crate) quorums: Vec<QuorumId>,
    pub(crate) client: DisperserClient<Channel>,
}

impl RawRollup {
    /// The devnet's client account, connected to the devnet's disperser; commitments use
    /// `srs_points` development points.
    pub(crate) async fn new(devnet: &Devnet, srs_points: usize) -> Self {
        Self::with_key(devnet, devnet.client().key.clone(), srs_points).await
    }

    /// Account `key`, connected to the devnet's disperser.
    pub(crate) async fn with_key(devnet: &Devnet, key: EcdsaKey, srs_points: usize) -> Self {
        let info = devnet.info();
        let endpoint = format!("http://{}", info.disperser.as_deref().expect("a disperser"));
        let channel = tonic::transport::Endpoint::from_shared(endpoint)
            .expect("endpoint")
            .connect()
            .await
            .expect("disperser reachable");
        Self {
            key,
            srs: Srs::development_cached(srs_points).expect("development SRS"),
            version: info.blob_version,
            quorums: info.quorums.clone(),
            client: DisperserClient::new(channel)
                .max_decoding_message_size(lamina_proto::MAX_MESSAGE_SIZE)
                .max_encoding_message_size(lamina_proto::MAX_MESSAGE_SIZE),
        }
    }

    /// A correct DisperseBlob of `payload` as a blob of `version` in `quorums`, paid by this
    /// account and signed by `signer`.
    pub(crate) fn prepare_with(
        &self,
        payload: &[u8],
        quorums: Vec<QuorumId>,
        version: u16,
        signer: &EcdsaKey,
    ) -> Prepared {
        self.prepare_paying(payload, quorums, version, signer, U256::ZERO)
    }

    /// [`Self::prepare_with`] with the payment header's `cumulative_payment` (zero: the
    /// reservation).
    pub(crate) fn prepare_paying(
        &self,
        payload: &[u8],
        quorums: Vec<QuorumId>,
        version: u16,
        signer: &EcdsaKey,
        cumulative_payment: U256,
    ) -> Prepared {
        let blob = Blob::from_payload(payload).expect("payload encodes");
        let commitments = commit_blob(&self.srs, &blob).expect("commits");
        let payment = PaymentHeader {
            account_id: self.key.address(),
            timestamp_ns: now_ns(),
            cumulative_payment,
        };
        let header = BlobHeader {
            version,
            quorum_numbers: quorums,
            commitment: commitments,
            payment_header_hash: payment.hash(),
        };
        let key = header.blob_key();
        let signature = lamina_core::ecdsa::sign_digest(signer, key.as_b256()).expect("signs");
        Prepared {
            request: DisperseBlobRequest {
                blob: blob.to_bytes(),
                blob_header: Some(blob_header_to_proto(&header, &payment)),
                signature: signature.to_vec(),
            },
            key,
            commitments,
        }
    }

    /// A DisperseBlob of `payload` as a blob of `version` in `quorums`, signed by the
    /// client; checks the disperser's key is ours.
    pub(crate) async fn try_disperse(
        &mut self,
        version: u16,
        quorums: Vec<QuorumId>,
        payload: &[u8],
    ) -> Result<BlobKey, tonic::Status> {
        let prepared = self.prepare_with(payload, quorums, version, &self.key);
        let reply = self
            .client
            .disperse_blob(prepared.request)
            .await?
            .into_inner();
        assert_eq!(reply.blob_key, prepared.key.0.to_vec());
        Ok(prepared.key)
    }

    /// The blob's status.
    pub(crate) async fn status(&mut self, key: BlobKey) -> GetBlobStatusReply {
        self.client
            .get_blob_status(GetBlobStatusRequest {
                blob_key: key.0.to_vec(),
            })
            .await
            .expect("status")
            .into_inner()
    }

    /// Polls until the blob ends (COMPLETE, FAILED or INSUFFICIENT_SIGNATURES); fails
    /// after `timeout`.
    pub(crate) async fn wait_end(
        &mut self,
        key: BlobKey,
        timeout: std::time::Duration,
    ) -> GetBlobStatusReply {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let reply = self.status(key).await;
            if matches!(
                reply.status(),
                dpb::BlobStatus::Complete
                    | dpb::BlobStatus::Failed
                    | dpb::BlobStatus::InsufficientSignatures
            ) {
                return reply;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "blob {key} never ended; last status {:?} ({})",
                reply.status(),
                reply.reason
            );
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
    }
}

/// A disperser that answers `GetBlob` with fixed bytes (another blob's): the lying
/// peer the retriever must not trust. Every other call is unimplemented.
pub(crate) struct LyingDisperser {
    pub(crate) blob: Vec<u8>,
}

#[tonic::async_trait]
impl dpb::disperser_server::Disperser for LyingDisperser {
    async fn disperse_blob(
        &self,
        _: tonic::Request<dpb::DisperseBlobRequest>,
    ) -> Result<tonic::Response<dpb::DisperseBlobReply>, tonic::Status> {
        Err(tonic::Status::unimplemented("lying test disperser"))
    }
    async fn get_blob_status(
        &self,
        _: tonic::Request<dpb::GetBlobStatusRequest>,
    ) -> Result<tonic::Response<dpb::GetBlobStatusReply>, tonic::Status> {
        Err(tonic::Status::unimplemented("lying test disperser"))
    }
    async fn get_blob_commitment(
        &self,
        _: tonic::Request<dpb::GetBlobCommitmentRequest>,
    ) -> Result<tonic::Response<dpb::GetBlobCommitmentReply>, tonic::Status> {
        Err(tonic::Status::unimplemented("lying test disperser"))
    }
    async fn get_blob(
        &self,
        _: tonic::Request<dpb::GetBlobRequest>,
    ) -> Result<tonic::Response<dpb::GetBlobReply>, tonic::Status> {
        Ok(tonic::Response::new(dpb::GetBlobReply {
            blob: self.blob.clone(),
        }))
    }
    async fn get_payment_state(
        &self,
        _: tonic::Request<dpb::GetPaymentStateRequest>,
    ) -> Result<tonic::Response<dpb::GetPaymentStateReply>, tonic::Status> {
        Err(tonic::Status::unimplemented("lying test disperser"))
    }
    async fn get_validator_signing_rate(
        &self,
        _: tonic::Request<dpb::GetValidatorSigningRateRequest>,
    ) -> Result<tonic::Response<dpb::GetValidatorSigningRateReply>, tonic::Status> {
        Err(tonic::Status::unimplemented("lying test disperser"))
    }
}

/// Runs `lamina ARGS` and parses its stdout as JSON.
pub(crate) fn lamina(args: &[&str]) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(args)
        .output()
        .expect("lamina runs");
    assert!(
        out.status.success(),
        "lamina {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "lamina {args:?} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A client of the devnet with a certificate wait long enough for a loaded machine.
pub(crate) fn devnet_client_config(devnet: &Devnet) -> lamina_client::ClientConfig {
    lamina_client::ClientConfig {
        certificate_timeout_ms: 240_000,
        ..devnet.info().client_config().expect("devnet client config")
    }
}

/// `GET http://addr/path` with a bare HTTP/1.1 request: the response.
pub(crate) async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .expect("writes");
    let mut out = String::new();
    stream.read_to_string(&mut out).await.expect("reads");
    out
}

/// `GET path`: the status code and the body.
pub(crate) async fn http_status_and_body(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let out = http_get(addr, path).await;
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {out:?}"));
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// `GET path`, which must answer `200` with JSON.
pub(crate) async fn get_json(addr: std::net::SocketAddr, path: &str) -> serde_json::Value {
    let (status, body) = http_status_and_body(addr, path).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
}
