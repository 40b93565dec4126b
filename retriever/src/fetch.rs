//! Asking one operator for its chunks: `lamina.node.v1.Retrieval/GetChunks` over
//! a cached, lazily connected channel per socket, with a deadline.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use lamina_core::tls::GrpcConnector;
use lamina_core::{BlobKey, QuorumId};
use lamina_proto::MAX_MESSAGE_SIZE;
use lamina_proto::node::v1::GetChunksRequest;
use lamina_proto::node::v1::retrieval_client::RetrievalClient;
use tonic::transport::Channel;

use crate::report::OperatorFault;

/// Most channels kept; past it the cache starts over (operators come and go, and a
/// long-running retriever must not grow without bound).
const MAX_CACHED_CHANNELS: usize = 1024;

/// An operator's raw answer: chunk indices and frame bytes, same order.
#[derive(Debug, Default)]
pub(crate) struct RawChunks {
    pub(crate) indices: Vec<u32>,
    pub(crate) frames: Vec<Vec<u8>>,
}

/// Lazily connected gRPC channels by socket: one TCP connection per operator is
/// reused across retrievals, and a dead node costs one refused connect per ask.
#[derive(Debug)]
pub(crate) struct Channels {
    connect_timeout: Duration,
    /// Opens operator sockets, over TLS with `tls.operator_tls`.
    connector: GrpcConnector,
    /// A std mutex: held only to look up or insert, never across an `.await`.
    cache: Mutex<HashMap<String, Channel>>,
}

impl Channels {
    pub(crate) fn new(connect_timeout: Duration) -> Self {
        Self {
            connect_timeout,
            connector: GrpcConnector::default(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Opens later channels with `connector` (cached ones are dropped).
    pub(crate) fn set_connector(&mut self, connector: GrpcConnector) {
        self.connector = connector;
        self.cache
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// The channel for `socket` (`host:port`), created on first use.
    pub(crate) fn get(&self, socket: &str) -> Result<Channel, OperatorFault> {
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(channel) = cache.get(socket) {
            return Ok(channel.clone());
        }
        let endpoint = self
            .connector
            .operator_endpoint(socket)
            .map_err(|e| OperatorFault::BadSocket {
                socket: socket.to_owned(),
                reason: e.to_string(),
            })?
            .connect_timeout(self.connect_timeout)
            .tcp_nodelay(true);
        let channel = endpoint.connect_lazy();
        if cache.len() >= MAX_CACHED_CHANNELS {
            cache.clear();
        }
        cache.insert(socket.to_owned(), channel.clone());
        Ok(channel)
    }
}

/// Calls `GetChunks(blob_key, quorum)` on `channel`, failing after `timeout`.
pub(crate) async fn get_chunks(
    channel: Channel,
    blob_key: BlobKey,
    quorum: QuorumId,
    timeout: Duration,
) -> Result<RawChunks, OperatorFault> {
    let mut client = RetrievalClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    let request = GetChunksRequest {
        blob_key: blob_key.0.to_vec(),
        quorum_id: u32::from(quorum),
    };
    let reply = tokio::time::timeout(timeout, client.get_chunks(request))
        .await
        .map_err(|_| OperatorFault::Timeout {
            after_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        })?
        .map_err(status_fault)?
        .into_inner();
    Ok(RawChunks {
        indices: reply.chunk_indices,
        frames: reply.frames,
    })
}

/// Connection failures surface as `Unavailable` from the channel; everything else is
/// the node's own answer.
fn status_fault(status: tonic::Status) -> OperatorFault {
    match status.code() {
        tonic::Code::Unavailable => OperatorFault::Unreachable {
            reason: status.message().to_owned(),
        },
        tonic::Code::DeadlineExceeded => OperatorFault::Timeout { after_ms: 0 },
        code => OperatorFault::Status {
            code: format!("{code:?}"),
            message: status.message().to_owned(),
        },
    }
}
