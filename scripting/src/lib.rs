//! cicada's Lua scenario API: locustfile-like scripts in Lua 5.4.
//!
//! ```lua
//! local cicada = require("cicada")
//! local User = cicada.HttpUser:extend("QuickstartUser", { wait_time = cicada.between(1, 5) })
//! function User:on_start() self.client:post("/login", { json = { username = "foo" } }) end
//! User:task(3, function(self) self.client:get("/hello") end)
//! ```
//!
//! [`LuaScenario::load`] runs a script once on the calling thread to check it (errors name
//! the file and line) and to list its user classes; the engine then asks it for one
//! [`ShardScenario`](cicada_engine::ShardScenario) per shard, each a Lua state of its own
//! running the same script — so each shard behaves like one Locust worker process. A virtual
//! user is a Lua table whose class is its metatable; each task runs on a coroutine that the
//! shard's event loop drives as a future, suspended while the script waits for HTTP or
//! sleeps. The whole Lua API is described in `docs/scripting.md`.
//!
//! Guards keep scripts from taking a shard down: an instruction-count hook stops code that
//! runs too long without yielding ([`ScenarioLimits`]), `coroutine.yield()` on a task gives
//! the event loop a real turn, and the Lua collector is paced from Rust, which knows the
//! memory Lua cannot see.

mod class;
mod client;
mod debug;
mod environment;
mod errors;
mod events;
mod gc;
mod guard;
mod json;
mod loader;
mod messages;
mod module;
mod msgpack;
mod multipart;
mod request_opts;
mod response;
mod scenario;
mod shape;
mod shard;
mod shared;
mod sleep;
mod task;
mod taskset;
mod user;
mod wait;
mod yield_fix;

pub use debug::{DebugHooks, ErrorHook, ReportedRequest, RequestHook};
pub use errors::ScriptError;
pub use guard::{DEFAULT_RUNAWAY_LIMIT, HOOK_INTERVAL};
pub use scenario::{LuaScenario, ScenarioLimits};
pub use shape::{LuaShape, ShapeTick, TickError};
