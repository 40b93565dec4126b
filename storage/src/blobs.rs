//! [`BlobObjects`]: the disperser's blobs and frames on an object store.

use std::path::PathBuf;
use std::sync::Arc;

use alloy_primitives::B256;
use lamina_core::BlobKey;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};

use crate::{ObjectStoreConfig, StorageError, frames};

/// What [`BlobObjects::put_frames`] wrote: what the controller needs to batch the blob
/// without reading the frames first, and the digest it checks when it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FramesSummary {
    /// Frames in the object.
    pub count: u32,
    /// Bytes per frame.
    pub frame_len: u32,
    /// [`frames::digest`] of the object.
    pub digest: B256,
}

/// The two kinds of object [`BlobObjects`] keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    /// `blobs/<key hex>`: a blob's bytes.
    Blob,
    /// `frames/<key hex>`: a blob's frames.
    Frames,
}

impl ObjectKind {
    fn prefix(self) -> &'static str {
        match self {
            Self::Blob => "blobs",
            Self::Frames => "frames",
        }
    }
}

/// Blobs (`blobs/<key hex>`) and their frames (`frames/<key hex>`, the [`frames`]
/// format) on one object store.
#[derive(Clone, Debug)]
pub struct BlobObjects {
    store: Arc<dyn ObjectStore>,
    /// The directory behind a local store: its files are fsynced after each write.
    local_root: Option<PathBuf>,
}

fn object_path(kind: ObjectKind, key: &BlobKey) -> ObjectPath {
    ObjectPath::from(format!("{}/{key}", kind.prefix()))
}

fn blob_path(key: &BlobKey) -> ObjectPath {
    object_path(ObjectKind::Blob, key)
}

fn frames_path(key: &BlobKey) -> ObjectPath {
    object_path(ObjectKind::Frames, key)
}

impl BlobObjects {
    /// Opens the store `config` names.
    pub fn open(config: &ObjectStoreConfig) -> Result<Self, StorageError> {
        config.validate()?;
        let local_root = match config {
            ObjectStoreConfig::Dir(dir) => Some(dir.clone()),
            ObjectStoreConfig::S3(_) => None,
        };
        Ok(Self {
            store: config.open()?,
            local_root,
        })
    }

    /// Writes `object` at `path`, replacing any object there atomically; on a local
    /// directory the file and its directory are fsynced before this returns.
    async fn put(&self, path: &ObjectPath, object: Vec<u8>) -> Result<(), StorageError> {
        self.store
            .put(path, PutPayload::from(object))
            .await
            .map_err(|source| StorageError::Object {
                op: "put",
                object: path.to_string(),
                source,
            })?;
        let Some(root) = &self.local_root else {
            return Ok(());
        };
        let file = root.join(path.as_ref());
        tokio::task::spawn_blocking(move || {
            let sync = |p: &std::path::Path| {
                std::fs::File::open(p)
                    .and_then(|f| f.sync_all())
                    .map_err(|source| StorageError::Sync {
                        path: p.display().to_string(),
                        source,
                    })
            };
            sync(&file)?;
            // The rename that published the file is durable once its directory is.
            match file.parent() {
                Some(dir) => sync(dir),
                None => Ok(()),
            }
        })
        .await
        .map_err(|e| StorageError::Sync {
            path: path.to_string(),
            source: std::io::Error::other(e.to_string()),
        })?
    }

    /// The object at `path`, `None` when there is none.
    async fn get(&self, path: &ObjectPath) -> Result<Option<Vec<u8>>, StorageError> {
        let failed = |source| StorageError::Object {
            op: "get",
            object: path.to_string(),
            source,
        };
        match self.store.get(path).await {
            Ok(found) => Ok(Some(found.bytes().await.map_err(failed)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failed(e)),
        }
    }

    /// Deletes the object at `path`; a missing one is not an error.
    async fn delete(&self, path: &ObjectPath) -> Result<(), StorageError> {
        match self.store.delete(path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(source) => Err(StorageError::Object {
                op: "delete",
                object: path.to_string(),
                source,
            }),
        }
    }

    /// Writes a blob's bytes (durably, before an API server answers `DisperseBlob`).
    pub async fn put_blob(&self, key: &BlobKey, blob: Vec<u8>) -> Result<(), StorageError> {
        self.put(&blob_path(key), blob).await
    }

    /// A blob's bytes; `None` once deleted (or never written).
    pub async fn blob(&self, key: &BlobKey) -> Result<Option<Vec<u8>>, StorageError> {
        self.get(&blob_path(key)).await
    }

    /// Writes a blob's frames (chunk-index order, all of one length) as one object.
    pub async fn put_frames(
        &self,
        key: &BlobKey,
        frames: &[Vec<u8>],
    ) -> Result<FramesSummary, StorageError> {
        let path = frames_path(key);
        let object = frames::encode(frames).map_err(|e| StorageError::Corrupt {
            object: path.to_string(),
            reason: e.to_string(),
        })?;
        let summary = FramesSummary {
            // `encode` checked that both fit a u32.
            count: u32::try_from(frames.len()).unwrap_or(u32::MAX),
            frame_len: u32::try_from(frames.first().map_or(0, Vec::len)).unwrap_or(u32::MAX),
            digest: frames::digest(&object),
        };
        self.put(&path, object).await?;
        Ok(summary)
    }

    /// A blob's frames, checked against `expected` (the summary its encoder reported):
    /// `None` when there is no frame object, an error when it is not the one reported.
    pub async fn frames(
        &self,
        key: &BlobKey,
        expected: &FramesSummary,
    ) -> Result<Option<Vec<Vec<u8>>>, StorageError> {
        let path = frames_path(key);
        let Some(object) = self.get(&path).await? else {
            return Ok(None);
        };
        let corrupt = |reason: String| StorageError::Corrupt {
            object: path.to_string(),
            reason,
        };
        let digest = frames::digest(&object);
        if digest != expected.digest {
            return Err(corrupt(format!(
                "digest {digest}, the encoder reported {}",
                expected.digest
            )));
        }
        frames::decode(&object)
            .map(Some)
            .map_err(|e| corrupt(e.to_string()))
    }

    /// Deletes a blob's bytes (its retention ended, or it failed); missing is fine.
    pub async fn delete_blob(&self, key: &BlobKey) -> Result<(), StorageError> {
        self.delete(&blob_path(key)).await
    }

    /// Deletes a blob's frames (its batch ended); missing is fine.
    pub async fn delete_frames(&self, key: &BlobKey) -> Result<(), StorageError> {
        self.delete(&frames_path(key)).await
    }

    /// Deletes one object of `kind`; missing is fine.
    pub async fn delete_object(&self, kind: ObjectKind, key: &BlobKey) -> Result<(), StorageError> {
        self.delete(&object_path(kind, key)).await
    }

    /// The keys of the objects of `kind` last written before `before`: the candidates of
    /// an orphan sweep. Names that are not a blob key are not this layout's and skipped.
    /// One listing of the prefix: on S3, one request per 1000 objects.
    pub async fn written_before(
        &self,
        kind: ObjectKind,
        before: std::time::SystemTime,
    ) -> Result<Vec<BlobKey>, StorageError> {
        use futures::TryStreamExt;
        let prefix = ObjectPath::from(kind.prefix());
        let before_ms = before
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let listed: Vec<_> =
            self.store
                .list(Some(&prefix))
                .try_collect()
                .await
                .map_err(|source| StorageError::Object {
                    op: "list",
                    object: prefix.to_string(),
                    source,
                })?;
        Ok(listed
            .into_iter()
            .filter(|meta| meta.last_modified.timestamp_millis() < before_ms)
            .filter_map(|meta| meta.location.filename()?.parse().ok())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blobs_and_frames_round_trip_on_a_local_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let objects =
            BlobObjects::open(&ObjectStoreConfig::Dir(dir.path().join("objects"))).expect("opens");
        let key = BlobKey([7; 32]);
        assert_eq!(objects.blob(&key).await.expect("reads"), None);
        objects.put_blob(&key, vec![1, 2, 3]).await.expect("writes");
        assert_eq!(
            objects.blob(&key).await.expect("reads"),
            Some(vec![1, 2, 3])
        );
        // the layout is the documented one
        assert!(
            dir.path()
                .join("objects/blobs")
                .join(key.to_string())
                .is_file()
        );

        let frames = vec![vec![9u8; 64], vec![8u8; 64]];
        let summary = objects.put_frames(&key, &frames).await.expect("writes");
        assert_eq!((summary.count, summary.frame_len), (2, 64));
        assert_eq!(
            objects.frames(&key, &summary).await.expect("reads"),
            Some(frames.clone())
        );
        // frames rewritten by another encoder: a stale summary is refused, not served
        objects
            .put_frames(&key, &[vec![1u8; 64], vec![2u8; 64]])
            .await
            .expect("rewrites");
        assert!(matches!(
            objects.frames(&key, &summary).await,
            Err(StorageError::Corrupt { .. })
        ));

        objects.delete_blob(&key).await.expect("deletes");
        objects.delete_frames(&key).await.expect("deletes");
        objects
            .delete_frames(&key)
            .await
            .expect("deleting twice is fine");
        assert_eq!(objects.blob(&key).await.expect("reads"), None);
        assert_eq!(objects.frames(&key, &summary).await.expect("reads"), None);
    }
}
