//! Replays traces of real Locust 2.47.0's `UsersDispatcher`, recorded by
//! `scripts/locust-dispatch-traces.py`: 120 seeded random sessions of dispatches, steps taken
//! one at a time, workers joining and leaving mid-ramp (between steps and during pauses, the
//! last one too), class subsets,
//! fixed-count classes, zero weights and abandoned cycles. Every step, pause, end of cycle,
//! worker order and `dispatch_in_progress` must match.
//!
//! One deliberate difference: where Locust's ramp-down spins forever (`stuck` in a trace),
//! cicada ends the cycle.
//!
//! The traces cover what the reference vectors do not: re-deals mid-ramp and mid-ramp-down,
//! fixed counts through ramp-downs and re-deals, and subsets.

use std::time::Duration;

use super::super::{Step, UserClass, UsersDispatcher};
use super::parse_assignment;

const TRACES: &str = include_str!("locust_2_47_traces.txt");

fn class(spec: &str) -> UserClass {
    let mut parts = spec.split(':');
    let mut next = || parts.next().expect("name:weight:fixed_count");
    let name = next().to_owned();
    UserClass { name, weight: next().parse().unwrap(), fixed_count: next().parse().unwrap() }
}

fn csv(field: Option<&str>) -> Vec<&str> {
    field.map_or(Vec::new(), |f| f.split(',').filter(|s| !s.is_empty()).collect())
}

#[test]
fn replays_locust_traces() {
    let mut dispatcher: Option<UsersDispatcher> = None;
    let mut case = "";
    let mut checked = 0;
    for (n, line) in TRACES.lines().enumerate() {
        let at = format!("line {} (case {case}): {line}", n + 1);
        let mut words = line.split_whitespace();
        let Some(op) = words.next() else { continue };
        if op == "case" {
            case = words.next().unwrap_or("");
            continue;
        }
        if op == "#" {
            continue;
        }
        if op == "new" {
            let workers = csv(words.next());
            let classes: Vec<UserClass> = csv(words.next()).into_iter().map(class).collect();
            dispatcher = Some(UsersDispatcher::new(&workers, &classes).expect(&at));
            continue;
        }
        let d = dispatcher.as_mut().expect("a `new` line first");
        match op {
            "order" => assert_eq!(d.workers().collect::<Vec<_>>(), csv(words.next()), "{at}"),
            "dispatch" => {
                let target = words.next().unwrap().parse().unwrap();
                let rate = words.next().unwrap().parse().unwrap();
                match words.next() {
                    None => d.new_dispatch(target, rate),
                    Some(subset) => d.new_dispatch_for(
                        target,
                        rate,
                        &csv(Some(subset)).into_iter().filter(|&c| c != "-").collect::<Vec<_>>(),
                    ),
                }
                .expect(&at);
            }
            "add" => d.add_worker(words.next().unwrap()),
            "remove" => d.remove_worker(words.next().unwrap()),
            "step" => {
                let want = parse_assignment(words.next().unwrap());
                assert_eq!(d.next(), Some(Step::Spawn(want)), "{at}");
            }
            "pause" => {
                let secs: f64 = words.next().unwrap().parse().unwrap();
                assert_eq!(d.next(), Some(Step::Pause(Duration::from_secs_f64(secs))), "{at}");
            }
            "end" => assert_eq!(d.next(), None, "{at}"),
            "progress" => {
                let in_progress: bool = words.next().unwrap().parse().unwrap();
                let count: u64 = words.next().unwrap().parse().unwrap();
                assert_eq!(
                    (d.dispatch_in_progress(), d.current_user_count()),
                    (in_progress, count),
                    "{at}"
                );
            }
            "stuck" => {
                // Locust spins here forever (see the script); cicada pauses once, then ends
                // the cycle with the assignment unchanged.
                let before = d.assignment().clone();
                let rest: Vec<Step> = d.by_ref().take(3).collect();
                assert!(
                    rest.iter().all(|s| matches!(s, Step::Pause(_))) && rest.len() <= 1,
                    "{at}"
                );
                assert_eq!((d.assignment(), d.dispatch_in_progress()), (&before, false), "{at}");
            }
            other => panic!("unknown trace op {other:?} at {at}"),
        }
        checked += 1;
    }
    // Guards against an empty or truncated trace file passing vacuously.
    assert!(checked > 2500, "only {checked} trace lines checked");
}
