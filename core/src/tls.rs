//! TLS for every role, in one place: the `[tls]` table each role's configuration
//! carries ([`TlsConfig`]), the gRPC server configuration it yields, the gRPC channels
//! every client opens ([`GrpcConnector`]), and the HTTP client behind https RPC URLs.
//!
//! rustls on ring throughout. Certificates and keys are PEM files. Outgoing connections
//! trust the Mozilla roots (webpki-roots) plus, when `ca_file` is set, the CA
//! certificates in that file (a private CA).
//!
//! Which connections use TLS:
//! - a configured endpoint (the disperser, the retriever, an RPC URL) uses TLS when it
//!   is written `https://host:port`; `host:port` and `http://host:port` are plaintext;
//! - operator sockets, registered on-chain as `host:port`, use TLS when `operator_tls`
//!   is set (every operator of the network then serves TLS).
//!
//! The devnet stays plaintext on loopback (no `[tls]` table).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The `[tls]` table of a role's configuration. Default: no TLS served, public roots
/// trusted, operators reached in plaintext.
///
/// ```toml
/// [tls]
/// cert_file = "tls/server.pem"   # serve gRPC over TLS with this certificate chain...
/// key_file = "tls/server.key"    # ...and this private key
/// ca_file = "tls/ca.pem"         # trust this CA too, for every outgoing connection
/// operator_tls = true            # reach operator sockets over TLS
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain the gRPC server presents (server roles: node, disperser,
    /// retriever). With `key_file`; default unset (plaintext gRPC).
    pub cert_file: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) of `cert_file`. Default unset.
    pub key_file: Option<PathBuf>,
    /// PEM file of CA certificates trusted, besides the Mozilla roots, by every
    /// outgoing TLS connection (https endpoints, operator sockets, https RPC URLs).
    /// Default unset.
    pub ca_file: Option<PathBuf>,
    /// Reach operator sockets (`host:port` from the chain) over TLS. Default false.
    pub operator_tls: bool,
}

/// Why a TLS configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Only one of `cert_file` and `key_file` is set.
    #[error(
        "tls: `cert_file` and `key_file` go together (the server presents the certificate \
         and proves it holds the key); set both or neither"
    )]
    Incomplete,
    /// A PEM file could not be read.
    #[error("tls: reading {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A PEM file holds no usable certificate or key.
    #[error("tls: {}: {reason}", path.display())]
    Pem {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// An endpoint is not a valid URI.
    #[error("bad endpoint {endpoint:?}: {reason}")]
    Endpoint {
        /// The endpoint as given.
        endpoint: String,
        /// Why.
        reason: String,
    },
    /// The TLS library refused the configuration.
    #[error("tls: {0}")]
    Setup(String),
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The certificates of a PEM file; at least one.
fn certificates(path: &Path) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, TlsError> {
    use rustls::pki_types::pem::PemObject;
    let pem = read(path)?;
    let certs = rustls::pki_types::CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Pem {
            path: path.to_path_buf(),
            reason: "no CERTIFICATE block".to_owned(),
        });
    }
    Ok(certs)
}

impl TlsConfig {
    /// Checks the fields fit together (files are read when used).
    pub fn validate(&self) -> Result<(), TlsError> {
        match (&self.cert_file, &self.key_file) {
            (Some(_), None) | (None, Some(_)) => Err(TlsError::Incomplete),
            (Some(_), Some(_)) | (None, None) => Ok(()),
        }
    }

    /// Whether the gRPC server serves TLS.
    pub fn serves_tls(&self) -> bool {
        self.cert_file.is_some()
    }

    /// The roots outgoing connections trust: the Mozilla roots and `ca_file`'s.
    pub fn root_store(&self) -> Result<rustls::RootCertStore, TlsError> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(ca) = &self.ca_file {
            for cert in certificates(ca)? {
                roots.add(cert).map_err(|e| TlsError::Pem {
                    path: ca.clone(),
                    reason: e.to_string(),
                })?;
            }
        }
        Ok(roots)
    }

    /// A rustls client configuration (ring) trusting [`TlsConfig::root_store`].
    pub fn rustls_client_config(&self) -> Result<rustls::ClientConfig, TlsError> {
        // ring, the one provider compiled in (tonic's too); rustls deprecates it only for
        // lacking post-quantum key exchange, which aws-lc-rs (cmake, a second provider) has.
        #[allow(deprecated)]
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        Ok(rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Setup(e.to_string()))?
            .with_root_certificates(self.root_store()?)
            .with_no_client_auth())
    }

    /// The JSON-RPC transport for an `https://` URL: HTTP/1.1 over rustls, the server
    /// verified against [`TlsConfig::root_store`].
    #[cfg(feature = "chain")]
    pub fn rpc_transport(&self, url: &str) -> Result<RustlsHttpTransport, TlsError> {
        let uri: hyper::Uri =
            url.parse()
                .map_err(|e: hyper::http::uri::InvalidUri| TlsError::Endpoint {
                    endpoint: url.to_owned(),
                    reason: e.to_string(),
                })?;
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(self.rustls_client_config()?)
            .https_only()
            .enable_http1()
            .build();
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        Ok(RustlsHttpTransport { client, uri })
    }
}

#[cfg(feature = "chain")]
mod rpc {
    use std::task::{Context, Poll};

    use alloy::rpc::json_rpc::{RequestPacket, ResponsePacket};
    use alloy::transports::{TransportError, TransportErrorKind, TransportFut};
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;

    type HttpsClient = hyper_util::client::legacy::Client<
        hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
        Full<Bytes>,
    >;

    /// alloy's JSON-RPC transport over HTTPS (rustls): POSTs each request packet to
    /// one URL, as alloy's own HTTP transports do. Built by [`super::TlsConfig::rpc_transport`].
    #[derive(Clone, Debug)]
    pub struct RustlsHttpTransport {
        pub(super) client: HttpsClient,
        pub(super) uri: hyper::Uri,
    }

    impl RustlsHttpTransport {
        async fn send(self, packet: RequestPacket) -> Result<ResponsePacket, TransportError> {
            let headers = packet.headers();
            let body = packet.serialize().map_err(TransportError::ser_err)?;
            let mut request = hyper::Request::builder()
                .method(hyper::Method::POST)
                .uri(self.uri.clone())
                .header(hyper::header::CONTENT_TYPE, "application/json");
            if let Some(map) = request.headers_mut() {
                map.extend(headers);
            }
            let request = request
                .body(Full::new(Bytes::copy_from_slice(body.get().as_bytes())))
                .map_err(TransportErrorKind::custom)?;
            let response = self
                .client
                .request(request)
                .await
                .map_err(TransportErrorKind::custom)?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(TransportErrorKind::custom)?
                .to_bytes();
            if !status.is_success() {
                return Err(TransportErrorKind::http_error(
                    status.as_u16(),
                    String::from_utf8_lossy(&body).into_owned(),
                ));
            }
            serde_json::from_slice(&body)
                .map_err(|e| TransportError::deser_err(e, String::from_utf8_lossy(&body)))
        }
    }

    impl tower::Service<RequestPacket> for RustlsHttpTransport {
        type Response = ResponsePacket;
        type Error = TransportError;
        type Future = TransportFut<'static>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
            // The hyper client queues requests itself.
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, packet: RequestPacket) -> Self::Future {
            Box::pin(self.clone().send(packet))
        }
    }
}

#[cfg(feature = "chain")]
pub use rpc::RustlsHttpTransport;

#[cfg(feature = "grpc-tls")]
mod grpc {
    use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity, ServerTlsConfig};

    use super::{TlsConfig, TlsError, certificates, read};

    impl TlsConfig {
        /// The gRPC server's TLS configuration: `None` without `cert_file` (plaintext).
        /// Files are read and checked here, so a bad certificate stops the role at start.
        pub fn server_tls(&self) -> Result<Option<ServerTlsConfig>, TlsError> {
            self.validate()?;
            let (Some(cert), Some(key)) = (&self.cert_file, &self.key_file) else {
                return Ok(None);
            };
            certificates(cert)?;
            let key_pem = read(key)?;
            {
                use rustls::pki_types::pem::PemObject;
                rustls::pki_types::PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
                    TlsError::Pem {
                        path: key.clone(),
                        reason: format!("no private key: {e}"),
                    }
                })?;
            }
            let identity = Identity::from_pem(read(cert)?, key_pem);
            Ok(Some(ServerTlsConfig::new().identity(identity)))
        }

        /// The connector every gRPC client of this role uses.
        pub fn connector(&self) -> Result<GrpcConnector, TlsError> {
            let mut tls = ClientTlsConfig::new().with_webpki_roots();
            if let Some(ca) = &self.ca_file {
                certificates(ca)?;
                tls = tls.ca_certificate(Certificate::from_pem(read(ca)?));
            }
            Ok(GrpcConnector {
                tls,
                operator_tls: self.operator_tls,
            })
        }
    }

    /// Opens gRPC endpoints with or without TLS (see the module docs for which).
    #[derive(Clone, Debug)]
    pub struct GrpcConnector {
        tls: ClientTlsConfig,
        operator_tls: bool,
    }

    impl Default for GrpcConnector {
        /// Public roots only; operator sockets in plaintext.
        fn default() -> Self {
            Self {
                tls: ClientTlsConfig::new().with_webpki_roots(),
                operator_tls: false,
            }
        }
    }

    impl GrpcConnector {
        /// A configured endpoint: `https://host:port` over TLS, `host:port` or
        /// `http://host:port` in plaintext.
        pub fn endpoint(&self, endpoint: &str) -> Result<Endpoint, TlsError> {
            let (uri, tls) = if endpoint.starts_with("https://") {
                (endpoint.to_owned(), true)
            } else if endpoint.starts_with("http://") {
                (endpoint.to_owned(), false)
            } else {
                (format!("http://{endpoint}"), false)
            };
            self.open(endpoint, uri, tls)
        }

        /// An operator's socket (`host:port`, as registered on-chain): over TLS when
        /// `operator_tls` is set.
        pub fn operator_endpoint(&self, socket: &str) -> Result<Endpoint, TlsError> {
            let scheme = if self.operator_tls { "https" } else { "http" };
            self.open(socket, format!("{scheme}://{socket}"), self.operator_tls)
        }

        fn open(&self, endpoint: &str, uri: String, tls: bool) -> Result<Endpoint, TlsError> {
            let bad = |e: tonic::transport::Error| TlsError::Endpoint {
                endpoint: endpoint.to_owned(),
                reason: e.to_string(),
            };
            let opened = Endpoint::from_shared(uri).map_err(bad)?;
            if tls {
                opened.tls_config(self.tls.clone()).map_err(bad)
            } else {
                Ok(opened)
            }
        }
    }
}

#[cfg(feature = "grpc-tls")]
pub use grpc::GrpcConnector;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cert_and_key_go_together() {
        let half = TlsConfig {
            cert_file: Some("server.pem".into()),
            ..TlsConfig::default()
        };
        assert!(matches!(half.validate(), Err(TlsError::Incomplete)));
        assert!(TlsConfig::default().validate().is_ok());
        assert!(!TlsConfig::default().serves_tls());
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_a_typed_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = TlsConfig {
            ca_file: Some(dir.path().join("absent.pem")),
            ..TlsConfig::default()
        };
        assert!(matches!(missing.root_store(), Err(TlsError::Read { .. })));
        let empty_file = dir.path().join("empty.pem");
        std::fs::write(&empty_file, "not a certificate\n").expect("written");
        let empty = TlsConfig {
            ca_file: Some(empty_file),
            ..TlsConfig::default()
        };
        assert!(matches!(empty.root_store(), Err(TlsError::Pem { .. })));
    }
}
