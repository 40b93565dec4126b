//! The crate-level error: every module's error enum, wrapped transparently.
//!
//! Callers that branch on a specific failure match the module error
//! ([`PointError`], [`CodecError`], ...); callers that only propagate use
//! [`Error`] and `?`.

use crate::codec::CodecError;
use crate::kzg::KzgError;
use crate::point::PointError;
use crate::srs::SrsError;

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
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
