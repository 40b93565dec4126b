//! The DA node as a real process: anvil with the real contracts (lamina-devnet), three
//! registered operators, `lamina node run` for operator 0 over TCP, and this test acting
//! as the disperser: real blobs encoded and committed, the stake-based assignment read
//! from the chain at the reference block, requests signed with an ECDSA key.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy_primitives::{Address, U256};
use lamina_core::bls::Signature;
use lamina_core::chain::{Chain, EthChain};
use lamina_core::keystore::EcdsaKey;
use lamina_core::{BlobParams, OperatorId};
use lamina_devnet::operators::{OperatorSpec, ProvisionedOperator, TOKEN, account_key};
use lamina_devnet::ports::free_loopback_addr;
use lamina_devnet::{LocalChain, LocalChainOptions, ServiceProcess, ServiceSpec};
use lamina_encoding::{Encoder, Srs};
use lamina_node::NodeConfig;
use lamina_node::testing::{
    BlobSpec, EncodedBlob, encode_blob, parsed_batch, store_chunks_request,
};
use lamina_proto::node::v1::{
    GetBlobCertificateRequest, GetChunksRequest, GetNodeInfoRequest, StoreChunksRequest,
    dispersal_client::DispersalClient, retrieval_client::RetrievalClient,
};
use tonic::Code;
use tonic::transport::Channel;

mod common;
use common::http_get;

/// Largest blob the test node accepts: small, so its SRS loads in a blink.
const MAX_BLOB_SYMBOLS: u32 = 1 << 12;
const SEED: u64 = 0x0de;
const HEALTH_TIMEOUT: Duration = Duration::from_secs(120);

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos() as i64
}

/// Anvil, three operators (stakes 1, 3, 6 tokens in quorums 0 and 1: operator 0 holds
/// 10%), and operator 0's node process.
struct Harness {
    _dir: tempfile::TempDir,
    chain: LocalChain,
    reader: EthChain,
    operators: Vec<ProvisionedOperator>,
    disperser: EcdsaKey,
    client_key: EcdsaKey,
    node: ServiceProcess,
    config: NodeConfig,
    encoder: Encoder,
    params: BlobParams,
    nonce: i64,
    /// The block holding the last registration: reference blocks start here.
    registered_block: u64,
}

impl Harness {
    /// A chain, three operators and operator 0's node, its config file written from
    /// `configure` and `env` laid over it in the process's environment.
    async fn start(configure: impl FnOnce(&mut NodeConfig), env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let chain = LocalChain::start(LocalChainOptions::new(dir.path().join("chain")))
            .await
            .expect("anvil with contracts");
        let specs = [1u128, 3, 6]
            .iter()
            .map(|&tokens| OperatorSpec {
                stakes: vec![
                    (0, U256::from(tokens * TOKEN)),
                    (1, U256::from(tokens * TOKEN)),
                ],
                quorums: vec![0, 1],
                grpc_addr: free_loopback_addr().expect("port"),
            })
            .collect();
        let operators = lamina_devnet::operators::provision_operators(
            &chain,
            &dir.path().join("operators"),
            SEED,
            specs,
        )
        .await
        .expect("operators registered");
        let disperser = account_key(SEED, "disperser", 0).expect("key");
        let client_key = account_key(SEED, "client", 0).expect("key");
        // Nodes refuse to sign for unpaid blobs: the client pays with a reservation, as the
        // devnet's client does.
        chain
            .reserve_bandwidth(client_key.address(), 1 << 16)
            .await
            .expect("governance sets the client's reservation");
        let op = &operators[0];
        let mut config = NodeConfig {
            grpc_listen: op.spec.grpc_addr,
            metrics_listen: free_loopback_addr().expect("port"),
            data_dir: dir.path().join("node"),
            rpc_url: chain.rpc_url().to_owned(),
            deployment: chain.deployment_path().to_path_buf(),
            bls_keystore: op.bls_keystore.clone(),
            ecdsa_keystore: op.ecdsa_keystore.clone(),
            password_file: Some(op.password_file.clone()),
            authorized_dispersers: vec![disperser.address()],
            max_blob_symbols: MAX_BLOB_SYMBOLS,
            // The test chain has its own id: opt in to the development SRS.
            srs: lamina_core::SrsConfig::insecure_development(),
            ..NodeConfig::default()
        };
        configure(&mut config);
        let path = dir.path().join("node.toml");
        std::fs::write(&path, config.to_toml().expect("toml")).expect("config written");
        let node = spawn_node(&path, dir.path(), &config, env).await;
        let reader = chain.connect(None).expect("reader");
        let registered_block = reader.block_number().await.expect("head");
        let params = reader.blob_params(1).await.expect("blob version 1");
        let srs = Srs::development_cached(MAX_BLOB_SYMBOLS as usize).expect("dev SRS");
        Self {
            _dir: dir,
            chain,
            reader,
            operators,
            disperser,
            client_key,
            node,
            config,
            encoder: Encoder::new(std::sync::Arc::new(srs)),
            params,
            nonce: 0,
            registered_block,
        }
    }

    fn me(&self) -> OperatorId {
        self.operators[0].operator_id
    }

    async fn dispersal(&self) -> DispersalClient<Channel> {
        DispersalClient::connect(format!("http://{}", self.config.grpc_listen))
            .await
            .expect("connects")
            .max_decoding_message_size(lamina_proto::MAX_MESSAGE_SIZE)
            .max_encoding_message_size(lamina_proto::MAX_MESSAGE_SIZE)
    }

    async fn retrieval(&self) -> RetrievalClient<Channel> {
        RetrievalClient::connect(format!("http://{}", self.config.grpc_listen))
            .await
            .expect("connects")
            .max_decoding_message_size(lamina_proto::MAX_MESSAGE_SIZE)
    }

    /// `count` fresh blobs in quorums 0 and 1, signed by the client.
    fn blobs(&mut self, count: usize) -> Vec<EncodedBlob> {
        (0..count)
            .map(|i| {
                self.nonce += 1;
                let payload: Vec<u8> = (0..2000 + 100 * i).map(|b| (b * 7 + i) as u8).collect();
                let mut blob = encode_blob(
                    &self.encoder,
                    self.params,
                    &BlobSpec {
                        version: 1,
                        quorums: vec![0, 1],
                        nonce: now_ns() + self.nonce,
                        account_id: self.client_key.address(),
                        signature: Vec::new(),
                    },
                    &payload,
                )
                .expect("encodes");
                let key = blob.certificate.blob_header.blob_key();
                blob.certificate.signature =
                    lamina_core::ecdsa::sign_digest(&self.client_key, key.as_b256())
                        .expect("signs")
                        .to_vec();
                blob
            })
            .collect()
    }

    /// A reference block in the past.
    /// One block behind the head, and never before every operator registered (the
    /// operators register in parallel, so the head right after provisioning may be
    /// the only block that has them all).
    async fn reference_block(&self) -> u32 {
        loop {
            let head = self.reader.block_number().await.expect("head");
            if head > self.registered_block {
                return u32::try_from(head - 1).expect("small");
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// The request for operator `operator`'s frames of `blobs`, at `rbn`, unsigned.
    async fn request_for(
        &self,
        blobs: &[EncodedBlob],
        operator: OperatorId,
        rbn: u32,
    ) -> StoreChunksRequest {
        let states = self
            .reader
            .operator_state(&[0, 1], rbn)
            .await
            .expect("operator state");
        let batch = parsed_batch(blobs, &self.params, &states, &operator, rbn).expect("batch");
        store_chunks_request(blobs, &batch, now_ns())
    }

    /// A good request for this node, signed by the configured disperser.
    async fn good_request(&self, blobs: &[EncodedBlob]) -> StoreChunksRequest {
        let rbn = self.reference_block().await;
        let mut request = self.request_for(blobs, self.me(), rbn).await;
        sign(&mut request, &self.disperser);
        request
    }

    /// Asserts that nothing of `blobs` is stored.
    /// `count` fresh blobs, stored through a good request (returned with them).
    async fn store_good(&mut self, count: usize) -> (Vec<EncodedBlob>, StoreChunksRequest) {
        let blobs = self.blobs(count);
        let request = self.good_request(&blobs).await;
        self.dispersal()
            .await
            .store_chunks(request.clone())
            .await
            .expect("stored");
        (blobs, request)
    }

    async fn assert_not_stored(&self, blobs: &[EncodedBlob], case: &str) {
        let mut retrieval = self.retrieval().await;
        for blob in blobs {
            let key = blob.certificate.blob_header.blob_key();
            let err = retrieval
                .get_chunks(GetChunksRequest {
                    blob_key: key.0.to_vec(),
                    quorum_id: 0,
                })
                .await
                .expect_err("not stored");
            assert_eq!(err.code(), Code::NotFound, "{case}: {err}");
            let err = retrieval
                .get_blob_certificate(GetBlobCertificateRequest {
                    blob_key: key.0.to_vec(),
                })
                .await
                .expect_err("not stored");
            assert_eq!(err.code(), Code::NotFound, "{case}: {err}");
        }
    }

    /// Asserts GetChunks returns exactly what `request` carried, for both quorums, and
    /// GetBlobCertificate the certificate sent.
    async fn assert_stored(&self, request: &StoreChunksRequest) {
        let mut retrieval = self.retrieval().await;
        let batch = request.batch.as_ref().expect("batch");
        for (cert, frames) in batch.blob_certificates.iter().zip(&request.blobs) {
            let key = lamina_core::BlobCertificate::try_from(cert)
                .expect("valid cert")
                .blob_header
                .blob_key();
            let sent = frames
                .quorums
                .first()
                .expect("the request carries this operator's frames of every blob");
            for quorum_id in [0, 1] {
                let reply = retrieval
                    .get_chunks(GetChunksRequest {
                        blob_key: key.0.to_vec(),
                        quorum_id,
                    })
                    .await
                    .expect("stored")
                    .into_inner();
                assert_eq!(reply.chunk_indices, sent.chunk_indices, "blob {key}");
                assert_eq!(reply.frames, sent.frames, "blob {key}");
            }
            let stored = retrieval
                .get_blob_certificate(GetBlobCertificateRequest {
                    blob_key: key.0.to_vec(),
                })
                .await
                .expect("stored")
                .into_inner();
            assert_eq!(stored.blob_certificate.as_ref(), Some(cert));
        }
    }
}

fn sign(request: &mut StoreChunksRequest, key: &EcdsaKey) {
    let digest = lamina_proto::store_chunks_digest(request);
    request.disperser_signature = lamina_core::ecdsa::sign_digest(key, digest)
        .expect("signs")
        .to_vec();
}

async fn spawn_node(
    config: &Path,
    dir: &Path,
    node: &NodeConfig,
    env: &[(&str, &str)],
) -> ServiceProcess {
    let mut spec = ServiceSpec::lamina_role(
        "node-0",
        &PathBuf::from(env!("CARGO_BIN_EXE_lamina")),
        "node",
        config,
        dir.join("node.log"),
        node.metrics_listen,
    );
    spec.env = env.iter().map(|(k, v)| (k.into(), v.into())).collect();
    ServiceProcess::spawn_healthy(spec, HEALTH_TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("node healthy: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_batch_is_stored_signed_and_served_back_exactly() {
    let mut h = Harness::start(|_| {}, &[]).await;
    let blobs = h.blobs(3);
    let request = h.good_request(&blobs).await;
    let batch_header = lamina_core::BatchHeader::try_from(
        request
            .batch
            .as_ref()
            .and_then(|b| b.header.as_ref())
            .expect("header"),
    )
    .expect("header");
    let reply = h
        .dispersal()
        .await
        .store_chunks(request.clone())
        .await
        .expect("stored and signed")
        .into_inner();

    // The signature verifies against the G2 key registered on-chain for operator 0.
    let info = h
        .reader
        .operator_info(h.me(), batch_header.reference_block_number)
        .await
        .expect("operator info");
    let point: [u8; 32] = reply.signature.as_slice().try_into().expect("32-byte G1");
    let signature = Signature::from_point(lamina_encoding::g1_from_bytes(&point).expect("point"));
    assert!(signature.verify(&info.pubkey_g2, batch_header.hash()));

    // Retrieval returns exactly what was stored, for both quorums.
    h.assert_stored(&request).await;

    // Re-sending the same batch (fresh timestamp and signature) is idempotent: same
    // signature, same data.
    let mut again = request.clone();
    again.timestamp = now_ns();
    sign(&mut again, &h.disperser);
    let reply2 = h
        .dispersal()
        .await
        .store_chunks(again)
        .await
        .expect("idempotent")
        .into_inner();
    assert_eq!(reply2.signature, reply.signature);
    h.assert_stored(&request).await;

    // Node info: operator 0 in quorums 0 and 1.
    let info = h
        .retrieval()
        .await
        .get_node_info(GetNodeInfoRequest {})
        .await
        .expect("info")
        .into_inner();
    assert_eq!(info.operator_id, h.me().0.to_vec());
    assert_eq!(info.quorums, vec![0, 1]);

    // A disperser the chain appoints as batch confirmer is accepted without configuration.
    let confirmer = account_key(SEED, "confirmer", 0).expect("key");
    let owner = h.chain.connect(Some(h.chain.owner())).expect("owner");
    owner
        .set_batch_confirmer(confirmer.address(), true)
        .await
        .expect("appointed");
    let blobs = h.blobs(1);
    let rbn = h.reference_block().await;
    let mut request = h.request_for(&blobs, h.me(), rbn).await;
    sign(&mut request, &confirmer);
    h.dispersal()
        .await
        .store_chunks(request.clone())
        .await
        .expect("on-chain confirmer accepted");
    h.assert_stored(&request).await;

    let metrics = http_get(h.config.metrics_listen, "/metrics").await;
    assert!(
        metrics.contains("lamina_node_batches_signed_total 3"),
        "{metrics}"
    );
    assert!(metrics.contains("lamina_node_grpc_seconds"), "{metrics}");
}

/// The value of the counter `name` in the node's `/metrics` text.
async fn metric(h: &Harness, name: &str) -> u64 {
    let text = http_get(h.config.metrics_listen, "/metrics").await;
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// As on the devnet: the node trusts the chain alone, the deployment appointed no
/// batch confirmer, and the owner appoints the disperser's own (seed-derived) key. A
/// StoreChunks signed by the owner (anvil's public account 0, which deployed
/// everything) or by an unappointed key is refused with nothing stored; the appointed
/// disperser is signed for; and a flood from unappointed keys costs one chain lookup
/// per key, not per request. GetNodeInfo does not read the chain per call either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_appointed_disperser_is_signed_for_and_refusals_are_cached() {
    let mut h = Harness::start(
        |c| {
            c.authorized_dispersers.clear();
            // Longer than the test: the counts below do not depend on its speed.
            c.signer_cache_ttl_secs = 3600;
        },
        &[],
    )
    .await;
    let owner_key = EcdsaKey::from_bytes(lamina_devnet::cache::OWNER_KEY.parse().expect("hex key"))
        .expect("key");
    assert!(
        !h.reader
            .is_batch_confirmer(owner_key.address())
            .await
            .expect("read"),
        "the deployment appoints no batch confirmer, not even its owner"
    );
    h.chain
        .connect(Some(h.chain.owner()))
        .expect("owner")
        .set_batch_confirmer(h.disperser.address(), true)
        .await
        .expect("disperser appointed");

    let stranger = account_key(SEED, "stranger", 0).expect("key");
    let mut dispersal = h.dispersal().await;
    for (who, key) in [("owner", &owner_key), ("stranger", &stranger)] {
        let blobs = h.blobs(1);
        let rbn = h.reference_block().await;
        let mut request = h.request_for(&blobs, h.me(), rbn).await;
        sign(&mut request, key);
        let err = dispersal.store_chunks(request).await.expect_err("refused");
        assert_eq!(err.code(), Code::PermissionDenied, "{who}: {err}");
        assert!(
            err.message().contains(&key.address().to_string())
                && err.message().contains("not authorized"),
            "{who}: {err}"
        );
        h.assert_not_stored(&blobs, who).await;
    }
    let (_, request) = h.store_good(1).await;
    h.assert_stored(&request).await;

    // A flood: 5 unappointed keys, 8 requests each. Each key costs one lookup.
    let before = metric(&h, "lamina_node_signer_lookups_total").await;
    let blobs = h.blobs(1);
    let rbn = h.reference_block().await;
    let template = h.request_for(&blobs, h.me(), rbn).await;
    for k in 0..5 {
        let key = account_key(SEED, "flood", k).expect("key");
        for _ in 0..8 {
            let mut request = template.clone();
            request.timestamp = now_ns();
            sign(&mut request, &key);
            let err = dispersal.store_chunks(request).await.expect_err("refused");
            assert_eq!(err.code(), Code::PermissionDenied, "{err}");
        }
    }
    let after = metric(&h, "lamina_node_signer_lookups_total").await;
    assert_eq!(after - before, 5, "one chain lookup per unknown key");
    h.assert_not_stored(&blobs, "flood").await;

    // GetNodeInfo: many calls, at most one chain read.
    let before = metric(&h, "lamina_node_node_info_lookups_total").await;
    let mut retrieval = h.retrieval().await;
    for _ in 0..10 {
        let info = retrieval
            .get_node_info(GetNodeInfoRequest {})
            .await
            .expect("info")
            .into_inner();
        assert_eq!(info.quorums, vec![0, 1]);
    }
    let after = metric(&h, "lamina_node_node_info_lookups_total").await;
    assert!(
        after - before <= 1,
        "{} chain reads for 10 calls",
        after - before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_requests_are_rejected_with_nothing_stored() {
    let mut h = Harness::start(|_| {}, &[]).await;
    let mut dispersal = h.dispersal().await;

    // A flipped byte in one frame: the batched check names the blob and chunk.
    let blobs = h.blobs(2);
    let mut request = h.good_request(&blobs).await;
    let chunk = request.blobs[1].quorums[0].chunk_indices[0];
    let frame = &mut request.blobs[1].quorums[0].frames[0];
    let last = frame.len() - 1;
    frame[last] ^= 1;
    sign(&mut request, &h.disperser);
    let err = dispersal
        .store_chunks(request)
        .await
        .expect_err("bad frame");
    assert_eq!(err.code(), Code::InvalidArgument, "{err}");
    let key = blobs[1].certificate.blob_header.blob_key();
    assert!(
        err.message().contains(&key.to_string())
            && err.message().contains(&format!("chunk {chunk}")),
        "{err}"
    );
    h.assert_not_stored(&blobs, "flipped byte").await;

    // Frames of another operator's indices.
    let blobs = h.blobs(1);
    let rbn = h.reference_block().await;
    let other = h.operators[1].operator_id;
    let mut request = h.request_for(&blobs, other, rbn).await;
    sign(&mut request, &h.disperser);
    let err = dispersal
        .store_chunks(request)
        .await
        .expect_err("wrong indices");
    assert_eq!(err.code(), Code::InvalidArgument, "{err}");
    assert!(err.message().contains("assignment"), "{err}");
    h.assert_not_stored(&blobs, "other operator's indices")
        .await;

    // A wrong batch root.
    let blobs = h.blobs(2);
    let mut request = h.good_request(&blobs).await;
    if let Some(header) = request.batch.as_mut().and_then(|b| b.header.as_mut()) {
        header.batch_root[0] ^= 1;
    }
    sign(&mut request, &h.disperser);
    let err = dispersal
        .store_chunks(request)
        .await
        .expect_err("wrong root");
    assert_eq!(err.code(), Code::InvalidArgument, "{err}");
    assert!(err.message().contains("batch root"), "{err}");
    h.assert_not_stored(&blobs, "wrong root").await;

    // An unknown disperser.
    let blobs = h.blobs(1);
    let mut request = h.good_request(&blobs).await;
    let stranger = account_key(SEED, "stranger", 0).expect("key");
    sign(&mut request, &stranger);
    let err = dispersal.store_chunks(request).await.expect_err("unknown");
    assert_eq!(err.code(), Code::PermissionDenied, "{err}");
    assert!(
        err.message().contains(&stranger.address().to_string()),
        "{err}"
    );
    h.assert_not_stored(&blobs, "unknown disperser").await;

    // A stale request (signed 10 minutes ago).
    let blobs = h.blobs(1);
    let mut request = h.good_request(&blobs).await;
    request.timestamp -= 600 * 1_000_000_000;
    sign(&mut request, &h.disperser);
    let err = dispersal.store_chunks(request).await.expect_err("stale");
    assert_eq!(err.code(), Code::PermissionDenied, "{err}");
    assert!(err.message().contains("timestamp"), "{err}");
    h.assert_not_stored(&blobs, "stale").await;

    // A reference block in the future.
    let blobs = h.blobs(1);
    let head = h.reader.block_number().await.expect("head");
    let future = u32::try_from(head + 1000).expect("small");
    // The assignment is computed at the current block (the future one has no state yet).
    let mut request = h
        .request_for(&blobs, h.me(), h.reference_block().await)
        .await;
    let batch = request.batch.as_mut().expect("batch");
    let header = batch.header.as_mut().expect("header");
    header.reference_block_number = u64::from(future);
    sign(&mut request, &h.disperser);
    let err = dispersal.store_chunks(request).await.expect_err("future");
    assert_eq!(err.code(), Code::FailedPrecondition, "{err}");
    assert!(err.message().contains("future"), "{err}");
    h.assert_not_stored(&blobs, "future reference block").await;

    // A replayed request: the first copy is stored, the replay refused.
    let blobs = h.blobs(1);
    let request = h.good_request(&blobs).await;
    dispersal
        .store_chunks(request.clone())
        .await
        .expect("first copy");
    let err = dispersal.store_chunks(request).await.expect_err("replay");
    assert_eq!(err.code(), Code::PermissionDenied, "{err}");
    assert!(err.message().contains("replay"), "{err}");

    let metrics = http_get(h.config.metrics_listen, "/metrics").await;
    for reason in [
        "invalid_frames",
        "wrong_indices",
        "batch_root",
        "unknown_disperser",
        "stale",
        "future_reference_block",
        "replayed",
    ] {
        assert!(
            metrics.contains(&format!(
                "lamina_node_batches_rejected_total{{reason=\"{reason}\"}} 1"
            )),
            "{reason}: {metrics}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_data_survives_graceful_restart_and_kill_9() {
    let mut h = Harness::start(|_| {}, &[]).await;
    let (_, first) = h.store_good(2).await;
    h.node
        .restart(HEALTH_TIMEOUT)
        .await
        .expect("graceful restart");
    h.assert_stored(&first).await;

    let (_, second) = h.store_good(2).await;
    // kill -9 right after the signature came back: it was synced before signing.
    h.node.kill().expect("SIGKILL");
    let config = h._dir.path().join("node.toml");
    h.node = spawn_node(&config, h._dir.path(), &h.config, &[]).await;
    h.assert_stored(&first).await;
    h.assert_stored(&second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_data_is_deleted_in_the_background() {
    let mut h = Harness::start(
        |c| {
            c.expiry_secs = 3;
            c.expiry_interval_ms = 200;
        },
        &[],
    )
    .await;
    let (blobs, request) = h.store_good(2).await;
    h.assert_stored(&request).await;
    // Poll (bounded) until the expiry task has run past the custody period.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut retrieval = h.retrieval().await;
    let key = blobs[0].certificate.blob_header.blob_key();
    loop {
        let result = retrieval
            .get_chunks(GetChunksRequest {
                blob_key: key.0.to_vec(),
                quorum_id: 0,
            })
            .await;
        match result {
            Err(status) if status.code() == Code::NotFound => break,
            Ok(_) => {}
            Err(status) => panic!("unexpected {status}"),
        }
        assert!(Instant::now() < deadline, "data never expired");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    h.assert_not_stored(&blobs, "expired").await;
    let metrics = http_get(h.config.metrics_listen, "/metrics").await;
    assert!(
        metrics.contains("lamina_node_batches_expired_total 1"),
        "{metrics}"
    );
}

/// The byte budget comes from the environment (`LAMINA_NODE_<FIELD>` over the config
/// file): a reply larger than a client's balance is served whole, then that client is
/// refused, with a retry delay, until it has paid the excess back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrieval_bytes_per_client_are_limited() {
    const BYTES_PER_SEC: u64 = 100;
    let mut h = Harness::start(
        |_| {},
        &[
            ("LAMINA_NODE_RETRIEVAL_BYTES_PER_SEC", "100"),
            ("LAMINA_NODE_RETRIEVAL_BURST_BYTES", "100"),
        ],
    )
    .await;
    let (blobs, request) = h.store_good(1).await;
    let get = GetChunksRequest {
        blob_key: blobs[0].certificate.blob_header.blob_key().0.to_vec(),
        quorum_id: 0,
    };
    let mut retrieval = h.retrieval().await;
    let reply = retrieval
        .get_chunks(get.clone())
        .await
        .expect("the first reply is served whole")
        .into_inner();
    assert_eq!(reply.frames, request.blobs[0].quorums[0].frames);
    let served: u64 = reply.frames.iter().map(|f| f.len() as u64).sum();
    assert!(
        served > 2 * BYTES_PER_SEC,
        "{served} bytes exceed the burst"
    );

    let status = retrieval.get_chunks(get).await.expect_err("in debt");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(
        status.message().contains("byte rate"),
        "{}",
        status.message()
    );
    let retry_ms: u64 = status
        .metadata()
        .get(lamina_proto::RETRY_AFTER_MS_METADATA)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("retry-after-ms metadata");
    // The debt is `served - burst` bytes at 100 bytes/s, less the time since.
    let debt_ms = (served - BYTES_PER_SEC) * 1000 / BYTES_PER_SEC;
    assert!(
        retry_ms <= debt_ms + 10 && retry_ms + 5_000 >= debt_ms,
        "retry after {retry_ms} ms for a {debt_ms} ms debt"
    );
    let status = retrieval
        .get_blob_certificate(GetBlobCertificateRequest {
            blob_key: blobs[0].certificate.blob_header.blob_key().0.to_vec(),
        })
        .await
        .expect_err("every retrieval call waits for the debt");
    assert_eq!(status.code(), Code::ResourceExhausted);
}

/// Runs `lamina args...`, asserts success, parses stdout as JSON.
async fn lamina_json(args: &[&str]) -> serde_json::Value {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(args)
        .output()
        .await
        .expect("lamina runs");
    assert!(
        out.status.success(),
        "lamina {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_creates_keys_and_registers_an_operator_with_devnet_stake() {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = LocalChain::start(LocalChainOptions::new(dir.path().join("chain")))
        .await
        .expect("anvil with contracts");
    let pw = dir.path().join("password");
    std::fs::write(&pw, "correct horse\n").expect("password");
    let keys = dir.path().join("keys");
    let (keys_s, pw_s) = (keys.to_string_lossy(), pw.to_string_lossy());
    let created = lamina_json(&[
        "node",
        "keys",
        "create",
        "--dir",
        &keys_s,
        "--password-file",
        &pw_s,
        "--insecure-light-kdf",
    ])
    .await;
    let shown = lamina_json(&["node", "keys", "show", "--dir", &keys_s]).await;
    assert_eq!(created, shown);
    let address: Address = shown["address"]
        .as_str()
        .expect("address")
        .parse()
        .expect("address");
    let operator: OperatorId = shown["operator_id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("id");
    chain
        .set_balance(address, U256::from(10u128 * TOKEN))
        .await
        .expect("funded");

    let config = NodeConfig {
        rpc_url: chain.rpc_url().to_owned(),
        deployment: chain.deployment_path().to_path_buf(),
        bls_keystore: keys.join("bls.json"),
        ecdsa_keystore: keys.join("ecdsa.json"),
        password_file: Some(pw.clone()),
        data_dir: dir.path().join("node"),
        ..NodeConfig::default()
    };
    let config_path = dir.path().join("node.toml");
    std::fs::write(&config_path, config.to_toml().expect("toml")).expect("config");
    let registered = lamina_json(&[
        "node",
        "register",
        "--config",
        &config_path.to_string_lossy(),
        "--quorums",
        "0,1",
        "--socket",
        "127.0.0.1:32123",
        "--devnet-stake",
        "5",
    ])
    .await;
    assert_eq!(registered["operator_id"], shown["operator_id"]);
    assert_eq!(registered["quorums"], serde_json::json!([0, 1]));

    let reader = chain.connect(None).expect("reader");
    let head = u32::try_from(reader.block_number().await.expect("head")).expect("small");
    let info = reader
        .operator_info(operator, head)
        .await
        .expect("registered");
    assert_eq!(info.address, address);
    assert_eq!(info.socket.as_deref(), Some("127.0.0.1:32123"));
    let state = reader.operator_state(&[0, 1], head).await.expect("state");
    for quorum in &state {
        assert_eq!(
            quorum.stake(&operator),
            Some(5 * TOKEN),
            "quorum {}",
            quorum.quorum()
        );
    }
}

/// Payments (issue 15): the node refuses a batch holding one blob of an account with
/// neither a reservation nor a deposit, and one whose client signature is not the
/// account's, PERMISSION_DENIED naming the blob, with nothing stored, nothing left
/// charged (the paid blobs of the refused batch are then signed for in a batch of their
/// own), and the refusals counted by reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unpaid_or_unsigned_blobs_are_refused_with_nothing_stored() {
    let mut h = Harness::start(|_| {}, &[]).await;
    let mut dispersal = h.dispersal().await;
    let paid = h.blobs(2);
    let paying_client = h.client_key.clone();
    h.client_key = account_key(SEED, "unpaid", 0).expect("key");
    let unpaid = h.blobs(1);
    let unpaid_key = unpaid[0].certificate.blob_header.blob_key();
    let mixed: Vec<EncodedBlob> = paid.iter().chain(&unpaid).cloned().collect();
    let status = dispersal
        .store_chunks(h.good_request(&mixed).await)
        .await
        .expect_err("an unpaid blob refuses the batch");
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert!(
        status.message().contains(&unpaid_key.to_string()),
        "names the blob: {}",
        status.message()
    );
    h.assert_not_stored(&mixed, "unpaid").await;
    assert_eq!(
        metric(
            &h,
            "lamina_node_batches_rejected_total{reason=\"payment_unpaid\"}"
        )
        .await,
        1
    );

    // A paid account's blob signed by another key: the account never asked for it.
    h.client_key = paying_client;
    let mut forged = h.blobs(1);
    let key = forged[0].certificate.blob_header.blob_key();
    forged[0].certificate.signature = lamina_core::ecdsa::sign_digest(
        &account_key(SEED, "unpaid", 0).expect("key"),
        key.as_b256(),
    )
    .expect("signs")
    .to_vec();
    let status = dispersal
        .store_chunks(h.good_request(&forged).await)
        .await
        .expect_err("a forged client signature refuses the batch");
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    h.assert_not_stored(&forged, "forged").await;
    assert_eq!(
        metric(
            &h,
            "lamina_node_batches_rejected_total{reason=\"client_signature\"}"
        )
        .await,
        1
    );

    // The paid blobs alone are signed for.
    let request = h.good_request(&paid).await;
    dispersal.store_chunks(request.clone()).await.expect("paid");
    h.assert_stored(&request).await;
}
