//! The crate-level error: every module's error enum, wrapped transparently.
//!
//! Callers that branch on a specific failure match the module error
//! ([`PointError`], [`CodecError`], ...); callers that only propagate use
//! [`Error`] and `?`.

use crate::codec::CodecError;
use crate::decode::DecodeError;
use crate::encoder::EncodeError;
use crate::frame::FrameError;
use crate::kzg::KzgError;
use crate::params::ParamsError;
use crate::point::PointError;
use crate::srs::SrsError;
use crate::verify::VerifyError;

/// Any error of `lamina-encoding`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A point or scalar is not valid in EigenDA's byte format.
    #[error(transparent)]
    Point(#[from] PointError),
    /// A payload or blob is malformed.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// An SRS could not be loaded or generated.
    #[error(transparent)]
    Srs(#[from] SrsError),
    /// A commitment could not be computed or does not verify.
    #[error(transparent)]
    Kzg(#[from] KzgError),
    /// A blob version or chunk shape is invalid.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// A blob could not be encoded into frames.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// Bytes are not a frame.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// Frames failed verification.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// A blob could not be rebuilt from frames.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
