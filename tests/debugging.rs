//! Debugging aids: `--check` validates a scenario without running it, and `--single-user`
//! runs one user and prints each request as Locust's `run_single_user` does.

use crate::util::{cicada, lua, write_script, CliOutput, TestServer};

fn assert_code(out: &CliOutput, code: i32) {
    assert_eq!(out.code, Some(code), "{}", out.dump());
}

/// Two classes; the second one's only task is tagged `slow`.
fn two_classes() -> String {
    lua(
        r#"
local Web = cicada.HttpUser:extend("Web", { weight = 3, wait_time = cicada.between(1, 2) })
Web:task(2, { name = "index" }, function(self) self.client:get("/hello") end)
Web:task({ name = "report", tags = { "slow" } }, function(self) self.client:get("/world") end)
local Admin = cicada.HttpUser:extend("Admin", { fixed_count = 1 })
Admin:task({ name = "audit", tags = { "slow" } }, function(self) self.client:get("/hello") end)
"#,
        &[],
    )
}

#[test]
fn check_lists_classes_and_tasks_and_sends_nothing() {
    let script = write_script("check.lua", &two_classes());
    let server = TestServer::start();
    let out = cicada(&["-f", script.path_str(), "-H", &server.url(), "--check"]);
    assert_code(&out, 0);
    let want = format!(
        "{}: OK\nUser classes:\n\
         \x20   Web (weight 3, wait_time between(1, 2)): 2 tasks\n\
         \x20       index (weight 2)\n\
         \x20       report (weight 1, tags slow)\n\
         \x20   Admin (fixed_count 1, wait_time constant(0)): 1 task\n\
         \x20       audit (weight 1, tags slow)\n",
        script.path_str()
    );
    assert_eq!(out.stdout, want, "{}", out.dump());
    assert_eq!(server.total(), 0, "{:?}", server.lines());
}

#[test]
fn check_applies_tags_and_class_names_as_a_run_does() {
    let script = write_script("check.lua", &two_classes());
    let out = cicada(&["-f", script.path_str(), "--check", "-E", "slow"]);
    assert_code(&out, 0);
    assert!(out.stdout.contains("index (weight 2)"), "{}", out.dump());
    assert!(!out.stdout.contains("report"), "{}", out.dump());
    assert!(
        out.stdout.contains("Admin (fixed_count 1, wait_time constant(0)): no task left"),
        "{}",
        out.dump()
    );

    let out = cicada(&["-f", script.path_str(), "Admin", "--check", "-E", "slow"]);
    assert_code(&out, 1);
    assert!(out.stderr.contains("No user class has a task to run"), "{}", out.dump());
    assert_eq!(out.stdout, "", "{}", out.dump());

    let out = cicada(&["-f", script.path_str(), "--check", "Nobody"]);
    assert_code(&out, 1);
    assert!(out.stderr.contains("Unknown User(s): Nobody"), "{}", out.dump());
}

#[test]
fn check_reports_a_syntax_error_with_file_and_line() {
    let script =
        write_script("broken.lua", "local cicada = require(\"cicada\")\n\nlocal x = = 1\n");
    let out = cicada(&["-f", script.path_str(), "--check"]);
    assert_code(&out, 1);
    assert!(out.stderr.contains("broken.lua:3:"), "{}", out.dump());
    assert_eq!(out.stdout, "", "{}", out.dump());
}

/// Three requests (one a 404), then StopUser.
const THREE_REQUESTS: &str = r#"
local User = cicada.HttpUser:extend("Single")
User:task(function(self)
  self.client:get("/hello")
  self.client:get("/does-not-exist")
  self.client:get("/world?a=1", { name = "/world?a=[x]", context = { k = "v" } })
  error(cicada.StopUser)
end)
"#;

#[test]
fn single_user_prints_each_request_like_run_single_user() {
    let script = write_script("single.lua", &lua(THREE_REQUESTS, &[]));
    let server = TestServer::start();
    let out = cicada(&["-f", script.path_str(), "-H", &server.url(), "--single-user"]);
    // A request failed: Locust's exit rule, as in any run.
    assert_code(&out, 1);
    let lines: Vec<&str> = out.stdout.split_inclusive('\n').collect();
    assert_eq!(lines.len(), 5, "{}", out.dump());
    assert_eq!(lines[0], "\n");
    assert_eq!(lines[1], format!("type\t{:<50}\tresp_ms\texception\t\t\n", "name"));
    let names: Vec<&str> = lines[2..].iter().map(|l| l.split('\t').nth(1).unwrap_or("")).collect();
    assert_eq!(
        names,
        [
            format!("{:<50}", "/hello"),
            format!("{:<50}", "/does-not-exist"),
            format!("{:<50}", "/world?a=[x]")
        ]
    );
    let not_found: Vec<&str> = lines[3].split('\t').collect();
    assert_eq!(not_found[0], "GET");
    assert!(not_found[3].starts_with("HTTPError('404 Client Error"), "{}", out.dump());
    assert!(not_found[3].contains("/does-not-exist"), "{}", out.dump());
    for ok in [lines[2], lines[4]] {
        assert!(ok.ends_with("\t         \t\n"), "no error column: {ok:?}");
    }
    assert_eq!(server.total(), 3, "{:?}", server.lines());
}

#[test]
fn single_user_adds_the_optional_columns() {
    let script = write_script("single.lua", &lua(THREE_REQUESTS, &[]));
    let server = TestServer::start();
    let out = cicada(&[
        "-f",
        script.path_str(),
        "-H",
        &server.url(),
        "--single-user",
        "--single-user-include",
        "length,time,context",
    ]);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[1],
        format!(
            "time                    \ttype\t{:<50}\tresp_ms\tlength\texception\tcontext\t\t",
            "name"
        ),
        "{}",
        out.dump()
    );
    let first: Vec<&str> = lines[2].split('\t').collect();
    assert!(first[0].ends_with("+00:00") && first[0].len() >= 25, "{}", out.dump());
    assert_eq!(first[1], "GET");
    assert!(first[4].parse::<u64>().is_ok(), "a length: {}", out.dump());
    assert_eq!(first[6], "", "no context: {}", out.dump());
    let third: Vec<&str> = lines[4].split('\t').collect();
    assert_eq!(third[6], r#"{"k":"v"}"#, "{}", out.dump());
    assert_eq!(server.total(), 3, "{:?}", server.lines());

    let out = cicada(&["-f", script.path_str(), "--single-user", "--single-user-include", "x"]);
    assert_code(&out, 2);
    assert!(out.stderr.contains("--single-user-include"), "{}", out.dump());
}

#[test]
fn single_user_prints_task_errors_with_their_traceback() {
    let script = write_script(
        "boom.lua",
        &lua(
            r#"
local User = cicada.HttpUser:extend("Boom")
local function explode() error("boom from task") end
User:task(function(self)
  self.client:get("/hello")
  self.n = (self.n or 0) + 1
  if self.n > 1 then error(cicada.StopUser) end
  explode()
end)
"#,
            &[],
        ),
    );
    let server = TestServer::start();
    let out = cicada(&["-f", script.path_str(), "-H", &server.url(), "--single-user"]);
    assert_code(&out, 1);
    // Line 10 of the file: the prelude takes the first lines.
    assert!(out.stderr.contains("boom.lua:10: boom from task\nstack traceback:"), "{}", out.dump());
    assert!(out.stderr.contains("boom.lua:10: in upvalue 'explode'"), "{}", out.dump());
    assert_eq!(out.stdout.lines().count(), 4, "two requests: {}", out.dump());
    assert_eq!(server.total(), 2, "{:?}", server.lines());
}

#[test]
fn single_user_stops_at_the_run_time() {
    let script = write_script(
        "forever.lua",
        &lua(
            r#"
local User = cicada.HttpUser:extend("Forever", { wait_time = cicada.constant(0.05) })
User:task(function(self) self.client:get("/hello") end)
"#,
            &[],
        ),
    );
    let server = TestServer::start();
    let out = cicada(&["-f", script.path_str(), "-H", &server.url(), "--single-user", "-t", "1s"]);
    assert_code(&out, 0);
    let requests = out.stdout.lines().skip(2).count() as u64;
    assert!(requests > 0, "{}", out.dump());
    assert_eq!(server.total(), requests, "every request printed");
}
