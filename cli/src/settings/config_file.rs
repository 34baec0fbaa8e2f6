//! Config files: which ones are read, in Locust 2.47's observed precedence (the `--config`
//! file, then `./pyproject.toml`, then `./locust.conf`, then `~/.locust.conf`), and their
//! keys mapped to flags.
//!
//! configargparse turns each key it does not know exactly into the argument `--key=value`
//! and lets argparse read it, so this follows argparse: a key is a long option name with or
//! without `--`, or a unique prefix of one; an unknown or ambiguous key is argparse's
//! error for that argument, and an abbreviated switch key is refused (`--headl=true`). Every
//! message names the file, the key and the value.

use std::path::Path;

use super::config_key;
use super::errors::UsageError;
use super::ini::{self, Entry};
use super::pytext;
use super::source::{Given, Origin, Raw};
use super::table::Kind;
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
        // Named explicitly, so it must exist; shown as the user wrote it, `~` expanded (as
        // configargparse does with `os.path.expanduser`).
        let shown = expand_home(name, home);
        let text = read(&cwd.join(&shown), &shown)?;
        files.push(values(&text, &shown)?);
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

/// `~` or `~/...` with the home directory put in, when there is one.
fn expand_home(name: &str, home: Option<&Path>) -> String {
    let rest = match name.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
        _ => return name.to_string(),
    };
    match home {
        Some(home) => format!("{}{rest}", home.display()),
        None => name.to_string(),
    }
}

fn read(path: &Path, shown: &str) -> Result<String, UsageError> {
    std::fs::read_to_string(path).map_err(|e| {
        UsageError::new(format!(
            "Unable to open config file: {shown}. Error: {}",
            os_error(&e, shown)
        ))
    })
}

/// Python's text for a failed `open()`: `[Errno 2] No such file or directory: 'x.conf'`.
fn os_error(err: &std::io::Error, shown: &str) -> String {
    let text = err.to_string();
    match err.raw_os_error() {
        Some(code) => {
            let description = text.strip_suffix(&format!(" (os error {code})")).unwrap_or(&text);
            format!("[Errno {code}] {description}: {}", pytext::repr(shown))
        }
        None => text,
    }
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
        let origin = Origin::File { path: shown.to_string(), key: key.clone() };
        let (flag, value) = config_key::resolve(&key, value, &origin)?;
        let raw = match (flag.kind, value) {
            // An empty list value counts as unset (configargparse).
            (Kind::List | Kind::Append(_), Raw::Text(text)) if text.is_empty() => continue,
            (Kind::List | Kind::Append(_), Raw::Text(text)) => Raw::Items(vec![text]),
            (_, value) => value,
        };
        given.retain(|g| g.flag.dest != flag.dest);
        given.push(Given { flag, raw, origin });
    }
    Ok(given)
}
