//! The `cicada` binary as a Locust user runs it: headless runs and their console report,
//! exit codes, start-up errors, `--list` and `--show-task-ratio`, tags and class names,
//! `--processes`, `--stop-timeout`, Ctrl-C and the built-in demo.

use std::time::Duration;

use crate::util::{self, cicada, lua, write_script, CliProcess, Script, TestServer};

/// Locust 2.47's request-table header and separator with a name column of 80 (stderr is not
/// a terminal), copied from `reference/samples/headless_ok/stderr_console.txt`.
const TABLE_HEADER: &str = "Type     Name                                                                          # reqs      # fails |    Avg     Min     Max    Med |   req/s  failures/s";
const TABLE_SEPARATOR: &str = "--------|----------------------------------------------------------------------------|-------|-------------|-------|-------|-------|-------|--------|-----------";

/// A user that makes `K` requests to `/hello` and then stops itself.
fn counting_script(k: u32) -> String {
    lua(
        r#"
local User = cicada.HttpUser:extend("Quick")
User:task(function(self)
  self.client:get("/hello")
  after(self, $K)
end)
"#,
        &[("K", &k)],
    )
}

fn assert_code(out: &util::CliOutput, code: i32) {
    assert_eq!(out.code, Some(code), "{}", out.dump());
}

/// `-f <script> -H <host> --headless` followed by the words of `rest`.
fn headless_args(script: &Script, host: &str, rest: &str) -> Vec<String> {
    let mut args: Vec<String> =
        ["-f", script.path_str(), "-H", host, "--headless"].map(String::from).to_vec();
    args.extend(rest.split_whitespace().map(String::from));
    args
}

/// Run `cicada -f <script> -H <host> --headless <rest>` to the end.
fn headless(script: &Script, host: &str, rest: &str) -> util::CliOutput {
    let args = headless_args(script, host, rest);
    cicada(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn a_clean_headless_run_reports_exact_counts_and_exits_0() {
    let server = TestServer::start();
    let script = write_script("quick.lua", &counting_script(5));
    let out = headless(&script, &server.url(), "-u 3 -r 100 -t 1s --processes 1");
    assert_code(&out, 0);
    assert!(out.stdout.is_empty(), "a headless run writes nothing to stdout: {}", out.dump());
    let table = out.final_table();
    assert_eq!(
        table.rows,
        [util::Row { kind: "GET".into(), name: "/hello".into(), reqs: 15, fails: 0 }],
        "{}",
        out.dump()
    );
    assert_eq!((table.aggregated.name.as_str(), table.aggregated.reqs), ("Aggregated", 15));
    assert_eq!(server.count("GET", "/hello"), 15);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert!(lines.contains(&TABLE_HEADER), "Locust's exact table header:\n{}", out.stderr);
    assert!(lines.contains(&TABLE_SEPARATOR), "Locust's exact separator:\n{}", out.stderr);
    assert!(
        lines.iter().any(|l| l.starts_with("         Aggregated ")),
        "the Aggregated row starts with 9 spaces:\n{}",
        out.stderr
    );
    assert!(out.stderr.contains("Response time percentiles (approximated)"), "{}", out.dump());
    assert!(!out.stderr.contains("Error report"), "{}", out.dump());
}

#[test]
fn failures_exit_with_1_and_an_error_report() {
    let server = TestServer::start();
    let script = write_script(
        "fail.lua",
        &lua(
            r#"
local User = cicada.HttpUser:extend("Failing")
User:task(function(self)
  self.client:get("/status/500")
  after(self, 3)
end)
"#,
            &[],
        ),
    );
    let out = headless(&script, &server.url(), "-u 1 -r 10 -t 1s");
    assert_code(&out, 1);
    let table = out.final_table();
    assert_eq!(table.row("GET", "/status/500").map(|r| (r.reqs, r.fails)), Some((3, 3)));
    assert!(out.stderr.contains("Error report"), "{}", out.dump());
    assert!(out.stderr.contains("3                  GET /status/500: "), "{}", out.dump());

    let out = headless(&script, &server.url(), "-u 1 -r 10 -t 1s --exit-code-on-error 3");
    assert_code(&out, 3);
}

#[test]
fn exceptions_exit_with_1() {
    let server = TestServer::start();
    let script = write_script(
        "boom.lua",
        &lua(
            r#"
local User = cicada.HttpUser:extend("Raiser")
User:task(function(self)
  self.runs = (self.runs or 0) + 1
  if self.runs > 2 then error(cicada.StopUser) end
  error("boom from task")
end)
"#,
            &[],
        ),
    );
    let out = headless(&script, &server.url(), "-u 1 -r 10 -t 1s");
    assert_code(&out, 1);
    assert!(out.stderr.contains("boom from task"), "the error is logged: {}", out.dump());
    assert!(out.stderr.contains("boom.lua:"), "with its place in the script: {}", out.dump());
}

#[test]
fn a_missing_locustfile_is_named() {
    let dir = util::TempDir::new();
    let missing = dir.path().join("nope.lua");
    let out = cicada(&["-f", missing.to_str().expect("UTF-8 path"), "--headless", "-t", "1s"]);
    assert_code(&out, 1);
    assert!(out.stderr.contains("nope.lua"), "{}", out.dump());
}

#[test]
fn a_lua_syntax_error_names_file_and_line() {
    let script = write_script("broken.lua", "local cicada = require(\"cicada\")\nlocal x = = 1\n");
    let out = cicada(&["-f", script.path_str(), "--headless", "-t", "1s"]);
    assert_code(&out, 1);
    assert!(out.stderr.contains("broken.lua:2"), "{}", out.dump());
}

#[test]
fn a_runtime_error_while_loading_names_file_and_line() {
    let script = write_script(
        "loaderr.lua",
        "local cicada = require(\"cicada\")\n\nlocal t = nil\nprint(t.field)\n",
    );
    let out = cicada(&["-f", script.path_str(), "--headless", "-t", "1s"]);
    assert_code(&out, 1);
    assert!(out.stderr.contains("loaderr.lua:4"), "{}", out.dump());
}

#[test]
fn a_script_without_user_classes_is_refused() {
    let script = write_script("empty.lua", "local cicada = require(\"cicada\")\n");
    let out = cicada(&["-f", script.path_str(), "--headless", "-t", "1s"]);
    assert_code(&out, 1);
    assert!(out.stderr.to_lowercase().contains("user class"), "{}", out.dump());
}

#[test]
fn an_unknown_class_name_is_refused() {
    let script = write_script("quick.lua", &counting_script(1));
    let out = cicada(&["-f", script.path_str(), "--headless", "-t", "1s", "NoSuchUser"]);
    assert_code(&out, 1);
    assert!(out.stderr.contains("Unknown User(s): NoSuchUser"), "{}", out.dump());
}

#[test]
fn usage_errors_exit_with_2_and_locusts_messages() {
    let script = write_script("quick.lua", &counting_script(1));
    let f = script.path_str();
    let cases: [(&[&str], &str); 4] = [
        (
            &["-t", "1x"],
            "argument -t/--run-time: Invalid time span format. Valid formats: 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.",
        ),
        (&["-r", "0"], "argument -r/--spawn-rate: must be > 0"),
        (&["-u", "x"], "argument -u/--users: invalid int value: 'x'"),
        (&["--bogus-flag"], "unrecognized arguments: --bogus-flag"),
    ];
    for (extra, message) in cases {
        let mut args = vec!["-f", f, "--headless"];
        args.extend_from_slice(extra);
        let out = cicada(&args);
        assert_eq!(out.code, Some(2), "{extra:?}: {}", out.dump());
        assert!(out.stderr.contains(message), "{extra:?} should say {message:?}: {}", out.dump());
    }
}

#[test]
fn list_prints_the_user_classes() {
    let script = write_script(
        "two.lua",
        &lua(
            r#"
local First = cicada.HttpUser:extend("First")
First:task(function(self) end)
local Second = cicada.HttpUser:extend("Second")
Second:task(function(self) end)
"#,
            &[],
        ),
    );
    for flag in ["--list", "-l"] {
        let out = cicada(&["-f", script.path_str(), flag]);
        assert_code(&out, 0);
        assert_eq!(out.stdout, "Available Users:\n    First\n    Second\n", "{}", out.dump());
    }
}

#[test]
fn show_task_ratio_prints_locusts_tables() {
    let script = write_script(
        "ratio.lua",
        &lua(
            r#"
local User = cicada.HttpUser:extend("Weighted")
User:task(3, { name = "often" }, function(self) end)
User:task(1, { name = "rarely" }, function(self) end)
"#,
            &[],
        ),
    );
    let out = cicada(&["-f", script.path_str(), "--show-task-ratio"]);
    assert_code(&out, 0);
    let row = |ratio: &str, name: &str| format!(" {ratio:<10} {name:<50}");
    let tree = [row("100.0 ", "Weighted"), row("  75.0  ", "  often"), row("  25.0  ", "  rarely")];
    let dashes = "-".repeat(80);
    let mut expected = vec![String::new(), " Task ratio per User class".into(), dashes.clone()];
    expected.extend(tree.iter().cloned());
    expected.extend([String::new(), " Total task ratio".into(), dashes]);
    expected.extend(tree.iter().cloned());
    let got: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(got, expected, "{}", out.dump());
}

#[test]
fn tags_and_exclude_tags_on_the_command_line() {
    let script = write_script(
        "tags.lua",
        &lua(
            r#"
local User = cicada.HttpUser:extend("Tagged")
User:task(1, { tags = { "a" } }, function(self) self.client:get("/p/a"); after(self, 4) end)
User:task(1, { tags = { "b" } }, function(self) self.client:get("/p/b"); after(self, 4) end)
"#,
            &[],
        ),
    );
    for (flag, allowed, skipped) in [("-T", "/p/a", "/p/b"), ("-E", "/p/b", "/p/a")] {
        let server = TestServer::start();
        let out = headless(&script, &server.url(), &format!("-u 1 -r 10 -t 1s {flag} a"));
        assert_code(&out, 0);
        assert_eq!(server.count("GET", allowed), 4, "{flag} a: {:?}", server.lines());
        assert_eq!(server.count("GET", skipped), 0, "{flag} a: {:?}", server.lines());
        assert_eq!(out.final_table().aggregated.reqs, 4, "{}", out.dump());
    }
}

#[test]
fn class_names_on_the_command_line_select_classes() {
    let server = TestServer::start();
    let script = write_script(
        "classes.lua",
        &lua(
            r#"
local First = cicada.HttpUser:extend("First")
First:task(function(self) self.client:get("/p/first"); after(self, 2) end)
local Second = cicada.HttpUser:extend("Second")
Second:task(function(self) self.client:get("/p/second"); after(self, 2) end)
"#,
            &[],
        ),
    );
    let out = headless(&script, &server.url(), "-u 2 -r 100 -t 1s Second");
    assert_code(&out, 0);
    assert_eq!(server.count("GET", "/p/first"), 0);
    assert_eq!(server.count("GET", "/p/second"), 4);
    assert!(
        out.stderr.contains(r#"All users spawned: {"Second": 2} (2 total users)"#),
        "{}",
        out.dump()
    );
}

#[test]
fn processes_spreads_users_over_shards_with_the_same_counts() {
    let server = TestServer::start();
    let script = write_script("quick.lua", &counting_script(5));
    let out = headless(&script, &server.url(), "-u 4 -r 100 -t 1s --processes 2");
    assert_code(&out, 0);
    assert_eq!(server.count("GET", "/hello"), 20);
    assert_eq!(out.final_table().row("GET", "/hello").map(|r| r.reqs), Some(20), "{}", out.dump());
}

#[test]
fn a_script_quitting_the_runner_ends_the_run() {
    let server = TestServer::start();
    let script = write_script(
        "quit.lua",
        &lua(
            r#"
local User = cicada.HttpUser:extend("Quitter")
User:task(function(self)
  self.client:get("/hello")
  self.runs = (self.runs or 0) + 1
  if self.runs == 3 then self.environment.runner:quit() end
end)
"#,
            &[],
        ),
    );
    // No --run-time: only the script can end this run.
    let out = headless(&script, &server.url(), "-u 1 -r 10");
    assert_code(&out, 0);
    assert_eq!(out.final_table().aggregated.reqs, 3, "{}", out.dump());
    assert_eq!(server.count("GET", "/hello"), 3);
}

/// A task that makes a request, sleeps 2 s, then makes another.
const SLEEPER: &str = r#"
local User = cicada.HttpUser:extend("Sleeper")
User:task(function(self)
  self.client:get("/p/before")
  cicada.sleep(2)
  self.client:get("/p/after")
end)
"#;

#[test]
fn stop_timeout_flag_lets_the_current_task_finish() {
    let script = write_script("sleeper.lua", &lua(SLEEPER, &[]));
    for (extra, after) in [("", 0), ("-s 5", 1)] {
        let server = TestServer::start();
        let out = headless(&script, &server.url(), &format!("-u 1 -r 10 -t 1s {extra}"));
        assert_code(&out, 0);
        assert_eq!(server.count("GET", "/p/before"), 1, "{extra:?}");
        assert_eq!(server.count("GET", "/p/after"), after, "{extra:?}: {}", out.dump());
    }
}

/// Start an endless run, wait for requests and the first periodic table, then send `signal`.
fn interrupted_run(signal: &str) {
    let server = TestServer::start();
    let script = write_script(
        "forever.lua",
        &lua(
            r#"
local User = cicada.HttpUser:extend("Forever", { wait_time = cicada.constant(0.02) })
User:task(function(self) self.client:get("/hello") end)
"#,
            &[],
        ),
    );
    let args = headless_args(&script, &server.url(), "-u 2 -r 100");
    let mut child = CliProcess::spawn(&args.iter().map(String::as_str).collect::<Vec<_>>());
    child.wait_for_stderr("the first periodic table", Duration::from_secs(20), |err| {
        err.contains("         Aggregated ")
    });
    util::wait_until(
        "some requests",
        util::DEADLINE,
        || server.total() >= 5,
        || format!("{} requests; stderr:\n{}", server.total(), child.stderr()),
    );
    let before = child.stderr().len();
    child.signal(signal);
    let out = child.wait(Duration::from_secs(15));
    assert_code(&out, 0);
    let after_signal = &out.stderr[before..];
    assert!(after_signal.contains(TABLE_HEADER), "a final table after {signal}:\n{}", out.stderr);
    assert!(after_signal.contains("Response time percentiles (approximated)"), "{}", out.stderr);
    let table = out.final_table();
    assert!(table.aggregated.reqs >= 5, "{}", out.dump());
    assert!(table.aggregated.reqs <= server.total(), "{}", out.dump());
    assert_eq!(table.aggregated.fails, 0, "{}", out.dump());
}

#[test]
fn ctrl_c_prints_the_final_report() {
    interrupted_run("INT");
}

#[test]
fn sigterm_prints_the_final_report() {
    interrupted_run("TERM");
}

#[test]
fn demo_runs_against_the_built_in_target() {
    let args = "demo --headless -u 3 -r 100 -t 2s --processes 1";
    let out = cicada(&args.split_whitespace().collect::<Vec<_>>());
    assert_code(&out, 0);
    assert!(out.final_table().aggregated.reqs > 0, "{}", out.dump());
    assert!(out.stderr.contains("The demo target at http://127.0.0.1:"), "{}", out.dump());
}

#[test]
fn help_and_version_exit_0_on_stdout() {
    let help = cicada(&["--help"]);
    assert_code(&help, 0);
    assert!(help.stdout.contains("--headless"), "{}", help.dump());
    let version = cicada(&["--version"]);
    assert_code(&version, 0);
    assert!(!version.stdout.is_empty(), "{}", version.dump());
}
