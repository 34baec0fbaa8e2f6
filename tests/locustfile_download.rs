//! `cicada --worker -f -`: the worker fetches its locustfile from a cicada master (protocol
//! reference §3 W10/M8) and runs it, from a directory where no such file exists.

use std::time::Duration;

use crate::util::{self, CliProcess, TempDir, TestServer};

/// Only the master has this script; the path it requests proves the worker ran it.
const MASTER_LUA: &str = r#"
local cicada = require("cicada")
local User = cicada.HttpUser:extend("Web", { wait_time = cicada.constant(0.05) })
User:task(function(self) self.client:get("/p/from-the-master") end)
"#;

#[test]
fn a_worker_runs_the_locustfile_its_master_sends() {
    let server = TestServer::start();
    let script = util::write_script("script.lua", MASTER_LUA);
    let port = util::free_port().to_string();
    let url = server.url();
    let master = CliProcess::spawn(&[
        "-f",
        script.path_str(),
        "--master",
        "--headless",
        "--master-bind-host",
        "127.0.0.1",
        "--master-bind-port",
        &port,
        "--expect-workers",
        "1",
        "-u",
        "2",
        "-r",
        "2",
        "-t",
        "2s",
        "-H",
        &url,
    ]);
    // Empty: `-f -` must not read anything from the worker's working directory.
    let elsewhere = TempDir::new();
    let worker_args = ["-f", "-", "--worker", "--master-port", &port, "-H", &url];
    let worker = CliProcess::spawn_with(&worker_args, |cmd| {
        cmd.current_dir(elsewhere.path()).env_remove("LOCUST_MASTER_NODE_HOST");
    });
    let master = master.wait(Duration::from_secs(30));
    assert_eq!(master.code, Some(0), "{}", master.dump());
    let worker = worker.wait(Duration::from_secs(10));
    assert_eq!(worker.code, Some(0), "{}", worker.dump());
    assert!(worker.stderr.contains("Got locustfile script.lua"), "{}", worker.dump());
    assert!(server.count("GET", "/p/from-the-master") > 0, "{}", worker.dump());
    // The temporary download identity never became a worker: one ready, index 0.
    assert!(master.stderr.contains("(index 0) reported as ready"), "{}", master.dump());
    assert!(!master.stderr.contains("download_locustfile_"), "{}", master.dump());
}

#[test]
fn dash_without_worker_is_refused() {
    let out = util::cicada(&["-f", "-", "--headless", "-u", "1", "-t", "1s"]);
    assert_eq!(out.code, Some(1), "{}", out.dump());
    assert!(out.stderr.contains("but --worker was not specified"), "{}", out.dump());
}
