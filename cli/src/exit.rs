//! cicada's exit codes: Locust's, plus 3 for a breached `--threshold`:
//!
//! | code | when |
//! |---|---|
//! | 0 | the run ended with no failed request and no error in user code; also `--help`, `--version`, `--list`, `--show-task-ratio[-json]`, a passing `--check` |
//! | 3 | a `--threshold` was breached (wins over the next row; see docs/ci.md) |
//! | `--exit-code-on-error` (default 1) | any request failed or any task raised an error (Locust's rule; `--exit-code-on-error 0` leaves the verdict to the thresholds) |
//! | 1 | the run (or `--check`) could not start: locustfile missing or broken, no task left after tag filtering, no user class, unknown class name, a shard failed to start, a `--csv` file that cannot be created |
//! | 2 | bad command line, config file or environment variable |
//! | 130 | a second Ctrl-C (or SIGTERM) while shutting down: stop without the final report |
//! | 255 | `--worker` could not reach its master (no `ack` after about 305 s), or its address is invalid; `--master` with `--worker`; `--expect-workers` below 1 (Locust's `sys.exit(-1)`) |

/// Usage errors: flags, config files, `LOCUST_*` variables.
pub(crate) const USAGE: i32 = 2;
/// The run could not start.
pub(crate) const STARTUP: i32 = 1;
/// A worker that never got its master's `ack`.
pub(crate) const WORKER_CONNECT: i32 = 255;
/// Locust's `sys.exit(-1)` for a bad distributed setup: `--master` with `--worker`, or
/// `--expect-workers` below 1.
pub(crate) const BAD_ROLE: i32 = 255;
/// Interrupted twice: no clean shutdown.
pub(crate) const FORCED: i32 = 130;
/// A `--threshold` was breached: distinct from Locust's codes, so CI can tell a slow run
/// from a broken one.
pub(crate) const THRESHOLD_BREACHED: i32 = 3;

/// The code a finished run exits with: a breached threshold first, then Locust's rule.
pub(crate) fn for_run(
    breached: bool,
    failures: u64,
    exceptions: u64,
    exit_code_on_error: i32,
) -> i32 {
    if breached {
        THRESHOLD_BREACHED
    } else if failures > 0 || exceptions > 0 {
        exit_code_on_error
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::for_run;

    #[test]
    fn errors_use_the_configured_code() {
        assert_eq!(for_run(false, 0, 0, 1), 0);
        assert_eq!(for_run(false, 3, 0, 1), 1);
        assert_eq!(for_run(false, 0, 1, 7), 7);
    }

    #[test]
    fn a_breached_threshold_wins() {
        assert_eq!(for_run(true, 0, 0, 1), 3);
        assert_eq!(for_run(true, 5, 1, 1), 3);
        assert_eq!(for_run(true, 5, 0, 0), 3);
        assert_eq!(for_run(false, 5, 0, 0), 0);
    }
}
