//! What happened to each operator during one retrieval: who was asked, who
//! answered with how many accepted chunks, and why the others were skipped.

use std::fmt;
use std::time::Duration;

use lamina_core::OperatorId;

/// Why an operator's answer was (partly or wholly) rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OperatorFault {
    /// The operator has no socket registered on-chain.
    NoSocket,
    /// The registered socket is not a usable `host:port`.
    BadSocket {
        /// The socket as registered.
        socket: String,
        /// Why it cannot be dialled.
        reason: String,
    },
    /// Connecting failed (node down, port closed).
    Unreachable {
        /// The transport error.
        reason: String,
    },
    /// No answer within the per-operator timeout.
    Timeout {
        /// The timeout, in milliseconds.
        after_ms: u64,
    },
    /// The node answered with an error status.
    Status {
        /// gRPC code, e.g. `NotFound`.
        code: String,
        /// The node's message.
        message: String,
    },
    /// The answer is not well formed (lengths differ, frame bytes undecodable).
    Malformed {
        /// What is wrong, naming the chunk.
        reason: String,
    },
    /// Frames for chunk indices this operator is not assigned (another operator's
    /// chunks, or indices out of range): dropped, whether or not they verify.
    UnassignedIndices {
        /// The offending indices.
        indices: Vec<u32>,
    },
    /// Frames that do not open the blob's commitment at their index (corrupted,
    /// another blob's, or mislabelled).
    InvalidFrames {
        /// The offending indices.
        indices: Vec<u32>,
    },
    /// The node answered but returned none of its assigned chunks.
    NoChunks,
}

impl OperatorFault {
    /// Short machine-readable label (metrics, logs).
    pub fn label(&self) -> &'static str {
        match self {
            Self::NoSocket => "no_socket",
            Self::BadSocket { .. } => "bad_socket",
            Self::Unreachable { .. } => "unreachable",
            Self::Timeout { .. } => "timeout",
            Self::Status { .. } => "status",
            Self::Malformed { .. } => "malformed",
            Self::UnassignedIndices { .. } => "unassigned_indices",
            Self::InvalidFrames { .. } => "invalid_frames",
            Self::NoChunks => "no_chunks",
        }
    }

    /// Whether this fault means the operator lied (served data that does not check
    /// out), as opposed to being unavailable.
    pub fn is_misbehaviour(&self) -> bool {
        match self {
            Self::Malformed { .. }
            | Self::UnassignedIndices { .. }
            | Self::InvalidFrames { .. } => true,
            Self::NoSocket
            | Self::BadSocket { .. }
            | Self::Unreachable { .. }
            | Self::Timeout { .. }
            | Self::Status { .. }
            | Self::NoChunks => false,
        }
    }
}

/// Prints at most this many indices of a fault, then a count.
const MAX_PRINTED_INDICES: usize = 8;

fn fmt_indices(f: &mut fmt::Formatter<'_>, indices: &[u32]) -> fmt::Result {
    let shown: Vec<String> = indices
        .iter()
        .take(MAX_PRINTED_INDICES)
        .map(u32::to_string)
        .collect();
    write!(f, "[{}", shown.join(", "))?;
    if indices.len() > MAX_PRINTED_INDICES {
        write!(f, ", ... {} more", indices.len() - MAX_PRINTED_INDICES)?;
    }
    f.write_str("]")
}

impl fmt::Display for OperatorFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSocket => f.write_str("no socket registered"),
            Self::BadSocket { socket, reason } => write!(f, "bad socket {socket:?}: {reason}"),
            Self::Unreachable { reason } => write!(f, "unreachable: {reason}"),
            Self::Timeout { after_ms } => write!(f, "no answer within {after_ms} ms"),
            Self::Status { code, message } => write!(f, "answered {code}: {message}"),
            Self::Malformed { reason } => write!(f, "malformed answer: {reason}"),
            Self::UnassignedIndices { indices } => {
                write!(f, "{} frame(s) for unassigned chunks ", indices.len())?;
                fmt_indices(f, indices)
            }
            Self::InvalidFrames { indices } => {
                write!(
                    f,
                    "{} frame(s) fail verification against the commitment, chunks ",
                    indices.len()
                )?;
                fmt_indices(f, indices)
            }
            Self::NoChunks => f.write_str("returned none of its assigned chunks"),
        }
    }
}

/// How far a retrieval got with one operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperatorState {
    /// Not asked: enough chunks arrived from others first.
    NotAsked,
    /// Asked, but the retrieval finished before it answered.
    Cancelled,
    /// Answered (possibly with faults).
    Answered,
    /// Failed before answering (see its faults).
    Failed,
}

/// One operator's part in a retrieval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperatorReport {
    /// The operator.
    pub operator_id: OperatorId,
    /// Its socket, when registered.
    pub socket: Option<String>,
    /// Chunks it is assigned.
    pub assigned: usize,
    /// Of those, chunks accepted (verified) from its answer.
    pub accepted: usize,
    /// How far it got.
    pub state: OperatorState,
    /// Why (parts of) its answer were rejected; empty for a clean answer.
    pub faults: Vec<OperatorFault>,
    /// Time from request to answer, when it answered.
    pub latency: Option<Duration>,
}

impl OperatorReport {
    /// A report for an operator not asked yet.
    pub fn new(operator_id: OperatorId, socket: Option<String>, assigned: usize) -> Self {
        Self {
            operator_id,
            socket,
            assigned,
            accepted: 0,
            state: OperatorState::NotAsked,
            faults: Vec::new(),
            latency: None,
        }
    }
}

impl fmt::Display for OperatorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "operator {} ({})",
            self.operator_id,
            self.socket.as_deref().unwrap_or("no socket")
        )?;
        match self.state {
            OperatorState::NotAsked => f.write_str(": not asked")?,
            OperatorState::Cancelled => f.write_str(": asked, not needed")?,
            OperatorState::Answered | OperatorState::Failed => write!(
                f,
                ": {} of {} assigned chunks accepted",
                self.accepted, self.assigned
            )?,
        }
        for fault in &self.faults {
            write!(f, "; {fault}")?;
        }
        Ok(())
    }
}

/// Everything a retrieval learned about the operators.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetrievalReport {
    /// Distinct chunks needed to rebuild the blob.
    pub chunks_needed: usize,
    /// Distinct verified chunks collected.
    pub chunks_got: usize,
    /// One entry per operator of the quorum, in the order they were ranked.
    pub operators: Vec<OperatorReport>,
}

impl RetrievalReport {
    /// Operators with at least one fault.
    pub fn faulty(&self) -> impl Iterator<Item = &OperatorReport> {
        self.operators.iter().filter(|o| !o.faults.is_empty())
    }

    /// Operators that served data that does not check out.
    pub fn misbehaving(&self) -> impl Iterator<Item = &OperatorReport> {
        self.operators
            .iter()
            .filter(|o| o.faults.iter().any(OperatorFault::is_misbehaviour))
    }
}

impl fmt::Display for RetrievalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} chunks needed",
            self.chunks_got, self.chunks_needed
        )?;
        let mut faulty = self.faulty().peekable();
        if faulty.peek().is_some() {
            f.write_str("; failed operators: ")?;
            for (i, op) in faulty.enumerate() {
                if i > 0 {
                    f.write_str(" | ")?;
                }
                write!(f, "{op}")?;
            }
        }
        Ok(())
    }
}
