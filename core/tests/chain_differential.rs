//! Differential tests against the deployed contracts: every hash, the hash-to-curve,
//! Merkle proofs, the registration digest, the signature check and the certificate
//! ABI, computed in Rust and by the Solidity code through `eth_call` on a real anvil,
//! on seeded random inputs.
//!
//! Needs the repository's pinned anvil (`scripts/setup.sh` installs it under
//! `contracts/node_modules`), or `LAMINA_ANVIL=/path/to/anvil`.

#![cfg(feature = "chain")]

use std::path::PathBuf;

use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy::primitives::{Address, B256, Bytes, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolValue;
use ark_bn254::{G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use lamina_core::abi::{self, g1_to_abi, g2_to_abi};
use lamina_core::bls::{self, RegistryCoordinatorDomain, SecretKey};
use lamina_core::chain::bindings::{
    bls_signature_checker::BLSSignatureChecker, differential_harness::CoreDifferentialHarness,
    registry_coordinator::RegistryCoordinator, threshold_registry::ThresholdRegistry,
};
use lamina_core::chain::{Chain, ContractAddresses, EthChain};
use lamina_core::{
    BatchHeader, BlobCertificate, BlobCommitments, BlobHeader, BlobParams, MerkleTree,
    SecurityThresholds, hashing,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn anvil_path() -> PathBuf {
    if let Some(path) = std::env::var_os("LAMINA_ANVIL") {
        return PathBuf::from(path);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
}

async fn start() -> (AnvilInstance, DynProvider, Address) {
    let path = anvil_path();
    assert!(
        path.exists(),
        "anvil not found at {} (run scripts/setup.sh or set LAMINA_ANVIL)",
        path.display()
    );
    let anvil = Anvil::at(path).spawn();
    let signer: PrivateKeySigner = anvil.keys()[0].clone().into();
    let owner = signer.address();
    let provider = ProviderBuilder::new()
        .wallet(signer)
        .connect_http(anvil.endpoint_url())
        .erased();
    (anvil, provider, owner)
}

/// Re-types a value between two `sol!` mirrors of the same Solidity struct (ours in
/// `lamina_core::abi`, the artifact's in the bindings) through its ABI encoding.
fn bridge<A: SolValue, B: SolValue + From<<B::SolType as alloy::sol_types::SolType>::RustType>>(
    a: &A,
) -> B {
    B::abi_decode(&a.abi_encode()).expect("identical layouts")
}

fn random_header(rng: &mut ChaCha20Rng) -> BlobHeader {
    let s = SecretKey::random(rng).scalar();
    let t = SecretKey::random(rng).scalar();
    let quorums: Vec<u8> = (0..rng.gen_range(1..4u8)).collect();
    BlobHeader {
        version: rng.r#gen(),
        quorum_numbers: quorums,
        commitment: BlobCommitments {
            commitment: (G1Affine::generator() * s).into_affine(),
            length_commitment: (G2Affine::generator() * s).into_affine(),
            length_proof: (G2Affine::generator() * t).into_affine(),
            length: 1 << rng.gen_range(0..20),
        },
        payment_header_hash: B256::from(rng.r#gen::<[u8; 32]>()),
    }
}

fn random_cert(rng: &mut ChaCha20Rng) -> BlobCertificate {
    let sig_len = rng.gen_range(0..100);
    BlobCertificate {
        blob_header: random_header(rng),
        signature: (0..sig_len).map(|_| rng.r#gen()).collect(),
        relay_keys: (0..rng.gen_range(0..4)).map(|_| rng.r#gen()).collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_matches_the_contracts() {
    let (anvil, provider, owner) = start().await;
    let mut rng = ChaCha20Rng::seed_from_u64(0xd1ff);
    let harness = CoreDifferentialHarness::deploy(&provider)
        .await
        .expect("deploys harness");

    // hashToG1: the known answer and random digests.
    let mut digests = vec![B256::ZERO, B256::repeat_byte(0xff)];
    digests.extend((0..24).map(|_| B256::from(rng.r#gen::<[u8; 32]>())));
    for digest in digests {
        let on_chain = harness.hashToG1(digest).call().await.expect("hashToG1");
        let ours = g1_to_abi(&bls::hash_to_g1(digest));
        assert_eq!(
            (on_chain.X, on_chain.Y),
            (ours.X, ours.Y),
            "hashToG1({digest})"
        );
    }
    let zero = harness.hashToG1(B256::ZERO).call().await.expect("hashToG1");
    assert_eq!((zero.X, zero.Y), (U256::from(1), U256::from(2)));

    // Operator ids.
    for _ in 0..4 {
        let key = SecretKey::random(&mut rng);
        let on_chain = harness
            .hashG1Point(bridge(&g1_to_abi(&key.public_g1())))
            .call()
            .await
            .expect("hashG1Point");
        assert_eq!(on_chain.0, key.operator_id().0);
    }

    // Blob keys, certificate hashes, batch header hashes.
    for _ in 0..12 {
        let cert = random_cert(&mut rng);
        let header: abi::BlobHeaderV2 = (&cert.blob_header).into();
        let key = harness
            .hashBlobHeaderV2(bridge(&header))
            .call()
            .await
            .expect("hashBlobHeaderV2");
        assert_eq!(key, cert.blob_header.blob_key().as_b256());
        let raw: abi::BlobCertificate = (&cert).into();
        let hash = harness
            .hashBlobCertificate(bridge(&raw))
            .call()
            .await
            .expect("hashBlobCertificate");
        assert_eq!(hash, cert.hash());
        let batch = BatchHeader {
            batch_root: B256::from(rng.r#gen::<[u8; 32]>()),
            reference_block_number: rng.r#gen(),
        };
        let on_chain = harness
            .hashBatchHeaderV2(bridge(&abi::BatchHeaderV2::from(&batch)))
            .call()
            .await
            .expect("hashBatchHeaderV2");
        assert_eq!(on_chain, batch.hash());
    }

    // Merkle roots and proofs, including tampered ones.
    for n in 1..=9usize {
        let cert_hashes: Vec<B256> = (0..n)
            .map(|_| B256::from(rng.r#gen::<[u8; 32]>()))
            .collect();
        let tree = MerkleTree::from_certificate_hashes(&cert_hashes).expect("nonempty");
        let leaves: Vec<B256> = cert_hashes
            .iter()
            .map(|h| hashing::merkle_leaf(*h))
            .collect();
        assert_eq!(
            harness
                .blobLeaf(cert_hashes[0])
                .call()
                .await
                .expect("blobLeaf"),
            leaves[0]
        );
        let root = harness
            .merkleizeKeccak(leaves.clone())
            .call()
            .await
            .expect("merkleizeKeccak");
        assert_eq!(root, tree.root(), "root of {n} leaves");
        for (i, leaf) in leaves.iter().enumerate() {
            let proof = Bytes::from(tree.proof(i).expect("in range").to_bytes());
            let ok = harness
                .verifyInclusionKeccak(proof.clone(), root, *leaf, U256::from(i))
                .call()
                .await
                .expect("verify");
            assert!(ok, "leaf {i} of {n}");
            if n > 1 {
                let wrong = U256::from((i + 1) % n);
                let bad = harness
                    .verifyInclusionKeccak(proof, root, *leaf, wrong)
                    .call()
                    .await
                    .expect("verify");
                assert!(!bad, "leaf {i} of {n} verified at the wrong index");
            }
        }
    }

    // The certificate's ABI: the contract decodes our bytes and hashes what it decoded.
    let cert = sample_da_cert(&mut rng);
    let (batch_hash, blob_key, cert_hash) = {
        let r = harness
            .decodeCertAndHash(Bytes::from(cert.abi_encode()))
            .call()
            .await
            .expect("decodes");
        (r._0, r._1, r._2)
    };
    assert_eq!(batch_hash, cert.batch_header.hash());
    assert_eq!(blob_key, cert.blob_key().as_b256());
    assert_eq!(cert_hash, cert.blob_inclusion_info.blob_certificate.hash());

    // The registration digest point of the real RegistryCoordinator, directly and through EthChain.
    let coordinator = RegistryCoordinator::deploy(&provider, owner, owner, owner, U256::ZERO)
        .await
        .expect("deploys coordinator");
    let chain_id = provider.get_chain_id().await.expect("chain id");
    let domain = RegistryCoordinatorDomain::new(chain_id, *coordinator.address());
    let chain = EthChain::new(
        provider.clone(),
        ContractAddresses {
            registry_coordinator: *coordinator.address(),
            ..Default::default()
        },
    );
    for _ in 0..3 {
        let operator = Address::from(rng.r#gen::<[u8; 20]>());
        let point = chain
            .pubkey_registration_point(operator)
            .await
            .expect("reads");
        assert_eq!(point, bls::pubkey_registration_point(&domain, operator));
        // And the proof of possession built on it verifies like BLSApkRegistry checks it.
        let key = SecretKey::random(&mut rng);
        let params = key.pubkey_registration_params(&domain, operator);
        assert!(bls::verify_pubkey_registration(&params, &point));
    }

    // The signature checker's trySignatureAndApkVerification agrees with ours, valid or not.
    let checker = BLSSignatureChecker::deploy(&provider, *coordinator.address())
        .await
        .expect("deploys checker");
    let keys: Vec<SecretKey> = (0..3).map(|_| SecretKey::random(&mut rng)).collect();
    let msg = B256::from(rng.r#gen::<[u8; 32]>());
    let sigma = bls::Signature::aggregate(&keys.iter().map(|k| k.sign(msg)).collect::<Vec<_>>())
        .expect("nonempty");
    let apk1 = bls::aggregate_g1(&keys.iter().map(SecretKey::public_g1).collect::<Vec<_>>());
    let apk2 = bls::aggregate_g2(&keys.iter().map(SecretKey::public_g2).collect::<Vec<_>>());
    let wrong_apk1 = bls::aggregate_g1(
        &keys[1..]
            .iter()
            .map(SecretKey::public_g1)
            .collect::<Vec<_>>(),
    );
    for (apk, expected) in [(apk1, true), (wrong_apk1, false)] {
        let ours = bls::check_signature_and_apk(msg, &apk, &apk2, &sigma.point());
        assert_eq!(ours, expected);
        let r = checker
            .trySignatureAndApkVerification(
                msg,
                bridge(&g1_to_abi(&apk)),
                bridge(&g2_to_abi(&apk2)),
                bridge(&g1_to_abi(&sigma.point())),
            )
            .call()
            .await
            .expect("pairing precompile");
        assert!(r.pairingSuccessful);
        assert_eq!(r.signatureIsValid, expected);
    }

    // Threshold registry reads through EthChain.
    let thresholds = abi::SecurityThresholds {
        confirmationThreshold: 55,
        adversaryThreshold: 33,
    };
    let registry = ThresholdRegistry::deploy(
        &provider,
        owner,
        bridge(&thresholds),
        Bytes::from(vec![0u8, 1]),
    )
    .await
    .expect("deploys threshold registry");
    let v0 = abi::VersionedBlobParams {
        maxNumOperators: 3537,
        numChunks: 8192,
        codingRate: 8,
    };
    let pending = registry
        .addVersionedBlobParams(bridge(&v0))
        .send()
        .await
        .expect("sends");
    let chain = EthChain::new(
        provider.clone(),
        ContractAddresses {
            threshold_registry: *registry.address(),
            ..Default::default()
        },
    );
    chain
        .wait_for_receipt(*pending.tx_hash())
        .await
        .expect("mined");
    let chain = EthChain::new(
        provider.clone(),
        ContractAddresses {
            threshold_registry: *registry.address(),
            ..Default::default()
        },
    );
    assert_eq!(chain.blob_params(0).await.expect("reads"), BlobParams::V0);
    assert_eq!(chain.next_blob_version().await.expect("reads"), 1);
    assert_eq!(
        chain.security_thresholds().await.expect("reads"),
        SecurityThresholds {
            confirmation_threshold: 55,
            adversary_threshold: 33
        }
    );
    assert_eq!(
        chain.quorum_numbers_required().await.expect("reads"),
        vec![0, 1]
    );
    drop(anvil);
}

/// A certificate with every field populated (the signature is real; the indices arbitrary).
fn sample_da_cert(rng: &mut ChaCha20Rng) -> lamina_core::DaCertV3 {
    let certs: Vec<BlobCertificate> = (0..5).map(|_| random_cert(rng)).collect();
    let hashes: Vec<B256> = certs.iter().map(BlobCertificate::hash).collect();
    let tree = MerkleTree::from_certificate_hashes(&hashes).expect("nonempty");
    let batch_header = BatchHeader {
        batch_root: tree.root(),
        reference_block_number: 77,
    };
    let keys: Vec<SecretKey> = (0..2).map(|_| SecretKey::random(rng)).collect();
    let sigma = bls::Signature::aggregate(
        &keys
            .iter()
            .map(|k| k.sign(batch_header.hash()))
            .collect::<Vec<_>>(),
    )
    .expect("nonempty");
    let g1s: Vec<G1Affine> = keys.iter().map(SecretKey::public_g1).collect();
    let attestation = lamina_core::Attestation {
        non_signer_pubkeys: vec![g1s[0]],
        quorum_apks: vec![bls::aggregate_g1(&g1s)],
        sigma: sigma.point(),
        apk_g2: bls::aggregate_g2(&keys.iter().map(SecretKey::public_g2).collect::<Vec<_>>()),
        quorum_numbers: vec![0],
        quorum_signed_percentages: vec![50],
    };
    let indices = lamina_core::CheckSignaturesIndices {
        non_signer_quorum_bitmap_indices: vec![1],
        quorum_apk_indices: vec![2],
        total_stake_indices: vec![3],
        non_signer_stake_indices: vec![vec![4]],
    };
    lamina_core::DaCertV3 {
        batch_header,
        blob_inclusion_info: lamina_core::BlobInclusionInfo {
            blob_certificate: certs[2].clone(),
            blob_index: 2,
            inclusion_proof: tree.proof(2).expect("in range"),
        },
        non_signer_stakes_and_signature: lamina_core::NonSignerStakesAndSignature::new(
            &attestation,
            indices,
        ),
        signed_quorum_numbers: vec![0],
    }
}
