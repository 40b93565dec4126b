//! The disperser's RocksDB record codecs (`disperser/src/store.rs`): status and batch
//! records (JSON), expiry keys, and the stored header (a prost `BlobCertificate`), fed
//! what a corrupt database could hold: never a panic; what decodes round-trips.
#![no_main]

use lamina_core::{BlobCertificate, DaCertV3};
use lamina_disperser::store::{
    BatchRecord, StatusRecord, decode, encode, expiry_key, parse_expiry_key,
};
use lamina_proto::common::v1 as pb;
use libfuzzer_sys::fuzz_target;
use prost::Message;

fuzz_target!(|data: &[u8]| {
    if let Ok(status) = decode::<StatusRecord>(data) {
        let bytes = encode(&status).expect("a decoded record encodes");
        assert_eq!(decode::<StatusRecord>(&bytes).ok(), Some(status.clone()));
        if let Some(cert) = status.cert_abi() {
            let _ = DaCertV3::abi_decode(&cert);
        }
    }
    if let Ok(batch) = decode::<BatchRecord>(data) {
        let bytes = encode(&batch).expect("a decoded record encodes");
        assert_eq!(decode::<BatchRecord>(&bytes).ok(), Some(batch));
    }
    if let Some((at, key)) = parse_expiry_key(data) {
        assert_eq!(
            expiry_key(at, &key).as_slice(),
            data,
            "expiry key round trip"
        );
    }
    if let Ok(header) = pb::BlobCertificate::decode(data) {
        let _ = BlobCertificate::try_from(&header);
    }
});
