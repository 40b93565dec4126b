//! # lamina-encoding
//!
//! The first step of a blob's life: payload → blob → commitments → frames, and
//! the last step of its read path: frames → blob → payload.
//!
//! Data formats follow EigenDA v2 so that commitments and frames are
//! interchangeable with it.
//!
//! This crate is pure computation: no tokio, no network, no chain. Heavy work
//! runs on rayon behind the `parallel` feature (on by default).

mod codec;
pub mod decode;
mod encoder;
mod error;
pub mod fft;
pub mod fk20;
mod frame;
mod kzg;
pub mod msm;
mod params;
mod point;
pub mod rs;
mod srs;
pub mod verify;

#[cfg(test)]
mod test_support;

pub use codec::{
    BYTES_PER_SYMBOL, Blob, CodecError, PAYLOAD_BYTES_PER_SYMBOL, PAYLOAD_ENCODING_VERSION_0,
};
pub use decode::{DecodeError, decode, decode_checked};
pub use encoder::{Bn254Fk20Table, EncodeError, Encoder};
pub use error::{Error, Result};
pub use frame::{Frame, FrameError};
pub use kzg::{
    BlobCommitments, KzgError, commit, commit_blob, commit_length, length_proof,
    verify_commitment_equivalence, verify_length_proof,
};
pub use params::{BlobParams, EncodingParams, MAX_EVALUATIONS, ParamsError};
pub use point::{
    FR_BYTES, G1_COMPRESSED_BYTES, G2_COMPRESSED_BYTES, PointError, fr_from_bytes, fr_to_bytes,
    g1_from_bytes, g1_to_bytes, g2_from_bytes, g2_to_bytes,
};
pub use srs::{
    DEVELOPMENT_SEED, EIGENDA_SRS_ORDER, MAX_BLOB_SYMBOLS, MAX_DEVELOPMENT_POINTS, SRS_CACHE_ENV,
    Srs, SrsError,
};
pub use verify::{BlobFrames, FrameId, VerifyError, verify_frame, verify_frames};
