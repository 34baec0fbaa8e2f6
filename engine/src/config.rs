//! The validated settings the engine runs with. Built by the CLI (or a test) from whatever
//! source; the engine never sees command-line parsing.

use std::collections::BTreeMap;
use std::time::Duration;

/// A parsed option as scripts see it in `environment.parsed_options`.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Shard threads; each runs one event loop on its own core.
    pub shards: usize,
    /// Pin each shard thread to a core of the process's affinity mask.
    pub pin_threads: bool,
    /// The base URL requests are relative to (`--host`), if any.
    pub host: Option<String>,
    /// How long stopping users may finish their current task. Zero stops them at once.
    pub stop_timeout: Duration,
    /// Run only tasks with one of these tags (`--tags`), if set.
    pub tags: Option<Vec<String>>,
    /// Skip tasks with any of these tags (`--exclude-tags`).
    pub exclude_tags: Vec<String>,
    /// Run only these user classes (positional class names), if set. Names must exist.
    pub user_classes: Option<Vec<String>>,
    /// Reset the stats once every user has been spawned (`--reset-stats`).
    pub reset_stats: bool,
    /// Every parsed option, for scripts.
    pub options: BTreeMap<String, OptionValue>,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            shards: 1,
            pin_threads: false,
            host: None,
            stop_timeout: Duration::ZERO,
            tags: None,
            exclude_tags: Vec::new(),
            user_classes: None,
            reset_stats: false,
            options: BTreeMap::new(),
        }
    }
}

/// The cores this process may run on (its affinity mask), at least 1.
pub fn usable_cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}
