//! Process tests of the retriever, the rollup client and the client CLI: anvil with
//! the real contracts and restaked operators (lamina-devnet), `lamina node`,
//! `lamina disperser` and `lamina retriever` processes over TCP, and the
//! `lamina disperse | status | verify | retrieve` commands.
//!
//! Needs the repository's pinned anvil and forge (`scripts/setup.sh`), as every
//! devnet does.

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
    configure(&mut options);
    let devnet = Devnet::start(options).await.expect("devnet starts");
    Net { devnet, _dir: dir }
}

fn small_retriever(options: &mut DevnetOptions) {
    options
        .retriever_config
        .insert("srs_points".into(), (SMALL_SRS_POINTS as i64).into());
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
        srs: srs.then(SrsConfig::default),
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
        small_retriever(o);
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
