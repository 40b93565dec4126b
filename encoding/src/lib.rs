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

pub mod fft;
pub mod fk20;
mod kzg;
mod params;
pub mod rs;
mod srs;

pub use kzg::BlobCommitments;
pub use params::{BlobParams, EncodingParams, MAX_EVALUATIONS, ParamsError};
pub use srs::Srs;
