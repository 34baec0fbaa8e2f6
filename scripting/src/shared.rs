//! What the Rust functions of one Lua state share: the shard (absent in the state that only
//! validates a script), the runaway guard, the request listeners, the StopUser and quit
//! sentinels, and the count of Rust-side bytes the Lua collector cannot see.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Instant;

use cicada_engine::ShardContext;
use mlua::{Function, Table};

use crate::guard::Guard;

/// Listeners of one event, shared by its Lua object and Rust.
pub(crate) type Listeners = Rc<RefCell<Vec<Function>>>;

pub(crate) struct Shared {
    /// The shard this state runs on; `None` while validating a script.
    pub(crate) ctx: Option<ShardContext>,
    pub(crate) guard: Rc<Guard>,
    /// Runs script functions under `xpcall` (see `task.rs`).
    pub(crate) trampoline: Function,
    pub(crate) request_listeners: Listeners,
    /// Custom message handlers by message type (`runner:register_message`).
    pub(crate) message_handlers: RefCell<HashMap<String, Function>>,
    /// `cicada.StopUser`: raised to stop the current user.
    pub(crate) stop: Table,
    /// Raised by `runner:quit()` to end the current task once the run is told to stop.
    pub(crate) quit: Table,
    /// Bytes held by Rust behind Lua values (response bodies) since the last GC step.
    external_bytes: Cell<usize>,
    /// Origin of `clock()`, the monotonic time `measure` uses.
    epoch: Instant,
}

impl Shared {
    pub(crate) fn new(
        ctx: Option<ShardContext>,
        guard: Rc<Guard>,
        trampoline: Function,
        stop: Table,
        quit: Table,
    ) -> Rc<Self> {
        Rc::new(Shared {
            ctx,
            guard,
            trampoline,
            request_listeners: Listeners::default(),
            message_handlers: RefCell::default(),
            stop,
            quit,
            external_bytes: Cell::new(0),
            epoch: Instant::now(),
        })
    }

    /// Count `bytes` of Rust memory that Lua values now keep alive.
    #[inline]
    pub(crate) fn add_external(&self, bytes: usize) {
        self.external_bytes.set(self.external_bytes.get().saturating_add(bytes));
    }

    /// The bytes counted since the last call.
    pub(crate) fn take_external(&self) -> usize {
        self.external_bytes.replace(0)
    }

    /// Seconds since this state was made, from a monotonic clock.
    pub(crate) fn clock(&self) -> f64 {
        self.epoch.elapsed().as_secs_f64()
    }
}
