//! The command line, through clap: a `Command` built from the flag table, configured to read
//! arguments the way Locust's argparse does (long options abbreviable to a unique prefix,
//! `--flag=value` and `--flag value`, clustered short options, the last repeat winning),
//! and clap's errors turned into argparse's messages. Values come out as raw text; checking
//! them is `validate.rs`'s job, the same for every source.

use std::ffi::OsString;

use clap::error::{ContextKind, ErrorKind};
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, ColorChoice, Command};

use super::errors::UsageError;
use super::source::{Given, Origin, Raw};
use super::suggest;
use super::table::{self, Flag, Kind, Lookup, FLAGS, USER_CLASSES_DEST};

/// What the command line asks for.
pub(super) enum Cli {
    Help,
    Version,
    Args(CliArgs),
}

/// The options and positionals given on the command line.
pub(super) struct CliArgs {
    pub(super) given: Vec<Given>,
    /// The positional user class names (empty when none were given).
    pub(super) user_classes: Vec<String>,
}

impl CliArgs {
    /// The `--config` file named on the command line, if any.
    pub(super) fn config_path(&self) -> Option<&str> {
        self.given.iter().find_map(|g| match (g.flag.kind, &g.raw) {
            (Kind::Config, Raw::Text(path)) => Some(path.as_str()),
            _ => None,
        })
    }
}

/// Parse the arguments (without the program name).
///
/// `-h/--help` and `-V/--version` win over unrecognized arguments, as in Locust. Unknown
/// options are all collected, like argparse's `unrecognized arguments: --a --b`.
pub(super) fn parse(args: &[OsString]) -> Result<Cli, UsageError> {
    let texts: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let mut remaining: Vec<OsString> = args.to_vec();
    let mut unrecognized: Vec<String> = Vec::new();
    loop {
        let err = match command().try_get_matches_from(&remaining) {
            Ok(matches) => {
                if let Some(exit) = help_or_version(&matches) {
                    return Ok(exit);
                }
                if !unrecognized.is_empty() {
                    return Err(unrecognized_error(&unrecognized));
                }
                return Ok(Cli::Args(extract(&matches)));
            }
            Err(err) => err,
        };
        if let Some(exit) = prescan_help_or_version(&texts) {
            return Ok(exit);
        }
        if err.kind() != ErrorKind::UnknownArgument {
            return Err(translate(&err));
        }
        let reported = context(&err, ContextKind::InvalidArg).unwrap_or_default();
        let token = original_token(&remaining, &reported);
        if let Some(ambiguous) = ambiguity(&token) {
            return Err(ambiguous);
        }
        let position = remaining.iter().position(|a| a.to_string_lossy() == token);
        match position {
            // Drop it and parse again, to find any further unknown options.
            Some(p) => {
                remaining.remove(p);
                unrecognized.push(token);
            }
            None => {
                if let Some(err) = cluster_error(&remaining, &reported) {
                    return Err(err);
                }
                unrecognized.push(token);
                return Err(unrecognized_error(&unrecognized));
            }
        }
    }
}

/// The clap command for the table: no built-in help or version (ours print Locust's way),
/// no colour, no program name in the arguments.
fn command() -> Command {
    let mut cmd = Command::new("cicada")
        .no_binary_name(true)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .color(ColorChoice::Never)
        .infer_long_args(true)
        .args_override_self(true);
    for flag in FLAGS {
        let mut arg = Arg::new(flag.dest);
        if let Some(long) = flag.long() {
            arg = arg.long(long);
        }
        if let Some(short) = flag.short() {
            arg = arg.short(short);
        }
        arg = match flag.kind {
            Kind::Help | Kind::Version | Kind::Switch => arg.action(ArgAction::SetTrue),
            Kind::Config | Kind::Value(_) => {
                arg.action(ArgAction::Set).num_args(1).allow_negative_numbers(true)
            }
            Kind::List => arg.action(ArgAction::Set).num_args(0..).allow_negative_numbers(true),
            Kind::Append(_) => {
                arg.action(ArgAction::Append).num_args(1).allow_negative_numbers(true)
            }
        };
        cmd = cmd.arg(arg);
    }
    cmd.arg(Arg::new(USER_CLASSES_DEST).num_args(0..).action(ArgAction::Append))
}

/// `--help` or `--version` if given; the first one wins, as argparse acts on it at once.
fn help_or_version(matches: &ArgMatches) -> Option<Cli> {
    let at = |id: &str| {
        let set = matches.try_get_one::<bool>(id).ok().flatten().copied().unwrap_or(false);
        if set {
            matches.index_of(id)
        } else {
            None
        }
    };
    match (at("help"), at("version")) {
        (Some(h), Some(v)) if v < h => Some(Cli::Version),
        (Some(_), _) => Some(Cli::Help),
        (None, Some(_)) => Some(Cli::Version),
        (None, None) => None,
    }
}

/// Look for `-h/--help` or `-V/--version` in arguments clap could not parse (argparse acts on
/// them before it reports unrecognized arguments).
fn prescan_help_or_version(texts: &[String]) -> Option<Cli> {
    for text in texts {
        if text == "--" {
            break;
        }
        let flag = if let Some(long) = text.strip_prefix("--") {
            match table::lookup_long(long.split('=').next().unwrap_or_default()) {
                Lookup::Found(flag) => Some(flag),
                _ => None,
            }
        } else if let Some(shorts) = text.strip_prefix('-') {
            // A cluster like `-lh`: switches, until one that takes a value.
            shorts
                .chars()
                .map_while(table::lookup_short)
                .take_while(|f| matches!(f.kind, Kind::Help | Kind::Version | Kind::Switch))
                .find(|f| matches!(f.kind, Kind::Help | Kind::Version))
        } else {
            None
        };
        match flag.map(|f| f.kind) {
            Some(Kind::Help) => return Some(Cli::Help),
            Some(Kind::Version) => return Some(Cli::Version),
            _ => {}
        }
    }
    None
}

/// The values clap found, as raw text tagged with their position on the command line.
fn extract(matches: &ArgMatches) -> CliArgs {
    let mut given = Vec::new();
    for flag in FLAGS.iter().filter(|f| f.is_setting()) {
        if matches.value_source(flag.dest) != Some(ValueSource::CommandLine) {
            continue;
        }
        let index = matches.index_of(flag.dest).unwrap_or(0);
        let raw = match flag.kind {
            Kind::Switch => Raw::Present,
            Kind::List | Kind::Append(_) => Raw::Items(strings(matches, flag.dest)),
            _ => match matches.try_get_one::<String>(flag.dest).ok().flatten() {
                Some(value) => Raw::Text(value.clone()),
                None => continue,
            },
        };
        given.push(Given { flag, raw, origin: Origin::Cli { index } });
    }
    CliArgs { given, user_classes: strings(matches, USER_CLASSES_DEST) }
}

fn strings(matches: &ArgMatches, id: &str) -> Vec<String> {
    match matches.try_get_many::<String>(id) {
        Ok(Some(values)) => values.cloned().collect(),
        _ => Vec::new(),
    }
}

fn context(err: &clap::Error, kind: ContextKind) -> Option<String> {
    err.get(kind).map(|v| v.to_string())
}

/// The argument as typed: clap reports `--bogus` for `--bogus=x`, argparse the whole token.
fn original_token(args: &[OsString], reported: &str) -> String {
    let with_value = format!("{reported}=");
    args.iter()
        .map(|a| a.to_string_lossy())
        .find(|a| a == reported || a.starts_with(&with_value))
        .map(|a| a.into_owned())
        .unwrap_or_else(|| reported.to_string())
}

/// argparse's `ambiguous option: --s could match --spawn-rate, --skip-log-setup, ...`.
fn ambiguity(token: &str) -> Option<UsageError> {
    let name = token.strip_prefix("--")?.split('=').next().unwrap_or_default();
    match table::lookup_long(name) {
        Lookup::Ambiguous(flags) => {
            let names: Vec<String> =
                flags.iter().filter_map(|f| f.long()).map(|l| format!("--{l}")).collect();
            Some(UsageError::new(format!(
                "ambiguous option: {token} could match {}",
                names.join(", ")
            )))
        }
        _ => None,
    }
}

/// argparse's error for an unknown letter inside a cluster of switches (`-lx`):
/// `argument -l/--list: ignored explicit argument 'x'`.
fn cluster_error(args: &[OsString], reported: &str) -> Option<UsageError> {
    let letter = reported.strip_prefix('-').filter(|l| l.chars().count() == 1)?.chars().next()?;
    for arg in args.iter().map(|a| a.to_string_lossy()) {
        let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.starts_with('-')) else {
            continue;
        };
        let mut previous: Option<&Flag> = None;
        for (i, c) in cluster.char_indices() {
            match (table::lookup_short(c), previous) {
                (Some(flag), _) if matches!(flag.kind, Kind::Switch) => previous = Some(flag),
                (None, Some(switch)) if c == letter => {
                    return Some(UsageError::argument(
                        &switch.display(),
                        format!("ignored explicit argument '{}'", &cluster[i..]),
                    ));
                }
                _ => break,
            }
        }
    }
    None
}

/// `unrecognized arguments: a b`, with Locust's suggestion for the first one.
fn unrecognized_error(tokens: &[String]) -> UsageError {
    let first = tokens.first().map(String::as_str).unwrap_or_default();
    UsageError::new(format!("unrecognized arguments: {}", tokens.join(" ")))
        .suggesting(suggest::closest(first, table::all_option_strings()))
}

/// The flag clap names in an error (`--users <num_users>` or `-u`).
fn flag_in(err: &clap::Error) -> Option<&'static Flag> {
    let arg = context(err, ContextKind::InvalidArg)?;
    let name = arg.split_whitespace().next()?;
    if let Some(long) = name.strip_prefix("--") {
        return match table::lookup_long(long) {
            Lookup::Found(flag) => Some(flag),
            _ => None,
        };
    }
    name.strip_prefix('-').and_then(|s| s.chars().next()).and_then(table::lookup_short)
}

/// argparse's wording for the errors clap can raise with this command.
fn translate(err: &clap::Error) -> UsageError {
    let flag = flag_in(err);
    let value = context(err, ContextKind::InvalidValue);
    match (err.kind(), flag, value) {
        (ErrorKind::InvalidValue, Some(flag), Some(v)) if v.is_empty() => {
            UsageError::argument(&flag.display(), "expected one argument")
        }
        (ErrorKind::TooManyValues, Some(flag), Some(v)) => {
            UsageError::argument(&flag.display(), format!("ignored explicit argument '{v}'"))
        }
        (ErrorKind::InvalidUtf8, Some(flag), _) => {
            UsageError::argument(&flag.display(), "the value is not valid UTF-8")
        }
        _ => {
            let rendered = err.to_string();
            let first = rendered.lines().next().unwrap_or_default();
            UsageError::new(first.strip_prefix("error: ").unwrap_or(first))
        }
    }
}
