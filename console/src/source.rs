//! What a service gives the console: [`DisperserSource`] (the blob explorer and operator
//! console) and [`NodeSource`] (the node page). The console crate knows no service: each
//! service implements the trait over its own records, so dependencies flow one way
//! (services → console).

use std::net::IpAddr;

use async_trait::async_trait;

use crate::ConsoleError;
use crate::model::{
    BatchView, BlobDetail, BlobSummary, NodeSummary, OperatorView, Page, Retrievability,
    SigningRate,
};

/// Where the blob list continues: the `before=` cursor, `<accepted_ns>-<blob key hex>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct BlobCursor {
    /// Acceptance time of the last blob of the previous page, ns since the epoch.
    pub accepted_ns: u64,
    /// Its key.
    pub blob_key: [u8; 32],
}

impl BlobCursor {
    /// The cursor's text form.
    pub fn encode(&self) -> String {
        format!("{}-{}", self.accepted_ns, hex::encode(self.blob_key))
    }

    /// Parses [`BlobCursor::encode`]'s form.
    pub fn parse(text: &str) -> Result<Self, ConsoleError> {
        let bad = || {
            ConsoleError::invalid(
                "before",
                format!("{text:?} is not a cursor from a previous page's `next`"),
            )
        };
        let (ns, key) = text.split_once('-').ok_or_else(bad)?;
        let accepted_ns = ns.parse().map_err(|_| bad())?;
        let blob_key = parse_hex32("before", key).map_err(|_| bad())?;
        Ok(Self {
            accepted_ns,
            blob_key,
        })
    }
}

/// A blob list request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobQuery {
    /// Only blobs paid by this account.
    pub account: Option<[u8; 20]>,
    /// Only blobs accepted before this cursor (exclusive).
    pub before: Option<BlobCursor>,
    /// At most this many (already bounded by `max_page_size`).
    pub limit: usize,
}

/// The disperser's records, as the console reads them. Every method is read-only.
#[async_trait]
pub trait DisperserSource: Send + Sync + 'static {
    /// Charges one request to the client address `peer` under the service's per-address
    /// limit (`None`: unknown peer, not limited); [`ConsoleError::RateLimited`] when over.
    fn admit(&self, peer: Option<IpAddr>) -> Result<(), ConsoleError>;
    /// Recent blobs, newest first.
    async fn blobs(&self, query: BlobQuery) -> Result<Page<BlobSummary>, ConsoleError>;
    /// One blob.
    async fn blob(&self, blob_key: [u8; 32]) -> Result<BlobDetail, ConsoleError>;
    /// Whether a `COMPLETE` blob can be rebuilt from the operators now (a live
    /// retrieval, bounded: a timeout, a few checks at once, one per blob, results reused
    /// briefly); [`ConsoleError::WrongState`] for a blob that is not `COMPLETE`,
    /// [`ConsoleError::Busy`] when too many checks run.
    async fn retrievability(&self, blob_key: [u8; 32]) -> Result<Retrievability, ConsoleError>;
    /// Recent batches, newest first: ids below `before`, at most `limit`.
    async fn batches(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Page<BatchView>, ConsoleError>;
    /// One batch.
    async fn batch(&self, batch_id: u64) -> Result<BatchView, ConsoleError>;
    /// Every registered operator with its stake and signing rates.
    async fn operators(&self) -> Result<Vec<OperatorView>, ConsoleError>;
    /// One operator's signing rate over the last `window_secs`.
    async fn signing_rate(
        &self,
        operator_id: [u8; 32],
        window_secs: u64,
    ) -> Result<SigningRate, ConsoleError>;
}

/// A node's own figures, as the node page reads them.
#[async_trait]
pub trait NodeSource: Send + Sync + 'static {
    /// As [`DisperserSource::admit`].
    fn admit(&self, peer: Option<IpAddr>) -> Result<(), ConsoleError>;
    /// The node page's figures.
    async fn summary(&self) -> Result<NodeSummary, ConsoleError>;
}

/// Parses 32 bytes of hex, with or without `0x`.
pub fn parse_hex32(field: &'static str, text: &str) -> Result<[u8; 32], ConsoleError> {
    parse_hex::<32>(field, text)
}

/// Parses `N` bytes of hex, with or without `0x`.
pub fn parse_hex<const N: usize>(field: &'static str, text: &str) -> Result<[u8; N], ConsoleError> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    if digits.len() != 2 * N {
        return Err(ConsoleError::invalid(
            field,
            format!("{} hex digits, expected {}", digits.len(), 2 * N),
        ));
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(digits, &mut out)
        .map_err(|e| ConsoleError::invalid(field, format!("not hex: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_a_named_error() {
        let cursor = BlobCursor {
            accepted_ns: 1_700_000_000_000_000_000,
            blob_key: [7; 32],
        };
        assert_eq!(BlobCursor::parse(&cursor.encode()).expect("parses"), cursor);
        for bad in ["", "12", "x-00", "1-abcd"] {
            let err = BlobCursor::parse(bad).expect_err("garbage");
            assert!(err.to_string().contains("before"), "{err}");
        }
    }

    #[test]
    fn hex_keys_take_an_optional_prefix() {
        let key = format!("0x{}", "ab".repeat(32));
        assert_eq!(parse_hex32("blob_key", &key).expect("parses"), [0xab; 32]);
        assert_eq!(
            parse_hex32("blob_key", &key[2..]).expect("parses"),
            [0xab; 32]
        );
        assert!(parse_hex32("blob_key", "ab").is_err());
        assert!(parse_hex::<20>("account", &"zz".repeat(20)).is_err());
    }
}
