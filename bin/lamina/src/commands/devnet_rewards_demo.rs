//! `lamina devnet rewards-demo`: rewards for the work operators did, on a running devnet.
//! A two-interval period of dispersals with the last node stopped halfway; the devnet
//! funds a rewards token (its freely mintable TestToken) into a stake-weighted and a
//! work-weighted submission; the distribution is calculated from the chain, its root
//! posted and activated; each operator's record and claimable amount is shown (the
//! stopped node signed fewer batches and earns less), then operator 0 claims. Chain time
//! is moved with `evm_increaseTime` (a devnet's anvil) instead of waiting.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use alloy::providers::Provider;
use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, U256};
use anyhow::{Context, bail, ensure};
use lamina_client::LaminaClient;
use lamina_core::chain::{EthChain, RewardsStrategy};
use lamina_devnet::DevnetInfo;
use lamina_devnet::process::{SIGTERM, is_devnet_process, signal};
use lamina_rewards::chain::latest_timestamp;
use lamina_rewards::{CalculatorConfig, WorkWeightedRequest, work_weighted_rewards};

use super::devnet_demo::{client_config, client_key};
use super::rewards::{calculate_from_chain, claim, show_json};

/// Blobs dispersed over the period (the last node is stopped after half of them).
const BLOBS: usize = 6;
/// Budgets, in whole tokens (18 decimals).
const STAKE_WEIGHTED_TOKENS: u64 = 1_000;
const WORK_WEIGHTED_TOKENS: u64 = 3_000;

fn tokens(whole: u64) -> U256 {
    U256::from(whole) * U256::from(10u64).pow(U256::from(18))
}

/// `evm_increaseTime` then one block.
async fn advance(chain: &EthChain, seconds: u64) -> anyhow::Result<()> {
    let _: serde_json::Value = chain
        .provider()
        .raw_request("evm_increaseTime".into(), (U256::from(seconds),))
        .await?;
    let _: serde_json::Value = chain
        .provider()
        .raw_request("anvil_mine".into(), (U256::from(1),))
        .await?;
    Ok(())
}

/// Operator `i`'s ECDSA key, from the keystore its node config names.
fn operator_signer(config: &Path) -> anyhow::Result<PrivateKeySigner> {
    let text =
        std::fs::read_to_string(config).with_context(|| format!("reading {}", config.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not TOML", config.display()))?;
    let base = config.parent().unwrap_or(Path::new("."));
    let path = |field: &str| -> anyhow::Result<PathBuf> {
        let value = table
            .get(field)
            .and_then(|v| v.as_str())
            .with_context(|| format!("{field} missing"))?;
        let path = PathBuf::from(value);
        Ok(if path.is_absolute() {
            path
        } else {
            base.join(path)
        })
    };
    let password = std::fs::read_to_string(path("password_file")?)?;
    let key = lamina_core::keystore::load_ecdsa_key(
        &path("ecdsa_keystore")?,
        password.trim_end_matches('\n'),
    )?;
    Ok(PrivateKeySigner::from_bytes(&key.secret_bytes())?)
}

/// Runs the demo against the devnet `info` describes.
pub(crate) async fn run(info: &DevnetInfo) -> anyhow::Result<()> {
    ensure!(
        info.nodes.len() >= 2,
        "the demo stops one of at least two nodes"
    );
    let config = client_config(info)?;
    let owner: PrivateKeySigner = lamina_devnet::cache::OWNER_KEY
        .parse()
        .context("owner key")?;
    let chain = EthChain::connect_http(&info.rpc_url, config.contracts, Some(owner))?;
    let (interval, delay) = chain.rewards_timing().await?;
    let (interval, delay) = (u64::from(interval), u64::from(delay));
    let client = LaminaClient::connect(config.clone(), client_key(info)?).await?;

    // The period starts at the next interval boundary.
    let now = latest_timestamp(&chain).await?;
    let start = now - now % interval + interval;
    advance(&chain, start - now).await?;
    let duration = 2 * interval;
    println!(
        "== rewards demo: period [{start}, {}) ({} s intervals), {BLOBS} blobs",
        start + duration,
        interval
    );

    let stopped = info.nodes.len() - 1;
    let mut last_key = None;
    for i in 0..BLOBS {
        if i == BLOBS / 2 {
            let node = &info.nodes[stopped];
            ensure!(
                is_devnet_process(node.pid),
                "node {stopped} (pid {}) is not running",
                node.pid
            );
            signal(node.pid, SIGTERM)?;
            println!(
                "   stopped node {stopped} ({}) halfway through the period",
                node.address
            );
        }
        let payload = vec![u8::try_from(i).unwrap_or(0); 4000];
        let began = Instant::now();
        let key = client.disperse(&payload, &[]).await?;
        client.wait_for_certificate(key).await?;
        println!(
            "   blob {i}: certified in {:.1} s",
            began.elapsed().as_secs_f64()
        );
        last_key = Some(key);
    }
    // Wait until the last batch is anchored (confirmBatch runs off the critical path).
    let deadline = Instant::now() + Duration::from_secs(120);
    if let Some(key) = last_key {
        loop {
            let reply = client.status(key).await?;
            if reply.certificate.is_some_and(|c| c.confirmation.is_some()) {
                break;
            }
            if Instant::now() >= deadline {
                bail!("the last batch was not anchored within two minutes");
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    let now = latest_timestamp(&chain).await?;
    if now < start + duration + 1 {
        advance(&chain, start + duration + 1 - now).await?;
    }

    // The devnet funds a rewards token and both submissions.
    let token = *info
        .contracts
        .get("token_0")
        .context("devnet.json has no token_0")?;
    let mut strategy_addresses: Vec<Address> = (0..4)
        .filter_map(|i| info.contracts.get(&format!("strategy_{i}")).copied())
        .collect();
    strategy_addresses.sort();
    let strategies: Vec<RewardsStrategy> = strategy_addresses
        .iter()
        .map(|strategy| RewardsStrategy {
            strategy: *strategy,
            multiplier: 1_000_000_000_000_000_000,
        })
        .collect();
    let service_manager = chain.addresses().service_manager;
    chain
        .mint_test_tokens(
            token,
            service_manager,
            tokens(STAKE_WEIGHTED_TOKENS + WORK_WEIGHTED_TOKENS),
        )
        .await?;
    chain
        .create_rewards_submission(
            token,
            tokens(STAKE_WEIGHTED_TOKENS),
            &strategies,
            start,
            duration,
        )
        .await?;
    let head = chain.provider().get_block_number().await?;
    let snapshot = lamina_rewards::chain::read_snapshot(
        &chain,
        lamina_rewards::chain::SnapshotRange {
            from_block: 0,
            to_block: head,
        },
    )
    .await?;
    let weighting = work_weighted_rewards(
        &snapshot,
        &CalculatorConfig::default(),
        &WorkWeightedRequest {
            budget: tokens(WORK_WEIGHTED_TOKENS),
            start,
            duration,
            strategies: strategies
                .iter()
                .map(|s| lamina_rewards::StrategyMultiplier {
                    strategy: s.strategy,
                    multiplier: U256::from(s.multiplier),
                })
                .collect(),
        },
    )?;
    let directed: Vec<(Address, U256)> = weighting
        .operator_rewards
        .iter()
        .map(|r| (r.operator, r.amount))
        .collect();
    chain
        .create_operator_directed_rewards_submission(
            token,
            &directed,
            &strategies,
            start,
            duration,
            "work-weighted",
        )
        .await?;
    println!(
        "   submissions: {STAKE_WEIGHTED_TOKENS} tokens by stake, {WORK_WEIGHTED_TOKENS} tokens by stake × batches signed"
    );

    // Calculate, post, activate.
    let (_, distribution) = calculate_from_chain(&chain, start, Some(start + duration)).await?;
    let receipt = chain
        .submit_rewards_root(distribution.root, distribution.to)
        .await?;
    println!(
        "   root {} posted (gas {}), active in {delay} s",
        distribution.root, receipt.gas_used
    );
    advance(&chain, delay + 1).await?;

    println!(
        "   {:<44} {:>8} {:>26}",
        "operator (its own staker)", "signed", "claimable (token_0 wei)"
    );
    for (i, node) in info.nodes.iter().enumerate() {
        let record = distribution
            .work
            .iter()
            .find(|r| r.operator == node.address);
        let shown = show_json(&chain, &distribution, node.address).await?;
        let claimable = shown["tokens"][0]["claimable"]
            .as_str()
            .unwrap_or("0")
            .to_owned();
        println!(
            "   {:<44} {:>8} {:>26}{}",
            node.address.to_string(),
            record.map_or("-".to_owned(), |r| format!(
                "{}/{}",
                r.batches_signed, r.batches_expected
            )),
            claimable,
            if i == stopped {
                "   (stopped halfway)"
            } else {
                ""
            }
        );
    }

    // Operator 0 claims with its own key.
    let signer = operator_signer(&info.nodes[0].config)?;
    let earner = signer.address();
    let operator_chain = EthChain::connect_http(&info.rpc_url, *chain.addresses(), Some(signer))?;
    match claim(&operator_chain, &distribution, earner, earner).await? {
        Some((receipt, paid)) => {
            for (token, amount) in paid {
                println!(
                    "   operator 0 claimed {amount} of {token} (gas {})",
                    receipt.gas_used
                );
            }
        }
        None => println!("   operator 0 had nothing to claim"),
    }
    Ok(())
}
