//! # lamina-disperser
//!
//! The rollup's entry point. In the path blob → chunks → attestation → certificate →
//! retrieval, the disperser owns everything from accepting a blob to issuing its
//! certificate: it validates `DisperseBlob` requests (recomputing commitments and the
//! blob key, checking the account's signature), queues blobs durably (bytes in an object
//! store, metadata in RocksDB or PostgreSQL: [`metadata`]),
//! encodes them into frames, batches them, sends every operator only its frames
//! (`StoreChunks`), verifies and aggregates the operators' BLS signatures, checks the
//! signed stake against the confirmation threshold and records a certificate that
//! `CertVerifier.checkDACert` accepts; optionally it anchors each batch with
//! `confirmBatch`.
//!
//! ## Bird's-eye view
//!
//! Tasks started by [`run`], joined by bounded channels:
//!
//! - **grpc**: [`service::DisperserService`] (`DisperseBlob`, `GetBlobStatus`,
//!   `GetBlobCommitment`); a blob's bytes are written to the object store and its
//!   metadata to the [`metadata::MetadataStore`] (both durable) before `DisperseBlob`
//!   answers; every MSM and pairing a request causes runs on the bounded
//!   [`commit_pool::CommitmentPool`] (its own threads), after the cheaper checks;
//! - **encode** ([`encode`]): frames in process (rayon, `spawn_blocking`) or on remote
//!   encoders ([`encoder_pool`], `lamina encoder run`), bounded concurrency;
//! - **batch** ([`pipeline::batcher`]): cuts batches by size or time;
//! - **dispatch** ([`dispatch`]): reference block, assignment, `StoreChunks` fan-out,
//!   signature checks, aggregation ([`aggregate`]), outcome per blob;
//! - **anchor** ([`anchor`]): `confirmBatch`, off the critical path;
//! - **http** ([`metrics`]): `GET /health`, `GET /metrics`, and the web console
//!   ([`console`], `lamina-console`: blob explorer, batches, operators and their signing
//!   rates, JSON under `/api/v1`) unless `[console] enabled = false`.
//!
//! After a crash, [`pipeline::recover`] puts every non-terminal blob back into the
//! pipeline or ends it `FAILED` with a reason.
//!
//! One process runs all of it by default ([`Role::All`]). Scaled out, `role = "api"`
//! processes run only the gRPC intake and reads, and one `role = "controller"` process
//! the stages, holding the [`lease`] and claiming QUEUED blobs from the shared PostgreSQL
//! database ([`pipeline::claim_queued`]); see `docs/architecture.md`.
//!
//! ```
//! use lamina_disperser::DisperserConfig;
//!
//! let config = DisperserConfig::from_toml(r#"
//!     deployment = "contracts/deployments/31337.json"
//!     reference_block_delay = 1
//!     anchor_on_chain = true
//!     ecdsa_keystore = "disperser.json"
//!     password_env = "DISPERSER_PASSWORD"
//! "#)?;
//! config.validate()?;
//! assert_eq!(config.batch_max_interval_ms, 1000);
//! // lamina_disperser::run(config, tokio::signal::ctrl_c()).await?;
//! # Ok::<(), lamina_disperser::ConfigError>(())
//! ```

#![forbid(unsafe_code)]

pub mod aggregate;
pub mod anchor;
pub mod chain_view;
pub mod commit_pool;
pub mod config;
pub mod console;
pub mod dispatch;
pub mod encode;
pub mod encoder_pool;
mod error;
pub mod gate;
pub mod intake;
pub mod lease;
pub mod metadata;
pub mod metrics;
pub mod payments;
pub mod pipeline;
pub mod rate_limit;
pub mod service;
pub mod store;
pub mod testing;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use alloy::signers::local::PrivateKeySigner;
use lamina_core::chain::bindings::service_manager::LaminaServiceManager;
use lamina_core::chain::{ChainError, ContractAddresses, EthChain};
use lamina_core::keystore::load_ecdsa_key;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use config::{DisperserConfig, MAX_BLOB_SIZE_LIMIT, Role};
pub use error::{ConfigError, DisperserError, RateLimitKind, StoreError};

/// Encoded blobs waiting for the batcher (each holds its frames: keep it small).
const ENCODED_CHANNEL_CAPACITY: usize = 4;
/// Batches waiting for the dispatcher.
const BATCH_CHANNEL_CAPACITY: usize = 2;
/// Batch ids waiting to be anchored.
const ANCHOR_CHANNEL_CAPACITY: usize = 64;

fn read_addresses(config: &DisperserConfig) -> Result<ContractAddresses, DisperserError> {
    let invalid = |reason: String| {
        DisperserError::Config(ConfigError::Invalid {
            field: "deployment",
            reason,
        })
    };
    let text = std::fs::read_to_string(&config.deployment)
        .map_err(|e| invalid(format!("{}: {e}", config.deployment.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| invalid(format!("{}: {e}", config.deployment.display())))
}

/// Spawns a pipeline stage; its end is reported on `done` with its name.
fn critical(
    name: &'static str,
    done: &mpsc::Sender<&'static str>,
    fut: impl Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    let done = done.clone();
    tokio::spawn(async move {
        fut.await;
        let _ = done.send(name).await;
    })
}

/// Runs the disperser until `shutdown` completes: validates the configuration, loads the
/// key, the deployment and the SRS, recovers the queue, starts every stage and serves
/// gRPC on `grpc_listen` and HTTP on `metrics_listen`.
///
/// On shutdown: intake stops, the encoder finishes the blobs it holds, the batcher
/// flushes, in-flight batches complete; blobs not yet encoded stay queued in RocksDB
/// and resume at the next start.
pub async fn run(
    config: DisperserConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), DisperserError> {
    config.validate()?;
    let password = config.password_source()?.resolve()?;
    let key = load_ecdsa_key(&config.ecdsa_keystore, &password)?;
    let addresses = read_addresses(&config)?;
    let signer = PrivateKeySigner::from_bytes(&key.secret_bytes()).map_err(|e| {
        DisperserError::Config(ConfigError::Invalid {
            field: "ecdsa_keystore",
            reason: e.to_string(),
        })
    })?;
    tracing::info!(address = %signer.address(), "disperser key loaded");
    let chain =
        EthChain::connect_http_with_tls(&config.rpc_url, addresses, Some(signer), &config.tls)?;
    let server_tls = config.tls.server_tls()?;
    let operators = config.tls.connector()?;
    // The development SRS only on a development chain: refused before anything slow.
    let srs_config = config.srs.approve(&chain).await?;
    let block_stale_measure =
        LaminaServiceManager::new(chain.addresses().service_manager, chain.provider())
            .BLOCK_STALE_MEASURE()
            .call()
            .await
            .map_err(ChainError::Contract)?;
    config.validate_against_chain(u64::from(block_stale_measure))?;
    // Payments: refused before anything slow when the deployment has no vault.
    let payment_source = if config.payments.enabled {
        if chain.addresses().payment_vault.is_zero() {
            return Err(DisperserError::Config(ConfigError::Invalid {
                field: "payments",
                reason: format!(
                    "the deployment {} has no PaymentVault address (payment_vault), so blobs \
                     cannot be metered; deploy one, or set `enabled = false` in [payments] to \
                     accept every signed blob for free",
                    config.deployment.display()
                ),
            }));
        }
        let source: Arc<dyn payments::PaymentSource> = Arc::new(chain.clone());
        Some(source)
    } else {
        tracing::warn!("payments disabled: every signed blob is accepted without payment");
        None
    };
    let chain = Arc::new(chain_view::ChainView::new(chain, config.reference_block_delay).await?);

    let points = (config.max_blob_size / lamina_encoding::BYTES_PER_SYMBOL).next_power_of_two();
    // Only intake checks G2 commitments: a controller (frames, the console's retrievability
    // check) needs the G1 powers alone, and skips loading the long G2 vectors.
    let scope = if config.role == Role::Controller {
        lamina_encoding::SrsScope::Verify
    } else {
        lamina_encoding::SrsScope::Commit
    };
    let srs = tokio::task::spawn_blocking(move || srs_config.load(points, scope))
        .await
        .map_err(|e| DisperserError::Srs(e.to_string()))?
        .map_err(|e| DisperserError::Srs(e.to_string()))?;
    let srs = Arc::new(srs);
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        DisperserError::Config(ConfigError::Invalid {
            field: "data_dir",
            reason: format!("{}: {e}", config.data_dir.display()),
        })
    })?;
    let objects = lamina_storage::BlobObjects::open(&config.objects()).map_err(|e| {
        DisperserError::Config(ConfigError::Invalid {
            field: "objects",
            reason: e.to_string(),
        })
    })?;
    let store = metadata::open(
        &config.metadata,
        &config.db_path(),
        config.blob_retention_secs,
        &objects,
    )
    .await?;
    let metrics = Arc::new(metrics::Metrics::new());
    let p = Arc::new(pipeline::Pipeline {
        config: config.clone(),
        store,
        objects: objects.clone(),
        chain,
        metrics: metrics.clone(),
        in_flight: AtomicUsize::new(0),
    });
    let payments = match payment_source {
        Some(source) => Some(Arc::new(
            payments::Payments::new(config.payments.clone(), source, p.store.clone()).await?,
        )),
        None => None,
    };
    let runs_controller = config.role != Role::Api;
    let cancel = CancellationToken::new();
    // The caller's shutdown as a token: the standby wait and every role's loop watch it.
    let shutting_down = CancellationToken::new();
    {
        let token = shutting_down.clone();
        tokio::spawn(async move {
            shutdown.await;
            token.cancel();
        });
    }
    // Cancelled when this controller loses its lease: its pipeline must stop at once.
    let lease_lost = CancellationToken::new();
    let ready = Arc::new(AtomicBool::new(false));
    let (done_tx, mut done_rx) = mpsc::channel::<&'static str>(8);
    let (key_tx, key_rx) = mpsc::channel(config.queue_capacity);

    let http = {
        let (m, r, c) = (metrics.clone(), ready.clone(), cancel.clone());
        let addr = config.metrics_listen;
        let console = config.console.enabled.then(|| {
            let source: Arc<dyn lamina_console::DisperserSource> = Arc::new(
                console::ConsoleSource::new(p.clone(), srs.clone(), operators.clone()),
            );
            lamina_console::disperser_router(source, config.console.clone())
        });
        tokio::spawn(async move { metrics::serve(addr, m, r, c, console).await })
    };

    // The controller: its lease (a standby waits here), recovery, then the stages.
    let mut stages = Vec::new();
    let mut held_lease = None;
    if runs_controller {
        let Some(lease) = lease::ControllerLease::acquire(
            p.store.clone(),
            config.controller_lease(),
            &shutting_down,
        )
        .await?
        else {
            tracing::info!("stopped while standing by");
            cancel.cancel();
            return http.await.map_err(|e| DisperserError::Task {
                task: "http",
                reason: e.to_string(),
            })?;
        };
        let lease = Arc::new(lease);
        tokio::spawn({
            let (lease, cancel, lost) = (lease.clone(), cancel.clone(), lease_lost.clone());
            async move { lease.hold(cancel, lost).await }
        });
        held_lease = Some(lease);
        let resume = pipeline::recover(&p).await?;
        if !resume.is_empty() {
            tracing::info!(
                blobs = resume.len(),
                "resuming blobs accepted before the restart"
            );
        }
        // Frames on the remote encoder pool, or in this process.
        let encoders = if config.encoder_pool.endpoints.is_empty() {
            encoder_pool::Encoders::Local(Arc::new(lamina_encoder::service_encoder(srs.clone())))
        } else {
            let pool = encoder_pool::RemotePool::new(
                config.encoder_pool.clone(),
                &operators,
                objects.clone(),
                metrics.encoder_retries.clone(),
            )?;
            let capacity = pool.probe().await;
            tracing::info!(
                encoders = config.encoder_pool.endpoints.len(),
                capacity,
                "encoding on remote encoders"
            );
            encoder_pool::Encoders::Remote(pool)
        };
        let encoders = Arc::new(encoders);

        let (encoded_tx, encoded_rx) = mpsc::channel(ENCODED_CHANNEL_CAPACITY);
        let (batch_tx, batch_rx) = mpsc::channel(BATCH_CHANNEL_CAPACITY);
        let (anchor_tx, anchor_rx) = mpsc::channel(ANCHOR_CHANNEL_CAPACITY);
        stages.push((
            "encode",
            critical(
                "encode",
                &done_tx,
                encode::run(p.clone(), encoders, key_rx, encoded_tx, cancel.clone()),
            ),
        ));
        stages.push((
            "batch",
            critical(
                "batch",
                &done_tx,
                pipeline::batcher(config.clone(), encoded_rx, batch_tx),
            ),
        ));
        let dispatcher = Arc::new(dispatch::Dispatcher::new(
            p.clone(),
            key,
            anchor_tx,
            operators,
        ));
        stages.push((
            "dispatch",
            critical("dispatch", &done_tx, dispatch::run(dispatcher, batch_rx)),
        ));
        stages.push((
            "anchor",
            critical(
                "anchor",
                &done_tx,
                anchor::run(p.clone(), anchor_rx, cancel.clone()),
            ),
        ));
        if config.role == Role::Controller {
            // Blobs come from API servers in other processes, through the database.
            let fed = resume.iter().copied().collect();
            tokio::spawn(pipeline::claim_queued(
                p.clone(),
                fed,
                key_tx.clone(),
                cancel.clone(),
            ));
        }
        tokio::spawn(pipeline::feed(resume, key_tx.clone(), cancel.clone()));
        tokio::spawn(pipeline::expire_kept_blobs(p.clone(), cancel.clone()));
    } else {
        tokio::spawn(pipeline::count_in_flight(p.clone(), cancel.clone()));
    }
    tokio::spawn(chain_view::refresh_periodically(
        p.chain.clone(),
        cancel.clone(),
    ));
    if let Some(payments) = &payments {
        tokio::spawn(payments::refresh_periodically(
            payments.clone(),
            cancel.clone(),
        ));
    }

    let mut failure = None;
    let served = if config.role == Role::Controller {
        drop(key_tx);
        ready.store(true, Ordering::Release);
        tracing::info!(metrics = %config.metrics_listen, "disperser controller ready");
        tokio::select! {
            () = shutting_down.cancelled() => {}
            () = lease_lost.cancelled() => {}
            name = done_rx.recv() => {
                let name = name.unwrap_or("unknown");
                tracing::error!(task = name, "pipeline stage stopped; shutting down");
                failure = Some(DisperserError::Task { task: name, reason: "stopped while serving".into() });
            }
        }
        Ok(())
    } else {
        // API servers only accept: a separate controller claims their blobs.
        let encode = runs_controller.then_some(key_tx);
        serve_api(
            &config,
            p.clone(),
            srs,
            encode,
            payments,
            &metrics,
            &ready,
            &mut done_rx,
            &mut failure,
            server_tls,
            [shutting_down.clone(), lease_lost.clone(), cancel.clone()],
        )
        .await
    };
    if lease_lost.is_cancelled() {
        failure.get_or_insert(DisperserError::Task {
            task: "controller lease",
            reason: "lost to another controller, or not renewed before it expired".into(),
        });
    }
    ready.store(false, Ordering::Release);
    tracing::info!("intake stopped; draining the pipeline");
    cancel.cancel();
    for (name, task) in stages {
        if let Err(e) = task.await {
            failure.get_or_insert(DisperserError::Task {
                task: name,
                reason: e.to_string(),
            });
        }
    }
    if let Some(lease) = held_lease.and_then(|l| Arc::try_unwrap(l).ok())
        && !lease_lost.is_cancelled()
    {
        lease.release().await;
    }
    match http.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            failure.get_or_insert(e);
        }
        Err(e) => {
            failure.get_or_insert(DisperserError::Task {
                task: "http",
                reason: e.to_string(),
            });
        }
    }
    served?;
    tracing::info!("disperser stopped");
    failure.map_or(Ok(()), Err)
}

/// Serves the gRPC API until one of `stops` fires or a pipeline stage (reported on
/// `done`) ends, which it records in `failure`.
#[allow(clippy::too_many_arguments)]
async fn serve_api(
    config: &DisperserConfig,
    p: Arc<pipeline::Pipeline>,
    srs: Arc<lamina_encoding::Srs>,
    encode: Option<mpsc::Sender<encode::QueuedBlob>>,
    payments: Option<Arc<payments::Payments>>,
    metrics: &metrics::Metrics,
    ready: &AtomicBool,
    done: &mut mpsc::Receiver<&'static str>,
    failure: &mut Option<DisperserError>,
    server_tls: Option<tonic::transport::ServerTlsConfig>,
    stops: [CancellationToken; 3],
) -> Result<(), DisperserError> {
    let listener = tokio::net::TcpListener::bind(config.grpc_listen)
        .await
        .map_err(|source| DisperserError::Listen {
            what: "gRPC listener",
            addr: config.grpc_listen,
            source,
        })?;
    let local = listener.local_addr().unwrap_or(config.grpc_listen);
    let pool = Arc::new(
        commit_pool::CommitmentPool::new(
            config.commitment_slots(),
            config.reserved_commitment_slots,
            config.commitment_queue,
        )?
        .with_metrics(metrics.commitment.clone()),
    );
    let lookup_pool = Arc::new(
        commit_pool::CommitmentPool::new(
            config.lookup_commitment_slots,
            0,
            config.lookup_commitment_queue,
        )?
        .with_metrics(metrics.commitment.clone()),
    );
    let service = service::DisperserService::new(p, srs, encode, pool, lookup_pool)
        .with_payments(payments)
        .into_server();
    ready.store(true, Ordering::Release);
    tracing::info!(grpc = %local, metrics = %config.metrics_listen, role = ?config.role, "disperser ready");

    // Limits for every request: a deadline, streams per connection, and requests over
    // all connections (beyond it requests wait, each under its deadline).
    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = server_tls {
        builder = builder.tls_config(tls)?;
    }
    let [a, b, c] = stops;
    let c2 = c.clone();
    let server = builder
        .timeout(config.grpc_request_timeout())
        .max_concurrent_streams(Some(config.grpc_max_concurrent_streams))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            config.grpc_max_concurrent_requests,
        ))
        .add_service(service)
        .serve_with_incoming_shutdown(
            tokio_stream::wrappers::TcpListenerStream::new(listener),
            async move {
                tokio::select! {
                    () = a.cancelled() => {}
                    () = b.cancelled() => {}
                    () = c2.cancelled() => {}
                }
            },
        );
    tokio::pin!(server);
    let served = tokio::select! {
        r = &mut server => r,
        name = done.recv() => {
            // A stage ended while serving: that is a bug or a fatal error; stop everything.
            let name = name.unwrap_or("unknown");
            tracing::error!(task = name, "pipeline stage stopped; shutting down");
            *failure = Some(DisperserError::Task { task: name, reason: "stopped while serving".into() });
            c.cancel();
            server.await
        }
    };
    Ok(served?)
}
