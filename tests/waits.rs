//! Wait times between tasks, measured from when the server received each request.

use std::time::Duration;

use crate::util::{self, lua, TestServer};

/// Intervals of this many tasks are averaged per user.
const INTERVALS: usize = 8;

#[test]
fn wait_times_pace_tasks() {
    let server = TestServer::start();
    // Every task takes 0.1 s. Pacing waits absorb that; `constant` and `between` add to it.
    let script = lua(
        r#"
local function class(name, wait)
  local User = cicada.HttpUser:extend(name, { fixed_count = 1, wait_time = wait })
  User:task(function(self)
    self.client:get("/p/" .. name)
    cicada.sleep(0.1)
  end)
end
class("pacing", cicada.constant_pacing(0.2))
class("throughput", cicada.constant_throughput(4))
class("constant", cicada.constant(0.2))
class("between", cicada.between(0.1, 0.3))
"#,
        &[],
    );
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(4);
    let paths = ["/p/pacing", "/p/throughput", "/p/constant", "/p/between"];
    util::wait_until(
        "enough paced tasks",
        Duration::from_secs(10),
        || paths.iter().all(|p| server.count("GET", p) > INTERVALS as u64),
        || format!("counts {:?}", paths.map(|p| server.count("GET", p))),
    );
    run.finish();

    let log = server.log();
    let period = |path: &str| -> (f64, f64) {
        let times: Vec<_> = log.iter().filter(|r| r.path == path).map(|r| r.at).collect();
        let gaps: Vec<f64> =
            times.windows(2).take(INTERVALS).map(|w| (w[1] - w[0]).as_secs_f64()).collect();
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let min = gaps.iter().cloned().fold(f64::INFINITY, f64::min);
        (mean, min)
    };
    // Timers may fire late on a busy machine, never early: tolerate more above than below.
    // `between` is random: its mean over 8 gaps has a standard deviation of about 0.02 s.
    let check = |path: &str, expected: f64, shortest: f64, below: f64| {
        let (mean, min) = period(path);
        assert!(
            mean > expected - below && mean < expected + below + 0.08,
            "{path}: mean period {mean:.3}s, expected {expected}s"
        );
        assert!(min > shortest - 0.02, "{path}: shortest period {min:.3}s, expected {shortest}s");
    };
    check("/p/pacing", 0.2, 0.2, 0.02);
    check("/p/throughput", 0.25, 0.25, 0.02);
    check("/p/constant", 0.3, 0.3, 0.02);
    check("/p/between", 0.3, 0.2, 0.07);
}
