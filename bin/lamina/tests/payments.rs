//! Payments end to end, on real processes: anvil with the real contracts (the
//! `PaymentVault` included), `lamina node run` per operator and `lamina disperser run`,
//! over TCP. Reservations are set and deposits made with real transactions; the rollup
//! is either the Rust client (its accountant chooses the payment) or raw requests (to
//! read a refusal's exact status), and the `lamina payments` CLI as a process.
//!
//! Devnet prices (`DeployLamina.s.sol`): 1 gwei per symbol, at least 4096 symbols per
//! blob, so every small blob here costs 4096 gwei on demand.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use alloy_primitives::{Address, U256};
use lamina_client::{ClientConfig, ClientError, LaminaClient};
use lamina_core::chain::EthChain;
use lamina_core::keystore::EcdsaKey;
use lamina_devnet::{Devnet, DevnetOptions, LocalChain};
use lamina_payments::PaymentError;
use lamina_proto::disperser::v1::BlobStatus;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use tonic::Code;

mod common;
use common::{RawRollup, lamina};

/// Symbols a small blob is charged for (the devnet's `minNumSymbols`).
const MIN_SYMBOLS: u64 = 4096;
/// Wei per symbol on the devnet.
const PRICE: u64 = 1_000_000_000;
/// The disperser's reservation bucket, in seconds of the reserved rate.
const WINDOW_SECS: u64 = 8;
const SRS_POINTS: usize = 1 << 12;

fn blob_cost() -> U256 {
    U256::from(MIN_SYMBOLS * PRICE)
}

async fn devnet(dir: &tempfile::TempDir) -> Devnet {
    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path().join("devnet"));
    options.with_retriever = false;
    options.max_blob_symbols = SRS_POINTS as u32;
    options.health_timeout = Duration::from_secs(300);
    let d = &mut options.disperser_config;
    d.insert("batch_max_interval_ms".into(), 200.into());
    d.insert("reference_block_delay".into(), 1.into());
    let mut payments = toml::Table::new();
    payments.insert(
        "reservation_window_secs".into(),
        (WINDOW_SECS as i64).into(),
    );
    // New reservations and deposits are seen within a second.
    let mut accounts = toml::Table::new();
    accounts.insert("refresh_secs".into(), 1.into());
    accounts.insert("unpaid_recheck_secs".into(), 1.into());
    payments.insert("accounts".into(), accounts.into());
    d.insert("payments".into(), payments.into());
    Devnet::start(options).await.expect("devnet starts")
}

fn key(seed: u64) -> EcdsaKey {
    EcdsaKey::random(&mut ChaCha20Rng::seed_from_u64(seed))
}

fn governance(devnet: &Devnet) -> EthChain {
    let chain: &LocalChain = devnet.chain();
    chain.connect(Some(chain.owner())).expect("owner")
}

async fn deposit(devnet: &Devnet, account: Address, wei: U256) {
    governance(devnet)
        .deposit_on_demand(account, wei)
        .await
        .expect("deposit");
}

async fn client(devnet: &Devnet, key: EcdsaKey) -> LaminaClient<EthChain> {
    let config = ClientConfig {
        retriever: None,
        ..common::devnet_client_config(devnet)
    };
    LaminaClient::connect(config, key)
        .await
        .expect("client connects")
}

fn payload(seed: u8) -> Vec<u8> {
    vec![seed; 2000]
}

fn reason(status: &tonic::Status) -> &str {
    status
        .metadata()
        .get(lamina_proto::ERROR_REASON_METADATA)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Waits (through the disperser) until `rollup`'s blob `key` ends; returns its status.
async fn terminal(rollup: &mut RawRollup, key: lamina_core::BlobKey) -> BlobStatus {
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let reply = rollup.status(key).await;
        let status = reply.status();
        if matches!(
            status,
            BlobStatus::Complete | BlobStatus::Failed | BlobStatus::InsufficientSignatures
        ) {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "blob {key} never ended: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Polls `client`'s payment state until `done` holds (the disperser re-reads accounts
/// every second).
async fn state_until(
    client: &LaminaClient<EthChain>,
    done: impl Fn(&lamina_client::PaymentState) -> bool,
) -> lamina_client::PaymentState {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let state = client.payment_state().await.expect("GetPaymentState");
        if done(&state) {
            return state;
        }
        assert!(
            Instant::now() < deadline,
            "payment state never got there: {state:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reservations_and_on_demand_payments_are_metered_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut devnet = devnet(&dir).await;

    // --- A reservation within its rate completes; over it, a refusal with the wait.
    // 1024 symbols/s over an 8 s window hold two 4096-symbol blobs.
    let reserved = key(1);
    devnet
        .chain()
        .reserve_bandwidth(reserved.address(), 1024)
        .await
        .expect("governance sets a reservation");
    let mut raw = RawRollup::with_key(&devnet, reserved.clone(), SRS_POINTS).await;
    let prepared: Vec<_> = (0..3)
        .map(|i| raw.prepare_with(&payload(i), raw.quorums.clone(), raw.version, &reserved))
        .collect();
    // the disperser may need a second to see the new reservation
    let deadline = Instant::now() + Duration::from_secs(30);
    let first = loop {
        match raw.client.disperse_blob(prepared[0].request.clone()).await {
            Ok(_) => break prepared[0].key,
            Err(s) if s.code() == Code::PermissionDenied && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(s) => panic!("first reserved blob refused: {s:?}"),
        }
    };
    raw.client
        .disperse_blob(prepared[1].request.clone())
        .await
        .expect("second blob fits the bucket");
    let full = raw
        .client
        .disperse_blob(prepared[2].request.clone())
        .await
        .expect_err("the third is over the reservation");
    assert_eq!(full.code(), Code::ResourceExhausted, "{}", full.message());
    assert_eq!(reason(&full), "PAYMENT_BUCKET_FULL");
    let wait_ms: u64 = full
        .metadata()
        .get(lamina_proto::RETRY_AFTER_MS_METADATA)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("retry-after-ms");
    assert!((1..=4_000).contains(&wait_ms), "retry after {wait_ms} ms");
    tokio::time::sleep(Duration::from_millis(wait_ms + 100)).await;
    raw.client
        .disperse_blob(prepared[2].request.clone())
        .await
        .expect("accepted after the wait it was told");
    assert_eq!(terminal(&mut raw, first).await, BlobStatus::Complete);

    // --- On demand: the Rust client pays exactly the price of each blob.
    let payer = key(2);
    deposit(&devnet, payer.address(), blob_cost() * U256::from(3)).await;
    let paying = client(&devnet, payer.clone()).await;
    state_until(&paying, |s| {
        s.account.on_demand_deposit == blob_cost() * U256::from(3)
    })
    .await;
    let mut keys = Vec::new();
    for i in 0..2u8 {
        keys.push(
            paying
                .disperse(&payload(10 + i), &[])
                .await
                .expect("paid on demand"),
        );
        let state = paying.payment_state().await.expect("state");
        assert_eq!(
            state.cumulative_payment,
            blob_cost() * U256::from(i + 1),
            "blob {i} debits exactly 4096 symbols × 1 gwei"
        );
    }
    for key in &keys {
        let cert = paying
            .wait_for_certificate(*key)
            .await
            .expect("certificate");
        assert_eq!(cert.blob_key, *key);
    }

    // A replayed or non-increasing cumulative payment is refused, as is one beyond the
    // deposit; the account's state does not move.
    let mut raw_payer = RawRollup::with_key(&devnet, payer.clone(), SRS_POINTS).await;
    let stale = raw_payer.prepare_paying(
        &payload(20),
        raw_payer.quorums.clone(),
        raw_payer.version,
        &payer,
        blob_cost() * U256::from(2),
    );
    let refused = raw_payer
        .client
        .disperse_blob(stale.request)
        .await
        .expect_err("a cumulative payment that does not increase");
    assert_eq!(
        refused.code(),
        Code::InvalidArgument,
        "{}",
        refused.message()
    );
    assert_eq!(reason(&refused), "PAYMENT_STALE_CUMULATIVE");
    let beyond = raw_payer.prepare_paying(
        &payload(21),
        raw_payer.quorums.clone(),
        raw_payer.version,
        &payer,
        blob_cost() * U256::from(4),
    );
    let refused = raw_payer
        .client
        .disperse_blob(beyond.request)
        .await
        .expect_err("beyond the deposit");
    assert_eq!(
        refused.code(),
        Code::PermissionDenied,
        "{}",
        refused.message()
    );
    assert_eq!(reason(&refused), "PAYMENT_INSUFFICIENT_DEPOSIT");
    assert_eq!(
        paying
            .payment_state()
            .await
            .expect("state")
            .cumulative_payment,
        blob_cost() * U256::from(2)
    );
    // The client spends the last blob's worth, then refuses locally, saying why.
    paying
        .disperse(&payload(22), &[])
        .await
        .expect("the third blob's worth");
    match paying.disperse(&payload(23), &[]).await {
        Err(ClientError::Payment { source, .. })
            if matches!(*source, PaymentError::InsufficientDeposit { .. }) => {}
        other => panic!("expected a local insufficient-deposit refusal, got {other:?}"),
    }

    // --- An account with neither a reservation nor a deposit is told how to pay.
    let nobody = client(&devnet, key(3)).await;
    match nobody.disperse(&payload(30), &[]).await {
        Err(e @ ClientError::Payment { .. }) => {
            assert!(e.to_string().contains("depositOnDemand"), "{e}");
        }
        other => panic!("expected a payment refusal, got {other:?}"),
    }

    // --- The CLI: `lamina payments deposit` then `state` for a fresh account.
    let cli_key = key(4);
    let key_file = dir.path().join("cli.key");
    std::fs::write(&key_file, format!("{}\n", governance_key_hex(&devnet))).expect("key file");
    let devnet_dir = devnet.info().data_dir.clone();
    let out = lamina(&[
        "payments",
        "deposit",
        "--amount",
        "8192gwei",
        "--for",
        &cli_key.address().to_string(),
        "--devnet",
        devnet_dir.to_str().expect("utf-8 path"),
        "--key-file",
        key_file.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out["total_deposit_wei"], "8192000000000", "{out}");
    let cli_key_file = dir.path().join("account.key");
    std::fs::write(
        &cli_key_file,
        format!("0x{}\n", hex::encode(cli_key.secret_bytes())),
    )
    .expect("key file");
    let state = lamina(&[
        "payments",
        "state",
        "--devnet",
        devnet_dir.to_str().expect("utf-8 path"),
        "--key-file",
        cli_key_file.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(state["params"]["price_per_symbol_wei"], PRICE, "{state}");
    assert_eq!(state["params"]["min_num_symbols"], MIN_SYMBOLS, "{state}");
    assert_eq!(state["on_demand"]["cumulative_payment_wei"], "0", "{state}");

    devnet.check_alive().expect("every process still up");
}

/// The devnet owner's key as 0x-hex (it pays deposits in the CLI test).
fn governance_key_hex(devnet: &Devnet) -> String {
    format!("0x{}", hex::encode(devnet.chain().owner().to_bytes()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_of_one_account_and_a_crash_never_double_charge() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut devnet = devnet(&dir).await;
    let shared = key(5);
    deposit(&devnet, shared.address(), blob_cost() * U256::from(1000)).await;

    // --- 8 clients of one on-demand account, 2 blobs each, all at once: each accepted
    // blob moves the cumulative payment by exactly its price.
    let clients: Vec<_> =
        futures::future::join_all((0..8).map(|_| client(&devnet, shared.clone()))).await;
    state_until(&clients[0], |s| !s.account.on_demand_deposit.is_zero()).await;
    let results =
        futures::future::join_all(clients.iter().enumerate().map(|(c, client)| async move {
            let mut keys = Vec::new();
            for i in 0..2u8 {
                let key = client
                    .disperse(&payload(40 + 2 * c as u8 + i), &[])
                    .await
                    .unwrap_or_else(|e| panic!("client {c} blob {i}: {e}"));
                keys.push(key);
            }
            keys
        }))
        .await;
    let accepted: Vec<_> = results.into_iter().flatten().collect();
    assert_eq!(accepted.len(), 16);
    let state = clients[0].payment_state().await.expect("state");
    assert_eq!(
        state.cumulative_payment,
        blob_cost() * U256::from(16),
        "the account paid exactly 16 blobs"
    );

    // --- kill -9 mid-stream: raw on-demand dispersals run while the disperser dies;
    // after the restart the cumulative payment is exactly the price of the blobs the
    // disperser holds (each in-doubt request is looked up by its key).
    let mut raw = RawRollup::with_key(&devnet, shared.clone(), SRS_POINTS).await;
    let base = state.cumulative_payment;
    // The kill comes once 10 blobs went in, whatever the machine's speed; the stream is
    // far longer than that.
    const STREAM: u8 = 150;
    let answered = Arc::new(AtomicUsize::new(0));
    let stream = {
        let mut raw = RawRollup::with_key(&devnet, shared.clone(), SRS_POINTS).await;
        let answered = Arc::clone(&answered);
        tokio::spawn(async move {
            let mut sent = Vec::new();
            let mut paid = base;
            for i in 0..STREAM {
                let next = paid + blob_cost();
                let p = raw.prepare_paying(
                    &payload(100 + i),
                    raw.quorums.clone(),
                    raw.version,
                    &raw.key.clone(),
                    next,
                );
                let outcome = raw.client.disperse_blob(p.request).await;
                let ok = outcome.is_ok();
                sent.push((p.key, ok));
                if ok {
                    paid = next;
                    answered.fetch_add(1, Ordering::AcqRel);
                } else {
                    // the disperser is down (or just came back): the outcome of this one
                    // is in doubt; stop the stream
                    break;
                }
            }
            sent
        })
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while answered.load(Ordering::Acquire) < 10 {
        assert!(Instant::now() < deadline, "10 blobs went in");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let disperser = devnet.disperser_mut().expect("disperser");
    disperser.kill().expect("kill -9");
    let sent = stream.await.expect("stream task");
    disperser
        .restart(Duration::from_secs(300))
        .await
        .expect("disperser restarts");
    assert!(
        sent.iter().any(|(_, ok)| *ok),
        "some blobs went in before the crash"
    );
    let mut held = 0u64;
    for (key, ok) in &sent {
        let known = raw
            .client
            .get_blob_status(lamina_proto::disperser::v1::GetBlobStatusRequest {
                blob_key: key.0.to_vec(),
            })
            .await;
        match known {
            Ok(_) => held += 1,
            Err(s) if s.code() == Code::NotFound => {
                assert!(!ok, "an accepted blob {key} was lost")
            }
            Err(s) => panic!("status of {key}: {s:?}"),
        }
    }
    eprintln!(
        "kill -9 after {} requests ({} answered OK); {held} held after the restart",
        sent.len(),
        sent.iter().filter(|(_, ok)| *ok).count()
    );
    assert!(
        sent.len() < usize::from(STREAM),
        "the stream must still be running when the disperser dies"
    );
    let after = clients[0]
        .payment_state()
        .await
        .expect("state after restart");
    assert_eq!(
        after.cumulative_payment,
        base + blob_cost() * U256::from(held),
        "after kill -9: {held} blobs held, each charged once"
    );
    // The account goes on paying from there.
    clients[0]
        .disperse(&payload(200), &[])
        .await
        .expect("a blob after the restart");
    let last = clients[0].payment_state().await.expect("state");
    assert_eq!(
        last.cumulative_payment,
        after.cumulative_payment + blob_cost()
    );
}
