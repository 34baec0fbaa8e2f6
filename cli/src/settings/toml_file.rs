//! TOML config files (`pyproject.toml`, or any `--config` file ending in `.toml`): the
//! `[tool.locust]` table, where arrays stay lists and every other value becomes the text
//! Python's `str()` gives it (`true` → `True`, `2` → `2`), as Locust's TOML reader does.

use super::ini::Entry;
use super::pytext;
use super::source::Raw;

/// The `[tool.locust]` entries (none if the table is missing), or the parse error's text.
pub(super) fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let document: toml::Table = text.parse().map_err(|e: toml::de::Error| describe(&e, text))?;
    let Some(toml::Value::Table(section)) =
        document.get("tool").and_then(|tool| tool.get("locust"))
    else {
        return Ok(Vec::new());
    };
    let entries = section
        .iter()
        .map(|(key, value)| {
            let value = match value {
                toml::Value::Array(items) => {
                    Raw::Items(items.iter().map(pytext::toml_str).collect())
                }
                other => Raw::Text(pytext::toml_str(other)),
            };
            Entry { key: key.clone(), value }
        })
        .collect();
    Ok(entries)
}

/// The error's message with its line and column (from 1), in one line.
fn describe(err: &toml::de::Error, text: &str) -> String {
    let message = err.message().trim_end().replace('\n', " ");
    match err.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("{message} (at line {line}, column {column})")
        }
        None => message,
    }
}
