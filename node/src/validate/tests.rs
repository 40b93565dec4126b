use std::sync::{Arc, OnceLock};

use lamina_core::{OperatorStake, QuorumOperators};
use lamina_encoding::Encoder;

use super::*;
use crate::testing::{BlobSpec, EncodedBlob, encode_blob, parsed_batch};

const PARAMS: BlobParams = BlobParams::V1_DEVNET;

fn encoder() -> &'static Encoder {
    static ENCODER: OnceLock<Encoder> = OnceLock::new();
    ENCODER.get_or_init(|| Encoder::new(Arc::new(Srs::insecure_development(7, 1024))))
}

fn op(n: u8) -> OperatorId {
    OperatorId([n; 32])
}

/// Quorums 0 and 1 with operators 1 (10%), 2 (30%), 3 (60%); quorum 2 has only operator 3.
fn states() -> Vec<QuorumOperators> {
    let stakes = [(1u8, 10u128), (2, 30), (3, 60)];
    let mut out: Vec<QuorumOperators> = (0..2)
        .map(|q| {
            QuorumOperators::new(
                q,
                stakes.iter().map(|&(o, stake)| OperatorStake {
                    operator_id: op(o),
                    stake,
                }),
            )
            .expect("valid quorum")
        })
        .collect();
    out.push(
        QuorumOperators::new(
            2,
            [OperatorStake {
                operator_id: op(3),
                stake: 5,
            }],
        )
        .expect("valid quorum"),
    );
    out
}

fn blobs(quorums: &[&[QuorumId]]) -> Vec<EncodedBlob> {
    quorums
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let payload: Vec<u8> = (0..3000u32).map(|b| (b as u8) ^ (i as u8)).collect();
            encode_blob(
                encoder(),
                PARAMS,
                &BlobSpec {
                    version: 1,
                    quorums: q.to_vec(),
                    nonce: i as i64,
                    account_id: alloy_primitives::Address::repeat_byte(0x11),
                    signature: vec![0x1b; 65],
                },
                &payload,
            )
            .expect("encodes")
        })
        .collect()
}

fn context(operator: OperatorId) -> BatchContext {
    let all = states();
    let mut states_by_set = HashMap::new();
    for set in [vec![0u8, 1], vec![0], vec![1], vec![2], vec![0, 2]] {
        let s: Vec<QuorumOperators> = all
            .iter()
            .filter(|q| set.contains(&q.quorum()))
            .cloned()
            .collect();
        states_by_set.insert(set, Arc::new(s));
    }
    BatchContext {
        operator,
        quorum_count: 3,
        params: HashMap::from([(1u16, PARAMS)]),
        states: states_by_set,
        registry: all
            .iter()
            .map(|s| (s.quorum(), QuorumRegistry::consistent_with(s, &operator)))
            .collect(),
        max_blob_symbols: 1 << 16,
    }
}

fn batch_for(operator: OperatorId, blobs: &[EncodedBlob]) -> ParsedBatch {
    parsed_batch(blobs, &PARAMS, &states(), &operator, 10).expect("batch")
}

fn srs() -> &'static Srs {
    encoder().srs()
}

#[test]
fn a_good_batch_passes_and_plans_every_quorum_of_the_operator() {
    let blobs = blobs(&[&[0, 1], &[0], &[2]]);
    let batch = batch_for(op(1), &blobs);
    check_structure(&batch).expect("structure");
    let validated = validate_batch(&context(op(1)), srs(), &batch).expect("valid");
    assert_eq!(validated.header_hash, batch.header.hash());
    assert_eq!(validated.plans[0].quorums, vec![0, 1]);
    assert_eq!(validated.plans[1].quorums, vec![0]);
    // Operator 1 is not in quorum 2: nothing to hold for blob 2.
    assert_eq!(validated.plans[2].quorums, Vec::<QuorumId>::new());
    assert_eq!(validated.plans[2].entry, None);
    let expected: u64 = batch.blobs[..2]
        .iter()
        .map(|e| e[0].frames.iter().map(|f| f.len() as u64).sum::<u64>())
        .sum();
    assert_eq!(validated.frame_bytes, expected);
}

#[test]
fn a_flipped_frame_byte_is_named() {
    let blobs = blobs(&[&[0, 1], &[0, 1]]);
    let mut batch = batch_for(op(2), &blobs);
    let chunk = batch.blobs[1][0].indices[1];
    let frame = &mut batch.blobs[1][0].frames[1];
    // Last byte of the last coefficient: stays canonical, breaks the opening.
    let last = frame.len() - 1;
    frame[last] ^= 1;
    let err = validate_batch(&context(op(2)), srs(), &batch).expect_err("bad frame");
    match &err {
        ValidationError::InvalidFrames { frames } => {
            assert_eq!(
                frames,
                &vec![(1, blobs[1].certificate.blob_header.blob_key(), chunk)]
            );
        }
        other => panic!("unexpected {other}"),
    }
    assert!(err.to_string().contains(&format!("chunk {chunk}")), "{err}");
}

#[test]
fn another_operators_indices_are_refused() {
    let blobs = blobs(&[&[0, 1]]);
    let mut batch = batch_for(op(1), &blobs);
    // Operator 2's frames, sent to operator 1.
    batch.blobs = batch_for(op(2), &blobs).blobs;
    let err = validate_batch(&context(op(1)), srs(), &batch).expect_err("wrong indices");
    assert!(
        matches!(
            err,
            ValidationError::WrongIndices {
                index: 0,
                quorum: 0,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_wrong_root_or_count_fails_the_structure_check() {
    let blobs = blobs(&[&[0, 1], &[0]]);
    let mut batch = batch_for(op(1), &blobs);
    batch.header.batch_root = B256::repeat_byte(7);
    assert!(matches!(
        check_structure(&batch),
        Err(ValidationError::BatchRootMismatch { .. })
    ));
    let mut batch = batch_for(op(1), &blobs);
    batch.blobs.pop();
    assert!(matches!(
        check_structure(&batch),
        Err(ValidationError::BlobCountMismatch {
            certificates: 2,
            blobs: 1
        })
    ));
}

#[test]
fn unknown_versions_and_quorums_are_refused() {
    let mut blobs = blobs(&[&[0, 1]]);
    blobs[0].certificate.blob_header.version = 9;
    let batch = batch_for(op(1), &blobs);
    assert!(matches!(
        validate_batch(&context(op(1)), srs(), &batch),
        Err(ValidationError::UnknownVersion { version: 9, .. })
    ));
    let mut ctx = context(op(1));
    ctx.quorum_count = 1;
    blobs[0].certificate.blob_header.version = 1;
    let batch = batch_for(op(1), &blobs);
    let err = validate_batch(&ctx, srs(), &batch).expect_err("quorum 1 missing");
    assert!(matches!(err, ValidationError::BadQuorums { .. }), "{err}");
}

#[test]
fn a_bad_length_proof_is_refused() {
    let mut blobs = blobs(&[&[0, 1], &[0, 1]]);
    let other = blobs[1].certificate.blob_header.commitment.length_proof;
    blobs[0].certificate.blob_header.commitment.length_proof = other;
    let batch = batch_for(op(1), &blobs);
    let err = validate_batch(&context(op(1)), srs(), &batch).expect_err("bad proof");
    assert!(
        matches!(err, ValidationError::LengthProof { index: 0, .. }),
        "{err}"
    );
}

#[test]
fn frames_for_a_quorum_the_operator_is_not_in_or_missing_frames_are_refused() {
    let blobs = blobs(&[&[0, 1], &[2]]);
    let mut batch = batch_for(op(1), &blobs);
    // Send operator 1 frames for blob 1 (quorum 2 only, operator 1 not in it).
    batch.blobs[1] = batch.blobs[0].clone();
    let err = validate_batch(&context(op(1)), srs(), &batch).expect_err("not assigned");
    assert!(
        matches!(err, ValidationError::WrongQuorumFrames { index: 1, .. }),
        "{err}"
    );
    let mut batch = batch_for(op(1), &blobs);
    batch.blobs[0].clear();
    let err = validate_batch(&context(op(1)), srs(), &batch).expect_err("missing");
    assert!(
        matches!(err, ValidationError::WrongQuorumFrames { index: 0, .. }),
        "{err}"
    );
}

#[test]
fn the_same_frames_may_be_named_for_each_quorum_but_must_match() {
    let blobs = blobs(&[&[0, 1]]);
    let mut batch = batch_for(op(3), &blobs);
    let mut second = batch.blobs[0][0].clone();
    second.quorum = 1;
    batch.blobs[0].push(second.clone());
    validate_batch(&context(op(3)), srs(), &batch).expect("both quorums named, same frames");
    let frame = &mut batch.blobs[0][1].frames[0];
    frame[40] ^= 1;
    let err = validate_batch(&context(op(3)), srs(), &batch).expect_err("differs");
    assert!(
        matches!(err, ValidationError::WrongQuorumFrames { quorum: 1, .. }),
        "{err}"
    );
}

#[test]
fn stake_without_chunks_is_refused_not_signed() {
    // Parameters under which stake earns no chunk: num_chunks == max_num_operators
    // leaves nothing to share out, so every operator's assignment is empty.
    let starved = BlobParams {
        max_num_operators: PARAMS.num_chunks,
        ..PARAMS
    };
    let both = blobs(&[&[0, 1]]);
    let mut batch = batch_for(op(1), &both);
    for entries in &mut batch.blobs {
        entries.clear();
    }
    let mut ctx = context(op(1));
    ctx.params.insert(1, starved);
    let err = validate_batch(&ctx, srs(), &batch).expect_err("stake but no chunks");
    assert!(
        matches!(
            &err,
            ValidationError::NoChunksAssigned { index: 0, quorums, .. } if quorums == &vec![0, 1]
        ),
        "{err}"
    );
    let status = tonic::Status::from(crate::NodeError::from(err));
    assert_eq!(status.code(), tonic::Code::FailedPrecondition);
    assert!(status.message().contains("refusing to sign"), "{status:?}");

    // An operator with no stake in the blob's quorums still passes with nothing held.
    let batch = batch_for(op(1), &blobs(&[&[2]]));
    let validated = validate_batch(&context(op(1)), srs(), &batch).expect("nothing to hold");
    assert_eq!(validated.plans[0].entry, None);
}

#[test]
fn an_operator_state_that_disagrees_with_the_registries_is_refused() {
    let blobs = blobs(&[&[0, 1]]);
    let batch = batch_for(op(1), &blobs);
    let inconsistent = |edit: &dyn Fn(&mut QuorumRegistry)| {
        let mut ctx = context(op(1));
        if let Some(record) = ctx.registry.get_mut(&1) {
            edit(record);
        }
        let err = validate_batch(&ctx, srs(), &batch).expect_err("inconsistent");
        assert!(
            matches!(
                err,
                ValidationError::InconsistentOperatorState { quorum: 1, .. }
            ),
            "{err}"
        );
        assert_eq!(
            tonic::Status::from(crate::NodeError::from(err)).code(),
            tonic::Code::FailedPrecondition
        );
    };
    // Someone with stake is missing from the list: the total does not add up.
    inconsistent(&|r| r.total_stake += 7);
    // This operator's stake differs from the StakeRegistry's.
    inconsistent(&|r| r.operator_stake += 1);
    // Listed but not registered.
    inconsistent(&|r| r.operator_registered = false);

    // Registered (with stake) but absent from the list: the state read dropped this
    // operator, so the assignment would come out empty.
    let mut ctx = context(op(4));
    ctx.registry.insert(
        0,
        QuorumRegistry {
            quorum: 0,
            total_stake: 100,
            operator_stake: 0,
            operator_registered: true,
        },
    );
    let batch = batch_for(op(4), &blobs);
    let err = validate_batch(&ctx, srs(), &batch).expect_err("registered but absent");
    assert!(
        matches!(
            err,
            ValidationError::InconsistentOperatorState { quorum: 0, .. }
        ),
        "{err}"
    );

    // No registry record at all for a quorum of the batch.
    let mut ctx = context(op(1));
    ctx.registry.remove(&0);
    let err = validate_batch(&ctx, srs(), &batch_for(op(1), &blobs)).expect_err("no record");
    assert!(
        matches!(
            err,
            ValidationError::InconsistentOperatorState { quorum: 0, .. }
        ),
        "{err}"
    );
}
