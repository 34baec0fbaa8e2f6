//! Custom messages between scripts (Locust's `runner.send_message` and `register_message`).
//!
//! Each shard has its own scenario half (a Lua state), so a handler registered by a script is
//! registered once per shard. A message that arrives is handed to **every** shard through its
//! command channel, and each shard runs its own handler as a short task. The [`MessageHub`]
//! is the one place shards and the process's role meet:
//!
//! - **Outgoing**: a shard's message goes to the outlet a role installed (a worker's link to
//!   its master), or, with none, back to every shard of this run, from node `"local"`, as
//!   Locust's `LocalRunner` delivers to its own handlers.
//! - **Incoming**: [`MessageHub::deliver`] queues the message on every shard, if any shard
//!   registered a handler for its type; otherwise it reports it unhandled, so the caller can
//!   log Locust's "Unknown message type received" once instead of once per shard.
//!
//! Messages are rare and never on the request path, so the locks here cost nothing that
//! matters.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock, Weak};

use cicada_proto::Message;

use crate::shard::{ShardCommand, ShardHandle};

/// Where the messages scripts send go instead of back to this run's own handlers. Called
/// on the sending shard's thread: it must queue, not block.
pub type MessageOutlet = Box<dyn Fn(Message) + Send + Sync>;

/// The node id of messages a run sends to itself (Locust's `LocalRunner` uses it).
pub const LOCAL_NODE_ID: &str = "local";

/// Why a message a script sent went nowhere.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendMessageError {
    /// A local run with no handler registered for the type (Locust logs the same words).
    #[error("Unknown message type received: {0}")]
    Unhandled(String),
    /// Sent while not every shard runs: while they are built (from an `init` listener, say)
    /// or after they ended.
    #[error("the {0:?} message was not delivered: the run's shards are not all running (send it from test_start or later)")]
    NotStarted(String),
}

#[derive(Default)]
pub(crate) struct MessageHub {
    /// Types some shard has a handler for.
    registered: Mutex<HashSet<String>>,
    /// This run's shards, set once they have all started. Weak: the shards' contexts hold
    /// the hub, and a strong reference back would keep their command channels open.
    shards: OnceLock<Weak<Vec<ShardHandle>>>,
    outlet: RwLock<Option<MessageOutlet>>,
}

impl MessageHub {
    pub(crate) fn set_shards(&self, shards: &Arc<Vec<ShardHandle>>) {
        let _ = self.shards.set(Arc::downgrade(shards));
    }

    pub(crate) fn set_outlet(&self, outlet: Option<MessageOutlet>) {
        *self.outlet.write().unwrap_or_else(PoisonError::into_inner) = outlet;
    }

    /// A shard's script registered a handler for `kind`.
    pub(crate) fn register(&self, kind: &str) {
        self.registered.lock().unwrap_or_else(PoisonError::into_inner).insert(kind.to_owned());
    }

    /// A script sends `msg`: out through the outlet, or to this run's own handlers.
    pub(crate) fn send(&self, msg: Message) -> Result<(), SendMessageError> {
        if let Some(outlet) = &*self.outlet.read().unwrap_or_else(PoisonError::into_inner) {
            outlet(msg);
            return Ok(());
        }
        let kind = msg.kind.clone();
        match self.deliver(Message { node_id: LOCAL_NODE_ID.to_owned(), ..msg }) {
            Delivery::Queued => Ok(()),
            Delivery::Unhandled => Err(SendMessageError::Unhandled(kind)),
            Delivery::NotStarted => Err(SendMessageError::NotStarted(kind)),
        }
    }

    /// Queue `msg` on every shard, if any registered a handler for its type.
    pub(crate) fn deliver(&self, msg: Message) -> Delivery {
        if !self.registered.lock().unwrap_or_else(PoisonError::into_inner).contains(&msg.kind) {
            return Delivery::Unhandled;
        }
        let Some(shards) = self.shards.get().and_then(Weak::upgrade) else {
            return Delivery::NotStarted;
        };
        let msg = Arc::new(msg);
        for shard in shards.iter() {
            shard.send(ShardCommand::Message(Arc::clone(&msg)));
        }
        Delivery::Queued
    }
}

/// What became of a message handed to [`MessageHub::deliver`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// On its way to every shard's handler.
    Queued,
    /// No shard has a handler for its type.
    Unhandled,
    /// The run's shards are not all started yet (or have ended).
    NotStarted,
}
