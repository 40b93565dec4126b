//! `DaCertV3::abi_decode` of arbitrary bytes (what `RetrieveBlob` and `lamina verify`
//! take from anyone): never a panic; a decoded certificate re-encodes to bytes that
//! decode to the same certificate, and its blob key is computable.
#![no_main]

use lamina_core::DaCertV3;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = DaCertV3::abi_decode(data) {
        let again = DaCertV3::abi_decode(&cert.abi_encode()).expect("re-encoding decodes");
        assert_eq!(again, cert, "ABI round trip");
        let _ = cert.blob_key();
    }
});
