//! Locust's users dispatcher, for a cicada master serving Locust workers.
//!
//! A master decides how many users of each class every worker runs. To behave as a Locust
//! 2.47 master does for the same workers and classes, this module reproduces Locust's
//! `UsersDispatcher` step for step (see `docs/distributed.md`):
//!
//! - workers are ordered by (index within host, id), so users spread over hosts first;
//! - users of fixed-count classes are dealt first, then the weighted classes in a
//!   KL-divergence round-robin, each user to the next worker of an endless cycle;
//! - a dispatch cycle moves toward its target `max(1, floor(rate))` users per iteration,
//!   one iteration per `users / rate` seconds; ramping down removes the newest users first;
//! - a worker joining or leaving re-deals the current users from scratch over the new set.
//!
//! It is pure and deterministic: no clock, no I/O. [`UsersDispatcher`] is an iterator of
//! [`Step`]s: a [`Step::Spawn`] holds every worker's absolute per-class targets (what each
//! `spawn` message carries), a [`Step::Pause`] says how long the iteration lasts. The caller
//! keeps the clock:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use cicada_engine::locust_dispatch::{Step, UserClass, UsersDispatcher};
//!
//! let classes = [UserClass::weighted("AlphaUser", 3), UserClass::weighted("BetaUser", 1)];
//! let mut dispatcher = UsersDispatcher::new(&["hostA_aaa", "hostA_bbb"], &classes)?;
//! dispatcher.new_dispatch(6, 2.0)?;
//! let mut iteration_start = Instant::now();
//! let mut spawns = 0;
//! for step in &mut dispatcher {
//!     match step {
//!         Step::Spawn(targets) => {
//!             // send `targets[worker]` to each worker in `targets`
//!             assert_eq!(targets.len(), 2);
//!             spawns += 1;
//!         }
//!         Step::Pause(period) => {
//!             // a master sleeps until `iteration_start + period` here
//!             assert_eq!(period, Duration::from_secs(1));
//!             iteration_start = Instant::now();
//!         }
//!     }
//! }
//! assert_eq!((spawns, dispatcher.current_user_count()), (3, 6));
//! # let _ = iteration_start;
//! # Ok::<(), cicada_engine::locust_dispatch::DispatchError>(())
//! ```

mod dispatcher;
mod ramp;
mod weights;
mod workers;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::time::Duration;

pub use dispatcher::UsersDispatcher;

/// Worker id → class name → users: every worker in the dispatcher, every class, zeros
/// included, both sorted by name (as the `spawn` messages of a Locust master carry them).
pub type Assignment = BTreeMap<String, BTreeMap<String, u64>>;

/// A user class as the dispatcher sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserClass {
    pub name: String,
    /// Share of the users not taken by fixed-count classes; 0 takes none.
    pub weight: u32,
    /// With a value above 0, exactly this many users run this class, whatever the weights
    /// (Locust's `fixed_count`; 0 means the class is weighted).
    pub fixed_count: u32,
}

impl UserClass {
    pub fn weighted(name: &str, weight: u32) -> Self {
        UserClass { name: name.to_owned(), weight, fixed_count: 0 }
    }

    pub fn fixed(name: &str, fixed_count: u32) -> Self {
        UserClass { name: name.to_owned(), weight: 1, fixed_count }
    }
}

/// What the dispatcher hands its caller next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Send each worker in the map a `spawn` with its targets, now.
    Spawn(Assignment),
    /// The iteration is over: wait until this long after it began (the `next()` that
    /// opened it), then ask for the next step. Workers that join or leave during the wait
    /// are taken into account by that step, as in Locust.
    Pause(Duration),
}

/// Inputs the dispatcher cannot work with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DispatchError {
    #[error("no workers to dispatch users to: wait until at least one worker has connected")]
    NoWorkers,
    #[error("no user classes to dispatch: the locustfile must define at least one")]
    NoClasses,
    #[error("user class {0:?} is listed twice: class names must be unique")]
    DuplicateClass(String),
    #[error("user class {0:?} is not one of the classes the dispatcher was made with")]
    UnknownClass(String),
    #[error("spawn rate {0} is not a positive finite number of users per second")]
    SpawnRate(f64),
}
