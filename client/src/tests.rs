//! The certificate's JSON file form. (The certificate checks themselves, with real
//! crypto, are tested in `lamina-derivation`.)

use crate::cert::Certificate;

#[test]
fn certificate_json_round_trips_and_rejects_garbage() {
    let s = lamina_derivation::testing::certificate(&[1, 2, 3]);
    let cert = Certificate {
        blob_key: s.cert.blob_key(),
        cert: s.cert.clone(),
        confirmation: None,
    };
    let json = cert.to_json();
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(value["blob_key"], cert.blob_key.to_string());
    assert!(
        value["cert_abi"]
            .as_str()
            .is_some_and(|s| s.starts_with("0x"))
    );
    assert_eq!(Certificate::from_json(&json).expect("parses"), cert);
    let broken = json.replace(&value["cert_abi"].as_str().expect("hex")[..12], "0x00");
    assert!(Certificate::from_json(&broken).is_err());
}
