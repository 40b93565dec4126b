//! Writes the seed corpus (`fuzz/corpus/<target>/`) from real encodings: payloads and
//! blobs (minimal, over-padded, bad header), frames from the real encoder, points,
//! wire messages, a DA certificate, and node and disperser store records.
//!
//! ```text
//! cargo run --example fuzz_corpus -- fuzz/corpus
//! ```
//!
//! Deterministic (fixed values): rerunning it rewrites the same files. It lives here, not
//! in the `fuzz/` crate, because everything that crate builds is instrumented for
//! libFuzzer and links only into a fuzz target.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use alloy_primitives::{Address, B256, U256};
use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use lamina_core::types::CheckSignaturesIndices;
use lamina_core::{
    Attestation, BatchHeader, BlobCertificate, BlobHeader, BlobInclusionInfo, BlobKey, DaCertV3,
    MerkleProof, NonSignerStakesAndSignature, PaymentHeader,
};
use lamina_encoding::{
    Blob, BlobParams, Encoder, Srs, commit_blob, fr_to_bytes, g1_to_bytes, g2_to_bytes,
};
use lamina_proto::common::v1 as pb;
use lamina_proto::convert;
use prost::Message;

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let dir = dir.join(target);
    std::fs::create_dir_all(&dir).expect("creates the corpus directory");
    std::fs::write(dir.join(name), bytes).expect("writes a seed");
}

fn g1(k: u64) -> G1Affine {
    (G1Affine::generator() * Fr::from(k)).into_affine()
}

fn g2(k: u64) -> G2Affine {
    (G2Affine::generator() * Fr::from(k)).into_affine()
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn main() {
    let out: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("fuzz/corpus"));

    // payload_codec: payloads, and blobs (minimal, 4x over-padded, bad version).
    let payload: Vec<u8> = (0..200u32).map(|i| (i * 7 % 251) as u8).collect();
    for (name, p) in [
        ("empty", &[][..]),
        ("one", &[0xab][..]),
        ("p31", &payload[..31]),
        ("p200", &payload[..]),
    ] {
        write(&out, "payload_codec", &format!("payload-{name}"), p);
    }
    let blob = Blob::from_payload(&payload).expect("encodes");
    write(&out, "payload_codec", "blob-minimal", &blob.to_bytes());
    let mut padded = blob.to_bytes();
    padded.resize(padded.len() * 4, 0);
    write(&out, "payload_codec", "blob-overpadded", &padded);
    let mut bad = blob.to_bytes();
    bad[1] = 5;
    write(&out, "payload_codec", "blob-bad-version", &bad);

    // frame: real frames of that blob (the encoder with a small development SRS).
    let srs = Arc::new(Srs::development_cached(256).expect("development SRS"));
    let frames = Encoder::new(Arc::clone(&srs))
        .encode(&blob, BlobParams::V1_DEVNET)
        .expect("encodes");
    let frame_bytes: Vec<Vec<u8>> = frames.iter().map(|f| f.to_bytes()).collect();
    for (i, (frame, bytes)) in frames.iter().zip(&frame_bytes).take(3).enumerate() {
        write(&out, "frame", &format!("frame-{i}"), bytes);
        let mut with_len = vec![u8::try_from(frame.len()).unwrap_or(u8::MAX)];
        with_len.extend_from_slice(bytes);
        write(&out, "frame", &format!("frame-with-len-{i}"), &with_len);
    }

    // points: G1 then G2 bytes (a target reads the first 32 as G1 and scalar, the
    // first 64 as G2), infinity, a scalar.
    let mut both = g2_to_bytes(&g2(3)).to_vec();
    both[..32].copy_from_slice(&g1_to_bytes(&g1(5)));
    write(&out, "points", "g1-g2", &both);
    write(&out, "points", "g2", &g2_to_bytes(&g2(11)));
    write(
        &out,
        "points",
        "g2-generator",
        &g2_to_bytes(&G2Affine::generator()),
    );
    write(
        &out,
        "points",
        "infinity",
        &g2_to_bytes(&G2Affine::identity()),
    );
    write(&out, "points", "scalar", &fr_to_bytes(&-Fr::from(1u64)));

    // proto_convert: a tag byte (which message) then the message.
    let commitments = commit_blob(&srs, &blob).expect("commits");
    let payment = PaymentHeader {
        account_id: Address::repeat_byte(0x11),
        timestamp_ns: 1_700_000_000_000_000_000,
        cumulative_payment: U256::from(12345u64),
    };
    let header = BlobHeader {
        version: 1,
        quorum_numbers: vec![0, 1],
        commitment: commitments,
        payment_header_hash: payment.hash(),
    };
    let header_pb = convert::blob_header_to_proto(&header, &payment);
    let cert_pb = pb::BlobCertificate {
        blob_header: Some(header_pb.clone()),
        signature: vec![7; 65],
        relay_keys: vec![],
    };
    let certificate = BlobCertificate::try_from(&cert_pb).expect("converts");
    let batch_header = BatchHeader {
        batch_root: B256::repeat_byte(0x22),
        reference_block_number: 1234,
    };
    let info = BlobInclusionInfo {
        blob_certificate: certificate,
        blob_index: 1,
        inclusion_proof: MerkleProof {
            siblings: vec![B256::repeat_byte(0x33), B256::repeat_byte(0x44)],
        },
    };
    let attestation = Attestation {
        non_signer_pubkeys: vec![g1(9)],
        quorum_apks: vec![g1(10), g1(12)],
        sigma: g1(13),
        apk_g2: g2(14),
        quorum_numbers: vec![0, 1],
        quorum_signed_percentages: vec![80, 100],
    };
    let messages: [(u8, Vec<u8>); 8] = [
        (0, pb::BlobCommitment::from(&commitments).encode_to_vec()),
        (1, pb::PaymentHeader::from(&payment).encode_to_vec()),
        (2, header_pb.encode_to_vec()),
        (3, cert_pb.encode_to_vec()),
        (4, pb::BatchHeader::from(&batch_header).encode_to_vec()),
        (
            5,
            pb::Batch {
                header: Some(pb::BatchHeader::from(&batch_header)),
                blob_certificates: vec![cert_pb.clone()],
            }
            .encode_to_vec(),
        ),
        (
            6,
            lamina_proto::disperser::v1::Attestation::from(&attestation).encode_to_vec(),
        ),
        (
            7,
            convert::inclusion_info_to_proto(&info, cert_pb.clone()).encode_to_vec(),
        ),
    ];
    for (tag, bytes) in messages {
        let mut seed = vec![tag];
        seed.extend_from_slice(&bytes);
        write(&out, "proto_convert", &format!("message-{tag}"), &seed);
    }

    // cert_abi: a whole DA certificate.
    let cert = DaCertV3 {
        batch_header,
        blob_inclusion_info: info,
        non_signer_stakes_and_signature: NonSignerStakesAndSignature::new(
            &attestation,
            CheckSignaturesIndices {
                non_signer_quorum_bitmap_indices: vec![3],
                quorum_apk_indices: vec![1, 2],
                total_stake_indices: vec![4, 5],
                non_signer_stake_indices: vec![vec![6], vec![7]],
            },
        ),
        signed_quorum_numbers: vec![0, 1],
    };
    let cert_abi = cert.abi_encode();
    write(&out, "cert_abi", "cert", &cert_abi);

    // node_store_codec: a frames record, an alias, an expiring batch record, an
    // expiry key.
    use lamina_node::store_codec as node;
    let stored: Vec<(u32, &[u8])> = vec![(0, &frame_bytes[0]), (5, &frame_bytes[1])];
    write(
        &out,
        "node_store_codec",
        "frames",
        &node::encode_frames(&stored),
    );
    write(&out, "node_store_codec", "alias", &node::encode_alias(1));
    let batch = node::BatchRecord {
        reference_block: 1234,
        batch_root: B256::repeat_byte(0x55),
        blob_keys: vec![BlobKey([1; 32]), BlobKey([2; 32])],
    };
    write(
        &out,
        "node_store_codec",
        "batch",
        &node::with_expiry(1_800_000_000, &node::encode_batch(&batch)),
    );
    write(
        &out,
        "node_store_codec",
        "expiry-key",
        &node::expiry_key(1_800_000_000, &B256::repeat_byte(0x66)),
    );

    // disperser_store_codec: a COMPLETE status record, a batch record, an expiry key,
    // a stored header.
    use lamina_disperser::store as disperser;
    let mut status = disperser::StatusRecord::queued();
    status.state = disperser::BlobState::Complete;
    status.accepted_ns = 1_700_000_000_000_000_000;
    status.updated_ns = 1_700_000_001_000_000_000;
    status.batch_id = Some(3);
    status.cert_abi_hex = Some(hex_encode(&cert_abi));
    status.signed_percentages = vec![80, 100];
    write(
        &out,
        "disperser_store_codec",
        "status",
        &disperser::encode(&status).expect("encodes"),
    );
    let record = disperser::BatchRecord {
        blob_keys: vec![hex_encode(&[1; 32])],
        batch_root: format!("0x{}", hex_encode(&[2; 32])),
        reference_block_number: 1234,
        anchor: disperser::AnchorState::Pending,
        dispatched_ns: 1_700_000_000_500_000_000,
        finished_ns: 1_700_000_001_000_000_000,
        blob_bytes: 4096,
        quorums: vec![disperser::QuorumRecord {
            quorum: 0,
            signed_stake: "80".into(),
            total_stake: "100".into(),
            percentage: 80,
            signers: vec![format!("0x{}", hex_encode(&[3; 32]))],
            non_signers: vec![format!("0x{}", hex_encode(&[4; 32]))],
        }],
        operators: vec![disperser::OperatorRecord {
            operator_id: format!("0x{}", hex_encode(&[4; 32])),
            outcome: "timeout".into(),
            reason: "no answer".into(),
            latency_ms: 0,
        }],
    };
    write(
        &out,
        "disperser_store_codec",
        "batch",
        &disperser::encode(&record).expect("encodes"),
    );
    write(
        &out,
        "disperser_store_codec",
        "expiry-key",
        &disperser::expiry_key(1_800_000_000, &BlobKey([9; 32])),
    );
    write(
        &out,
        "disperser_store_codec",
        "header",
        &cert_pb.encode_to_vec(),
    );
    println!("seed corpus written under {}", out.display());
}
