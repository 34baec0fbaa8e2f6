//! What `-f` loads and how: `require` of modules beside the locustfile (on every shard),
//! several files and directories as one scenario, `abstract` classes and `--equal-weights`.

use crate::util::{self, cicada, TempDir, TestServer, PRELUDE};

fn assert_code(out: &util::CliOutput, code: i32) {
    assert_eq!(out.code, Some(code), "{}", out.dump());
}

fn path(dir: &TempDir, name: &str) -> String {
    dir.path().join(name).to_str().expect("temp paths are UTF-8").to_owned()
}

/// Write `name` (creating its parent directories) under `dir`.
fn write(dir: &TempDir, name: &str, text: &str) {
    let file = dir.path().join(name);
    std::fs::create_dir_all(file.parent().expect("a parent")).expect("create dirs");
    std::fs::write(file, text).expect("write a file");
}

/// A class `name` whose users each request `/p/<name>` `k` times, then stop.
fn counting_class(name: &str, k: u32) -> String {
    format!(
        "{PRELUDE}local C = cicada.HttpUser:extend(\"{name}\")\n\
         C:task(function(self)\n  self.client:get(\"/p/{name}\")\n  after(self, {k})\nend)\n"
    )
}

#[test]
fn require_finds_modules_beside_the_locustfile_on_every_shard() {
    let server = TestServer::start();
    let dir = TempDir::new();
    write(
        &dir,
        "helpers.lua",
        "local M = {}\nfunction M.visit(self)\n  self.client:get(M.path)\nend\nreturn M\n",
    );
    write(&dir, "lib/util.lua", "return { path = '/p/from-util' }\n");
    write(
        &dir,
        "locustfile.lua",
        &format!(
            "{PRELUDE}local helpers = require('helpers')\n\
             helpers.path = require('lib.util').path\n\
             local U = cicada.HttpUser:extend('U')\n\
             U:task(function(self)\n  helpers.visit(self)\n  after(self, 3)\nend)\n"
        ),
    );
    let f = path(&dir, "locustfile.lua");
    let out = cicada(&[
        "-f",
        &f,
        "-H",
        &server.url(),
        "--headless",
        "-u",
        "4",
        "-r",
        "100",
        "-t",
        "2s",
        "--processes",
        "2",
    ]);
    assert_code(&out, 0);
    assert_eq!(out.final_table().row("GET", "/p/from-util").map(|r| r.reqs), Some(12));
    assert_eq!(server.count("GET", "/p/from-util"), 12);
}

#[test]
fn an_error_inside_a_required_module_names_the_module_and_line() {
    let server = TestServer::start();
    let dir = TempDir::new();
    write(
        &dir,
        "helpers.lua",
        "local M = {}\nfunction M.fail()\n  error('boom in helper')\nend\nreturn M\n",
    );
    write(
        &dir,
        "locustfile.lua",
        &format!(
            "{PRELUDE}local helpers = require('helpers')\n\
             local U = cicada.HttpUser:extend('U')\n\
             U:task(function(self)\n  after(self, 2)\n  helpers.fail()\nend)\n"
        ),
    );
    let f = path(&dir, "locustfile.lua");
    let out = cicada(&["-f", &f, "-H", &server.url(), "--headless", "-u", "1", "-t", "2s"]);
    assert_code(&out, 1);
    let at = format!("{}:3: boom in helper", path(&dir, "helpers.lua"));
    assert!(out.stderr.contains(&at), "expected {at:?}\n{}", out.dump());

    // An error while the module loads stops the start, named the same way.
    write(&dir, "helpers.lua", "local x = nil\nreturn x.field\n");
    let out = cicada(&["-f", &f, "--list"]);
    assert_code(&out, 1);
    let at = format!("{}:2:", path(&dir, "helpers.lua"));
    assert!(out.stderr.contains(&at), "expected {at:?}\n{}", out.dump());
}

#[test]
fn comma_separated_locustfiles_make_one_scenario() {
    let server = TestServer::start();
    let dir = TempDir::new();
    write(&dir, "a.lua", &counting_class("Alpha", 3));
    write(&dir, "b.lua", &counting_class("Beta", 2));
    let files = format!("{},{}", path(&dir, "b.lua"), path(&dir, "a.lua"));
    let out = cicada(&["-f", &files, "--list"]);
    assert_code(&out, 0);
    assert_eq!(out.stdout, "Available Users:\n    Beta\n    Alpha\n", "in -f order");

    let out = cicada(&[
        "-f",
        &files,
        "-H",
        &server.url(),
        "--headless",
        "-u",
        "2",
        "-r",
        "100",
        "-t",
        "2s",
        "--processes",
        "1",
    ]);
    assert_code(&out, 0);
    let table = out.final_table();
    assert_eq!(table.row("GET", "/p/Alpha").map(|r| r.reqs), Some(3), "{}", out.dump());
    assert_eq!(table.row("GET", "/p/Beta").map(|r| r.reqs), Some(2), "{}", out.dump());
}

#[test]
fn a_directory_loads_its_locustfiles_recursively_skipping_underscored_ones() {
    let dir = TempDir::new();
    write(&dir, "b.lua", &counting_class("Bee", 1));
    write(&dir, "a.lua", &counting_class("Ant", 1));
    write(&dir, "sub/c.lua", &counting_class("Cat", 1));
    write(&dir, "_ignored.lua", "error('a file starting with _ is not a locustfile')\n");
    write(&dir, "notes.txt", "not Lua");
    let out = cicada(&["-f", dir.path().to_str().expect("UTF-8"), "--list"]);
    assert_code(&out, 0);
    assert_eq!(out.stdout, "Available Users:\n    Ant\n    Bee\n    Cat\n", "{}", out.dump());

    let empty = TempDir::new();
    write(&empty, "_only.lua", &counting_class("Hidden", 1));
    let out = cicada(&["-f", empty.path().to_str().expect("UTF-8"), "--list"]);
    assert_code(&out, 1);
    assert!(out.stderr.contains("Could not find any locustfiles in directory"), "{}", out.dump());
}

#[test]
fn a_class_name_in_two_files_is_an_error_naming_both() {
    let dir = TempDir::new();
    write(&dir, "a.lua", &counting_class("Same", 1));
    write(&dir, "b.lua", &counting_class("Same", 1));
    let files = format!("{},{}", path(&dir, "a.lua"), path(&dir, "b.lua"));
    let out = cicada(&["-f", &files, "--list"]);
    assert_code(&out, 1);
    let line = PRELUDE.lines().count() + 1;
    let expected = format!(
        "{}:{line}: a user class named Same already exists ({}:{line})",
        path(&dir, "b.lua"),
        path(&dir, "a.lua")
    );
    assert!(out.stderr.contains(&expected), "expected {expected:?}\n{}", out.dump());
}

/// A locustfile with an abstract base whose task its subclass inherits.
const ABSTRACT: &str = r#"
local Base = cicada.HttpUser:extend("Base", { abstract = true, weight = 3 })
Base:task(3, { name = "inherited" }, function(self)
  self.client:get("/p/base")
  after(self, 2)
end)
local Concrete = Base:extend("Concrete")
Concrete:task(1, { name = "own" }, function(self) end)
local Other = cicada.HttpUser:extend("Other")
Other:task(1, { name = "other" }, function(self) end)
"#;

#[test]
fn abstract_classes_are_neither_listed_nor_run() {
    let server = TestServer::start();
    let dir = TempDir::new();
    write(&dir, "locustfile.lua", &format!("{PRELUDE}{ABSTRACT}"));
    let f = path(&dir, "locustfile.lua");
    let out = cicada(&["-f", &f, "--list"]);
    assert_code(&out, 0);
    assert_eq!(out.stdout, "Available Users:\n    Concrete\n    Other\n");

    let out = cicada(&["-f", &f, "-H", &server.url(), "--headless", "-t", "1s", "Base"]);
    assert_code(&out, 1);
    assert!(out.stderr.contains("Unknown User(s): Base"), "{}", out.dump());

    // One Concrete user: it runs the inherited task until it stops itself, and never Base.
    let out =
        cicada(&["-f", &f, "-H", &server.url(), "--headless", "-u", "1", "-t", "2s", "Concrete"]);
    assert_code(&out, 0);
    assert_eq!(server.count("GET", "/p/base"), 2, "{}", out.dump());
}

/// A class's name, its share of the users and its tasks' `(name, ratio)`.
type ClassRatio = (String, f64, Vec<(String, f64)>);

/// Each class of `--show-task-ratio-json`'s `total`, in printed order.
fn total_ratios(stdout: &str) -> Vec<ClassRatio> {
    let v: serde_json::Value = serde_json::from_str(stdout).expect("JSON on stdout");
    let total = v["total"].as_object().expect("a total object");
    total
        .iter()
        .map(|(class, c)| {
            let tasks = c["tasks"].as_object().expect("tasks");
            let tasks = tasks.iter().map(|(t, r)| (t.clone(), r["ratio"].as_f64().expect("ratio")));
            (class.clone(), c["ratio"].as_f64().expect("ratio"), tasks.collect())
        })
        .collect()
}

#[test]
fn equal_weights_give_every_class_and_task_the_same_weight() {
    let dir = TempDir::new();
    write(&dir, "locustfile.lua", &format!("{PRELUDE}{ABSTRACT}"));
    let f = path(&dir, "locustfile.lua");
    let weighted = cicada(&["-f", &f, "--show-task-ratio-json"]);
    assert_code(&weighted, 0);
    let t = |name: &str, r: f64| (name.to_owned(), r);
    assert_eq!(
        total_ratios(&weighted.stdout),
        [
            ("Concrete".to_owned(), 0.75, vec![t("inherited", 0.5625), t("own", 0.1875)]),
            ("Other".to_owned(), 0.25, vec![t("other", 0.25)]),
        ]
    );
    let equal = cicada(&["-f", &f, "--show-task-ratio-json", "--equal-weights"]);
    assert_code(&equal, 0);
    assert_eq!(
        total_ratios(&equal.stdout),
        [
            ("Concrete".to_owned(), 0.5, vec![t("inherited", 0.25), t("own", 0.25)]),
            ("Other".to_owned(), 0.5, vec![t("other", 0.5)]),
        ]
    );
}
