//! Issue 13's forged certificate, built against the real contracts on anvil: the only
//! operator of the required quorums registers and deregisters, and at a reference block
//! after that (zero stake, aggregate keys at infinity) a certificate "signed" with the
//! aggregate key, the G2 key and the signature all at infinity claims an arbitrary blob.
//! Before the fix `checkDACert` returned SUCCESS (`0 >= 0` confirmed each quorum) and the
//! client's local verification accepted it; now it is INVALID_CERT on-chain and a typed
//! error locally.
//!
//! Needs the repository's pinned anvil and forge (`scripts/setup.sh`).

use alloy_primitives::{B256, Bytes, U256};
use ark_bn254::{G1Affine, G2Affine};
use ark_ec::AffineRepr;
use lamina_client::verify::{CertError, InfinityPoint, VerifyError, verify_locally};
use lamina_core::bls::SecretKey;
use lamina_core::chain::bindings::registry_coordinator::RegistryCoordinator;
use lamina_core::chain::{Chain, OperatorOnboarding};
use lamina_core::{
    BatchHeader, BlobCertificate, BlobCommitments, BlobHeader, BlobInclusionInfo, DaCertV3,
    MerkleTree, NonSignerStakesAndSignature,
};
use lamina_devnet::{LocalChain, LocalChainOptions};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// `CertVerifier.StatusCode.INVALID_CERT`.
const INVALID_CERT: u8 = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_certificate_over_quorums_left_empty_is_invalid_on_chain_and_locally() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut options = LocalChainOptions::new(dir.path());
    options.block_time = None; // one block per transaction
    let local = LocalChain::start(options)
        .await
        .expect("anvil with the contracts");
    let chain = local.connect(Some(local.owner())).expect("connects");

    // The only operator of the required quorums 0 and 1 registers, then leaves both.
    let bls_key = SecretKey::random(&mut ChaCha20Rng::seed_from_u64(13));
    let stake = U256::from(10u64).pow(U256::from(18u64));
    chain
        .onboard_operator(&OperatorOnboarding {
            bls_key: &bls_key,
            stakes: &[(0, stake), (1, stake)],
            quorums: &[0, 1],
            socket: "127.0.0.1:1",
        })
        .await
        .expect("registers");
    let pending =
        RegistryCoordinator::new(local.addresses().registry_coordinator, chain.provider())
            .deregisterOperator(Bytes::from(vec![0u8, 1]))
            .send()
            .await
            .expect("deregistration sent");
    chain
        .wait_for_receipt(*pending.tx_hash())
        .await
        .expect("deregistered");
    let rbn = u32::try_from(chain.block_number().await.expect("head")).expect("small");
    local.mine(2).await.expect("mines");
    let state = chain.operator_state(&[0, 1], rbn).await.expect("state");
    assert!(
        state.iter().all(|q| q.total_stake() == 0),
        "both required quorums are empty at the reference block"
    );

    // Any blob: nobody ever saw it.
    let blob_certificate = BlobCertificate {
        blob_header: BlobHeader {
            version: 0,
            quorum_numbers: vec![0, 1],
            commitment: BlobCommitments {
                commitment: G1Affine::generator(),
                length_commitment: G2Affine::generator(),
                length_proof: G2Affine::generator(),
                length: 32,
            },
            payment_header_hash: B256::repeat_byte(0x13),
        },
        signature: vec![0x1b; 65],
        relay_keys: vec![],
    };
    let tree = MerkleTree::from_certificate_hashes(&[blob_certificate.hash()]).expect("a leaf");
    let indices = chain
        .check_signatures_indices(rbn, &[0, 1], &[])
        .await
        .expect("indices");
    let cert = DaCertV3 {
        batch_header: BatchHeader {
            batch_root: tree.root(),
            reference_block_number: rbn,
        },
        blob_inclusion_info: BlobInclusionInfo {
            blob_certificate,
            blob_index: 0,
            inclusion_proof: tree.proof(0).expect("in range"),
        },
        non_signer_stakes_and_signature: NonSignerStakesAndSignature {
            non_signer_quorum_bitmap_indices: indices.non_signer_quorum_bitmap_indices,
            non_signer_pubkeys: vec![],
            quorum_apks: vec![G1Affine::zero(), G1Affine::zero()],
            apk_g2: G2Affine::zero(),
            sigma: G1Affine::zero(),
            quorum_apk_indices: indices.quorum_apk_indices,
            total_stake_indices: indices.total_stake_indices,
            non_signer_stake_indices: indices.non_signer_stake_indices,
        },
        signed_quorum_numbers: vec![0, 1],
    };

    assert_eq!(
        chain.check_da_cert(&cert).await.expect("checkDACert call"),
        INVALID_CERT,
        "checkDACert must refuse a certificate nobody signed"
    );
    let err = chain
        .check_da_cert_reverts(&cert)
        .await
        .expect_err("the checks revert");
    assert!(err.to_string().contains("ApkG2AtInfinity"), "{err}");

    match verify_locally(&chain, &cert, cert.blob_key(), 1_000).await {
        Err(VerifyError::Invalid(CertError::PointAtInfinity {
            what: InfinityPoint::ApkG2,
        })) => {}
        other => panic!("local verification must refuse the forged certificate: {other:?}"),
    }
}
