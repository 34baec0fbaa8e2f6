//! Scripts run by the engine against a real HTTP server on loopback.

use std::time::Duration;

use cicada_engine::RunEvent;
use cicada_scripting::ScenarioLimits;

use crate::util::{closed_port_url, count, describe, errors, failures, Run, Server};

#[test]
fn quickstart_runs() {
    let server = Server::start();
    let run = Run::start(
        r#"
        local cicada = require("cicada")
        local User = cicada.HttpUser:extend("QuickstartUser", { wait_time = cicada.constant(0) })
        function User:on_start() self.client:post("/login", { json = { username = "foo", password = "bar" } }) end
        User:task(1, function(self) self.client:get("/hello"); self.client:get("/world") end)
        User:task(3, { tags = { "items" } }, function(self)
          for id = 0, 2 do self.client:get("/item?id=" .. id, { name = "/item" }); cicada.sleep(0) end
        end)
        User:task(function(self)
          self.client:get("/nope", { catch_response = true }, function(resp)
            if resp.text ~= "Success" then resp:failure("Got wrong response") end
          end)
        end)
        "#,
        Some(&server.url),
        3,
    );
    // Every user logged in (the last may start after the others have made many requests).
    run.wait_for("every user to log in and every task to run", |s| {
        count(s, "POST", "/login") >= 3
            && count(s, "GET", "/hello") >= 5
            && count(s, "GET", "/item") >= 5
            && count(s, "GET", "/nope") >= 3
    });
    let snap = run.finish();
    assert_eq!(count(&snap, "POST", "/login"), 3, "{}", describe(&snap));
    assert_eq!(failures(&snap, "GET", "/hello"), 0);
    assert_eq!(count(&snap, "GET", "/nope"), failures(&snap, "GET", "/nope"));
    assert_eq!(errors(&snap, "GET", "/nope"), ["Got wrong response"]);
    assert!(snap.exceptions.is_empty(), "{}", describe(&snap));
    let login = server.seen().into_iter().find(|r| r.target == "/login").expect("login seen");
    assert_eq!(login.method, "POST");
    assert_eq!(login.headers.get("content-type").map(String::as_str), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&login.body).expect("json body");
    assert_eq!(body, serde_json::json!({ "username": "foo", "password": "bar" }));
}

#[test]
fn default_failure_rules_and_connection_errors() {
    let server = Server::start();
    let closed = closed_port_url();
    let src = format!(
        r#"
        local cicada = require("cicada")
        local U = cicada.HttpUser:extend("U")
        U:task(function(self)
          local r = self.client:get("/missing")
          assert(r.status_code == 404 and r.ok == false, "404 expected")
          assert(r.error == "HTTPError('404 Client Error: Not Found for url: /missing')", r.error)
          self.client:get("/error", {{ name = "err" }})
          local c = self.client:get("{closed}/x")
          assert(c.status_code == 0 and not c.ok and c.error ~= nil, "connection error expected")
          local ok = self.client:get("/redirect")
          assert(ok.status_code == 200 and ok.text == "ok", "redirect followed")
          local nr = self.client:get("/redirect", {{ allow_redirects = false }})
          assert(nr.status_code == 302, "redirect not followed")
          cicada.sleep(0.01)
        end)
        "#
    );
    let run = Run::start(&src, Some(&server.url), 1);
    let snap = run.wait_for("requests", |s| count(s, "GET", "/x") >= 2);
    let snap_final = run.finish();
    assert!(snap.exceptions.is_empty(), "{}", describe(&snap_final));
    assert_eq!(
        errors(&snap, "GET", "/missing"),
        ["HTTPError('404 Client Error: Not Found for url: /missing')"]
    );
    assert_eq!(
        errors(&snap, "GET", "err"),
        ["HTTPError('500 Server Error: Internal Server Error for url: err')"]
    );
    let refused = errors(&snap, "GET", "/x");
    assert_eq!(refused.len(), 1, "{}", describe(&snap));
    assert!(refused[0].contains("Connection refused"), "{refused:?}");
    assert_eq!(failures(&snap, "GET", "/redirect"), 0);
}

#[test]
fn catch_response_decides_how_requests_count() {
    let server = Server::start();
    let run = Run::start(
        r#"
        local cicada = require("cicada")
        local U = cicada.HttpUser:extend("U")
        U:task(function(self)
          -- callback: success() wins over a 404
          self.client:get("/missing", { name = "ok404", catch_response = true }, function(r) r:success() end)
          -- callback: failure text is kept exactly
          self.client:get("/", { name = "failed", catch_response = true }, function(r) r:failure("custom text") end)
          -- callback: no decision, default rules
          self.client:get("/missing", { name = "default", catch_response = true }, function(r) end)
          -- no callback: decided later
          local r = self.client:get("/", { name = "later", catch_response = true })
          r:failure("decided later")
          -- no callback, never decided: counted when the task ends
          self.client:get("/missing", { name = "undecided", catch_response = true })
          -- callback raising: counted as a failure with the message, and re-raised
          self.client:get("/", { name = "raised", catch_response = true }, function(r) error("in callback") end)
        end)
        "#,
        Some(&server.url),
        1,
    );
    let snap = run.wait_for("requests", |s| count(s, "GET", "raised") >= 2);
    run.finish();
    assert_eq!(failures(&snap, "GET", "ok404"), 0, "{}", describe(&snap));
    assert_eq!(errors(&snap, "GET", "failed"), ["custom text"]);
    assert_eq!(
        errors(&snap, "GET", "default"),
        ["HTTPError('404 Client Error: Not Found for url: default')"]
    );
    assert_eq!(errors(&snap, "GET", "later"), ["decided later"]);
    assert_eq!(count(&snap, "GET", "undecided"), failures(&snap, "GET", "undecided"));
    assert!(count(&snap, "GET", "undecided") >= 1);
    let raised = errors(&snap, "GET", "raised");
    assert_eq!(raised.len(), 1);
    assert!(raised[0].ends_with("in callback"), "{raised:?}");
    assert!(raised[0].starts_with("test.lua:"), "{raised:?}");
    let exc = &snap.exceptions;
    assert_eq!(exc.len(), 1, "{}", describe(&snap));
    assert!(exc[0].message.starts_with("test.lua:17: in callback"), "{:?}", exc[0].message);
}

#[test]
fn exceptions_stop_user_and_quit() {
    let server = Server::start();
    let run = Run::start(
        r#"
        local cicada = require("cicada")
        local Boom = cicada.User:extend("Boom", { fixed_count = 1 })
        Boom:task(function(self)
          cicada.sleep(0.01)
          error("boom from task")
        end)
        local Stopper = cicada.User:extend("Stopper", { fixed_count = 1 })
        Stopper:task(function(self) self:stop() end)
        function Stopper:on_stop()
          cicada.events.request:fire { request_type = "on_stop", name = "stopper", response_time = 1 }
        end
        local Quitter = cicada.User:extend("Quitter", { fixed_count = 1 })
        Quitter:task(function(self)
          cicada.sleep(0.05)
          self.environment.runner:quit()
          error("not reached")
        end)
        "#,
        Some(&server.url),
        3,
    );
    loop {
        match run.control.events().recv_timeout(crate::util::DEADLINE) {
            Ok(RunEvent::QuitRequested) => break,
            Ok(_) => {}
            Err(e) => panic!("no QuitRequested event: {e}"),
        }
    }
    let snap = run.wait_for("the exception and on_stop", |s| {
        !s.exceptions.is_empty() && count(s, "on_stop", "stopper") == 1
    });
    let snap_final = run.finish();
    let exc = &snap.exceptions[0];
    assert_eq!(exc.message, "test.lua:6: boom from task");
    assert!(exc.traceback.contains("test.lua:6"), "{}", exc.traceback);
    assert!(!exc.traceback.contains("[cicada]"), "{}", exc.traceback);
    assert_eq!(snap_final.exceptions.len(), 1, "only Boom raised: {}", describe(&snap_final));
    assert_eq!(count(&snap_final, "on_stop", "stopper"), 1, "stopped once, not restarted");
}

#[test]
fn a_runaway_task_is_stopped_and_others_go_on() {
    let server = Server::start();
    let limits = ScenarioLimits { runaway_after: Duration::from_millis(300) };
    let run = Run::start_with(
        r#"
        local cicada = require("cicada")
        local Loop = cicada.User:extend("Loop", { fixed_count = 1 })
        Loop:task(function(self)
          while true do end
        end)
        local Catcher = cicada.User:extend("Catcher", { fixed_count = 1 })
        Catcher:task(function(self)
          while true do pcall(function() while true do end end) end
        end)
        local Web = cicada.HttpUser:extend("Web", { fixed_count = 1 })
        Web:task(function(self) self.client:get("/hello"); cicada.sleep(0.01) end)
        "#,
        Some(&server.url),
        3,
        limits,
    );
    // The web user's request proves the other users' shard kept running while they looped.
    let snap = run.wait_for("both loops stopped twice and a request made", |s| {
        let n = |line: &str| {
            s.exceptions.iter().find(|e| e.message.starts_with(line)).map_or(0, |e| e.count)
        };
        n("test.lua:5:") >= 2 && n("test.lua:9:") >= 2 && count(s, "GET", "/hello") >= 1
    });
    run.finish();
    let loop_exc = snap.exceptions.iter().find(|e| e.message.starts_with("test.lua:5:")).unwrap();
    assert_eq!(
        loop_exc.message,
        "test.lua:5: task ran 0.3s without yielding to the event loop (endless loop?)"
    );
    assert!(count(&snap, "GET", "/hello") >= 1, "{}", describe(&snap));
}

#[test]
fn coroutine_yield_gives_the_loop_a_turn() {
    let server = Server::start();
    let run = Run::start(
        r#"
        local cicada = require("cicada")
        local Yielder = cicada.HttpUser:extend("Yielder", { fixed_count = 1 })
        Yielder:task(function(self)
          for _ = 1, 200 do coroutine.yield() end
          -- Coroutines the script makes keep their semantics...
          local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
          assert(gen() == 1 and gen() == 2 and gen() == 3)
          local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end)
          local _, x = coroutine.resume(co, 1)
          local _, y = coroutine.resume(co, 5)
          assert(x == 2 and y == 10 and coroutine.status(co) == "dead")
          -- ...and async calls inside them wait in the task.
          local fetch = coroutine.wrap(function()
            coroutine.yield(self.client:get("/hello", { name = "in-coroutine" }).status_code)
          end)
          assert(fetch() == 200)
          cicada.measure("yield", "200 yields", function() end)
        end)
        -- A task that yields forever must not keep the others from running.
        local Spinner = cicada.User:extend("Spinner", { fixed_count = 1 })
        Spinner:task(function(self) while true do coroutine.yield() end end)
        local Web = cicada.HttpUser:extend("Web", { fixed_count = 1 })
        Web:task(function(self) self.client:get("/world") end)
        "#,
        Some(&server.url),
        3,
    );
    let snap = run.wait_for("both users to progress", |s| {
        count(s, "yield", "200 yields") >= 3 && count(s, "GET", "/world") >= 50
    });
    run.finish();
    assert!(snap.exceptions.is_empty(), "{}", describe(&snap));
    assert!(count(&snap, "GET", "in-coroutine") >= 3);
}

#[test]
fn request_options_reach_the_server() {
    let server = Server::start();
    let run = Run::start(
        r#"
        local cicada = require("cicada")
        local U = cicada.HttpUser:extend("U", { fixed_count = 1 })
        U:task(function(self)
          local r = self.client:post("/echo", {
            params = { q = "a b", n = 1 },
            data = { x = "1" },
            headers = { ["X-Test"] = "yes" },
            auth = { "user", "pass" },
            cookies = { c = "v" },
          })
          local seen = r:json()
          assert(seen.target == "/echo?n=1&q=a+b", seen.target)
          assert(seen.body == "x=1", seen.body)
          assert(seen.headers["content-type"] == "application/x-www-form-urlencoded")
          assert(seen.headers["x-test"] == "yes")
          assert(seen.headers["authorization"] == "Basic dXNlcjpwYXNz")
          assert(seen.headers["cookie"]:find("c=v"), seen.headers["cookie"])
          assert(r.headers["content-type"] == "application/json")
          assert(r.headers["Content-Type"] == "application/json")
          assert(r.headers["x-multi"] == "a, b", r.headers["x-multi"])
          local j = self.client:get("/json"):json()
          assert(j.a[2] == 2 and j.b == "x" and j.n == nil)
          local ok, err = pcall(function() return self.client:get("/"):json() end)
          assert(not ok and tostring(err):find("not valid JSON"), tostring(err))
          self.client:get("/cookie")
          local again = self.client:get("/echo"):json()
          assert(again.headers["cookie"] == "sid=abc", tostring(again.headers["cookie"]))
          self.client:put("/p"); self.client:patch("/p"); self.client:delete("/p")
          self.client:head("/p"); self.client:options("/p"); self.client:request("TRACE", "/p")
          cicada.measure("done", "options", function() end)
          self:stop()
        end)
        "#,
        Some(&server.url),
        1,
    );
    let snap =
        run.wait_for("the task", |s| count(s, "done", "options") == 1 || !s.exceptions.is_empty());
    run.finish();
    assert!(snap.exceptions.is_empty(), "{}", describe(&snap));
    for method in ["PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"] {
        assert_eq!(count(&snap, method, "/p"), 1, "{method}");
    }
    assert_eq!(count(&snap, "POST", "/echo?n=1&q=a+b"), 1, "{}", describe(&snap));
}

#[test]
fn events_measure_and_environment() {
    let server = Server::start();
    let run = Run::start(
        r#"
        local cicada = require("cicada")
        local seen, inits, starts = {}, 0, 0
        cicada.events.init:add_listener(function(env) inits = inits + 1 end)
        cicada.events.test_start:add_listener(function(env) starts = starts + 1 end)
        cicada.events.request:add_listener(function(r)
          seen[#seen + 1] = r
        end)
        local removed = cicada.events.request:add_listener(function(r) error("removed listener called") end)
        assert(cicada.events.request:remove_listener(removed))
        cicada.events.test_stop:add_listener(function(env)
          cicada.events.request:fire { request_type = "event", name = "test_stop", response_time = 1 }
        end)
        cicada.events.quitting:add_listener(function(env)
          cicada.events.request:fire { request_type = "event", name = "quitting", response_time = 1 }
        end)
        local U = cicada.HttpUser:extend("U", { fixed_count = 1, wait_time = function(self) return 0.001 end })
        U:task(function(self)
          assert(inits == 1 and starts == 1, "init and test_start fired once")
          assert(self.environment.host ~= nil and self.environment.parsed_options ~= nil)
          self.client:get("/missing", { context = { who = "me" } })
          local r = seen[#seen]
          assert(r.request_type == "GET" and r.name == "/missing" and r.response_length == 2)
          assert(type(r.response_time) == "number" and r.exception:find("404"))
          assert(r.context.who == "me" and r.response.status_code == 404)
          local v = cicada.measure("custom", "ok", function(a) cicada.sleep(0.001) return a + 1 end, 1)
          assert(v == 2)
          local ok = pcall(cicada.measure, "custom", "bad", function() error("measured failure") end)
          assert(not ok)
          assert(seen[#seen].exception:find("measured failure"))
          local ok, e = pcall(function() self.client:get("/missing"):raise_for_status() end)
          assert(not ok and tostring(e):find("HTTPError%('404 Client Error"), tostring(e))
          cicada.events.request:fire { request_type = "manual", name = "fired", response_time = 12.5, response_length = 3 }
          cicada.stop_user()
        end)
        "#,
        Some(&server.url),
        1,
    );
    let snap =
        run.wait_for("the task", |s| count(s, "manual", "fired") == 1 || !s.exceptions.is_empty());
    let last = run.finish();
    assert!(snap.exceptions.is_empty(), "{}", describe(&snap));
    assert_eq!(count(&last, "event", "test_stop"), 1, "{}", describe(&last));
    assert_eq!(count(&last, "event", "quitting"), 1, "{}", describe(&last));
    assert_eq!(count(&snap, "custom", "ok"), 1);
    assert_eq!(failures(&snap, "custom", "bad"), 1);
    let bad = errors(&snap, "custom", "bad");
    assert!(bad[0].starts_with("test.lua:") && bad[0].ends_with("measured failure"), "{bad:?}");
}

#[test]
fn a_request_without_host_raises_in_the_task() {
    let run = Run::start(
        r#"
        local cicada = require("cicada")
        local U = cicada.HttpUser:extend("U", { fixed_count = 1 })
        U:task(function(self)
          self.client:get("/x")
        end)
        "#,
        None,
        1,
    );
    let snap = run.wait_for("the exception", |s| !s.exceptions.is_empty());
    run.finish();
    assert_eq!(
        snap.exceptions[0].message,
        "test.lua:5: No host given: pass --host or set host on the user class"
    );
}
