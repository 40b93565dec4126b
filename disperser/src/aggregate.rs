//! From verified operator signatures to a batch attestation, per-blob outcomes and
//! certificates: pure functions, no I/O.
//!
//! The chain side (`checkSignatures`) counts a quorum as confirmed when
//! `signed · 100 >= total · confirmation_threshold`; a blob is `COMPLETE` only when every
//! one of its quorums is confirmed, so the certificate it gets passes `checkDACert`'s
//! `blob quorums ⊆ confirmed quorums`.

use std::collections::{BTreeMap, BTreeSet};

use lamina_core::bls::{OperatorKeys, Signature, aggregate_attestation};
use lamina_core::security::{quorum_confirmed, quorum_has_stake, signed_percentage};
use lamina_core::{
    Attestation, BatchHeader, BlobCertificate, BlobInclusionInfo, CheckSignaturesIndices, DaCertV3,
    MerkleTree, NonSignerStakesAndSignature, OperatorId, QuorumId, QuorumOperators,
};

/// Signing result of one quorum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuorumTally {
    /// The quorum.
    pub quorum: QuorumId,
    /// Stake of the operators whose signature verified.
    pub signed_stake: u128,
    /// Total stake at the reference block.
    pub total_stake: u128,
    /// `⌊100 · signed / total⌋`.
    pub percentage: u8,
    /// Whether the confirmation threshold is met (never for an empty quorum).
    pub confirmed: bool,
}

/// What a batch's signatures add up to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchAttestation {
    /// Per quorum of the batch, ascending.
    pub tallies: Vec<QuorumTally>,
    /// The aggregate, when at least one operator signed.
    pub attestation: Option<Attestation>,
    /// Members of any signed quorum (a batch quorum with stake) that did not sign, ascending by id.
    pub non_signers: Vec<OperatorId>,
}

/// Tallies `signatures` (each already verified against its operator's G2 key) over `state`,
/// the operators of the batch's quorums at the reference block.
pub fn attest(
    state: &[QuorumOperators],
    keys: &BTreeMap<OperatorId, OperatorKeys>,
    signatures: &BTreeMap<OperatorId, Signature>,
    confirmation_threshold: u8,
) -> Result<BatchAttestation, lamina_core::BlsError> {
    let mut non_signers = BTreeSet::new();
    let tallies = state
        .iter()
        .map(|q| {
            let mut signed = 0u128;
            let total = q.total_stake();
            for member in q.iter() {
                if signatures.contains_key(&member.operator_id) {
                    signed += member.stake;
                } else if quorum_has_stake(total) {
                    non_signers.insert(member.operator_id);
                }
            }
            QuorumTally {
                quorum: q.quorum(),
                signed_stake: signed,
                total_stake: total,
                percentage: signed_percentage(signed, total),
                confirmed: quorum_confirmed(signed, total, confirmation_threshold),
            }
        })
        .collect();
    // A quorum without stake has its aggregate key at infinity, which the checker
    // refuses: it is left out of the signed quorums (its blobs end INSUFFICIENT), so that
    // the certificates of the batch's other blobs stay valid.
    let signing: Vec<QuorumOperators> = state
        .iter()
        .filter(|q| quorum_has_stake(q.total_stake()))
        .cloned()
        .collect();
    // Only signatures of members of a signing quorum count; anything else would unbalance
    // the aggregate.
    let members: BTreeMap<OperatorId, Signature> = signatures
        .iter()
        .filter(|(id, _)| signing.iter().any(|q| q.stake(id).is_some()))
        .map(|(id, s)| (*id, *s))
        .collect();
    let attestation = if members.is_empty() {
        None
    } else {
        Some(aggregate_attestation(&signing, keys, &members)?)
    };
    Ok(BatchAttestation {
        tallies,
        attestation,
        non_signers: non_signers.into_iter().collect(),
    })
}

/// How one blob of the batch ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlobOutcome {
    /// Every quorum of the blob is confirmed.
    Complete,
    /// Some quorum of the blob is not; the reason lists every quorum's percentage.
    Insufficient(String),
}

impl BatchAttestation {
    /// The outcome of a blob in `blob_quorums`.
    pub fn outcome(&self, blob_quorums: &[QuorumId], threshold: u8) -> BlobOutcome {
        let ok = self.attestation.is_some()
            && blob_quorums
                .iter()
                .all(|q| self.tallies.iter().any(|t| t.quorum == *q && t.confirmed));
        if ok {
            return BlobOutcome::Complete;
        }
        let parts: Vec<String> = self
            .tallies
            .iter()
            .filter(|t| blob_quorums.contains(&t.quorum))
            .map(|t| {
                format!(
                    "quorum {} signed {}% ({} of {} stake)",
                    t.quorum, t.percentage, t.signed_stake, t.total_stake
                )
            })
            .collect();
        BlobOutcome::Insufficient(format!(
            "{}; the confirmation threshold is {threshold}%",
            parts.join(", ")
        ))
    }

    /// Signed percentages of the signed quorums (those with stake), in quorum order: one
    /// per entry of the certificate's `signed_quorum_numbers`.
    pub fn percentages(&self) -> Vec<u8> {
        self.tallies
            .iter()
            .filter(|t| quorum_has_stake(t.total_stake))
            .map(|t| t.percentage)
            .collect()
    }

    /// The quorums the certificate's signature covers: those with stake, ascending.
    pub fn signed_quorums(&self) -> Vec<QuorumId> {
        self.tallies
            .iter()
            .filter(|t| quorum_has_stake(t.total_stake))
            .map(|t| t.quorum)
            .collect()
    }
}

/// The certificate of the blob at `index` of a batch.
pub fn certificate(
    header: BatchHeader,
    tree: &MerkleTree,
    index: usize,
    blob_certificate: BlobCertificate,
    attestation: &Attestation,
    indices: CheckSignaturesIndices,
) -> Result<DaCertV3, lamina_core::MerkleError> {
    Ok(DaCertV3 {
        batch_header: header,
        blob_inclusion_info: BlobInclusionInfo {
            blob_certificate,
            blob_index: u32::try_from(index).unwrap_or(u32::MAX),
            inclusion_proof: tree.proof(index)?,
        },
        non_signer_stakes_and_signature: NonSignerStakesAndSignature::new(attestation, indices),
        signed_quorum_numbers: attestation.quorum_numbers.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::B256;
    use ark_bn254::G1Projective;
    use ark_ec::{AffineRepr, CurveGroup};
    use lamina_core::OperatorStake;
    use lamina_core::bls::{SecretKey, check_signature_and_apk, operator_id};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    struct Fixture {
        sks: Vec<SecretKey>,
        keys: BTreeMap<OperatorId, OperatorKeys>,
        msg: B256,
    }

    fn fixture(n: usize) -> Fixture {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let sks: Vec<SecretKey> = (0..n).map(|_| SecretKey::random(&mut rng)).collect();
        let keys = sks
            .iter()
            .map(|k| {
                (
                    k.operator_id(),
                    OperatorKeys {
                        g1: k.public_g1(),
                        g2: k.public_g2(),
                    },
                )
            })
            .collect();
        Fixture {
            sks,
            keys,
            msg: B256::repeat_byte(9),
        }
    }

    impl Fixture {
        fn quorum(&self, q: QuorumId, stakes: &[(usize, u128)]) -> QuorumOperators {
            QuorumOperators::new(
                q,
                stakes.iter().map(|&(i, stake)| OperatorStake {
                    operator_id: self.sks[i].operator_id(),
                    stake,
                }),
            )
            .expect("valid quorum")
        }

        fn sign(&self, who: &[usize]) -> BTreeMap<OperatorId, Signature> {
            who.iter()
                .map(|&i| (self.sks[i].operator_id(), self.sks[i].sign(self.msg)))
                .collect()
        }

        /// The on-chain checker's equation for an attestation.
        fn checks(&self, state: &[QuorumOperators], a: &Attestation) -> bool {
            let mut apk = G1Projective::default();
            for (q, qa) in state.iter().zip(&a.quorum_apks) {
                apk += qa.into_group();
                for pk in &a.non_signer_pubkeys {
                    if q.stake(&operator_id(pk)).is_some() {
                        apk -= pk.into_group();
                    }
                }
            }
            check_signature_and_apk(self.msg, &apk.into_affine(), &a.apk_g2, &a.sigma)
        }
    }

    #[test]
    fn all_signers_confirm_every_quorum() {
        let f = fixture(4);
        let state = [
            f.quorum(0, &[(0, 10), (1, 20), (2, 30), (3, 40)]),
            f.quorum(1, &[(0, 1), (1, 1), (2, 1), (3, 1)]),
        ];
        let b = attest(&state, &f.keys, &f.sign(&[0, 1, 2, 3]), 55).expect("attests");
        assert!(b.non_signers.is_empty());
        assert_eq!(b.percentages(), vec![100, 100]);
        assert_eq!(b.outcome(&[0, 1], 55), BlobOutcome::Complete);
        assert!(f.checks(&state, b.attestation.as_ref().expect("some signer")));
    }

    #[test]
    fn one_non_signer_is_listed_and_the_rest_confirms() {
        let f = fixture(4);
        let state = [
            f.quorum(0, &[(0, 10), (1, 20), (2, 30), (3, 40)]),
            f.quorum(1, &[(0, 25), (1, 25), (2, 25), (3, 25)]),
        ];
        let b = attest(&state, &f.keys, &f.sign(&[0, 1, 3]), 55).expect("attests");
        assert_eq!(b.non_signers, vec![f.sks[2].operator_id()]);
        assert_eq!(b.percentages(), vec![70, 75]);
        assert_eq!(b.outcome(&[0, 1], 55), BlobOutcome::Complete);
        let a = b.attestation.as_ref().expect("some signer");
        assert_eq!(a.non_signer_pubkeys, vec![f.sks[2].public_g1()]);
        assert!(f.checks(&state, a));
    }

    #[test]
    fn threshold_is_inclusive_and_one_short_is_insufficient() {
        let f = fixture(3);
        // 55 of 100 signed: exactly the threshold
        let state = [f.quorum(0, &[(0, 55), (1, 44), (2, 1)])];
        let b = attest(&state, &f.keys, &f.sign(&[0]), 55).expect("attests");
        assert_eq!(b.outcome(&[0], 55), BlobOutcome::Complete);
        // 54 of 100
        let state = [f.quorum(0, &[(0, 54), (1, 45), (2, 1)])];
        let b = attest(&state, &f.keys, &f.sign(&[0]), 55).expect("attests");
        match b.outcome(&[0], 55) {
            BlobOutcome::Insufficient(reason) => {
                assert!(
                    reason.contains("quorum 0 signed 54% (54 of 100 stake)"),
                    "{reason}"
                );
                assert!(reason.contains("threshold is 55%"), "{reason}");
            }
            BlobOutcome::Complete => panic!("54% must not confirm at 55%"),
        }
    }

    #[test]
    fn no_signer_and_empty_quorums_never_confirm() {
        let f = fixture(2);
        let state = [f.quorum(0, &[(0, 1), (1, 1)]), f.quorum(1, &[])];
        let b = attest(&state, &f.keys, &BTreeMap::new(), 55).expect("tallies");
        assert!(b.attestation.is_none());
        assert_eq!(b.non_signers.len(), 2);
        assert!(matches!(b.outcome(&[0], 55), BlobOutcome::Insufficient(_)));
        // all of quorum 0 signs; quorum 1 has no stake at all: a blob in quorum 1 fails
        let b = attest(&state, &f.keys, &f.sign(&[0, 1]), 55).expect("attests");
        assert_eq!(b.outcome(&[0], 55), BlobOutcome::Complete);
        assert!(matches!(
            b.outcome(&[0, 1], 55),
            BlobOutcome::Insufficient(_)
        ));
        // issue 13: the empty quorum is left out of the signed quorums (its apk would be the
        // point at infinity, which the checker refuses), so quorum 0's certificates stay valid
        let a = b.attestation.as_ref().expect("signers");
        assert_eq!(a.quorum_numbers, vec![0]);
        assert_eq!(b.signed_quorums(), vec![0]);
        assert_eq!(b.percentages(), vec![100]);
        assert_eq!(a.quorum_signed_percentages, vec![100]);
        assert!(f.checks(&state[..1], a));
    }

    #[test]
    fn a_blob_only_in_an_empty_quorum_is_never_complete() {
        let f = fixture(1);
        let state = [f.quorum(0, &[])];
        let b = attest(&state, &f.keys, &f.sign(&[0]), 0).expect("tallies");
        assert!(
            b.attestation.is_none(),
            "nobody can sign for an empty quorum"
        );
        assert!(
            !b.tallies[0].confirmed,
            "0 of 0 stake at threshold 0 is no confirmation"
        );
        assert!(matches!(b.outcome(&[0], 0), BlobOutcome::Insufficient(_)));
    }

    #[test]
    fn signatures_of_non_members_are_ignored() {
        let f = fixture(3);
        // operator 2 is in no quorum of the batch, yet returned a (valid) signature
        let state = [f.quorum(0, &[(0, 1), (1, 1)])];
        let b = attest(&state, &f.keys, &f.sign(&[0, 1, 2]), 55).expect("attests");
        assert_eq!(b.outcome(&[0], 55), BlobOutcome::Complete);
        assert!(f.checks(&state, b.attestation.as_ref().expect("signers")));
    }

    #[test]
    fn operator_in_one_quorum_only_counts_once() {
        let f = fixture(3);
        let state = [
            f.quorum(0, &[(0, 1), (1, 1), (2, 1)]),
            f.quorum(1, &[(0, 1), (1, 1)]),
        ];
        let b = attest(&state, &f.keys, &f.sign(&[1, 2]), 55).expect("attests");
        assert_eq!(b.percentages(), vec![66, 50]);
        assert_eq!(b.non_signers, vec![f.sks[0].operator_id()]);
        assert!(matches!(
            b.outcome(&[0, 1], 55),
            BlobOutcome::Insufficient(_)
        ));
        assert_eq!(b.outcome(&[0], 55), BlobOutcome::Complete);
        assert!(f.checks(&state, b.attestation.as_ref().expect("signers")));
    }
}
