use proptest::prelude::*;

use super::*;

fn room(id: i64, rule: SubsidyRule, monthly: i64, budget: i64) -> SubsidyRoom {
    SubsidyRoom {
        program: ProgramId(id),
        rule,
        monthly_room: Fen(monthly),
        budget_room: Fen(budget),
    }
}

fn input(price: i64, quantity: i64, programmes: Vec<SubsidyRoom>, points: i64) -> SplitInput {
    SplitInput {
        unit_price: Fen(price),
        quantity,
        programmes,
        points,
        points_terms: DEFAULT_POINTS_TERMS,
        commission_bp: DEFAULT_COMMISSION_BP,
    }
}

#[test]
fn a_subsidised_order_with_points_splits_to_the_fen() {
    // 3 hours at ¥45.50: ¥136.50; 60 % subsidy ¥81.90; 200 points ¥20.00; co-payment ¥34.60.
    let rules = vec![room(1, SubsidyRule::Percent(6000), 100_000, 1_000_000)];
    let s = split(&input(4550, 3, rules, 200)).expect("a split");
    assert_eq!(s.gross, Fen(13650));
    assert_eq!(s.subsidies, [(ProgramId(1), Fen(8190))]);
    assert_eq!((s.points_value, s.copay), (Fen(2000), Fen(3460)));
    assert_eq!((s.commission, s.net), (Fen(683), Fen(12967)));
    assert_eq!(s.max_points, 273);
}

#[test]
fn subsidy_stops_at_the_monthly_cap_and_the_budget() {
    let rules = vec![
        room(1, SubsidyRule::FixedPerUnit(Fen(3000)), 5000, 1_000_000),
        room(2, SubsidyRule::Percent(10_000), 100_000, 1234),
    ];
    let s = split(&input(4000, 2, rules, 0)).expect("a split");
    assert_eq!(
        s.subsidies,
        [(ProgramId(1), Fen(5000)), (ProgramId(2), Fen(1234))]
    );
    assert_eq!(s.copay, Fen(8000 - 5000 - 1234));
}

#[test]
fn points_above_the_cap_are_refused() {
    let error = split(&input(1000, 1, vec![], 51)).expect_err("too many points");
    assert_eq!(error, SplitError::PointsAboveCap { max: 50 });
    assert_eq!(
        split(&input(1000, 1, vec![], -1)),
        Err(SplitError::NegativePoints)
    );
    assert_eq!(
        split(&input(MAX_FEN, 2, vec![], 0)),
        Err(SplitError::TooLarge)
    );
}

#[test]
fn a_full_refund_gives_everything_back_and_a_partial_one_in_proportion() {
    let order = Refundable {
        subsidies: vec![(ProgramId(1), Fen(6000))],
        points: 200,
        fen_per_point: 10,
        copay: Fen(2000),
        gross: Fen(10_000),
        refunded: Fen(0),
        commission_bp: 500,
    };
    let all = refund_split(&order, Fen(10_000)).expect("a refund");
    assert_eq!(
        (all.subsidy, all.points, all.copay, all.commission),
        (Fen(6000), 200, Fen(2000), Fen(500))
    );
    let half = refund_split(&order, Fen(5000)).expect("a refund");
    assert_eq!(
        (half.subsidy, half.points, half.points_value, half.copay),
        (Fen(3000), 100, Fen(1000), Fen(1000))
    );
    assert_eq!(half.commission, Fen(250));
    assert_eq!(
        refund_split(&order, Fen(10_001)),
        Err(RefundError::AboveRefundable { left: Fen(10_000) })
    );
}

fn rule() -> impl Strategy<Value = SubsidyRule> {
    prop_oneof![
        (1i64..=10_000).prop_map(SubsidyRule::Percent),
        (1i64..=20_000).prop_map(|f| SubsidyRule::FixedPerUnit(Fen(f))),
    ]
}

fn order() -> impl Strategy<Value = SplitInput> {
    (
        1i64..=200_000,
        1i64..=20,
        proptest::collection::vec((rule(), 0i64..=100_000, 0i64..=1_000_000), 0..4),
        (1i64..=100, 0i64..=100),
        0i64..=5000,
        0u32..=1000,
    )
        .prop_map(|(price, quantity, rooms, (rate, max_percent), bp, wish)| {
            let programmes = rooms
                .into_iter()
                .enumerate()
                .map(|(i, (rule, monthly, budget))| room(i as i64 + 1, rule, monthly, budget))
                .collect();
            SplitInput {
                unit_price: Fen(price),
                quantity,
                programmes,
                points: i64::from(wish),
                points_terms: PointsTerms {
                    fen_per_point: rate,
                    max_percent,
                },
                commission_bp: bp,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    /// Every identity of the split holds to the fen for any order, and every cap is kept.
    #[test]
    fn every_split_adds_up_to_the_fen(input in order()) {
        match split(&input) {
            Err(SplitError::PointsAboveCap { max }) => prop_assert!(input.points > max),
            Err(SplitError::TooLarge) => prop_assert!(input.unit_price.0 * input.quantity > MAX_FEN),
            Err(SplitError::NegativePoints) => prop_assert!(false, "points are never negative here"),
            Ok(s) => {
                prop_assert_eq!(s.gross.0, input.unit_price.0 * input.quantity);
                prop_assert_eq!(s.subsidy.0, s.subsidies.iter().map(|(_, f)| f.0).sum::<i64>());
                prop_assert_eq!(s.gross.0, s.subsidy.0 + s.points_value.0 + s.copay.0);
                prop_assert_eq!(s.gross.0, s.commission.0 + s.net.0);
                prop_assert_eq!(s.points_value.0, s.points * input.points_terms.fen_per_point);
                prop_assert!(s.copay.0 >= 0 && s.commission.0 >= 0 && s.net.0 >= 0);
                let cap = Decimal::from(s.gross.0 - s.subsidy.0) * Decimal::from(input.points_terms.max_percent) / Decimal::from(100);
                prop_assert!(Decimal::from(s.points_value.0) <= cap.ceil());
                let exact = Decimal::from(s.gross.0) * Decimal::from(input.commission_bp) / Decimal::from(10_000);
                prop_assert!((Decimal::from(s.commission.0) - exact).abs() < Decimal::ONE);
                for (program, amount) in &s.subsidies {
                    let r = input.programmes.iter().find(|r| r.program == *program).expect("a programme");
                    prop_assert!(amount.0 > 0 && *amount <= r.monthly_room && *amount <= r.budget_room);
                    let by_rule = match r.rule {
                        SubsidyRule::Percent(bp) => Decimal::from(s.gross.0) * Decimal::from(bp) / Decimal::from(10_000),
                        SubsidyRule::FixedPerUnit(f) => Decimal::from(f.0 * input.quantity),
                    };
                    prop_assert!(Decimal::from(amount.0) <= by_rule.ceil());
                }
                // Refunding the order in two steps gives back exactly what it took.
                let left = Refundable {
                    subsidies: s.subsidies.clone(),
                    points: s.points,
                    fen_per_point: input.points_terms.fen_per_point,
                    copay: s.copay,
                    gross: s.gross,
                    refunded: Fen::ZERO,
                    commission_bp: input.commission_bp,
                };
                let first = Fen(s.gross.0 / 3).max(Fen(1));
                if let Ok(r) = refund_split(&left, first) {
                    prop_assert_eq!(r.amount.0, r.subsidy.0 + r.points_value.0 + r.copay.0);
                    prop_assert_eq!(r.points_value.0, r.points * input.points_terms.fen_per_point);
                    prop_assert!(r.copay <= s.copay && r.points <= s.points && r.subsidy <= s.subsidy);
                    let after = Refundable {
                        subsidies: s.subsidies.iter().map(|(p, f)| {
                            let back = r.subsidies.iter().find(|(q, _)| q == p).map_or(0, |(_, b)| b.0);
                            (*p, Fen(f.0 - back))
                        }).collect(),
                        points: s.points - r.points,
                        copay: Fen(s.copay.0 - r.copay.0),
                        refunded: r.amount,
                        ..left.clone()
                    };
                    let rest = refund_split(&after, after.total()).expect("the rest is refundable");
                    prop_assert_eq!(r.subsidy.0 + rest.subsidy.0, s.subsidy.0);
                    prop_assert_eq!(r.points + rest.points, s.points);
                    prop_assert_eq!(r.copay.0 + rest.copay.0, s.copay.0);
                    prop_assert_eq!(r.commission.0 + rest.commission.0, s.commission.0);
                }
            }
        }
    }
}
