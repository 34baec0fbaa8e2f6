//! The worker's 1 s `heartbeat` (the master echoes it with nil data).

use rmpv::Value;

use crate::error::DecodeError;
use crate::fields::{map, Fields};

/// What a worker reports itself doing. The master counts only the first three as active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkerState {
    Ready,
    Spawning,
    Running,
    /// Any other string, such as locust4j's `"stopped"`.
    Other(String),
}

impl WorkerState {
    pub fn as_str(&self) -> &str {
        match self {
            WorkerState::Ready => "ready",
            WorkerState::Spawning => "spawning",
            WorkerState::Running => "running",
            WorkerState::Other(s) => s,
        }
    }

    fn parse(s: String) -> Self {
        match s.as_str() {
            "ready" => WorkerState::Ready,
            "spawning" => WorkerState::Spawning,
            "running" => WorkerState::Running,
            _ => WorkerState::Other(s),
        }
    }
}

/// `heartbeat` data from a worker. `state` and `current_cpu_usage` are required (their
/// absence kills a Python master's receive loop); memory is optional there.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerHeartbeat {
    pub state: WorkerState,
    /// Process CPU percent; may exceed 100.
    pub current_cpu_usage: f64,
    /// RSS in bytes.
    pub current_memory_usage: Option<u64>,
}

impl WorkerHeartbeat {
    pub(crate) fn decode(data: &Value, at: &str) -> Result<Self, DecodeError> {
        let f = Fields::of(data, at)?;
        let current_memory_usage = match f.get("current_memory_usage") {
            None => None,
            Some(_) => Some(f.u64("current_memory_usage")?),
        };
        Ok(WorkerHeartbeat {
            state: WorkerState::parse(f.str("state")?),
            current_cpu_usage: f.f64("current_cpu_usage")?,
            current_memory_usage,
        })
    }

    pub fn to_value(&self) -> Value {
        let mut pairs = vec![
            ("state", Value::from(self.state.as_str())),
            ("current_cpu_usage", Value::from(self.current_cpu_usage)),
        ];
        if let Some(m) = self.current_memory_usage {
            pairs.push(("current_memory_usage", Value::from(m)));
        }
        map(pairs)
    }
}
