//! One module per subcommand.

pub(crate) mod blob_commit;
pub(crate) mod blob_decode;
pub(crate) mod blob_encode;
pub(crate) mod devnet;
pub(crate) mod devnet_demo;
pub(crate) mod devnet_rewards_demo;
pub(crate) mod disperse;
pub(crate) mod disperser;
pub(crate) mod encoder;
pub(crate) mod frames_dir;
pub(crate) mod layered_config;
pub(crate) mod network;
pub(crate) mod node;
pub(crate) mod payments;
pub(crate) mod proxy;
pub(crate) mod retrieve;
pub(crate) mod retriever;
pub(crate) mod rewards;
pub(crate) mod srs_arg;
pub(crate) mod srs_generate;
pub(crate) mod status;
pub(crate) mod verify;

/// Hex with a `0x` prefix: how every command prints points and hashes.
pub(crate) fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}
