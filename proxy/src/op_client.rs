//! [`OpAltDaClient`]: the rollup's side of the OP alt-DA routes, for Rust callers (the
//! devnet demo, benches): `POST /put` and `GET /get/0x…` over plain HTTP/1.1, one request
//! per connection as op-alt-da's Go client does. The process tests keep their own client,
//! written from OP's specification, so that the proxy is checked against the spec and not
//! against itself.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A request through [`OpAltDaClient`] failed.
#[derive(Debug, thiserror::Error)]
pub enum OpClientError {
    /// The connection or the exchange failed.
    #[error("{method} {path}: {source}")]
    Io {
        /// The method.
        method: &'static str,
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The reply is not an HTTP response.
    #[error("{method} {path}: malformed HTTP response")]
    Malformed {
        /// The method.
        method: &'static str,
        /// The path.
        path: String,
    },
    /// The proxy answered another status than 200.
    #[error("{method} {path}: HTTP {status}: {body}")]
    Status {
        /// The method.
        method: &'static str,
        /// The path.
        path: String,
        /// The status code.
        status: u16,
        /// The body, as text (the proxy's JSON error).
        body: String,
    },
}

/// A client of one proxy's OP alt-DA routes.
#[derive(Clone, Copy, Debug)]
pub struct OpAltDaClient {
    addr: SocketAddr,
}

impl OpAltDaClient {
    /// A client of the proxy listening on `addr`.
    pub fn new(addr: SocketAddr) -> Self {
        Self { addr }
    }

    /// Posts `batch`; returns the commitment bytes.
    pub async fn put(&self, batch: &[u8]) -> Result<Vec<u8>, OpClientError> {
        self.request("POST", "/put".to_owned(), batch).await
    }

    /// Reads the batch of `commitment`.
    pub async fn get(&self, commitment: &[u8]) -> Result<Vec<u8>, OpClientError> {
        let path = format!("/get/0x{}", hex::encode(commitment));
        self.request("GET", path, &[]).await
    }

    async fn request(
        &self,
        method: &'static str,
        path: String,
        body: &[u8],
    ) -> Result<Vec<u8>, OpClientError> {
        let io = |source| OpClientError::Io {
            method,
            path: path.clone(),
            source,
        };
        let mut stream = TcpStream::connect(self.addr).await.map_err(io)?;
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.addr,
            body.len()
        );
        stream.write_all(head.as_bytes()).await.map_err(io)?;
        stream.write_all(body).await.map_err(io)?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.map_err(io)?;
        let malformed = || OpClientError::Malformed {
            method,
            path: path.clone(),
        };
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(malformed)?;
        let head = std::str::from_utf8(&raw[..split]).map_err(|_| malformed())?;
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(malformed)?;
        let length = head
            .split("\r\n")
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.trim().parse::<usize>().ok());
        let mut body = raw.split_off(split + 4);
        if let Some(length) = length {
            body.truncate(length);
        }
        if status != 200 {
            return Err(OpClientError::Status {
                method,
                path,
                status,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        }
        Ok(body)
    }
}
