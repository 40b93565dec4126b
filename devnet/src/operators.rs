//! Operator and account provisioning: deterministic keys, keystores on disk, funding,
//! staking, and registration with the contracts, through the onboarding functions of
//! `lamina_core::chain` that `lamina node register` uses too.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use alloy::primitives::{Address, U256, keccak256, uint};
use alloy::signers::local::PrivateKeySigner;
use ark_bn254::Fr;
use ark_ff::PrimeField;
use lamina_core::bls::SecretKey;
use lamina_core::chain::OperatorOnboarding;
use lamina_core::keystore::{EcdsaKey, ScryptParams, save_bls_key, save_ecdsa_key};
use lamina_core::{OperatorId, QuorumId};

use crate::{DevnetError, LocalChain};

/// Password of every devnet keystore (written to each `password` file).
pub const DEVNET_PASSWORD: &str = "lamina-devnet";
/// Keystores use scrypt n = 2^10: a devnet's keys protect nothing, and services decrypt
/// them at every start (the standard 2^18 costs a second and 256 MiB each).
pub const DEVNET_SCRYPT: ScryptParams = ScryptParams::TEST;
/// ETH each provisioned account receives: 1000 ETH.
pub const FUNDING_WEI: U256 = uint!(1_000_000_000_000_000_000_000_U256);
/// One whole test token (18 decimals); stakes are counted in these.
pub const TOKEN: u128 = 1_000_000_000_000_000_000;

/// What one operator stakes and where its node listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperatorSpec {
    /// Test tokens deposited per quorum (the quorum's stake, in token base units).
    pub stakes: Vec<(QuorumId, U256)>,
    /// Quorums to register for.
    pub quorums: Vec<QuorumId>,
    /// The node's gRPC address; its `host:port` is registered on-chain as the socket.
    pub grpc_addr: SocketAddr,
}

/// The devnet's default stakes: operator `i` of `n` holds `i + 1` tokens in even quorums
/// and `n - i` tokens in odd ones, so every operator's share differs between quorums.
pub fn default_stake(index: usize, operators: usize, quorum: QuorumId) -> U256 {
    let units = if quorum.is_multiple_of(2) {
        index + 1
    } else {
        operators.saturating_sub(index)
    };
    U256::from(units) * U256::from(TOKEN)
}

/// A registered operator: its keys, key files and on-chain identity.
#[derive(Clone, Debug)]
pub struct ProvisionedOperator {
    /// Position in the devnet (0-based).
    pub index: usize,
    /// `<data_dir>/operators/<index>/`.
    pub dir: PathBuf,
    /// BLS keystore (eigensdk format): `<dir>/bls.json`.
    pub bls_keystore: PathBuf,
    /// ECDSA keystore (geth v3): `<dir>/ecdsa.json`.
    pub ecdsa_keystore: PathBuf,
    /// Password of both keystores: `<dir>/password`.
    pub password_file: PathBuf,
    /// The BLS key.
    pub bls_key: SecretKey,
    /// The ECDSA key (the operator's Ethereum account).
    pub ecdsa_key: EcdsaKey,
    /// The operator's Ethereum address.
    pub address: Address,
    /// The operator id (hash of the G1 key).
    pub operator_id: OperatorId,
    /// The spec it was provisioned with.
    pub spec: OperatorSpec,
}

impl ProvisionedOperator {
    /// The socket registered on-chain.
    pub fn socket(&self) -> String {
        self.spec.grpc_addr.to_string()
    }
}

/// A funded account with its key on disk: the client's and the disperser's.
#[derive(Clone, Debug)]
pub struct FundedAccount {
    /// The key.
    pub key: EcdsaKey,
    /// Geth v3 keystore.
    pub keystore: PathBuf,
    /// Its password file.
    pub password_file: PathBuf,
    /// The secret as one line of 0x-hex (devnet convenience for `--key-file` style flags).
    pub hex_key_file: PathBuf,
}

impl FundedAccount {
    /// The account's address.
    pub fn address(&self) -> Address {
        self.key.address()
    }

    /// An alloy signer for the key.
    pub fn signer(&self) -> Result<PrivateKeySigner, DevnetError> {
        signer_of(&self.key)
    }
}

/// An alloy signer for an ECDSA key.
pub fn signer_of(key: &EcdsaKey) -> Result<PrivateKeySigner, DevnetError> {
    PrivateKeySigner::from_bytes(&key.secret_bytes()).map_err(|e| DevnetError::Format {
        what: "ECDSA key",
        reason: e.to_string(),
    })
}

fn derive(seed: u64, label: &str, index: usize) -> [u8; 32] {
    let mut input = Vec::with_capacity(48);
    input.extend_from_slice(b"lamina-devnet/");
    input.extend_from_slice(label.as_bytes());
    input.extend_from_slice(&seed.to_be_bytes());
    input.extend_from_slice(&(index as u64).to_be_bytes());
    keccak256(&input).0
}

/// Operator `index`'s keys for `seed`: the same seed always gives the same operators.
pub fn operator_keys(seed: u64, index: usize) -> Result<(SecretKey, EcdsaKey), DevnetError> {
    let bls = SecretKey::from_scalar(Fr::from_be_bytes_mod_order(&derive(seed, "bls", index)))
        .map_err(|e| DevnetError::Format {
            what: "derived BLS key",
            reason: e.to_string(),
        })?;
    Ok((bls, account_key(seed, "ecdsa", index)?))
}

/// A deterministic ECDSA key for account `label`/`index`.
pub fn account_key(seed: u64, label: &str, index: usize) -> Result<EcdsaKey, DevnetError> {
    // A hash is a valid secp256k1 scalar except with negligible probability; re-hash then.
    let mut bytes = derive(seed, label, index);
    loop {
        if let Ok(key) = EcdsaKey::from_bytes(bytes.into()) {
            return Ok(key);
        }
        bytes = keccak256(bytes).0;
    }
}

fn write_password(dir: &Path) -> Result<PathBuf, DevnetError> {
    std::fs::create_dir_all(dir).map_err(DevnetError::io("create", dir))?;
    let path = dir.join("password");
    std::fs::write(&path, format!("{DEVNET_PASSWORD}\n"))
        .map_err(DevnetError::io("write", &path))?;
    Ok(path)
}

/// Writes `key` into `dir` (keystore, password, hex file) and funds it with
/// [`FUNDING_WEI`].
pub async fn provision_account(
    chain: &LocalChain,
    dir: &Path,
    key: EcdsaKey,
) -> Result<FundedAccount, DevnetError> {
    let password_file = write_password(dir)?;
    let keystore = dir.join("ecdsa.json");
    save_ecdsa_key(&keystore, &key, DEVNET_PASSWORD, DEVNET_SCRYPT)?;
    let hex_key_file = dir.join("key.hex");
    std::fs::write(&hex_key_file, format!("{}\n", key.secret_bytes()))
        .map_err(DevnetError::io("write", &hex_key_file))?;
    chain.set_balance(key.address(), FUNDING_WEI).await?;
    Ok(FundedAccount {
        key,
        keystore,
        password_file,
        hex_key_file,
    })
}

/// Provisions operator `index`: keys from `seed`, keystores and password in
/// `<operators_dir>/<index>/`, ETH, stakes, EigenLayer registration (self-delegation) and
/// registration for its quorums with proof of possession and socket.
pub async fn provision_operator(
    chain: &LocalChain,
    operators_dir: &Path,
    seed: u64,
    index: usize,
    spec: OperatorSpec,
) -> Result<ProvisionedOperator, DevnetError> {
    let (bls_key, ecdsa_key) = operator_keys(seed, index)?;
    let dir = operators_dir.join(index.to_string());
    let password_file = write_password(&dir)?;
    let bls_keystore = dir.join("bls.json");
    let ecdsa_keystore = dir.join("ecdsa.json");
    save_bls_key(&bls_keystore, &bls_key, DEVNET_PASSWORD, DEVNET_SCRYPT)?;
    save_ecdsa_key(&ecdsa_keystore, &ecdsa_key, DEVNET_PASSWORD, DEVNET_SCRYPT)?;
    let address = ecdsa_key.address();
    chain.set_balance(address, FUNDING_WEI).await?;
    let eth = chain.connect(Some(signer_of(&ecdsa_key)?))?;
    let socket = spec.grpc_addr.to_string();
    let operator_id = eth
        .onboard_operator(&OperatorOnboarding {
            bls_key: &bls_key,
            stakes: &spec.stakes,
            quorums: &spec.quorums,
            socket: &socket,
        })
        .await?;
    Ok(ProvisionedOperator {
        index,
        dir,
        bls_keystore,
        ecdsa_keystore,
        password_file,
        bls_key,
        ecdsa_key,
        address,
        operator_id,
        spec,
    })
}

/// Provisions operators `0..specs.len()` concurrently (each from its own account, so
/// their transactions do not contend for nonces).
pub async fn provision_operators(
    chain: &LocalChain,
    operators_dir: &Path,
    seed: u64,
    specs: Vec<OperatorSpec>,
) -> Result<Vec<ProvisionedOperator>, DevnetError> {
    futures::future::try_join_all(
        specs
            .into_iter()
            .enumerate()
            .map(|(i, spec)| provision_operator(chain, operators_dir, seed, i, spec)),
    )
    .await
}
