//! `lamina payments state|deposit|reserve`: an account's payment state as the disperser
//! meters it, on-demand deposits, and (governance) reservations in the `PaymentVault`.

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, U256};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use lamina_core::chain::EthChain;
use lamina_payments::{PaymentState, Reservation};

use super::network::{NetworkArgs, runtime};

/// `lamina payments …`.
#[derive(Debug, Subcommand)]
pub(crate) enum PaymentsCommand {
    /// The account's payment state at the disperser (signed `GetPaymentState`), as JSON:
    /// parameters, reservation and its usage, cumulative payment, on-chain deposit.
    State(StateArgs),
    /// Deposit ether for on-demand payments (`PaymentVault.depositOnDemand`), paid by
    /// the account's key; deposits are never withdrawn.
    Deposit(DepositArgs),
    /// Set an account's reservation (`PaymentVault.setReservation`): governance only,
    /// signed by the vault owner's key (`--key-file`).
    Reserve(ReserveArgs),
}

/// Arguments of `lamina payments state`.
#[derive(Debug, Args)]
pub(crate) struct StateArgs {
    #[command(flatten)]
    network: NetworkArgs,
}

/// Arguments of `lamina payments deposit`.
#[derive(Debug, Args)]
pub(crate) struct DepositArgs {
    /// Amount, in wei, or with a unit: `0.5ether`, `3gwei`.
    #[arg(long, value_parser = parse_wei)]
    amount: U256,
    /// The account credited (default: the paying key's own).
    #[arg(long = "for", value_name = "ADDRESS")]
    account: Option<Address>,
    #[command(flatten)]
    network: NetworkArgs,
}

/// Arguments of `lamina payments reserve`.
#[derive(Debug, Args)]
pub(crate) struct ReserveArgs {
    /// The account given the reservation.
    #[arg(long)]
    account: Address,
    /// Reserved symbols (32 bytes each) per second.
    #[arg(long)]
    symbols_per_second: u64,
    /// Start, Unix seconds (default: now).
    #[arg(long)]
    start: Option<u64>,
    /// End (excluded), Unix seconds (default: start + 30 days).
    #[arg(long)]
    end: Option<u64>,
    /// Quorums covered, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0,1")]
    quorums: Vec<u8>,
    /// Percent of the reservation's payment per quorum, same order, summing to 100
    /// (default: equal shares).
    #[arg(long, value_delimiter = ',')]
    splits: Vec<u8>,
    #[command(flatten)]
    network: NetworkArgs,
}

/// `123`, `123wei`, `3gwei`, `0.5ether` (at most 18 decimals).
pub(crate) fn parse_wei(text: &str) -> Result<U256, String> {
    let text = text.trim();
    let (number, decimals) = if let Some(n) = text.strip_suffix("ether") {
        (n, 18)
    } else if let Some(n) = text.strip_suffix("gwei") {
        (n, 9)
    } else {
        (text.strip_suffix("wei").unwrap_or(text), 0)
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if fraction.len() > decimals || (whole.is_empty() && fraction.is_empty()) {
        return Err(format!(
            "{text:?}: not an amount (e.g. 1000000, 3gwei, 0.5ether)"
        ));
    }
    let digits = format!("{whole}{fraction:0<decimals$}");
    U256::from_str_radix(&digits, 10)
        .map_err(|_| format!("{text:?}: not an amount (e.g. 1000000, 3gwei, 0.5ether)"))
}

/// Equal splits summing to 100 (the first quorums take the remainder).
fn equal_splits(quorums: usize) -> Vec<u8> {
    let n = u8::try_from(quorums.max(1)).unwrap_or(u8::MAX);
    (0..n)
        .map(|i| 100 / n + u8::from(i < 100 % n))
        .take(quorums)
        .collect()
}

pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The chain with the account's key as the transaction signer.
fn signing_chain(network: &NetworkArgs) -> anyhow::Result<(EthChain, Address)> {
    let (config, key_file) = network.client_config()?;
    let key = network.key(key_file)?;
    let signer = PrivateKeySigner::from_bytes(&key.secret_bytes()).context("signer key")?;
    if config.contracts.payment_vault.is_zero() {
        bail!("the deployment has no payment_vault address");
    }
    let chain = EthChain::connect_http_with_tls(
        &config.rpc_url,
        config.contracts,
        Some(signer),
        &config.tls,
    )?;
    Ok((chain, key.address()))
}

fn state_json(account: Address, s: &PaymentState) -> serde_json::Value {
    let r = &s.account.reservation;
    serde_json::json!({
        "account": account.to_checksum(None),
        "params": {
            "price_per_symbol_wei": s.params.price_per_symbol,
            "min_num_symbols": s.params.min_num_symbols,
            "on_demand_symbols_per_second": s.params.on_demand_symbols_per_second,
            "on_demand_quorums": s.params.on_demand_quorums,
            "reservation_window_secs": s.reservation_window_secs,
        },
        "reservation": {
            "symbols_per_second": r.symbols_per_second,
            "start_timestamp": r.start_timestamp,
            "end_timestamp": r.end_timestamp,
            "quorums": r.quorums,
            "quorum_splits": r.quorum_splits,
            "usage_symbols": s.reservation_usage_symbols,
        },
        "on_demand": {
            "cumulative_payment_wei": s.cumulative_payment.to_string(),
            "deposit_wei": s.account.on_demand_deposit.to_string(),
            "remaining_wei": s.account.on_demand_deposit.saturating_sub(s.cumulative_payment).to_string(),
        },
        "as_of_ns": s.as_of_ns,
    })
}

/// Runs `lamina payments …`.
pub(crate) fn run(command: PaymentsCommand) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        match command {
            PaymentsCommand::State(args) => {
                let client = args.network.client().await?;
                let state = client.payment_state().await?;
                println!(
                    "{}",
                    serde_json::to_string_pretty(&state_json(client.account(), &state))?
                );
            }
            PaymentsCommand::Deposit(args) => {
                let (chain, payer) = signing_chain(&args.network)?;
                let account = args.account.unwrap_or(payer);
                let receipt = chain.deposit_on_demand(account, args.amount).await?;
                let total = chain.on_demand_deposit(account).await?;
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "account": account.to_checksum(None),
                        "deposited_wei": args.amount.to_string(),
                        "total_deposit_wei": total.to_string(),
                        "transaction": receipt.transaction_hash.to_string(),
                        "gas_used": receipt.gas_used,
                    }))?
                );
            }
            PaymentsCommand::Reserve(args) => {
                let (chain, _) = signing_chain(&args.network)?;
                let start = args.start.unwrap_or_else(now_secs);
                let reservation = Reservation {
                    symbols_per_second: args.symbols_per_second,
                    start_timestamp: start,
                    end_timestamp: args.end.unwrap_or(start + 30 * 24 * 3600),
                    quorums: args.quorums.clone(),
                    quorum_splits: if args.splits.is_empty() {
                        equal_splits(args.quorums.len())
                    } else {
                        args.splits.clone()
                    },
                };
                let receipt = chain.set_reservation(args.account, &reservation).await?;
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "account": args.account.to_checksum(None),
                        "reservation": reservation,
                        "transaction": receipt.transaction_hash.to_string(),
                        "gas_used": receipt.gas_used,
                    }))?
                );
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_with_units() {
        assert_eq!(parse_wei("1000"), Ok(U256::from(1000)));
        assert_eq!(parse_wei("3gwei"), Ok(U256::from(3_000_000_000u64)));
        assert_eq!(
            parse_wei("0.5ether"),
            Ok(U256::from(500_000_000_000_000_000u64))
        );
        assert_eq!(parse_wei("1.25gwei"), Ok(U256::from(1_250_000_000u64)));
        assert!(parse_wei("0.1wei").is_err());
        assert!(parse_wei("ether").is_err());
        assert!(parse_wei("1e18").is_err());
    }

    #[test]
    fn equal_splits_sum_to_100() {
        assert_eq!(equal_splits(2), vec![50, 50]);
        assert_eq!(equal_splits(3), vec![34, 33, 33]);
        assert_eq!(equal_splits(1), vec![100]);
    }
}
