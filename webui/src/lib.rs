//! cicada's web UI: Locust's REST API and dashboard, served next to a running engine.
//!
//! Headless runs do not start it. What it shares with them is how Locust names the state of
//! a run, which both the console and the REST API report.

use cicada_engine::RunState;

/// The `state` string Locust's `/stats/requests` reports for a run state.
pub fn state_name(state: RunState) -> &'static str {
    state.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_locust() {
        assert_eq!(state_name(RunState::Spawning), "spawning");
        assert_eq!(state_name(RunState::Stopped), "stopped");
    }
}
