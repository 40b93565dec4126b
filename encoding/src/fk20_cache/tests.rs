use std::sync::Arc;

use super::*;
use crate::encoder::Encoder;
use crate::frame::Frame;
use crate::params::EncodingParams;
use crate::test_support::fixture_srs_dir;
use ark_bn254::Fr;
use ark_ff::UniformRand;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

const N: usize = 32;
const L: usize = 4;
const SHAPE: EncodingParams = EncodingParams {
    num_chunks: 16,
    chunk_length: L as u64,
};

fn dev(seed: u64) -> Arc<Srs> {
    Arc::new(Srs::insecure_development(seed, 64))
}

fn coeffs() -> Vec<Fr> {
    let mut rng = ChaCha20Rng::seed_from_u64(77);
    (0..N).map(|_| Fr::rand(&mut rng)).collect()
}

/// Frames of an encoder without any disk cache: the naive twin.
fn fresh_frames(srs: &Arc<Srs>) -> Vec<Frame> {
    Encoder::new(Arc::clone(srs))
        .encode_with_shape(&coeffs(), SHAPE)
        .expect("encodes")
}

fn cached_frames(srs: &Arc<Srs>, cache: &TableCache) -> Vec<Frame> {
    Encoder::new(Arc::clone(srs))
        .with_table_cache(cache.clone())
        .encode_with_shape(&coeffs(), SHAPE)
        .expect("encodes")
}

fn key(srs: &Srs) -> TableKey {
    TableKey::new(srs, N, L).expect("SRS has the points")
}

#[test]
fn a_second_encoder_reads_the_table_from_disk_and_frames_are_identical() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = TableCache::new(dir.path().join("tables"));
    let srs = dev(3);
    let want = fresh_frames(&srs);
    assert_eq!(cached_frames(&srs, &cache), want, "first encoder builds");
    let path = cache.path(&key(&srs));
    assert!(path.is_file(), "{} written", path.display());
    // what is on disk is exactly the table built from the points
    let built = Fk20Table::<G1Projective>::new(srs.g1(), N, L).expect("shape");
    assert_eq!(
        cache.load(&key(&srs)).expect("loads").bases(),
        built.bases()
    );
    assert_eq!(cached_frames(&srs, &cache), want, "second encoder reads");
    // no temporary file is left behind
    let names: Vec<_> = std::fs::read_dir(cache.dir())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn the_encoder_uses_what_the_cache_holds() {
    // A table of another SRS planted under this SRS's key (a well-formed file):
    // the encoder reads it rather than rebuilding, so its frames change. (The
    // cache directory is trusted as the SRS directory is; the key only keeps
    // honest tables of two SRSs apart.)
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = TableCache::new(dir.path());
    let (srs, other) = (dev(3), dev(4));
    let planted = Fk20Table::<G1Projective>::new(other.g1(), N, L).expect("shape");
    cache.store(&key(&srs), &planted).expect("stores");
    assert_ne!(cached_frames(&srs, &cache), fresh_frames(&srs));
}

#[test]
fn another_srs_never_reuses_the_tables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = TableCache::new(dir.path());
    let a = dev(3);
    let b = dev(4);
    let mut changed = (*a).clone();
    changed.g1_mut()[5] = changed.g1()[6];
    let changed = Arc::new(changed);
    let mut truncated_at_n = (*a).clone();
    truncated_at_n.g1_mut().truncate(N);
    let truncated_at_n = Arc::new(truncated_at_n);

    assert_eq!(cached_frames(&a, &cache), fresh_frames(&a));
    for (name, srs) in [("another secret", &b), ("a changed point", &changed)] {
        assert_ne!(key(srs), key(&a), "{name}");
        assert_ne!(cache.path(&key(srs)), cache.path(&key(&a)), "{name}");
        let frames = cached_frames(srs, &cache);
        assert_eq!(frames, fresh_frames(srs), "{name}");
        assert_ne!(frames, fresh_frames(&a), "{name}");
        assert!(cache.path(&key(srs)).is_file(), "{name}");
    }
    // The table depends on the first N points only: an SRS that agrees on them
    // shares the table (rightly), whatever it holds beyond.
    assert_eq!(key(&truncated_at_n), key(&a));
    assert_eq!(cached_frames(&truncated_at_n, &cache), fresh_frames(&a));
    // A file of one SRS renamed to another's key is refused (its header says so).
    std::fs::copy(cache.path(&key(&b)), cache.path(&key(&changed))).expect("copies");
    assert!(matches!(
        cache.load(&key(&changed)),
        Err(TableCacheError::Corrupt { .. })
    ));
    assert_eq!(cached_frames(&changed, &cache), fresh_frames(&changed));
    assert!(cache.load(&key(&changed)).is_ok(), "rewritten");
}

#[test]
fn damaged_files_are_refused_and_rebuilt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = TableCache::new(dir.path());
    let srs = dev(3);
    let want = fresh_frames(&srs);
    assert_eq!(cached_frames(&srs, &cache), want);
    let path = cache.path(&key(&srs));
    let good = std::fs::read(&path).expect("reads");

    let mut flipped = good.clone();
    flipped[HEADER_BYTES + 100] ^= 1;
    let truncated = good[..good.len() - 1].to_vec();
    // A point off the curve in a file whose digest is right.
    let mut off_curve = good.clone();
    off_curve[HEADER_BYTES + POINT_BYTES] ^= 1;
    let body = off_curve.len() - DIGEST_BYTES;
    let digest = Sha256::digest(&off_curve[..body]);
    off_curve[body..].copy_from_slice(&digest);
    let mut wrong_shape = good.clone();
    wrong_shape[16] ^= 1;
    let body = wrong_shape.len() - DIGEST_BYTES;
    let digest = Sha256::digest(&wrong_shape[..body]);
    wrong_shape[body..].copy_from_slice(&digest);

    for (name, bytes) in [
        ("a flipped bit", flipped),
        ("a truncated file", truncated),
        ("a point off the curve", off_curve),
        ("another shape in the header", wrong_shape),
        ("an empty file", Vec::new()),
    ] {
        std::fs::write(&path, &bytes).expect("writes");
        let err = cache.load(&key(&srs)).expect_err(name);
        assert!(
            matches!(err, TableCacheError::Corrupt { .. }),
            "{name}: {err}"
        );
        assert_eq!(cached_frames(&srs, &cache), want, "{name}: rebuilt");
        assert_eq!(
            std::fs::read(&path).expect("reads"),
            good,
            "{name}: rewritten"
        );
    }
}

#[test]
fn an_unwritable_cache_only_costs_the_rebuild() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").expect("writes");
    let cache = TableCache::new(&file);
    let srs = dev(3);
    assert!(matches!(
        cache.load(&key(&srs)),
        Err(TableCacheError::Io { .. } | TableCacheError::Missing { .. })
    ));
    assert_eq!(cached_frames(&srs, &cache), fresh_frames(&srs));
}

#[test]
fn the_eigenda_fixture_round_trips_through_the_cache() {
    let srs = Arc::new(Srs::load_with_order(fixture_srs_dir(), 256, 3000).expect("loads"));
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = TableCache::new(dir.path());
    let mut rng = ChaCha20Rng::seed_from_u64(78);
    let coeffs: Vec<Fr> = (0..256).map(|_| Fr::rand(&mut rng)).collect();
    let shape = EncodingParams {
        num_chunks: 64,
        chunk_length: 8,
    };
    let encode = |cache: Option<&TableCache>| {
        let encoder = Encoder::new(Arc::clone(&srs));
        let encoder = match cache {
            Some(c) => encoder.with_table_cache(c.clone()),
            None => encoder,
        };
        encoder.encode_with_shape(&coeffs, shape).expect("encodes")
    };
    let want = encode(None);
    assert_eq!(encode(Some(&cache)), want);
    assert_eq!(encode(Some(&cache)), want);
    let key = TableKey::new(&srs, 256, 8).expect("points");
    assert!(cache.path(&key).is_file());
}
