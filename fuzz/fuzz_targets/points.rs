//! Compressed G1 (32 bytes) and G2 (64 bytes) points and scalars (32 bytes): never a
//! panic, and every accepted encoding is the canonical one (decode → encode is the
//! identity), so no point or scalar has two accepted encodings.
#![no_main]

use lamina_encoding::{
    fr_from_bytes, fr_to_bytes, g1_from_bytes, g1_to_bytes, g2_from_bytes, g2_to_bytes,
};
use libfuzzer_sys::fuzz_target;

fn first<const N: usize>(data: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let n = data.len().min(N);
    out[..n].copy_from_slice(&data[..n]);
    out
}

fuzz_target!(|data: &[u8]| {
    let g1 = first::<32>(data);
    if let Ok(p) = g1_from_bytes(&g1) {
        assert_eq!(g1_to_bytes(&p), g1, "G1 encoding is canonical");
    }
    let g2 = first::<64>(data);
    if let Ok(p) = g2_from_bytes(&g2) {
        assert_eq!(g2_to_bytes(&p), g2, "G2 encoding is canonical");
    }
    if let Ok(s) = fr_from_bytes(&g1) {
        assert_eq!(fr_to_bytes(&s), g1, "scalar encoding is canonical");
    }
});
