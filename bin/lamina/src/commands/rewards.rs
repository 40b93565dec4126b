//! `lamina rewards calculate|submit|post-root|claim|show`: the off-chain half of the
//! `RewardsCoordinator` (docs/architecture.md, "Rewards"). `calculate` reads the chain
//! into a snapshot and runs `lamina-rewards`; the others send or read the coordinator's
//! transactions and state.

use std::path::{Path, PathBuf};

use alloy::providers::Provider;
use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, U256};
use anyhow::{Context, bail, ensure};
use clap::{Args, Subcommand};
use lamina_core::chain::{EthChain, RewardsClaim, RewardsStrategy};
use lamina_rewards::chain::{SnapshotRange, earner_standing, posted_root, read_snapshot};
use lamina_rewards::{
    CalculatorConfig, Distribution, WorkWeightedRequest, calculate, work_weighted_rewards,
};

use super::network::{NetworkArgs, runtime};
use super::payments::parse_wei;

/// One share counts once.
const UNIT_MULTIPLIER: u128 = 1_000_000_000_000_000_000;

/// `lamina rewards …`.
#[derive(Debug, Subcommand)]
pub(crate) enum RewardsCommand {
    /// Read the chain and compute every earner's cumulative earnings up to `--to` and the
    /// distribution root (deterministic: the same chain gives the same file, byte for byte).
    Calculate(CalculateArgs),
    /// Create a rewards submission from the service manager (its owner's key): stake-weighted
    /// (`--amount`), operator-directed with explicit amounts (`--operator ADDR=AMOUNT`), or
    /// work-weighted (`--work-weighted --amount`: split by stake × batches signed).
    Submit(SubmitArgs),
    /// Post a distribution's root (`submitRoot`; the rewards updater's key).
    PostRoot(PostRootArgs),
    /// Claim everything the key's account has earned under the distribution's root.
    Claim(ClaimArgs),
    /// An address's earned, claimable and claimed amounts per token.
    Show(ShowArgs),
}

/// Arguments of `lamina rewards calculate`.
#[derive(Debug, Args)]
pub(crate) struct CalculateArgs {
    /// Start of the reporting window (Unix seconds): `earned_in_window` counts intervals
    /// ending after it. Cumulative earnings always start at genesis.
    #[arg(long, default_value_t = 0)]
    from: u64,
    /// Calculation end (Unix seconds, a multiple of the calculation interval; default: the
    /// last interval boundary before the latest block).
    #[arg(long)]
    to: Option<u64>,
    /// Write the distribution (JSON) here instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also write the chain snapshot the calculation read (JSON).
    #[arg(long, value_name = "FILE")]
    snapshot_out: Option<PathBuf>,
    #[command(flatten)]
    network: NetworkArgs,
}

/// Arguments of `lamina rewards submit`.
#[derive(Debug, Args)]
pub(crate) struct SubmitArgs {
    /// The ERC-20 paid (the service manager must hold it, see `--mint`).
    #[arg(long)]
    token: Address,
    /// Period start (Unix seconds, a multiple of the calculation interval).
    #[arg(long)]
    start: u64,
    /// Period length in seconds (a multiple of the interval).
    #[arg(long)]
    duration: u64,
    /// Strategies weighted, `ADDRESS` (multiplier 1e18) or `ADDRESS:MULTIPLIER`, ascending.
    #[arg(long = "strategy", required = true, value_parser = parse_strategy)]
    strategies: Vec<RewardsStrategy>,
    /// Total amount (stake-weighted, or the work-weighted budget): wei or `0.5ether`.
    #[arg(long, value_parser = parse_wei)]
    amount: Option<U256>,
    /// Split `--amount` among operators by stake × batches signed in the period (an
    /// operator-directed submission; the period must have ended).
    #[arg(long, requires = "amount")]
    work_weighted: bool,
    /// An operator-directed amount, `ADDRESS=AMOUNT` (repeat; the period must have ended).
    #[arg(long = "operator", value_parser = parse_operator_reward, conflicts_with_all = ["amount", "work_weighted"])]
    operators: Vec<(Address, U256)>,
    /// Mint the amount of the devnet's freely mintable TestToken to the service manager first.
    #[arg(long)]
    mint: bool,
    #[command(flatten)]
    network: NetworkArgs,
}

/// Arguments of `lamina rewards post-root`.
#[derive(Debug, Args)]
pub(crate) struct PostRootArgs {
    /// The distribution file `calculate` wrote.
    #[arg(long, value_name = "FILE")]
    distribution: PathBuf,
    #[command(flatten)]
    network: NetworkArgs,
}

/// Arguments of `lamina rewards claim`.
#[derive(Debug, Args)]
pub(crate) struct ClaimArgs {
    /// The distribution file whose root was posted.
    #[arg(long, value_name = "FILE")]
    distribution: PathBuf,
    /// Who receives the tokens (default: the earner).
    #[arg(long)]
    recipient: Option<Address>,
    #[command(flatten)]
    network: NetworkArgs,
}

/// Arguments of `lamina rewards show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The earner.
    address: Address,
    /// The distribution file whose root was posted (default: recalculate up to the latest
    /// posted root's end, and check that the root matches).
    #[arg(long, value_name = "FILE")]
    distribution: Option<PathBuf>,
    #[command(flatten)]
    network: NetworkArgs,
}

/// `ADDRESS` or `ADDRESS:MULTIPLIER`.
fn parse_strategy(text: &str) -> Result<RewardsStrategy, String> {
    let (address, multiplier) = text.split_once(':').unwrap_or((text, ""));
    let strategy = address
        .parse()
        .map_err(|_| format!("{address:?} is not an address"))?;
    let multiplier = if multiplier.is_empty() {
        UNIT_MULTIPLIER
    } else {
        multiplier
            .parse()
            .map_err(|_| format!("{multiplier:?} is not a multiplier"))?
    };
    Ok(RewardsStrategy {
        strategy,
        multiplier,
    })
}

/// `ADDRESS=AMOUNT`.
fn parse_operator_reward(text: &str) -> Result<(Address, U256), String> {
    let (address, amount) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?}: expected ADDRESS=AMOUNT"))?;
    Ok((
        address
            .parse()
            .map_err(|_| format!("{address:?} is not an address"))?,
        parse_wei(amount)?,
    ))
}

/// The chain these flags name, with the key's signer (when `signing`).
pub(crate) fn connect(network: &NetworkArgs, signing: bool) -> anyhow::Result<(EthChain, Address)> {
    let (config, key_file) = network.client_config()?;
    ensure!(
        !config.contracts.rewards_coordinator.is_zero(),
        "the deployment has no rewards_coordinator address"
    );
    let key = network.key(key_file)?;
    let signer = if signing {
        Some(PrivateKeySigner::from_bytes(&key.secret_bytes()).context("signer key")?)
    } else {
        None
    };
    let chain =
        EthChain::connect_http_with_tls(&config.rpc_url, config.contracts, signer, &config.tls)?;
    Ok((chain, key.address()))
}

/// Reads the snapshot at the latest block and calculates up to `to` (default: the last
/// interval boundary at or before the latest block's timestamp).
pub(crate) async fn calculate_from_chain(
    chain: &EthChain,
    from: u64,
    to: Option<u64>,
) -> anyhow::Result<(lamina_rewards::ChainSnapshot, Distribution)> {
    let head = chain.provider().get_block_number().await?;
    let snapshot = read_snapshot(
        chain,
        SnapshotRange {
            from_block: 0,
            to_block: head,
        },
    )
    .await?;
    let interval = snapshot.calculation_interval;
    let to = to.unwrap_or(snapshot.covered_to - snapshot.covered_to % interval);
    let distribution = calculate(&snapshot, &CalculatorConfig::default(), from.min(to), to)?;
    Ok((snapshot, distribution))
}

fn read_distribution(path: &Path) -> anyhow::Result<Distribution> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Distribution::from_json(&text)
        .with_context(|| format!("{} is not a distribution file", path.display()))
}

/// Earned, claimable and claimed per token of `address` under `distribution`.
pub(crate) async fn show_json(
    chain: &EthChain,
    distribution: &Distribution,
    address: Address,
) -> anyhow::Result<serde_json::Value> {
    let standing = earner_standing(chain, distribution, address).await?;
    let tokens: Vec<serde_json::Value> = standing
        .tokens
        .iter()
        .map(|token| {
            serde_json::json!({
                "token": token.token.to_checksum(None),
                "earned": token.earned.to_string(),
                "earned_in_window": token.earned_in_window.to_string(),
                "claimable": token.claimable.to_string(),
                "claimed": token.claimed.to_string(),
            })
        })
        .collect();
    Ok(serde_json::json!({
        "address": address.to_checksum(None),
        "root": distribution.root.to_string(),
        "calculated_to": distribution.to,
        "root_index": standing.root.map(|root| root.index),
        "root_active": standing.root_active,
        "activates_at": standing.root.map(|root| root.activated_at),
        "tokens": tokens,
    }))
}

/// Claims every token with earnings above what was claimed; `None` when nothing is new.
pub(crate) async fn claim(
    chain: &EthChain,
    distribution: &Distribution,
    earner: Address,
    recipient: Address,
) -> anyhow::Result<Option<(alloy::rpc::types::TransactionReceipt, Vec<(Address, U256)>)>> {
    let roots = chain.distribution_roots().await?;
    let Some(root) = posted_root(&roots, distribution) else {
        bail!(
            "the distribution's root {} is not posted (or was disabled)",
            distribution.root
        );
    };
    let proof = distribution.claim_proof(earner)?;
    let mut tokens = Vec::new();
    let mut paid = Vec::new();
    for token in &proof.tokens {
        let claimed = chain.rewards_claimed(earner, token.token).await?;
        if token.cumulative_earnings > claimed {
            paid.push((token.token, token.cumulative_earnings - claimed));
            tokens.push((
                token.index,
                token.proof.clone(),
                token.token,
                token.cumulative_earnings,
            ));
        }
    }
    if tokens.is_empty() {
        return Ok(None);
    }
    let claim = RewardsClaim {
        root_index: root.index,
        earner_index: proof.earner_index,
        earner_tree_proof: proof.earner_tree_proof,
        earner,
        earner_token_root: proof.earner_token_root,
        tokens,
    };
    let receipt = chain.process_rewards_claim(&claim, recipient).await?;
    Ok(Some((receipt, paid)))
}

fn print(value: &serde_json::Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Runs `lamina rewards …`.
pub(crate) fn run(command: RewardsCommand) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        match command {
            RewardsCommand::Calculate(args) => {
                let (chain, _) = connect(&args.network, false)?;
                let (snapshot, distribution) = calculate_from_chain(&chain, args.from, args.to).await?;
                if let Some(path) = &args.snapshot_out {
                    std::fs::write(path, serde_json::to_string_pretty(&snapshot)?)
                        .with_context(|| format!("writing {}", path.display()))?;
                }
                match &args.out {
                    Some(path) => {
                        std::fs::write(path, distribution.to_json())
                            .with_context(|| format!("writing {}", path.display()))?;
                        print(&serde_json::json!({
                            "root": distribution.root.to_string(),
                            "from": distribution.from,
                            "to": distribution.to,
                            "earners": distribution.earners.len(),
                            "batches_read": snapshot.batches.len(),
                            "out": path.display().to_string(),
                        }))?;
                    }
                    None => println!("{}", distribution.to_json()),
                }
            }
            RewardsCommand::Submit(args) => {
                let (chain, _) = connect(&args.network, true)?;
                let operator_rewards: Vec<(Address, U256)> = if args.work_weighted {
                    let head = chain.provider().get_block_number().await?;
                    let snapshot = read_snapshot(&chain, SnapshotRange { from_block: 0, to_block: head }).await?;
                    let request = WorkWeightedRequest {
                        budget: args.amount.unwrap_or_default(),
                        start: args.start,
                        duration: args.duration,
                        strategies: args
                            .strategies
                            .iter()
                            .map(|s| lamina_rewards::StrategyMultiplier {
                                strategy: s.strategy,
                                multiplier: U256::from(s.multiplier),
                            })
                            .collect(),
                    };
                    let weighting = work_weighted_rewards(&snapshot, &CalculatorConfig::default(), &request)?;
                    weighting.operator_rewards.iter().map(|r| (r.operator, r.amount)).collect()
                } else {
                    args.operators.clone()
                };
                let total = match args.amount {
                    Some(amount) => amount,
                    None => operator_rewards.iter().map(|(_, amount)| *amount).sum(),
                };
                ensure!(!total.is_zero(), "nothing to submit: pass --amount or --operator");
                if args.mint {
                    chain.mint_test_tokens(args.token, chain.addresses().service_manager, total).await?;
                }
                let receipt = if operator_rewards.is_empty() {
                    chain
                        .create_rewards_submission(args.token, total, &args.strategies, args.start, args.duration)
                        .await?
                } else {
                    let mut sorted = operator_rewards.clone();
                    sorted.sort_by_key(|(operator, _)| *operator);
                    chain
                        .create_operator_directed_rewards_submission(
                            args.token,
                            &sorted,
                            &args.strategies,
                            args.start,
                            args.duration,
                            if args.work_weighted { "work-weighted" } else { "operator-directed" },
                        )
                        .await?
                };
                print(&serde_json::json!({
                    "kind": if operator_rewards.is_empty() { "stake-weighted" } else { "operator-directed" },
                    "token": args.token.to_checksum(None),
                    "total": total.to_string(),
                    "operator_rewards": operator_rewards
                        .iter()
                        .map(|(operator, amount)| serde_json::json!({
                            "operator": operator.to_checksum(None),
                            "amount": amount.to_string(),
                        }))
                        .collect::<Vec<_>>(),
                    "transaction": receipt.transaction_hash.to_string(),
                    "gas_used": receipt.gas_used,
                }))?;
            }
            RewardsCommand::PostRoot(args) => {
                let (chain, _) = connect(&args.network, true)?;
                let distribution = read_distribution(&args.distribution)?;
                let receipt = chain.submit_rewards_root(distribution.root, distribution.to).await?;
                let roots = chain.distribution_roots().await?;
                let posted = posted_root(&roots, &distribution).context("the root just posted is not listed")?;
                print(&serde_json::json!({
                    "root": distribution.root.to_string(),
                    "root_index": posted.index,
                    "calculated_to": distribution.to,
                    "activates_at": posted.activated_at,
                    "transaction": receipt.transaction_hash.to_string(),
                    "gas_used": receipt.gas_used,
                }))?;
            }
            RewardsCommand::Claim(args) => {
                let (chain, earner) = connect(&args.network, true)?;
                let distribution = read_distribution(&args.distribution)?;
                let recipient = args.recipient.unwrap_or(earner);
                let paid = claim(&chain, &distribution, earner, recipient).await?;
                print(&match paid {
                    Some((receipt, paid)) => serde_json::json!({
                        "earner": earner.to_checksum(None),
                        "recipient": recipient.to_checksum(None),
                        "paid": paid.iter().map(|(token, amount)| serde_json::json!({
                            "token": token.to_checksum(None),
                            "amount": amount.to_string(),
                        })).collect::<Vec<_>>(),
                        "transaction": receipt.transaction_hash.to_string(),
                        "gas_used": receipt.gas_used,
                    }),
                    None => serde_json::json!({
                        "earner": earner.to_checksum(None),
                        "paid": [],
                        "note": "nothing new to claim under this root",
                    }),
                })?;
            }
            RewardsCommand::Show(args) => {
                let (chain, _) = connect(&args.network, false)?;
                let distribution = match &args.distribution {
                    Some(path) => read_distribution(path)?,
                    None => {
                        let roots = chain.distribution_roots().await?;
                        let latest = roots.iter().rev().find(|root| !root.disabled).context("no root posted yet")?;
                        let (_, distribution) =
                            calculate_from_chain(&chain, 0, Some(u64::from(latest.calculation_end))).await?;
                        ensure!(
                            distribution.root == latest.root,
                            "recalculated root {} differs from the posted root {}",
                            distribution.root,
                            latest.root
                        );
                        distribution
                    }
                };
                print(&show_json(&chain, &distribution, args.address).await?)?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_and_operator_rewards_parse() {
        let strategy =
            parse_strategy("0x1111111111111111111111111111111111111111:2000000000000000000")
                .expect("address and multiplier");
        assert_eq!(strategy.multiplier, 2 * UNIT_MULTIPLIER);
        let plain = parse_strategy("0x1111111111111111111111111111111111111111").expect("address");
        assert_eq!(plain.multiplier, UNIT_MULTIPLIER);
        assert!(parse_strategy("0x11:3").is_err());
        let (_, amount) = parse_operator_reward("0x1111111111111111111111111111111111111111=3gwei")
            .expect("reward");
        assert_eq!(amount, U256::from(3_000_000_000u64));
        assert!(parse_operator_reward("0x1111111111111111111111111111111111111111").is_err());
    }
}
