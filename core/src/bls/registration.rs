//! Proof of possession for BLS key registration, as the registry coordinator and
//! `BLSApkRegistry.registerBLSPublicKey` check it.
//!
//! The operator signs the G1 point `pubkeyRegistrationMessageHash(operator) =
//! hashToG1(_hashTypedDataV4(keccak256(abi.encode(PUBKEY_REGISTRATION_TYPEHASH,
//! operator))))`, with OpenZeppelin's EIP-712 domain
//! `(name "AVSRegistryCoordinator", version "v0.0.1", chainId, coordinator)`.

use alloy_primitives::{Address, B256, U256, b256, keccak256};
use ark_bn254::{Bn254, Fr, G1Affine, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{PrimeField, Zero};

use super::hash_to_curve::hash_to_g1;
use super::keys::SecretKey;
use crate::abi::{g1_to_abi, g2_to_abi};

/// `keccak256("BN254PubkeyRegistration(address operator)")`.
pub const PUBKEY_REGISTRATION_TYPEHASH: B256 =
    b256!("0x2bd82124057f0913bc3b772ce7b83e8057c1ad1f3510fc83778be20f10ec5de6");

/// `keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")`.
const EIP712_DOMAIN_TYPEHASH: B256 =
    b256!("0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f");

/// The registry coordinator's EIP-712 name (`__EIP712_init` in `initialize`).
pub const REGISTRY_COORDINATOR_EIP712_NAME: &str = "AVSRegistryCoordinator";
/// The registry coordinator's EIP-712 version.
pub const REGISTRY_COORDINATOR_EIP712_VERSION: &str = "v0.0.1";

/// The registry coordinator's EIP-712 domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryCoordinatorDomain {
    /// EIP-712 name; default [`REGISTRY_COORDINATOR_EIP712_NAME`].
    pub name: String,
    /// EIP-712 version; default [`REGISTRY_COORDINATOR_EIP712_VERSION`].
    pub version: String,
    /// `block.chainid`.
    pub chain_id: u64,
    /// The registry coordinator's address.
    pub verifying_contract: Address,
}

impl RegistryCoordinatorDomain {
    /// The domain of the coordinator at `coordinator` on `chain_id`, with the upstream name and version.
    pub fn new(chain_id: u64, coordinator: Address) -> Self {
        Self {
            name: REGISTRY_COORDINATOR_EIP712_NAME.to_owned(),
            version: REGISTRY_COORDINATOR_EIP712_VERSION.to_owned(),
            chain_id,
            verifying_contract: coordinator,
        }
    }

    /// `keccak256(abi.encode(TYPE_HASH, keccak256(name), keccak256(version), chainId, verifyingContract))`.
    pub fn separator(&self) -> B256 {
        let mut buf = Vec::with_capacity(5 * 32);
        buf.extend_from_slice(EIP712_DOMAIN_TYPEHASH.as_slice());
        buf.extend_from_slice(keccak256(self.name.as_bytes()).as_slice());
        buf.extend_from_slice(keccak256(self.version.as_bytes()).as_slice());
        buf.extend_from_slice(&U256::from(self.chain_id).to_be_bytes::<32>());
        buf.extend_from_slice(
            B256::left_padding_from(self.verifying_contract.as_slice()).as_slice(),
        );
        keccak256(buf)
    }
}

/// `calculatePubkeyRegistrationMessageHash(operator)`: the EIP-712 digest
/// `keccak256(0x1901 ‖ separator ‖ keccak256(abi.encode(TYPEHASH, operator)))`.
pub fn pubkey_registration_message_hash(
    domain: &RegistryCoordinatorDomain,
    operator: Address,
) -> B256 {
    let mut inner = Vec::with_capacity(64);
    inner.extend_from_slice(PUBKEY_REGISTRATION_TYPEHASH.as_slice());
    inner.extend_from_slice(B256::left_padding_from(operator.as_slice()).as_slice());
    let struct_hash = keccak256(inner);
    let mut outer = Vec::with_capacity(66);
    outer.extend_from_slice(&[0x19, 0x01]);
    outer.extend_from_slice(domain.separator().as_slice());
    outer.extend_from_slice(struct_hash.as_slice());
    keccak256(outer)
}

/// `pubkeyRegistrationMessageHash(operator)`: the G1 point the operator signs.
pub fn pubkey_registration_point(
    domain: &RegistryCoordinatorDomain,
    operator: Address,
) -> G1Affine {
    hash_to_g1(pubkey_registration_message_hash(domain, operator))
}

/// `IBLSApkRegistry.PubkeyRegistrationParams`: the proof of possession sent at registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PubkeyRegistrationParams {
    /// `sk · pubkeyRegistrationMessageHash(operator)`.
    pub signature: G1Affine,
    /// `sk · G1`.
    pub pubkey_g1: G1Affine,
    /// `sk · G2`.
    pub pubkey_g2: G2Affine,
}

impl SecretKey {
    /// The proof of possession registering this key for `operator` with the coordinator of `domain`.
    pub fn pubkey_registration_params(
        &self,
        domain: &RegistryCoordinatorDomain,
        operator: Address,
    ) -> PubkeyRegistrationParams {
        let point = pubkey_registration_point(domain, operator);
        PubkeyRegistrationParams {
            signature: (point * self.scalar()).into_affine(),
            pubkey_g1: self.public_g1(),
            pubkey_g2: self.public_g2(),
        }
    }
}

/// `BLSApkRegistry`'s check: `γ = keccak256(σ, P, P', H) mod r` then
/// `e(σ + γ·P, −G2) · e(H + γ·G1, P') = 1`, and the key must not be zero.
pub fn verify_pubkey_registration(
    params: &PubkeyRegistrationParams,
    message_point: &G1Affine,
) -> bool {
    if params.pubkey_g1.is_zero() {
        return false;
    }
    let (sig, pk, pk2, h) = (
        g1_to_abi(&params.signature),
        g1_to_abi(&params.pubkey_g1),
        g2_to_abi(&params.pubkey_g2),
        g1_to_abi(message_point),
    );
    let mut buf = Vec::with_capacity(10 * 32);
    for word in [
        sig.X, sig.Y, pk.X, pk.Y, pk2.X[0], pk2.X[1], pk2.Y[0], pk2.Y[1], h.X, h.Y,
    ] {
        buf.extend_from_slice(&word.to_be_bytes::<32>());
    }
    let gamma = Fr::from_be_bytes_mod_order(keccak256(buf).as_slice());
    let left = (params.signature + params.pubkey_g1 * gamma).into_affine();
    let right = (*message_point + G1Affine::generator() * gamma).into_affine();
    Bn254::multi_pairing([left, right], [-G2Affine::generator(), params.pubkey_g2]).is_zero()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;
    use alloy_sol_types::{SolStruct, eip712_domain, sol};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    sol! {
        struct BN254PubkeyRegistration { address operator; }
    }

    #[test]
    fn typehashes_are_keccak_of_their_strings() {
        assert_eq!(
            PUBKEY_REGISTRATION_TYPEHASH,
            keccak256("BN254PubkeyRegistration(address operator)")
        );
        assert_eq!(
            EIP712_DOMAIN_TYPEHASH,
            keccak256(
                "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
            )
        );
    }

    #[test]
    fn digest_matches_alloy_eip712() {
        // Independent twin: alloy's EIP-712 implementation of the same typed data.
        let coordinator = address!("0x5FbDB2315678afecb367f032d93F642f64180aa3");
        let operator = address!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
        let domain = RegistryCoordinatorDomain::new(31337, coordinator);
        let alloy_domain = eip712_domain! {
            name: "AVSRegistryCoordinator",
            version: "v0.0.1",
            chain_id: 31337,
            verifying_contract: coordinator,
        };
        assert_eq!(domain.separator(), alloy_domain.separator());
        let expected = BN254PubkeyRegistration { operator }.eip712_signing_hash(&alloy_domain);
        assert_eq!(
            pubkey_registration_message_hash(&domain, operator),
            expected
        );
    }

    #[test]
    fn proof_of_possession_verifies_and_binds_operator_and_key() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let sk = SecretKey::random(&mut rng);
        let other = SecretKey::random(&mut rng);
        let domain = RegistryCoordinatorDomain::new(31337, Address::repeat_byte(0xc0));
        let operator = Address::repeat_byte(0x01);
        let params = sk.pubkey_registration_params(&domain, operator);
        let point = pubkey_registration_point(&domain, operator);
        assert!(verify_pubkey_registration(&params, &point));
        // Another operator's message, another chain, a mismatched G2 key: all fail.
        assert!(!verify_pubkey_registration(
            &params,
            &pubkey_registration_point(&domain, Address::repeat_byte(2))
        ));
        let other_chain = RegistryCoordinatorDomain::new(1, domain.verifying_contract);
        assert!(!verify_pubkey_registration(
            &params,
            &pubkey_registration_point(&other_chain, operator)
        ));
        let mixed = PubkeyRegistrationParams {
            pubkey_g2: other.public_g2(),
            ..params
        };
        assert!(!verify_pubkey_registration(&mixed, &point));
    }
}
