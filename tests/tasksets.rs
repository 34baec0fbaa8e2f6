//! TaskSets and SequentialTaskSets: order, nesting, weights, interrupt, per-set
//! on_start/on_stop, schedule_task, RescheduleTask, a set's own wait_time, and stopping a
//! user at any depth. Sequences are checked on the server side, request by request.

use std::time::Duration;

use crate::util::{self, lua, TestServer};

fn paths(server: &TestServer) -> Vec<String> {
    server.log().into_iter().map(|r| r.path).collect()
}

fn expect(server: &TestServer, want: &[&str]) {
    assert_eq!(paths(server), want.iter().map(|p| p.to_string()).collect::<Vec<_>>());
}

#[test]
fn sequential_set_runs_in_order_with_its_on_start_and_on_stop_until_interrupted() {
    let server = TestServer::start();
    let script = lua(
        r#"
local Seq = cicada.SequentialTaskSet:extend("Seq")
function Seq:on_start() self.client:get("/start") end
function Seq:on_stop() self.client:get("/stop"); after(self.user, 2) end
Seq:task(function(self) self.client:get("/a") end)
Seq:task(2, function(self) self.client:get("/b") end)
Seq:task(function(self)
  self.n = (self.n or 0) + 1
  self.client:get("/c")
  if self.n == 2 then self:interrupt() end
end)
local U = cicada.HttpUser:extend("U")
U:task(Seq)
function U:on_stop() self.client:get("/user_stop") end
"#,
        &[],
    );
    let snap = util::one_user(&script, &server.url(), 21);
    util::assert_no_exceptions(&snap);
    let once = ["/start", "/a", "/b", "/b", "/c", "/a", "/b", "/b", "/c", "/stop"];
    let mut want: Vec<&str> = once.iter().chain(once.iter()).copied().collect();
    want.push("/user_stop");
    expect(&server, &want);
}

#[test]
fn nested_sets_return_to_their_parent_and_stop_user_unwinds_every_on_stop() {
    let server = TestServer::start();
    let script = lua(
        r#"
local Inner = cicada.TaskSet:extend("Inner")
function Inner:on_start() self.client:get("/inner_start") end
function Inner:on_stop() self.client:get("/inner_stop") end
Inner:task(function(self)
  assert(self.parent.parent == self.user, "parent chain")
  self.client:get("/i")
  self.user.client:get("/deep_" .. tostring(self.user.iterations or 0))
  if (self.user.iterations or 0) == 2 then error(cicada.StopUser) end
  self:interrupt(false)
end)
local Outer = cicada.SequentialTaskSet:extend("Outer")
function Outer:on_stop() self.client:get("/outer_stop") end
Outer:task(function(self) self.client:get("/o1") end)
Outer:task(Inner)
Outer:task(function(self) self.client:get("/o3"); self.user.iterations = (self.user.iterations or 0) + 1 end)
local U = cicada.HttpUser:extend("U")
U:task(Outer)
function U:on_stop() self.client:get("/user_stop") end
"#,
        &[],
    );
    let snap = util::one_user(&script, &server.url(), 19);
    util::assert_no_exceptions(&snap);
    #[rustfmt::skip]
    expect(&server, &[
        "/o1", "/inner_start", "/i", "/deep_0", "/inner_stop", "/o3",
        "/o1", "/inner_start", "/i", "/deep_1", "/inner_stop", "/o3",
        "/o1", "/inner_start", "/i", "/deep_2", "/inner_stop", "/outer_stop", "/user_stop",
    ]);
}

#[test]
fn schedule_task_and_reschedule_task() {
    let server = TestServer::start();
    let script = lua(
        r#"
local S = cicada.SequentialTaskSet:extend("S")
S:task(function(self)
  self:schedule_task(function(s) s.client:get("/later") end)
  self:schedule_task(function(s) s.client:get("/first") end, true)
  self.client:get("/a")
end)
S:task(function(self)
  self.client:get("/b")
  error(cicada.RescheduleTask)
  self.client:get("/never")
end)
S:task(function(self) self.client:get("/c"); after(self.user, 2) end)
local U = cicada.HttpUser:extend("U")
U:task(S)
"#,
        &[],
    );
    let snap = util::one_user(&script, &server.url(), 10);
    util::assert_no_exceptions(&snap);
    let once = ["/a", "/first", "/later", "/b", "/c"];
    expect(&server, &[once, once].concat());
}

#[test]
fn weights_of_sets_and_of_their_tasks_multiply() {
    let server = TestServer::start();
    let script = lua(
        r#"
local A = cicada.TaskSet:extend("A")
A:task(1, function(self) self.client:get("/x"); self:interrupt() end)
A:task(3, function(self) self.client:get("/y"); self:interrupt() end)
local U = cicada.HttpUser:extend("U")
U:task(3, A)
U:task(1, function(self) self.client:get("/u") end)
"#,
        &[],
    );
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(2);
    util::wait_until(
        "4,000 requests",
        util::DEADLINE,
        || server.total() >= 4000,
        || format!("{} requests so far", server.total()),
    );
    let snap = run.finish();
    util::assert_no_exceptions(&snap);
    let n = |p| server.count("GET", p) as f64;
    let total = n("/x") + n("/y") + n("/u");
    for (path, share) in [("/u", 0.25), ("/x", 0.1875), ("/y", 0.5625)] {
        let got = n(path) / total;
        assert!((got - share).abs() < 0.04, "{path}: share {got:.3}, not {share}");
    }
}

#[test]
fn a_set_waits_its_own_wait_time() {
    let server = TestServer::start();
    let script = lua(
        r#"
local S = cicada.TaskSet:extend("S", { wait_time = cicada.constant(0.2) })
S:task(function(self) self.client:get("/s"); after(self.user, 3) end)
local U = cicada.HttpUser:extend("U", { wait_time = cicada.constant(0) })
U:task(S)
"#,
        &[],
    );
    util::one_user(&script, &server.url(), 3);
    let at: Vec<_> = server.log().into_iter().map(|r| r.at).collect();
    assert_eq!(at.len(), 3);
    for pair in at.windows(2) {
        let gap = pair[1].duration_since(pair[0]);
        assert!(gap >= Duration::from_millis(190), "gap {gap:?} shorter than the set's wait");
    }
}

#[test]
fn a_user_waiting_in_a_set_stops_at_once_and_runs_the_on_stop_chain() {
    let server = TestServer::start();
    let script = lua(
        r#"
local S = cicada.TaskSet:extend("S", { wait_time = cicada.constant(600) })
function S:on_stop() self.client:get("/set_stop") end
S:task(function(self) self.client:get("/s") end)
local U = cicada.HttpUser:extend("U")
U:task(S)
function U:on_stop() self.client:get("/user_stop") end
"#,
        &[],
    );
    for stop_timeout in [Duration::ZERO, Duration::from_secs(60)] {
        let before = server.total();
        let mut config = util::config(&server.url(), 1);
        config.stop_timeout = stop_timeout;
        let run = util::start(&script, config);
        run.swarm_all(1);
        util::wait_until(
            "the set's first task",
            util::DEADLINE,
            || server.total() > before,
            String::new,
        );
        let took = run.stop();
        assert!(took < Duration::from_secs(5), "stopping took {took:?} ({stop_timeout:?})");
        let snap = run.finish();
        util::assert_no_exceptions(&snap);
        let tail: Vec<String> = paths(&server).split_off(before as usize);
        assert_eq!(tail, ["/s", "/set_stop", "/user_stop"], "stop timeout {stop_timeout:?}");
    }
}
