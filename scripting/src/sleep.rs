//! `cicada.sleep(seconds)`: suspends the calling task on the shard's timer, so other users
//! run meanwhile. `cicada.sleep(0)` still goes through the timer: it always gives the event
//! loop a turn. Also the conversion of script seconds to a [`Duration`] that cannot panic.

use std::time::Duration;

use mlua::{Function, Lua, Value};

use crate::errors::fail;
use crate::wait::{number, show};

/// The longest wait a script can ask for (about 100 years), so deadlines never overflow.
const MAX_SECONDS: f64 = 3.15e9;

/// `s` seconds; negative and NaN become zero, huge values are capped.
pub(crate) fn duration(s: f64) -> Duration {
    if s.is_nan() || s <= 0.0 {
        Duration::ZERO
    } else {
        Duration::from_secs_f64(s.min(MAX_SECONDS))
    }
}

/// The async `sleep(seconds)` function. `on_shard` is false in the state that only
/// validates the script, where there is no event loop to sleep on.
pub(crate) fn create(lua: &Lua, on_shard: bool) -> mlua::Result<Function> {
    lua.create_async_function(move |lua, secs: Value| {
        let wait = match number(&secs) {
            _ if !on_shard => Err(fail(
                &lua,
                "cicada.sleep can only be called while the test runs (in tasks and event listeners)",
            )),
            Some(s) if !s.is_nan() && s >= 0.0 => Ok(duration(s)),
            _ => Err(fail(
                &lua,
                format!("sleep: expected a number of seconds >= 0, got {}", show(&secs)),
            )),
        };
        async move {
            cicada_engine::sleep(wait?).await;
            Ok(())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_never_panic() {
        assert_eq!(duration(f64::NAN), Duration::ZERO);
        assert_eq!(duration(-1.0), Duration::ZERO);
        assert_eq!(duration(0.5), Duration::from_millis(500));
        assert!(duration(f64::INFINITY) > Duration::from_secs(3_000_000_000));
    }
}
