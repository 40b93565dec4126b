//! `EthChain`'s PaymentVault reads and transactions against the real contract on anvil:
//! what metering reads comes back as `lamina_payments` types, and reverts come back as
//! the vault's named errors.
//!
//! Needs the repository's pinned anvil (`scripts/setup.sh` installs it under
//! `contracts/node_modules`), or `LAMINA_ANVIL=/path/to/anvil`.

#![cfg(feature = "chain")]

use std::path::PathBuf;

use alloy::node_bindings::Anvil;
use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::{Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use lamina_core::chain::bindings::payment_vault::{IPaymentVaultTypes, PaymentVault};
use lamina_core::chain::{ChainError, ContractAddresses, EthChain};
use lamina_payments::{PaymentParams, Reservation};

fn anvil_path() -> PathBuf {
    if let Some(path) = std::env::var_os("LAMINA_ANVIL") {
        return PathBuf::from(path);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
}

fn reservation(splits: Vec<u8>) -> Reservation {
    Reservation {
        symbols_per_second: 2048,
        start_timestamp: 1_000,
        end_timestamp: 2_000,
        quorums: vec![0, 1],
        quorum_splits: splits,
    }
}

#[tokio::test]
async fn payment_vault_reads_and_transactions() {
    let path = anvil_path();
    assert!(
        path.exists(),
        "anvil not found at {} (run scripts/setup.sh or set LAMINA_ANVIL)",
        path.display()
    );
    let anvil = Anvil::at(path).spawn();
    let owner: PrivateKeySigner = anvil.keys()[0].clone().into();
    let client: PrivateKeySigner = anvil.keys()[1].clone().into();
    let rewards = Address::repeat_byte(0x5e);
    let provider = ProviderBuilder::new()
        .wallet(owner.clone())
        .connect_http(anvil.endpoint_url())
        .erased();
    let vault = PaymentVault::deploy(
        &provider,
        owner.address(),
        rewards,
        IPaymentVaultTypes::PaymentParams {
            pricePerSymbol: 1_000_000_000,
            minNumSymbols: 4096,
            onDemandSymbolsPerSecond: 1 << 20,
            onDemandQuorumNumbers: Bytes::from_static(&[0, 1]),
        },
    )
    .await
    .expect("deploy PaymentVault");
    let addresses = ContractAddresses {
        payment_vault: *vault.address(),
        ..ContractAddresses::default()
    };
    let url = anvil.endpoint_url().to_string();
    let governance =
        EthChain::connect_http(&url, addresses, Some(owner.clone())).expect("owner chain");
    let payer =
        EthChain::connect_http(&url, addresses, Some(client.clone())).expect("client chain");

    assert_eq!(
        governance.payment_params().await.expect("params"),
        PaymentParams {
            price_per_symbol: 1_000_000_000,
            min_num_symbols: 4096,
            on_demand_symbols_per_second: 1 << 20,
            on_demand_quorums: vec![0, 1],
        }
    );

    // Nothing yet: a zero reservation and no deposit.
    let account = client.address();
    let none = payer.account_payments(account).await.expect("payments");
    assert!(!none.reservation.exists());
    assert_eq!(none.on_demand_deposit, U256::ZERO);

    // Governance reserves; the client deposits twice.
    let r = reservation(vec![40, 60]);
    governance
        .set_reservation(account, &r)
        .await
        .expect("owner sets a reservation");
    let wei = U256::from(10u64).pow(U256::from(15u64));
    payer
        .deposit_on_demand(account, wei)
        .await
        .expect("deposit");
    payer
        .deposit_on_demand(account, wei * U256::from(2u64))
        .await
        .expect("second deposit");
    let got = payer.account_payments(account).await.expect("payments");
    assert_eq!(got.reservation, r);
    assert_eq!(got.on_demand_deposit, wei * U256::from(3u64));
    assert_eq!(
        provider
            .get_balance(*vault.address())
            .await
            .expect("balance"),
        wei * U256::from(3u64)
    );

    // Reverts come back as the vault's named errors.
    let err = payer
        .set_reservation(account, &r)
        .await
        .expect_err("only the owner reserves");
    let ChainError::Reverted { contract, error } = err else {
        panic!("expected a named revert, got {err}");
    };
    assert_eq!(contract, "PaymentVault");
    assert!(error.contains("OnlyOwner"), "{error}");
    let err = governance
        .set_reservation(account, &reservation(vec![40, 59]))
        .await
        .expect_err("splits must sum to 100");
    assert!(
        matches!(&err, ChainError::Reverted { error, .. } if error.contains("QuorumSplitsSumNot100")),
        "{err}"
    );

    // A deployment without a vault says so.
    let bare = EthChain::connect_http(&url, ContractAddresses::default(), None).expect("chain");
    assert!(matches!(
        bare.payment_params().await,
        Err(ChainError::MissingAddress("payment_vault"))
    ));
}
