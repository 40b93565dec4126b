//! Wire → core conversions (`lamina-proto` `convert.rs`): arbitrary bytes decoded as
//! each message a service takes from the network, then converted with its `TryFrom`:
//! never a panic; where a core → wire conversion exists, what converts comes back the
//! same through the wire form.
#![no_main]

use lamina_core::{
    Attestation, BatchHeader, BlobCertificate, BlobCommitments, BlobHeader, BlobInclusionInfo,
    PaymentHeader,
};
use lamina_proto::common::v1 as pb;
use lamina_proto::convert;
use lamina_proto::disperser::v1 as dpb;
use libfuzzer_sys::fuzz_target;
use prost::Message;

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    match which % 8 {
        0 => {
            if let Ok(m) = pb::BlobCommitment::decode(bytes) {
                if let Ok(c) = BlobCommitments::try_from(&m) {
                    let back = pb::BlobCommitment::from(&c);
                    assert_eq!(BlobCommitments::try_from(&back).ok(), Some(c));
                }
            }
        }
        1 => {
            if let Ok(m) = pb::PaymentHeader::decode(bytes) {
                if let Ok(p) = PaymentHeader::try_from(&m) {
                    let back = pb::PaymentHeader::from(&p);
                    assert_eq!(PaymentHeader::try_from(&back).ok(), Some(p));
                }
            }
        }
        2 => {
            if let Ok(m) = pb::BlobHeader::decode(bytes) {
                if let (Ok(h), Some(payment)) = (BlobHeader::try_from(&m), &m.payment_header) {
                    let payment = PaymentHeader::try_from(payment).expect("converted once");
                    let back = convert::blob_header_to_proto(&h, &payment);
                    assert_eq!(BlobHeader::try_from(&back).ok(), Some(h));
                }
            }
        }
        3 => {
            if let Ok(m) = pb::BlobCertificate::decode(bytes) {
                let _ = BlobCertificate::try_from(&m);
            }
        }
        4 => {
            if let Ok(m) = pb::BatchHeader::decode(bytes) {
                if let Ok(h) = BatchHeader::try_from(&m) {
                    let back = pb::BatchHeader::from(&h);
                    assert_eq!(BatchHeader::try_from(&back).ok(), Some(h));
                }
            }
        }
        5 => {
            if let Ok(m) = pb::Batch::decode(bytes) {
                let _ = convert::batch(&m);
            }
        }
        6 => {
            if let Ok(m) = dpb::Attestation::decode(bytes) {
                if let Ok(a) = Attestation::try_from(&m) {
                    let back = dpb::Attestation::from(&a);
                    assert_eq!(Attestation::try_from(&back).ok(), Some(a));
                }
            }
        }
        _ => {
            if let Ok(m) = dpb::BlobInclusionInfo::decode(bytes) {
                if let (Ok(info), Some(cert)) =
                    (BlobInclusionInfo::try_from(&m), &m.blob_certificate)
                {
                    let back = convert::inclusion_info_to_proto(&info, cert.clone());
                    assert_eq!(BlobInclusionInfo::try_from(&back).ok(), Some(info));
                }
            }
        }
    }
    // The scalar helpers every handler uses on raw fields.
    let _ = convert::g1("fuzz", bytes);
    let _ = convert::g2("fuzz", bytes);
    let _ = convert::blob_key("fuzz", bytes);
});
