//! Micro-benchmark of a Lua task call through the async bridge: one shard runs users whose
//! task only reports a request (`events.request:fire`), so the time per task is the cost of
//! resuming a Lua coroutine from the engine, running the task, and recording into the stats.
//! `cargo bench -p cicada-scripting`. Prints tasks per second and ns per task (wall time on
//! one shard thread, best of 3 rounds).

use std::sync::Arc;
use std::time::{Duration, Instant};

use cicada_engine::{RunConfig, Runner};
use cicada_scripting::LuaScenario;

const SCRIPT: &str = r#"
local cicada = require("cicada")
local Bench = cicada.User:extend("Bench", {})
Bench:task(function(self)
  cicada.events.request:fire{ request_type = "TASK", name = "noop", response_time = 0, response_length = 0 }
end)
"#;

const USERS: u32 = 200;
const ROUND: Duration = Duration::from_secs(2);

fn main() {
    let scenario = match LuaScenario::from_source("bench.lua", SCRIPT) {
        Ok(s) => Arc::new(s),
        Err(e) => panic!("bench script does not load: {e}"),
    };
    let mut best = 0.0f64;
    for _ in 0..3 {
        let config = RunConfig { shards: 1, ..RunConfig::default() };
        let control = match Runner::start(config, scenario.clone()) {
            Ok(c) => c,
            Err(e) => panic!("engine does not start: {e}"),
        };
        let _ = control.swarm(USERS, f64::from(USERS) * 100.0);
        let _ = control.events().recv_timeout(Duration::from_secs(10));
        control.flush_stats();
        let before = control.snapshot().total.num_requests;
        let start = Instant::now();
        std::thread::sleep(ROUND);
        control.flush_stats();
        let done = control.snapshot().total.num_requests - before;
        let rate = done as f64 / start.elapsed().as_secs_f64();
        best = best.max(rate);
        control.shutdown();
    }
    println!(
        "{:<44} {:>10.0} tasks/s {:>8.1} ns/task",
        "Lua task call (1 shard, 200 users)",
        best,
        1e9 / best
    );
}
