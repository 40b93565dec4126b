//! End to end against the real contracts: anvil, the project's deploy script, three
//! operators that deposit, register with EigenLayer and register with Lamina (BLS proof
//! of possession), then reads of operator state at a reference block, a socket update,
//! a certificate built entirely in Rust that `checkDACert` accepts (and rejects once
//! tampered), and `confirmBatch`.
//!
//! Needs the repository's pinned anvil and forge (`scripts/setup.sh`), or `LAMINA_ANVIL`
//! and `LAMINA_FORGE`.

#![cfg(feature = "chain")]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use alloy::node_bindings::Anvil;
use alloy::primitives::{Address, B256, U256};
use alloy::providers::Provider;
use alloy::signers::local::PrivateKeySigner;
use ark_bn254::{G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use lamina_core::bls::{self, OperatorKeys, SecretKey};
use lamina_core::chain::bindings::test_token::TestToken;
use lamina_core::chain::{Chain, ChainError, ContractAddresses, EthChain};
use lamina_core::{
    BatchHeader, BlobCertificate, BlobCommitments, BlobHeader, BlobInclusionInfo, BlobParams,
    DaCertV3, MerkleTree, NonSignerStakesAndSignature, OperatorId, assign_blob,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// A chain id of our own, so the deploy script's `deployments/<chainid>.json` never
/// clobbers a running devnet's.
const CHAIN_ID: u64 = 271_828;

fn tool(env: &str, name: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(env) {
        return PathBuf::from(path);
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../contracts/node_modules/@foundry-rs/{name}-linux-amd64/bin/{name}"
    ));
    assert!(
        path.exists(),
        "{name} not found at {} (run scripts/setup.sh or set {env})",
        path.display()
    );
    path
}

/// Runs `script/Deploy.s.sol` and returns the address file it writes.
fn deploy(rpc_url: &str, key: &str) -> serde_json::Value {
    let contracts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../contracts");
    let forge = tool("LAMINA_FORGE", "forge");
    let status = Command::new(&forge)
        .current_dir(&contracts)
        .args([
            "script",
            "script/Deploy.s.sol:Deploy",
            "--rpc-url",
            rpc_url,
            "--broadcast",
            "--private-key",
            key,
        ])
        .args(["--slow", "-q"])
        .status()
        .expect("forge runs");
    assert!(status.success(), "deploy script failed");
    let file = contracts.join(format!("deployments/{CHAIN_ID}.json"));
    let json = std::fs::read_to_string(&file).expect("deploy script wrote the address file");
    let _ = std::fs::remove_file(&file);
    serde_json::from_str(&json).expect("address file is JSON")
}

fn address(json: &serde_json::Value, name: &str) -> Address {
    json[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} missing"))
        .parse()
        .expect("address")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_register_and_a_rust_certificate_verifies_on_chain() {
    let anvil = Anvil::at(tool("LAMINA_ANVIL", "anvil"))
        .chain_id(CHAIN_ID)
        .spawn();
    let url = anvil.endpoint();
    let owner_key = format!("0x{}", hex::encode(anvil.keys()[0].to_bytes()));
    let json = deploy(&url, &owner_key);
    let addrs: ContractAddresses =
        serde_json::from_value(json.clone()).expect("address file has our fields");
    assert!(!addrs.registry_coordinator.is_zero() && !addrs.cert_verifier.is_zero());

    // Three operators with stakes 100, 200, 300 (tokens 0 and 2: strategies of quorums 0 and 1).
    let mut rng = ChaCha20Rng::seed_from_u64(0xe2e);
    let mut operators = Vec::new();
    for (i, stake) in [(1usize, 100u64), (2, 200), (3, 300)] {
        let signer: PrivateKeySigner = anvil.keys()[i].clone().into();
        let chain = EthChain::connect_http(&url, addrs, Some(signer.clone())).expect("connects");
        let amount = U256::from(stake);
        for t in [0, 2] {
            let token = address(&json, &format!("token_{t}"));
            let pending = TestToken::new(token, chain.provider())
                .mint(signer.address(), amount)
                .send()
                .await
                .expect("mint sent");
            chain
                .wait_for_receipt(*pending.tx_hash())
                .await
                .expect("minted");
            let strategy = address(&json, &format!("strategy_{t}"));
            chain
                .deposit_into_strategy(strategy, token, amount)
                .await
                .expect("deposit");
        }
        chain
            .register_as_operator()
            .await
            .expect("EigenLayer operator");
        let key = SecretKey::random(&mut rng);
        let socket = format!("127.0.0.1:{}", 32000 + i);
        chain
            .register_operator(&key, &[0, 1], &socket)
            .await
            .expect("registers with proof of possession");
        operators.push((chain, key, stake, socket));
    }
    let reader = &operators[0].0;
    // Errors come back typed: a second registration reverts with the coordinator's named
    // error, and a read-only chain refuses to send.
    let again = reader
        .register_operator(&operators[0].1, &[0, 1], "x:1")
        .await
        .expect_err("already registered");
    assert!(
        matches!(
            &again,
            ChainError::Reverted {
                contract: "RegistryCoordinator",
                ..
            }
        ),
        "{again}"
    );
    let read_only = EthChain::connect_http(&url, addrs, None).expect("connects");
    assert!(matches!(
        read_only.update_socket("x:1").await,
        Err(ChainError::NoSigner { .. })
    ));
    let rbn = u32::try_from(reader.block_number().await.expect("block")).expect("small");
    // checkSignatures needs the reference block in the past.
    let _: serde_json::Value = reader
        .provider()
        .raw_request("evm_mine".into(), ())
        .await
        .expect("mines");

    // Operator state at the reference block.
    let state = reader
        .operator_state(&[0, 1], rbn)
        .await
        .expect("reads state");
    assert_eq!(state.len(), 2);
    for q in &state {
        assert_eq!(q.len(), 3);
        for (_, key, stake, _) in &operators {
            assert_eq!(
                q.stake(&key.operator_id()),
                Some(u128::from(*stake)),
                "quorum {}",
                q.quorum()
            );
        }
    }
    let assignments = assign_blob(&BlobParams::V0, &state).expect("assignable");
    assert_eq!(assignments.len(), 3);
    for (_, key, _, socket) in &operators {
        let info = reader
            .operator_info(key.operator_id(), rbn)
            .await
            .expect("info");
        assert_eq!(
            (info.pubkey_g1, info.pubkey_g2),
            (key.public_g1(), key.public_g2())
        );
        assert_eq!(info.socket.as_deref(), Some(socket.as_str()));
    }

    // Sockets are read once: asking again at the same (or an earlier) block reads no logs.
    let queries = reader.socket_log_queries().await;
    assert!(queries >= 1, "the first lookup read the logs");
    for (_, key, _, socket) in &operators {
        let again = reader
            .operator_info(key.operator_id(), rbn)
            .await
            .expect("info");
        assert_eq!(again.socket.as_deref(), Some(socket.as_str()));
    }
    assert_eq!(
        reader.socket_log_queries().await,
        queries,
        "blocks already read are not read again"
    );

    // A socket update shows at later blocks, not at the old reference block.
    operators[0]
        .0
        .update_socket("10.0.0.1:9000")
        .await
        .expect("socket update");
    let now = u32::try_from(reader.block_number().await.expect("block")).expect("small");
    let id0 = operators[0].1.operator_id();
    assert_eq!(
        reader
            .operator_info(id0, now)
            .await
            .expect("info")
            .socket
            .as_deref(),
        Some("10.0.0.1:9000")
    );
    assert_eq!(
        reader
            .operator_info(id0, rbn)
            .await
            .expect("info")
            .socket
            .as_deref(),
        Some(operators[0].3.as_str())
    );
    // ... and following it cost one more read of the new blocks only.
    assert_eq!(reader.socket_log_queries().await, queries + 1);

    // A batch of three blobs signed by operators 2 and 3 (5/6 of each quorum); operator 1 does not sign.
    let certs: Vec<BlobCertificate> = (0..3u64)
        .map(|i| {
            let s = SecretKey::random(&mut rng).scalar();
            BlobCertificate {
                blob_header: BlobHeader {
                    version: 0,
                    quorum_numbers: vec![0, 1],
                    commitment: BlobCommitments {
                        commitment: (G1Affine::generator() * s).into_affine(),
                        length_commitment: (G2Affine::generator() * s).into_affine(),
                        length_proof: G2Affine::generator(),
                        length: 16,
                    },
                    payment_header_hash: B256::from(U256::from(i)),
                },
                signature: vec![0x1b; 65],
                relay_keys: vec![],
            }
        })
        .collect();
    let hashes: Vec<B256> = certs.iter().map(BlobCertificate::hash).collect();
    let tree = MerkleTree::from_certificate_hashes(&hashes).expect("nonempty");
    let batch = BatchHeader {
        batch_root: tree.root(),
        reference_block_number: rbn,
    };
    // Operators 2 and 3 sign; the attestation is aggregated from the state read at the
    // reference block, keys from the registry.
    let mut keys = BTreeMap::new();
    for (_, key, _, _) in &operators {
        let info = reader
            .operator_info(key.operator_id(), rbn)
            .await
            .expect("info");
        keys.insert(
            info.operator_id,
            OperatorKeys {
                g1: info.pubkey_g1,
                g2: info.pubkey_g2,
            },
        );
    }
    let signatures: BTreeMap<OperatorId, bls::Signature> = operators[1..]
        .iter()
        .map(|o| {
            let sig = o.1.sign(batch.hash());
            assert!(sig.verify(&keys[&o.1.operator_id()].g2, batch.hash()));
            (o.1.operator_id(), sig)
        })
        .collect();
    let attestation = bls::aggregate_attestation(&state, &keys, &signatures).expect("aggregates");
    assert_eq!(attestation.quorum_signed_percentages, vec![83, 83]);
    let sigma = bls::Signature::from_point(attestation.sigma);
    let non_signers: Vec<OperatorId> = vec![id0];
    let indices = reader
        .check_signatures_indices(rbn, &[0, 1], &non_signers)
        .await
        .expect("indices");
    let nsss = NonSignerStakesAndSignature::new(&attestation, indices);
    let cert = DaCertV3 {
        batch_header: batch,
        blob_inclusion_info: BlobInclusionInfo {
            blob_certificate: certs[1].clone(),
            blob_index: 1,
            inclusion_proof: tree.proof(1).expect("in range"),
        },
        non_signer_stakes_and_signature: nsss.clone(),
        signed_quorum_numbers: vec![0, 1],
    };
    if let Err(e) = reader.check_da_cert_reverts(&cert).await {
        panic!("certificate rejected: {e}");
    }
    assert_eq!(
        reader.check_da_cert(&cert).await.expect("eth_call"),
        1,
        "checkDACert must return SUCCESS"
    );

    // Tampering with the signature, the index or the blob header is rejected.
    let mut bad = cert.clone();
    bad.non_signer_stakes_and_signature.sigma =
        (sigma.point() + G1Affine::generator()).into_affine();
    assert_ne!(reader.check_da_cert(&bad).await.expect("eth_call"), 1);
    let mut bad = cert.clone();
    bad.blob_inclusion_info.blob_index = 2;
    assert_ne!(reader.check_da_cert(&bad).await.expect("eth_call"), 1);
    let err = reader
        .check_da_cert_reverts(&bad)
        .await
        .expect_err("wrong index");
    assert!(err.to_string().contains("InvalidInclusionProof"), "{err}");
    let mut bad = cert.clone();
    bad.blob_inclusion_info
        .blob_certificate
        .blob_header
        .commitment
        .length = 32;
    assert_ne!(reader.check_da_cert(&bad).await.expect("eth_call"), 1);

    // The deployment appoints no batch confirmer (not even the owner); the owner appoints
    // one, which anchors the batch: confirmBatch signs the same digest.
    let owner: PrivateKeySigner = anvil.keys()[0].clone().into();
    let confirmer: PrivateKeySigner = anvil.keys()[1].clone().into();
    let owner_chain = EthChain::connect_http(&url, addrs, Some(owner)).expect("connects");
    assert!(
        owner_chain
            .confirm_batch(batch.batch_root, &[0, 1], &[55, 55], rbn, &nsss)
            .await
            .is_err(),
        "the owner is not a batch confirmer"
    );
    owner_chain
        .set_batch_confirmer(confirmer.address(), true)
        .await
        .expect("appointed");
    EthChain::connect_http(&url, addrs, Some(confirmer))
        .expect("connects")
        .confirm_batch(batch.batch_root, &[0, 1], &[55, 55], rbn, &nsss)
        .await
        .expect("confirmBatch");
}
