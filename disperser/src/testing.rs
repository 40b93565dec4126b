//! The disperser's intake served in-process over real TCP with a real RocksDB queue, for
//! the crate's integration tests and benchmarks: the chain is never contacted (the
//! parameters are given), accepted keys are held in a channel nobody drains.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use alloy_primitives::U256;
use lamina_core::chain::{ContractAddresses, EthChain};
use lamina_core::keystore::EcdsaKey;
use lamina_core::{BlobCommitments, BlobHeader, PaymentHeader, SecurityThresholds};
use lamina_encoding::{BlobParams, Srs};
use lamina_proto::convert::blob_header_to_proto;
use lamina_proto::disperser::v1::DisperseBlobRequest;
use lamina_proto::disperser::v1::disperser_client::DisperserClient;
use tokio::sync::{mpsc, oneshot};
use tonic::transport::Channel;

use crate::DisperserConfig;
use crate::chain_view::{ChainParams, ChainView};
use crate::commit_pool::CommitmentPool;
use crate::encode::QueuedBlob;
use crate::metrics::Metrics;
use crate::payments::{PaymentSource, Payments, PaymentsConfig};
use crate::pipeline::Pipeline;
use crate::service::DisperserService;
use crate::store::Store;

/// Devnet-like chain parameters: versions 0 and 1, quorums 0 and 1 both required, four
/// operators each.
pub fn chain_params() -> ChainParams {
    ChainParams {
        blob_params: BTreeMap::from([(0, BlobParams::V0), (1, BlobParams::V1_DEVNET)]),
        next_blob_version: 2,
        quorum_count: 2,
        required_quorums: vec![0, 1],
        thresholds: SecurityThresholds {
            confirmation_threshold: 55,
            adversary_threshold: 33,
        },
        operator_counts: BTreeMap::from([(0, 4), (1, 4)]),
    }
}

/// A `DisperseBlob` request for `blob` (version 1, quorums 0 and 1) claiming `commitment`,
/// paying `cumulative_payment` (zero: the reservation) at `timestamp_ns`, signed by `key`.
pub fn signed_request(
    key: &EcdsaKey,
    blob: &[u8],
    commitment: BlobCommitments,
    cumulative_payment: U256,
    timestamp_ns: i64,
) -> DisperseBlobRequest {
    let payment = PaymentHeader {
        account_id: key.address(),
        timestamp_ns,
        cumulative_payment,
    };
    let header = BlobHeader {
        version: 1,
        quorum_numbers: vec![0, 1],
        commitment,
        payment_header_hash: payment.hash(),
    };
    let signature =
        lamina_core::ecdsa::sign_digest(key, header.blob_key().as_b256()).expect("signs");
    DisperseBlobRequest {
        blob: blob.to_vec(),
        blob_header: Some(blob_header_to_proto(&header, &payment)),
        signature: signature.to_vec(),
    }
}

/// How to build an [`IntakeServer`].
#[derive(Debug)]
pub struct IntakeOptions {
    /// The service's configuration.
    pub config: DisperserConfig,
    /// `DisperseBlob`'s commitment pool: slots, of them reserved, queue.
    pub commitment_pool: (usize, usize, usize),
    /// `GetBlobCommitment`'s pool: slots, queue.
    pub lookup_pool: (usize, usize),
    /// Payments over this source, or none (every signed blob is free).
    pub payments: Option<(PaymentsConfig, Arc<dyn PaymentSource>)>,
    /// Development SRS points.
    pub srs_points: usize,
}

/// A running intake service and a client of it.
#[derive(Debug)]
pub struct IntakeServer {
    /// A client connected over TCP.
    pub client: DisperserClient<Channel>,
    /// `DisperseBlob`'s commitment pool.
    pub pool: Arc<CommitmentPool>,
    /// `GetBlobCommitment`'s pool.
    pub lookup: Arc<CommitmentPool>,
    /// The metadata store (RocksDB).
    pub store: Arc<Store>,
    /// The blob objects (a directory beside the database).
    pub objects: lamina_storage::BlobObjects,
    /// The service's metrics.
    pub metrics: Arc<Metrics>,
    /// Payments, when enabled (restored from `store` at start).
    pub payments: Option<Arc<Payments>>,
    /// The SRS the service checks commitments with.
    pub srs: Arc<Srs>,
    _encode: mpsc::Receiver<QueuedBlob>,
    _stop: oneshot::Sender<()>,
}

impl IntakeServer {
    /// Serves intake on 127.0.0.1 (port 0) with its metadata at `db` and its blob
    /// objects in `<db>.objects`; panics on a setup failure (tests and benchmarks only).
    pub async fn start(db: &Path, options: IntakeOptions) -> Self {
        let store = Arc::new(Store::open(db, 0).expect("store opens"));
        let objects = lamina_storage::BlobObjects::open(&lamina_storage::ObjectStoreConfig::Dir(
            db.with_extension("objects"),
        ))
        .expect("object store opens");
        // Never contacted: every request is answered from the given parameters.
        let chain =
            EthChain::connect_http("http://127.0.0.1:9", ContractAddresses::default(), None)
                .expect("chain handle");
        let metrics = Arc::new(Metrics::new());
        let p = Arc::new(Pipeline {
            config: options.config,
            store: store.clone(),
            objects: objects.clone(),
            chain: Arc::new(ChainView::with_params(chain, chain_params())),
            metrics: metrics.clone(),
            in_flight: AtomicUsize::new(0),
        });
        let payments = match options.payments {
            Some((config, source)) => Some(Arc::new(
                Payments::new(config, source, store.clone())
                    .await
                    .expect("payment parameters and records"),
            )),
            None => None,
        };
        let srs = Arc::new(Srs::insecure_development(3, options.srs_points));
        let (slots, reserved, queue) = options.commitment_pool;
        let pool = Arc::new(
            CommitmentPool::new(slots, reserved, queue)
                .expect("pool")
                .with_metrics(metrics.commitment.clone()),
        );
        let (lookup_slots, lookup_queue) = options.lookup_pool;
        let lookup = Arc::new(
            CommitmentPool::new(lookup_slots, 0, lookup_queue)
                .expect("lookup pool")
                .with_metrics(metrics.commitment.clone()),
        );
        let (encode_tx, encode_rx) = mpsc::channel(1 << 16);
        let service = DisperserService::new(
            p,
            srs.clone(),
            Some(encode_tx),
            pool.clone(),
            lookup.clone(),
        )
        .with_payments(payments.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let addr = listener.local_addr().expect("address");
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(service.into_server())
                .serve_with_incoming_shutdown(
                    tokio_stream::wrappers::TcpListenerStream::new(listener),
                    async move {
                        let _ = stop_rx.await;
                    },
                ),
        );
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .expect("endpoint")
            .connect()
            .await
            .expect("connects");
        Self {
            client: DisperserClient::new(channel)
                .max_encoding_message_size(lamina_proto::MAX_MESSAGE_SIZE),
            pool,
            lookup,
            store,
            objects,
            metrics,
            payments,
            srs,
            _encode: encode_rx,
            _stop: stop_tx,
        }
    }
}
