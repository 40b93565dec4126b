//! [`AddressGate`]: refuses a rate-limited client address before its request is read.
//!
//! `DisperseBlob` and `GetBlobCommitment` carry up to a whole blob (16 MiB). The handlers
//! charge the client address for the bytes, but by then tonic has already received and
//! decoded the body: a flood that is refused anyway still makes the disperser take in
//! every byte. The gate sits in front of the gRPC service and, for those two methods,
//! answers `RESOURCE_EXHAUSTED` (with the same retry-after as the handler) from the
//! request's headers alone while the address is in debt. It never charges: the handler
//! remains the one place that admits and charges a request.

use std::net::IpAddr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use futures::future::Either;
use tonic::Status;
use tonic::codegen::http;
use tonic::server::NamedService;
use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};

use crate::error::DisperserError;
use crate::rate_limit::{RateLimiter, address_key};

/// Methods whose requests carry a blob, gated by client address.
const GATED_METHODS: [&str; 2] = ["/DisperseBlob", "/GetBlobCommitment"];

/// A gRPC service behind the per-address limit (see the module docs).
#[derive(Clone, Debug)]
pub struct AddressGate<S> {
    inner: S,
    limiter: Arc<RateLimiter<IpAddr>>,
}

impl<S> AddressGate<S> {
    /// `inner` behind `limiter`, the per-address limiter its handlers charge.
    pub fn new(inner: S, limiter: Arc<RateLimiter<IpAddr>>) -> Self {
        Self { inner, limiter }
    }
}

impl<S: NamedService> NamedService for AddressGate<S> {
    const NAME: &'static str = S::NAME;
}

/// The client's address, as tonic records it for plain TCP and for TLS connections.
fn remote_ip(extensions: &http::Extensions) -> Option<IpAddr> {
    extensions
        .get::<TcpConnectInfo>()
        .and_then(TcpConnectInfo::remote_addr)
        .or_else(|| {
            extensions
                .get::<TlsConnectInfo<TcpConnectInfo>>()
                .and_then(|tls| tls.get_ref().remote_addr())
        })
        .map(|addr| addr.ip())
}

impl<S, B, R> tower::Service<http::Request<B>> for AddressGate<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    R: Default,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Either<std::future::Ready<Result<S::Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let path = request.uri().path();
        if GATED_METHODS.iter().any(|method| path.ends_with(method))
            && let Some(address) = remote_ip(request.extensions()).map(address_key)
            && let Some(limited) = self.limiter.refusal(address, Instant::now())
        {
            let status = Status::from(DisperserError::AddressRateLimited {
                address,
                kind: limited.kind,
                limit: limited.limit,
                retry_after: limited.retry_after,
            });
            return Either::Left(std::future::ready(Ok(status.into_http())));
        }
        Either::Right(self.inner.call(request))
    }
}
