use proptest::prelude::*;

use super::*;

const SEC: u64 = 1_000_000_000;
const NOW: u64 = 1_500 * SEC;

fn params() -> PaymentParams {
    PaymentParams {
        price_per_symbol: 1_000,
        min_num_symbols: 32,
        on_demand_symbols_per_second: 1 << 20,
        on_demand_quorums: vec![0, 1],
    }
}

fn reserved(rate: u64) -> AccountPayments {
    AccountPayments {
        reservation: Reservation {
            symbols_per_second: rate,
            start_timestamp: 1_000,
            end_timestamp: 1_000_000,
            quorums: vec![0, 1],
            quorum_splits: vec![50, 50],
        },
        on_demand_deposit: U256::ZERO,
    }
}

fn blob(cumulative: u64, symbols: u64, at_ns: u64) -> BlobPayment<'static> {
    BlobPayment {
        account: Address::repeat_byte(0xaa),
        timestamp_ns: i64::try_from(at_ns).expect("test times fit i64"),
        cumulative_payment: U256::from(cumulative),
        quorums: &[0, 1],
        blob_symbols: symbols,
    }
}

#[test]
fn zero_payment_selects_the_reservation() {
    let mut m = DisperserMeter::new(&MeteringConfig::default(), NOW);
    let got = m.meter(&blob(0, 100, NOW), &reserved(1024), &params(), NOW);
    assert_eq!(
        got,
        Ok(Metered::Reservation {
            account: Address::repeat_byte(0xaa),
            symbols: 128
        })
    );
    assert_eq!(
        m.reservations().usage(&Address::repeat_byte(0xaa), NOW),
        128
    );
}

#[test]
fn an_account_with_no_payment_is_told_how_to_pay() {
    let mut m = DisperserMeter::new(&MeteringConfig::default(), NOW);
    let err = m
        .meter(
            &blob(0, 100, NOW),
            &AccountPayments::default(),
            &params(),
            NOW,
        )
        .expect_err("refused");
    assert!(matches!(err, PaymentError::NoPayment { .. }));
    let message = err.to_string();
    assert!(message.contains("depositOnDemand"), "{message}");
    assert!(message.contains("reservation"), "{message}");
    let mut n = NodeMeter::new(&MeteringConfig::default());
    assert!(matches!(
        n.check(
            &blob(0, 100, NOW),
            &AccountPayments::default(),
            &params(),
            NOW
        ),
        Err(PaymentError::NoPayment { .. })
    ));
}

#[test]
fn on_demand_charges_cost_times_price_and_refunds() {
    let mut m = DisperserMeter::new(&MeteringConfig::default(), NOW);
    let account = AccountPayments {
        on_demand_deposit: U256::from(1_000_000u64),
        ..AccountPayments::default()
    };
    // 100 symbols → 128 charged → 128 000 wei
    let metered = m
        .meter(&blob(128_000, 100, NOW), &account, &params(), NOW)
        .expect("accepted");
    let Metered::OnDemand(charge) = &metered else {
        panic!("on-demand expected")
    };
    assert_eq!(charge.cost, U256::from(128_000u64));
    m.refund(&metered).expect("accepted");
    assert_eq!(
        m.on_demand()
            .cumulative_payment(&Address::repeat_byte(0xaa)),
        U256::ZERO
    );
}

#[test]
fn stale_or_future_timestamps_are_refused() {
    let mut m = DisperserMeter::new(&MeteringConfig::default(), NOW);
    for at in [NOW - 61 * SEC, NOW + 61 * SEC] {
        assert!(matches!(
            m.meter(&blob(0, 1, at), &reserved(1024), &params(), NOW),
            Err(PaymentError::TimestampSkew { .. })
        ));
    }
    assert!(
        m.meter(&blob(0, 1, NOW - 60 * SEC), &reserved(1024), &params(), NOW)
            .is_ok()
    );
    assert!(check_timestamp(-1, 0, Duration::ZERO).is_err());
}

#[test]
fn node_checks_on_demand_statically() {
    let mut n = NodeMeter::new(&MeteringConfig::default());
    let account = AccountPayments {
        on_demand_deposit: U256::from(200_000u64),
        ..AccountPayments::default()
    };
    assert!(
        n.check(&blob(128_000, 100, NOW), &account, &params(), NOW)
            .is_ok()
    );
    assert!(matches!(
        n.check(&blob(127_999, 100, NOW), &account, &params(), NOW),
        Err(PaymentError::InsufficientIncrement { .. })
    ));
    assert!(matches!(
        n.check(&blob(200_001, 100, NOW), &account, &params(), NOW),
        Err(PaymentError::InsufficientDeposit { .. })
    ));
}

proptest! {
    /// A node whose window exceeds the disperser's by at least the dispatch delay never
    /// refuses a reservation blob the disperser accepted, whatever the arrival pattern.
    #[test]
    fn node_accepts_what_an_honest_disperser_accepted(
        rate in 32u64..5_000,
        arrivals in proptest::collection::vec((0u64..2 * SEC, 1u64..4_000, 0u64..10 * SEC), 1..80),
    ) {
        let config = MeteringConfig {
            reservation_window_secs: 5,
            node_reservation_window_secs: 15,
            ..MeteringConfig::default()
        };
        let mut d = DisperserMeter::new(&config, NOW);
        let mut n = NodeMeter::new(&config);
        let account = reserved(rate);
        let mut now = NOW;
        let mut accepted = Vec::new();
        for (dt, symbols, delay) in arrivals {
            now += dt;
            if d.meter(&blob(0, symbols, now), &account, &params(), now).is_ok() {
                accepted.push((now, symbols, delay));
            }
        }
        // The node receives them in order, each late by at most 10 s (15 − 5), arrival
        // times kept monotonic as a batch pipeline does.
        let mut last = 0u64;
        for (at, symbols, delay) in accepted {
            let arrival = (at + delay).max(last);
            last = arrival;
            prop_assert!(n.check(&blob(0, symbols, at), &account, &params(), arrival).is_ok());
        }
    }

    /// A disperser that skips metering still cannot get a node to accept more than the
    /// node's bucket plus the reserved rate over the elapsed time.
    #[test]
    fn node_caps_a_disperser_that_skips_metering(
        rate in 32u64..5_000,
        arrivals in proptest::collection::vec((0u64..SEC, 1u64..50_000), 1..200),
    ) {
        let config = MeteringConfig::default();
        let mut n = NodeMeter::new(&config);
        let account = reserved(rate);
        let mut now = NOW;
        let mut signed: u128 = 0;
        for (dt, symbols) in arrivals {
            now += dt;
            if let Ok(m) = n.check(&blob(0, symbols, now), &account, &params(), now) {
                signed += u128::from(m.symbols());
            }
        }
        let bound = u128::from(rate) * u128::from(config.node_reservation_window_secs)
            + u128::from(rate) * u128::from(now - NOW) / u128::from(SEC) + 1;
        prop_assert!(signed <= bound, "signed {signed} > {bound}");
    }
}
