//! Frame parsing (`Frame::from_bytes`, `from_bytes_with_len`): never a panic, and a
//! parsed frame serialises back to exactly its bytes (one encoding per frame).
#![no_main]

use lamina_encoding::Frame;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(frame) = Frame::from_bytes(data) {
        assert_eq!(frame.to_bytes(), data, "frame round trip");
        assert_eq!(Frame::serialized_len(frame.len()), data.len());
    }
    // The first byte picks the expected chunk length.
    if let Some((&chunk_length, rest)) = data.split_first() {
        if let Ok(frame) = Frame::from_bytes_with_len(rest, usize::from(chunk_length)) {
            assert_eq!(frame.len(), usize::from(chunk_length));
            assert_eq!(frame.to_bytes(), rest);
        }
    }
});
