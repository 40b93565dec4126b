//! `lamina devnet up|down|demo`: a whole Lamina network on this machine (anvil with the
//! contracts, restaked operators, nodes, disperser, retriever, rollup proxy), see
//! `lamina-devnet`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use lamina_devnet::process::{SIGTERM, is_devnet_process, pid_alive, signal};
use lamina_devnet::{Devnet, DevnetInfo, DevnetOptions};

/// Default data directory.
const DEFAULT_DATA_DIR: &str = ".devnet";

/// `--object-store`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ObjectStoreArg {
    /// A directory of the devnet.
    Fs,
    /// A bucket of a throwaway S3 server (s3s-fs).
    S3,
}

/// `--metadata`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum MetadataArg {
    /// RocksDB in the disperser's data directory.
    Rocksdb,
    /// A throwaway PostgreSQL cluster.
    Postgres,
}

/// `lamina devnet` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum DevnetCommand {
    /// Start anvil, deploy the contracts, register operators and start every service;
    /// runs until Ctrl-C (or `lamina devnet down`).
    Up(UpArgs),
    /// Stop the devnet running in a data directory.
    Down(DownArgs),
    /// Disperse a generated payload through a running devnet, verify its certificate
    /// on-chain and retrieve it, with timings.
    Demo(DemoArgs),
    /// Rewards on a running devnet: a period of dispersals with one node stopped halfway,
    /// a stake-weighted and a work-weighted submission, calculate, post the root, show each
    /// operator's claimable amount, claim one.
    RewardsDemo(RewardsDemoArgs),
}

/// Arguments of `lamina devnet rewards-demo`.
#[derive(Debug, Args)]
pub(crate) struct RewardsDemoArgs {
    /// The running devnet's data directory.
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
}

/// Arguments of `lamina devnet up`.
#[derive(Debug, Args)]
pub(crate) struct UpArgs {
    /// Where logs, keys, configs, databases and `devnet.json` go.
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// Number of operators (one node each): 1 to the blob version's max_num_operators
    /// (8 for version 1; more with `--blob-version 0`, up to 200).
    #[arg(long, default_value_t = lamina_devnet::DEFAULT_OPERATORS)]
    operators: usize,
    /// Quorums the operators register for (both 0 and 1 are required by the contracts).
    #[arg(long, value_delimiter = ',', default_value = "0,1")]
    quorums: Vec<u8>,
    /// Blob version the disperser uses (1: 64 chunks, up to 8 operators; 0: 8192 chunks,
    /// slower to encode, up to 200 operators on a devnet).
    #[arg(long, default_value_t = lamina_devnet::DEFAULT_BLOB_VERSION)]
    blob_version: u16,
    /// Seed of every key (operators, client, disperser).
    #[arg(long, default_value_t = lamina_devnet::DEFAULT_SEED)]
    seed: u64,
    /// The `lamina` binary to run the services with (default: this one).
    #[arg(long)]
    lamina_bin: Option<PathBuf>,
    /// Largest blob in bytes (a power of two, up to 16 MiB). Every service loads an SRS of
    /// this size at startup, so bigger costs start time.
    #[arg(long, default_value_t = lamina_devnet::DEFAULT_MAX_BLOB_SYMBOLS as usize * 32)]
    max_blob_bytes: usize,
    /// Seconds each service gets to become healthy.
    #[arg(long, default_value_t = 120)]
    health_timeout_secs: u64,
    /// Remote encoder processes (`lamina encoder run`) sharing the devnet's object store
    /// with the disperser; 0 encodes in the disperser's process.
    #[arg(long, default_value_t = 0)]
    encoders: usize,
    /// API-server processes in front of one controller process (needs
    /// `--metadata postgres`); 0 runs the whole disperser in one process.
    #[arg(long, default_value_t = 0)]
    api_servers: usize,
    /// The disperser's metadata database: `rocksdb` (in its data directory) or
    /// `postgres` (a throwaway cluster the devnet starts and stops).
    #[arg(long, value_enum, default_value_t = MetadataArg::Rocksdb)]
    metadata: MetadataArg,
    /// Where the disperser and its encoders keep blobs and frames: `fs` (a directory of
    /// the devnet) or `s3` (a bucket of a throwaway s3s-fs server).
    #[arg(long, value_enum, default_value_t = ObjectStoreArg::Fs)]
    object_store: ObjectStoreArg,
    /// Run the demo once everything is healthy.
    #[arg(long)]
    demo: bool,
    /// With `--demo`: stop the devnet after the demo instead of running until Ctrl-C.
    #[arg(long, requires = "demo")]
    exit_after_demo: bool,
    #[command(flatten)]
    demo_args: DemoSize,
}

/// Arguments of `lamina devnet down`.
#[derive(Debug, Args)]
pub(crate) struct DownArgs {
    /// The running devnet's data directory.
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// Seconds to wait for a clean stop before killing what is left.
    #[arg(long, default_value_t = 30)]
    timeout_secs: u64,
}

/// Arguments of `lamina devnet demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// The running devnet's data directory.
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    #[command(flatten)]
    size: DemoSize,
}

/// Demo payload size.
#[derive(Debug, Args)]
pub(crate) struct DemoSize {
    /// Bytes of the generated demo payload.
    #[arg(long, default_value_t = 1_000_000)]
    demo_bytes: usize,
}

/// Runs `lamina devnet ...`.
pub(crate) fn run(command: DevnetCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match command {
        DevnetCommand::Up(args) => runtime.block_on(up(args)),
        DevnetCommand::Down(args) => runtime.block_on(down(args)),
        DevnetCommand::Demo(args) => runtime.block_on(async {
            let info = DevnetInfo::load(&args.data_dir)
                .with_context(|| format!("no running devnet in {}", args.data_dir.display()))?;
            super::devnet_demo::run(&info, args.size.demo_bytes).await
        }),
        DevnetCommand::RewardsDemo(args) => runtime.block_on(async {
            let info = DevnetInfo::load(&args.data_dir)
                .with_context(|| format!("no running devnet in {}", args.data_dir.display()))?;
            super::devnet_rewards_demo::run(&info).await
        }),
    }
}

/// Refuses to start over a devnet that is still running in `data_dir`.
fn ensure_not_running(data_dir: &Path) -> anyhow::Result<()> {
    if let Ok(info) = DevnetInfo::load(data_dir)
        && let Some(&pid) = info.pids.get("supervisor")
        && pid != std::process::id()
        && pid_alive(pid)
    {
        bail!(
            "a devnet is already running in {} (pid {pid}); stop it with `lamina devnet down --data-dir {}`",
            data_dir.display(),
            data_dir.display()
        );
    }
    Ok(())
}

async fn up(args: UpArgs) -> anyhow::Result<()> {
    ensure_not_running(&args.data_dir)?;
    let lamina_bin = match args.lamina_bin {
        Some(path) => path,
        None => std::env::current_exe().context("locating the lamina binary")?,
    };
    let mut options = DevnetOptions::new(lamina_bin, &args.data_dir);
    options.operators = args.operators;
    options.quorums = args.quorums;
    options.blob_version = args.blob_version;
    options.seed = args.seed;
    options.encoders = args.encoders;
    options.api_servers = args.api_servers;
    options.object_store = match args.object_store {
        ObjectStoreArg::Fs => lamina_devnet::ObjectStoreKind::Dir,
        ObjectStoreArg::S3 => lamina_devnet::ObjectStoreKind::S3,
    };
    options.metadata = match args.metadata {
        MetadataArg::Rocksdb => lamina_devnet::MetadataBackend::Rocksdb,
        MetadataArg::Postgres => lamina_devnet::MetadataBackend::Postgres,
    };
    options.health_timeout = Duration::from_secs(args.health_timeout_secs);
    options.max_blob_symbols =
        u32::try_from(args.max_blob_bytes / 32).context("--max-blob-bytes is at most 16 MiB")?;

    println!(
        "starting a devnet in {} ({} operators)...",
        args.data_dir.display(),
        options.operators
    );
    let devnet = Devnet::start(options).await?;
    print_summary(&devnet);

    if args.demo {
        let result = super::devnet_demo::run(devnet.info(), args.demo_args.demo_bytes).await;
        if result.is_err() || args.exit_after_demo {
            devnet.shutdown().await?;
            return result;
        }
    }
    println!("devnet running; Ctrl-C (or `lamina devnet down`) stops it");
    wait_for_stop_signal().await?;
    println!("stopping...");
    devnet.shutdown().await?;
    println!("devnet stopped");
    Ok(())
}

fn print_summary(devnet: &Devnet) {
    let info = devnet.info();
    println!(
        "devnet healthy in {:.1} s; {}",
        devnet.started_in().as_secs_f64(),
        info.data_dir.join(lamina_devnet::DEVNET_JSON).display()
    );
    println!(
        "  rpc_url        {} (chain id {})",
        info.rpc_url, info.chain_id
    );
    println!(
        "  cert_verifier  {}",
        info.contracts
            .get("cert_verifier")
            .map_or_else(|| "-".to_owned(), ToString::to_string)
    );
    if let Some(disperser) = &info.disperser {
        println!("  disperser      {disperser}");
    }
    for (i, api) in info.api_servers.iter().enumerate() {
        println!("  api-server-{i}   {api}");
    }
    for (i, encoder) in info.encoders.iter().enumerate() {
        println!("  encoder-{i}      {encoder}");
    }
    if let Some(console) = &info.console {
        println!("  console        {console} (blobs, batches, operators; JSON under /api/v1)");
    }
    if let Some(retriever) = &info.retriever {
        println!("  retriever      {retriever}");
    }
    if let Some(proxy) = &info.proxy {
        println!("  proxy          {proxy} (OP alt-DA: POST /put, GET /get/0x...)");
    }
    for node in &info.nodes {
        println!(
            "  node {}         {} operator {} (pid {})",
            node.index, node.endpoint, node.operator_id, node.pid
        );
    }
    println!("  client key     {}", info.client_key.display());
    println!("  logs           {}", info.data_dir.join("logs").display());
}

/// Ctrl-C or SIGTERM (what `lamina devnet down` sends).
async fn wait_for_stop_signal() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing the SIGTERM handler")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("waiting for Ctrl-C")?,
        _ = term.recv() => {}
    }
    Ok(())
}

async fn down(args: DownArgs) -> anyhow::Result<()> {
    let info = DevnetInfo::load(&args.data_dir)
        .with_context(|| format!("no running devnet in {}", args.data_dir.display()))?;
    let deadline = Instant::now() + Duration::from_secs(args.timeout_secs);
    // The supervisor stops its processes cleanly on SIGTERM and removes devnet.json.
    if let Some(&pid) = info.pids.get("supervisor")
        && pid_alive(pid)
    {
        signal(pid, SIGTERM)?;
        while pid_alive(pid) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // Whatever is left (a supervisor that died without cleaning up): stop it directly.
    let leftovers: Vec<u32> = info
        .nodes
        .iter()
        .map(|n| n.pid)
        .chain(info.pids.values().copied())
        .filter(|&pid| pid != 0 && is_devnet_process(pid))
        .collect();
    for &pid in &leftovers {
        let _ = signal(pid, SIGTERM);
    }
    if !leftovers.is_empty() {
        println!("stopped {} leftover processes", leftovers.len());
    }
    let _ = std::fs::remove_file(args.data_dir.join(lamina_devnet::DEVNET_JSON));
    println!("devnet in {} stopped", args.data_dir.display());
    Ok(())
}
