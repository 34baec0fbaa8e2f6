//! Locust's wire conventions, shared by every part of cicada that must speak like Locust.
//!
//! - The master/worker **messages**: the `[type, data, node_id]` envelope ([`Message`], data
//!   kept as a dynamic msgpack [`Value`]) and, on top of it, typed messages for each
//!   direction ([`WorkerMessage`], [`MasterMessage`]), custom messages kept as they came.
//! - Locust's **stats report** ([`StatsReport`]): the per-entry deltas, error rows and their
//!   SHA-256 keys, int-keyed response-time and per-second maps.
//! - Python's conventions behind them: `repr()` quoting, `bucket_response_time` (round half
//!   to even), the `datetime` encoding of custom messages.
//!
//! Why a dynamic value and not serde structs: Python's encoding must be reproduced byte for
//! byte (key order, int vs float for the same field, int map keys, nil vs absent), and custom
//! messages must pass through untouched; `docs/protocol.md` has the details. Decoding never
//! panics: any bad frame or field is a [`DecodeError`] that names the field.
//!
//! The messages travel on the **ZMTP transport** ([`Dealer`], [`Router`]): ZMTP 3.1 over TCP
//! as libzmq speaks it to Locust, on threads and crossbeam channels (`zmtp/mod.rs` says why
//! it is our own). The master/worker roles build on all this; they live in the engine.

mod bucket;
mod datetime;
mod envelope;
mod error;
mod fields;
mod messages;
mod nesting;
mod number;
mod pytext;
mod stats;
mod wire;
mod zmtp;

pub use bucket::bucket_response_time;
pub use datetime::PyDateTime;
pub use envelope::Message;
pub use error::DecodeError;
pub use messages::{
    Ack, ClientReady, ExceptionReport, LocustfileItem, LocustfileReply, LocustfileRequest, Logs,
    MasterMessage, MasterSpawningComplete, Spawn, UpdateUserClass, WorkerHeartbeat, WorkerMessage,
    WorkerSpawningComplete, WorkerState,
};
pub use number::Number;
pub use pytext::python_repr;
pub use rmpv::Value;
pub use stats::{error_key, StatsEntry, StatsError, StatsReport};
pub use wire::{decode_value, encode_value};
/// For the `fuzz/` targets only.
#[doc(hidden)]
pub use zmtp::fuzzing;
pub use zmtp::{Dealer, Router, RouterEvent, TransportError};
