//! Payload codec: arbitrary bytes as a payload (encode → decode round trip) and as
//! a blob (parse, serialise back, decode: never a panic; a decoded payload re-encodes
//! to the blob's prefix, the rest being zero padding).
#![no_main]

use lamina_encoding::{BYTES_PER_SYMBOL, Blob};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let blob = Blob::from_payload(data).expect("a payload under 4 GiB encodes");
    assert!(blob.len_symbols().is_power_of_two());
    assert_eq!(blob.to_payload().as_deref(), Ok(data), "payload round trip");
    let bytes = blob.to_bytes();
    assert_eq!(
        Blob::from_bytes(&bytes).as_ref(),
        Ok(&blob),
        "blob bytes round trip"
    );

    if let Ok(blob) = Blob::from_bytes(data) {
        assert_eq!(blob.to_bytes(), data, "blob parse is exact");
        if let Ok(payload) = blob.to_payload() {
            let minimal = Blob::from_payload(&payload).expect("re-encodes").to_bytes();
            assert!(
                minimal.len() <= data.len(),
                "decoded blob is at least minimal"
            );
            assert_eq!(
                &data[..minimal.len()],
                &minimal[..],
                "one encoding per payload"
            );
            assert!(
                data[minimal.len()..].iter().all(|b| *b == 0),
                "over-padding is zero symbols"
            );
            assert_eq!(minimal.len() % BYTES_PER_SYMBOL, 0);
        }
    }
});
