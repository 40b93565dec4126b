//! `lamina.retriever.v1.Retriever/RetrieveBlob`: wire request → core types →
//! [`Retriever`] → payload or raw blob (`form`), at most `max_concurrent_retrievals`
//! at once.

use std::sync::Arc;
use std::time::Instant;

use lamina_core::chain::Chain;
use lamina_core::{BlobCertificate, BlobHeader, BlobKey, DaCertV3, QuorumId};
use lamina_proto::retriever::v1::retrieve_blob_request::Blob;
use lamina_proto::retriever::v1::retriever_server;
use lamina_proto::retriever::v1::{RetrievalForm, RetrieveBlobReply, RetrieveBlobRequest};
use tokio::sync::Semaphore;

use crate::check::on_rayon;
use crate::error::RetrieverError;
use crate::metrics::Metrics;
use crate::rebuild::RetrievedBlob;
use crate::report::RetrievalReport;
use crate::retriever::Retriever;

/// The gRPC service.
pub(crate) struct RetrieverService<C> {
    pub(crate) retriever: Arc<Retriever<C>>,
    pub(crate) permits: Arc<Semaphore>,
    pub(crate) metrics: Arc<Metrics>,
}

/// What a request asks for, in core types.
#[derive(Debug)]
pub(crate) struct Wanted {
    pub(crate) header: BlobHeader,
    pub(crate) reference_block: u32,
    pub(crate) quorum: QuorumId,
    pub(crate) form: RetrievalForm,
}

/// Validates a request into core types.
pub(crate) fn parse_request(req: &RetrieveBlobRequest) -> Result<Wanted, RetrieverError> {
    let quorum = QuorumId::try_from(req.quorum_id).map_err(|_| RetrieverError::InvalidRequest {
        field: "quorum_id",
        reason: format!("{} does not fit in a byte", req.quorum_id),
    })?;
    let form = RetrievalForm::try_from(req.form).map_err(|_| RetrieverError::InvalidRequest {
        field: "form",
        reason: format!(
            "{} is not a RetrievalForm (PAYLOAD = 0, BLOB = 1)",
            req.form
        ),
    })?;
    let block =
        |b: u64| u32::try_from(b).map_err(|_| RetrieverError::ReferenceBlockTooLarge { block: b });
    let (header, reference_block) = match &req.blob {
        Some(Blob::BlobCertificate(c)) => (
            BlobCertificate::try_from(c)?.blob_header,
            block(req.reference_block_number)?,
        ),
        Some(Blob::BlobHeader(h)) => (BlobHeader::try_from(h)?, block(req.reference_block_number)?),
        Some(Blob::CertAbi(bytes)) => {
            let cert = DaCertV3::abi_decode(bytes)?;
            let reference_block = cert.batch_header.reference_block_number;
            (
                cert.blob_inclusion_info.blob_certificate.blob_header,
                reference_block,
            )
        }
        None => {
            return Err(RetrieverError::InvalidRequest {
                field: "blob",
                reason: "one of blob_certificate, blob_header or cert_abi is required".to_owned(),
            });
        }
    };
    if reference_block == 0 {
        return Err(RetrieverError::InvalidRequest {
            field: "reference_block_number",
            reason: "must be the batch's reference block (non-zero)".to_owned(),
        });
    }
    Ok(Wanted {
        header,
        reference_block,
        quorum,
        form,
    })
}

#[tonic::async_trait]
impl<C: Chain + 'static> retriever_server::Retriever for RetrieverService<C> {
    async fn retrieve_blob(
        &self,
        request: tonic::Request<RetrieveBlobRequest>,
    ) -> Result<tonic::Response<RetrieveBlobReply>, tonic::Status> {
        let wanted = parse_request(request.get_ref())?;
        // The semaphore is never closed, so acquiring only waits.
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| tonic::Status::unavailable("retriever is shutting down"))?;
        let start = Instant::now();
        let blob_key = wanted.header.blob_key();
        let result = match self
            .retriever
            .retrieve_blob_preferring(&wanted.header, wanted.reference_block, wanted.quorum)
            .await
        {
            Ok(retrieved) => reply(retrieved, wanted.form, blob_key).await,
            Err(e) => Err(e),
        };
        self.metrics.observe(&result, start.elapsed().as_secs_f64());
        let (answer, _) = result.inspect_err(|e| tracing::warn!(error = %e, "retrieval failed"))?;
        Ok(tonic::Response::new(answer))
    }
}

/// The reply of the form asked for, and the report for the metrics: the blob's
/// bytes as committed, or its payload decoded by the one rule every path applies.
async fn reply(
    retrieved: RetrievedBlob,
    form: RetrievalForm,
    blob_key: BlobKey,
) -> Result<(RetrieveBlobReply, RetrievalReport), RetrieverError> {
    match form {
        RetrievalForm::Payload => {
            let retrieved = retrieved.into_payload(blob_key).await?;
            Ok((
                RetrieveBlobReply {
                    payload: retrieved.payload,
                    blob: Vec::new(),
                },
                retrieved.report,
            ))
        }
        RetrievalForm::Blob => {
            let RetrievedBlob { blob, report, .. } = retrieved;
            let blob = on_rayon("blob serialization", move || blob.to_bytes()).await?;
            Ok((
                RetrieveBlobReply {
                    payload: Vec::new(),
                    blob,
                },
                report,
            ))
        }
    }
}
