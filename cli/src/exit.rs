//! cicada's exit codes, which are Locust's:
//!
//! | code | when |
//! |---|---|
//! | 0 | the run ended with no failed request and no error in user code; also `--help`, `--version`, `--list`, `--show-task-ratio[-json]` |
//! | `--exit-code-on-error` (default 1) | any request failed or any task raised an error |
//! | 1 | the run could not start: locustfile missing or broken, no user class, unknown class name, a shard failed to start |
//! | 2 | bad command line, config file or environment variable |
//! | 130 | a second Ctrl-C (or SIGTERM) while shutting down: stop without the final report |

/// Usage errors: flags, config files, `LOCUST_*` variables.
pub(crate) const USAGE: i32 = 2;
/// The run could not start.
pub(crate) const STARTUP: i32 = 1;
/// Interrupted twice: no clean shutdown.
pub(crate) const FORCED: i32 = 130;

/// The code a finished run exits with.
pub(crate) fn for_run(failures: u64, exceptions: u64, exit_code_on_error: i32) -> i32 {
    if failures > 0 || exceptions > 0 {
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
        assert_eq!(for_run(0, 0, 1), 0);
        assert_eq!(for_run(3, 0, 1), 1);
        assert_eq!(for_run(0, 1, 7), 7);
    }
}
