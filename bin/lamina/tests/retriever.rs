//! Process tests of the retriever, the rollup client and the client CLI: anvil with
//! the real contracts and restaked operators (lamina-devnet), `lamina node`,
//! `lamina disperser` and `lamina retriever` processes over TCP, and the
//! `lamina disperse | status | verify | retrieve` commands.
//!
//! Needs the repository's pinned anvil and forge (`scripts/setup.sh`), as every
//! devnet does.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{SystemTime, UNIX_EPOCH};

use alloy_primitives::{B256, U256};
use ark_bn254::G1Affine;
use ark_ec::{AffineRepr, CurveGroup};
use lamina_client::{Certificate, ClientConfig, ClientError, ErrorAction, LaminaClient};
use lamina_core::bls::{OperatorKeys, aggregate_attestation};
use lamina_core::chain::{Chain, EthChain};
use lamina_core::ecdsa::sign_digest;
use lamina_core::{
    BatchHeader, BlobCertificate, BlobHeader, BlobInclusionInfo, DaCertV3, MerkleTree,
    NonSignerStakesAndSignature, OperatorId, PaymentHeader, SrsConfig,
};
use lamina_devnet::{Devnet, DevnetOptions};
use lamina_encoding::{Blob, Srs, commit_blob};
use lamina_proto::disperser::v1 as dpb;
use lamina_retriever::{OperatorFault, RetrieverError};

/// SRS points for tests that only move small blobs (the cached development SRS).
const SMALL_SRS_POINTS: usize = 1 << 15;

struct Net {
    devnet: Devnet,
    /// Kept for the devnet's lifetime.
    _dir: tempfile::TempDir,
}

impl Net {
    fn dir(&self) -> &Path {
        &self.devnet.info().data_dir
    }
}

async fn devnet(configure: impl FnOnce(&mut DevnetOptions)) -> Net {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path().join("devnet"));
    // Services load SRS files of up to 2^19 points at start-up, all at once on a busy
    // machine: give them time.
    options.health_timeout = std::time::Duration::from_secs(300);
    configure(&mut options);
    let devnet = Devnet::start(options).await.expect("devnet starts");
    Net { devnet, _dir: dir }
}

/// Every service sized for blobs of at most [`SMALL_SRS_POINTS`] symbols (1 MiB), so
/// they load the small cached SRS and start fast.
fn small_blobs(options: &mut DevnetOptions) {
    let points = SMALL_SRS_POINTS as i64;
    options
        .retriever_config
        .insert("srs_points".into(), points.into());
    options
        .node_config
        .insert("max_blob_symbols".into(), points.into());
    options
        .disperser_config
        .insert("max_blob_size".into(), (points * 32).into());
}

fn client_config(net: &Net, srs: bool) -> ClientConfig {
    let info = net.devnet.info();
    ClientConfig {
        disperser: info
            .disperser
            .clone()
            .unwrap_or_else(|| "127.0.0.1:1".to_owned()),
        retriever: info.retriever.clone(),
        rpc_url: info.rpc_url.clone(),
        contracts: net.devnet.chain().addresses(),
        blob_version: info.blob_version,
        quorums: info.quorums.clone(),
        srs: srs.then(SrsConfig::insecure_development),
        srs_points: SMALL_SRS_POINTS,
        ..ClientConfig::default()
    }
}

async fn client(net: &Net, config: ClientConfig) -> LaminaClient<EthChain> {
    LaminaClient::connect(config, net.devnet.client().key.clone())
        .await
        .expect("client connects")
}

/// Runs the `lamina` binary with `--devnet DIR` appended.
fn cli(net: &Net, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(args)
        .arg("--devnet")
        .arg(net.dir())
        .output()
        .expect("lamina runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A certificate the contracts accept, built without a disperser: a batch of three
/// blob certificates (the client's real blob and signature among them), signed with
/// the devnet operators' BLS keys at a real reference block, every operator but
/// `non_signer` signing.
async fn attested_certificate(net: &Net, payload: &[u8], non_signer: Option<usize>) -> Certificate {
    let chain = net.devnet.chain().connect(None).expect("chain");
    let srs = Srs::development_cached(SMALL_SRS_POINTS).expect("development SRS");
    let blob = Blob::from_payload(payload).expect("payload encodes");
    let commitment = commit_blob(&srs, &blob).expect("commits");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos() as i64;
    let client_key = &net.devnet.client().key;
    let quorums = net.devnet.info().quorums.clone();
    let certs: Vec<BlobCertificate> = (0..3i64)
        .map(|i| {
            let payment = PaymentHeader {
                account_id: client_key.address(),
                timestamp_ns: now + i,
                cumulative_payment: U256::ZERO,
            };
            let header = BlobHeader {
                version: net.devnet.info().blob_version,
                quorum_numbers: quorums.clone(),
                commitment,
                payment_header_hash: payment.hash(),
            };
            let signature = sign_digest(client_key, header.blob_key().as_b256()).expect("signs");
            BlobCertificate {
                blob_header: header,
                signature: signature.to_vec(),
                relay_keys: vec![],
            }
        })
        .collect();
    let hashes: Vec<B256> = certs.iter().map(BlobCertificate::hash).collect();
    let tree = MerkleTree::from_certificate_hashes(&hashes).expect("non-empty");
    let head = chain.block_number().await.expect("head");
    let reference_block = u32::try_from(head - 1).expect("small chain");
    let batch_header = BatchHeader {
        batch_root: tree.root(),
        reference_block_number: reference_block,
    };
    let state = chain
        .operator_state(&quorums, reference_block)
        .await
        .expect("operator state");
    let operators = net.devnet.operators();
    let keys: BTreeMap<OperatorId, OperatorKeys> = operators
        .iter()
        .map(|o| {
            (
                o.operator_id,
                OperatorKeys {
                    g1: o.bls_key.public_g1(),
                    g2: o.bls_key.public_g2(),
                },
            )
        })
        .collect();
    let signatures = operators
        .iter()
        .filter(|o| Some(o.index) != non_signer)
        .map(|o| (o.operator_id, o.bls_key.sign(batch_header.hash())))
        .collect();
    let attestation = aggregate_attestation(&state, &keys, &signatures).expect("aggregates");
    let non_signers: Vec<OperatorId> = non_signer
        .map(|i| vec![operators[i].operator_id])
        .unwrap_or_default();
    let indices = chain
        .check_signatures_indices(reference_block, &quorums, &non_signers)
        .await
        .expect("indices");
    let cert = DaCertV3 {
        batch_header,
        blob_inclusion_info: BlobInclusionInfo {
            blob_certificate: certs[1].clone(),
            blob_index: 1,
            inclusion_proof: tree.proof(1).expect("in range"),
        },
        non_signer_stakes_and_signature: NonSignerStakesAndSignature::new(&attestation, indices),
        signed_quorum_numbers: quorums,
    };
    Certificate {
        blob_key: cert.blob_key(),
        cert,
        confirmation: None,
    }
}

/// The operator whose absence leaves every quorum above the confirmation threshold.
async fn optional_signer(net: &Net) -> usize {
    let chain = net.devnet.chain().connect(None).expect("chain");
    let block = u32::try_from(chain.block_number().await.expect("head") - 1).expect("small");
    let state = chain
        .operator_state(&net.devnet.info().quorums, block)
        .await
        .expect("state");
    net.devnet
        .operators()
        .iter()
        .find(|o| {
            state.iter().all(|q| {
                let without = q.total_stake() - q.stake(&o.operator_id).unwrap_or(0);
                without * 100 >= q.total_stake() * 60
            })
        })
        .map(|o| o.index)
        .expect("some operator holds under 40% of every quorum")
}

fn write_cert(dir: &Path, name: &str, cert: &Certificate) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, cert.to_json()).expect("writes the certificate");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_certificates_fail_local_and_onchain_verification() {
    let net = devnet(|o| {
        o.with_nodes = false;
        o.with_disperser = false;
        o.with_retriever = false;
    })
    .await;
    let non_signer = optional_signer(&net).await;
    let cert = attested_certificate(&net, b"a certificate worth checking", Some(non_signer)).await;
    let client = client(&net, client_config(&net, false)).await;
    let verified = client
        .verify_certificate(&cert)
        .await
        .expect("the genuine certificate verifies locally and on-chain");
    assert_eq!(
        verified.non_signers,
        vec![net.devnet.operators()[non_signer].operator_id]
    );

    // The CLI agrees.
    let scratch = tempfile::tempdir().expect("temp dir");
    let good = write_cert(scratch.path(), "good.json", &cert);
    let out = cli(&net, &["verify", good.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&cert.blob_key.to_string()));

    let other_g1 = (G1Affine::generator() * ark_bn254::Fr::from(7u64)).into_affine();
    let other_g2 = net.devnet.operators()[0].bls_key.public_g2();
    type Tamper = (&'static str, Box<dyn Fn(&mut DaCertV3)>);
    let tampers: Vec<Tamper> = vec![
        (
            "batch root",
            Box::new(|c| c.batch_header.batch_root = B256::repeat_byte(1)),
        ),
        (
            "reference block",
            Box::new(|c| c.batch_header.reference_block_number -= 1),
        ),
        (
            "blob index",
            Box::new(|c| c.blob_inclusion_info.blob_index = 2),
        ),
        (
            "inclusion proof",
            Box::new(|c| c.blob_inclusion_info.inclusion_proof.siblings[0] = B256::ZERO),
        ),
        (
            "blob version",
            Box::new(|c| c.blob_inclusion_info.blob_certificate.blob_header.version += 1),
        ),
        (
            "blob quorums",
            Box::new(|c| {
                c.blob_inclusion_info
                    .blob_certificate
                    .blob_header
                    .quorum_numbers
                    .pop();
            }),
        ),
        (
            "commitment",
            Box::new(move |c| {
                c.blob_inclusion_info
                    .blob_certificate
                    .blob_header
                    .commitment
                    .commitment = other_g1
            }),
        ),
        (
            "payment header hash",
            Box::new(|c| {
                c.blob_inclusion_info
                    .blob_certificate
                    .blob_header
                    .payment_header_hash = B256::repeat_byte(2)
            }),
        ),
        (
            "blob key signature",
            Box::new(|c| c.blob_inclusion_info.blob_certificate.signature[5] ^= 1),
        ),
        (
            "relay keys",
            Box::new(|c| c.blob_inclusion_info.blob_certificate.relay_keys.push(3)),
        ),
        (
            "sigma",
            Box::new(move |c| c.non_signer_stakes_and_signature.sigma = other_g1),
        ),
        (
            "apk G2",
            Box::new(move |c| c.non_signer_stakes_and_signature.apk_g2 = other_g2),
        ),
        (
            "quorum apk",
            Box::new(move |c| c.non_signer_stakes_and_signature.quorum_apks[0] = other_g1),
        ),
        (
            "non-signer key",
            Box::new(move |c| c.non_signer_stakes_and_signature.non_signer_pubkeys[0] = other_g1),
        ),
        (
            "quorum apk index",
            Box::new(|c| c.non_signer_stakes_and_signature.quorum_apk_indices[0] += 1),
        ),
        (
            "total stake index",
            Box::new(|c| c.non_signer_stakes_and_signature.total_stake_indices[1] += 1),
        ),
        (
            "non-signer bitmap index",
            Box::new(|c| {
                c.non_signer_stakes_and_signature
                    .non_signer_quorum_bitmap_indices[0] += 1
            }),
        ),
        (
            "non-signer stake index",
            Box::new(|c| c.non_signer_stakes_and_signature.non_signer_stake_indices[0][0] += 1),
        ),
        (
            "signed quorums",
            Box::new(|c| c.signed_quorum_numbers = vec![0]),
        ),
    ];
    for (what, tamper) in &tampers {
        let mut bad = cert.clone();
        tamper(&mut bad.cert);
        assert_ne!(bad.cert, cert.cert, "{what}: nothing changed");
        let local = client.verify_certificate_locally(&bad).await;
        assert!(
            matches!(local, Err(ClientError::InvalidCertificate { .. })),
            "{what}: local verification gave {local:?}"
        );
        assert_eq!(
            local.as_ref().map_err(ClientError::action).err(),
            Some(ErrorAction::Drop)
        );
        let onchain = client.verify_certificate_onchain(&bad).await;
        assert!(
            matches!(onchain, Err(ClientError::RejectedOnChain { .. })),
            "{what}: on-chain verification gave {onchain:?}"
        );
    }

    // Tampered JSON fails `lamina verify` with both verdicts printed.
    let mut bad = cert.clone();
    bad.cert.non_signer_stakes_and_signature.sigma = other_g1;
    let path = write_cert(scratch.path(), "bad.json", &bad);
    let out = cli(&net, &["verify", path.to_str().expect("utf-8")]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("local:    INVALID"), "{stderr}");
    assert!(stderr.contains("on-chain: INVALID"), "{stderr}");
    net.devnet.shutdown().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrieval_with_no_reachable_operator_is_a_clear_error() {
    // Operators registered on-chain with sockets, but no node runs.
    let net = devnet(|o| {
        o.with_nodes = false;
        o.with_disperser = false;
        small_blobs(o);
    })
    .await;
    let cert = attested_certificate(&net, &[7u8; 5000], None).await;
    let ids: Vec<String> = net
        .devnet
        .operators()
        .iter()
        .map(|o| o.operator_id.to_string())
        .collect();

    // Through the retriever service: Unavailable, retryable, naming every operator.
    let service = client(&net, client_config(&net, false)).await;
    let err = service
        .retrieve(&cert)
        .await
        .expect_err("nobody serves chunks");
    assert!(err.is_retryable(), "{err}");
    let message = err.to_string();
    assert!(message.contains("Unavailable"), "{message}");
    assert!(message.contains("got 0 of 8 chunks needed"), "{message}");
    for id in &ids {
        assert!(message.contains(id.as_str()), "{id} missing from {message}");
    }
    assert!(message.contains("unreachable"), "{message}");

    // Directly from the operators: the typed report.
    let direct = client(
        &net,
        ClientConfig {
            retriever: None,
            ..client_config(&net, true)
        },
    )
    .await;
    let err = direct
        .retrieve(&cert)
        .await
        .expect_err("nobody serves chunks");
    let ClientError::Retrieval(RetrieverError::NotEnoughChunks { report, .. }) = &err else {
        panic!("unexpected error {err}");
    };
    assert_eq!((report.chunks_got, report.chunks_needed), (0, 8));
    assert_eq!(report.operators.len(), ids.len());
    for op in &report.operators {
        assert!(
            matches!(op.faults.as_slice(), [OperatorFault::Unreachable { .. }]),
            "{op}"
        );
    }

    // The CLI prints the same reason and fails.
    let scratch = tempfile::tempdir().expect("temp dir");
    let path = write_cert(scratch.path(), "cert.json", &cert);
    let out_file = scratch.path().join("payload");
    let out = cli(
        &net,
        &[
            "retrieve",
            path.to_str().expect("utf-8"),
            "--out",
            out_file.to_str().expect("utf-8"),
        ],
    );
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("got 0 of 8 chunks needed"), "{stderr}");
    assert!(!out_file.exists());
    net.devnet.shutdown().await.expect("clean shutdown");
}

fn random_payload(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = <rand_chacha::ChaCha20Rng as rand::SeedableRng>::seed_from_u64(seed);
    let mut out = vec![0u8; len];
    rand::RngCore::fill_bytes(&mut rng, &mut out);
    out
}

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;

/// Services sized for blobs of `points` symbols.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trips_from_one_byte_to_one_mib() {
    round_trips(&[1, 1000, 128 * KIB, MIB], 1 << 16).await;
}

/// 8 MiB payloads need 16 MiB blobs (2^19 symbols) and the full-size SRS in every
/// service: the nodes and the retriever load only its G1 half, the disperser all of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trips_eight_mib() {
    round_trips(&[1, 8 * MIB], lamina_encoding::MAX_BLOB_SYMBOLS).await;
}

async fn round_trips(sizes: &[usize], points: usize) {
    let net = devnet(|o| o.max_blob_symbols = points as u32).await;
    let service = client(
        &net,
        ClientConfig {
            certificate_timeout_ms: 600_000,
            // What is measured here is the round trip, not the machine's speed: on a
            // loaded machine a 16 MiB commitment, and a certificate's wait (the devnet
            // mines a block a second), can outlast the defaults (60 s, 50 blocks).
            request_timeout_ms: 600_000,
            recency_window_blocks: 600,
            ..client_config(&net, false)
        },
    )
    .await;
    let payloads: Vec<Vec<u8>> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| random_payload(i as u64, n))
        .collect();
    // Dispersed at once: they share batches, as a rollup's would.
    let keys = futures::future::try_join_all(payloads.iter().map(|p| service.disperse(p, &[])))
        .await
        .expect("every blob is accepted");
    // Each certificate is verified as soon as it arrives, as a rollup does before posting
    // it (the client's recency window measures from the head, where it would be posted).
    let certs = futures::future::join_all(keys.iter().zip(sizes).map(|(k, &size)| {
        let service = &service;
        async move {
            let cert = service
                .wait_for_certificate(*k)
                .await
                .unwrap_or_else(|e| panic!("{size} bytes: not certified: {e}"));
            service
                .verify_certificate(&cert)
                .await
                .unwrap_or_else(|e| panic!("{size} bytes: certificate invalid: {e}"));
            cert
        }
    }))
    .await;
    let direct = client(
        &net,
        ClientConfig {
            retriever: None,
            srs_points: points,
            ..client_config(&net, true)
        },
    )
    .await;
    for ((payload, cert), &size) in payloads.iter().zip(&certs).zip(sizes) {
        let got = service
            .retrieve(cert)
            .await
            .expect("retrieves through the service");
        assert!(got == *payload, "{size} bytes: service payload differs");
        if size <= MIB {
            let got = direct
                .retrieve_from_operators(cert)
                .await
                .expect("retrieves from the operators");
            assert!(
                got.payload == *payload,
                "{size} bytes: direct payload differs"
            );
            assert_eq!(got.report.faulty().count(), 0, "{}", got.report);
        }
    }

    // The same through the CLI.
    let scratch = tempfile::tempdir().expect("temp dir");
    let input = scratch.path().join("payload.bin");
    let payload = random_payload(99, 300 * KIB);
    std::fs::write(&input, &payload).expect("writes");
    let cert_path = scratch.path().join("cert.json");
    let out = cli(
        &net,
        &[
            "disperse",
            input.to_str().expect("utf-8"),
            "--quorums",
            "0,1",
            "--wait",
            "--cert-out",
            cert_path.to_str().expect("utf-8"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let key = text(&out.stdout).trim().to_owned();
    assert_eq!(key.len(), 64, "blob key on stdout: {key:?}");
    assert!(
        text(&out.stderr).contains("COMPLETE"),
        "progress shown: {}",
        text(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cert_path).expect("cert written"))
            .expect("JSON");
    assert_eq!(json["blob_key"], key.as_str());
    assert!(
        json["cert_abi"]
            .as_str()
            .is_some_and(|s| s.starts_with("0x"))
    );
    let out = cli(&net, &["status", &key]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("\"COMPLETE\""),
        "{}",
        text(&out.stdout)
    );
    let out = cli(&net, &["verify", cert_path.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let output = scratch.path().join("out.bin");
    let out = cli(
        &net,
        &[
            "retrieve",
            cert_path.to_str().expect("utf-8"),
            "--out",
            output.to_str().expect("utf-8"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read(&output).expect("payload written") == payload);
    net.devnet.shutdown().await.expect("clean shutdown");
}

/// The frames column of a stopped node's RocksDB (`<data_dir>/nodes/<i>/db`): values
/// are `0x00 ‖ count u32 ‖ (index u32 ‖ len u32 ‖ frame)*` under `blob key ‖ quorum`.
fn node_db(net: &Net, node: usize) -> rocksdb::DB {
    let path = net.dir().join("nodes").join(node.to_string()).join("db");
    let cfs = rocksdb::DB::list_cf(&rocksdb::Options::default(), &path).expect("column families");
    rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, cfs).expect("opens the node's db")
}

fn frames_key(key: &lamina_core::BlobKey, quorum: u8) -> Vec<u8> {
    let mut out = key.0.to_vec();
    out.push(quorum);
    out
}

/// Flips the last byte of every frame the node stores for `key` (quorum 0).
fn corrupt_frames(db: &rocksdb::DB, key: &lamina_core::BlobKey) -> usize {
    let cf = db.cf_handle("frames").expect("frames column");
    let mut value = db
        .get_cf(cf, frames_key(key, 0))
        .expect("reads")
        .expect("the node stores the blob");
    assert_eq!(value[0], 0, "frames record");
    let count = u32::from_be_bytes(value[1..5].try_into().expect("4 bytes")) as usize;
    let mut at = 5;
    for _ in 0..count {
        let len = u32::from_be_bytes(value[at + 4..at + 8].try_into().expect("4 bytes")) as usize;
        value[at + 8 + len - 1] ^= 1;
        at += 8 + len;
    }
    db.put_cf(cf, frames_key(key, 0), value).expect("writes");
    count
}

/// Swaps the frames the node stores for `a` and `b` (quorum 0).
fn swap_frames(db: &rocksdb::DB, a: &lamina_core::BlobKey, b: &lamina_core::BlobKey) {
    let cf = db.cf_handle("frames").expect("frames column");
    let va = db
        .get_cf(cf, frames_key(a, 0))
        .expect("reads")
        .expect("stores a");
    let vb = db
        .get_cf(cf, frames_key(b, 0))
        .expect("reads")
        .expect("stores b");
    db.put_cf(cf, frames_key(a, 0), vb).expect("writes");
    db.put_cf(cf, frames_key(b, 0), va).expect("writes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lying_and_dead_operators_are_skipped_until_too_few_honest_remain() {
    // Stakes 10/10/10/10/60: the four small operators hold 6 chunks each, the big one
    // 8; a blob needs 8 distinct chunks, so two small honest operators are the minimum.
    let net = devnet(|o| {
        o.operators = 5;
        o.stakes = vec![10, 10, 10, 10, 60];
        small_blobs(o);
    })
    .await;
    let mut net = net;
    let service = client(&net, client_config(&net, false)).await;
    let a = random_payload(1, 40 * KIB);
    let b = random_payload(2, 40 * KIB);
    let key_a = service.disperse(&a, &[]).await.expect("disperses a");
    let key_b = service.disperse(&b, &[]).await.expect("disperses b");
    let cert_a = service
        .wait_for_certificate(key_a)
        .await
        .expect("certifies a");
    service
        .wait_for_certificate(key_b)
        .await
        .expect("certifies b");
    assert!(service.retrieve(&cert_a).await.expect("retrieves") == a);

    // Node 0 serves corrupted frames, node 1 serves blob b's frames for a (both edited
    // on disk while stopped); nodes 3 and 4 go down.
    let grace = std::time::Duration::from_secs(10);
    let health = std::time::Duration::from_secs(60);
    for i in [0, 1, 3, 4] {
        net.devnet
            .node_mut(i)
            .expect("node")
            .stop(grace)
            .await
            .expect("stops");
    }
    assert_eq!(corrupt_frames(&node_db(&net, 0), &key_a), 6);
    swap_frames(&node_db(&net, 1), &key_a, &key_b);
    for i in [0, 1] {
        net.devnet
            .node_mut(i)
            .expect("node")
            .restart(health)
            .await
            .expect("restarts");
    }
    let ops: Vec<OperatorId> = net
        .devnet
        .operators()
        .iter()
        .map(|o| o.operator_id)
        .collect();

    // One honest small operator left: too few, and the error says who and why.
    let err = service.retrieve(&cert_a).await.expect_err("6 of 8 chunks");
    let message = err.to_string();
    assert!(message.contains("got 6 of 8 chunks needed"), "{message}");
    for i in [0, 1, 3, 4] {
        assert!(
            message.contains(&ops[i].to_string()),
            "operator {i} missing: {message}"
        );
    }
    assert!(
        message.contains("fail verification against the commitment"),
        "{message}"
    );
    assert!(message.contains("unreachable"), "{message}");
    let direct = client(
        &net,
        ClientConfig {
            retriever: None,
            ..client_config(&net, true)
        },
    )
    .await;
    let err = direct.retrieve(&cert_a).await.expect_err("6 of 8 chunks");
    let ClientError::Retrieval(RetrieverError::NotEnoughChunks { report, .. }) = &err else {
        panic!("unexpected error {err}");
    };
    let of = |i: usize| {
        report
            .operators
            .iter()
            .find(|o| o.operator_id == ops[i])
            .expect("reported")
    };
    for liar in [0, 1] {
        assert!(
            matches!(of(liar).faults.as_slice(), [OperatorFault::InvalidFrames { indices }] if indices.len() == 6),
            "{}",
            of(liar)
        );
    }
    assert_eq!((of(2).accepted, of(2).faults.len()), (6, 0));
    for down in [3, 4] {
        assert!(
            matches!(
                of(down).faults.as_slice(),
                [OperatorFault::Unreachable { .. }]
            ),
            "{}",
            of(down)
        );
    }
    let scratch = tempfile::tempdir().expect("temp dir");
    let path = write_cert(scratch.path(), "a.json", &cert_a);
    let out = cli(
        &net,
        &[
            "retrieve",
            path.to_str().expect("utf-8"),
            "--out",
            "/dev/null",
        ],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("got 6 of 8 chunks needed"),
        "{}",
        text(&out.stderr)
    );

    // A second small honest operator back: the minimum; the liars are still asked
    // (they answered fast last time) and skipped.
    net.devnet
        .node_mut(3)
        .expect("node")
        .restart(health)
        .await
        .expect("restarts");
    let got = direct
        .retrieve_from_operators(&cert_a)
        .await
        .expect("two honest operators suffice");
    assert!(got.payload == a, "payload differs");
    let misbehaving: Vec<OperatorId> = got.report.misbehaving().map(|o| o.operator_id).collect();
    assert!(
        misbehaving.iter().all(|id| [ops[0], ops[1]].contains(id)),
        "{}",
        got.report
    );
    assert_eq!(
        got.report
            .operators
            .iter()
            .filter(|o| o.accepted > 0)
            .count(),
        2,
        "{}",
        got.report
    );
    assert!(service.retrieve(&cert_a).await.expect("the service too") == a);
    net.devnet.shutdown().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_disperser_serves_certified_blobs_when_no_operator_can() {
    use dpb::GetBlobRequest;
    use dpb::disperser_client::DisperserClient;
    use lamina_retriever::{RetrievalOptions, RetrievalSource, Retriever};

    use common::LyingDisperser;

    let mut net = devnet(small_blobs).await;
    let service = client(&net, client_config(&net, false)).await;
    let payload = random_payload(40, 70_000);
    let other = random_payload(41, 70_000);
    let key = service.disperse(&payload, &[]).await.expect("accepted");
    let cert = service.wait_for_certificate(key).await.expect("certified");
    let header = cert
        .cert
        .blob_inclusion_info
        .blob_certificate
        .blob_header
        .clone();
    let disperser = net.devnet.info().disperser.clone().expect("disperser");

    // GetBlob: the bytes as dispersed; NOT_FOUND for an unknown key.
    let mut raw = DisperserClient::connect(format!("http://{disperser}"))
        .await
        .expect("disperser reachable")
        .max_decoding_message_size(lamina_proto::MAX_MESSAGE_SIZE);
    let blob = raw
        .get_blob(GetBlobRequest {
            blob_key: key.0.to_vec(),
        })
        .await
        .expect("kept")
        .into_inner()
        .blob;
    assert_eq!(
        blob,
        Blob::from_payload(&payload).expect("encodes").to_bytes()
    );
    let unknown = raw
        .get_blob(GetBlobRequest {
            blob_key: vec![7; 32],
        })
        .await
        .expect_err("unknown");
    assert_eq!(unknown.code(), tonic::Code::NotFound, "{unknown}");

    // Every node down: the operators alone cannot serve the blob.
    for i in 0..net.devnet.operators().len() {
        net.devnet
            .node_mut(i)
            .expect("node")
            .stop(std::time::Duration::from_secs(10))
            .await
            .expect("node stops");
    }
    let srs = std::sync::Arc::new(Srs::development_cached(SMALL_SRS_POINTS).expect("SRS"));
    let options = RetrievalOptions {
        operator_timeout_ms: 3_000,
        ..RetrievalOptions::default()
    };
    let chain = || net.devnet.chain().connect(None).expect("chain");
    let alone = Retriever::new(chain(), srs.clone(), options.clone());
    let err = alone
        .retrieve_preferring(&header, cert.reference_block(), 0)
        .await
        .expect_err("no operator answers");
    assert!(
        matches!(err, RetrieverError::NotEnoughChunks { .. }),
        "{err}"
    );

    // With the disperser as the last resort: the same payload, checked against the
    // commitment, and the operators' failures still reported.
    let with_disperser = Retriever::new(chain(), srs.clone(), options.clone())
        .with_disperser(&disperser)
        .expect("endpoint");
    let got = with_disperser
        .retrieve_preferring(&header, cert.reference_block(), 0)
        .await
        .expect("the disperser serves it");
    assert_eq!(got.source, RetrievalSource::Disperser);
    assert!(got.payload == payload, "payload differs");
    assert_eq!(got.report.chunks_got, 0);

    // A disperser serving another blob's bytes is caught by the commitment check.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let liar = listener.local_addr().expect("bound").to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(dpb::disperser_server::DisperserServer::new(
                LyingDisperser {
                    blob: Blob::from_payload(&other).expect("encodes").to_bytes(),
                },
            ))
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                async {
                    let _ = stopped.await;
                },
            ),
    );
    let fooled = Retriever::new(chain(), srs, options)
        .with_disperser(&liar)
        .expect("endpoint");
    let err = fooled
        .retrieve_preferring(&header, cert.reference_block(), 0)
        .await
        .expect_err("wrong bytes are refused");
    let RetrieverError::DisperserFallback { reason, .. } = &err else {
        panic!("unexpected error {err}");
    };
    assert!(reason.contains("commitment"), "{reason}");
    assert!(err.to_string().contains("got 0 of"), "{err}");
    let _ = stop.send(());
    server.await.expect("joins").expect("serves");
    net.devnet.shutdown().await.expect("clean shutdown");
}

/// What one read of a certificate gave: the raw blob, and the payload or the error.
#[derive(Debug, PartialEq, Eq)]
struct Reading {
    raw: Vec<u8>,
    payload: Result<Vec<u8>, String>,
}

/// `RetrieveBlob` through the retriever service, both forms: the raw blob, and the
/// payload or the status (code, reason metadata, message).
async fn service_reading(endpoint: &str, cert: &Certificate) -> Reading {
    use lamina_proto::retriever::v1::retriever_client::RetrieverClient;
    use lamina_proto::retriever::v1::{RetrievalForm, RetrieveBlobRequest, retrieve_blob_request};

    let mut service = RetrieverClient::connect(format!("http://{endpoint}"))
        .await
        .expect("retriever reachable")
        .max_decoding_message_size(lamina_proto::MAX_MESSAGE_SIZE);
    let request = |form: RetrievalForm| RetrieveBlobRequest {
        blob: Some(retrieve_blob_request::Blob::CertAbi(cert.cert_abi())),
        reference_block_number: 0,
        quorum_id: 0,
        form: form.into(),
    };
    let raw = service
        .retrieve_blob(request(RetrievalForm::Blob))
        .await
        .expect("the raw blob is always served")
        .into_inner();
    assert!(raw.payload.is_empty(), "form BLOB carries no payload");
    let payload = match service.retrieve_blob(request(RetrievalForm::Payload)).await {
        Ok(reply) => {
            let reply = reply.into_inner();
            assert!(reply.blob.is_empty(), "form PAYLOAD carries no blob");
            Ok(reply.payload)
        }
        Err(status) => Err(format!(
            "{:?} [{}] {}",
            status.code(),
            status
                .metadata()
                .get(lamina_proto::ERROR_REASON_METADATA)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("no reason"),
            status.message()
        )),
    };
    Reading {
        raw: raw.blob,
        payload,
    }
}

/// Blobs are certified as opaque field elements (EigenDA's model): intake checks only
/// that every symbol is a canonical scalar and the commitments. An over-padded blob
/// (valid codec header, 4× the minimal power of two) and one whose codec header is
/// invalid (version 5) are certified, and read the same, byte for byte, whether the
/// operators rebuild them or (every node down) the disperser's `GetBlob` serves them:
/// through the retriever service (both forms), the client (service and direct) and
/// the CLI. The raw blob is always exactly the committed length, padding included;
/// the undecodable one is the same typed error everywhere (FAILED_PRECONDITION,
/// `PAYLOAD_UNDECODABLE`), never DATA_LOSS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overpadded_and_undecodable_blobs_read_the_same_from_operators_and_the_disperser() {
    use lamina_encoding::CodecError;
    use lamina_retriever::{RetrievalOptions, RetrievalSource, Retriever};

    let mut net = devnet(small_blobs).await;
    let disperser = net.devnet.info().disperser.clone().expect("disperser");
    let retriever = net.devnet.info().retriever.clone().expect("retriever");
    let grace = std::time::Duration::from_secs(10);
    let health = std::time::Duration::from_secs(300);
    // The retriever service falls back on the devnet's disperser.
    {
        let service = net.devnet.retriever_mut().expect("retriever process");
        service.stop(grace).await.expect("stops");
        let path = PathBuf::from(service.spec().args.last().expect("--config FILE"));
        let mut config: toml::Table =
            toml::from_str(&std::fs::read_to_string(&path).expect("config")).expect("TOML");
        config.insert("disperser".into(), disperser.clone().into());
        std::fs::write(&path, toml::to_string(&config).expect("TOML")).expect("writes");
        service.restart(health).await.expect("restarts");
    }

    let payload = random_payload(60, 3000);
    let mut coeffs = Blob::from_payload(&payload).expect("encodes").into_coeffs();
    let minimal = coeffs.len();
    coeffs.resize(minimal * 4, ark_bn254::Fr::from(0u64));
    let padded = Blob::from_coeffs(coeffs).expect("power of two");
    let mut bad_bytes = Blob::from_payload(&random_payload(61, 3000))
        .expect("encodes")
        .to_bytes();
    bad_bytes[1] = 5; // payload encoding version 5: no such codec
    let bad = Blob::from_bytes(&bad_bytes).expect("canonical symbols");

    let with_srs = client(&net, client_config(&net, true)).await;
    let mut certs = Vec::new();
    for blob in [&padded, &bad] {
        let prepared = with_srs
            .prepare_blob(blob.clone(), &[])
            .await
            .expect("prepares");
        let key = with_srs.send(prepared).await.expect("intake accepts it");
        certs.push(with_srs.wait_for_certificate(key).await.expect("certified"));
    }
    let direct = client(
        &net,
        ClientConfig {
            retriever: None,
            ..client_config(&net, true)
        },
    )
    .await;
    let undecodable = |e: &ClientError| {
        matches!(
            e,
            ClientError::Retrieval(RetrieverError::Payload {
                source: CodecError::UnsupportedVersion { version: 5 },
                ..
            })
        )
    };
    let cases = [
        (&certs[0], padded.to_bytes(), Ok(payload.clone())),
        (&certs[1], bad_bytes.clone(), Err(())),
    ];

    // 1. The operators serve them.
    let mut from_operators = Vec::new();
    for (cert, raw, expected) in &cases {
        let symbols = cert
            .cert
            .blob_inclusion_info
            .blob_certificate
            .blob_header
            .commitment
            .length as usize;
        assert_eq!(raw.len(), symbols * 32, "the committed length");
        let reading = service_reading(&retriever, cert).await;
        assert!(reading.raw == *raw, "service raw blob differs");
        match expected {
            Ok(p) => assert!(reading.payload.as_ref() == Ok(p), "service payload"),
            Err(()) => {
                let message = reading.payload.as_ref().expect_err("not a payload");
                assert!(
                    message.starts_with("FailedPrecondition [PAYLOAD_UNDECODABLE]"),
                    "{message}"
                );
                assert!(message.contains("version 5"), "{message}");
            }
        }
        let got = direct
            .retrieve_blob_from_operators(cert)
            .await
            .expect("operators serve the raw blob");
        assert_eq!(got.source, RetrievalSource::Operators);
        assert!(got.blob.to_bytes() == *raw, "direct raw blob differs");
        assert!(
            with_srs.retrieve_blob(cert).await.expect("raw via service") == *raw,
            "client raw blob differs"
        );
        for (path, got) in [
            ("service", with_srs.retrieve(cert).await),
            ("direct", direct.retrieve(cert).await),
        ] {
            match (expected, got) {
                (Ok(p), Ok(got)) => assert!(got == *p, "{path}: payload differs"),
                (Err(()), Err(e)) => {
                    assert!(undecodable(&e), "{path}: {e}");
                    assert_eq!(e.action(), ErrorAction::Drop, "{path}: {e}");
                }
                (expected, got) => panic!("{path}: expected {expected:?}, got {got:?}"),
            }
        }
        from_operators.push(reading);
    }

    // The CLI: `--raw` writes the committed bytes; the payload of the bad blob is a
    // clear error and nothing is written.
    let scratch = tempfile::tempdir().expect("temp dir");
    for (i, (cert, raw, expected)) in cases.iter().enumerate() {
        let path = write_cert(scratch.path(), &format!("cert{i}.json"), cert);
        let raw_out = scratch.path().join(format!("raw{i}"));
        let out = cli(
            &net,
            &[
                "retrieve",
                path.to_str().expect("utf-8"),
                "--raw",
                "--out",
                raw_out.to_str().expect("utf-8"),
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(std::fs::read(&raw_out).expect("written") == *raw);
        let payload_out = scratch.path().join(format!("payload{i}"));
        let out = cli(
            &net,
            &[
                "retrieve",
                path.to_str().expect("utf-8"),
                "--out",
                payload_out.to_str().expect("utf-8"),
            ],
        );
        match expected {
            Ok(p) => {
                assert!(out.status.success(), "{}", text(&out.stderr));
                assert!(std::fs::read(&payload_out).expect("written") == *p);
            }
            Err(()) => {
                let stderr = text(&out.stderr);
                assert!(!out.status.success(), "{stderr}");
                assert!(stderr.contains("not a valid payload encoding"), "{stderr}");
                assert!(!payload_out.exists());
            }
        }
    }

    // 2. Every node down: the disperser's GetBlob serves them, checked, and every
    // answer is the same as the operators' (the same raw bytes, the same payload or
    // the same error message).
    for i in 0..net.devnet.operators().len() {
        net.devnet
            .node_mut(i)
            .expect("node")
            .stop(grace)
            .await
            .expect("node stops");
    }
    let srs = std::sync::Arc::new(Srs::development_cached(SMALL_SRS_POINTS).expect("SRS"));
    let chain = net.devnet.chain().connect(None).expect("chain");
    let library = Retriever::new(
        chain,
        srs,
        RetrievalOptions {
            operator_timeout_ms: 3_000,
            ..RetrievalOptions::default()
        },
    )
    .with_disperser(&disperser)
    .expect("endpoint");
    for ((cert, raw, expected), operators) in cases.iter().zip(&from_operators) {
        let reading = service_reading(&retriever, cert).await;
        assert_eq!(&reading, operators, "service: disperser vs operators");
        let header = &cert.cert.blob_inclusion_info.blob_certificate.blob_header;
        let got = library
            .retrieve_blob_preferring(header, cert.reference_block(), 0)
            .await
            .expect("the disperser serves the raw blob");
        assert_eq!(got.source, RetrievalSource::Disperser);
        assert!(got.blob.to_bytes() == *raw, "library raw blob differs");
        let decoded = library
            .retrieve_preferring(header, cert.reference_block(), 0)
            .await
            .map(|r| r.payload)
            .map_err(|e| tonic::Status::from(e).message().to_owned());
        // The service's status message is the library's error, word for word.
        let service_message = operators.payload.clone().map_err(|m| {
            m.split_once("] ")
                .map(|(_, message)| message.to_owned())
                .unwrap_or_default()
        });
        assert!(decoded == service_message, "library: {decoded:?}");
        assert!(
            with_srs.retrieve_blob(cert).await.expect("raw via service") == *raw,
            "client raw blob differs"
        );
        match (expected, with_srs.retrieve(cert).await) {
            (Ok(p), Ok(got)) => assert!(got == *p, "client payload differs"),
            (Err(()), Err(e)) => assert!(undecodable(&e), "{e}"),
            (expected, got) => panic!("expected {expected:?}, got {got:?}"),
        }
    }
    net.devnet.shutdown().await.expect("clean shutdown");
}
