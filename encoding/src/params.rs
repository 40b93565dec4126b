//! Blob versions: the erasure-coding parameters a blob is encoded with.

/// Encoding parameters of one blob version, as EigenDA v2's `BlobVersionParameters`
/// and the `ThresholdRegistry` contract store them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlobParams {
    /// Number of chunks (frames) a blob is cut into; a power of two.
    pub num_chunks: u32,
    /// Reed-Solomon expansion factor; a power of two.
    pub coding_rate: u32,
    /// Largest operator count a quorum may have for this version.
    pub max_num_operators: u32,
}

impl BlobParams {
    /// EigenDA v2 blob version 0: `{num_chunks: 8192, coding_rate: 8, max_num_operators: 3537}`.
    pub const V0: Self = Self {
        num_chunks: 8192,
        coding_rate: 8,
        max_num_operators: 3537,
    };

    /// Symbols per chunk for a blob of `blob_symbols` symbols:
    /// `max(1, blob_symbols * coding_rate / num_chunks)`.
    pub fn chunk_length(&self, blob_symbols: u64) -> u64 {
        (blob_symbols * u64::from(self.coding_rate) / u64::from(self.num_chunks)).max(1)
    }
}
