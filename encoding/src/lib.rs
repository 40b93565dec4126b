//! # lamina-encoding
//!
//! The first step of a blob's life: payload → blob → commitments → frames, and
//! the last step of its read path: frames → blob → payload.
//!
//! Data formats follow EigenDA v2 so that commitments and frames are
//! interchangeable with it.
//!
//! ## Bird's-eye view
//!
//! - **codec**: [`Blob::from_payload`] / [`Blob::to_payload`], EigenDA v2's
//!   payload encoding (a 32-byte header, 31 payload bytes per 32-byte symbol,
//!   a power of two of symbols); [`Blob::from_bytes`] / [`Blob::to_bytes`].
//! - **point**: EigenDA's (gnark-crypto's) compressed points and big-endian
//!   scalars: [`g1_to_bytes`], [`g2_from_bytes`], [`fr_from_bytes`], ...
//! - **srs**: [`Srs::load`] reads EigenDA's SRS files; [`Srs::development_cached`]
//!   gives an INSECURE seeded SRS for development, cached on disk.
//! - **kzg**: [`commit_blob`] computes the G1 commitment, G2 length commitment
//!   and G2 length proof; [`verify_length_proof`] checks them, and
//!   [`verify_commitments`] (the same batched pairing check) checks a client's G2
//!   values against a G1 commitment recomputed from the blob.
//! - **encoder**: [`Encoder`] turns a blob into frames (RS + FK20); its FK20
//!   tables can be kept on disk in a [`TableCache`], keyed by the SRS points'
//!   digest and the shape.
//!
//! ```
//! use lamina_encoding::{Blob, Srs, commit_blob, verify_length_proof};
//!
//! let blob = Blob::from_payload(b"hello, lamina")?;
//! // INSECURE: the secret is derived from a public seed. Development only.
//! let srs = Srs::insecure_development(1, blob.len_symbols());
//! let commitments = commit_blob(&srs, &blob)?;
//! verify_length_proof(&srs, &commitments)?;
//! assert_eq!(blob.to_payload()?, b"hello, lamina");
//! # Ok::<(), lamina_encoding::Error>(())
//! ```
//!
//! Errors: each module has its own enum ([`CodecError`], [`PointError`],
//! [`SrsError`], [`KzgError`]); [`Error`] wraps them all.
//!
//! ## Feature flags
//!
//! - `parallel` (default): rayon for MSMs, point decompression and the codec.
//!
//! This crate is pure computation: no tokio, no network, no chain.

#![forbid(unsafe_code)]

mod codec;
pub mod decode;
mod encoder;
mod error;
pub mod fft;
pub mod fk20;
mod fk20_cache;
mod frame;
mod group_fft;
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
pub use encoder::{Bn254Fk20Table, DEFAULT_FIXED_BASES_LIMIT, EncodeError, Encoder};
pub use error::{Error, Result};
pub use fk20_cache::{FK20_CACHE_ENV, TableCache, TableCacheError, TableKey};
pub use frame::{Frame, FrameError};
pub use kzg::{
    BlobCommitments, KzgError, commit, commit_blob, commit_length, length_proof,
    verify_commitment_equivalence, verify_commitments, verify_length_proof,
};
pub use params::{BlobParams, EncodingParams, MAX_EVALUATIONS, ParamsError};
pub use point::{
    FR_BYTES, G1_COMPRESSED_BYTES, G2_COMPRESSED_BYTES, PointError, fr_from_bytes, fr_to_bytes,
    g1_from_bytes, g1_to_bytes, g2_from_bytes, g2_in_subgroup, g2_to_bytes,
};
pub use srs::{
    DEVELOPMENT_SEED, EIGENDA_SRS_ORDER, MAX_BLOB_SYMBOLS, MAX_DEVELOPMENT_POINTS, SRS_CACHE_ENV,
    Srs, SrsError, SrsScope,
};
pub use verify::{BlobFrames, FrameId, VerifyError, verify_frame, verify_frames};
