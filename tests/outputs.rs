//! `--csv`, `--csv-full-history`, `--json` and `--json-file` as a Locust user's CI reads them:
//! the `cicada` binary against a loopback server, the files checked for Locust's exact
//! headers and row ends, and their counts against what the server saw.

use std::path::Path;
use std::time::Duration;

use crate::util::TestServer;
use crate::util::{self, cicada, lua, write_script, CliOutput, CliProcess, Script, TempDir};

// The headers and keys are checked against Locust's own sample files in the engine's unit
// tests (engine/src/report/tests.rs); here they check what the binary writes.
use cicada_engine::report::{
    EXCEPTIONS_CSV_HEADER as EXCEPTIONS_HEADER, FAILURES_CSV_HEADER as FAILURES_HEADER, JSON_KEYS,
    STATS_CSV_HEADER as STATS_HEADER, STATS_HISTORY_CSV_HEADER as HISTORY_HEADER,
};

/// Each user gets `/hello` and a 404 `K` times, then stops: exact counts.
fn script(k: u32) -> Script {
    write_script(
        "outputs.lua",
        &lua(
            r#"
local User = cicada.HttpUser:extend("Reporter")
User:task(function(self)
  self.client:get("/hello")
  self.client:get("/status/404")
  after(self, $K)
end)
"#,
            &[("K", &k)],
        ),
    )
}

/// `cicada -f <script> -H <server> --headless -u 2 -r 100 --processes 1 <rest…>`.
fn run(script: &Script, server: &TestServer, rest: &[&str]) -> CliOutput {
    let url = server.url();
    let mut args = vec!["-f", script.path_str(), "-H", &url, "--headless", "-u", "2", "-r", "100"];
    args.extend(["--processes", "1"]);
    args.extend(rest);
    cicada(&args)
}

/// A CSV file's rows split into cells, after checking Locust's header and that every row
/// ends in `\r\n` (none of these files has a multi-line cell).
fn csv_rows(path: &Path, header: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    assert!(text.ends_with("\r\n"), "{}: rows end in CRLF:\n{text:?}", path.display());
    let lines: Vec<&str> = text.strip_suffix("\r\n").unwrap_or_default().split("\r\n").collect();
    assert!(lines.iter().all(|l| !l.contains('\n')), "{}: bare LF in\n{text:?}", path.display());
    assert_eq!(lines[0], header, "{}", path.display());
    lines[1..].iter().map(|l| split_csv(l)).collect()
}

/// One CSV line's cells (quoted cells may hold commas and doubled quotes).
fn split_csv(line: &str) -> Vec<String> {
    let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

fn row<'a>(rows: &'a [Vec<String>], method: &str, name: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r[0] == method && r[1] == name)
        .unwrap_or_else(|| panic!("no {method} {name} row in {rows:?}"))
}

fn count(cell: &str) -> u64 {
    cell.parse().unwrap_or_else(|_| panic!("not a count: {cell:?}"))
}

#[test]
fn csv_files_have_locusts_shape_and_the_final_counts() {
    let server = TestServer::start();
    let dir = TempDir::new();
    // A nested folder that does not exist yet: cicada creates it, as Locust does.
    let prefix = dir.path().join("not/yet/run");
    let prefix_arg = prefix.to_str().expect("UTF-8 temp path");
    let out = run(&script(3), &server, &["-t", "2s", "--csv", prefix_arg, "--csv-full-history"]);
    assert_eq!(out.code, Some(1), "the 404s are failures\n{}", out.dump());
    let file = |suffix: &str| dir.path().join(format!("not/yet/run{suffix}"));

    let stats = csv_rows(&file("_stats.csv"), STATS_HEADER);
    assert!(stats.iter().all(|r| r.len() == 22), "{stats:?}");
    let (hello, missing) = (row(&stats, "GET", "/hello"), row(&stats, "GET", "/status/404"));
    assert_eq!(count(&hello[2]), server.count("GET", "/hello"));
    assert_eq!(count(&missing[2]), server.count("GET", "/status/404"));
    assert_eq!((count(&hello[2]), count(&hello[3])), (6, 0));
    assert_eq!((count(&missing[2]), count(&missing[3])), (6, 6));
    let total = stats.last().expect("an Aggregated row");
    assert_eq!((total[0].as_str(), total[1].as_str()), ("", "Aggregated"));
    assert_eq!((count(&total[2]), count(&total[3])), (12, 6));

    let failures = csv_rows(&file("_failures.csv"), FAILURES_HEADER);
    assert_eq!(failures.len(), 1, "{failures:?}");
    let f = &failures[0];
    assert_eq!((f[0].as_str(), f[1].as_str(), f[3].as_str()), ("GET", "/status/404", "6"));
    assert!(f[2].starts_with("HTTPError('404 Client Error"), "{f:?}");
    for seen in &f[4..6] {
        // %Y-%m-%dT%H:%M:%SZ
        assert!(seen.len() == 20 && seen.ends_with('Z') && &seen[10..11] == "T", "{f:?}");
    }
    assert!(csv_rows(&file("_exceptions.csv"), EXCEPTIONS_HEADER).is_empty());

    let history = csv_rows(&file("_stats_history.csv"), HISTORY_HEADER);
    assert!(history.iter().all(|r| r.len() == 24), "{history:?}");
    let aggregated: Vec<&Vec<String>> = history.iter().filter(|r| r[3] == "Aggregated").collect();
    let first = count(&aggregated[0][0]);
    let last = count(&aggregated[aggregated.len() - 1][0]);
    assert!(aggregated.len() >= 2, "{history:?}");
    assert!(aggregated.len() as u64 >= last - first, "a row every second: {history:?}");
    assert_eq!(count(&aggregated[aggregated.len() - 1][17]), 12, "the final write: {history:?}");
    // With --csv-full-history each tick also has one row per entry before its Aggregated
    // row, sorted by name and with the same timestamp.
    let mut names: Vec<&str> = Vec::new();
    for (i, agg) in history.iter().enumerate().filter(|(_, r)| r[3] == "Aggregated") {
        let entries = history[..i].iter().rev().take_while(|r| r[3] != "Aggregated");
        names = entries
            .map(|r| {
                assert_eq!((&r[0], r[2].as_str()), (&agg[0], "GET"), "{history:?}");
                r[3].as_str()
            })
            .collect();
        names.reverse();
        assert!(names.is_sorted(), "{history:?}");
    }
    assert_eq!(names, ["/hello", "/status/404"], "the final tick: {history:?}");
}

#[test]
fn json_goes_to_stdout_and_to_the_named_file() {
    let server = TestServer::start();
    let dir = TempDir::new();
    let json_file = dir.path().join("made/out.json");
    let csv = dir.path().join("plain");
    let out = run(
        &script(2),
        &server,
        &[
            "-t",
            "1s",
            "--json",
            "--json-file",
            json_file.to_str().expect("UTF-8"),
            "--csv",
            csv.to_str().expect("UTF-8"),
        ],
    );
    assert_eq!(out.code, Some(1), "{}", out.dump());
    let printed: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is JSON: {e}\n{}", out.dump()));
    let entries = printed.as_array().expect("an array of entries");
    assert_eq!(entries.len(), 2, "no Aggregated entry: {printed:#}");
    for entry in entries {
        let keys: Vec<&str> =
            entry.as_object().expect("objects").keys().map(String::as_str).collect();
        assert_eq!(keys, JSON_KEYS);
        let name = entry["name"].as_str().expect("a name");
        assert_eq!(entry["num_requests"].as_u64(), Some(server.count("GET", name)), "{name}");
        let fails = if name == "/status/404" { 4 } else { 0 };
        assert_eq!(entry["num_failures"].as_u64(), Some(fails), "{name}");
    }
    // Written as named (not out.json.json), with the same text, complete (not reset).
    let written = std::fs::read_to_string(&json_file).expect("the --json-file");
    assert_eq!(written, out.stdout.trim_end_matches('\n'));
    assert!(!dir.path().join("made/out.json.json").exists());
    // Without --csv-full-history the history holds only Aggregated rows.
    let history = csv_rows(&dir.path().join("plain_stats_history.csv"), HISTORY_HEADER);
    assert!(history.iter().all(|r| r[2].is_empty() && r[3] == "Aggregated"), "{history:?}");
}

#[test]
fn json_file_without_the_suffix_gets_it() {
    let server = TestServer::start();
    let dir = TempDir::new();
    let name = dir.path().join("final");
    let out = run(&script(1), &server, &["-t", "1s", "--json-file", name.to_str().expect("UTF-8")]);
    assert_eq!(out.code, Some(1), "{}", out.dump());
    assert!(out.stdout.is_empty(), "--json-file alone prints nothing: {}", out.dump());
    let text = std::fs::read_to_string(dir.path().join("final.json")).expect("final.json");
    let entries: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(entries.as_array().map(Vec::len), Some(2), "{text}");
}

#[test]
fn sigterm_still_writes_the_final_numbers() {
    let server = TestServer::start();
    let dir = TempDir::new();
    let prefix = dir.path().join("term");
    let url = server.url();
    let script = script(2);
    let args = [
        "-f",
        script.path_str(),
        "-H",
        &url,
        "--headless",
        "-u",
        "2",
        "-r",
        "100",
        "--processes",
        "1",
        "--csv",
        prefix.to_str().expect("UTF-8"),
    ];
    let child = CliProcess::spawn(&args);
    util::wait_until(
        "every request",
        util::DEADLINE,
        || server.total() >= 8,
        || format!("{} requests; stderr:\n{}", server.total(), child.stderr()),
    );
    child.signal("TERM");
    let out = child.wait(Duration::from_secs(15));
    assert_eq!(out.code, Some(1), "{}", out.dump());
    let stats = csv_rows(&dir.path().join("term_stats.csv"), STATS_HEADER);
    let total = stats.last().expect("an Aggregated row");
    assert_eq!((count(&total[2]), count(&total[3])), (8, 4), "{stats:?}");
}

#[test]
fn an_unwritable_csv_path_fails_at_start_naming_it() {
    let server = TestServer::start();
    let dir = TempDir::new();
    let blocker = dir.write("plain-file", "not a folder");
    let prefix = blocker.join("run");
    let prefix_arg = prefix.to_str().expect("UTF-8");
    let out = run(&script(1), &server, &["-t", "5s", "--csv", prefix_arg]);
    assert_eq!(out.code, Some(1), "{}", out.dump());
    assert!(out.stderr.contains(blocker.to_str().expect("UTF-8")), "{}", out.dump());
    assert_eq!(server.total(), 0, "no load before the files exist: {}", out.dump());
}

#[test]
fn csv_full_history_needs_csv() {
    let out = cicada(&["--headless", "--csv-full-history"]);
    assert_eq!(out.code, Some(2), "{}", out.dump());
    assert_eq!(out.stderr, "cicada: error: '--csv-full-history' requires '--csv'.\n");
}
