//! Building a batch's [`Attestation`] from the operators' signatures, as EigenDA's
//! `AggregateSignatures` does and `BLSSignatureChecker.checkSignatures` expects.

use std::collections::{BTreeMap, BTreeSet};

use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::CurveGroup;

use super::signature::Signature;
use crate::assignment::QuorumOperators;
use crate::error::BlsError;
use crate::security::signed_percentage;
use crate::types::{Attestation, OperatorId};

/// An operator's registered public keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperatorKeys {
    /// G1 key (operator id = its hash).
    pub g1: G1Affine,
    /// G2 key.
    pub g2: G2Affine,
}

/// Aggregates the valid `signatures` (verify each before!) of the operators in `quorums`
/// (their state at the batch's reference block) into an attestation:
///
/// - `quorum_apks[q]`: sum of the G1 keys of every operator of quorum `q`;
/// - `non_signer_pubkeys`: operators of any quorum that did not sign, ascending by operator id
///   (the checker requires that order);
/// - `sigma`, `apk_g2`: sums over quorums of the signers of each, so a signer in `k` quorums
///   counts `k` times, matching the checker's `Σ_q (apk_q − non-signers of q)`;
/// - `quorum_signed_percentages`: `⌊100 · signed stake / total stake⌋` per quorum.
pub fn aggregate_attestation(
    quorums: &[QuorumOperators],
    keys: &BTreeMap<OperatorId, OperatorKeys>,
    signatures: &BTreeMap<OperatorId, Signature>,
) -> Result<Attestation, BlsError> {
    let mut non_signers = BTreeSet::new();
    let mut quorum_apks = Vec::with_capacity(quorums.len());
    let mut percentages = Vec::with_capacity(quorums.len());
    let mut sigma = G1Projective::default();
    let mut apk_g2 = G2Projective::default();
    let mut any_signer = false;
    for quorum in quorums {
        let mut apk = G1Projective::default();
        let mut signed = 0u128;
        for member in quorum.iter() {
            let id = member.operator_id;
            let k = keys
                .get(&id)
                .ok_or(BlsError::MissingOperatorKeys { operator: id })?;
            apk += k.g1;
            match signatures.get(&id) {
                Some(sig) => {
                    sigma += sig.point();
                    apk_g2 += k.g2;
                    signed += member.stake;
                    any_signer = true;
                }
                None => {
                    non_signers.insert(id);
                }
            }
        }
        quorum_apks.push(apk.into_affine());
        percentages.push(signed_percentage(signed, quorum.total_stake()));
    }
    if !any_signer {
        return Err(BlsError::EmptyAggregate {
            what: "signatures of quorum members",
        });
    }
    let non_signer_pubkeys = non_signers
        .iter()
        .map(|id| {
            keys.get(id)
                .map(|k| k.g1)
                .ok_or(BlsError::MissingOperatorKeys { operator: *id })
        })
        .collect::<Result<_, _>>()?;
    Ok(Attestation {
        non_signer_pubkeys,
        quorum_apks,
        sigma: sigma.into_affine(),
        apk_g2: apk_g2.into_affine(),
        quorum_numbers: quorums.iter().map(QuorumOperators::quorum).collect(),
        quorum_signed_percentages: percentages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assignment::OperatorStake;
    use crate::bls::{SecretKey, check_signature_and_apk, operator_id};
    use alloy_primitives::B256;
    use ark_ec::AffineRepr;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn checker_equation_holds_per_quorum() {
        let mut rng = ChaCha20Rng::seed_from_u64(21);
        let sks: Vec<SecretKey> = (0..4).map(|_| SecretKey::random(&mut rng)).collect();
        let ids: Vec<OperatorId> = sks.iter().map(SecretKey::operator_id).collect();
        let keys: BTreeMap<_, _> = sks
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
        let stake = |i: usize, s: u128| OperatorStake {
            operator_id: ids[i],
            stake: s,
        };
        // Quorum 0: operators 0, 1, 2; quorum 1: operators 1, 2, 3. Operators 2 and 3 do not sign.
        let quorums = [
            QuorumOperators::new(0, [stake(0, 10), stake(1, 20), stake(2, 30)]).expect("valid"),
            QuorumOperators::new(1, [stake(1, 5), stake(2, 5), stake(3, 10)]).expect("valid"),
        ];
        let msg = B256::repeat_byte(3);
        let signatures: BTreeMap<_, _> = [0usize, 1]
            .iter()
            .map(|&i| (ids[i], sks[i].sign(msg)))
            .collect();
        let a = aggregate_attestation(&quorums, &keys, &signatures).expect("aggregates");
        assert_eq!(a.quorum_signed_percentages, vec![50, 25]);
        assert_eq!(a.quorum_numbers, vec![0, 1]);
        let mut expected_non_signers = vec![ids[2], ids[3]];
        expected_non_signers.sort();
        let got: Vec<OperatorId> = a.non_signer_pubkeys.iter().map(operator_id).collect();
        assert_eq!(got, expected_non_signers);
        // The checker's G1 side: Σ_q (apk_q − non-signers in q).
        let in_q = |q: &QuorumOperators, id: &OperatorId| q.stake(id).is_some();
        let mut apk = G1Projective::default();
        for (q, qa) in quorums.iter().zip(&a.quorum_apks) {
            apk += qa.into_group();
            for (id, pk) in got.iter().zip(&a.non_signer_pubkeys) {
                if in_q(q, id) {
                    apk -= pk.into_group();
                }
            }
        }
        assert!(check_signature_and_apk(
            msg,
            &apk.into_affine(),
            &a.apk_g2,
            &a.sigma
        ));
        let missing = aggregate_attestation(&quorums, &BTreeMap::new(), &signatures);
        assert!(matches!(missing, Err(BlsError::MissingOperatorKeys { .. })));
        let none = aggregate_attestation(&quorums, &keys, &BTreeMap::new());
        assert!(matches!(none, Err(BlsError::EmptyAggregate { .. })));
    }
}
