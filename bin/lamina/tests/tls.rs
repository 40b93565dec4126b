//! TLS with real parts: a CA and a server certificate generated per test (rcgen), a
//! devnet whose node, disperser and retriever processes serve gRPC over TLS (and reach
//! each other over TLS), `lamina-client` over `https://`, and an https JSON-RPC URL served
//! by a rustls terminator in front of anvil.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lamina_client::{ClientConfig, LaminaClient};
use lamina_core::SrsConfig;
use lamina_core::chain::{Chain, EthChain};
use lamina_core::tls::TlsConfig;
use lamina_devnet::{Devnet, DevnetOptions, LocalChain, LocalChainOptions};
use rand::{RngCore, SeedableRng};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};

/// A test CA and a certificate it issued for `localhost` and `127.0.0.1`, as PEM files.
struct TestPki {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn test_pki(dir: &Path) -> TestPki {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "lamina test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key"))
        .expect("CA certificate");
    let server_key = KeyPair::generate().expect("server key");
    let server = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .expect("server params")
        .signed_by(&server_key, &ca)
        .expect("server certificate");
    let pki = TestPki {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    };
    std::fs::write(&pki.ca, ca.pem()).expect("CA written");
    std::fs::write(&pki.cert, server.pem()).expect("certificate written");
    std::fs::write(&pki.key, server_key.serialize_pem()).expect("key written");
    pki
}

/// A TLS terminator on a free loopback port forwarding to `upstream` (plaintext), served
/// with `pki`'s certificate: what an operator puts in front of an RPC node.
async fn tls_terminator(pki: &TestPki, upstream: SocketAddr) -> SocketAddr {
    let certs = CertificateDer::pem_file_iter(&pki.cert)
        .expect("certificate file")
        .collect::<Result<Vec<_>, _>>()
        .expect("certificates");
    let key = PrivateKeyDer::from_pem_file(&pki.key).expect("key");
    // ring: the provider the services use (deprecated upstream only for lacking
    // post-quantum key exchange).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that does not trust the certificate ends here.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut upstream) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            });
        }
    });
    addr
}

fn anvil_addr(chain: &LocalChain) -> SocketAddr {
    let url = chain.rpc_url();
    let host_port = url
        .strip_prefix("http://")
        .expect("anvil serves http")
        .trim_end_matches('/');
    host_port.parse().expect("anvil address")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_rpc_url_reads_the_chain_when_given_the_ca() {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = LocalChain::start(LocalChainOptions::new(dir.path().join("chain")))
        .await
        .expect("anvil with contracts");
    let pki = test_pki(dir.path());
    let terminator = tls_terminator(&pki, anvil_addr(&chain)).await;
    let url = format!("https://localhost:{}", terminator.port());

    let with_ca = TlsConfig {
        ca_file: Some(pki.ca.clone()),
        ..TlsConfig::default()
    };
    let reader = EthChain::connect_http_with_tls(&url, chain.addresses(), None, &with_ca)
        .expect("https RPC URL");
    assert_eq!(
        reader.chain_id().await.expect("eth_chainId over https"),
        chain.chain_id()
    );
    let params = reader
        .blob_params(1)
        .await
        .expect("a contract read over https");
    let direct = chain
        .connect(None)
        .expect("plain reader")
        .blob_params(1)
        .await
        .expect("a contract read over http");
    assert_eq!(params, direct);

    // Without the CA, the terminator's certificate is not trusted: no answer.
    let untrusting =
        EthChain::connect_http(&url, chain.addresses(), None).expect("https RPC URL parses");
    assert!(untrusting.block_number().await.is_err());
}

fn tls_table(pki: &TestPki, operator_tls: bool) -> toml::Table {
    let text = format!(
        "[tls]\ncert_file = {:?}\nkey_file = {:?}\nca_file = {:?}\noperator_tls = {operator_tls}\n",
        pki.cert.display().to_string(),
        pki.key.display().to_string(),
        pki.ca.display().to_string(),
    );
    text.parse().expect("tls table")
}

fn client_config(devnet: &Devnet, disperser: String, retriever: Option<String>) -> ClientConfig {
    ClientConfig {
        disperser,
        retriever,
        request_timeout_ms: 30_000,
        certificate_timeout_ms: 240_000,
        ..devnet.info().client_config().expect("devnet client config")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_grpc_link_runs_over_tls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = test_pki(dir.path());
    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path().join("devnet"));
    options.max_blob_symbols = 1 << 12;
    options.health_timeout = Duration::from_secs(300);
    // Nodes serve TLS; the disperser and the retriever serve it and reach the nodes
    // over it, trusting the test CA.
    options.node_config = tls_table(&pki, false);
    options.disperser_config = tls_table(&pki, true);
    options.retriever_config = tls_table(&pki, true);
    let devnet = Devnet::start(options)
        .await
        .expect("devnet over TLS starts");
    let disperser = devnet.info().disperser.clone().expect("disperser runs");
    let retriever = devnet.info().retriever.clone().expect("retriever runs");

    // The client over https, trusting the test CA, reaching operators over TLS too.
    let config = ClientConfig {
        srs: Some(SrsConfig::insecure_development()),
        tls: TlsConfig {
            ca_file: Some(pki.ca.clone()),
            operator_tls: true,
            ..TlsConfig::default()
        },
        ..client_config(
            &devnet,
            format!("https://{disperser}"),
            Some(format!("https://{retriever}")),
        )
    };
    let client = LaminaClient::connect(config, devnet.client().key.clone())
        .await
        .expect("client");
    let mut data = vec![0u8; 3000];
    rand_chacha::ChaCha20Rng::seed_from_u64(13).fill_bytes(&mut data);
    // Disperser over TLS, disperser -> nodes over TLS (StoreChunks), certificate back.
    let key = client
        .disperse(&data, &[])
        .await
        .expect("dispersed over TLS");
    let cert = client
        .wait_for_certificate(key)
        .await
        .expect("certified over TLS");
    // Retriever over TLS, retriever -> nodes over TLS.
    let via_service = client
        .retrieve_from_service(&cert)
        .await
        .expect("retrieved through the retriever over TLS");
    assert!(via_service == data, "retriever returned other bytes");
    // Client -> nodes over TLS.
    let direct = client
        .retrieve_from_operators(&cert)
        .await
        .expect("retrieved from the operators over TLS");
    assert!(direct.payload == data, "operators returned other bytes");

    // A plaintext client is refused by the TLS server.
    let plaintext = LaminaClient::connect(
        client_config(&devnet, disperser.clone(), None),
        devnet.client().key.clone(),
    )
    .await
    .expect("client");
    assert!(
        plaintext.status(key).await.is_err(),
        "a plaintext client must not get an answer from a TLS server"
    );
    // A TLS client that does not trust the test CA is refused too.
    let untrusting = LaminaClient::connect(
        client_config(&devnet, format!("https://{disperser}"), None),
        devnet.client().key.clone(),
    )
    .await
    .expect("client");
    assert!(
        untrusting.status(key).await.is_err(),
        "a client that does not trust the server's CA must not connect"
    );
    // The TLS client still gets its answer after the refusals (the server survived them).
    let status = client.status(key).await.expect("status over TLS");
    assert!(status.certificate.is_some());
}
