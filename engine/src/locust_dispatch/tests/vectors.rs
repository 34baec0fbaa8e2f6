//! Every case of `dispatch_vectors.py` (shared reference samples), with the output of real
//! Locust 2.47.0 running that script. V1–V5 and V7 are also tabled in the protocol
//! reference (§6); V6 (ramp down, then a join that only re-deals) is from the script's
//! output alone.

use std::time::Duration;

use super::super::weights::KlInterleave;
use super::super::{Step, UserClass};
use super::{dispatcher, parse_assignment, spawns};

fn alpha_beta() -> [UserClass; 2] {
    [UserClass::weighted("AlphaUser", 3), UserClass::weighted("BetaUser", 1)]
}

fn assert_spawns(got: Vec<super::Assignment>, want: &[&str]) {
    let want: Vec<_> = want.iter().map(|s| parse_assignment(s)).collect();
    assert_eq!(got, want);
}

#[test]
fn v1_observed_run() {
    let mut d = dispatcher(&["hostA_aaa", "hostA_bbb"], &alpha_beta());
    d.new_dispatch(6, 2.0).unwrap();
    let steps: Vec<Step> = (&mut d).collect();
    let pause = Step::Pause(Duration::from_secs(1));
    let spawn = |s: &str| Step::Spawn(parse_assignment(s));
    assert_eq!(
        steps,
        [
            spawn("hostA_aaa=AlphaUser:1,BetaUser:0;hostA_bbb=AlphaUser:0,BetaUser:1"),
            pause.clone(),
            spawn("hostA_aaa=AlphaUser:2,BetaUser:0;hostA_bbb=AlphaUser:1,BetaUser:1"),
            pause,
            spawn("hostA_aaa=AlphaUser:3,BetaUser:0;hostA_bbb=AlphaUser:1,BetaUser:2"),
        ]
    );
    assert!(!d.dispatch_in_progress());
}

#[test]
fn v2_one_shot() {
    let mut d = dispatcher(&["hostA_aaa", "hostA_bbb"], &alpha_beta());
    d.new_dispatch(6, 6.0).unwrap();
    let steps: Vec<Step> = (&mut d).collect();
    let want = "hostA_aaa=AlphaUser:3,BetaUser:0;hostA_bbb=AlphaUser:1,BetaUser:2";
    assert_eq!(steps, [Step::Spawn(parse_assignment(want))]);
}

#[test]
fn v3_three_workers_two_hosts() {
    let mut d = dispatcher(&["h1_x", "h1_y", "h2_z"], &alpha_beta());
    assert_eq!(d.workers().collect::<Vec<_>>(), ["h1_x", "h2_z", "h1_y"]);
    d.new_dispatch(7, 100.0).unwrap();
    assert_spawns(
        spawns(&mut d),
        &["h1_x=AlphaUser:3,BetaUser:0;h1_y=AlphaUser:1,BetaUser:1;h2_z=AlphaUser:1,BetaUser:1"],
    );
}

#[test]
fn v4_fixed_count() {
    let [a, b] = alpha_beta();
    let mut d = dispatcher(&["w_1", "w_2"], &[a, b, UserClass::fixed("CUser", 2)]);
    d.new_dispatch(8, 100.0).unwrap();
    assert_spawns(
        spawns(&mut d),
        &["w_1=AlphaUser:3,BetaUser:0,CUser:1;w_2=AlphaUser:1,BetaUser:2,CUser:1"],
    );
}

#[test]
fn v5_equal_weights_fractional_rate() {
    let classes = ["U1", "U2", "U3"].map(|n| UserClass::weighted(n, 1));
    let mut d = dispatcher(&["w_1", "w_2"], &classes);
    d.new_dispatch(5, 2.5).unwrap();
    assert_eq!(d.users_per_iteration(), 2);
    let steps: Vec<Step> = (&mut d).collect();
    let pauses: Vec<_> = steps.iter().filter(|s| matches!(s, Step::Pause(_))).collect();
    assert_eq!(pauses, [&Step::Pause(Duration::from_millis(800)); 2]);
    assert_spawns(
        spawns_of(steps),
        &[
            "w_1=U1:1,U2:0,U3:0;w_2=U1:0,U2:1,U3:0",
            "w_1=U1:1,U2:0,U3:1;w_2=U1:1,U2:1,U3:0",
            "w_1=U1:1,U2:1,U3:1;w_2=U1:1,U2:1,U3:0",
        ],
    );
}

fn spawns_of(steps: Vec<Step>) -> Vec<super::Assignment> {
    steps
        .into_iter()
        .filter_map(|s| match s {
            Step::Spawn(users) => Some(users),
            Step::Pause(_) => None,
        })
        .collect()
}

#[test]
fn v6_ramp_up_down_then_rebalance_only() {
    let mut d = dispatcher(&["w_1", "w_2"], &alpha_beta());
    d.new_dispatch(4, 100.0).unwrap();
    assert_spawns(spawns(&mut d), &["w_1=AlphaUser:2,BetaUser:0;w_2=AlphaUser:1,BetaUser:1"]);
    // Ramp-down removes the newest users first.
    d.new_dispatch(1, 100.0).unwrap();
    assert_spawns(spawns(&mut d), &["w_1=AlphaUser:1,BetaUser:0;w_2=AlphaUser:0,BetaUser:0"]);
    d.add_worker("w_3");
    d.new_dispatch(1, 100.0).unwrap();
    assert_spawns(
        spawns(&mut d),
        &["w_1=AlphaUser:1,BetaUser:0;w_2=AlphaUser:0,BetaUser:0;w_3=AlphaUser:0,BetaUser:0"],
    );
    // Locust's quirk: a cycle that only re-sends a re-deal stays "in progress".
    assert!(d.dispatch_in_progress());
}

#[test]
fn v7_rebalance_on_join_and_leave() {
    let mut d = dispatcher(&["w_1", "w_2"], &alpha_beta());
    d.new_dispatch(6, 100.0).unwrap();
    assert_spawns(spawns(&mut d), &["w_1=AlphaUser:3,BetaUser:0;w_2=AlphaUser:1,BetaUser:2"]);
    d.add_worker("w_3");
    d.new_dispatch(6, 100.0).unwrap();
    assert_spawns(
        spawns(&mut d),
        &["w_1=AlphaUser:2,BetaUser:0;w_2=AlphaUser:1,BetaUser:1;w_3=AlphaUser:1,BetaUser:1"],
    );
    assert!(d.dispatch_in_progress());
    d.remove_worker("w_1");
    d.new_dispatch(6, 100.0).unwrap();
    assert_spawns(spawns(&mut d), &["w_2=AlphaUser:3,BetaUser:0;w_3=AlphaUser:1,BetaUser:2"]);
}

#[test]
fn kl_interleave_vectors() {
    let run = |weights: &[(&str, f64)], n: usize| {
        let mut kl = KlInterleave::new(weights.iter().map(|&(name, w)| (name.into(), w)));
        (0..n).map(|_| kl.next().unwrap().to_string()).collect::<String>()
    };
    assert_eq!(run(&[("A", 3.0), ("B", 1.0)], 16), "ABAAABAAABAAABAA");
    assert_eq!(run(&[("A", 5.0), ("B", 1.0)], 18), "AABAAAAABAAAAABAAA");
    assert_eq!(run(&[("A", 2.0), ("B", 2.0), ("C", 1.0)], 15), "ABCABABCABABCAB");
    assert_eq!(KlInterleave::new([("A".into(), 0.0)]).next(), None);
}
