//! Typed messages, one enum per direction. Four type names mean different things in each
//! direction (`heartbeat`, `spawning_complete`, `quit`, `locustfile`), so the receiver picks
//! the enum: a master decodes [`WorkerMessage`], a worker [`MasterMessage`].
//!
//! A type name that is not built in for that direction is a custom message and stays a
//! [`Message`], data untouched, as Python hands it to `register_message` handlers. Messages
//! whose data Locust ignores (`spawning`, `stop`, …) accept any data and send nil.

mod exception;
mod handshake;
mod heartbeat;
mod locustfile;
mod logs;
mod spawn;
mod user_class;

use rmpv::Value;

pub use exception::ExceptionReport;
pub use handshake::{Ack, ClientReady};
pub use heartbeat::{WorkerHeartbeat, WorkerState};
pub use locustfile::{LocustfileItem, LocustfileReply, LocustfileRequest};
pub use logs::Logs;
pub use spawn::{MasterSpawningComplete, Spawn, WorkerSpawningComplete};
pub use user_class::UpdateUserClass;

use crate::envelope::Message;
use crate::error::DecodeError;
use crate::stats::StatsReport;

/// What a worker sends, as its master receives it.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerMessage {
    ClientReady(ClientReady),
    Heartbeat(WorkerHeartbeat),
    Stats(Box<StatsReport>),
    Spawning,
    SpawningComplete(WorkerSpawningComplete),
    ClientStopped,
    Quit,
    Exception(ExceptionReport),
    Logs(Logs),
    Locustfile(LocustfileRequest),
    Custom(Message),
}

impl WorkerMessage {
    pub fn decode(bytes: &[u8]) -> Result<(Self, String), DecodeError> {
        let msg = Message::decode(bytes)?;
        let node_id = msg.node_id.clone();
        Ok((Self::from_message(msg)?, node_id))
    }

    pub fn from_message(msg: Message) -> Result<Self, DecodeError> {
        let (d, at) = (&msg.data, msg.kind.as_str());
        Ok(match at {
            "client_ready" => WorkerMessage::ClientReady(ClientReady::decode(d, at)?),
            "heartbeat" => WorkerMessage::Heartbeat(WorkerHeartbeat::decode(d, at)?),
            "stats" => WorkerMessage::Stats(Box::new(StatsReport::decode(d, at)?)),
            "spawning" => WorkerMessage::Spawning,
            "spawning_complete" => {
                WorkerMessage::SpawningComplete(WorkerSpawningComplete::decode(d, at)?)
            }
            "client_stopped" => WorkerMessage::ClientStopped,
            "quit" => WorkerMessage::Quit,
            "exception" => WorkerMessage::Exception(ExceptionReport::decode(d, at)?),
            "logs" => WorkerMessage::Logs(Logs::decode(d, at)?),
            "locustfile" => WorkerMessage::Locustfile(LocustfileRequest::decode(d, at)?),
            _ => WorkerMessage::Custom(msg),
        })
    }

    /// The envelope for sending; a custom message keeps its own node id.
    pub fn to_message(&self, node_id: &str) -> Message {
        let (kind, data) = match self {
            WorkerMessage::ClientReady(m) => ("client_ready", m.to_value()),
            WorkerMessage::Heartbeat(m) => ("heartbeat", m.to_value()),
            WorkerMessage::Stats(m) => ("stats", m.to_value()),
            WorkerMessage::Spawning => ("spawning", Value::Nil),
            WorkerMessage::SpawningComplete(m) => ("spawning_complete", m.to_value()),
            WorkerMessage::ClientStopped => ("client_stopped", Value::Nil),
            WorkerMessage::Quit => ("quit", Value::Nil),
            WorkerMessage::Exception(m) => ("exception", m.to_value()),
            WorkerMessage::Logs(m) => ("logs", m.to_value()),
            WorkerMessage::Locustfile(m) => ("locustfile", m.to_value()),
            WorkerMessage::Custom(m) => return m.clone(),
        };
        Message::new(kind, data, node_id)
    }

    pub fn encode(&self, node_id: &str) -> Vec<u8> {
        self.to_message(node_id).encode()
    }
}

/// What a master sends, as its worker receives it.
#[derive(Debug, Clone, PartialEq)]
pub enum MasterMessage {
    Ack(Ack),
    Heartbeat,
    Spawn(Spawn),
    SpawningComplete(MasterSpawningComplete),
    Stop,
    Quit,
    Reconnect,
    Locustfile(LocustfileReply),
    UpdateUserClass(UpdateUserClass),
    Custom(Message),
}

impl MasterMessage {
    pub fn decode(bytes: &[u8]) -> Result<(Self, String), DecodeError> {
        let msg = Message::decode(bytes)?;
        let node_id = msg.node_id.clone();
        Ok((Self::from_message(msg)?, node_id))
    }

    pub fn from_message(msg: Message) -> Result<Self, DecodeError> {
        let (d, at) = (&msg.data, msg.kind.as_str());
        Ok(match at {
            "ack" => MasterMessage::Ack(Ack::decode(d, at)?),
            "heartbeat" => MasterMessage::Heartbeat,
            "spawn" => MasterMessage::Spawn(Spawn::decode(d, at)?),
            "spawning_complete" => {
                MasterMessage::SpawningComplete(MasterSpawningComplete::decode(d, at)?)
            }
            "stop" => MasterMessage::Stop,
            "quit" => MasterMessage::Quit,
            "reconnect" => MasterMessage::Reconnect,
            "locustfile" => MasterMessage::Locustfile(LocustfileReply::decode(d, at)?),
            "update_user_class" => MasterMessage::UpdateUserClass(UpdateUserClass::decode(d, at)?),
            _ => MasterMessage::Custom(msg),
        })
    }

    /// The envelope for sending to worker `node_id`; a custom message keeps its own.
    pub fn to_message(&self, node_id: &str) -> Message {
        let (kind, data) = match self {
            MasterMessage::Ack(m) => ("ack", m.to_value()),
            MasterMessage::Heartbeat => ("heartbeat", Value::Nil),
            MasterMessage::Spawn(m) => ("spawn", m.to_value()),
            MasterMessage::SpawningComplete(m) => ("spawning_complete", m.to_value()),
            MasterMessage::Stop => ("stop", Value::Nil),
            MasterMessage::Quit => ("quit", Value::Nil),
            MasterMessage::Reconnect => ("reconnect", Value::Nil),
            MasterMessage::Locustfile(m) => ("locustfile", m.to_value()),
            MasterMessage::UpdateUserClass(m) => ("update_user_class", m.to_value()),
            MasterMessage::Custom(m) => return m.clone(),
        };
        Message::new(kind, data, node_id)
    }

    pub fn encode(&self, node_id: &str) -> Vec<u8> {
        self.to_message(node_id).encode()
    }
}
