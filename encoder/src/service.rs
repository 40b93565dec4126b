//! The encoding core every encoder runs (the service here, and the disperser when it
//! encodes in process) and the `lamina.encoder.v1.Encoder` service around it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use lamina_core::BlobKey;
use lamina_encoding::{Blob, BlobParams, DEVELOPMENT_SEED, Encoder, Srs, TableCache};
use lamina_proto::encoder::v1 as pb;
use lamina_storage::BlobObjects;
use tokio::sync::Semaphore;
use tonic::{Request, Response, Status};

use crate::error::{EncodeFailure, FrameError};
use crate::metrics::{Metrics, OutcomeLabels};

/// The encoder a service runs over `srs`: over the development SRS, FK20 tables are
/// built from its public secret in seconds; over real SRS points they take tens of
/// seconds per shape, so they are kept on disk ($LAMINA_FK20_CACHE, else under the SRS
/// cache root), keyed by the SRS points' digest and the shape.
pub fn service_encoder(srs: Arc<Srs>) -> Encoder {
    if srs.is_insecure() {
        return Encoder::with_insecure_development_seed(srs, DEVELOPMENT_SEED);
    }
    let encoder = Encoder::new(srs);
    match TableCache::default_dir() {
        Ok(dir) => encoder.with_table_cache(TableCache::new(dir)),
        Err(e) => {
            tracing::warn!(error = %e, "no FK20 table cache directory; tables are rebuilt at every start");
            encoder
        }
    }
}

/// A blob's frames, serialized (EigenDA's frame format), in chunk-index order. CPU
/// bound (rayon inside): call it from a blocking thread.
pub fn encode_frames(
    encoder: &Encoder,
    blob: &[u8],
    params: BlobParams,
) -> Result<Vec<Vec<u8>>, FrameError> {
    let blob = Blob::from_bytes(blob)?;
    let frames = encoder.encode(&blob, params)?;
    Ok(frames.iter().map(|f| f.to_bytes()).collect())
}

/// `lamina.encoder.v1.Encoder`.
#[derive(Debug)]
pub struct EncoderService {
    encoder: Arc<Encoder>,
    objects: BlobObjects,
    permits: Arc<Semaphore>,
    capacity: usize,
    encoded: AtomicU64,
    metrics: Arc<Metrics>,
}

impl EncoderService {
    pub(crate) fn new(
        encoder: Arc<Encoder>,
        objects: BlobObjects,
        capacity: usize,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            encoder,
            objects,
            permits: Arc::new(Semaphore::new(capacity)),
            capacity,
            encoded: AtomicU64::new(0),
            metrics,
        }
    }

    async fn encode(
        &self,
        req: pb::EncodeBlobRequest,
    ) -> Result<pb::EncodeBlobReply, EncodeFailure> {
        let key =
            BlobKey(
                req.blob_key
                    .as_slice()
                    .try_into()
                    .map_err(|_| EncodeFailure::BadKey {
                        len: req.blob_key.len(),
                    })?,
            );
        let shape = req
            .shape
            .ok_or_else(|| EncodeFailure::BadShape("missing".to_owned()))?;
        let params = BlobParams {
            num_chunks: shape.num_chunks,
            coding_rate: shape.coding_rate,
            // Assignment's bound, not encoding's: any value up to num_chunks passes.
            max_num_operators: 0,
        };
        params.validate()?;
        // Refuse rather than queue: the controller sends the blob to another encoder.
        let permit = self
            .permits
            .clone()
            .try_acquire_owned()
            .map_err(|_| EncodeFailure::Busy {
                capacity: self.capacity,
            })?;
        self.metrics.in_flight.inc();
        let result = self.encode_held(key, params).await;
        self.metrics.in_flight.dec();
        drop(permit);
        result
    }

    async fn encode_held(
        &self,
        key: BlobKey,
        params: BlobParams,
    ) -> Result<pb::EncodeBlobReply, EncodeFailure> {
        let blob = self
            .objects
            .blob(&key)
            .await?
            .ok_or(EncodeFailure::BlobMissing(key))?;
        let blob_len = blob.len() as u64;
        let encoder = Arc::clone(&self.encoder);
        let started = Instant::now();
        let frames = tokio::task::spawn_blocking(move || encode_frames(&encoder, &blob, params))
            .await
            .map_err(|e| EncodeFailure::Worker(e.to_string()))?
            .map_err(|source| EncodeFailure::Frames { key, source })?;
        let elapsed = started.elapsed();
        self.metrics.encode_seconds.observe(elapsed.as_secs_f64());
        let summary = self.objects.put_frames(&key, &frames).await?;
        self.encoded.fetch_add(1, Ordering::Relaxed);
        self.metrics.blob_bytes.inc_by(blob_len);
        tracing::debug!(blob_key = %key, frames = summary.count, ms = elapsed.as_millis(), "encoded");
        Ok(pb::EncodeBlobReply {
            frame_count: summary.count,
            frame_len: summary.frame_len,
            frames_digest: summary.digest.to_vec(),
            blob_len,
            encode_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        })
    }
}

fn outcome(result: &Result<pb::EncodeBlobReply, EncodeFailure>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(EncodeFailure::Busy { .. }) => "busy",
        Err(EncodeFailure::BlobMissing(_)) => "missing",
        Err(
            EncodeFailure::BadKey { .. } | EncodeFailure::BadShape(_) | EncodeFailure::Params(_),
        ) => "invalid",
        Err(EncodeFailure::Frames { .. }) => "unencodable",
        Err(EncodeFailure::Storage(_)) => "storage",
        Err(EncodeFailure::Worker(_)) => "internal",
    }
}

#[tonic::async_trait]
impl pb::encoder_server::Encoder for EncoderService {
    async fn encode_blob(
        &self,
        request: Request<pb::EncodeBlobRequest>,
    ) -> Result<Response<pb::EncodeBlobReply>, Status> {
        let result = self.encode(request.into_inner()).await;
        self.metrics
            .requests
            .get_or_create(&OutcomeLabels {
                outcome: outcome(&result),
            })
            .inc();
        if let Err(e) = &result {
            tracing::warn!(error = %e, "EncodeBlob failed");
        }
        result.map(Response::new).map_err(Status::from)
    }

    async fn get_load(
        &self,
        _request: Request<pb::GetLoadRequest>,
    ) -> Result<Response<pb::GetLoadReply>, Status> {
        let free = self.permits.available_permits();
        Ok(Response::new(pb::GetLoadReply {
            in_flight: u32::try_from(self.capacity.saturating_sub(free)).unwrap_or(u32::MAX),
            capacity: u32::try_from(self.capacity).unwrap_or(u32::MAX),
            encoded_total: self.encoded.load(Ordering::Relaxed),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lamina_proto::encoder::v1::encoder_client::EncoderClient;
    use lamina_proto::encoder::v1::encoder_server::EncoderServer;
    use lamina_storage::ObjectStoreConfig;
    use prometheus_client::registry::Registry;
    use tonic::Code;

    const POINTS: usize = 1024;

    /// The service on a real TCP port, its object store, and a client.
    async fn serve(
        capacity: usize,
    ) -> (
        Arc<EncoderService>,
        BlobObjects,
        EncoderClient<tonic::transport::Channel>,
        tempfile::TempDir,
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let objects =
            BlobObjects::open(&ObjectStoreConfig::Dir(dir.path().join("objects"))).expect("opens");
        let srs = Arc::new(Srs::insecure_development(DEVELOPMENT_SEED, POINTS));
        let metrics = Arc::new(Metrics::new(&mut Registry::default()));
        let service = Arc::new(EncoderService::new(
            Arc::new(service_encoder(srs)),
            objects.clone(),
            capacity,
            metrics,
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let addr = listener.local_addr().expect("addr");
        let server = EncoderServer::from_arc(Arc::clone(&service));
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(server)
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
        );
        let client = EncoderClient::connect(format!("http://{addr}"))
            .await
            .expect("connects");
        (service, objects, client, dir)
    }

    fn request(key: BlobKey, params: BlobParams) -> pb::EncodeBlobRequest {
        pb::EncodeBlobRequest {
            blob_key: key.0.to_vec(),
            shape: Some(pb::EncodingShape {
                num_chunks: params.num_chunks,
                coding_rate: params.coding_rate,
            }),
        }
    }

    #[tokio::test]
    async fn frames_over_grpc_are_the_in_process_frames() {
        let (service, objects, mut client, _dir) = serve(1).await;
        let blob = Blob::from_payload(&[0x5a; 3000]).expect("blob").to_bytes();
        let key = BlobKey([3; 32]);
        objects.put_blob(&key, blob.clone()).await.expect("writes");

        let reply = client
            .encode_blob(request(key, BlobParams::V1_DEVNET))
            .await
            .expect("encodes")
            .into_inner();
        let expected = encode_frames(&service.encoder, &blob, BlobParams::V1_DEVNET)
            .expect("encodes in process");
        assert_eq!(reply.frame_count as usize, expected.len());
        assert_eq!(reply.frame_len as usize, expected[0].len());
        assert_eq!(reply.blob_len, blob.len() as u64);
        let summary = lamina_storage::FramesSummary {
            count: reply.frame_count,
            frame_len: reply.frame_len,
            digest: alloy_primitives::B256::from_slice(&reply.frames_digest),
        };
        let stored = objects
            .frames(&key, &summary)
            .await
            .expect("reads")
            .expect("written");
        assert_eq!(stored, expected);
        let load = client
            .get_load(pb::GetLoadRequest {})
            .await
            .expect("load")
            .into_inner();
        assert_eq!(
            (load.in_flight, load.capacity, load.encoded_total),
            (0, 1, 1)
        );
    }

    #[tokio::test]
    async fn bad_requests_get_the_status_that_tells_the_controller_what_to_do() {
        let (service, objects, mut client, _dir) = serve(1).await;
        let code = |r: Result<tonic::Response<pb::EncodeBlobReply>, Status>| {
            r.expect_err("refused").code()
        };
        // a short key, a missing shape, a shape that is not a power of two
        let mut short = request(BlobKey([1; 32]), BlobParams::V1_DEVNET);
        short.blob_key.pop();
        assert_eq!(code(client.encode_blob(short).await), Code::InvalidArgument);
        let mut shapeless = request(BlobKey([1; 32]), BlobParams::V1_DEVNET);
        shapeless.shape = None;
        assert_eq!(
            code(client.encode_blob(shapeless).await),
            Code::InvalidArgument
        );
        let odd = BlobParams {
            num_chunks: 48,
            ..BlobParams::V1_DEVNET
        };
        assert_eq!(
            code(client.encode_blob(request(BlobKey([1; 32]), odd)).await),
            Code::InvalidArgument
        );
        // no blob object: NOT_FOUND (the controller fails the blob)
        assert_eq!(
            code(
                client
                    .encode_blob(request(BlobKey([1; 32]), BlobParams::V1_DEVNET))
                    .await
            ),
            Code::NotFound
        );
        // bytes that are not a blob (a symbol above the field modulus): permanent
        let key = BlobKey([2; 32]);
        objects
            .put_blob(&key, vec![0xff; 64])
            .await
            .expect("writes");
        assert_eq!(
            code(
                client
                    .encode_blob(request(key, BlobParams::V1_DEVNET))
                    .await
            ),
            Code::FailedPrecondition
        );
        // a blob larger than the SRS: permanent on this encoder too
        let big = Blob::from_payload(&vec![1u8; 31 * POINTS * 2])
            .expect("blob")
            .to_bytes();
        objects.put_blob(&key, big).await.expect("writes");
        assert_eq!(
            code(
                client
                    .encode_blob(request(key, BlobParams::V1_DEVNET))
                    .await
            ),
            Code::FailedPrecondition
        );
        // every slot taken: RESOURCE_EXHAUSTED at once, not a queue
        let held = service.permits.clone().try_acquire_owned().expect("free");
        objects
            .put_blob(&key, Blob::from_payload(b"x").expect("blob").to_bytes())
            .await
            .expect("writes");
        assert_eq!(
            code(
                client
                    .encode_blob(request(key, BlobParams::V1_DEVNET))
                    .await
            ),
            Code::ResourceExhausted
        );
        drop(held);
        client
            .encode_blob(request(key, BlobParams::V1_DEVNET))
            .await
            .expect("encodes once a slot is free");
    }
}
