//! `lamina devnet demo`: one payload through the whole path of a running devnet, each step
//! printed with its time: disperse, wait for the certificate, verify it (locally and with
//! `checkDACert` on-chain), retrieve through the retriever, compare bytes; then, when the
//! devnet runs the rollup proxy, the same payload as a rollup posts it (OP alt-DA
//! `POST /put`, `GET /get/0x…`).

use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use lamina_client::{ClientConfig, LaminaClient};
use lamina_core::chain::{Chain, EthChain};
use lamina_core::keystore::EcdsaKey;
use lamina_devnet::DevnetInfo;
use rand::RngCore;

/// `checkDACert`'s success status.
const CHECK_DA_CERT_SUCCESS: u8 = 1;

/// Reads the devnet's funded client key (one line of 0x-hex).
pub(crate) fn client_key(info: &DevnetInfo) -> anyhow::Result<EcdsaKey> {
    let text = std::fs::read_to_string(&info.client_key)
        .with_context(|| format!("reading {}", info.client_key.display()))?;
    let secret: alloy_primitives::B256 = text
        .trim()
        .parse()
        .with_context(|| format!("{} is not a 32-byte hex key", info.client_key.display()))?;
    Ok(EcdsaKey::from_bytes(secret)?)
}

/// A client configured for the devnet (disperser, retriever, chain, contracts).
pub(crate) fn client_config(info: &DevnetInfo) -> anyhow::Result<ClientConfig> {
    Ok(info.client_config()?)
}

fn step(n: usize, of: usize, what: &str, took: Duration) {
    println!("[{n}/{of}] {what:<72} {:>8.1} ms", took.as_secs_f64() * 1e3);
}

/// Runs the demo against the devnet `info` describes with a `bytes`-byte payload.
pub(crate) async fn run(info: &DevnetInfo, bytes: usize) -> anyhow::Result<()> {
    ensure!(
        info.retriever.is_some(),
        "the devnet runs no retriever; the demo retrieves through it"
    );
    println!(
        "== demo: {bytes} bytes through the devnet in {}",
        info.data_dir.display()
    );
    let total = Instant::now();
    let proxy: Option<std::net::SocketAddr> = match &info.proxy {
        Some(url) => Some(
            url.strip_prefix("http://")
                .and_then(|a| a.parse().ok())
                .with_context(|| format!("proxy URL {url:?} is not http://host:port"))?,
        ),
        None => None,
    };
    let steps = if proxy.is_some() { 7 } else { 6 };

    let t = Instant::now();
    let mut payload = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut payload);
    let client = LaminaClient::connect(client_config(info)?, client_key(info)?).await?;
    step(
        1,
        steps,
        &format!(
            "generated a {bytes}-byte payload, connected as {}",
            client.account()
        ),
        t.elapsed(),
    );

    let t = Instant::now();
    let blob_key = client.disperse(&payload, &info.quorums).await?;
    step(
        2,
        steps,
        &format!("dispersed: blob key {blob_key}"),
        t.elapsed(),
    );

    let t = Instant::now();
    let mut polls = 0usize;
    let cert = client
        .wait_for_certificate_with(blob_key, |_| polls += 1)
        .await?;
    let anchored = cert.confirmation.as_ref().map_or_else(
        || "not anchored".to_owned(),
        |c| format!("anchored in block {}", c.block_number),
    );
    step(
        3,
        steps,
        &format!(
            "certificate: reference block {}, {} non-signers, {anchored} ({polls} polls)",
            cert.reference_block(),
            cert.cert
                .non_signer_stakes_and_signature
                .non_signer_pubkeys
                .len()
        ),
        t.elapsed(),
    );

    let t = Instant::now();
    let verified = client.verify_certificate_locally(&cert).await?;
    let signed: Vec<String> = verified
        .signed_percentages
        .iter()
        .map(|(q, p)| format!("quorum {q}: {p}%"))
        .collect();
    step(
        4,
        steps,
        &format!("verified locally: signed {}", signed.join(", ")),
        t.elapsed(),
    );

    let t = Instant::now();
    let chain = EthChain::connect_http(&info.rpc_url, client_config(info)?.contracts, None)?;
    let status = chain.check_da_cert(&cert.cert).await?;
    if status != CHECK_DA_CERT_SUCCESS {
        bail!("checkDACert returned {status}, expected {CHECK_DA_CERT_SUCCESS} (SUCCESS)");
    }
    step(
        5,
        steps,
        &format!("checkDACert on-chain = {status} (SUCCESS)"),
        t.elapsed(),
    );

    let t = Instant::now();
    let retrieved = client.retrieve_from_service(&cert).await?;
    if retrieved != payload {
        bail!(
            "retrieved {} bytes that differ from the {} dispersed",
            retrieved.len(),
            payload.len()
        );
    }
    step(
        6,
        steps,
        &format!(
            "retrieved through the retriever: {} bytes, identical",
            retrieved.len()
        ),
        t.elapsed(),
    );
    if let Some(addr) = proxy {
        let t = Instant::now();
        let op = lamina_proxy::op_client::OpAltDaClient::new(addr);
        let commitment = op.put(&payload).await?;
        let batch = op.get(&commitment).await?;
        if batch != payload {
            bail!(
                "the proxy returned {} bytes that differ from the {} posted",
                batch.len(),
                payload.len()
            );
        }
        step(
            7,
            steps,
            &format!(
                "through the rollup proxy: POST /put -> {}-byte commitment, GET /get identical",
                commitment.len()
            ),
            t.elapsed(),
        );
    }
    println!("== demo OK in {:.2} s", total.elapsed().as_secs_f64());
    if let Some(console) = &info.console {
        println!("the blob in the console: {console}/blobs/{blob_key}");
    }
    Ok(())
}
