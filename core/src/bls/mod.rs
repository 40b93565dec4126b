//! BLS signatures on BN254 as EigenLayer's middleware checks them.
//!
//! Signatures live in G1 (`σ = sk · H(m)`), public keys in both groups (G1 for
//! aggregation and operator ids, G2 for the pairing), messages are 32-byte digests
//! mapped to G1 by the contract's try-and-increment [`hash_to_g1`].

mod aggregate;
mod hash_to_curve;
mod keys;
mod registration;
mod signature;

pub use aggregate::{OperatorKeys, aggregate_attestation};
pub use hash_to_curve::{SQRT_EXPONENT, hash_to_g1};
pub use keys::{SecretKey, g1_g2_keys_match, operator_id};
pub use registration::{
    PUBKEY_REGISTRATION_TYPEHASH, PubkeyRegistrationParams, REGISTRY_COORDINATOR_EIP712_NAME,
    REGISTRY_COORDINATOR_EIP712_VERSION, RegistryCoordinatorDomain,
    pubkey_registration_message_hash, pubkey_registration_point, verify_pubkey_registration,
};
pub use signature::{
    Signature, aggregate_g1, aggregate_g2, check_signature_and_apk, signature_and_apk_gamma, verify,
};
