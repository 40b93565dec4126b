use super::*;
use crate::test_support::fixture_srs_dir;
use ark_bn254::Bn254;
use ark_ec::{AffineRepr, pairing::Pairing};

/// `e(a, G2) == e(G1, b)`: `a` and `b` hold the same power of tau.
fn same_power(a: &G1Affine, b: &G2Affine) -> bool {
    Bn254::pairing(*a, G2Affine::generator()) == Bn254::pairing(G1Affine::generator(), *b)
}

fn copy_fixture(files: &[&str]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for f in files {
        std::fs::copy(fixture_srs_dir().join(f), tmp.path().join(f)).expect("copy fixture");
    }
    tmp
}

#[test]
fn loads_the_eigenda_fixture() {
    let srs = Srs::load(fixture_srs_dir(), 3000).expect("fixture loads");
    assert_eq!(srs.g1().len(), 3000);
    assert_eq!(srs.g2().len(), 3000);
    assert_eq!(srs.g2_power_of_2().len(), 12);
    assert_eq!(srs.order(), EIGENDA_SRS_ORDER);
    assert!(!srs.is_insecure());
    // order 2^28: the fixture has neither trailing points nor reverse powers
    assert!(srs.g2_trailing().is_empty());
    assert!(srs.g1_reverse_power_of_2().is_empty());
    assert_eq!(srs.g1()[0], G1Affine::generator());
    assert_eq!(srs.g2()[0], G2Affine::generator());
    for i in [1, 2, 3, 1000, 2999] {
        assert!(same_power(&srs.g1()[i], &srs.g2()[i]), "power {i}");
    }
    for (k, p) in srs.g2_power_of_2().iter().enumerate() {
        assert_eq!(*p, srs.g2()[1 << k], "powerOf2 point {k}");
    }
}

#[test]
fn a_full_setup_file_provides_trailing_and_reverse_points() {
    let srs = Srs::load_with_order(fixture_srs_dir(), 100, 3000).expect("fixture loads");
    assert_eq!(srs.order(), 3000);
    let all = Srs::load_with_order(fixture_srs_dir(), 3000, 3000).expect("fixture loads");
    assert_eq!(srs.g2_trailing(), &all.g2()[2900..]);
    assert_eq!(all.g2_trailing(), all.g2());
    assert_eq!(srs.g1_reverse_power_of_2().len(), 12);
    for (k, p) in srs.g1_reverse_power_of_2().iter().enumerate() {
        assert_eq!(*p, all.g1()[3000 - (1 << k)], "reverse power {k}");
    }
}

#[test]
fn a_verify_scoped_load_skips_only_the_long_g2_vectors() {
    let full = Srs::load_with_order(fixture_srs_dir(), 256, 3000).expect("fixture loads");
    let verify = Srs::load_scoped(fixture_srs_dir(), 256, 3000, SrsScope::Verify).expect("loads");
    assert!(verify.g2().is_empty() && verify.g2_trailing().is_empty());
    assert_eq!(verify.g1(), full.g1());
    assert_eq!(verify.g2_power_of_2(), full.g2_power_of_2());
    assert_eq!(verify.g1_reverse_power_of_2(), full.g1_reverse_power_of_2());
    assert_eq!(full.g2().len(), 256);

    let root = tempfile::tempdir().expect("tempdir");
    let generated =
        Srs::development_cached_in(root.path(), 7, 32, SrsScope::Verify).expect("generates");
    let cached = Srs::development_cached_in(root.path(), 7, 32, SrsScope::Verify).expect("loads");
    assert!(generated.g2().is_empty() && cached.g2().is_empty());
    assert_eq!(generated, cached);
    let committer =
        Srs::development_cached_in(root.path(), 7, 32, SrsScope::Commit).expect("loads");
    assert_eq!(committer.g2().len(), 32);
    assert_eq!(committer.g1(), cached.g1());
}

#[test]
fn load_errors_say_what_and_where() {
    let Err(err) = Srs::load(fixture_srs_dir(), 3001) else {
        panic!("fixture has 3000")
    };
    assert!(
        matches!(
            err,
            SrsError::FileTooShort {
                needed: 3001,
                available: 3000,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("holds 3000 points, but 3001 are needed"),
        "{err}"
    );
    assert!(matches!(
        Srs::load(fixture_srs_dir(), 0),
        Err(SrsError::BadPointCount { .. })
    ));
    assert!(matches!(
        Srs::load_with_order(fixture_srs_dir(), 3000, 2048),
        Err(SrsError::BadPointCount {
            requested: 3000,
            order: 2048
        })
    ));

    let tmp = copy_fixture(&["g1.point", "g2.point"]);
    let g1 = tmp.path().join("g1.point");
    let mut bytes = std::fs::read(&g1).expect("read");
    bytes[5 * 32] &= 0x3f; // flags 0b00: not a compressed point
    std::fs::write(&g1, &bytes).expect("write");
    let Err(err) = Srs::load(tmp.path(), 64) else {
        panic!("point 5 is corrupt")
    };
    assert!(
        matches!(
            err,
            SrsError::BadPoint {
                index: 5,
                source: PointError::UncompressedFlag { .. },
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("point 5 is invalid"), "{err}");
    assert!(
        Srs::load(tmp.path(), 5).is_ok(),
        "points before the bad one load"
    );

    bytes.truncate(100);
    std::fs::write(&g1, &bytes).expect("write");
    let Err(err) = Srs::load(tmp.path(), 1) else {
        panic!("file is cut mid-point")
    };
    assert!(
        matches!(
            err,
            SrsError::PartialPoint {
                bytes: 100,
                point_bytes: 32,
                ..
            }
        ),
        "{err}"
    );

    let Err(err) = Srs::load(tmp.path().join("nowhere"), 1) else {
        panic!("no such dir")
    };
    assert!(matches!(err, SrsError::Io { .. }), "{err}");
}

#[test]
fn g2_points_are_subgroup_checked_on_load() {
    let tmp = copy_fixture(&["g1.point", "g2.point"]);
    let g2 = tmp.path().join("g2.point");
    let mut bytes = std::fs::read(&g2).expect("read");
    // flip bits of x0 of point 7 until it decodes to a curve point outside G2
    let err = (0u8..=255)
        .find_map(|v| {
            bytes[7 * 64 + 63] = v;
            std::fs::write(&g2, &bytes).expect("write");
            match Srs::load(tmp.path(), 16) {
                Err(SrsError::BadPoint {
                    index: 7,
                    source: PointError::NotInSubgroup,
                    ..
                }) => Some(()),
                _ => None,
            }
        })
        .is_some();
    assert!(
        err,
        "some x near point 7 is on the twist but outside the subgroup"
    );
}

#[test]
fn development_srs_is_consistent() {
    let srs = Srs::insecure_development(9, 64);
    assert!(srs.is_insecure());
    assert_eq!(srs.order(), EIGENDA_SRS_ORDER);
    assert_eq!(
        (srs.g1().len(), srs.g2().len(), srs.g2_trailing().len()),
        (64, 64, 64)
    );
    assert_eq!(
        (srs.g2_power_of_2().len(), srs.g1_reverse_power_of_2().len()),
        (28, 28)
    );
    assert_eq!(srs.g1()[0], G1Affine::generator());
    for i in [1, 5, 63] {
        assert!(same_power(&srs.g1()[i], &srs.g2()[i]), "power {i}");
    }
    for k in 0..6 {
        assert_eq!(srs.g2_power_of_2()[k], srs.g2()[1 << k]);
        // trailing[64 - 2^k] = [tau^(D - 2^k)]G2
        assert!(same_power(
            &srs.g1_reverse_power_of_2()[k],
            &srs.g2_trailing()[64 - (1 << k)]
        ));
    }
    // consecutive trailing points differ by one power of tau
    let tau_g1 = srs.g1()[1];
    for j in [0, 31, 62] {
        let lhs = Bn254::pairing(tau_g1, srs.g2_trailing()[j]);
        let rhs = Bn254::pairing(G1Affine::generator(), srs.g2_trailing()[j + 1]);
        assert_eq!(lhs, rhs, "trailing {j}");
    }
    // same seed, smaller size: every shared point agrees
    let small = Srs::insecure_development(9, 16);
    assert_eq!(small.g1(), &srs.g1()[..16]);
    assert_eq!(small.g2_trailing(), &srs.g2_trailing()[48..]);
    assert_eq!(small.g1_reverse_power_of_2(), srs.g1_reverse_power_of_2());
    assert_ne!(Srs::insecure_development(10, 16).g1()[1], small.g1()[1]);
}

#[test]
fn development_srs_round_trips_through_its_cache() {
    let root = tempfile::tempdir().expect("tempdir");
    let generated =
        Srs::development_cached_in(root.path(), 3, 50, SrsScope::Commit).expect("generates");
    assert_eq!(generated.g1().len(), 64, "rounded up to a power of two");
    let dir = root.path().join("insecure-development-seed-3");
    assert!(dir.join("INSECURE-DEVELOPMENT-SRS").is_file());
    // read back from disk, in EigenDA's format
    let loaded = Srs::development_cached_in(root.path(), 3, 64, SrsScope::Commit).expect("loads");
    assert_eq!(loaded, generated);
    assert!(loaded.is_insecure());
    let reread = Srs::load(&dir, 64).expect("plain load");
    assert_eq!(reread, generated);
    // a smaller request is served from the same files
    let small = Srs::development_cached_in(root.path(), 3, 10, SrsScope::Commit).expect("loads");
    assert_eq!(small.g1(), &generated.g1()[..10]);
    assert_eq!(small.g2_trailing(), &generated.g2_trailing()[54..]);
    // a larger one regenerates, consistently
    let large = Srs::development_cached_in(root.path(), 3, 100, SrsScope::Commit).expect("grows");
    assert_eq!(large.g1().len(), 128);
    assert_eq!(&large.g1()[..64], generated.g1());
    assert_eq!(Srs::load(&dir, 128).expect("grown files"), large);

    assert!(matches!(
        Srs::development_cached_in(root.path(), 3, MAX_DEVELOPMENT_POINTS + 1, SrsScope::Commit),
        Err(SrsError::DevelopmentTooLarge { .. })
    ));
}

#[test]
fn threads_sharing_a_cache_all_get_the_setup() {
    // Parallel tests of one binary share a process id: their writes to the same files
    // once shared one temporary name, and a loser's rename found it gone.
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("direct");
    let srs = Srs::insecure_development(9, 32);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| srs.write_to_dir(&dir).expect("concurrent write"));
        }
    });
    assert_eq!(Srs::load(&dir, 32).expect("complete files"), srs);

    let loaded: Vec<Srs> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    Srs::development_cached_in(root.path(), 9, 32, SrsScope::Commit)
                        .expect("generated once, loaded by the others")
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    assert!(loaded.iter().all(|l| *l == srs));
}

#[test]
fn a_damaged_cache_is_caught_by_the_full_checks() {
    let root = tempfile::tempdir().expect("tempdir");
    let generated =
        Srs::development_cached_in(root.path(), 5, 16, SrsScope::Commit).expect("generates");
    let dir = root.path().join("insecure-development-seed-5");
    assert!(
        files::digests_match(&dir),
        "fresh cache matches its digests"
    );
    // Replace trailing point 3 by a curve point outside the subgroup: the
    // digest no longer matches, so the subgroup check runs and names it.
    let path = dir.join(files::G2_TRAILING_FILE);
    let mut bytes = std::fs::read(&path).expect("read");
    let bad = (0u8..=255)
        .find_map(|v| {
            let mut candidate = [0u8; 64];
            candidate.copy_from_slice(&bytes[3 * 64..4 * 64]);
            candidate[63] = v;
            match crate::point::g2_from_bytes(&candidate) {
                Err(PointError::NotInSubgroup) => Some(candidate),
                _ => None,
            }
        })
        .expect("a nearby x is on the twist but outside G2");
    bytes[3 * 64..4 * 64].copy_from_slice(&bad);
    std::fs::write(&path, &bytes).expect("write");
    assert!(!files::digests_match(&dir));
    let Err(err) = Srs::development_cached_in(root.path(), 5, 16, SrsScope::Commit) else {
        panic!("the damaged point is found")
    };
    assert!(
        matches!(
            err,
            SrsError::BadPoint {
                index: 3,
                source: PointError::NotInSubgroup,
                ..
            }
        ),
        "{err}"
    );
    // restoring the file restores the fast path and the same points
    generated.write_to_dir(&dir).expect("rewrite");
    assert!(files::digests_match(&dir));
    assert_eq!(
        Srs::development_cached_in(root.path(), 5, 16, SrsScope::Commit).expect("loads"),
        generated
    );
}

/// The entries (file names) of a validated-points cache directory, sorted.
fn cache_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_validated_cache_load_equals_a_full_load_and_is_reused() {
    let cache = tempfile::tempdir().expect("tempdir");
    let full = Srs::load(fixture_srs_dir(), 3000).expect("fixture loads");
    let first = Srs::load_scoped_with_cache(
        fixture_srs_dir(),
        3000,
        EIGENDA_SRS_ORDER,
        SrsScope::Commit,
        cache.path(),
    )
    .expect("first load checks everything and caches");
    assert_eq!(first, full);
    let entries = cache_entries(cache.path());
    // g1.point, g2.point, g2.point.powerOf2 (the fixture has no other files)
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert!(
        entries.iter().any(|e| e.starts_with("g1-3000-")),
        "{entries:?}"
    );
    assert!(
        entries.iter().any(|e| e.starts_with("g2-3000-")),
        "{entries:?}"
    );
    assert!(
        entries.iter().any(|e| e.starts_with("g2-12-")),
        "{entries:?}"
    );
    let modified = |name: &str| {
        std::fs::metadata(cache.path().join(name))
            .and_then(|m| m.modified())
            .expect("entry metadata")
    };
    let before: Vec<_> = entries.iter().map(|e| modified(e)).collect();
    let second = Srs::load_scoped_with_cache(
        fixture_srs_dir(),
        3000,
        EIGENDA_SRS_ORDER,
        SrsScope::Commit,
        cache.path(),
    )
    .expect("second load reads the cache");
    assert_eq!(second, full);
    assert_eq!(cache_entries(cache.path()), entries, "no new entries");
    let after: Vec<_> = entries.iter().map(|e| modified(e)).collect();
    assert_eq!(before, after, "entries were read, not rewritten");
    // a shorter load is another byte range: its own entry, the same points
    let short = Srs::load_scoped_with_cache(
        fixture_srs_dir(),
        100,
        EIGENDA_SRS_ORDER,
        SrsScope::Commit,
        cache.path(),
    )
    .expect("loads");
    assert_eq!(short.g1(), &full.g1()[..100]);
    assert_eq!(short.g2(), &full.g2()[..100]);
}

#[test]
fn a_tampered_validated_cache_entry_is_rejected_and_rewritten() {
    let cache = tempfile::tempdir().expect("tempdir");
    let full = Srs::load(fixture_srs_dir(), 64).expect("fixture loads");
    let load = || {
        Srs::load_scoped_with_cache(
            fixture_srs_dir(),
            64,
            EIGENDA_SRS_ORDER,
            SrsScope::Commit,
            cache.path(),
        )
    };
    load().expect("caches");
    let g2_entry = cache_entries(cache.path())
        .into_iter()
        .find(|e| e.starts_with("g2-64-"))
        .expect("g2.point entry");
    let path = cache.path().join(&g2_entry);
    let good = std::fs::read(&path).expect("read entry");
    let point = |i: usize| 16 + 128 * i..16 + 128 * (i + 1);
    // (a) point 5 replaced by point 6: on the curve, in the subgroup, but not
    // what the file says; (b) a flipped bit: off the curve; (c) truncated.
    let mut swapped = good.clone();
    swapped.copy_within(point(6), point(5).start);
    let mut flipped = good.clone();
    flipped[point(9).start + 3] ^= 1;
    let truncated = good[..good.len() - 1].to_vec();
    for (what, bytes) in [
        ("swapped", swapped),
        ("flipped", flipped),
        ("truncated", truncated),
    ] {
        std::fs::write(&path, &bytes).expect("tamper");
        assert_eq!(
            load().expect("falls back to the full checks"),
            full,
            "{what}"
        );
        assert_eq!(
            std::fs::read(&path).expect("entry"),
            good,
            "{what}: entry rewritten"
        );
    }
}

#[test]
fn a_point_outside_the_subgroup_fails_a_cached_load_and_is_not_cached() {
    let tmp = copy_fixture(&["g1.point", "g2.point"]);
    let cache = tempfile::tempdir().expect("tempdir");
    let g2 = tmp.path().join("g2.point");
    let mut bytes = std::fs::read(&g2).expect("read");
    let bad = (0u8..=255)
        .find_map(|v| {
            let mut candidate = [0u8; 64];
            candidate.copy_from_slice(&bytes[7 * 64..8 * 64]);
            candidate[63] = v;
            match crate::point::g2_from_bytes(&candidate) {
                Err(PointError::NotInSubgroup) => Some(candidate),
                _ => None,
            }
        })
        .expect("a nearby x is on the twist but outside G2");
    bytes[7 * 64..8 * 64].copy_from_slice(&bad);
    std::fs::write(&g2, &bytes).expect("write");
    for _ in 0..2 {
        let Err(err) = Srs::load_scoped_with_cache(
            tmp.path(),
            16,
            EIGENDA_SRS_ORDER,
            SrsScope::Commit,
            cache.path(),
        ) else {
            panic!("the bad point is found")
        };
        assert!(
            matches!(
                err,
                SrsError::BadPoint {
                    index: 7,
                    source: PointError::NotInSubgroup,
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            !cache_entries(cache.path())
                .iter()
                .any(|e| e.starts_with("g2-")),
            "nothing cached for the bad file"
        );
    }
}
