//! Loading scripts: what they declare, and how broken ones are reported. No engine runs.

use std::time::Duration;

use cicada_engine::{TaskSpec, WaitTime};
use cicada_scripting::{LuaScenario, ScenarioLimits, ScriptError};

fn load(src: &str) -> LuaScenario {
    match LuaScenario::from_source("test.lua", src) {
        Ok(s) => s,
        Err(e) => panic!("script failed to load: {e}"),
    }
}

fn load_err(src: &str) -> ScriptError {
    match LuaScenario::from_source("test.lua", src) {
        Ok(_) => panic!("script loaded but should not have"),
        Err(e) => e,
    }
}

const QUICKSTART: &str = r#"
local cicada = require("cicada")
local User = cicada.HttpUser:extend("QuickstartUser", { wait_time = cicada.between(1, 5), weight = 3 })
function User:on_start() self.client:post("/login", { json = { username = "foo", password = "bar" } }) end
User:task(1, function(self) self.client:get("/hello"); self.client:get("/world") end)
User:task(3, { tags = { "items" } }, function(self)
  for id = 0, 9 do self.client:get("/item?id=" .. id, { name = "/item" }); cicada.sleep(1) end
end)
User:task(function(self)
  self.client:get("/", { catch_response = true }, function(resp)
    if resp.text ~= "Success" then resp:failure("Got wrong response") end
  end)
end)
"#;

#[test]
fn quickstart_declares_its_class() {
    let s = load(QUICKSTART);
    let classes = s.classes();
    assert_eq!(classes.len(), 1);
    let c = &classes[0];
    assert_eq!(c.name, "QuickstartUser");
    assert_eq!(c.weight, 3);
    assert_eq!(c.fixed_count, None);
    assert_eq!(c.wait_time, WaitTime::Between(1.0, 5.0));
    assert_eq!(c.host, None);
    let weights: Vec<u32> = c.tasks.iter().map(|t| t.weight).collect();
    assert_eq!(weights, [1, 3, 1]);
    assert_eq!(c.tasks[0].name, "test.lua:5");
    assert_eq!(c.tasks[1].tags, ["items"]);
    assert_eq!(c.tasks[2].name, "test.lua:9");
}

#[test]
fn task_names_weights_and_tags() {
    let s = load(
        r#"
        local cicada = require("cicada")
        local U = cicada.User:extend("U", { tags = { "cls" } })
        function U:index() end
        U:task(U.index)
        U:task(2, { name = "named", tags = { "a", "cls" } }, function() end)
        U:task({ weight = 5 }, function() end)
        U:task(0, function() end)
        "#,
    );
    let t = &s.classes()[0].tasks;
    assert_eq!(t[0], TaskSpec { name: "index".into(), weight: 1, tags: vec!["cls".into()] });
    assert_eq!(
        t[1],
        TaskSpec { name: "named".into(), weight: 2, tags: vec!["a".into(), "cls".into()] }
    );
    assert_eq!(t[2].weight, 5);
    assert_eq!(t[3].weight, 0);
}

#[test]
fn tasks_declared_as_a_table() {
    let s = load(
        r#"
        local cicada = require("cicada")
        local U = cicada.User:extend("U")
        function U.a() end
        U.tasks = { [U.a] = 3 }
        "#,
    );
    assert_eq!(s.classes()[0].tasks, [TaskSpec { name: "a".into(), weight: 3, tags: vec![] }]);
}

#[test]
fn wait_times_and_attributes() {
    let s = load(
        r#"
        local cicada = require("cicada")
        local function t(c) c:task(function() end) return c end
        t(cicada.User:extend("A", { wait_time = cicada.constant(2) }))
        t(cicada.User:extend("B", { wait_time = cicada.constant_pacing(1.5), fixed_count = 4 }))
        t(cicada.User:extend("C", { wait_time = cicada.constant_throughput(10), host = "http://x:1" }))
        t(cicada.User:extend("D", { wait_time = function(self) return 1 end }))
        t(cicada.HttpUser:extend("E", { pool = "shared", verify = false, connect_timeout = 2, network_timeout = 3 }))
        local F = t(cicada.User:extend("F", { fixed_count = 0 }))
        F.weight = 7
        "#,
    );
    let c = s.classes();
    assert_eq!(c[0].wait_time, WaitTime::Constant(2.0));
    assert_eq!(c[1].wait_time, WaitTime::ConstantPacing(1.5));
    assert_eq!(c[1].fixed_count, Some(4));
    assert_eq!(c[2].wait_time, WaitTime::ConstantThroughput(10.0));
    assert_eq!(c[2].host.as_deref(), Some("http://x:1"));
    assert_eq!(c[3].wait_time, WaitTime::Custom);
    assert_eq!(c[4].wait_time, WaitTime::Constant(0.0));
    assert_eq!(c[5].fixed_count, None);
    assert_eq!(c[5].weight, 7);
}

#[test]
fn subclasses_inherit_tasks_attributes_and_methods() {
    let s = load(
        r#"
        local cicada = require("cicada")
        local Base = cicada.HttpUser:extend("Base", { abstract = true, wait_time = cicada.constant(1), weight = 2, host = "http://h" })
        function Base:helper() return 1 end
        Base:task(function(self) self:helper() end)
        local Web = Base:extend("Web")
        Web:task(2, function() end)
        local Admin = Web:extend("Admin", { weight = 5, tags = { "admin" } })
        Admin:task(function() end)
        "#,
    );
    let c = s.classes();
    let names: Vec<&str> = c.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Web", "Admin"], "Base is abstract");
    assert_eq!(c[0].tasks.len(), 2);
    assert_eq!(c[0].weight, 2);
    assert_eq!(c[0].wait_time, WaitTime::Constant(1.0));
    assert_eq!(c[0].host.as_deref(), Some("http://h"));
    assert_eq!(c[1].tasks.len(), 3);
    assert_eq!(c[1].weight, 5);
    assert!(c[1].tasks.iter().all(|t| t.tags == ["admin"]));
}

#[test]
fn syntax_errors_name_file_and_line() {
    let e = load_err("local x = 1\nlocal = 2\n");
    assert!(matches!(e, ScriptError::Syntax(_)), "{e:?}");
    assert!(e.to_string().starts_with("test.lua:2:"), "{e}");
}

#[test]
fn runtime_errors_name_file_and_line() {
    let e = load_err("local cicada = require('cicada')\n\nerror('boom')\n");
    assert!(matches!(e, ScriptError::Runtime(_)), "{e:?}");
    assert_eq!(e.to_string(), "test.lua:3: boom");
    let e = load_err("local cicada = require('cicada')\nlocal w = cicada.between(-1, 2)\n");
    assert!(e.to_string().starts_with("test.lua:2: between:"), "{e}");
    let e = load_err(
        "local cicada = require('cicada')\nlocal U = cicada.User:extend('U')\nU:task('x')\n",
    );
    assert!(e.to_string().starts_with("test.lua:3: task needs a function"), "{e}");
}

#[test]
fn a_script_without_classes_is_refused() {
    let e = load_err("local cicada = require('cicada')\n");
    assert!(matches!(e, ScriptError::NoUserClass(_)));
    assert_eq!(
        e.to_string(),
        "No User class found in test.lua: define one with cicada.HttpUser:extend(\"Name\", {...})"
    );
    let e = load_err("local c = require('cicada')\nc.User:extend('A', { abstract = true })\n");
    assert!(matches!(e, ScriptError::NoUserClass(_)));
}

#[test]
fn a_class_without_tasks_is_refused() {
    let e = load_err("local cicada = require('cicada')\n\ncicada.HttpUser:extend('Lazy', {})\n");
    assert_eq!(e.to_string(), "test.lua:3: Lazy has no tasks: add one with Lazy:task(fn)");
}

#[test]
fn bad_attributes_are_refused() {
    for (attrs, expected) in [
        ("{ weight = -1 }", "U.weight must be a whole number"),
        ("{ wait_time = 'x' }", "U.wait_time must be cicada.between"),
        ("{ host = 'example.com' }", "U.host must start with http://"),
        ("{ pool = 'x' }", "U.pool must be"),
        ("{ pool = 'shared', pool_size = 0 }", "U.pool_size must be a whole number"),
        ("{ network_timeout = 0 }", "U.network_timeout must be"),
    ] {
        let src = format!(
            "local c = require('cicada')\nlocal U = c.HttpUser:extend('U', {attrs})\nU:task(function() end)\n"
        );
        let e = load_err(&src);
        assert!(e.to_string().starts_with("test.lua:2: "), "{e}");
        assert!(e.to_string().contains(expected), "{e}");
    }
    let e = load_err("local c = require('cicada')\nc.User:extend('A')\nc.User:extend('A')\n");
    assert!(e.to_string().contains("a user class named A already exists (test.lua:2)"), "{e}");
}

#[test]
fn reading_a_missing_file_fails_with_its_path() {
    let e = LuaScenario::load(std::path::Path::new("/nonexistent/locustfile.lua")).err().unwrap();
    assert!(matches!(e, ScriptError::Read { .. }));
    assert_eq!(e.to_string(), "cannot read /nonexistent/locustfile.lua");
}

#[test]
fn load_reads_files_and_requires_beside_them() {
    let dir = std::env::temp_dir().join(format!("cicada-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("helpers.lua"), "return { weight = 4 }\n").unwrap();
    let main = dir.join("locustfile.lua");
    std::fs::write(
        &main,
        "local c = require('cicada')\nlocal h = require('helpers')\n\
         c.User:extend('U', { weight = h.weight }):task(function() end)\n",
    )
    .unwrap();
    let s = LuaScenario::load(&main).unwrap();
    assert_eq!(s.classes()[0].weight, 4);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_script_that_never_returns_is_stopped() {
    let limits = ScenarioLimits { runaway_after: Duration::from_millis(200) };
    let e = LuaScenario::from_source_with(
        "loop.lua",
        "local x = 0\nwhile true do x = x + 1 end\n",
        limits,
    )
    .err()
    .unwrap();
    let msg = e.to_string();
    assert!(msg.starts_with("loop.lua:2: script ran 0.2s without yielding"), "{msg}");
}

#[test]
fn os_exit_is_disabled() {
    let e = load_err("os.exit(1)\n");
    assert!(e.to_string().contains("test.lua:1: os.exit is disabled"), "{e}");
}

#[test]
fn the_examples_load() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut loaded = 0;
    for entry in std::fs::read_dir(&dir).expect("examples/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "lua") {
            if let Err(e) = LuaScenario::load(&path) {
                panic!("{} does not load: {e}", path.display());
            }
            loaded += 1;
        }
    }
    assert!(loaded >= 2, "examples found: {loaded}");
}
