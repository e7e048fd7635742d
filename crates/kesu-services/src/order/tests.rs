//! The order table as a specification, and random walks held to it.

use super::*;
use proptest::prelude::*;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2025-05-01 09:00 +8);

/// The table of the module documentation, written out again independently of [`owner`]:
/// (from, step, the one party allowed, the states it may lead to).
fn spec(from: OrderState, step: &str) -> Option<(Party, &'static [OrderState])> {
    use OrderState as S;
    let row: (Party, &'static [OrderState]) = match (from, step) {
        (S::Asked, "dispatch") => (Party::Dispatcher, &[S::Dispatched, S::Open]),
        (S::Dispatched | S::Claimed | S::Open, "dispatch") => {
            (Party::Dispatcher, &[S::Dispatched, S::Open])
        }
        (S::Asked, "reject") => (Party::Dispatcher, &[S::Rejected]),
        (S::Dispatched, "claim") => (Party::Department, &[S::Claimed]),
        (S::Dispatched | S::Claimed, "return") => (Party::Department, &[S::Asked]),
        (S::Accepted, "return") => (Party::Team, &[S::Claimed, S::Open]),
        (S::Claimed | S::Open, "accept") => (Party::Team, &[S::Accepted]),
        (S::Accepted, "complete") => (Party::Team, &[S::Done]),
        (S::Done, "rate") => (Party::Asker, &[S::Rated]),
        (S::Asked | S::Dispatched | S::Claimed | S::Open, "withdraw") => {
            (Party::Asker, &[S::Withdrawn])
        }
        _ => return None,
    };
    Some(row)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("  ".to_string()),
        Just("人手不足，另行安排".to_string())
    ]
}

fn any_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (
            prop_oneof![
                Just(Assignee::Teams),
                (1i64..4).prop_map(Assignee::Department)
            ],
            text()
        )
            .prop_map(|(assignee, reason)| Step::Dispatch { assignee, reason }),
        text().prop_map(|reason| Step::Reject { reason }),
        Just(Step::Claim),
        text().prop_map(|reason| Step::Return { reason }),
        (1i64..4).prop_map(|team_id| Step::Accept { team_id }),
        text().prop_map(|report| Step::Complete { report }),
        (0u8..7, text()).prop_map(|(stars, comment)| Step::Rate { stars, comment }),
        text().prop_map(|reason| Step::Withdraw { reason }),
    ]
}

fn any_parties() -> impl Strategy<Value = Vec<Party>> {
    proptest::sample::subsequence(Party::ALL.to_vec(), 0..=2)
}

fn blank_reason(step: &Step, order: &Order) -> bool {
    let blank = |s: &str| s.trim().is_empty();
    match step {
        Step::Reject { reason } | Step::Return { reason } | Step::Withdraw { reason } => {
            blank(reason)
        }
        Step::Dispatch { reason, .. } => {
            (order.state != OrderState::Asked || order.dispatched_before) && blank(reason)
        }
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whatever is tried in whatever order, every step that goes through is a row of the table,
    /// taken by the party the table names, with a reason where one is needed; everything else is
    /// refused and leaves the order as it was.
    #[test]
    fn random_walks_never_leave_the_table(
        walk in proptest::collection::vec((any_parties(), any_step(), 0i64..200), 1..40)
    ) {
        let d = Deadlines::default();
        let mut order = Order::new(T0);
        let mut now = T0;
        let mut history: Vec<&'static str> = Vec::new();
        for (parties, step, hours) in walk {
            now += Duration::hours(hours);
            let before = order.clone();
            let result = apply(&order, &parties, &step, now, &d);
            let row = spec(order.state, step.name());
            match result {
                Ok(a) => {
                    let (party, to) = row.expect("a step outside the table went through");
                    prop_assert!(parties.contains(&party), "{} by {:?}", step.name(), parties);
                    prop_assert!(to.contains(&a.order.state));
                    prop_assert!(!blank_reason(&step, &before));
                    prop_assert_eq!(a.from, before.state);
                    let due = d.due(before.state, before.since).unwrap();
                    prop_assert_eq!(a.late, now > due);
                    if let Step::Rate { stars, .. } = step {
                        prop_assert!((1..=5).contains(&stars));
                    }
                    history.push(step.name());
                    order = a.order;
                }
                Err(e) => {
                    // Refused for a reason that fits.
                    match row {
                        None => prop_assert_eq!(e.reason(), Some(Reason::WrongState)),
                        Some((party, _)) if !parties.contains(&party) => {
                            prop_assert_eq!(e.reason(), Some(Reason::WrongParty))
                        }
                        Some(_) => {
                            let invalid = matches!(e, ServicesError::Invalid { .. });
                            prop_assert!(invalid)
                        }
                    }
                    prop_assert_eq!(&order, &before);
                }
            }
        }
        // No step skipped: a rated order was completed, accepted before that and dispatched
        // before that; a done one's last step was the completion.
        let last = |name: &str, before: usize| history[..before].iter().rposition(|s| *s == name);
        if order.state == OrderState::Rated {
            let rate = history.len() - 1;
            prop_assert_eq!(history[rate], "rate");
            let complete = last("complete", rate).expect("rated without completion");
            let accept = last("accept", complete).expect("completed without acceptance");
            prop_assert!(last("dispatch", accept).is_some(), "accepted without dispatch");
        }
        if order.state == OrderState::Done {
            prop_assert_eq!(history.last().copied(), Some("complete"));
        }
        if order.state == OrderState::Claimed && history.last() == Some(&"claim") {
            prop_assert!(order.department.is_some());
        }
    }

    /// A party that does not own a step never gets it done, in any state.
    #[test]
    fn the_wrong_party_is_always_refused(step in any_step(), state_ix in 0usize..9, party_ix in 0usize..4) {
        let state = OrderState::ALL[state_ix];
        let party = Party::ALL[party_ix];
        let order = Order { state, department: Some(1), team: None, dispatched_before: true, since: T0 };
        if let Some((owner, _)) = spec(state, step.name()) && owner != party {
            let e = apply(&order, &[party], &step, T0, &Deadlines::default()).unwrap_err();
            prop_assert_eq!(e.reason(), Some(Reason::WrongParty));
        }
    }

    /// Rejections, returns, withdrawals and re-dispatches without a reason are refused.
    #[test]
    fn every_rejection_has_a_reason(state_ix in 0usize..9, blank in prop_oneof![Just(""), Just(" "), Just("\u{3000}")]) {
        let state = OrderState::ALL[state_ix];
        let order = Order { state, department: Some(1), team: Some(2), dispatched_before: true, since: T0 };
        let steps = [
            Step::Reject { reason: blank.into() },
            Step::Return { reason: blank.into() },
            Step::Withdraw { reason: blank.into() },
            Step::Dispatch { assignee: Assignee::Teams, reason: blank.into() },
        ];
        for s in steps {
            prop_assert!(apply(&order, &Party::ALL, &s, T0, &Deadlines::default()).is_err());
        }
    }
}

/// Steps that are possible somewhere, with good texts, for guided walks.
fn catalogue() -> Vec<Step> {
    let r = || "已与社区核实".to_string();
    vec![
        Step::Dispatch {
            assignee: Assignee::Department(7),
            reason: r(),
        },
        Step::Dispatch {
            assignee: Assignee::Teams,
            reason: r(),
        },
        Step::Reject { reason: r() },
        Step::Claim,
        Step::Return { reason: r() },
        Step::Accept { team_id: 3 },
        Step::Complete {
            report: "讲座一场".into(),
        },
        Step::Rate {
            stars: 4,
            comment: String::new(),
        },
        Step::Withdraw { reason: r() },
    ]
}

/// Blank out the step's text.
fn blanked(s: &Step) -> Step {
    match s.clone() {
        Step::Dispatch { assignee, .. } => Step::Dispatch {
            assignee,
            reason: " ".into(),
        },
        Step::Reject { .. } => Step::Reject {
            reason: String::new(),
        },
        Step::Return { .. } => Step::Return {
            reason: String::new(),
        },
        Step::Complete { .. } => Step::Complete {
            report: String::new(),
        },
        Step::Withdraw { .. } => Step::Withdraw {
            reason: String::new(),
        },
        other => other,
    }
}

/// A walk that mostly takes steps the table allows, by their owner, sometimes by another party
/// or without a reason: it reaches the end states the random walks rarely do.
fn guided(choices: &[(u8, u8, bool)]) -> (Order, Vec<&'static str>, Vec<String>) {
    let d = Deadlines::default();
    let mut order = Order::new(T0);
    let mut history = Vec::new();
    let mut failures = Vec::new();
    for (i, (pick, party_noise, blank)) in choices.iter().enumerate() {
        let now = T0 + Duration::hours(i as i64);
        let possible: Vec<Step> = catalogue()
            .into_iter()
            .filter(|s| owner(order.state, s).is_some())
            .collect();
        if possible.is_empty() {
            break;
        }
        let step = possible[usize::from(*pick) % possible.len()].clone();
        let owner = owner(order.state, &step).unwrap_or(Party::Asker);
        let party = if party_noise % 5 == 0 {
            Party::ALL[usize::from(*party_noise / 5) % 4]
        } else {
            owner
        };
        let step = if *blank { blanked(&step) } else { step };
        match apply(&order, &[party], &step, now, &d) {
            Ok(a) => {
                if party != owner || spec(order.state, step.name()).is_none() {
                    failures.push(format!(
                        "{} by {:?} in {:?} went through",
                        step.name(),
                        party,
                        order.state
                    ));
                }
                history.push(step.name());
                order = a.order;
            }
            Err(e) => {
                let ok = (party != owner && e.reason() == Some(Reason::WrongParty))
                    || (*blank && matches!(e, ServicesError::Invalid { .. }));
                if !ok {
                    failures.push(format!(
                        "{} by {:?} in {:?} refused: {e}",
                        step.name(),
                        party,
                        order.state
                    ));
                }
            }
        }
    }
    (order, history, failures)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn guided_walks_follow_the_table(choices in proptest::collection::vec((any::<u8>(), any::<u8>(), proptest::bool::weighted(0.1)), 1..30)) {
        let (order, history, failures) = guided(&choices);
        prop_assert!(failures.is_empty(), "{:?}", failures);
        if order.state == OrderState::Rated {
            let n = history.len();
            let complete = history[..n].iter().rposition(|s| *s == "complete").unwrap();
            let accept = history[..complete].iter().rposition(|s| *s == "accept").unwrap();
            prop_assert!(history[..accept].contains(&"dispatch"));
        }
    }
}

#[test]
fn guided_walks_reach_every_state() {
    // A fixed pseudo-random sequence: the walks above must not be vacuous.
    let mut seen = std::collections::HashSet::new();
    let mut x: u32 = 12345;
    let mut next = || {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (x >> 16) as u8
    };
    for _ in 0..500 {
        let choices: Vec<(u8, u8, bool)> = (0..20).map(|_| (next(), next() | 1, false)).collect();
        let (order, _, failures) = guided(&choices);
        assert!(failures.is_empty(), "{failures:?}");
        seen.insert(order.state);
    }
    for s in [
        OrderState::Rated,
        OrderState::Rejected,
        OrderState::Withdrawn,
    ] {
        assert!(seen.contains(&s), "no walk reached {s:?}");
    }
}

fn step(order: &Order, party: Party, s: Step, at: OffsetDateTime) -> Order {
    apply(order, &[party], &s, at, &Deadlines::default())
        .unwrap()
        .order
}

#[test]
fn an_order_goes_from_asked_to_rated_through_four_parties() {
    let mut o = Order::new(T0);
    o = step(
        &o,
        Party::Dispatcher,
        Step::Dispatch {
            assignee: Assignee::Department(7),
            reason: String::new(),
        },
        T0,
    );
    assert_eq!((o.state, o.department), (OrderState::Dispatched, Some(7)));
    o = step(&o, Party::Department, Step::Claim, T0);
    o = step(&o, Party::Team, Step::Accept { team_id: 3 }, T0);
    assert_eq!(o.team, Some(3));
    o = step(
        &o,
        Party::Team,
        Step::Complete {
            report: "讲座一场，60人参加".into(),
        },
        T0,
    );
    o = step(
        &o,
        Party::Asker,
        Step::Rate {
            stars: 5,
            comment: String::new(),
        },
        T0,
    );
    assert_eq!(o.state, OrderState::Rated);
    assert!(o.state.is_closed());
}

#[test]
fn a_team_returning_an_order_gives_it_back_to_the_department() {
    let mut o = Order::new(T0);
    o = step(
        &o,
        Party::Dispatcher,
        Step::Dispatch {
            assignee: Assignee::Department(7),
            reason: String::new(),
        },
        T0,
    );
    o = step(&o, Party::Department, Step::Claim, T0);
    o = step(&o, Party::Team, Step::Accept { team_id: 3 }, T0);
    o = step(
        &o,
        Party::Team,
        Step::Return {
            reason: "队员出差".into(),
        },
        T0,
    );
    assert_eq!(
        (o.state, o.team, o.department),
        (OrderState::Claimed, None, Some(7))
    );
}

#[test]
fn a_department_return_sends_the_order_back_for_re_dispatch() {
    let mut o = Order::new(T0);
    o = step(
        &o,
        Party::Dispatcher,
        Step::Dispatch {
            assignee: Assignee::Department(7),
            reason: String::new(),
        },
        T0,
    );
    o = step(
        &o,
        Party::Department,
        Step::Return {
            reason: "不属本部门职责".into(),
        },
        T0,
    );
    assert_eq!((o.state, o.department), (OrderState::Asked, None));
    // Dispatching it again is a re-dispatch: it needs a reason.
    let again = Step::Dispatch {
        assignee: Assignee::Teams,
        reason: String::new(),
    };
    assert!(apply(&o, &[Party::Dispatcher], &again, T0, &Deadlines::default()).is_err());
    let again = Step::Dispatch {
        assignee: Assignee::Teams,
        reason: "改为开放抢单".into(),
    };
    assert_eq!(
        step(&o, Party::Dispatcher, again, T0).state,
        OrderState::Open
    );
}

#[test]
fn a_step_after_its_deadline_is_taken_and_marked_late() {
    let o = Order::new(T0);
    let a = apply(
        &o,
        &[Party::Dispatcher],
        &Step::Dispatch {
            assignee: Assignee::Teams,
            reason: String::new(),
        },
        T0 + Duration::days(3),
        &Deadlines::default(),
    )
    .unwrap();
    assert!(a.late);
    assert_eq!(a.order.since, T0 + Duration::days(3));
}

#[test]
fn buttons_follow_the_table() {
    let o = Order::new(T0);
    assert_eq!(
        possible_steps(&o, &[Party::Dispatcher]),
        vec!["dispatch", "reject"]
    );
    assert_eq!(possible_steps(&o, &[Party::Asker]), vec!["withdraw"]);
    assert!(possible_steps(&o, &[Party::Team]).is_empty());
}
