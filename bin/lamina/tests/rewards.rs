//! Rewards end to end on real processes: anvil with the real contracts, one
//! `lamina node` per operator and `lamina disperser` (which anchors every batch with
//! `confirmBatch`), and the `lamina rewards` CLI as a process. A stake-weighted and a
//! work-weighted submission for one interval, `calculate` → `post-root` → `show` →
//! `claim` → claiming again pays nothing. Chain time is moved with `evm_increaseTime`
//! (60-second intervals, 60-second activation delay), never slept through.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use alloy_primitives::{Address, U256};
use lamina_client::{ClientConfig, LaminaClient};
use lamina_core::chain::bindings::test_token::TestToken;
use lamina_core::chain::{ChainError, EthChain, RewardsClaim};
use lamina_devnet::{Devnet, DevnetOptions};
use lamina_rewards::Distribution;
use lamina_rewards::chain::{SnapshotRange, read_snapshot};

mod common;
use common::lamina;

const SRS_POINTS: usize = 1 << 12;
const INTERVAL: u64 = 60;

async fn devnet(dir: &Path) -> Devnet {
    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.join("devnet"));
    options.with_retriever = false;
    options.with_proxy = false;
    options.max_blob_symbols = SRS_POINTS as u32;
    options.health_timeout = Duration::from_secs(300);
    options
        .disperser_config
        .insert("batch_max_interval_ms".into(), 200.into());
    // The console's operators page shows earnings from the distribution file the test
    // calculates (read when the page is asked, so it may appear later).
    let mut console = toml::Table::new();
    console.insert(
        "rewards_distribution".into(),
        distribution_path(dir).to_string_lossy().into_owned().into(),
    );
    options
        .disperser_config
        .insert("console".into(), console.into());
    Devnet::start(options).await.expect("devnet starts")
}

fn distribution_path(dir: &Path) -> PathBuf {
    dir.join("distribution.json")
}

/// Operator `address`'s rewards on the disperser console's operators page.
async fn console_rewards(devnet: &Devnet, address: Address) -> serde_json::Value {
    let operators = common::get_json(devnet.disperser_addrs().metrics, "/api/v1/operators").await;
    operators
        .as_array()
        .expect("operators")
        .iter()
        .map(|o| o["rewards"].clone())
        .find(|r| r["earner"] == address.to_checksum(None))
        .unwrap_or_else(|| panic!("{address} not on the operators page: {operators}"))
}

fn write_key(dir: &Path, name: &str, secret: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("0x{}\n", hex::encode(secret))).expect("key file");
    path
}

async fn latest_timestamp(chain: &EthChain) -> u64 {
    use alloy::providers::Provider;
    chain
        .provider()
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .expect("latest block")
        .expect("a latest block")
        .header
        .timestamp
}

async fn balance(chain: &EthChain, token: Address, account: Address) -> U256 {
    TestToken::new(token, chain.provider())
        .balanceOf(account)
        .call()
        .await
        .expect("balanceOf")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calculate_post_root_claim_show_and_claiming_twice_pays_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let devnet = devnet(dir.path()).await;
    let info = devnet.info().clone();
    let devnet_dir = info.data_dir.to_str().expect("utf-8 path").to_owned();
    let chain = devnet.chain().connect(None).expect("reader");
    let owner_key = write_key(
        dir.path(),
        "owner.hex",
        &devnet.chain().owner().to_bytes().0,
    );

    // Dispersals until a batch is anchored (every batch is, off the critical path).
    let client = LaminaClient::connect(
        ClientConfig {
            retriever: None,
            ..common::devnet_client_config(&devnet)
        },
        devnet.client().key.clone(),
    )
    .await
    .expect("client connects");
    for i in 0..2u8 {
        let key = client.disperse(&[i; 3000], &[]).await.expect("dispersed");
        client.wait_for_certificate(key).await.expect("certificate");
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let first_batch_at = loop {
        let head = {
            use alloy::providers::Provider;
            chain.provider().get_block_number().await.expect("head")
        };
        let snapshot = read_snapshot(
            &chain,
            SnapshotRange {
                from_block: 0,
                to_block: head,
            },
        )
        .await
        .expect("snapshot");
        if let Some(batch) = snapshot.batches.first() {
            break batch.at.timestamp;
        }
        assert!(
            Instant::now() < deadline,
            "no batch anchored within two minutes"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };

    // One interval holding that batch; move the clock past it so it has ended.
    let start = first_batch_at - first_batch_at % INTERVAL;
    let now = latest_timestamp(&chain).await;
    devnet
        .chain()
        .increase_time((start + 2 * INTERVAL).saturating_sub(now))
        .await
        .expect("time moves");

    let token = info.contracts["token_0"];
    let mut strategies: Vec<Address> = (0..4)
        .map(|i| info.contracts[&format!("strategy_{i}")])
        .collect();
    strategies.sort();
    let (start_text, duration_text, token_text) =
        (start.to_string(), INTERVAL.to_string(), token.to_string());
    let strategy_texts: Vec<String> = strategies.iter().map(ToString::to_string).collect();
    let owner_key_text = owner_key.to_str().expect("utf-8 path").to_owned();
    let submit = |extra: &[&str]| {
        let mut args = vec![
            "rewards",
            "submit",
            "--mint",
            "--token",
            &token_text,
            "--start",
            &start_text,
            "--duration",
            &duration_text,
            "--devnet",
            &devnet_dir,
            "--key-file",
            &owner_key_text,
        ];
        for strategy in &strategy_texts {
            args.extend(["--strategy", strategy.as_str()]);
        }
        args.extend_from_slice(extra);
        lamina(&args)
    };
    let stake_weighted = submit(&["--amount", "1000000000000000000"]);
    assert_eq!(stake_weighted["kind"], "stake-weighted");
    let work_weighted = submit(&["--work-weighted", "--amount", "3000000000000000007"]);
    assert_eq!(work_weighted["kind"], "operator-directed");
    let directed = work_weighted["operator_rewards"]
        .as_array()
        .expect("operator rewards");
    assert_eq!(
        directed.len(),
        info.nodes.len(),
        "every operator signed, every operator is paid"
    );
    let directed_total: U256 = directed
        .iter()
        .map(|r| {
            r["amount"]
                .as_str()
                .expect("amount")
                .parse::<U256>()
                .expect("decimal")
        })
        .sum();
    assert_eq!(
        directed_total,
        U256::from(3_000_000_000_000_000_007u64),
        "the budget, to the wei"
    );

    // calculate, twice: the same bytes.
    let end = (start + INTERVAL).to_string();
    let out = distribution_path(dir.path());
    let again = dir.path().join("again.json");
    let summary = lamina(&[
        "rewards",
        "calculate",
        "--to",
        &end,
        "--out",
        out.to_str().expect("utf-8"),
        "--devnet",
        &devnet_dir,
    ]);
    lamina(&[
        "rewards",
        "calculate",
        "--to",
        &end,
        "--out",
        again.to_str().expect("utf-8"),
        "--devnet",
        &devnet_dir,
    ]);
    let bytes = std::fs::read(&out).expect("distribution written");
    assert_eq!(
        bytes,
        std::fs::read(&again).expect("second distribution"),
        "calculate is deterministic"
    );
    let distribution =
        Distribution::from_json(std::str::from_utf8(&bytes).expect("utf-8")).expect("parses");
    assert_eq!(summary["root"], distribution.root.to_string());
    let earned = distribution.total_earned();
    assert_eq!(
        earned[&token]
            + distribution
                .unallocated
                .get(&token)
                .copied()
                .unwrap_or_default(),
        U256::from(4_000_000_000_000_000_007u64),
        "both submissions, no wei created or lost"
    );

    // post-root, then the activation delay passes.
    let posted = lamina(&[
        "rewards",
        "post-root",
        "--distribution",
        out.to_str().expect("utf-8"),
        "--devnet",
        &devnet_dir,
        "--key-file",
        &owner_key_text,
    ]);
    assert_eq!(posted["root"], distribution.root.to_string());
    let operator = info.nodes[0].address;
    let operator_text = operator.to_string();
    let pending = lamina(&[
        "rewards",
        "show",
        &operator_text,
        "--distribution",
        out.to_str().expect("utf-8"),
        "--devnet",
        &devnet_dir,
    ]);
    assert_eq!(pending["root_active"], false);
    devnet
        .chain()
        .increase_time(2 * INTERVAL)
        .await
        .expect("time moves");

    // show (recalculated from the chain, checked against the posted root).
    let shown = lamina(&["rewards", "show", &operator_text, "--devnet", &devnet_dir]);
    assert_eq!(shown["root_active"], true);
    let entry = distribution.earner(operator).expect("operator 0 earned");
    let earned_by_operator = entry.tokens[0].cumulative_earnings;
    assert!(!earned_by_operator.is_zero());
    assert_eq!(shown["tokens"][0]["earned"], earned_by_operator.to_string());
    assert_eq!(
        shown["tokens"][0]["claimable"],
        earned_by_operator.to_string()
    );
    assert_eq!(shown["tokens"][0]["claimed"], "0");
    // The disperser console's operators page says the same.
    let on_page = console_rewards(&devnet, operator).await;
    assert_eq!(on_page["distribution_root"], distribution.root.to_string());
    assert_eq!(on_page["root_posted"], true, "{on_page}");
    assert_eq!(on_page["root_active"], true, "{on_page}");
    assert_eq!(on_page["tokens"][0]["token"], shown["tokens"][0]["token"]);
    assert_eq!(on_page["tokens"][0]["earned"], shown["tokens"][0]["earned"]);
    assert_eq!(
        on_page["tokens"][0]["claimable"],
        shown["tokens"][0]["claimable"]
    );
    assert_eq!(on_page["tokens"][0]["claimed"], "0");

    // claim with the operator's key: paid exactly what it earned.
    let (_, operator_ecdsa) =
        lamina_devnet::operators::operator_keys(info_seed(), 0).expect("operator 0 key");
    assert_eq!(operator_ecdsa.address(), operator);
    let operator_key = write_key(
        dir.path(),
        "operator0.hex",
        operator_ecdsa.secret_bytes().as_slice(),
    );
    let claim_args = [
        "rewards",
        "claim",
        "--distribution",
        out.to_str().expect("utf-8"),
        "--devnet",
        &devnet_dir,
        "--key-file",
        operator_key.to_str().expect("utf-8"),
    ];
    let before = balance(&chain, token, operator).await;
    let claimed = lamina(&claim_args);
    assert_eq!(claimed["paid"][0]["amount"], earned_by_operator.to_string());
    let after = balance(&chain, token, operator).await;
    assert_eq!(after - before, earned_by_operator);

    // claiming twice pays nothing: the CLI finds nothing new, the contract refuses.
    let twice = lamina(&claim_args);
    assert_eq!(twice["paid"], serde_json::json!([]));
    assert_eq!(balance(&chain, token, operator).await, after);
    let proof = distribution.claim_proof(operator).expect("proof");
    let signer = lamina_devnet::operators::signer_of(&operator_ecdsa).expect("signer");
    let operator_chain = devnet
        .chain()
        .connect(Some(signer))
        .expect("operator chain");
    let replay = RewardsClaim {
        root_index: posted["root_index"].as_u64().expect("index") as u32,
        earner_index: proof.earner_index,
        earner_tree_proof: proof.earner_tree_proof.clone(),
        earner: operator,
        earner_token_root: proof.earner_token_root,
        tokens: proof
            .tokens
            .iter()
            .map(|t| (t.index, t.proof.clone(), t.token, t.cumulative_earnings))
            .collect(),
    };
    match operator_chain
        .process_rewards_claim(&replay, operator)
        .await
    {
        Err(ChainError::Reverted { error, .. }) => {
            assert!(error.contains("EarningsNotGreaterThanClaimed"), "{error}");
        }
        other => {
            panic!("a second claim must revert with EarningsNotGreaterThanClaimed, got {other:?}")
        }
    }
    assert_eq!(balance(&chain, token, operator).await, after);

    let shown = lamina(&["rewards", "show", &operator_text, "--devnet", &devnet_dir]);
    assert_eq!(
        shown["tokens"][0]["claimed"],
        earned_by_operator.to_string()
    );
    assert_eq!(shown["tokens"][0]["claimable"], "0");
    // The operators page reads the chain again once its cache (10 s) is stale.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let on_page = console_rewards(&devnet, operator).await;
        if on_page["tokens"][0]["claimed"] == earned_by_operator.to_string() {
            assert_eq!(on_page["tokens"][0]["claimable"], "0", "{on_page}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the operators page never showed the claim: {on_page}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The devnet's key seed (`DevnetOptions::new`'s default).
fn info_seed() -> u64 {
    lamina_devnet::DEFAULT_SEED
}

/// `lamina devnet rewards-demo` against a running devnet, as a process: the node it stops
/// halfway signs fewer batches and is shown a smaller claimable amount than every other
/// operator (same stake on the devnet), and operator 0's claim goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rewards_demo_pays_the_stopped_node_less() {
    let dir = tempfile::tempdir().expect("temp dir");
    let devnet = devnet(dir.path()).await;
    let data_dir = devnet
        .info()
        .data_dir
        .to_str()
        .expect("utf-8 path")
        .to_owned();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["devnet", "rewards-demo", "--data-dir", &data_dir])
        .output()
        .expect("lamina runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "rewards-demo failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Rows: address, signed/expected, claimable [, "(stopped halfway)"].
    let rows: Vec<(u64, u64, U256, bool)> = stdout
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (signed, expected) = fields.get(1)?.split_once('/')?;
            Some((
                signed.parse().ok()?,
                expected.parse().ok()?,
                fields.get(2)?.parse().ok()?,
                line.contains("stopped halfway"),
            ))
        })
        .collect();
    assert_eq!(
        rows.len(),
        devnet.info().nodes.len(),
        "one row per operator:\n{stdout}"
    );
    let (stopped, running): (Vec<_>, Vec<_>) = rows.iter().partition(|row| row.3);
    assert_eq!(stopped.len(), 1, "{stdout}");
    let (signed, expected, claimable, _) = stopped[0];
    assert!(
        signed < expected,
        "the stopped node missed batches:\n{stdout}"
    );
    for (running_signed, _, running_claimable, _) in &running {
        assert!(*running_signed > signed, "{stdout}");
        assert!(
            *running_claimable > claimable,
            "the stopped node earns less:\n{stdout}"
        );
    }
    assert!(stdout.contains("operator 0 claimed"), "{stdout}");
}
