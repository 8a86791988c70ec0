//! The period arithmetic and the parsing of terms.

use super::*;

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%F %T").expect("a time")
}

#[test]
fn the_last_week_ends_on_the_local_monday_before_now() {
    let (start, end) = SettlementPeriod::Weekly
        .last_complete(at("2026-12-09 02:00:00"), chrono_tz::Asia::Shanghai);
    // Monday 2026-12-07 00:00 in Shanghai is 2026-12-06 16:00 UTC.
    assert_eq!(
        (start, end),
        (at("2026-11-29 16:00:00"), at("2026-12-06 16:00:00"))
    );
}

#[test]
fn the_last_month_runs_from_the_local_first_to_the_first() {
    let zone = chrono_tz::Asia::Shanghai;
    let (start, end) = SettlementPeriod::Monthly.last_complete(at("2026-12-09 02:00:00"), zone);
    assert_eq!(
        (start, end),
        (at("2026-10-31 16:00:00"), at("2026-11-30 16:00:00"))
    );
    // 2026-12-31 19:00 UTC is already 2027-01-01 03:00 in Shanghai: December is over.
    let (start, end) = SettlementPeriod::Monthly.last_complete(at("2026-12-31 19:00:00"), zone);
    assert_eq!(
        (start, end),
        (at("2026-11-30 16:00:00"), at("2026-12-31 16:00:00"))
    );
}

#[test]
fn terms_take_decimal_strings_within_their_ranges() {
    assert_eq!(
        contract_of("5.00", "monthly").expect("valid").commission_bp,
        500
    );
    assert_eq!(contract_of("0", "weekly").expect("valid").commission_bp, 0);
    for (rate, period) in [
        ("50.01", "weekly"),
        ("5.001", "weekly"),
        ("-1", "weekly"),
        ("5", "daily"),
    ] {
        assert!(
            matches!(contract_of(rate, period), Err(TermsError::Invalid(_))),
            "{rate} {period}"
        );
    }
    assert_eq!(
        points_terms_of("0.10", 50).expect("valid").fen_per_point,
        10
    );
    for (rate, share) in [("0", 50), ("100.01", 50), ("0.10", 101), ("0.1.0", 50)] {
        assert!(
            matches!(points_terms_of(rate, share), Err(TermsError::Invalid(_))),
            "{rate} {share}"
        );
    }
}
