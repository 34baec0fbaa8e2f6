//! One config-file key and its value mapped to a flag, as configargparse and argparse read
//! it. An exact long name (`users`, `--users`) is the flag itself. Any other key becomes the
//! argument `--key=value` (one per item for a list) and argparse reads that: a unique prefix
//! works, an ambiguous or unknown one is argparse's error, and a switch given through a
//! prefix is refused because `--headl=true` carries a value. The errors add the file and the
//! key, so the user can find the line.

use super::errors::UsageError;
use super::source::{Origin, Raw};
use super::suggest;
use super::table::{self, Flag, Kind, Lookup};

/// The flag `key` sets, with the value it gets; `origin` is the file and key, for errors.
pub(super) fn resolve(
    key: &str,
    value: Raw,
    origin: &Origin,
) -> Result<(&'static Flag, Raw), UsageError> {
    // configargparse strips every leading and trailing `-` before it adds `--`.
    let name = key.trim_matches('-');
    let flag = match table::lookup_long(name) {
        Lookup::Found(flag) => flag,
        Lookup::Ambiguous(flags) => {
            let names: Vec<String> =
                flags.iter().filter_map(|f| f.long()).map(|l| format!("--{l}")).collect();
            let argument = arguments(name, &value).swap_remove(0);
            return Err(UsageError::new(format!(
                "ambiguous option: {argument} could match {}{}",
                names.join(", "),
                origin.suffix()
            )));
        }
        Lookup::Unknown => {
            let given = arguments(name, &value);
            // Locust suggests for the first unrecognized argument as written.
            let suggestion = suggest::closest(&given[0], table::all_option_strings());
            return Err(UsageError::new(format!(
                "unrecognized arguments: {}{}",
                given.join(" "),
                origin.suffix()
            ))
            .suggesting(suggestion));
        }
    };
    let exact = flag.long() == Some(name);
    match (flag.kind, value) {
        // `--help=true`, `--headl=true`: argparse refuses a value for an option that takes none.
        (Kind::Help | Kind::Version | Kind::Switch, value) if !exact || !flag.is_setting() => {
            let first = match &value {
                Raw::Items(items) => items.first().cloned().unwrap_or_default(),
                Raw::Text(text) => text.clone(),
                Raw::Present => String::new(),
            };
            Err(UsageError::argument(
                &flag.display(),
                format!("ignored explicit argument '{first}'{}", origin.suffix()),
            ))
        }
        // argparse would read `--tag=a --tag=b` as the list `[b]`: refuse rather than drop items.
        (Kind::List, Raw::Items(items)) if !exact && items.len() > 1 => Err(UsageError::argument(
            &flag.display(),
            format!(
                "a list needs the full key '{}', not '{name}'{}",
                flag.long().unwrap_or_default(),
                origin.suffix()
            ),
        )),
        (_, value) => Ok((flag, value)),
    }
}

/// The arguments configargparse makes of a key it does not know: `--key=value`, or one
/// `--key=item` per item of a list.
fn arguments(name: &str, value: &Raw) -> Vec<String> {
    match value {
        Raw::Items(items) if !items.is_empty() => {
            items.iter().map(|item| format!("--{name}={item}")).collect()
        }
        Raw::Items(_) => vec![format!("--{name}=[]")],
        Raw::Text(text) => vec![format!("--{name}={text}")],
        Raw::Present => vec![format!("--{name}")],
    }
}
