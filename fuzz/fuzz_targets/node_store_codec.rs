//! The node's RocksDB record codecs (`node/src/store/codec.rs`), fed what a corrupt or
//! foreign database could hold: never a panic, and every record that decodes encodes
//! back to exactly its bytes.
#![no_main]

use lamina_node::store_codec::{
    FramesRecord, decode_batch, decode_expiry_key, decode_frames, encode_alias, encode_batch,
    encode_frames, expiry_key, split_expiry, with_expiry,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = b"fuzz";
    match decode_frames(key, data) {
        Ok(FramesRecord::Frames(frames)) => {
            let borrowed: Vec<(u32, &[u8])> =
                frames.iter().map(|(i, f)| (*i, f.as_slice())).collect();
            assert_eq!(encode_frames(&borrowed), data, "frames round trip");
        }
        Ok(FramesRecord::Alias(q)) => assert_eq!(encode_alias(q).as_slice(), data),
        Err(_) => {}
    }
    if let Ok((expiry, body)) = split_expiry("fuzz", key, data) {
        assert_eq!(with_expiry(expiry, body), data, "expiry prefix round trip");
        if let Ok(batch) = decode_batch(key, body) {
            assert_eq!(encode_batch(&batch), body, "batch round trip");
        }
    }
    if let Ok((expiry, batch)) = decode_expiry_key(data) {
        assert_eq!(
            expiry_key(expiry, &batch).as_slice(),
            data,
            "expiry key round trip"
        );
    }
});
