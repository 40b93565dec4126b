//! Secondary storage: batches this proxy wrote, copied to an object store (a local
//! directory, or an S3-compatible bucket, both through `object_store`) and read back
//! when the network cannot serve a valid certificate's blob. Writes go through a bounded
//! queue to one writer task, after the certificate is verified; a full queue or a failed
//! write is counted, never silent. A batch read back is checked against the
//! certificate's commitment before it is used.

use std::sync::Arc;

use alloy_primitives::keccak256;
use lamina_storage::{ObjectPath, ObjectStore, ObjectStoreConfig};
use tokio::sync::mpsc;

use crate::error::ProxyError;
use crate::metrics::Metrics;

/// Batches waiting to be copied; past it a copy is dropped (and counted).
const WRITE_QUEUE_CAPACITY: usize = 256;

/// The object name of a commitment's batch: the keccak of the commitment bytes, hex.
pub fn object_name(commitment: &[u8]) -> String {
    hex::encode(keccak256(commitment))
}

/// The store and the queue to its writer.
pub(crate) struct Secondary {
    store: Arc<dyn ObjectStore>,
    writes: mpsc::Sender<(Vec<u8>, Vec<u8>)>,
}

impl Secondary {
    /// Opens the store and starts its writer task, which ends when the proxy (the last
    /// sender) is dropped.
    pub(crate) fn open(
        config: &ObjectStoreConfig,
        metrics: Arc<Metrics>,
    ) -> Result<Self, ProxyError> {
        let store = config
            .validate()
            .and_then(|()| config.open())
            .map_err(ProxyError::Secondary)?;
        tracing::info!(store = %config.describe(), "secondary storage");
        let (writes, mut queue) = mpsc::channel::<(Vec<u8>, Vec<u8>)>(WRITE_QUEUE_CAPACITY);
        let writer_store = Arc::clone(&store);
        tokio::spawn(async move {
            while let Some((commitment, batch)) = queue.recv().await {
                let path = ObjectPath::from(object_name(&commitment));
                match writer_store.put(&path, batch.into()).await {
                    Ok(_) => metrics.secondary("write", "ok"),
                    Err(e) => {
                        metrics.secondary("write", "error");
                        tracing::warn!(object = %path, error = %e, "secondary write failed");
                    }
                }
            }
        });
        Ok(Self { store, writes })
    }

    /// Queues a copy of `batch`; a full queue drops it (counted by the caller's metrics).
    pub(crate) fn queue_write(&self, commitment: Vec<u8>, batch: Vec<u8>) -> bool {
        self.writes.try_send((commitment, batch)).is_ok()
    }

    /// The batch stored for `commitment`: `Ok(None)` when there is none.
    pub(crate) async fn read(
        &self,
        commitment: &[u8],
    ) -> Result<Option<Vec<u8>>, object_store::Error> {
        let path = ObjectPath::from(object_name(commitment));
        match self.store.get(&path).await {
            Ok(found) => found.bytes().await.map(|b| Some(b.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
