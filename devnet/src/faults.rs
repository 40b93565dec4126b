//! Byzantine operators for fault tests: a gRPC proxy in front of a real node that the
//! operator's on-chain socket points to. Dispersal passes through untouched (the node
//! validates, stores and signs as usual); retrieval answers are falsified as the
//! [`Fault`] says, so retrievers meet an operator that signed for data and then lies
//! about it.

use std::net::SocketAddr;

use lamina_proto::MAX_MESSAGE_SIZE;
use lamina_proto::node::v1::dispersal_client::DispersalClient;
use lamina_proto::node::v1::dispersal_server::{Dispersal, DispersalServer};
use lamina_proto::node::v1::retrieval_client::RetrievalClient;
use lamina_proto::node::v1::retrieval_server::{Retrieval, RetrievalServer};
use lamina_proto::node::v1::{
    GetBlobCertificateReply, GetBlobCertificateRequest, GetChunksReply, GetChunksRequest,
    GetNodeInfoReply, GetNodeInfoRequest, StoreChunksReply, StoreChunksRequest,
};
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Response, Status};

use crate::DevnetError;

/// How a Byzantine operator lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Every frame `GetChunks` returns has one coefficient bit flipped: well-formed bytes
    /// that fail verification against the blob's commitment.
    CorruptFrames,
}

/// Flips the lowest bit of the frame's last byte: the last coefficient's least
/// significant bit (frames are a 32-byte proof, then 32-byte big-endian coefficients),
/// which keeps the coefficient a canonical scalar with overwhelming probability.
fn corrupt(frame: &mut [u8]) {
    if let Some(last) = frame.last_mut() {
        *last ^= 1;
    }
}

#[derive(Clone, Debug)]
struct Proxy {
    upstream: Channel,
    fault: Fault,
}

impl Proxy {
    fn dispersal(&self) -> DispersalClient<Channel> {
        DispersalClient::new(self.upstream.clone())
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE)
    }

    fn retrieval(&self) -> RetrievalClient<Channel> {
        RetrievalClient::new(self.upstream.clone())
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE)
    }
}

#[tonic::async_trait]
impl Dispersal for Proxy {
    async fn store_chunks(
        &self,
        request: Request<StoreChunksRequest>,
    ) -> Result<Response<StoreChunksReply>, Status> {
        self.dispersal().store_chunks(request.into_inner()).await
    }

    async fn get_node_info(
        &self,
        request: Request<GetNodeInfoRequest>,
    ) -> Result<Response<GetNodeInfoReply>, Status> {
        self.dispersal().get_node_info(request.into_inner()).await
    }
}

#[tonic::async_trait]
impl Retrieval for Proxy {
    async fn get_chunks(
        &self,
        request: Request<GetChunksRequest>,
    ) -> Result<Response<GetChunksReply>, Status> {
        let mut reply = self.retrieval().get_chunks(request.into_inner()).await?;
        match self.fault {
            Fault::CorruptFrames => reply.get_mut().frames.iter_mut().for_each(|f| corrupt(f)),
        }
        Ok(reply)
    }

    async fn get_blob_certificate(
        &self,
        request: Request<GetBlobCertificateRequest>,
    ) -> Result<Response<GetBlobCertificateReply>, Status> {
        self.retrieval()
            .get_blob_certificate(request.into_inner())
            .await
    }

    async fn get_node_info(
        &self,
        request: Request<GetNodeInfoRequest>,
    ) -> Result<Response<GetNodeInfoReply>, Status> {
        self.retrieval().get_node_info(request.into_inner()).await
    }
}

/// A running Byzantine proxy; stops when dropped.
#[must_use = "the proxy stops when this is dropped"]
#[derive(Debug)]
pub struct ByzantineProxy {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl ByzantineProxy {
    /// Listens on `listen` (gRPC, both node services) and forwards to the node at
    /// `upstream`, applying `fault`. Must run inside a tokio runtime.
    pub async fn start(
        listen: SocketAddr,
        upstream: SocketAddr,
        fault: Fault,
    ) -> Result<Self, DevnetError> {
        let upstream = Endpoint::from_shared(format!("http://{upstream}"))
            .map_err(|e| DevnetError::Format {
                what: "proxy upstream",
                reason: e.to_string(),
            })?
            .connect_lazy();
        let proxy = Proxy { upstream, fault };
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(DevnetError::io("bind", listen.to_string()))?;
        let addr = listener
            .local_addr()
            .map_err(DevnetError::io("bind", listen.to_string()))?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tonic::transport::Server::builder()
            .add_service(
                DispersalServer::new(proxy.clone())
                    .max_decoding_message_size(MAX_MESSAGE_SIZE)
                    .max_encoding_message_size(MAX_MESSAGE_SIZE),
            )
            .add_service(
                RetrievalServer::new(proxy)
                    .max_decoding_message_size(MAX_MESSAGE_SIZE)
                    .max_encoding_message_size(MAX_MESSAGE_SIZE),
            )
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                async {
                    let _ = stopped.await;
                },
            );
        // Owned by this handle: stopped through `stop` and aborted on drop.
        let task = tokio::spawn(async move {
            if let Err(e) = server.await {
                tracing::warn!(error = %e, "Byzantine proxy stopped");
            }
        });
        Ok(Self {
            addr,
            stop: Some(stop),
            task,
        })
    }

    /// The address it listens on (the operator's registered socket).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for ByzantineProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corruption_changes_exactly_one_bit() {
        let original: Vec<u8> = (0u8..96).collect();
        let mut frame = original.clone();
        corrupt(&mut frame);
        let differing: u32 = original
            .iter()
            .zip(&frame)
            .map(|(a, b)| (a ^ b).count_ones())
            .sum();
        assert_eq!(differing, 1);
        let mut empty: Vec<u8> = Vec::new();
        corrupt(&mut empty);
        assert!(empty.is_empty());
    }
}
