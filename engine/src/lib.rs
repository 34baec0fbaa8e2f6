//! cicada's engine: a load generator that runs one shard per core.
//!
//! A **shard** is a thread pinned to a core, running its own monoio event loop (io_uring, or
//! epoll where io_uring is unavailable). It owns its virtual users (futures driven by the
//! loop), their HTTP connections, its half of the scenario (a Lua state, say) and its own
//! stats — nothing on the request path is shared between threads. A **coordinator** thread
//! ramps the number of users, telling each shard how many of each class it should run, and
//! an **aggregator** thread merges the stats deltas the shards send about once a second.
//!
//! Everything outside the engine drives it through [`Control`], which [`Runner::start`]
//! returns; scenarios plug in through the [`Scenario`] traits, so the engine knows nothing
//! of Lua, command lines or web servers. The [`worker`] role runs the same engine under a
//! Locust master, as one worker that uses every shard.

mod config;
mod control;
mod coordinator;
mod custom_message;
mod dispatch;
pub mod http;
pub mod locust_dispatch;
pub mod master;
pub mod report;
mod runtime;
mod scenario;
mod shard;
mod signal;
pub mod stats;
mod timespan;
mod user;
mod user_context;
mod wait;
pub mod worker;

pub use config::{usable_cores, OptionValue, RunConfig};
pub use control::{Control, EngineError, RunEvent, RunState, Runner};
pub use custom_message::{Delivery, MessageOutlet, SendMessageError, LOCAL_NODE_ID};
pub use runtime::{sleep, uses_io_uring};
pub use scenario::{
    LocalFuture, Scenario, ScenarioError, ShardScenario, TaskError, TaskResult, TaskSpec,
    UserBehavior, UserClassSpec,
};
pub use stats::{RequestRecord, RequestStats, StatsSnapshot};
pub use timespan::{parse_timespan, TimespanError};
pub use user_context::{ShardContext, UserContext};
pub use wait::{Pacer, WaitTime};
