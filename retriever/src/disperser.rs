//! The fast path of last resort: a COMPLETE blob's bytes straight from the disperser
//! (`lamina.disperser.v1.Disperser/GetBlob`), trusted no more than an operator: they
//! must be a well-formed blob of the certificate's length that commits to the
//! certificate's commitment (one G1 MSM). The blob is returned as is (the disperser
//! keeps exactly the bytes it certified, padding included): decoding its payload is
//! the caller's, by the same rule as for a blob rebuilt from operators.

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

    /// The blob of `header`, checked against its length and commitment; an error
    /// message saying what failed otherwise.
    pub(crate) async fn fetch(&self, srs: &Arc<Srs>, header: &BlobHeader) -> Result<Blob, String> {
        let mut client = DisperserClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE);
        let mut request = tonic::Request::new(GetBlobRequest {
            blob_key: header.blob_key().0.to_vec(),
        });
        request.set_timeout(self.timeout);
        let bytes = client
            .get_blob(request)
            .await
            .map_err(|s| format!("GetBlob: {:?}: {}", s.code(), s.message()))?
            .into_inner()
            .blob;
        let srs = Arc::clone(srs);
        let commitment = header.commitment;
        on_rayon("disperser blob check", move || {
            let blob = Blob::from_bytes(&bytes).map_err(|e| format!("not a blob: {e}"))?;
            if blob.len_symbols() != commitment.length as usize {
                return Err(format!(
                    "{} symbols, the certificate commits to {}",
                    blob.len_symbols(),
                    commitment.length
                ));
            }
            let got = commit(&srs, &blob).map_err(|e| e.to_string())?;
            if got != commitment.commitment {
                return Err("the bytes do not match the certificate's commitment".into());
            }
            Ok(blob)
        })
        .await
        .map_err(|e| e.to_string())?
    }
}
