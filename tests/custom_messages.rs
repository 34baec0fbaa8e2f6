//! Custom messages from Lua (`runner:send_message`, `runner:register_message`): delivered
//! to every shard's handler in a local run, and both ways between a cicada worker and a real
//! Python Locust 2.47 master.

use std::time::Duration;

use crate::util::{self, CliProcess, TempDir};

/// Handlers record what they got as a request named after it, so the test reads it in the
/// stats. Registered from `init`, as in Locust, so every shard has them.
const LOCAL_LUA: &str = r#"
local cicada = require("cicada")

local function record(name)
  cicada.events.request:fire{ request_type = "MSG", name = name, response_time = 0 }
end

cicada.events.init:add_listener(function(environment)
  local runner = environment.runner
  runner:register_message("greet", function(msg, env)
    -- A handler is a task of its own: it may sleep.
    cicada.sleep(0.001)
    local d = msg.data
    record(string.format("%s %d %s %s %s on %d", d.text, d.list[2], tostring(d.list[3]),
      math.type(d.n), msg.node_id, env.shard_index))
  end)
  runner:register_message("boom", function() error("handler failed") end)
end)

local U = cicada.User:extend("U", { wait_time = cicada.constant(0.05) })

function U:on_start()
  local runner = self.environment.runner
  -- An error in a handler must not stop the next message.
  runner:send_message("boom")
  runner:send_message("greet", { text = "hello", list = { 1, 2, true }, n = 3 })
  local ok, err = pcall(runner.send_message, runner, "greet", { f = print })
  record(ok and "sent a function" or tostring(err))
  ok, err = pcall(runner.register_message, runner, "quit", function() end)
  record(ok and "registered quit" or tostring(err))
  ok, err = pcall(runner.register_message, runner, "greet", function() end)
  record(ok and "registered greet twice" or tostring(err))
end

U:task(function() end)
"#;

#[test]
fn a_local_run_delivers_messages_to_the_handlers_of_every_shard() {
    let run = util::start(LOCAL_LUA, util::config("http://127.0.0.1:1", 2));
    run.swarm_all(1);
    let names = |s: &cicada_engine::StatsSnapshot| -> Vec<String> {
        s.entries.iter().filter(|e| e.method == "MSG").map(|e| e.name.clone()).collect()
    };
    let snap = run.wait_stats("a greet on both shards and 3 records", |s| names(s).len() == 5);
    let snap_names = names(&snap);
    for shard in 0..2 {
        let want = format!("hello 2 true integer local on {shard}");
        assert_eq!(util::reqs(&snap, "MSG", &want), 1, "{}", util::describe(&snap));
    }
    let has = |needle: &str| snap_names.iter().any(|n| n.contains(needle));
    assert!(has("test.lua:"), "errors name the script line: {snap_names:?}");
    assert!(has("data.f is a function"), "{snap_names:?}");
    assert!(has("\"quit\" is one of Locust's own message types"), "{snap_names:?}");
    assert!(has("Tried to register listener method for greet"), "{snap_names:?}");
    // Handler errors are logged, not counted: only `on_start`'s own records are here.
    util::assert_no_exceptions(&snap);
    run.finish();
}

/// The master registers a handler for the worker's messages and sends one to its workers as
/// the test starts; the Lua worker echoes it back from every shard.
const MASTER_PY: &str = r#"
import logging

from locust import User, constant, events, task
from locust.runners import MasterRunner


class Web(User):
    wait_time = constant(1)

    @task
    def nothing(self):
        pass


def on_from_lua(environment, msg, **kwargs):
    d = msg.data
    logging.info(
        "from_lua shard=%s echo=%r same_node=%s", d["shard"], d["echo"], d["node"] == msg.node_id
    )


@events.init.add_listener
def on_init(environment, **kwargs):
    if isinstance(environment.runner, MasterRunner):
        environment.runner.register_message("from_lua", on_from_lua)


@events.test_start.add_listener
def on_test_start(environment, **kwargs):
    if isinstance(environment.runner, MasterRunner):
        environment.runner.send_message("to_lua", {"hello": [1, 2.5, "x", None, True]})
"#;

const WORKER_LUA: &str = r#"
local cicada = require("cicada")

cicada.events.init:add_listener(function(environment)
  environment.runner:register_message("to_lua", function(msg, env)
    env.runner:send_message("from_lua",
      { echo = msg.data, shard = env.shard_index, node = msg.node_id })
  end)
end)

local Web = cicada.User:extend("Web", { wait_time = cicada.constant(1) })
Web:task(function() end)
"#;

#[test]
fn a_cicada_worker_and_a_python_master_exchange_custom_messages() {
    let dir = TempDir::new();
    dir.write("master.py", MASTER_PY);
    let script = util::write_script("worker.lua", WORKER_LUA);
    let port = util::free_port().to_string();
    let args = [
        "-f",
        "master.py",
        "--master",
        "--master-bind-host",
        "127.0.0.1",
        "--master-bind-port",
        &port,
        "--headless",
        "--expect-workers",
        "1",
        "-u",
        "2",
        "-r",
        "2",
        "-t",
        "3s",
    ];
    let mut master = util::LocustProcess::start(dir.path(), "master", &args);
    let args = ["-f", script.path_str(), "--worker", "--master-port", &port, "--processes", "2"];
    let worker = CliProcess::spawn_with(&args, |cmd| {
        cmd.env_remove("LOCUST_MASTER_NODE_HOST");
    });
    let code = master.wait(Duration::from_secs(30));
    let worker = worker.wait(Duration::from_secs(10));
    let log = master.log();
    assert_eq!(code, 0, "{log}");
    assert_eq!(worker.code, Some(0), "{}", worker.dump());
    for shard in 0..2 {
        let line = format!(
            "from_lua shard={shard} echo={{'hello': [1, 2.5, 'x', None, True]}} same_node=True"
        );
        assert_eq!(log.matches(&line).count(), 1, "{line}\n{log}\n{}", worker.dump());
    }
    assert!(!log.contains("Unknown message type"), "{log}");
    assert!(!worker.stderr.contains("Unknown message type"), "{}", worker.dump());
}
