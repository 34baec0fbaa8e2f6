//! The end of a run for CI: the `--threshold`s checked on the final stats, the exit code
//! (a breach first, then Locust's rule), the results printed and logged, and the
//! `--summary-md` / `--summary-json` files written.

use std::io::Write;

use cicada_engine::StatsSnapshot;

use crate::exit;
use crate::logging::Log;
use crate::summary::{self, Report, RunInfo};
use crate::thresholds::{self, Outcome, Threshold};

/// What the verdict needs from the settings.
#[derive(Debug, Clone)]
pub(crate) struct VerdictPlan {
    pub(crate) exit_code_on_error: i32,
    pub(crate) thresholds: Vec<Threshold>,
    pub(crate) summary: summary::Plan,
    /// For the summaries.
    pub(crate) host: Option<String>,
    pub(crate) users: u32,
}

/// The thresholds' results and the exit code they lead to.
pub(crate) struct Verdict {
    pub(crate) code: i32,
    pub(crate) outcomes: Vec<Outcome>,
}

/// Check the thresholds on the final snapshot and choose the exit code.
pub(crate) fn decide(snap: &StatsSnapshot, plan: &VerdictPlan) -> Verdict {
    let outcomes = thresholds::evaluate(&plan.thresholds, snap);
    let breached = outcomes.iter().any(|o| !o.passed);
    let exceptions: u64 = snap.exceptions.iter().map(|e| e.count).sum();
    let code =
        exit::for_run(breached, snap.total.num_failures, exceptions, plan.exit_code_on_error);
    Verdict { code, outcomes }
}

/// Print the threshold table (last on stderr, where CI logs end), log the outcome, and write
/// the summary files.
pub(crate) fn report(snap: &StatsSnapshot, plan: &VerdictPlan, verdict: &Verdict, log: &Log) {
    if !verdict.outcomes.is_empty() {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(thresholds::table(&verdict.outcomes).as_bytes());
        let _ = err.flush();
        let breached: Vec<&str> = verdict
            .outcomes
            .iter()
            .filter(|o| !o.passed)
            .map(|o| o.threshold.expression.as_str())
            .collect();
        let n = verdict.outcomes.len();
        if breached.is_empty() {
            log.info("cicada.thresholds", &format!("All {n} thresholds passed"));
        } else {
            log.error(
                "cicada.thresholds",
                &format!("{} of {n} thresholds breached: {}", breached.len(), breached.join(", ")),
            );
        }
    }
    let run = RunInfo {
        host: plan.host.clone(),
        users: plan.users,
        // When the stats started counting (after the ramp with --reset-stats), so the
        // duration matches the rates.
        start: snap.total.start_time,
        end: cicada_engine::stats::unix_now(),
    };
    let report = Report { snap, outcomes: &verdict.outcomes, exit_code: verdict.code, run };
    for problem in summary::write(&plan.summary, &report) {
        log.error("cicada.main", &problem);
    }
}
