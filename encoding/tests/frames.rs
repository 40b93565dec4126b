//! End-to-end properties of frames: encode → verify → decode on random blobs
//! of many sizes and shapes, against an insecure in-memory SRS.

use std::sync::{Arc, OnceLock};

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use lamina_encoding::{
    BlobFrames, BlobParams, DecodeError, Encoder, EncodingParams, Frame, FrameId, Srs, VerifyError,
    decode, decode_checked, verify_frame, verify_frames,
};
use proptest::prelude::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

const SRS_POINTS: usize = 256;

fn encoder() -> &'static Encoder {
    static ENCODER: OnceLock<Encoder> = OnceLock::new();
    ENCODER.get_or_init(|| Encoder::new(Arc::new(Srs::insecure_development(7, SRS_POINTS))))
}

fn commit(coeffs: &[Fr]) -> G1Affine {
    G1Projective::msm_unchecked(&encoder().srs().g1()[..coeffs.len()], coeffs).into_affine()
}

/// A random blob of `2^log_len` symbols and valid params with `coding_rate <= num_chunks`.
fn case(
    seed: u64,
    log_len: u32,
    log_chunks: u32,
    log_rate: u32,
) -> (Vec<Fr>, BlobParams, EncodingParams) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let coeffs: Vec<Fr> = (0..1usize << log_len).map(|_| Fr::rand(&mut rng)).collect();
    let num_chunks = 1u32 << log_chunks;
    let coding_rate = 1u32 << log_rate.min(log_chunks);
    let params = BlobParams {
        num_chunks,
        coding_rate,
        max_num_operators: 1,
    };
    let shape = params
        .encoding_params(coeffs.len() as u64)
        .expect("valid params");
    (coeffs, params, shape)
}

fn indexed(frames: Vec<Frame>) -> Vec<(u32, Frame)> {
    frames
        .into_iter()
        .enumerate()
        .map(|(i, f)| (i as u32, f))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Every frame verifies alone and in one batch; a random subset of exactly
    /// the minimum number of chunks (shuffled, with duplicates) decodes to the blob.
    #[test]
    fn encode_verify_decode(seed in any::<u64>(), log_len in 0u32..7, log_chunks in 1u32..7, log_rate in 1u32..4) {
        let (coeffs, params, shape) = case(seed, log_len, log_chunks, log_rate);
        let commitment = commit(&coeffs);
        let frames = indexed(encoder().encode_coeffs(&coeffs, params).expect("encode"));
        prop_assert_eq!(frames.len() as u64, shape.num_chunks);
        for (i, f) in &frames {
            prop_assert_eq!(f.coeffs.len() as u64, shape.chunk_length);
            prop_assert!(verify_frame(encoder().srs(), &commitment, *i, f, shape).is_ok(), "frame {} of {:?}", i, shape);
        }
        let batch = [BlobFrames { commitment, params: shape, frames: &frames }];
        prop_assert_eq!(verify_frames(encoder().srs(), &batch), Ok(()));

        let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0x5eed);
        let need = shape.min_chunks(coeffs.len() as u64) as usize;
        let mut subset: Vec<(u32, Frame)> = frames.choose_multiple(&mut rng, need).cloned().collect();
        if let Some(dup) = subset.first().cloned() {
            subset.push(dup);
        }
        subset.shuffle(&mut rng);
        let decoded = decode_checked(encoder().srs(), &commitment, &subset, shape, coeffs.len() as u64);
        prop_assert_eq!(decoded, Ok(coeffs.clone()));
        prop_assert_eq!(decode(&frames, shape, coeffs.len() as u64), Ok(coeffs.clone()));

        // One chunk too few is a typed error, when the minimum is above one chunk.
        if need > 1 {
            let short: Vec<(u32, Frame)> = frames.choose_multiple(&mut rng, need - 1).cloned().collect();
            let err = decode(&short, shape, coeffs.len() as u64);
            prop_assert!(matches!(err, Err(DecodeError::TooFewChunks { .. })), "{:?}", err);
        }
    }

    /// Any flipped bit in a frame's bytes, a wrong commitment or a wrong index
    /// fails verification; the batch names the bad frame.
    #[test]
    fn tampering_fails(seed in any::<u64>(), log_len in 1u32..6, log_chunks in 1u32..6, byte in any::<usize>(), bit in 0u8..8) {
        let (coeffs, params, shape) = case(seed, log_len, log_chunks, 1);
        let commitment = commit(&coeffs);
        let frames = indexed(encoder().encode_coeffs(&coeffs, params).expect("encode"));
        let srs = encoder().srs();
        let target = (seed % frames.len() as u64) as usize;
        let (index, frame) = &frames[target];

        let mut bytes = frame.to_bytes();
        let pos = byte % bytes.len();
        bytes[pos] ^= 1 << bit;
        if let Ok(tampered) = Frame::from_bytes(&bytes) {
            prop_assert!(verify_frame(srs, &commitment, *index, &tampered, shape).is_err(), "byte {} bit {}", pos, bit);
            let mut batch_frames = frames.clone();
            batch_frames[target].1 = tampered;
            let batch = [BlobFrames { commitment, params: shape, frames: &batch_frames }];
            prop_assert_eq!(
                verify_frames(srs, &batch),
                Err(VerifyError::InvalidFrames { bad: vec![FrameId { blob: 0, index: *index }] })
            );
        }

        let wrong_commitment = commit(&coeffs[1..]);
        prop_assert!(verify_frame(srs, &wrong_commitment, *index, frame, shape).is_err());
        // A chunk at least as long as the blob is the whole polynomial, the
        // same for every coset; below that, another coset's index must fail.
        if shape.chunk_length < coeffs.len() as u64 {
            let wrong_index = (*index + 1) % shape.num_chunks as u32;
            prop_assert!(verify_frame(srs, &commitment, wrong_index, frame, shape).is_err());
        }
    }
}

#[test]
fn batch_over_many_blobs_names_the_bad_frame() {
    let mut blobs = Vec::new();
    for (seed, log_len, log_chunks, log_rate) in
        [(1u64, 4u32, 4u32, 1u32), (2, 5, 3, 2), (3, 3, 5, 3)]
    {
        let (coeffs, params, shape) = case(seed, log_len, log_chunks, log_rate);
        let frames = indexed(encoder().encode_coeffs(&coeffs, params).expect("encode"));
        blobs.push((commit(&coeffs), shape, frames));
    }
    let srs = encoder().srs();
    let batch: Vec<BlobFrames<'_>> = blobs
        .iter()
        .map(|(c, s, f)| BlobFrames {
            commitment: *c,
            params: *s,
            frames: f,
        })
        .collect();
    assert_eq!(verify_frames(srs, &batch), Ok(()));

    // Shift the proofs of two frames of blob 1. (Swapping proofs is no test
    // here: with blob_len / chunk_length = 2 every coset has the same proof.)
    let mut bad = blobs[1].2.clone();
    for k in [0, 3] {
        bad[k].1.proof = (bad[k].1.proof + G1Affine::generator()).into_affine();
    }
    let mut batch = batch;
    batch[1].frames = &bad;
    let err = verify_frames(srs, &batch);
    assert_eq!(
        err,
        Err(VerifyError::InvalidFrames {
            bad: vec![FrameId { blob: 1, index: 0 }, FrameId { blob: 1, index: 3 }]
        })
    );
}

#[test]
fn decode_rejects_inconsistent_frames_and_wrong_commitment() {
    let (coeffs, params, shape) = case(9, 4, 4, 1);
    let commitment = commit(&coeffs);
    let mut frames = indexed(encoder().encode_coeffs(&coeffs, params).expect("encode"));
    let srs = encoder().srs();
    // All chunks with one coefficient corrupted: the decoded polynomial has
    // a tail beyond the blob, or at least misses the commitment.
    frames[2].1.coeffs[0] += Fr::from(1u64);
    let err = decode_checked(srs, &commitment, &frames, shape, coeffs.len() as u64);
    assert!(
        matches!(err, Err(DecodeError::Inconsistent { .. })),
        "{err:?}"
    );
    // Exactly the minimum chunks, one corrupted: decodes to another blob,
    // which the commitment check rejects.
    let need = shape.min_chunks(coeffs.len() as u64) as usize;
    let subset: Vec<(u32, Frame)> = frames[2..2 + need].to_vec();
    let err = decode_checked(srs, &commitment, &subset, shape, coeffs.len() as u64);
    assert_eq!(err, Err(DecodeError::CommitmentMismatch));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let bad_index = frames.len() as u32 + rng.gen_range(0..4);
    let err = decode(
        &[(bad_index, frames[0].1.clone())],
        shape,
        coeffs.len() as u64,
    );
    assert!(matches!(err, Err(DecodeError::ChunkIndexOutOfRange { .. })));
}

#[test]
fn development_trapdoor_tables_give_identical_frames() {
    let fast = Encoder::with_insecure_development_seed(Arc::clone(encoder().srs()), 7);
    let wrong_seed = Encoder::with_insecure_development_seed(Arc::clone(encoder().srs()), 8);
    let (coeffs, params, _) = case(4, 6, 5, 2);
    let want = encoder().encode_coeffs(&coeffs, params).expect("encode");
    assert_eq!(fast.encode_coeffs(&coeffs, params).expect("encode"), want);
    assert_eq!(
        wrong_seed.encode_coeffs(&coeffs, params).expect("encode"),
        want
    );
}
