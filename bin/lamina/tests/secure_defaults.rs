//! Secure defaults as real processes: anvil with the real contracts under a chain id of
//! its own (not 31337), and `lamina node|disperser|retriever run` pointed at it with no
//! SRS files. Each must stop at start with the typed error that says what to pass,
//! not serve with the development SRS (whose secret is public).

use std::path::{Path, PathBuf};
use std::time::Duration;

use lamina_devnet::operators::{account_key, provision_account};
use lamina_devnet::ports::free_loopback_addr;
use lamina_devnet::{LocalChain, LocalChainOptions, ServiceProcess, ServiceSpec};
use lamina_disperser::DisperserConfig;
use lamina_node::NodeConfig;
use lamina_retriever::RetrieverConfig;

/// Guard against a role that wrongly starts serving: it would never exit.
const EXIT_GUARD: Duration = Duration::from_secs(120);

/// Runs `lamina <role> run --config <config>` and returns its exit success and stderr.
async fn run_role(role: &str, config: &Path) -> (bool, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_lamina"));
    command
        .args([role, "run", "--config"])
        .arg(config)
        .kill_on_drop(true)
        .stdin(std::process::Stdio::null());
    let output = tokio::time::timeout(EXIT_GUARD, command.output())
        .await
        .unwrap_or_else(|_| panic!("`lamina {role} run` kept running with the development SRS"))
        .expect("lamina runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_refused(role: &str, (success, stderr): (bool, String), chain_id: u64) {
    assert!(!success, "{role} must not start: {stderr}");
    for expected in [
        format!("chain {chain_id} is not a development chain"),
        "[srs] dir".to_owned(),
        "--srs-dir".to_owned(),
        "--insecure-dev-srs".to_owned(),
    ] {
        assert!(
            stderr.contains(&expected),
            "{role}'s error names {expected:?}: {stderr}"
        );
    }
}

fn write(path: PathBuf, text: String) -> PathBuf {
    std::fs::write(&path, text).expect("config written");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_refuses_the_development_srs_on_a_non_development_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A chain id of its own: never 31337.
    let chain = LocalChain::start(LocalChainOptions::new(dir.path().join("chain")))
        .await
        .expect("anvil with contracts");
    let chain_id = chain.chain_id();
    assert_ne!(chain_id, 31337);

    let node = NodeConfig {
        grpc_listen: free_loopback_addr().expect("port"),
        metrics_listen: free_loopback_addr().expect("port"),
        data_dir: dir.path().join("node"),
        rpc_url: chain.rpc_url().to_owned(),
        deployment: chain.deployment_path().to_path_buf(),
        max_blob_symbols: 1 << 12,
        ..NodeConfig::default()
    };
    let node_toml = write(dir.path().join("node.toml"), node.to_toml().expect("toml"));
    assert_refused("node", run_role("node", &node_toml).await, chain_id);

    let retriever = RetrieverConfig {
        grpc_listen: free_loopback_addr().expect("port"),
        metrics_listen: free_loopback_addr().expect("port"),
        data_dir: dir.path().join("retriever"),
        rpc_url: chain.rpc_url().to_owned(),
        deployment: chain.deployment_path().to_path_buf(),
        srs_points: 1 << 12,
        ..RetrieverConfig::default()
    };
    let retriever_toml = write(
        dir.path().join("retriever.toml"),
        retriever.to_toml().expect("toml"),
    );
    assert_refused(
        "retriever",
        run_role("retriever", &retriever_toml).await,
        chain_id,
    );

    let account = provision_account(
        &chain,
        &dir.path().join("disperser-keys"),
        account_key(7, "disperser", 0).expect("key"),
    )
    .await
    .expect("disperser account");
    let disperser = DisperserConfig {
        grpc_listen: free_loopback_addr().expect("port"),
        metrics_listen: free_loopback_addr().expect("port"),
        data_dir: dir.path().join("disperser"),
        rpc_url: chain.rpc_url().to_owned(),
        deployment: chain.deployment_path().to_path_buf(),
        ecdsa_keystore: account.keystore.clone(),
        password_file: Some(account.password_file.clone()),
        max_blob_size: 1 << 17,
        ..DisperserConfig::default()
    };
    let disperser_toml = write(
        dir.path().join("disperser.toml"),
        disperser.to_toml().expect("toml"),
    );
    assert_refused(
        "disperser",
        run_role("disperser", &disperser_toml).await,
        chain_id,
    );

    // The same retriever with the explicit opt-in (`[srs] insecure_dev_srs = true`)
    // gets past the rule and serves.
    let opted_in = RetrieverConfig {
        srs: lamina_core::SrsConfig::insecure_development(),
        ..retriever
    };
    let opted_in_toml = write(
        dir.path().join("retriever-opted-in.toml"),
        opted_in.to_toml().expect("toml"),
    );
    let mut served = ServiceProcess::spawn_healthy(
        ServiceSpec::lamina_role(
            "retriever",
            &PathBuf::from(env!("CARGO_BIN_EXE_lamina")),
            "retriever",
            &opted_in_toml,
            dir.path().join("retriever.log"),
            opted_in.metrics_listen,
        ),
        EXIT_GUARD,
    )
    .await
    .unwrap_or_else(|e| panic!("retriever with the opt-in serves: {e}"));
    served.stop(Duration::from_secs(10)).await.expect("stopped");
}
