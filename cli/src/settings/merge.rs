//! Precedence: for each flag the first source that sets it wins — command line, then
//! `LOCUST_*` variables, then the config files in their order — and only the winning value is
//! read further. A switch set to `false` by a higher source still counts as set, so
//! `LOCUST_HEADLESS=false` beats `headless = true` in a file (as in Locust).

use super::errors::UsageError;
use super::source::{Given, Origin, Raw};
use super::table::{Flag, Kind, FLAGS};

/// A flag's winning value, read according to its kind.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Chosen {
    Switch(bool),
    Text(String),
    Items(Vec<String>),
}

/// The winning value of one flag and where it came from.
#[derive(Debug, Clone)]
pub(super) struct Picked {
    pub(super) flag: &'static Flag,
    pub(super) value: Chosen,
    pub(super) origin: Origin,
}

/// Pick each flag's value from the sources, highest precedence first.
pub(super) fn pick(
    cli: &[Given],
    env: &[Given],
    files: &[Vec<Given>],
) -> Result<Vec<Picked>, UsageError> {
    let sources =
        std::iter::once(cli).chain(std::iter::once(env)).chain(files.iter().map(Vec::as_slice));
    let sources: Vec<&[Given]> = sources.collect();
    let mut picked = Vec::new();
    for flag in FLAGS.iter().filter(|f| f.is_setting()) {
        let winner =
            sources.iter().find_map(|source| source.iter().find(|g| g.flag.dest == flag.dest));
        if let Some(given) = winner {
            let value = read(given)?;
            picked.push(Picked { flag, value, origin: given.origin.clone() });
        }
    }
    Ok(picked)
}

/// The value as the flag's kind reads it: a switch's `true`/`false` word, one value, a list.
fn read(given: &Given) -> Result<Chosen, UsageError> {
    match (given.flag.kind, &given.raw) {
        (_, Raw::Present) => Ok(Chosen::Switch(true)),
        (Kind::Switch, Raw::Text(word)) => switch_word(word, &given.origin).map(Chosen::Switch),
        (Kind::List | Kind::Append(_), Raw::Text(text)) => Ok(Chosen::Items(vec![text.clone()])),
        (Kind::List | Kind::Append(_), Raw::Items(items)) => Ok(Chosen::Items(items.clone())),
        (_, Raw::Text(text)) => Ok(Chosen::Text(text.clone())),
        (_, Raw::Items(items)) => Err(UsageError::new(format!(
            "{} can't be set to a list '[{}]'{}",
            source_name(&given.origin),
            items.join(", "),
            file_note(&given.origin)
        ))),
    }
}

/// configargparse's reading of a store-true flag from env or a file.
fn switch_word(word: &str, origin: &Origin) -> Result<bool, UsageError> {
    match word.to_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(true),
        "false" | "no" | "off" | "0" => Ok(false),
        _ => Err(UsageError::new(format!(
            "Unexpected value for {}: '{word}'. Expecting 'true', 'false', 'yes', 'no', 'on', \
             'off', '1' or '0'{}",
            source_name(origin),
            file_note(origin)
        ))),
    }
}

/// ` (in config file <path>)` for a value from a file; env variables name themselves.
fn file_note(origin: &Origin) -> String {
    match origin {
        Origin::File { path, .. } => format!(" (in config file {path})"),
        _ => String::new(),
    }
}

/// The variable or key a value was given under, as configargparse names it.
fn source_name(origin: &Origin) -> &str {
    match origin {
        Origin::Env { var } => var,
        Origin::File { key, .. } => key,
        Origin::Cli { .. } => "the command line",
    }
}
