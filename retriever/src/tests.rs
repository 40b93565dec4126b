//! The selection, skip and report logic against real frames (real KZG, FK20 and
//! verification) served by in-process gRPC Retrieval servers over TCP, each told
//! how to misbehave. The chain side (operator state, sockets) is covered by the
//! process tests in `bin/lamina/tests/retriever.rs`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::B256;
use lamina_core::{BlobHeader, BlobParams, OperatorId, OperatorStake, QuorumOperators};
use lamina_encoding::{Blob, Encoder, Frame, Srs, commit_blob};
use lamina_proto::node::v1::retrieval_server::{Retrieval, RetrievalServer};
use lamina_proto::node::v1::{
    GetBlobCertificateReply, GetBlobCertificateRequest, GetChunksReply, GetChunksRequest,
    GetNodeInfoReply, GetNodeInfoRequest,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use tokio::net::{TcpListener, TcpSocket};
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;

use crate::{
    Candidate, OperatorFault, OperatorState, Rebuilder, RetrievalOptions, RetrieverError,
    candidates_from_state,
};

/// A blob, its header and all of its frames.
struct Fixture {
    srs: Arc<Srs>,
    payload: Vec<u8>,
    header: BlobHeader,
    frames: Vec<Frame>,
}

fn fixture(seed: u64, len: usize, params: BlobParams) -> Fixture {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let payload: Vec<u8> = (0..len).map(|_| rng.r#gen()).collect();
    let blob = Blob::from_payload(&payload).expect("payload encodes");
    fixture_of(seed, blob, payload, params)
}

/// The fixture of any blob (`payload` is what it should decode to, if anything).
fn fixture_of(seed: u64, blob: Blob, payload: Vec<u8>, params: BlobParams) -> Fixture {
    let srs = Arc::new(Srs::development_cached(4096).expect("development SRS"));
    let commitment = commit_blob(&srs, &blob).expect("commits");
    let frames = Encoder::new(Arc::clone(&srs))
        .encode(&blob, params)
        .expect("encodes");
    let header = BlobHeader {
        version: 1,
        quorum_numbers: vec![0],
        commitment,
        payment_header_hash: B256::repeat_byte(seed as u8),
    };
    Fixture {
        srs,
        payload,
        header,
        frames,
    }
}

/// How a test node answers `GetChunks`.
#[derive(Clone)]
enum Behaviour {
    /// Its assigned frames, as stored.
    Honest,
    /// Its assigned frames with one byte flipped in each.
    Corrupt,
    /// These frames (another blob's) at its assigned indices.
    Foreign(Vec<Frame>),
    /// These valid frames of the blob, at their own (not its) indices.
    Steal(Vec<u32>),
    /// Random bytes at its indices.
    Garbage,
    /// Answers only after this long.
    Slow(Duration),
    /// NotFound.
    Missing,
}

struct TestNode {
    blob_key: [u8; 32],
    assigned: Vec<u32>,
    frames: Vec<Frame>,
    behaviour: Behaviour,
}

#[tonic::async_trait]
impl Retrieval for TestNode {
    async fn get_chunks(
        &self,
        request: tonic::Request<GetChunksRequest>,
    ) -> Result<tonic::Response<GetChunksReply>, tonic::Status> {
        if request.get_ref().blob_key != self.blob_key {
            return Err(tonic::Status::not_found("unknown blob"));
        }
        let own = |i: &u32| self.frames[*i as usize].to_bytes();
        let (chunk_indices, frames) = match &self.behaviour {
            Behaviour::Honest => (
                self.assigned.clone(),
                self.assigned.iter().map(own).collect(),
            ),
            Behaviour::Corrupt => (
                self.assigned.clone(),
                self.assigned
                    .iter()
                    .map(|i| {
                        let mut b = own(i);
                        let last = b.len() - 1;
                        b[last] ^= 1;
                        b
                    })
                    .collect(),
            ),
            Behaviour::Foreign(other) => (
                self.assigned.clone(),
                self.assigned
                    .iter()
                    .map(|i| other[*i as usize].to_bytes())
                    .collect(),
            ),
            Behaviour::Steal(indices) => (indices.clone(), indices.iter().map(own).collect()),
            Behaviour::Garbage => {
                let mut rng = ChaCha20Rng::seed_from_u64(7);
                (
                    self.assigned.clone(),
                    self.assigned
                        .iter()
                        .map(|i| (0..own(i).len()).map(|_| rng.r#gen()).collect())
                        .collect(),
                )
            }
            Behaviour::Slow(d) => {
                tokio::time::sleep(*d).await;
                (
                    self.assigned.clone(),
                    self.assigned.iter().map(own).collect(),
                )
            }
            Behaviour::Missing => return Err(tonic::Status::not_found("blob not stored here")),
        };
        Ok(tonic::Response::new(GetChunksReply {
            chunk_indices,
            frames,
        }))
    }

    async fn get_blob_certificate(
        &self,
        _: tonic::Request<GetBlobCertificateRequest>,
    ) -> Result<tonic::Response<GetBlobCertificateReply>, tonic::Status> {
        Err(tonic::Status::unimplemented("not needed by the retriever"))
    }

    async fn get_node_info(
        &self,
        _: tonic::Request<GetNodeInfoRequest>,
    ) -> Result<tonic::Response<GetNodeInfoReply>, tonic::Status> {
        Err(tonic::Status::unimplemented("not needed by the retriever"))
    }
}

/// Test nodes on loopback, stopped when dropped.
struct Network {
    candidates: Vec<Candidate>,
    stop: CancellationToken,
    /// Ports of down nodes: bound but never listening, so connections are refused
    /// and no other test's server can take the port while this network lives.
    _dead: Vec<TcpSocket>,
}

impl Drop for Network {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn op(i: usize) -> OperatorId {
    OperatorId([i as u8 + 1; 32])
}

/// Starts one node per entry of `behaviours` (`None`: down, nothing listens), with
/// `stakes` and the chunk assignment at those stakes.
async fn network(
    fx: &Fixture,
    params: BlobParams,
    stakes: &[u128],
    behaviours: Vec<Option<Behaviour>>,
) -> Network {
    let state = QuorumOperators::new(
        0,
        stakes.iter().enumerate().map(|(i, &stake)| OperatorStake {
            operator_id: op(i),
            stake,
        }),
    )
    .expect("valid quorum");
    let assigned: BTreeMap<OperatorId, Vec<u32>> = candidates_from_state(&params, &[state], 0)
        .expect("assignment")
        .into_iter()
        .collect();
    let stop = CancellationToken::new();
    let mut candidates = Vec::new();
    let mut dead = Vec::new();
    for (i, behaviour) in behaviours.into_iter().enumerate() {
        let indices = assigned[&op(i)].clone();
        let socket = match behaviour {
            None => {
                let closed = TcpSocket::new_v4().expect("socket");
                closed
                    .bind("127.0.0.1:0".parse().expect("addr"))
                    .expect("binds");
                let socket = closed.local_addr().expect("bound").to_string();
                dead.push(closed);
                socket
            }
            Some(behaviour) => {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
                let socket = listener.local_addr().expect("bound").to_string();
                let node = TestNode {
                    blob_key: fx.header.blob_key().0,
                    assigned: indices.clone(),
                    frames: fx.frames.clone(),
                    behaviour,
                };
                let stop = stop.clone();
                tokio::spawn(async move {
                    tonic::transport::Server::builder()
                        .add_service(RetrievalServer::new(node))
                        .serve_with_incoming_shutdown(
                            TcpListenerStream::new(listener),
                            stop.cancelled_owned(),
                        )
                        .await
                });
                socket
            }
        };
        candidates.push(Candidate {
            operator_id: op(i),
            socket: Some(socket),
            assigned: indices,
        });
    }
    Network {
        candidates,
        stop,
        _dead: dead,
    }
}

fn fast_options() -> RetrievalOptions {
    RetrievalOptions {
        operator_timeout_ms: 2_000,
        hedge_after_ms: 200,
        ..RetrievalOptions::default()
    }
}

/// 64 chunks at rate 2: 32 distinct chunks rebuild a blob, and an operator of four
/// at equal stake holds 14, so three honest operators are the minimum.
const RATE_2: BlobParams = BlobParams {
    num_chunks: 64,
    coding_rate: 2,
    max_num_operators: 8,
};

#[test]
fn candidates_follow_the_stake_assignment() {
    let state = QuorumOperators::new(
        0,
        [(0, 3u128), (1, 1), (2, 4)].map(|(i, stake)| OperatorStake {
            operator_id: op(i),
            stake,
        }),
    )
    .expect("valid");
    let got = candidates_from_state(&BlobParams::V1_DEVNET, std::slice::from_ref(&state), 0)
        .expect("assigns");
    let expected = lamina_core::assign_blob(&BlobParams::V1_DEVNET, &[state]).expect("assigns");
    assert_eq!(got.len(), 3);
    for (id, indices) in got {
        assert_eq!(indices, expected[&id].indices, "operator {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn honest_operators_round_trip_and_only_enough_are_asked() {
    let fx = fixture(1, 3000, BlobParams::V1_DEVNET);
    let net = network(
        &fx,
        BlobParams::V1_DEVNET,
        &[1, 1, 1, 1],
        vec![Some(Behaviour::Honest); 4],
    )
    .await;
    // No hedging here: on a loaded machine a hedge would fire and ask a third operator,
    // and this test is about how many the plan asks, not about timing.
    let patient = RetrievalOptions {
        operator_timeout_ms: 60_000,
        hedge_after_ms: 60_000,
        ..RetrievalOptions::default()
    };
    let rebuilder = Rebuilder::new(Arc::clone(&fx.srs), patient);
    let got = rebuilder
        .rebuild(&fx.header, BlobParams::V1_DEVNET, 0, net.candidates.clone())
        .await
        .expect("retrieves");
    assert_eq!(got.payload, fx.payload);
    let r = &got.report;
    assert_eq!(r.chunks_needed, 8);
    assert!(r.chunks_got >= 8);
    assert_eq!(r.faulty().count(), 0, "{r}");
    // One operator holds 14 chunks: it alone covers the blob; one spare is asked too.
    let asked = r
        .operators
        .iter()
        .filter(|o| o.state != OperatorState::NotAsked)
        .count();
    assert_eq!(asked, 2, "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_whose_length_proof_fails_is_refused_before_any_operator_is_asked() {
    let fx = fixture(7, 3000, BlobParams::V1_DEVNET);
    let other = fixture(8, 9000, BlobParams::V1_DEVNET);
    // Every operator down: asking any first would end in NotEnoughChunks instead.
    let net = network(&fx, BlobParams::V1_DEVNET, &[1, 1, 1, 1], vec![None; 4]).await;
    let rebuilder = Rebuilder::new(Arc::clone(&fx.srs), fast_options());
    let mut forged = fx.header.clone();
    forged.commitment.length_proof = other.header.commitment.length_proof;
    let err = rebuilder
        .rebuild(&forged, BlobParams::V1_DEVNET, 0, net.candidates.clone())
        .await
        .expect_err("the proof does not hold");
    assert!(
        matches!(
            err,
            RetrieverError::BadCommitment {
                source: lamina_encoding::KzgError::InvalidLengthProof { .. },
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        tonic::Status::from(err).code(),
        tonic::Code::InvalidArgument
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liars_and_dead_nodes_are_skipped_and_named() {
    let fx = fixture(2, 5000, BlobParams::V1_DEVNET);
    let other = fixture(3, 5000, BlobParams::V1_DEVNET);
    // Equal stakes: asked in id order, so every bad node is met before the honest one.
    let net = network(
        &fx,
        BlobParams::V1_DEVNET,
        &[1, 1, 1, 1],
        vec![
            Some(Behaviour::Corrupt),
            Some(Behaviour::Foreign(other.frames.clone())),
            None,
            Some(Behaviour::Honest),
        ],
    )
    .await;
    let rebuilder = Rebuilder::new(Arc::clone(&fx.srs), fast_options());
    let got = rebuilder
        .rebuild(&fx.header, BlobParams::V1_DEVNET, 0, net.candidates.clone())
        .await
        .expect("the honest node suffices");
    assert_eq!(got.payload, fx.payload);
    let by_id = |i: usize| {
        got.report
            .operators
            .iter()
            .find(|o| o.operator_id == op(i))
            .expect("reported")
    };
    let labels =
        |i: usize| -> Vec<&str> { by_id(i).faults.iter().map(OperatorFault::label).collect() };
    assert_eq!(labels(0), vec!["invalid_frames"]);
    assert_eq!(by_id(0).accepted, 0);
    assert!(
        matches!(&by_id(0).faults[0], OperatorFault::InvalidFrames { indices } if indices.len() == by_id(0).assigned),
        "every corrupted frame is named"
    );
    assert_eq!(labels(1), vec!["invalid_frames"]);
    assert_eq!(labels(2), vec!["unreachable"]);
    assert!(labels(3).is_empty());
    assert_eq!(by_id(3).accepted, by_id(3).assigned);
    assert_eq!(got.report.misbehaving().count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_frames_for_another_operators_chunks_are_not_accepted() {
    let fx = fixture(4, 2000, RATE_2);
    let probe = network(&fx, RATE_2, &[1, 1, 1, 1], vec![None; 4]).await;
    let theirs = probe.candidates[1].assigned.clone();
    drop(probe);
    // Operator 0 serves operator 1's (valid) frames; 1, 2, 3 are honest, and 3 is
    // slow. All four are asked at once and the three honest ones are the minimum,
    // so the thief's answer is always judged before the blob is complete: without
    // the slow one, the honest answers could complete it first and leave the
    // thief's request cancelled.
    let net = network(
        &fx,
        RATE_2,
        &[1, 1, 1, 1],
        vec![
            Some(Behaviour::Steal(theirs.clone())),
            Some(Behaviour::Honest),
            Some(Behaviour::Honest),
            Some(Behaviour::Slow(Duration::from_secs(3))),
        ],
    )
    .await;
    let options = RetrievalOptions {
        extra_requests: 4,
        operator_timeout_ms: 10_000,
        ..fast_options()
    };
    let rebuilder = Rebuilder::new(Arc::clone(&fx.srs), options);
    let got = rebuilder
        .rebuild(&fx.header, RATE_2, 0, net.candidates.clone())
        .await
        .expect("three honest operators suffice");
    assert_eq!(got.payload, fx.payload);
    let thief = &got.report.operators[0];
    assert_eq!(thief.operator_id, op(0));
    assert_eq!(thief.accepted, 0);
    assert_eq!(
        thief.faults,
        vec![OperatorFault::UnassignedIndices { indices: theirs }]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn minimum_honest_operators_rebuild_and_one_fewer_fails_with_a_precise_error() {
    let fx = fixture(5, 4000, RATE_2);
    let rebuilder = Rebuilder::new(Arc::clone(&fx.srs), fast_options());
    // Three honest of four: 42 chunks >= 32 needed.
    let net = network(
        &fx,
        RATE_2,
        &[1, 1, 1, 1],
        vec![
            Some(Behaviour::Garbage),
            Some(Behaviour::Honest),
            Some(Behaviour::Honest),
            Some(Behaviour::Honest),
        ],
    )
    .await;
    let got = rebuilder
        .rebuild(&fx.header, RATE_2, 0, net.candidates.clone())
        .await
        .expect("three honest operators suffice");
    assert_eq!(got.payload, fx.payload);
    assert_eq!(
        got.report
            .operators
            .iter()
            .filter(|o| o.accepted > 0)
            .count(),
        3
    );
    drop(net);

    // Two honest: 28 chunks < 32.
    let net = network(
        &fx,
        RATE_2,
        &[1, 1, 1, 1],
        vec![
            Some(Behaviour::Missing),
            Some(Behaviour::Honest),
            None,
            Some(Behaviour::Honest),
        ],
    )
    .await;
    let err = rebuilder
        .rebuild(&fx.header, RATE_2, 0, net.candidates.clone())
        .await
        .expect_err("two honest operators are too few");
    let RetrieverError::NotEnoughChunks {
        report,
        quorum,
        blob_key,
    } = &err
    else {
        panic!("unexpected error {err}");
    };
    assert_eq!(*blob_key, fx.header.blob_key());
    assert_eq!(*quorum, 0);
    assert_eq!((report.chunks_got, report.chunks_needed), (28, 32));
    assert_eq!(report.faulty().count(), 2);
    let message = err.to_string();
    assert!(message.contains("got 28 of 32 chunks needed"), "{message}");
    assert!(
        message.contains(&op(0).to_string()) && message.contains("NotFound"),
        "{message}"
    );
    assert!(
        message.contains(&op(2).to_string()) && message.contains("unreachable"),
        "{message}"
    );
    assert!(
        !message.contains(&op(1).to_string()),
        "honest operators are not blamed: {message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_operator_is_hedged_then_ranked_last() {
    let fx = fixture(6, 1000, BlobParams::V1_DEVNET);
    let net = network(
        &fx,
        BlobParams::V1_DEVNET,
        &[1, 1, 1, 1],
        vec![
            Some(Behaviour::Slow(Duration::from_secs(30))),
            Some(Behaviour::Honest),
            Some(Behaviour::Honest),
            Some(Behaviour::Honest),
        ],
    )
    .await;
    // No spare: only the hedge can get past the slow first operator.
    let options = RetrievalOptions {
        extra_requests: 0,
        hedge_after_ms: 100,
        operator_timeout_ms: 60_000,
        ..RetrievalOptions::default()
    };
    let rebuilder = Rebuilder::new(Arc::clone(&fx.srs), options);
    let got = rebuilder
        .rebuild(&fx.header, BlobParams::V1_DEVNET, 0, net.candidates.clone())
        .await
        .expect("hedged past the slow node");
    assert_eq!(got.payload, fx.payload);
    assert_eq!(got.report.operators[0].operator_id, op(0));
    assert_eq!(got.report.operators[0].state, OperatorState::Cancelled);
    // Which honest operators answered before the blob was complete depends on the
    // machine's load (a busy one can be hedged past too); what the hedge guarantees
    // is that the slow one was never waited for and that the rest rebuilt the blob.
    assert!(
        got.report.operators[1..].iter().all(|o| matches!(
            o.state,
            OperatorState::Answered | OperatorState::Cancelled | OperatorState::NotAsked
        ) && o.faults.is_empty()),
        "{}",
        got.report
    );
    assert!(
        got.report.operators[1..]
            .iter()
            .any(|o| o.state == OperatorState::Answered)
    );

    // Measured operators are ranked by answer time; the never-answering one is
    // unmeasured and still first, so time it out once to push it down.
    let strict = Rebuilder::new(
        Arc::clone(&fx.srs),
        RetrievalOptions {
            extra_requests: 0,
            // Long enough that a loaded machine's honest operators are not timed out.
            operator_timeout_ms: 1_000,
            hedge_after_ms: 10_000,
            ..RetrievalOptions::default()
        },
    );
    let first = strict
        .rebuild(&fx.header, BlobParams::V1_DEVNET, 0, net.candidates.clone())
        .await
        .expect("retrieves after the timeout");
    assert_eq!(
        first.report.operators[0].faults,
        vec![OperatorFault::Timeout { after_ms: 1_000 }]
    );
    let second = strict
        .rebuild(&fx.header, BlobParams::V1_DEVNET, 0, net.candidates.clone())
        .await
        .expect("retrieves");
    assert_eq!(
        second.report.operators.last().map(|o| o.operator_id),
        Some(op(0))
    );
    assert!(second.report.faulty().next().is_none(), "{}", second.report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_without_socket_or_with_a_bad_one_is_reported() {
    let fx = fixture(7, 500, BlobParams::V1_DEVNET);
    let mut net = network(
        &fx,
        BlobParams::V1_DEVNET,
        &[1, 1, 1, 1],
        vec![None, None, None, Some(Behaviour::Honest)],
    )
    .await;
    net.candidates[0].socket = None;
    net.candidates[1].socket = Some("not a socket/!".to_owned());
    let rebuilder = Rebuilder::new(Arc::clone(&fx.srs), fast_options());
    let got = rebuilder
        .rebuild(&fx.header, BlobParams::V1_DEVNET, 0, net.candidates.clone())
        .await
        .expect("the last node suffices");
    assert_eq!(got.payload, fx.payload);
    let labels: Vec<Vec<&str>> = got
        .report
        .operators
        .iter()
        .map(|o| o.faults.iter().map(OperatorFault::label).collect())
        .collect();
    assert_eq!(
        labels,
        vec![
            vec!["no_socket"],
            vec!["bad_socket"],
            vec!["unreachable"],
            vec![]
        ]
    );
}

/// Blobs are certified as opaque field elements: the rebuilt blob is exactly the
/// committed one, padding included (not re-encoded at minimal length), and a blob
/// that is not a valid payload encoding is the typed `Payload` error, answered
/// FAILED_PRECONDITION with its reason (not DATA_LOSS: nothing was lost).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_come_back_as_committed_and_undecodable_ones_are_a_typed_error() {
    use ark_bn254::Fr;
    use lamina_encoding::CodecError;

    let payload = b"over-padded: four times the minimal length".to_vec();
    let mut coeffs = Blob::from_payload(&payload).expect("encodes").into_coeffs();
    let minimal = coeffs.len();
    coeffs.resize(minimal * 4, Fr::from(0u64));
    let padded = Blob::from_coeffs(coeffs).expect("power of two");
    let mut bad_bytes = Blob::from_payload(b"version 5 is not a codec")
        .expect("encodes")
        .to_bytes();
    bad_bytes[1] = 5;
    let bad = Blob::from_bytes(&bad_bytes).expect("canonical symbols");

    for (seed, blob, expected) in [
        (20, padded, Ok(payload)),
        (21, bad, Err(CodecError::UnsupportedVersion { version: 5 })),
    ] {
        let fx = fixture_of(
            seed,
            blob.clone(),
            expected.clone().unwrap_or_default(),
            BlobParams::V1_DEVNET,
        );
        let net = network(
            &fx,
            BlobParams::V1_DEVNET,
            &[1, 1, 1, 1],
            vec![Some(Behaviour::Honest); 4],
        )
        .await;
        let rebuilder = Rebuilder::new(Arc::clone(&fx.srs), fast_options());
        let got = rebuilder
            .rebuild_blob(&fx.header, BlobParams::V1_DEVNET, 0, net.candidates.clone())
            .await
            .expect("the blob is rebuilt whatever it encodes");
        assert_eq!(got.blob, blob, "seed {seed}: the committed blob, as is");
        assert_eq!(got.blob.len_symbols() as u32, fx.header.commitment.length);
        let decoded = rebuilder
            .rebuild(&fx.header, BlobParams::V1_DEVNET, 0, net.candidates.clone())
            .await;
        match (&expected, decoded) {
            (Ok(payload), Ok(got)) => assert_eq!(&got.payload, payload),
            (Err(codec), Err(e)) => {
                let RetrieverError::Payload { source, blob_key } = &e else {
                    panic!("seed {seed}: unexpected error {e}");
                };
                assert_eq!((source, *blob_key), (codec, fx.header.blob_key()));
                assert_eq!(
                    crate::decode_payload(fx.header.blob_key(), &blob).map_err(|e| e.to_string()),
                    Err(e.to_string()),
                    "one decoding rule"
                );
                let status = tonic::Status::from(e);
                assert_eq!(status.code(), tonic::Code::FailedPrecondition, "{status}");
                assert_eq!(
                    status
                        .metadata()
                        .get(lamina_proto::ERROR_REASON_METADATA)
                        .and_then(|v| v.to_str().ok()),
                    Some(lamina_proto::REASON_PAYLOAD_UNDECODABLE)
                );
                assert!(status.message().contains("version 5"), "{status}");
            }
            (expected, got) => panic!("seed {seed}: expected {expected:?}, got {got:?}"),
        }
    }
}
