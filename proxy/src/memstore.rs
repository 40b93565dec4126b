//! Memstore mode: the proxy's routes over an in-memory store, for rollup developers who
//! want the OP alt-DA interface without a Lamina network. Nothing is dispersed or
//! certified: a commitment is `0x01 0x4c 0xff` then `keccak256(batch)` (version `0xff`
//! is reserved for memstore commitments; a real network never answers it), and a batch
//! is forgotten `expiry_ms` after it was written.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use alloy_primitives::{B256, keccak256};
use lamina_derivation::commitment::{GENERIC_COMMITMENT_TYPE, LAMINA_DA_LAYER_BYTE};
use lamina_derivation::{CommitmentError, DropCode, DropReason, Outcome};
use serde::{Deserialize, Serialize};

/// Certificate-version byte of memstore commitments.
pub const MEMSTORE_VERSION: u8 = 0xff;
/// The three bytes before a memstore commitment's hash.
pub const MEMSTORE_PREFIX: [u8; 3] = [
    GENERIC_COMMITMENT_TYPE,
    LAMINA_DA_LAYER_BYTE,
    MEMSTORE_VERSION,
];

/// The `[memstore]` table: present, the proxy serves from memory instead of the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MemstoreConfig {
    /// How long a written batch stays readable. Default: 3600000 (one hour).
    pub expiry_ms: u64,
}

impl Default for MemstoreConfig {
    fn default() -> Self {
        Self {
            expiry_ms: 3_600_000,
        }
    }
}

/// Faults a memstore injects, settable at runtime on `PUT /memstore/faults` (JSON, every
/// field optional) and read on `GET /memstore/faults`: for testing a rollup's handling
/// of a slow, failing or dropping DA layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Added to every write. Default: 0.
    pub put_latency_ms: u64,
    /// Added to every read. Default: 0.
    pub get_latency_ms: u64,
    /// Writes fail with 503, so the batcher fails over to L1. Default: false.
    pub put_failover: bool,
    /// Reads of stored batches answer 418 with this derivation code (1–4). Default: none.
    pub get_drop_code: Option<u8>,
}

impl Faults {
    /// The forced drop code, when it is one of the derivation's.
    pub fn drop_code(&self) -> Result<Option<DropCode>, String> {
        match self.get_drop_code {
            None => Ok(None),
            Some(n) => DropCode::ALL
                .into_iter()
                .find(|c| c.number() == n)
                .map(Some)
                .ok_or_else(|| format!("get_drop_code {n} is not a derivation code (1-4)")),
        }
    }
}

/// A stored batch and when it was written.
type Stored = (Arc<Vec<u8>>, Instant);

/// Memstore mode's store: batches by the keccak of their bytes, each with its write time.
#[derive(Debug)]
pub struct MemStore {
    expiry: Duration,
    /// A std mutex: held only to insert, look up or sweep, never across an `.await`.
    batches: Mutex<HashMap<B256, Stored>>,
    /// A std mutex: held only to copy or replace the faults.
    faults: Mutex<Faults>,
}

impl MemStore {
    /// An empty store.
    pub fn new(config: MemstoreConfig) -> Self {
        Self {
            expiry: Duration::from_millis(config.expiry_ms),
            batches: Mutex::new(HashMap::new()),
            faults: Mutex::new(Faults::default()),
        }
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        *self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the faults (checked first: an unknown drop code is refused).
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        faults.drop_code()?;
        *self.faults.lock().unwrap_or_else(PoisonError::into_inner) = faults;
        Ok(())
    }

    /// Stores `batch` and answers its commitment; expired batches are swept first, so
    /// memory holds at most what was written within one expiry period.
    pub(crate) fn put(&self, batch: &[u8], now: Instant) -> Vec<u8> {
        let hash = keccak256(batch);
        let mut batches = self.batches.lock().unwrap_or_else(PoisonError::into_inner);
        batches.retain(|_, (_, at)| now.saturating_duration_since(*at) < self.expiry);
        batches.insert(hash, (Arc::new(batch.to_vec()), now));
        [&MEMSTORE_PREFIX[..], hash.as_slice()].concat()
    }

    /// The batch of a memstore commitment: `Stall` (404) when unknown or expired, `Drop`
    /// with the parse code when the bytes are not a memstore commitment.
    pub(crate) fn get(&self, commitment: &[u8], now: Instant) -> Outcome {
        let hash = match parse(commitment) {
            Ok(hash) => hash,
            Err(e) => return Outcome::Drop(DropReason::Parse(e)),
        };
        let batches = self.batches.lock().unwrap_or_else(PoisonError::into_inner);
        match batches.get(&hash) {
            Some((batch, at)) if now.saturating_duration_since(*at) < self.expiry => {
                Outcome::Payload(batch.to_vec())
            }
            Some(_) | None => Outcome::Stall,
        }
    }
}

fn parse(commitment: &[u8]) -> Result<B256, CommitmentError> {
    let [commitment_type, da_layer, version, hash @ ..] = commitment else {
        return Err(CommitmentError::TooShort {
            len: commitment.len(),
        });
    };
    if *commitment_type != GENERIC_COMMITMENT_TYPE {
        return Err(CommitmentError::NotGeneric {
            commitment_type: *commitment_type,
        });
    }
    if *da_layer != LAMINA_DA_LAYER_BYTE {
        return Err(CommitmentError::OtherDaLayer { byte: *da_layer });
    }
    if *version != MEMSTORE_VERSION {
        return Err(CommitmentError::UnknownVersion { version: *version });
    }
    B256::try_from(hash).map_err(|_| CommitmentError::TooShort {
        len: commitment.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_round_trip_until_they_expire() {
        let store = MemStore::new(MemstoreConfig { expiry_ms: 1_000 });
        let t0 = Instant::now();
        let commitment = store.put(b"batch", t0);
        assert_eq!(&commitment[..3], &[0x01, 0x4c, 0xff]);
        assert_eq!(commitment.len(), 35);
        assert_eq!(
            store.get(&commitment, t0 + Duration::from_millis(999)),
            Outcome::Payload(b"batch".to_vec())
        );
        assert_eq!(
            store.get(&commitment, t0 + Duration::from_millis(1_000)),
            Outcome::Stall
        );
        // An expired batch is swept by the next write.
        store.put(b"other", t0 + Duration::from_secs(2));
        let kept = store.batches.lock().expect("not poisoned").len();
        assert_eq!(kept, 1);
    }

    #[test]
    fn other_bytes_are_parse_drops_and_unknown_hashes_stall() {
        let store = MemStore::new(MemstoreConfig::default());
        let now = Instant::now();
        let mut unknown = MEMSTORE_PREFIX.to_vec();
        unknown.extend_from_slice(&[7; 32]);
        assert_eq!(store.get(&unknown, now), Outcome::Stall);
        for bad in [
            &[0x01, 0x4c, 0x00, 1][..],
            &[0x01, 0x4c, 0xff, 1],
            &[0x00],
            &[],
        ] {
            let Outcome::Drop(reason) = store.get(bad, now) else {
                panic!("{bad:?} must be dropped");
            };
            assert_eq!(reason.code(), DropCode::Parse, "{bad:?}");
        }
    }
}
