//! The binary-independent parts of the devnet against real anvil and the real contracts:
//! chains from the snapshot, operator provisioning, and the process supervisor.

use std::time::Duration;

use lamina_core::chain::{Chain, OperatorStatus};
use lamina_core::keystore::{PasswordSource, load_bls_key, load_ecdsa_key};
use lamina_devnet::operators::{
    DEVNET_PASSWORD, OperatorSpec, default_stake, provision_account, provision_operators,
};
use lamina_devnet::{LocalChain, LocalChainOptions, ServiceProcess, ServiceSpec, ports};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_operators_register_with_unequal_stakes_in_two_quorums() {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = LocalChain::start(LocalChainOptions::new(dir.path()))
        .await
        .expect("chain starts");
    assert!(chain.deployment_path().starts_with(dir.path()));
    assert!(chain.contracts().contains_key("cert_verifier"));
    let specs: Vec<OperatorSpec> = (0..4)
        .map(|i| OperatorSpec {
            stakes: vec![(0, default_stake(i, 4, 0)), (1, default_stake(i, 4, 1))],
            quorums: vec![0, 1],
            grpc_addr: ports::free_loopback_addr().expect("port"),
        })
        .collect();
    let operators = provision_operators(&chain, &dir.path().join("operators"), 7, specs)
        .await
        .expect("operators provisioned");
    let client = provision_account(
        &chain,
        &dir.path().join("client"),
        lamina_devnet::operators::account_key(7, "client", 0).expect("key"),
    )
    .await
    .expect("client funded");

    let reader = chain.connect(None).expect("connects");
    let block = u32::try_from(reader.block_number().await.expect("head")).expect("small");
    chain.mine(1).await.expect("mines");
    let state = reader
        .operator_state(&[0, 1], block)
        .await
        .expect("operator state");
    assert_eq!(state.len(), 2);
    for (q, quorum) in state.iter().enumerate() {
        assert_eq!(quorum.len(), 4, "quorum {q}");
        for op in &operators {
            let expected = default_stake(op.index, 4, q as u8).to::<u128>();
            assert_eq!(
                quorum.stake(&op.operator_id),
                Some(expected),
                "operator {} quorum {q}",
                op.index
            );
        }
    }
    // Unequal: operator 0 holds 1/10 of quorum 0 and 4/10 of quorum 1.
    assert_ne!(
        state[0].stake(&operators[0].operator_id),
        state[1].stake(&operators[0].operator_id)
    );

    for op in &operators {
        let info = reader
            .operator_info(op.operator_id, block)
            .await
            .expect("operator info");
        assert_eq!(info.address, op.address);
        assert_eq!(info.pubkey_g2, op.bls_key.public_g2());
        assert_eq!(info.socket.as_deref(), Some(op.socket().as_str()));
        assert_eq!(
            reader.operator_status(op.address).await.expect("status"),
            OperatorStatus::Registered
        );
        assert_eq!(
            reader
                .registered_quorums(op.operator_id)
                .await
                .expect("quorums"),
            vec![0, 1]
        );
        // The key files hold the registered keys under the devnet password.
        let password = PasswordSource::File(op.password_file.clone())
            .resolve()
            .expect("password file");
        assert_eq!(password.as_str(), DEVNET_PASSWORD);
        let bls = load_bls_key(&op.bls_keystore, &password).expect("BLS keystore");
        assert_eq!(bls.operator_id(), op.operator_id);
        let ecdsa = load_ecdsa_key(&op.ecdsa_keystore, &password).expect("ECDSA keystore");
        assert_eq!(ecdsa.address(), op.address);
    }

    // Onboarding again is idempotent (only the socket is refreshed) for the same quorums.
    let op = &operators[1];
    let eth = chain
        .connect(Some(
            lamina_devnet::operators::signer_of(&op.ecdsa_key).expect("signer"),
        ))
        .expect("connects");
    let again = eth
        .onboard_operator(&lamina_core::chain::OperatorOnboarding {
            bls_key: &op.bls_key,
            stakes: &[],
            quorums: &[1, 0],
            socket: "127.0.0.1:1",
        })
        .await
        .expect("re-onboarding");
    assert_eq!(again, op.operator_id);
    let head = u32::try_from(reader.block_number().await.expect("head")).expect("small");
    assert_eq!(
        reader
            .operator_info(op.operator_id, head)
            .await
            .expect("info")
            .socket
            .as_deref(),
        Some("127.0.0.1:1")
    );

    // The owner appoints batch confirmers; others cannot.
    let owner = chain.connect(Some(chain.owner())).expect("owner");
    assert!(
        !reader
            .is_batch_confirmer(client.address())
            .await
            .expect("read")
    );
    owner
        .set_batch_confirmer(client.address(), true)
        .await
        .expect("owner sets confirmer");
    assert!(
        reader
            .is_batch_confirmer(client.address())
            .await
            .expect("read")
    );
    let stranger = chain
        .connect(Some(client.signer().expect("signer")))
        .expect("connects");
    assert!(
        stranger
            .set_batch_confirmer(client.address(), false)
            .await
            .is_err(),
        "only the owner appoints confirmers"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chains_run_side_by_side_with_their_own_ids_and_address_files() {
    let a_dir = tempfile::tempdir().expect("tempdir");
    let b_dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = tokio::try_join!(
        LocalChain::start(LocalChainOptions::new(a_dir.path())),
        LocalChain::start(LocalChainOptions::new(b_dir.path())),
    )
    .expect("both start");
    assert_ne!(a.chain_id(), b.chain_id());
    assert_ne!(a.rpc_url(), b.rpc_url());
    assert_eq!(
        a.addresses(),
        b.addresses(),
        "same snapshot, same addresses"
    );
    for chain in [&a, &b] {
        let eth = chain.connect(None).expect("connects");
        use alloy::providers::Provider;
        assert_eq!(
            eth.provider().get_chain_id().await.expect("chain id"),
            chain.chain_id()
        );
        assert!(
            chain
                .deployment_path()
                .ends_with(format!("deployments/{}.json", chain.chain_id()))
        );
        assert_eq!(
            eth.quorum_numbers_required().await.expect("quorums"),
            vec![0, 1]
        );
    }
    let pid = a.pid().expect("running");
    drop(a);
    // Killed on drop: the process is gone (reaped) once drop returns.
    assert!(!lamina_devnet::process::pid_alive(pid));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisor_waits_for_health_stops_restarts_and_reports_crashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A real HTTP server: python's http.server serves the file `health` with 200.
    let www = dir.path().join("www");
    std::fs::create_dir_all(&www).expect("mkdir");
    std::fs::write(www.join("health"), "ok").expect("write");
    let addr = ports::free_loopback_addr().expect("port");
    let spec = ServiceSpec {
        name: "http-0".into(),
        program: "python3".into(),
        args: vec![
            "-m".into(),
            "http.server".into(),
            addr.port().to_string().into(),
            "--bind".into(),
            "127.0.0.1".into(),
            "--directory".into(),
            www.clone().into_os_string(),
        ],
        env: vec![],
        log: dir.path().join("logs/http-0.log"),
        health: Some(addr),
    };
    let mut process = ServiceProcess::spawn_healthy(spec.clone(), Duration::from_secs(30))
        .await
        .expect("healthy");
    let first = process.pid().expect("pid");
    process.kill().expect("kill -9");
    assert!(!process.is_running());
    process
        .restart(Duration::from_secs(30))
        .await
        .expect("restarts");
    assert_ne!(process.pid(), Some(first));
    let status = process
        .stop(Duration::from_secs(10))
        .await
        .expect("stops")
        .expect("was running");
    assert!(!status.success() || status.code() == Some(0));

    // A process that dies at once: the error names it and quotes its log.
    let crashing = ServiceSpec {
        name: "crash-0".into(),
        program: "python3".into(),
        args: vec![
            "-c".into(),
            "import sys; print('bad config: field x'); sys.exit(3)".into(),
        ],
        log: dir.path().join("logs/crash-0.log"),
        ..spec
    };
    let err = ServiceProcess::spawn_healthy(crashing, Duration::from_secs(30))
        .await
        .expect_err("exits early");
    let message = err.to_string();
    assert!(
        message.contains("crash-0") && message.contains("bad config: field x"),
        "{message}"
    );
}
