//! A value as one source gave it — the command line, a `LOCUST_*` variable or a config file —
//! and where it came from, so an error can name the flag, the variable or the file and key.

use super::pytext;
use super::table::Flag;

/// A value before it is checked against its flag.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Raw {
    /// A switch given on the command line.
    Present,
    /// One text value (a switch's `true`/`false` word from env or a config file, too).
    Text(String),
    /// Several values: `-T a b`, `[a, b]` list syntax, a TOML array.
    Items(Vec<String>),
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Origin {
    /// The command line; `index` orders errors the way argparse meets them.
    Cli { index: usize },
    /// A `LOCUST_*` variable.
    Env { var: &'static str },
    /// A key in a config file.
    File { path: String, key: String },
}

impl Origin {
    /// The text appended to a value error so it names its source (nothing for the command
    /// line, where argparse's own wording already does).
    pub(super) fn suffix(&self) -> String {
        match self {
            Origin::Cli { .. } => String::new(),
            Origin::Env { var } => format!(" (from {var})"),
            Origin::File { path, key } => format!(" (from '{key}' in config file {path})"),
        }
    }

    /// Errors are reported in the order argparse would meet them: env and config-file values
    /// are inserted before the command-line arguments.
    pub(super) fn rank(&self) -> (u8, usize) {
        match self {
            Origin::Env { .. } => (0, 0),
            Origin::File { .. } => (1, 0),
            Origin::Cli { index } => (2, *index),
        }
    }
}

/// A value for one flag from one source.
#[derive(Debug, Clone)]
pub(super) struct Given {
    pub(super) flag: &'static Flag,
    pub(super) raw: Raw,
    pub(super) origin: Origin,
}

/// configargparse's list syntax for `[a, b]` values: JSON if it parses (`["a b", 1]`), else
/// the text between the brackets split on commas, each item trimmed (`[a, b c]`).
pub(super) fn split_list(text: &str) -> Vec<String> {
    if let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(text) {
        return items.iter().map(pytext::json_str).collect();
    }
    let inner = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')).unwrap_or("");
    inner.split(',').map(|item| item.trim().to_string()).collect()
}

/// Whether a value is written in list syntax (`[` ... `]`).
pub(super) fn is_list_syntax(text: &str) -> bool {
    text.starts_with('[') && text.ends_with(']')
}
