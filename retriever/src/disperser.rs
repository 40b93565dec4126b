//! The whole blob from the disperser (`lamina.disperser.v1.Disperser/GetBlob`), trusted
//! no more than an operator: it must be a well-formed blob of the certificate's length
//! that commits to the certificate's commitment (one G1 MSM). The blob is returned as is
//! (the disperser keeps exactly the bytes it certified, padding included): decoding its
//! payload is the caller's, by the same rule as for a blob rebuilt from operators.
//!
//! One implementation, [`fetch_checked_blob`], serves the retriever's last resort
//! ([`DisperserSource`]) and the client's fast path
//! (`LaminaClient::retrieve_blob_from_disperser`, used first by the proxy's reads).

use std::sync::Arc;
use std::time::Duration;

use lamina_core::BlobHeader;
use lamina_core::tls::GrpcConnector;
use lamina_encoding::{Blob, Srs, commit};
use lamina_proto::MAX_MESSAGE_SIZE;
use lamina_proto::disperser::v1::GetBlobRequest;
use lamina_proto::disperser::v1::disperser_client::DisperserClient;
use tonic::transport::Channel;

use crate::check::on_rayon;
use crate::error::RetrieverError;

/// Why the disperser's copy of a blob was not used.
#[derive(Debug, thiserror::Error)]
pub enum DisperserBlobError {
    /// `GetBlob` failed (the disperser down, the blob unknown or not kept).
    #[error("GetBlob: {code:?}: {message}")]
    Rpc {
        /// The gRPC code.
        code: tonic::Code,
        /// The disperser's message.
        message: String,
    },
    /// No answer within the timeout.
    #[error("GetBlob: no answer within {0:?}")]
    Timeout(Duration),
    /// The bytes are not a blob (not whole canonical 32-byte symbols).
    #[error("not a blob: {0}")]
    NotABlob(String),
    /// A blob of another length than the certificate commits to.
    #[error("{got} symbols, the certificate commits to {committed}")]
    Length {
        /// Symbols served.
        got: usize,
        /// Symbols committed.
        committed: u32,
    },
    /// A blob of the right length whose KZG commitment is not the certificate's.
    #[error("the bytes do not match the certificate's commitment")]
    Commitment,
    /// The commitment could not be computed (a blob longer than the SRS).
    #[error("computing the commitment failed: {0}")]
    Kzg(String),
    /// The check's worker died.
    #[error(transparent)]
    Worker(Box<RetrieverError>),
}

impl DisperserBlobError {
    /// Whether the disperser answered with bytes that are not the committed blob (as
    /// opposed to not answering): a lying or broken disperser, not a down one.
    pub fn is_mismatch(&self) -> bool {
        match self {
            Self::NotABlob(_) | Self::Length { .. } | Self::Commitment => true,
            Self::Rpc { .. } | Self::Timeout(_) | Self::Kzg(_) | Self::Worker(_) => false,
        }
    }
}

/// The blob of `header` from the disperser behind `client`, checked against the
/// header's length and commitment with `srs`. The call (not the check, which runs on
/// rayon afterwards) gets at most `timeout`, whatever the channel's own timeout.
pub async fn fetch_checked_blob(
    client: DisperserClient<Channel>,
    srs: &Arc<Srs>,
    header: &BlobHeader,
    timeout: Duration,
) -> Result<Blob, DisperserBlobError> {
    let mut client = client
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    let mut request = tonic::Request::new(GetBlobRequest {
        blob_key: header.blob_key().0.to_vec(),
    });
    request.set_timeout(timeout);
    let bytes = tokio::time::timeout(timeout, client.get_blob(request))
        .await
        .map_err(|_| DisperserBlobError::Timeout(timeout))?
        .map_err(|s| DisperserBlobError::Rpc {
            code: s.code(),
            message: s.message().to_owned(),
        })?
        .into_inner()
        .blob;
    let srs = Arc::clone(srs);
    let commitment = header.commitment;
    on_rayon("disperser blob check", move || {
        let blob =
            Blob::from_bytes(&bytes).map_err(|e| DisperserBlobError::NotABlob(e.to_string()))?;
        if blob.len_symbols() != commitment.length as usize {
            return Err(DisperserBlobError::Length {
                got: blob.len_symbols(),
                committed: commitment.length,
            });
        }
        let got = commit(&srs, &blob).map_err(|e| DisperserBlobError::Kzg(e.to_string()))?;
        if got != commitment.commitment {
            return Err(DisperserBlobError::Commitment);
        }
        Ok(blob)
    })
    .await
    .map_err(|e| DisperserBlobError::Worker(Box::new(e)))?
}

/// A disperser the retriever may fetch whole blobs from.
#[derive(Debug, Clone)]
pub(crate) struct DisperserSource {
    endpoint: String,
    channel: Channel,
    timeout: Duration,
}

impl DisperserSource {
    /// A lazily connected source at `endpoint` (`host:port`, or `https://host:port` for
    /// TLS); each fetch gets `timeout`.
    pub(crate) fn new(
        endpoint: &str,
        connector: &GrpcConnector,
        connect_timeout: Duration,
        timeout: Duration,
    ) -> Result<Self, RetrieverError> {
        let channel = connector
            .endpoint(endpoint)
            .map_err(|e| RetrieverError::Config {
                field: "disperser",
                reason: format!("{endpoint}: {e}"),
            })?
            .connect_timeout(connect_timeout)
            .tcp_nodelay(true)
            .connect_lazy();
        Ok(Self {
            endpoint: endpoint.to_owned(),
            channel,
            timeout,
        })
    }

    /// Where it is.
    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The blob of `header`, checked against its length and commitment
    /// ([`fetch_checked_blob`]).
    pub(crate) async fn fetch(
        &self,
        srs: &Arc<Srs>,
        header: &BlobHeader,
    ) -> Result<Blob, DisperserBlobError> {
        fetch_checked_blob(
            DisperserClient::new(self.channel.clone()),
            srs,
            header,
            self.timeout,
        )
        .await
    }
}
