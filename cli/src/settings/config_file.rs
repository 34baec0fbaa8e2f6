//! Config files: which ones are read, in Locust 2.47's observed precedence (the `--config`
//! file, then `./pyproject.toml`, then `./locust.conf`, then `~/.locust.conf`), and their
//! keys mapped to flags. A key is a long option name, with or without `--` (argparse also
//! takes a unique prefix); an unknown key is an error naming the file and the key.

use std::path::Path;

use super::errors::UsageError;
use super::ini::{self, Entry};
use super::source::{Given, Origin, Raw};
use super::suggest;
use super::table::{self, Kind, Lookup, FLAGS};
use super::toml_file;

/// The values of every config file that exists, highest precedence first; within a file a
/// later line for the same option replaces an earlier one.
pub(super) fn read_all(
    config: Option<&str>,
    cwd: &Path,
    home: Option<&Path>,
) -> Result<Vec<Vec<Given>>, UsageError> {
    let mut files = Vec::new();
    if let Some(name) = config {
        // Named explicitly, so it must exist; shown as the user wrote it.
        let text = read(&cwd.join(name), name)?;
        files.push(values(&text, name)?);
    }
    let defaults = [
        Some(cwd.join("pyproject.toml")),
        Some(cwd.join("locust.conf")),
        home.map(|h| h.join(".locust.conf")),
    ];
    for path in defaults.into_iter().flatten() {
        if !path.exists() {
            continue;
        }
        let shown = path.display().to_string();
        let text = read(&path, &shown)?;
        files.push(values(&text, &shown)?);
    }
    Ok(files)
}

fn read(path: &Path, shown: &str) -> Result<String, UsageError> {
    std::fs::read_to_string(path)
        .map_err(|e| UsageError::new(format!("Unable to open config file: {shown}. Error: {e}")))
}

/// One file's values, read as TOML when its name ends in `.toml` (as Locust decides).
fn values(text: &str, shown: &str) -> Result<Vec<Given>, UsageError> {
    let entries = if shown.ends_with(".toml") {
        toml_file::parse(text)
            .map_err(|e| UsageError::new(format!("Couldn't parse TOML file {shown}: {e}")))?
    } else {
        ini::parse(text).map_err(|bad| {
            UsageError::new(format!("Unexpected line {} in {shown}: {}", bad.number, bad.text))
        })?
    };
    let mut given: Vec<Given> = Vec::new();
    for Entry { key, value } in entries {
        let flag = match table::lookup_long(key.trim_matches('-')) {
            Lookup::Found(flag) if flag.is_setting() => flag,
            Lookup::Ambiguous(flags) => {
                let names: Vec<&str> = flags.iter().filter_map(|f| f.long()).collect();
                return Err(UsageError::new(format!(
                    "ambiguous key '{key}' in config file {shown}: could match {}",
                    names.join(", ")
                )));
            }
            Lookup::Found(_) | Lookup::Unknown => return Err(unknown_key(&key, shown)),
        };
        let raw = match (flag.kind, value) {
            // Locust accepts a `config` key and does nothing with it.
            (Kind::Config, _) => continue,
            // An empty list value counts as unset (configargparse).
            (Kind::List, Raw::Text(text)) if text.is_empty() => continue,
            (Kind::List, Raw::Text(text)) => Raw::Items(vec![text]),
            (_, value) => value,
        };
        given.retain(|g| g.flag.dest != flag.dest);
        let origin = Origin::File { path: shown.to_string(), key };
        given.push(Given { flag, raw, origin });
    }
    Ok(given)
}

fn unknown_key(key: &str, shown: &str) -> UsageError {
    let keys = FLAGS.iter().filter(|f| f.is_setting()).filter_map(|f| f.long());
    UsageError::new(format!("unrecognized key '{key}' in config file {shown}"))
        .suggesting(suggest::closest(key, keys))
}
