//! Helpers shared by the crate's unit tests.

use std::path::PathBuf;

/// The directory of the 3000-point EigenDA SRS fixture (`shared/srs`).
///
/// CI clones the repository with `shared/` beside it; engineers' worktrees
/// sit one level deeper. Search the manifest directory's ancestors, so both
/// layouts work without absolute paths; `LAMINA_SHARED_DIR` overrides.
pub(crate) fn fixture_srs_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("LAMINA_SHARED_DIR") {
        return PathBuf::from(dir).join("srs");
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|a| a.join("shared/srs"))
        .find(|p| p.join("g1.point").is_file())
        .unwrap_or_else(|| panic!("no shared/srs/g1.point above {}", manifest.display()))
}

/// Reads one file of the SRS fixture.
pub(crate) fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_srs_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}
