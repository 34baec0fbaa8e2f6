//! The end-of-run summary files for CI: `--summary-json` (the verdict, every threshold's
//! result and the key numbers, for scripts) and `--summary-md` (the same as a Markdown report
//! to post on a pull request). Locust's own `--json` array stays byte-compatible; this is
//! where cicada's extra results go (see docs/ci.md).
//!
//! Both paths are checked when the run starts (`prepare`), so a typo fails in a second, not
//! after an hour of load.

mod json;
mod markdown;

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use cicada_engine::{RequestStats, StatsSnapshot};

use crate::thresholds::Outcome;

/// Where the summaries go (each optional).
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    pub(crate) md: Option<PathBuf>,
    pub(crate) json: Option<PathBuf>,
}

/// What the summaries report.
pub(crate) struct Report<'a> {
    pub(crate) snap: &'a StatsSnapshot,
    pub(crate) outcomes: &'a [Outcome],
    pub(crate) exit_code: i32,
    pub(crate) run: RunInfo,
}

/// The run's parameters.
#[derive(Debug, Clone)]
pub(crate) struct RunInfo {
    pub(crate) host: Option<String>,
    /// The users asked for (`-u`).
    pub(crate) users: u32,
    /// Unix seconds.
    pub(crate) start: f64,
    pub(crate) end: f64,
}

impl Report<'_> {
    /// `passed` exactly when the process exits 0.
    pub(crate) fn passed(&self) -> bool {
        self.exit_code == 0
    }
}

/// The numbers both summaries give for a row.
pub(crate) struct Numbers {
    pub(crate) requests: u64,
    pub(crate) failures: u64,
    pub(crate) fail_ratio: f64,
    pub(crate) rps: f64,
    pub(crate) avg: f64,
    pub(crate) median: f64,
    pub(crate) p95: u64,
    pub(crate) p99: u64,
    pub(crate) max: f64,
}

impl Numbers {
    pub(crate) fn of(e: &RequestStats, snap: &StatsSnapshot) -> Numbers {
        Numbers {
            requests: e.num_requests,
            failures: e.num_failures,
            fail_ratio: e.fail_ratio(),
            rps: snap.total_rps(e),
            avg: e.avg_response_time(),
            median: e.median_response_time(),
            p95: e.percentile(0.95),
            p99: e.percentile(0.99),
            max: e.max_response_time(),
        }
    }
}

/// Create the files' folders and make sure the files can be written, before the run. The
/// error names the flag and the path.
pub(crate) fn prepare(plan: &Plan) -> Result<(), String> {
    for (flag, path) in files(plan) {
        let fail = |e: std::io::Error| format!("cannot write {flag} {}: {e}", path.display());
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        // Append mode: proves the file is writable without clobbering a previous summary
        // before this run has a new one.
        OpenOptions::new().create(true).append(true).open(path).map_err(fail)?;
    }
    Ok(())
}

/// Write the summaries; the errors (one per file that failed) name the flag and the path.
pub(crate) fn write(plan: &Plan, report: &Report) -> Vec<String> {
    files(plan)
        .into_iter()
        .filter_map(|(flag, path)| {
            let text = if flag == "--summary-md" {
                markdown::render(report)
            } else {
                json::render(report)
            };
            std::fs::write(path, text)
                .err()
                .map(|e| format!("cannot write {flag} {}: {e}", path.display()))
        })
        .collect()
}

fn files(plan: &Plan) -> Vec<(&'static str, &Path)> {
    let md = plan.md.as_deref().map(|p| ("--summary-md", p));
    let json = plan.json.as_deref().map(|p| ("--summary-json", p));
    md.into_iter().chain(json).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("cicada-summary-test-{}-{name}", std::process::id()))
    }

    #[test]
    fn prepare_creates_folders_and_names_unwritable_paths() {
        let root = temp("prepare");
        let md = root.join("a/b/summary.md");
        let plan = Plan { md: Some(md.clone()), json: None };
        assert_eq!(prepare(&plan), Ok(()));
        assert!(md.parent().is_some_and(Path::is_dir));
        // A folder where the file should be cannot be written.
        let blocked = Plan { md: None, json: Some(root.join("a")) };
        let err = prepare(&blocked).err().unwrap_or_default();
        assert!(
            err.starts_with(&format!("cannot write --summary-json {}: ", root.join("a").display())),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
