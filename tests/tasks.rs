//! How users pick and run tasks: task weights, class weights and fixed counts, tags, class
//! selection, the on_start/on_stop lifecycle and errors raised by tasks.

use cicada_engine::{EngineError, RunEvent, Runner};
use std::sync::Arc;

use crate::util::{self, lua, TestServer};

fn spawned(ev: &RunEvent) -> Option<Vec<(String, u32)>> {
    match ev {
        RunEvent::SpawningComplete(counts) => Some(counts.clone()),
        _ => None,
    }
}

fn counts(pairs: &[(&str, u32)]) -> Vec<(String, u32)> {
    pairs.iter().map(|(n, c)| (n.to_string(), *c)).collect()
}

#[test]
fn task_weights_set_how_often_each_task_runs() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Weighted")
User:task(3, function(self) self.client:get("/p/a") end)
User:task(1, { name = "b" }, function(self) self.client:get("/p/b") end)
"#,
        &[],
    );
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(4);
    util::wait_until(
        "2,000 task runs",
        util::DEADLINE,
        || server.total() >= 2000,
        || format!("{} requests so far", server.total()),
    );
    run.finish();
    let (a, b) = (server.count("GET", "/p/a") as f64, server.count("GET", "/p/b") as f64);
    let share = a / (a + b);
    assert!(
        (share - 0.75).abs() < 0.04,
        "task a ran {a} times and b {b}: share {share:.3}, not 0.75"
    );
}

#[test]
fn fixed_count_classes_are_spawned_first_and_exactly() {
    let server = TestServer::start();
    let script = lua(
        r#"
local Admin = cicada.HttpUser:extend("Admin", { fixed_count = 1, wait_time = cicada.constant(0.05) })
function Admin:on_start() self.client:get("/p/admin") end
Admin:task(function(self) end)
local Visitor = cicada.HttpUser:extend("Visitor", { weight = 1, wait_time = cicada.constant(0.05) })
function Visitor:on_start() self.client:get("/p/visitor") end
Visitor:task(function(self) end)
"#,
        &[],
    );
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(5);
    let done = run.wait_event("SpawningComplete", spawned);
    assert_eq!(done, counts(&[("Admin", 1), ("Visitor", 4)]));
    run.wait_users(&[("Admin", 1), ("Visitor", 4)]);
    util::wait_until(
        "every user's on_start",
        util::DEADLINE,
        || server.count("GET", "/p/admin") + server.count("GET", "/p/visitor") == 5,
        || format!("server saw {:?}", server.lines()),
    );
    run.finish();
    assert_eq!(server.count("GET", "/p/admin"), 1);
    assert_eq!(server.count("GET", "/p/visitor"), 4);
}

#[test]
fn class_weights_share_the_users() {
    let server = TestServer::start();
    let script = lua(
        r#"
local Heavy = cicada.HttpUser:extend("Heavy", { weight = 3, wait_time = cicada.constant(0.05) })
Heavy:task(function(self) end)
local Light = cicada.HttpUser:extend("Light", { weight = 1, wait_time = cicada.constant(0.05) })
Light:task(function(self) end)
"#,
        &[],
    );
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(8);
    let done = run.wait_event("SpawningComplete", spawned);
    assert_eq!(done, counts(&[("Heavy", 6), ("Light", 2)]));
    run.wait_users(&[("Heavy", 6), ("Light", 2)]);
    run.finish();
}

const TAGGED: &str = r#"
local User = cicada.HttpUser:extend("Tagged")
User:task(1, { tags = { "a" } }, function(self) self.client:get("/p/a") end)
User:task(1, { tags = { "b", "shared" } }, function(self) self.client:get("/p/b") end)
User:task(1, function(self) self.client:get("/p/untagged") end)
"#;

/// Run `TAGGED` with these filters until the server has seen 90 requests; count per path.
fn run_tagged(tags: Option<&[&str]>, exclude: &[&str]) -> (u64, u64, u64) {
    let server = TestServer::start();
    let mut config = util::config(&server.url(), 1);
    config.tags = tags.map(|t| t.iter().map(|s| s.to_string()).collect());
    config.exclude_tags = exclude.iter().map(|s| s.to_string()).collect();
    let run = util::start(&lua(TAGGED, &[]), config);
    run.swarm_all(2);
    util::wait_until(
        "90 requests",
        util::DEADLINE,
        || server.total() >= 90,
        || format!("{} requests", server.total()),
    );
    run.finish();
    (server.count("GET", "/p/a"), server.count("GET", "/p/b"), server.count("GET", "/p/untagged"))
}

#[test]
fn tags_select_tasks() {
    let (a, b, untagged) = run_tagged(Some(&["a"]), &[]);
    assert!(a > 0 && b == 0 && untagged == 0, "tags [a]: a={a} b={b} untagged={untagged}");

    let (a, b, untagged) = run_tagged(Some(&["shared", "a"]), &[]);
    assert!(a > 0 && b > 0 && untagged == 0, "tags [shared, a]: a={a} b={b} untagged={untagged}");
}

#[test]
fn exclude_tags_skip_tasks() {
    let (a, b, untagged) = run_tagged(None, &["a"]);
    assert!(a == 0 && b > 0 && untagged > 0, "exclude [a]: a={a} b={b} untagged={untagged}");

    let (a, b, untagged) = run_tagged(Some(&["a", "b"]), &["shared"]);
    assert!(a > 0 && b == 0 && untagged == 0, "tags [a b] exclude [shared]: a={a} b={b}");
}

const TWO_CLASSES: &str = r#"
local First = cicada.HttpUser:extend("First", { wait_time = cicada.constant(0.02) })
First:task(function(self) self.client:get("/p/first") end)
local Second = cicada.HttpUser:extend("Second", { wait_time = cicada.constant(0.02) })
Second:task(function(self) self.client:get("/p/second") end)
"#;

#[test]
fn user_classes_limit_the_run_to_the_named_classes() {
    let server = TestServer::start();
    let mut config = util::config(&server.url(), 1);
    config.user_classes = Some(vec!["Second".into()]);
    let run = util::start(&lua(TWO_CLASSES, &[]), config);
    run.swarm_all(2);
    let mut spawned = run.wait_event("SpawningComplete", spawned);
    spawned.retain(|(_, n)| *n > 0);
    assert_eq!(spawned, counts(&[("Second", 2)]));
    util::wait_until(
        "20 requests",
        util::DEADLINE,
        || server.total() >= 20,
        || server.lines().join(", "),
    );
    let names: Vec<String> = run.control.classes().iter().map(|c| c.name.clone()).collect();
    run.finish();
    assert_eq!(server.count("GET", "/p/first"), 0);
    // `Control::classes` is documented as the classes the run uses, after filtering by name.
    assert_eq!(names, ["Second"]);
}

#[test]
fn an_unknown_user_class_is_refused_at_start() {
    let config = cicada_engine::RunConfig {
        user_classes: Some(vec!["Nope".into()]),
        host: Some("http://127.0.0.1:1".into()),
        ..Default::default()
    };
    let scenario = util::scenario("test.lua", &lua(TWO_CLASSES, &[]));
    match Runner::start(config, Arc::new(scenario)) {
        Err(EngineError::UnknownUserClass(name)) => assert_eq!(name, "Nope"),
        Err(other) => panic!("expected UnknownUserClass, got {other}"),
        Ok(control) => {
            control.shutdown();
            panic!("an unknown class name started a run")
        }
    }
}

#[test]
fn the_class_list_matches_the_script() {
    let scenario = util::scenario(
        "test.lua",
        &lua(
            r#"
local User = cicada.HttpUser:extend("Shop", { weight = 3, host = "http://shop.invalid" })
User:task(2, { name = "browse", tags = { "read" } }, function(self) end)
User:task(function(self) end)
local Admin = cicada.HttpUser:extend("Admin", { fixed_count = 2 })
Admin:task(function(self) end)
"#,
            &[],
        ),
    );
    let classes = cicada_engine::Scenario::classes(&scenario);
    assert_eq!(classes.len(), 2, "{classes:?}");
    let shop = &classes[0];
    assert_eq!((shop.name.as_str(), shop.weight, shop.fixed_count), ("Shop", 3, None));
    assert_eq!(shop.host.as_deref(), Some("http://shop.invalid"));
    assert_eq!(shop.tasks.len(), 2, "{:?}", shop.tasks);
    assert_eq!(shop.tasks[0].name, "browse");
    assert_eq!(shop.tasks[0].weight, 2);
    assert_eq!(shop.tasks[0].tags, ["read"]);
    assert_eq!(shop.tasks[1].weight, 1);
    let admin = &classes[1];
    assert_eq!((admin.name.as_str(), admin.fixed_count), ("Admin", Some(2)));
}

#[test]
fn on_start_runs_before_tasks_and_on_stop_after() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Lifecycle")
function User:on_start() self.client:get("/p/start") end
function User:on_stop() self.client:get("/p/stop") end
User:task(function(self)
  self.client:get("/p/task")
  after(self, 3)
end)
"#,
        &[],
    );
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(1);
    util::wait_until(
        "on_stop's request",
        util::DEADLINE,
        || server.count("GET", "/p/stop") == 1,
        || format!("server saw {:?}", server.lines()),
    );
    let snap = run.finish();
    assert_eq!(
        server.lines(),
        ["GET /p/start", "GET /p/task", "GET /p/task", "GET /p/task", "GET /p/stop"]
    );
    assert_eq!(snap.total.num_requests, 5, "{}", util::describe(&snap));
}

#[test]
fn stopping_the_run_calls_on_stop_for_every_user() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Lifecycle", { wait_time = cicada.constant(0.01) })
function User:on_start() self.client:get("/p/start") end
function User:on_stop() self.client:get("/p/stop") end
User:task(function(self) self.client:get("/p/task") end)
"#,
        &[],
    );
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(3);
    util::wait_until(
        "some tasks",
        util::DEADLINE,
        || server.count("GET", "/p/task") >= 9,
        || format!("server saw {:?}", server.lines()),
    );
    run.stop();
    let lines = server.lines();
    assert_eq!(server.count("GET", "/p/start"), 3, "{lines:?}");
    assert_eq!(server.count("GET", "/p/stop"), 3, "{lines:?}");
    let first_task = lines.iter().position(|l| l == "GET /p/task").expect("a task ran");
    let first_stop = lines.iter().position(|l| l == "GET /p/stop").expect("on_stop ran");
    let last_start = lines.iter().rposition(|l| l == "GET /p/start").expect("on_start ran");
    assert!(last_start < first_stop, "{lines:?}");
    assert!(first_task < first_stop, "{lines:?}");
    // Nothing runs once every user has stopped.
    let seen = server.total();
    run.finish();
    assert_eq!(server.total(), seen, "requests after stop: {:?}", server.lines());
}

#[test]
fn errors_in_tasks_are_counted_as_exceptions_and_the_user_goes_on() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Raiser")
User:task(function(self)
  self.runs = (self.runs or 0) + 1
  if self.runs > 4 then error(cicada.StopUser) end
  self.client:get("/p/before-boom")
  error("boom")
end)
"#,
        &[],
    );
    let line =
        script.lines().position(|l| l.contains("error(\"boom\")")).expect("the error line") + 1;
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(1);
    let snap =
        run.wait_stats("4 exceptions", |s| s.exceptions.iter().map(|e| e.count).sum::<u64>() == 4);
    run.finish();
    assert_eq!(server.count("GET", "/p/before-boom"), 4);
    assert_eq!(snap.exceptions.len(), 1, "one kind of error: {}", util::describe(&snap));
    let ex = &snap.exceptions[0];
    assert!(ex.message.contains("boom"), "message: {:?}", ex.message);
    let place = format!("test.lua:{line}");
    assert!(
        ex.message.contains(&place) || ex.traceback.contains(&place),
        "{place} is in neither the message {:?} nor the traceback {:?}",
        ex.message,
        ex.traceback
    );
    assert_eq!(snap.total.num_failures, 0, "an exception is not a request failure");
}
