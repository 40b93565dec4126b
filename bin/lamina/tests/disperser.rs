//! The disperser as a real process: anvil with the real contracts and restaked operators
//! (lamina-devnet), a `lamina node run` process per operator and `lamina disperser run`,
//! all over TCP. This test is the rollup: it encodes payloads, commits, signs blob keys
//! with an account key and talks to `lamina.disperser.v1.Disperser`.
//!
//! Needs the repository's pinned anvil and forge (`scripts/setup.sh`), as every devnet does.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use alloy_primitives::Address;
use lamina_core::bls::SecretKey;
use lamina_core::chain::Chain;

mod common;
use common::{Prepared, RawRollup as Rollup};
use lamina_core::keystore::EcdsaKey;
use lamina_core::{BlobCommitments, BlobKey, DaCertV3, OperatorId};
use lamina_devnet::{Devnet, DevnetOptions};
use lamina_encoding::g1_to_bytes;
use lamina_proto::disperser::v1::{
    BlobStatus, DisperseBlobRequest, GetBlobCommitmentRequest, GetBlobStatusReply,
    GetBlobStatusRequest,
};
use lamina_proto::node::v1::dispersal_client::DispersalClient;
use lamina_proto::node::v1::dispersal_server::{Dispersal, DispersalServer};
use lamina_proto::node::v1::{
    GetNodeInfoReply, GetNodeInfoRequest, StoreChunksReply, StoreChunksRequest,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use tonic::Code;
use tonic::transport::Channel;

/// Largest blob in these tests: 1 MiB, so every process loads the cached 2^15-point SRS.
const MAX_BLOB_BYTES: i64 = 1 << 20;
const SRS_POINTS: usize = 1 << 15;
/// Longest a blob may take to end (generous: several devnets share two cores).
const BLOB_TIMEOUT: Duration = Duration::from_secs(150);

struct Net {
    devnet: Devnet,
    _dir: tempfile::TempDir,
}

/// A devnet without retriever; nodes and the disperser sized for 1 MiB blobs, the
/// disperser with a 1-block reference delay, 200 ms batches and on-chain anchoring.
async fn devnet(configure: impl FnOnce(&mut DevnetOptions)) -> Net {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path().join("devnet"));
    options.with_retriever = false;
    // several devnets start at once on a loaded 2-core machine
    options.health_timeout = Duration::from_secs(240);
    options
        .node_config
        .insert("max_blob_symbols".into(), (MAX_BLOB_BYTES / 32).into());
    let d = &mut options.disperser_config;
    d.insert("max_blob_size".into(), MAX_BLOB_BYTES.into());
    d.insert("reference_block_delay".into(), 1.into());
    d.insert("batch_max_interval_ms".into(), 200.into());
    d.insert("anchor_on_chain".into(), true.into());
    // an account that starts paying is served a second after (the default is 10 s)
    let mut accounts = toml::Table::new();
    accounts.insert("unpaid_recheck_secs".into(), 1.into());
    let mut payments = toml::Table::new();
    payments.insert("accounts".into(), accounts.into());
    d.insert("payments".into(), payments.into());
    configure(&mut options);
    let devnet = Devnet::start(options).await.expect("devnet starts");
    Net { devnet, _dir: dir }
}

/// The disperser tests' requests on top of the shared raw rollup.
impl Rollup {
    fn prepare(&self, payload: &[u8]) -> Prepared {
        self.prepare_with(payload, self.quorums.clone(), self.version, &self.key)
    }

    async fn disperse(&mut self, request: DisperseBlobRequest) -> Result<BlobKey, tonic::Status> {
        let reply = self.client.disperse_blob(request).await?.into_inner();
        Ok(BlobKey(reply.blob_key.try_into().expect("32-byte key")))
    }

    /// Polls until `done` holds for the status, or fails after [`BLOB_TIMEOUT`].
    async fn wait_for(
        &mut self,
        key: BlobKey,
        what: &str,
        done: impl Fn(&GetBlobStatusReply) -> bool,
    ) -> GetBlobStatusReply {
        let deadline = Instant::now() + BLOB_TIMEOUT;
        loop {
            let reply = self.status(key).await;
            if done(&reply) {
                return reply;
            }
            assert!(
                Instant::now() < deadline,
                "blob {key} never became {what}; last status {:?} ({})",
                reply.status(),
                reply.reason
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn wait_terminal(&mut self, key: BlobKey) -> GetBlobStatusReply {
        self.wait_for(key, "terminal", |r| {
            matches!(
                r.status(),
                BlobStatus::Complete | BlobStatus::Failed | BlobStatus::InsufficientSignatures
            )
        })
        .await
    }
}

/// Decodes the certificate of a complete blob and checks it on-chain.
async fn verify_on_chain(net: &Net, key: BlobKey, reply: &GetBlobStatusReply) -> DaCertV3 {
    assert_eq!(reply.status(), BlobStatus::Complete, "{}", reply.reason);
    let cert = DaCertV3::abi_decode(&reply.cert_abi).expect("cert_abi decodes");
    assert_eq!(cert.blob_key(), key, "the certificate is this blob's");
    let chain = net.devnet.chain().connect(None).expect("chain");
    if let Err(e) = chain.check_da_cert_reverts(&cert).await {
        panic!("checkDACert rejects the certificate of {key}: {e}");
    }
    assert_eq!(
        chain.check_da_cert(&cert).await.expect("checkDACert call"),
        1,
        "checkDACert status code"
    );
    cert
}

fn expect_code(result: Result<BlobKey, tonic::Status>, code: Code, needle: &str) -> tonic::Status {
    let status = result.expect_err("request must be refused");
    assert_eq!(status.code(), code, "{}", status.message());
    assert!(
        status.message().contains(needle),
        "{:?} does not mention {needle:?}",
        status.message()
    );
    status
}

/// One `GET /metrics` of the disperser.
async fn metrics(addr: SocketAddr) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("metrics port");
    stream
        .write_all(
            format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .expect("request");
    let mut body = String::new();
    stream.read_to_string(&mut body).await.expect("response");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_completes_with_a_certificate_checkdacert_accepts_and_bad_input_gets_its_code() {
    let net = devnet(|o| {
        // low enough that two 512 KiB blobs in a row exceed it
        o.disperser_config
            .insert("rate_limit_bytes_per_sec".into(), (64 * 1024).into());
    })
    .await;
    let mut rollup =
        Rollup::with_key(&net.devnet, net.devnet.client().key.clone(), SRS_POINTS).await;

    // The happy path: complete, verified on-chain, anchored with confirmBatch.
    let payload: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    let good = rollup.prepare(&payload);
    let key = rollup
        .disperse(good.request.clone())
        .await
        .expect("accepted");
    assert_eq!(key, good.key, "the disperser returns the recomputed key");
    let reply = rollup.wait_terminal(key).await;
    let cert = verify_on_chain(&net, key, &reply).await;
    let attestation = reply.attestation.as_ref().expect("attestation");
    assert!(
        attestation.non_signer_pubkeys.is_empty(),
        "every operator signed"
    );
    assert_eq!(attestation.quorum_numbers, vec![0, 1]);
    assert_eq!(attestation.quorum_signed_percentages, vec![100, 100]);
    let info = reply.blob_inclusion_info.as_ref().expect("inclusion info");
    assert_eq!(info.blob_index, cert.blob_inclusion_info.blob_index);
    assert!(
        cert.blob_inclusion_info
            .verify(cert.batch_header.batch_root)
    );
    let anchored = rollup
        .wait_for(key, "anchored", |r| r.confirmation.is_some())
        .await;
    let confirmation = anchored.confirmation.expect("confirmation");
    assert_eq!(confirmation.transaction_hash.len(), 32);
    assert!(confirmation.block_number > u64::from(cert.batch_header.reference_block_number));

    // GetBlobCommitment gives what the client computed.
    let commitment = rollup
        .client
        .get_blob_commitment(GetBlobCommitmentRequest {
            blob: good.request.blob.clone(),
        })
        .await
        .expect("commitment")
        .into_inner()
        .commitment
        .expect("present");
    assert_eq!(
        BlobCommitments::try_from(&commitment).expect("valid points"),
        good.commitments
    );

    // Each invalid input gets its code and names what is wrong.
    expect_code(
        rollup.disperse(good.request.clone()).await,
        Code::AlreadyExists,
        "already dispersed",
    );
    let small = b"small blob for the error cases";
    let me = rollup.key.clone();
    let cases: Vec<(DisperseBlobRequest, &str)> = vec![
        (
            rollup.prepare_with(small, vec![0, 1, 9], 1, &me).request,
            "quorum 9 does not exist",
        ),
        (
            rollup.prepare_with(small, vec![0], 1, &me).request,
            "lacks required quorum 1",
        ),
        (
            rollup.prepare_with(small, vec![1, 0], 1, &me).request,
            "ascending",
        ),
        (
            rollup.prepare_with(small, vec![0, 1], 9, &me).request,
            "version 9 does not exist",
        ),
        (
            rollup
                .prepare_with(
                    small,
                    vec![0, 1],
                    1,
                    &EcdsaKey::random(&mut ChaCha20Rng::seed_from_u64(1)),
                )
                .request,
            "but blob_header.payment_header.account_id is",
        ),
        (
            DisperseBlobRequest {
                signature: vec![7; 65],
                ..rollup.prepare(small).request
            },
            "signature",
        ),
        (
            DisperseBlobRequest {
                blob_header: None,
                ..rollup.prepare(small).request
            },
            "blob_header is missing",
        ),
        {
            // every symbol must be < r
            let mut p = rollup.prepare(small).request;
            p.blob[32..64].fill(0xff);
            (p, "symbol 1")
        },
        {
            // 3 symbols: not a power of two
            let mut p = rollup.prepare(&[1u8; 100]).request;
            p.blob.truncate(96);
            (p, "power of two")
        },
        {
            // a different blob under the same header
            let mut p = rollup.prepare(small).request;
            p.blob[33] ^= 1;
            (p, "blob_header.commitment.commitment does not match")
        },
        (
            DisperseBlobRequest {
                blob: vec![0; 2 << 20],
                ..rollup.prepare(small).request
            },
            "the limit is 1048576 bytes",
        ),
    ];
    for (request, needle) in cases {
        expect_code(
            rollup.disperse(request).await,
            Code::InvalidArgument,
            needle,
        );
    }
    let unknown = rollup
        .client
        .get_blob_status(GetBlobStatusRequest {
            blob_key: vec![0xab; 32],
        })
        .await
        .expect_err("unknown key");
    assert_eq!(unknown.code(), Code::NotFound);
    let short = rollup
        .client
        .get_blob_status(GetBlobStatusRequest {
            blob_key: vec![1; 31],
        })
        .await
        .expect_err("short key");
    assert_eq!(short.code(), Code::InvalidArgument);

    // Payments: a fresh account with neither a reservation nor a deposit is refused with
    // the typed no-payment refusal; governance gives it a reservation, and (once the
    // disperser's negative cache entry expires, 1 s here) it is served.
    let fresh = EcdsaKey::random(&mut ChaCha20Rng::seed_from_u64(2));
    let mut busy = Rollup::with_key(&net.devnet, fresh.clone(), SRS_POINTS).await;
    let unpaid = busy.prepare(&[5u8; 1024]).request;
    expect_code(
        busy.disperse(unpaid).await,
        Code::PermissionDenied,
        "no reservation or on-demand deposit",
    );
    net.devnet
        .chain()
        .reserve_bandwidth(fresh.address(), 1 << 16)
        .await
        .expect("governance sets a reservation");
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // Rate limit: a fresh account's first 512 KiB blob passes, the next is refused with
    // a retry-after.
    let big: Vec<u8> = vec![3; 400 * 1024];
    // both prepared first: committing takes long enough to repay part of the debt
    let (first, second) = (busy.prepare(&big), busy.prepare(&[4u8; 400 * 1024]));
    busy.disperse(first.request)
        .await
        .expect("first blob within the limit");
    let limited = expect_code(
        busy.disperse(second.request).await,
        Code::ResourceExhausted,
        "bytes per second",
    );
    let retry_ms: u64 = limited
        .metadata()
        .get(lamina_proto::RETRY_AFTER_MS_METADATA)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("retry-after-ms metadata");
    assert!((1..=8000).contains(&retry_ms), "retry after {retry_ms} ms");

    let text = metrics(net.devnet.disperser_addrs().metrics).await;
    assert!(
        text.contains("lamina_disperser_blobs_total{status=\"complete\"}"),
        "{text}"
    );
    net.devnet.shutdown().await.expect("clean shutdown");
}

/// A proxy at an operator's registered socket: passes StoreChunks to the real node and
/// returns a signature by another BLS key (a well-formed signature that does not verify
/// against the operator's registered key).
#[derive(Clone)]
struct WrongKeyProxy {
    upstream: Channel,
    key: SecretKey,
}

#[tonic::async_trait]
impl Dispersal for WrongKeyProxy {
    async fn store_chunks(
        &self,
        request: tonic::Request<StoreChunksRequest>,
    ) -> Result<tonic::Response<StoreChunksReply>, tonic::Status> {
        let request = request.into_inner();
        let header = request
            .batch
            .as_ref()
            .and_then(|b| b.header.as_ref())
            .map(lamina_core::BatchHeader::try_from)
            .ok_or_else(|| tonic::Status::invalid_argument("no batch header"))?
            .map_err(|e| tonic::Status::invalid_argument(e.to_string()))?;
        DispersalClient::new(self.upstream.clone())
            .max_decoding_message_size(lamina_proto::MAX_MESSAGE_SIZE)
            .max_encoding_message_size(lamina_proto::MAX_MESSAGE_SIZE)
            .store_chunks(request)
            .await?;
        let signature = self.key.sign(header.hash());
        Ok(tonic::Response::new(StoreChunksReply {
            signature: g1_to_bytes(&signature.point()).to_vec(),
        }))
    }

    async fn get_node_info(
        &self,
        request: tonic::Request<GetNodeInfoRequest>,
    ) -> Result<tonic::Response<GetNodeInfoReply>, tonic::Status> {
        DispersalClient::new(self.upstream.clone())
            .get_node_info(request.into_inner())
            .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_node_and_a_wrong_signature_are_non_signers_and_too_few_signers_is_insufficient() {
    // Five operators, stakes 10, 10, 10, 1, 1 in both quorums.
    let mut net = devnet(|o| {
        o.operators = 5;
        o.stakes = vec![10, 10, 10, 1, 1];
    })
    .await;
    let operators: Vec<(OperatorId, Address)> = net
        .devnet
        .operators()
        .iter()
        .map(|o| (o.operator_id, o.address))
        .collect();

    // Operator 3 now answers through a proxy that signs with the wrong key: its socket
    // on-chain points to the proxy.
    let upstream_addr = net.devnet.node_addrs(3).expect("node 3").grpc;
    let upstream = tonic::transport::Endpoint::from_shared(format!("http://{upstream_addr}"))
        .expect("endpoint")
        .connect_lazy();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("proxy port");
    let proxy_addr = listener.local_addr().expect("bound");
    let proxy = WrongKeyProxy {
        upstream,
        key: SecretKey::random(&mut ChaCha20Rng::seed_from_u64(3)),
    };
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(
                DispersalServer::new(proxy)
                    .max_decoding_message_size(lamina_proto::MAX_MESSAGE_SIZE)
                    .max_encoding_message_size(lamina_proto::MAX_MESSAGE_SIZE),
            )
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    let signer = lamina_devnet::operators::signer_of(&net.devnet.operators()[3].ecdsa_key)
        .expect("operator 3 signer");
    net.devnet
        .chain()
        .connect(Some(signer))
        .expect("chain")
        .update_socket(&proxy_addr.to_string())
        .await
        .expect("socket updated");
    // the disperser reads sockets at head - 1: let the update settle under it
    net.devnet.chain().mine(2).await.expect("mines");

    // Operator 4's node is down.
    net.devnet
        .node_mut(4)
        .expect("node 4")
        .kill()
        .expect("killed");

    let mut rollup =
        Rollup::with_key(&net.devnet, net.devnet.client().key.clone(), SRS_POINTS).await;
    let blob = rollup.prepare(&[42u8; 20_000]);
    let key = rollup.disperse(blob.request).await.expect("accepted");
    let reply = rollup.wait_terminal(key).await;
    let cert = verify_on_chain(&net, key, &reply).await;
    let attestation = reply.attestation.expect("attestation");
    // 30 of 32 stake signed in each quorum
    assert_eq!(attestation.quorum_signed_percentages, vec![93, 93]);
    let mut expected: Vec<OperatorId> = vec![operators[3].0, operators[4].0];
    expected.sort();
    let non_signers: Vec<OperatorId> = cert
        .non_signer_stakes_and_signature
        .non_signer_pubkeys
        .iter()
        .map(lamina_core::bls::operator_id)
        .collect();
    assert_eq!(
        non_signers, expected,
        "the liar and the dead node are the non-signers"
    );
    let text = metrics(net.devnet.disperser_addrs().metrics).await;
    let liar = operators[3].0.to_string();
    assert!(
        text.lines()
            .any(|l| l.contains(&liar) && l.contains("outcome=\"bad_signature\"")),
        "the wrong signature is counted: {text}"
    );

    // Two more nodes down: 10 of 32 signed, below the 55% threshold.
    for i in [1, 2] {
        net.devnet
            .node_mut(i)
            .expect("node")
            .kill()
            .expect("killed");
    }
    let blob = rollup.prepare(&[43u8; 20_000]);
    let key = rollup.disperse(blob.request).await.expect("accepted");
    let reply = rollup.wait_terminal(key).await;
    assert_eq!(
        reply.status(),
        BlobStatus::InsufficientSignatures,
        "{}",
        reply.reason
    );
    assert!(
        reply.reason.contains("quorum 0 signed 31%") && reply.reason.contains("threshold is 55%"),
        "{}",
        reply.reason
    );
    assert!(
        reply.cert_abi.is_empty(),
        "no certificate without enough stake"
    );
    net.devnet.shutdown().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_any_stage_loses_no_accepted_blob() {
    let mut net = devnet(|o| {
        let d = &mut o.disperser_config;
        // blobs wait 8 s in the batcher: time to find them queued or encoded
        d.insert("batch_max_interval_ms".into(), 8000.into());
        d.insert("queue_capacity".into(), 3.into());
        d.insert("node_timeout_ms".into(), 60_000.into());
        d.insert("batch_timeout_ms".into(), 60_000.into());
    })
    .await;
    let mut rollup =
        Rollup::with_key(&net.devnet, net.devnet.client().key.clone(), SRS_POINTS).await;

    // Stage 1: three blobs accepted (queued or encoded, not yet batched); a fourth finds
    // the queue full.
    let mut keys = Vec::new();
    for i in 0..3u8 {
        let p = rollup.prepare(&vec![i; 10_000 + usize::from(i)]);
        keys.push(rollup.disperse(p.request).await.expect("accepted"));
    }
    let full = expect_code(
        rollup
            .disperse(rollup.prepare(b"one too many").request)
            .await,
        Code::ResourceExhausted,
        "queue is full",
    );
    assert!(
        full.metadata()
            .get(lamina_proto::RETRY_AFTER_MS_METADATA)
            .is_some(),
        "a full queue says when to retry"
    );
    let before: BTreeMap<BlobKey, BlobStatus> = {
        let mut m = BTreeMap::new();
        for &k in &keys {
            m.insert(k, rollup.status(k).await.status());
        }
        m
    };
    assert!(
        before
            .values()
            .all(|s| matches!(s, BlobStatus::Queued | BlobStatus::Encoded)),
        "{before:?}"
    );
    let disperser = net.devnet.disperser_mut().expect("disperser");
    disperser.kill().expect("kill -9");
    disperser
        .restart(Duration::from_secs(120))
        .await
        .expect("restarts healthy");
    let mut rollup =
        Rollup::with_key(&net.devnet, net.devnet.client().key.clone(), SRS_POINTS).await;
    for &k in &keys {
        let reply = rollup.wait_terminal(k).await;
        verify_on_chain(&net, k, &reply).await;
    }

    // Stage 2: a blob whose batch is out to the operators (node 0 frozen, so the batch
    // cannot finish), killed mid-signature-gathering.
    let node0 = net
        .devnet
        .node_mut(0)
        .expect("node 0")
        .pid()
        .expect("running");
    lamina_devnet::process::signal(node0, 19).expect("SIGSTOP node 0");
    let p = rollup.prepare(b"in flight while the disperser dies");
    let key = rollup.disperse(p.request).await.expect("accepted");
    rollup
        .wait_for(key, "gathering signatures", |r| {
            r.status() == BlobStatus::GatheringSignatures
        })
        .await;
    let disperser = net.devnet.disperser_mut().expect("disperser");
    disperser.kill().expect("kill -9");
    lamina_devnet::process::signal(node0, 18).expect("SIGCONT node 0");
    disperser
        .restart(Duration::from_secs(120))
        .await
        .expect("restarts healthy");
    let mut rollup =
        Rollup::with_key(&net.devnet, net.devnet.client().key.clone(), SRS_POINTS).await;
    let reply = rollup.wait_terminal(key).await;
    verify_on_chain(&net, key, &reply).await;
    net.devnet.shutdown().await.expect("clean shutdown");
}
