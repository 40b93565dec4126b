//! Runs the real `lamina` binary: `blob commit` and `srs generate`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lamina_encoding::{
    Blob, BlobCommitments, Srs, commit, commit_blob, commit_length, g1_from_bytes, g1_to_bytes,
    g2_from_bytes, g2_to_bytes, verify_length_proof,
};
use serde_json::Value;

/// `shared/srs` beside the repository (CI) or beside the worktrees' parent
/// (engineers' checkouts): the first ancestor of the crate that has it.
fn fixture_srs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/srs"))
        .find(|p| p.join("g1.point").is_file())
        .expect("shared/srs beside the repository")
}

fn lamina(args: &[&str], cache: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(args)
        .env("LAMINA_SRS_CACHE", cache)
        .env("RUST_LOG", "warn")
        .output()
        .expect("lamina runs")
}

fn json_ok(out: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "lamina failed: {stderr}");
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

fn hex_field(v: &Value, key: &str) -> Option<Vec<u8>> {
    let s = v[key].as_str()?;
    Some(hex::decode(s.strip_prefix("0x").expect("0x prefix")).expect("hex"))
}

fn write_payload(dir: &Path, bytes: &[u8]) -> PathBuf {
    let path = dir.join("payload.bin");
    std::fs::write(&path, bytes).expect("write payload");
    path
}

fn payload() -> Vec<u8> {
    (0..200u32).map(|i| (i * 7 % 256) as u8).collect()
}

#[test]
fn commit_with_the_eigenda_fixture() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = write_payload(tmp.path(), &payload());
    let srs_dir = fixture_srs();
    let srs_arg = srs_dir.to_str().expect("utf-8 path");
    let out = json_ok(&lamina(
        &[
            "blob",
            "commit",
            file.to_str().expect("utf-8"),
            "--srs",
            srs_arg,
        ],
        tmp.path(),
    ));

    let blob = Blob::from_payload(&payload()).expect("small");
    let srs = Srs::load(&srs_dir, 8).expect("fixture");
    assert_eq!(out["length"], 8);
    let expected = g1_to_bytes(&commit(&srs, &blob).expect("fits"));
    assert_eq!(hex_field(&out, "commitment").expect("present"), expected);
    let lc = g2_to_bytes(&commit_length(&srs, &blob).expect("fixture has G2"));
    assert_eq!(hex_field(&out, "length_commitment").expect("present"), lc);
    // EigenDA's order 2^28 and no g2.trailing.point: no length proof
    assert!(out["length_proof"].is_null(), "{out}");

    // read as the whole 3000-point setup it is, the fixture proves lengths too
    let out = json_ok(&lamina(
        &[
            "blob",
            "commit",
            file.to_str().expect("utf-8"),
            "--srs",
            srs_arg,
            "--srs-order",
            "3000",
        ],
        tmp.path(),
    ));
    let srs = Srs::load_with_order(&srs_dir, 8, 3000).expect("fixture");
    let proof = g2_from_bytes(
        &hex_field(&out, "length_proof")
            .expect("present")
            .try_into()
            .expect("64 bytes"),
    )
    .expect("valid point");
    assert_eq!(commit_blob(&srs, &blob).expect("fits").length_proof, proof);
}

#[test]
fn commit_fails_clearly_when_the_fixture_is_too_small() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // 3000 * 31 bytes need 3001 symbols, rounded up to 4096
    let file = write_payload(tmp.path(), &vec![1u8; 3000 * 31]);
    let srs_dir = fixture_srs();
    let out = lamina(
        &[
            "blob",
            "commit",
            file.to_str().expect("utf-8"),
            "--srs",
            srs_dir.to_str().expect("utf-8"),
        ],
        tmp.path(),
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("holds 3000 points, but 4096 are needed"),
        "{stderr}"
    );
}

#[test]
fn generated_and_cached_development_srs_agree() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("cache");
    let srs_dir = tmp.path().join("insecure-dev");
    let gen_out = json_ok(&lamina(
        &[
            "srs",
            "generate",
            "--points",
            "64",
            "--out",
            srs_dir.to_str().expect("utf-8"),
        ],
        &cache,
    ));
    assert_eq!(gen_out["g1_points"], 64);
    assert_eq!(gen_out["insecure"], true);

    let file = write_payload(tmp.path(), &payload());
    let path = file.to_str().expect("utf-8");
    let explicit = lamina(
        &[
            "blob",
            "commit",
            path,
            "--srs",
            srs_dir.to_str().expect("utf-8"),
        ],
        &cache,
    );
    let stderr = String::from_utf8_lossy(&explicit.stderr).to_string();
    assert!(
        stderr.contains("INSECURE development SRS"),
        "loading warns: {stderr}"
    );
    let explicit = json_ok(&explicit);
    // no --srs: the cached development SRS, same default seed
    let cached = json_ok(&lamina(&["blob", "commit", path], &cache));
    assert_eq!(explicit, cached);
    assert!(std::fs::read_dir(&cache).expect("cache created").any(|e| {
        e.expect("entry")
            .file_name()
            .to_string_lossy()
            .contains("insecure")
    }));

    let commitments = BlobCommitments {
        commitment: g1_from_bytes(
            &hex_field(&cached, "commitment")
                .expect("c")
                .try_into()
                .expect("32"),
        )
        .expect("valid"),
        length_commitment: g2_from_bytes(
            &hex_field(&cached, "length_commitment")
                .expect("lc")
                .try_into()
                .expect("64"),
        )
        .expect("valid"),
        length_proof: g2_from_bytes(
            &hex_field(&cached, "length_proof")
                .expect("lp")
                .try_into()
                .expect("64"),
        )
        .expect("valid"),
        length: 8,
    };
    let srs = Srs::load(&srs_dir, 8).expect("generated SRS loads");
    assert_eq!(verify_length_proof(&srs, &commitments), Ok(()));
}
