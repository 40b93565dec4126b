//! # lamina-devnet
//!
//! The whole Lamina path (blob → chunks → attestation → certificate → retrieval) on one
//! machine with real parts: anvil running the real contracts, restaked operators
//! registered with BLS proofs of possession, and every service as its own `lamina`
//! process on loopback ports. `lamina devnet up` and the end-to-end tests build on it.
//!
//! ## Bird's eye view
//! - [`LocalChain`]: anvil on a free port under its own chain id, started from a cached
//!   snapshot of the project's deploy script (deployed once per contract version, see
//!   [`cache`]); killed on drop.
//! - [`operators`]: deterministic keys, keystores and password files on disk, ETH,
//!   test-token stakes, EigenLayer and AVS registration, through the onboarding
//!   functions of `lamina_core::chain` that `lamina node register` uses.
//! - [`ServiceProcess`]: supervises one `lamina <role> run --config FILE` (log file,
//!   `/health` wait, SIGTERM/SIGKILL, restart); killed on drop.
//! - [`faults`]: a Byzantine operator (a gRPC proxy in front of a real node that falsifies
//!   retrieval answers), for fault tests.
//! - [`Devnet`]: all of it, with `devnet.json` ([`DevnetInfo`]) written once healthy.
//!
//! ```no_run
//! # async fn demo() -> Result<(), lamina_devnet::DevnetError> {
//! use lamina_devnet::{Devnet, DevnetOptions};
//!
//! let devnet = Devnet::start(DevnetOptions::new("target/debug/lamina", ".devnet")).await?;
//! println!("disperser at {:?}", devnet.info().disperser);
//! devnet.shutdown().await?;
//! # Ok(()) }
//! ```

// One `unsafe` call, allowed where it is: kill(2) in `process::signal` (supervised processes get
// SIGTERM for a clean stop, which std cannot send). Everything else stays safe.
#![deny(unsafe_code)]

pub mod cache;
mod chain;
pub mod config;
mod devnet;
mod error;
pub mod faults;
pub mod operators;
pub mod ports;
pub mod process;
pub mod srs;
pub mod tools;

pub use chain::{DEFAULT_BLOCK_TIME, LocalChain, LocalChainOptions};
pub use devnet::{
    DEFAULT_BLOB_VERSION, DEFAULT_MAX_BLOB_SYMBOLS, DEFAULT_OPERATORS, DEFAULT_SEED,
    DEVNET_CLIENT_DEPOSIT_WEI, DEVNET_CLIENT_RESERVATION_SYMBOLS_PER_SECOND, DEVNET_JSON,
    DEVNET_REFERENCE_BLOCK_DELAY, Devnet, DevnetInfo, DevnetOptions, MAX_OPERATORS, NodeInfo,
    ObjectStoreKind, ServiceAddrs,
};
pub use error::DevnetError;
pub use lamina_disperser::metadata::MetadataBackend;
pub use operators::{FundedAccount, OperatorSpec, ProvisionedOperator};
pub use process::{ServiceProcess, ServiceSpec};
