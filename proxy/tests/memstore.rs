//! Memstore mode over real HTTP: the proxy's server on a loopback port, driven the way
//! OP's alt-DA client drives it (`POST /put`, `GET /get/0x<hex>`), with no network behind.

use std::net::SocketAddr;

use lamina_proxy::{Backend, MemStore, MemstoreConfig, ProxyConfig, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One HTTP/1.1 request on its own connection; answers the status and the body.
async fn http(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).await.expect("proxy accepts");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("writes");
    stream.write_all(body).await.expect("writes");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("reads");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok());
    let mut body = raw[split + 4..].to_vec();
    if let Some(length) = length {
        body.truncate(length);
    }
    (status, body)
}

#[tokio::test]
async fn memstore_round_trips_batches_and_answers_404_and_418() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("bound");
    let config = ProxyConfig {
        memstore: Some(MemstoreConfig::default()),
        ..ProxyConfig::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let backend = Backend::Memstore(MemStore::new(MemstoreConfig::default()));
        serve(listener, &config, backend, async {
            let _ = stopped.await;
        })
        .await
    });

    assert_eq!(http(addr, "GET", "/health", b"").await.0, 200);
    for batch in [&b"x"[..], &[7u8; 100_000][..]] {
        let (status, commitment) = http(addr, "POST", "/put", batch).await;
        assert_eq!(status, 200);
        assert_eq!(&commitment[..3], &[0x01, 0x4c, 0xff]);
        let path = format!("/get/0x{}", hex::encode(&commitment));
        let (status, body) = http(addr, "GET", &path, b"").await;
        assert_eq!(status, 200);
        assert!(body == batch, "{} bytes differ", batch.len());
    }
    let (status, _) = http(addr, "POST", "/put/", b"older clients").await;
    assert_eq!(status, 200);

    let unknown = format!("/get/0x014cff{}", "07".repeat(32));
    assert_eq!(http(addr, "GET", &unknown, b"").await.0, 404);
    let (status, body) = http(addr, "GET", "/get/0x0100", b"").await;
    assert_eq!(status, 418);
    let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(body["code"], 1);
    assert_eq!(body["reason"], "parse");

    let (_, metrics) = http(addr, "GET", "/metrics", b"").await;
    let metrics = String::from_utf8(metrics).expect("text");
    assert!(
        metrics.contains(r#"lamina_proxy_requests_total{route="put",status="200"} 3"#),
        "{metrics}"
    );

    // Arbitrum Nitro's daprovider JSON-RPC on the same port.
    let rpc = |method: &str, params: serde_json::Value| {
        let body =
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        async move {
            let (status, reply) = http(addr, "POST", "/", body.to_string().as_bytes()).await;
            assert_eq!(status, 200);
            serde_json::from_slice::<serde_json::Value>(&reply).expect("JSON-RPC reply")
        }
    };
    let reply = rpc("daprovider_getSupportedHeaderBytes", serde_json::json!([])).await;
    assert_eq!(reply["result"]["headerBytes"], "0x01");
    let batch = b"nitro batch".to_vec();
    let reply = rpc(
        "daprovider_store",
        serde_json::json!([format!("0x{}", hex::encode(&batch)), "0x0"]),
    )
    .await;
    let cert = reply["result"]["serialized-da-cert"]
        .as_str()
        .expect("a certificate");
    assert!(cert.starts_with("0x01014cff"), "{reply}");
    // The sequencer inbox message: a 40-byte header, then the certificate with its flag.
    let message = format!("0x{}{}", "00".repeat(40), &cert[2..]);
    let hash = format!("0x{}", "00".repeat(32));
    let reply = rpc(
        "daprovider_recoverPayload",
        serde_json::json!(["0x1", &hash, &message]),
    )
    .await;
    use base64::Engine;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(reply["result"]["Payload"].as_str().expect("a payload"))
        .expect("base64");
    assert_eq!(payload, batch);
    let reply = rpc(
        "daprovider_collectPreimages",
        serde_json::json!(["0x1", hash, message]),
    )
    .await;
    let cert_bytes = hex::decode(&cert[2..]).expect("hex");
    let key = format!(
        "0x{}",
        hex::encode(alloy_primitives::keccak256(&cert_bytes))
    );
    let preimage = base64::engine::general_purpose::STANDARD
        .decode(
            reply["result"]["Preimages"]["3"][&key]
                .as_str()
                .expect("the preimage"),
        )
        .expect("base64");
    assert_eq!(preimage, batch);
    let reply = rpc("daprovider_startChunkedStore", serde_json::json!([])).await;
    assert_eq!(reply["error"]["code"], -32601);

    // Fault injection at runtime: writes fail over (503), reads are forced drops (418).
    let known = {
        let (status, commitment) = http(addr, "POST", "/put", b"faulty").await;
        assert_eq!(status, 200);
        format!("/get/0x{}", hex::encode(commitment))
    };
    let set = |faults: &'static str| http(addr, "PUT", "/memstore/faults", faults.as_bytes());
    assert_eq!(
        set(r#"{"put_failover": true, "get_drop_code": 3, "get_latency_ms": 1}"#)
            .await
            .0,
        200
    );
    assert_eq!(http(addr, "POST", "/put", b"batch").await.0, 503);
    let (status, body) = http(addr, "GET", &known, b"").await;
    assert_eq!(status, 418);
    let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(
        (body["code"].as_u64(), body["reason"].as_str()),
        (Some(3), Some("invalid_cert"))
    );
    assert_eq!(
        http(addr, "GET", &unknown, b"").await.0,
        404,
        "unknown data stays 404"
    );
    assert_eq!(
        set(r#"{"get_drop_code": 9}"#).await.0,
        400,
        "not a derivation code"
    );
    let (status, faults) = http(addr, "GET", "/memstore/faults", b"").await;
    assert_eq!(status, 200);
    let faults: serde_json::Value = serde_json::from_slice(&faults).expect("JSON");
    assert_eq!(
        faults["get_drop_code"], 3,
        "a refused update changes nothing"
    );
    assert_eq!(set("{}").await.0, 200);
    assert_eq!(http(addr, "GET", &known, b"").await.1, b"faulty");

    stop.send(()).expect("server running");
    server.await.expect("joins").expect("stops cleanly");
}
