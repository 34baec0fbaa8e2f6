//! The same scenario gives the same counts whatever the number of shards.

use crate::util::{self, lua, TestServer};

const USERS: u32 = 7;
const ITERATIONS: u64 = 3;

/// Run `USERS` users of `ITERATIONS` iterations on `shards` shards; (server count, stats count).
fn run_on(shards: usize) -> (u64, u64) {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Sharded")
function User:on_start() self.client:get("/p/start") end
User:task(function(self)
  self.client:get("/p/task")
  after(self, $K)
end)
"#,
        &[("K", &ITERATIONS)],
    );
    let run = util::start(&script, util::config(&server.url(), shards));
    assert_eq!(run.control.shards(), shards);
    run.swarm_all(USERS);
    let expected = USERS as u64 * ITERATIONS;
    run.wait_stats("every iteration", |s| util::reqs(s, "GET", "/p/task") == expected);
    let snap = run.finish();
    assert_eq!(util::reqs(&snap, "GET", "/p/start"), USERS as u64, "{}", util::describe(&snap));
    assert_eq!(server.count("GET", "/p/start"), USERS as u64);
    (server.count("GET", "/p/task"), util::reqs(&snap, "GET", "/p/task"))
}

#[test]
fn one_shard() {
    let expected = USERS as u64 * ITERATIONS;
    assert_eq!(run_on(1), (expected, expected));
}

#[test]
fn two_shards() {
    let expected = USERS as u64 * ITERATIONS;
    assert_eq!(run_on(2), (expected, expected));
}

#[test]
fn more_shards_than_cores() {
    let expected = USERS as u64 * ITERATIONS;
    let shards = cicada_engine::usable_cores() + 1;
    assert_eq!(run_on(shards), (expected, expected));
}

#[test]
fn users_are_spread_over_shards_and_counted_once() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Idle", { wait_time = cicada.constant(0.05) })
User:task(function(self) end)
"#,
        &[],
    );
    let run = util::start(&script, util::config(&server.url(), 2));
    run.swarm_all(5);
    run.wait_event("SpawningComplete", |ev| match ev {
        cicada_engine::RunEvent::SpawningComplete(c) => Some(c.clone()),
        _ => None,
    });
    run.wait_users(&[("Idle", 5)]);
    run.swarm(2, 1000.0);
    util::wait_until(
        "ramping down to 2 users",
        util::DEADLINE,
        || run.control.user_count() == 2,
        || format!("{} users", run.control.user_count()),
    );
    run.finish();
}
