//! Real Python Locust processes for the interop tests, with their output in a log file.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `python -m locust <args>` run in `dir`, stdout and stderr to `<dir>/<name>.log`; killed
/// if the test ends (or fails) before it exits.
pub struct LocustProcess {
    child: Child,
    log: PathBuf,
}

impl LocustProcess {
    pub fn start(dir: &Path, name: &str, args: &[&str]) -> LocustProcess {
        let log = dir.join(format!("{name}.log"));
        let out = File::create(&log).expect("create the Locust process's log");
        let err = out.try_clone().expect("clone a file handle");
        let child = Command::new(super::python())
            .args(["-m", "locust"])
            .args(args)
            .current_dir(dir)
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("start Python Locust");
        LocustProcess { child, log }
    }

    /// Everything it has printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The exit code, failing the test (the process is then killed) after `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> i32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for Locust") {
                return status.code().unwrap_or(-1);
            }
            assert!(start.elapsed() < timeout, "Locust did not exit\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for LocustProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
