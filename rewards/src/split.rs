//! The split arithmetic of `contracts/src/libraries/RewardsSplit.sol`, wei for wei.
//!
//! All floor division; every remainder has an owner, so the parts always add up to
//! the whole (no wei created or lost):
//! - an amount over `n` intervals: `amount / n` each, the last also takes `amount % n`;
//! - an operator's amount: commission `floor(amount × bips / 10000)`, stakers the rest;
//! - an amount over weights: `floor(amount × w_i / Σw)` each (full 512-bit product),
//!   the remainder (fewer wei than recipients) to the largest weight, lowest index on ties.

use alloy_primitives::{U256, U512};

/// Basis-point denominator.
pub const BIPS: u16 = 10_000;

/// `Math.mulDiv(a, b, denominator)`: `floor(a × b / denominator)` without intermediate
/// overflow. `None` when `denominator` is zero or the quotient exceeds 256 bits.
pub fn mul_div(a: U256, b: U256, denominator: U256) -> Option<U256> {
    if denominator.is_zero() {
        return None;
    }
    let product: U512 = a.widening_mul(b);
    let quotient = product / U512::from(denominator);
    let limbs = quotient.as_limbs();
    if limbs[4..].iter().any(|limb| *limb != 0) {
        return None;
    }
    Some(U256::from_limbs([limbs[0], limbs[1], limbs[2], limbs[3]]))
}

/// `RewardsSplit.amountForInterval`: interval `index` of `intervals` (`intervals > 0`).
pub fn amount_for_interval(amount: U256, intervals: u64, index: u64) -> U256 {
    debug_assert!(intervals > 0 && index < intervals);
    let n = U256::from(intervals);
    let each = amount / n;
    if index + 1 == intervals {
        each + amount % n
    } else {
        each
    }
}

/// `RewardsSplit.operatorSplit`: `(commission, stakers' part)`; `bips ≤ 10000`.
pub fn operator_split(amount: U256, bips: u16) -> (U256, U256) {
    debug_assert!(bips <= BIPS);
    // amount × bips fits 256 bits for any amount below 2^242; mul_div covers the rest.
    let commission = mul_div(amount, U256::from(bips), U256::from(BIPS))
        .expect("bips <= 10000: the quotient never exceeds amount");
    (commission, amount - commission)
}

/// `RewardsSplit.proRata` with the calculator's remainder rule (largest weight, lowest
/// index on ties). `None` when the weights sum to zero (nobody to pay) or overflow.
pub fn pro_rata(amount: U256, weights: &[U256]) -> Option<Vec<U256>> {
    let mut total = U256::ZERO;
    for weight in weights {
        total = total.checked_add(*weight)?;
    }
    if total.is_zero() {
        return None;
    }
    let mut shares = Vec::with_capacity(weights.len());
    let mut paid = U256::ZERO;
    let mut largest = 0usize;
    for (index, weight) in weights.iter().enumerate() {
        // weight <= total, so the quotient is at most amount
        let share = mul_div(amount, *weight, total)?;
        paid += share;
        shares.push(share);
        if *weight > weights[largest] {
            largest = index;
        }
    }
    shares[largest] += amount - paid;
    Some(shares)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remainder_goes_to_the_largest_weight_lowest_index() {
        let shares = pro_rata(
            U256::from(10),
            &[U256::from(1), U256::from(2), U256::from(2)],
        )
        .expect("non-zero weights");
        // floors: 2, 4, 4 = 10 exactly; with 11: 2, 4, 4 and 1 left to index 1
        assert_eq!(shares, vec![U256::from(2), U256::from(4), U256::from(4)]);
        let shares = pro_rata(
            U256::from(11),
            &[U256::from(1), U256::from(2), U256::from(2)],
        )
        .expect("non-zero weights");
        assert_eq!(shares, vec![U256::from(2), U256::from(5), U256::from(4)]);
        assert_eq!(pro_rata(U256::from(5), &[U256::ZERO]), None);
    }

    #[test]
    fn full_precision_product() {
        let big = U256::from(10).pow(U256::from(38));
        let weight = U256::from(10).pow(U256::from(70));
        let shares = pro_rata(big, &[weight, weight * U256::from(3)]).expect("weights");
        assert_eq!(shares[0] + shares[1], big);
        assert_eq!(shares[0], big / U256::from(4));
    }

    #[test]
    fn intervals_and_commission_conserve() {
        let amount = U256::from(1_000_003);
        let total: U256 = (0..7).map(|i| amount_for_interval(amount, 7, i)).sum();
        assert_eq!(total, amount);
        assert_eq!(amount_for_interval(amount, 7, 6), U256::from(142_857 + 4));
        let (commission, stakers) = operator_split(U256::from(999), 1000);
        assert_eq!((commission, stakers), (U256::from(99), U256::from(900)));
    }
}
