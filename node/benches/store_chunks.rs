//! StoreChunks throughput: validation (frame parsing, length proofs, one batched
//! pairing check over every frame) plus the synced RocksDB write, for a batch of 16
//! blobs of 1 MiB (32768 symbols, blob version 1: 64 chunks, coding rate 8) with this
//! node holding 10% of the stake of quorums 0 and 1 (4 operators: 10/20/30/40%).
//!
//! The chain lookups (operator state, blob parameters) are pre-read: in the node they
//! are cached per reference block, so a disperser sending many batches against one
//! reference block pays them once; they are not part of this measurement. The
//! signature recovery and BLS signing (well under a millisecond) are not either.
//!
//! `cargo bench -p lamina-node --bench store_chunks`

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::collections::HashMap;
use std::sync::Arc;

use alloy_primitives::B256;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use lamina_core::{OperatorId, OperatorStake, QuorumOperators};
use lamina_encoding::{BlobParams, Encoder, Srs};
use lamina_node::testing::{BlobSpec, EncodedBlob, encode_blob, parsed_batch};
use lamina_node::validate::{BatchContext, QuorumRegistry, check_structure, validate_batch};
use lamina_node::{BatchWrite, BlobWrite, Store};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

const BLOBS: usize = 16;
/// Payload bytes that fill a 32768-symbol (1 MiB) blob: one header symbol, 31 bytes per
/// data symbol.
const PAYLOAD_BYTES: usize = 32767 * 31;
const PARAMS: BlobParams = BlobParams::V1_DEVNET;

fn bench(c: &mut Criterion) {
    let srs = Arc::new(Srs::development_cached(1 << 15).expect("development SRS"));
    let encoder = Encoder::new(srs.clone());
    let me = OperatorId([1; 32]);
    let states: Vec<QuorumOperators> = (0..2)
        .map(|q| {
            QuorumOperators::new(
                q,
                [(1u8, 10u128), (2, 20), (3, 30), (4, 40)].map(|(o, stake)| OperatorStake {
                    operator_id: OperatorId([o; 32]),
                    stake,
                }),
            )
            .expect("quorum")
        })
        .collect();
    let mut rng = ChaCha20Rng::seed_from_u64(50);
    let blobs: Vec<EncodedBlob> = (0..BLOBS)
        .map(|i| {
            let mut payload = vec![0u8; PAYLOAD_BYTES];
            rng.fill_bytes(&mut payload);
            encode_blob(
                &encoder,
                PARAMS,
                &BlobSpec {
                    version: 1,
                    quorums: vec![0, 1],
                    nonce: i as i64,
                    account_id: alloy_primitives::Address::repeat_byte(0x11),
                    signature: vec![0x1b; 65],
                },
                &payload,
            )
            .expect("encodes")
        })
        .collect();
    assert!(
        blobs
            .iter()
            .all(|b| b.certificate.blob_header.commitment.length == 1 << 15)
    );
    let batch = parsed_batch(&blobs, &PARAMS, &states, &me, 100).expect("batch");
    let ctx = BatchContext {
        operator: me,
        quorum_count: 2,
        params: HashMap::from([(1u16, PARAMS)]),
        registry: states
            .iter()
            .map(|s| (s.quorum(), QuorumRegistry::consistent_with(s, &me)))
            .collect(),
        states: HashMap::from([(vec![0u8, 1], Arc::new(states))]),
        max_blob_symbols: 1 << 15,
    };
    let frame_bytes: u64 = batch
        .blobs
        .iter()
        .flat_map(|e| e[0].frames.iter())
        .map(|f| f.len() as u64)
        .sum();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("store");
    let certificates: Vec<Vec<u8>> = blobs.iter().map(|_| vec![0u8; 400]).collect();

    let mut group = c.benchmark_group("store_chunks");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(frame_bytes));
    let mut n = 0u64;
    group.bench_function("16x1MiB_10pct_stake", |b| {
        b.iter_batched(
            || {
                n += 1;
                n
            },
            |n| {
                check_structure(&batch).expect("structure");
                let validated = validate_batch(&ctx, &srs, &batch).expect("valid");
                let write = BatchWrite {
                    // A fresh header hash per iteration so every iteration really writes.
                    header_hash: B256::from(alloy_primitives::U256::from(n)),
                    reference_block: 100,
                    batch_root: batch.header.batch_root,
                    blobs: validated
                        .plans
                        .iter()
                        .zip(&certificates)
                        .enumerate()
                        .map(|(i, (plan, cert))| BlobWrite {
                            key: plan.key,
                            certificate: cert.clone(),
                            quorums: plan.quorums.clone(),
                            frames: batch.blobs[i][0]
                                .indices
                                .iter()
                                .copied()
                                .zip(batch.blobs[i][0].frames.iter().map(Vec::as_slice))
                                .collect(),
                        })
                        .collect(),
                    expiry: u64::MAX,
                };
                store.store_batch(&write).expect("stores")
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
