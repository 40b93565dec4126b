//! Runs the real `lamina` binary: encode a payload into frames, delete some
//! frame files, decode from what is left.

use std::path::Path;
use std::process::{Command, Output};

/// The binary under test: `LAMINA_BIN` when set (a copy other builds cannot replace
/// mid-run), else cargo's.
fn lamina_bin() -> std::path::PathBuf {
    std::env::var_os("LAMINA_BIN").map_or_else(|| env!("CARGO_BIN_EXE_lamina").into(), Into::into)
}

fn lamina(srs_cache: &Path, args: &[&str]) -> Output {
    Command::new(lamina_bin())
        .args(args)
        .env("LAMINA_SRS_CACHE", srs_cache)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run lamina")
}

fn frame_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("list frames")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    files.sort();
    files
}

#[test]
fn encode_delete_frames_decode() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let srs_cache = tmp.path().join("srs");
    let payload_path = tmp.path().join("payload.bin");
    // 3000 bytes -> 97 symbols + header -> a 128-symbol blob.
    let payload: Vec<u8> = (0..3000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&payload_path, &payload).expect("write payload");
    let frames_dir = tmp.path().join("frames");
    let out = lamina(
        &srs_cache,
        &[
            "blob",
            "encode",
            payload_path.to_str().expect("utf8"),
            "--out",
            frames_dir.to_str().expect("utf8"),
            "--version",
            "1",
        ],
    );
    assert!(
        out.status.success(),
        "encode failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON summary");
    assert_eq!(summary["frames"], 64);
    assert_eq!(summary["chunk_length"], 16);
    assert_eq!(summary["length"], 128);
    assert!(summary["commit_ms"].is_number() && summary["frames_ms"].is_number());

    // Version 1 has coding rate 8: any 8 of the 64 frames suffice. Keep every
    // 8th frame file (a spread-out subset, not the first ones).
    let files = frame_files(&frames_dir);
    assert_eq!(files.len(), 64);
    for (i, f) in files.iter().enumerate() {
        if i % 8 != 3 {
            std::fs::remove_file(f).expect("delete frame");
        }
    }
    let decoded_path = tmp.path().join("decoded.bin");
    let out = lamina(
        &srs_cache,
        &[
            "blob",
            "decode",
            frames_dir.to_str().expect("utf8"),
            "--out",
            decoded_path.to_str().expect("utf8"),
        ],
    );
    assert!(
        out.status.success(),
        "decode failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(&decoded_path).expect("decoded payload"),
        payload
    );

    // One frame fewer than needed: a clear error and a non-zero exit.
    std::fs::remove_file(&frame_files(&frames_dir)[0]).expect("delete frame");
    let out = lamina(
        &srs_cache,
        &[
            "blob",
            "decode",
            frames_dir.to_str().expect("utf8"),
            "--out",
            decoded_path.to_str().expect("utf8"),
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("7 distinct chunks") && stderr.contains("needs 8 chunks"),
        "stderr: {stderr}"
    );
}

/// `blob encode --srs` keeps the FK20 tables it builds from the SRS points in the table
/// cache; a second run reads them and writes identical frames.
#[test]
fn encode_with_srs_files_caches_the_fk20_tables() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/srs"))
        .find(|p| p.join("g1.point").is_file())
        .expect("shared/srs above the manifest");
    let payload_path = tmp.path().join("payload.bin");
    std::fs::write(&payload_path, vec![5u8; 3000]).expect("write payload");
    let tables = tmp.path().join("tables");
    let encode = |out: &Path| {
        let out = lamina(
            &tmp.path().join("srs"),
            &[
                "blob",
                "encode",
                payload_path.to_str().expect("utf8"),
                "--out",
                out.to_str().expect("utf8"),
                "--version",
                "1",
                "--srs",
                fixture.to_str().expect("utf8"),
                "--srs-order",
                "3000",
                "--table-cache",
                tables.to_str().expect("utf8"),
            ],
        );
        assert!(
            out.status.success(),
            "encode failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let (first, second) = (tmp.path().join("first"), tmp.path().join("second"));
    encode(&first);
    let cached: Vec<_> = std::fs::read_dir(&tables)
        .expect("table cache written")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert!(cached[0].starts_with("fk20-n128-l16-"), "{cached:?}");
    encode(&second);
    let (a, b) = (frame_files(&first), frame_files(&second));
    assert_eq!(a.len(), 64);
    for (a, b) in a.iter().zip(&b) {
        assert_eq!(
            std::fs::read(a).expect("read"),
            std::fs::read(b).expect("read")
        );
    }
}
