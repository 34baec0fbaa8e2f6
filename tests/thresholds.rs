//! Pass/fail for CI, run as a user runs it: `--threshold` from the command line, a config
//! file and `LOCUST_THRESHOLD`; exit code 3 on a breach, Locust's `--exit-code-on-error`
//! otherwise; bad expressions as usage errors; `--summary-md` and `--summary-json`.

use crate::util::{
    self, cicada, lua, write_script, CliProcess, Script, TempDir, TestServer, CLI_TIMEOUT,
};

/// Each user gets `/hello` `$K` times and `/world` once per iteration, then stops: with
/// `-u 2`, exactly `2 * K` of each.
fn two_paths(k: u32) -> String {
    lua(
        r#"
local User = cicada.HttpUser:extend("Paths")
User:task(function(self)
  self.client:get("/hello")
  self.client:get("/world")
  after(self, $K)
end)
"#,
        &[("K", &k)],
    )
}

/// Each user gets `/hello` and `/status/500` (a failure) three times, then stops.
fn half_failing() -> String {
    lua(
        r#"
local User = cicada.HttpUser:extend("HalfFailing")
User:task(function(self)
  self.client:get("/hello")
  self.client:get("/status/500")
  after(self, 3)
end)
"#,
        &[],
    )
}

/// `-f <script> -H <host> --headless -u 2 -r 100 -t 1s --processes 1` and `extra`.
fn args<'a>(script: &'a Script, host: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "-f",
        script.path_str(),
        "-H",
        host,
        "--headless",
        "-u",
        "2",
        "-r",
        "100",
        "-t",
        "1s",
        "--processes",
        "1",
    ];
    args.extend_from_slice(extra);
    args
}

fn run(script: &Script, host: &str, extra: &[&str]) -> util::CliOutput {
    cicada(&args(script, host, extra))
}

fn assert_code(out: &util::CliOutput, code: i32) {
    assert_eq!(out.code, Some(code), "{}", out.dump());
}

/// The threshold table's row for `expression`, its cells split on runs of 2+ spaces.
fn result_row(out: &util::CliOutput, expression: &str) -> Vec<String> {
    let line = out
        .stderr
        .lines()
        .find(|l| l.starts_with(&format!("{expression}  ")))
        .unwrap_or_else(|| panic!("no threshold row for {expression}\n{}", out.dump()));
    line.split("  ").map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect()
}

#[test]
fn passing_thresholds_exit_0_with_each_result_printed() {
    let server = TestServer::start();
    let script = write_script("paths.lua", &two_paths(4));
    let out = run(
        &script,
        &server.url(),
        &[
            "--threshold",
            "requests>=16",
            "--threshold",
            "p99 < 10s",
            "--threshold",
            "fail_ratio<0.01",
        ],
    );
    assert_code(&out, 0);
    assert_eq!(server.total(), 16);
    assert!(out.stderr.contains("\nThreshold "), "a table header: {}", out.dump());
    assert_eq!(result_row(&out, "requests>=16"), ["requests>=16", "16", "passed"]);
    assert_eq!(result_row(&out, "fail_ratio<0.01"), ["fail_ratio<0.01", "0", "passed"]);
    assert_eq!(result_row(&out, "p99 < 10s").last().map(String::as_str), Some("passed"));
    assert!(out.stderr.contains("All 3 thresholds passed"), "logged: {}", out.dump());
}

#[test]
fn a_breached_threshold_exits_3() {
    let server = TestServer::start();
    let script = write_script("paths.lua", &two_paths(2));
    let out =
        run(&script, &server.url(), &["--threshold", "requests>1000", "--threshold", "max<10s"]);
    assert_code(&out, 3);
    assert_eq!(result_row(&out, "requests>1000"), ["requests>1000", "8", "BREACHED"]);
    assert_eq!(result_row(&out, "max<10s").last().map(String::as_str), Some("passed"));
    assert!(out.stderr.contains("1 of 2 thresholds breached: requests>1000"), "{}", out.dump());
    assert!(out.stderr.contains("Shutting down (exit code 3)"), "{}", out.dump());
}

#[test]
fn per_name_thresholds_select_their_requests() {
    let server = TestServer::start();
    let script = write_script("paths.lua", &two_paths(3));
    let out = run(
        &script,
        &server.url(),
        &[
            "--threshold",
            "/hello:requests<=6",
            "--threshold",
            "GET /world:requests>6",
            "--threshold",
            "/nope:p95<100",
        ],
    );
    assert_code(&out, 3);
    assert_eq!(result_row(&out, "/hello:requests<=6"), ["/hello:requests<=6", "6", "passed"]);
    assert_eq!(
        result_row(&out, "GET /world:requests>6"),
        ["GET /world:requests>6", "6", "BREACHED"]
    );
    assert_eq!(
        result_row(&out, "/nope:p95<100"),
        ["/nope:p95<100", "-", "BREACHED: no requests named '/nope'"]
    );
}

#[test]
fn failures_keep_locusts_rule_when_thresholds_pass() {
    let server = TestServer::start();
    let script = write_script("fail.lua", &half_failing());
    let out = run(&script, &server.url(), &["--threshold", "fail_ratio<=0.5"]);
    assert_code(&out, 1);
    assert_eq!(result_row(&out, "fail_ratio<=0.5"), ["fail_ratio<=0.5", "0.5", "passed"]);
    let out = run(
        &script,
        &server.url(),
        &["--threshold", "fail_ratio<=0.5", "--exit-code-on-error", "0"],
    );
    assert_code(&out, 0);
    // A breach wins over the failures.
    let out = run(&script, &server.url(), &["--threshold", "fail_ratio<0.1"]);
    assert_code(&out, 3);
}

#[test]
fn thresholds_from_config_files() {
    let server = TestServer::start();
    let script = write_script("paths.lua", &two_paths(1));
    let dir = TempDir::new();
    let conf = dir.write("ci.conf", "threshold = [\"requests>=4\", \"/hello:requests>100\"]\n");
    let out = run(&script, &server.url(), &["--config", conf.to_str().expect("UTF-8 path")]);
    assert_code(&out, 3);
    assert_eq!(result_row(&out, "requests>=4"), ["requests>=4", "4", "passed"]);
    assert_eq!(result_row(&out, "/hello:requests>100"), ["/hello:requests>100", "2", "BREACHED"]);

    let toml = dir.write("ci.toml", "[tool.locust]\nthreshold = [\"rps>0\", \"failures<1\"]\n");
    let out = run(&script, &server.url(), &["--config", toml.to_str().expect("UTF-8 path")]);
    assert_code(&out, 0);
    assert_eq!(result_row(&out, "failures<1"), ["failures<1", "0", "passed"]);
    assert_eq!(result_row(&out, "rps>0").last().map(String::as_str), Some("passed"));
}

#[test]
fn thresholds_from_the_environment() {
    let server = TestServer::start();
    let script = write_script("paths.lua", &two_paths(1));
    let host = server.url();
    let run_args = args(&script, &host, &[]);
    let out = CliProcess::spawn_with(&run_args, |cmd| {
        cmd.env("LOCUST_THRESHOLD", "[requests>=4, requests>4]");
    })
    .wait(CLI_TIMEOUT);
    assert_code(&out, 3);
    assert_eq!(result_row(&out, "requests>=4"), ["requests>=4", "4", "passed"]);
    assert_eq!(result_row(&out, "requests>4"), ["requests>4", "4", "BREACHED"]);
}

#[test]
fn bad_expressions_are_usage_errors_naming_them() {
    let out = cicada(&["--headless", "--threshold", "p95<<500"]);
    assert_code(&out, 2);
    assert!(
        out.stderr
            .starts_with("cicada: error: argument --threshold: invalid threshold 'p95<<500': "),
        "{}",
        out.dump()
    );
    let out = cicada(&["--threshold", "latency<5"]);
    assert_code(&out, 2);
    assert!(out.stderr.contains("unknown metric 'latency'"), "{}", out.dump());

    let out = CliProcess::spawn_with(&["--headless"], |cmd| {
        cmd.env("LOCUST_THRESHOLD", "p95 = 5");
    })
    .wait(CLI_TIMEOUT);
    assert_code(&out, 2);
    assert!(out.stderr.contains("invalid threshold 'p95 = 5'"), "{}", out.dump());
    assert!(out.stderr.trim_end().ends_with("(from LOCUST_THRESHOLD)"), "{}", out.dump());

    let dir = TempDir::new();
    let conf = dir.write("bad.conf", "threshold = [p95<500, rps>fast]\n");
    let conf = conf.to_str().expect("UTF-8 path");
    let out = cicada(&["--config", conf]);
    assert_code(&out, 2);
    assert!(out.stderr.contains("invalid threshold 'rps>fast'"), "{}", out.dump());
    assert!(
        out.stderr.contains(&format!("(from 'threshold' in config file {conf})")),
        "{}",
        out.dump()
    );
}

#[test]
fn summary_files_hold_the_verdict_and_the_counts() {
    let server = TestServer::start();
    let script = write_script("fail.lua", &half_failing());
    let dir = TempDir::new();
    let md = dir.path().join("reports/ci/summary.md");
    let json = dir.path().join("reports/ci/summary.json");
    let (md_arg, json_arg) = (md.to_str().expect("UTF-8"), json.to_str().expect("UTF-8"));
    let out = run(
        &script,
        &server.url(),
        &["--threshold", "fail_ratio<=0.5", "--summary-md", md_arg, "--summary-json", json_arg],
    );
    assert_code(&out, 1);
    let (hello, failed) = (server.count("GET", "/hello"), server.count("GET", "/status/500"));
    assert_eq!((hello, failed), (6, 6));

    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON summary"))
            .expect("valid JSON");
    assert_eq!(doc["verdict"], "failed");
    assert_eq!(doc["exit_code"], 1);
    assert_eq!(doc["thresholds"][0]["expression"], "fail_ratio<=0.5");
    assert_eq!(doc["thresholds"][0]["passed"], true);
    assert_eq!(doc["thresholds"][0]["actual"], 0.5);
    assert_eq!(doc["totals"]["requests"], server.total());
    assert_eq!(doc["totals"]["failures"], failed);
    let entries = doc["entries"].as_array().expect("entries");
    let counts: Vec<(&str, u64, u64)> = entries
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap_or_default(),
                e["requests"].as_u64().unwrap_or_default(),
                e["failures"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(counts, [("/hello", hello, 0), ("/status/500", failed, failed)]);
    assert_eq!(doc["run"]["users"], 2);
    assert_eq!(doc["run"]["host"], server.url());

    let text = std::fs::read_to_string(&md).expect("the Markdown summary");
    assert!(text.starts_with("### cicada load test: FAILED\n"), "{text}");
    assert!(
        text.contains("**FAILED**: all 1 thresholds passed, 6 of 12 requests failed (exit code 1)"),
        "{text}"
    );
    assert!(text.contains("| `fail_ratio<=0.5` | 0.5 | passed |"), "{text}");
    assert!(text.contains("| GET | `/hello` | 6 | 0 |"), "{text}");
    assert!(text.contains("| GET | `/status/500` | 6 | 6 |"), "{text}");
    assert!(text.contains("|  | **Aggregated** | 12 | 6 |"), "{text}");
    assert!(text.contains("#### Failures"), "{text}");
    assert!(text.contains("| 6 | GET | `/status/500` | HTTPError('500 Server Error"), "{text}");
}

#[test]
fn an_unwritable_summary_path_fails_at_start() {
    let server = TestServer::start();
    let script = write_script("paths.lua", &two_paths(1));
    let dir = TempDir::new();
    let blocker = dir.write("blocker", "a file, not a folder");
    let target = blocker.join("summary.md");
    let target = target.to_str().expect("UTF-8");
    let out = run(&script, &server.url(), &["--summary-md", target]);
    assert_code(&out, 1);
    assert!(out.stderr.contains(&format!("cannot write --summary-md {target}")), "{}", out.dump());
    assert_eq!(server.total(), 0, "no load before the check");
}
