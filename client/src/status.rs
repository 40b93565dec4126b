//! Where a blob stands at the disperser.

use std::fmt;

use lamina_proto::disperser::v1 as pb;

/// A blob's status at the disperser (`lamina.disperser.v1.BlobStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlobStatus {
    /// Accepted into the durable queue.
    Queued,
    /// Encoded into frames.
    Encoded,
    /// Frames sent to operators; signatures being collected.
    GatheringSignatures,
    /// Certificate available.
    Complete,
    /// The disperser gave up (see the reason).
    Failed,
    /// Not enough stake signed.
    InsufficientSignatures,
    /// A value this client does not know (or unspecified).
    Unknown(i32),
}

impl BlobStatus {
    /// Whether the status will not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Complete | Self::Failed | Self::InsufficientSignatures
        )
    }
}

impl From<i32> for BlobStatus {
    fn from(value: i32) -> Self {
        match pb::BlobStatus::try_from(value) {
            Ok(pb::BlobStatus::Queued) => Self::Queued,
            Ok(pb::BlobStatus::Encoded) => Self::Encoded,
            Ok(pb::BlobStatus::GatheringSignatures) => Self::GatheringSignatures,
            Ok(pb::BlobStatus::Complete) => Self::Complete,
            Ok(pb::BlobStatus::Failed) => Self::Failed,
            Ok(pb::BlobStatus::InsufficientSignatures) => Self::InsufficientSignatures,
            Ok(pb::BlobStatus::Unspecified) | Err(_) => Self::Unknown(value),
        }
    }
}

impl fmt::Display for BlobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Queued => f.write_str("QUEUED"),
            Self::Encoded => f.write_str("ENCODED"),
            Self::GatheringSignatures => f.write_str("GATHERING_SIGNATURES"),
            Self::Complete => f.write_str("COMPLETE"),
            Self::Failed => f.write_str("FAILED"),
            Self::InsufficientSignatures => f.write_str("INSUFFICIENT_SIGNATURES"),
            Self::Unknown(v) => write!(f, "UNKNOWN({v})"),
        }
    }
}
