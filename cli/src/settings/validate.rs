//! Checking and converting the winning values, with argparse's messages
//! (`argument -u/--users: invalid int value: 'x'`), into Locust's `parsed_options`: every
//! option by its `dest`, defaults included, as scripts see them.

use std::collections::{BTreeMap, HashMap};

use cicada_engine::{parse_timespan, OptionValue};

use super::errors::UsageError;
use super::merge::{Chosen, Picked};
use super::pytext;
use super::table::{Flag, Initial, Kind, Parse, FLAGS, USER_CLASSES_DEST};

/// Locust's log level names, the only values `-L` takes (after upper-casing).
pub(super) const LOG_LEVELS: [&str; 5] = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

/// Every option by its `dest`, defaults filled in; the first bad value is the error, taken
/// in the order argparse would meet it (env and config values before command-line ones).
pub(super) fn options(
    picked: &[Picked],
    user_classes: Vec<String>,
) -> Result<BTreeMap<String, OptionValue>, UsageError> {
    let mut in_order: Vec<&Picked> = picked.iter().collect();
    in_order.sort_by_key(|p| p.origin.rank());
    let mut values: HashMap<&str, OptionValue> = HashMap::new();
    for p in in_order {
        let value = convert(p.flag, &p.value).map_err(|detail| {
            UsageError::argument(&p.flag.display(), format!("{detail}{}", p.origin.suffix()))
        })?;
        values.insert(p.flag.dest, value);
    }
    let mut options = BTreeMap::new();
    for flag in FLAGS.iter().filter(|f| f.is_setting()) {
        let value = values.remove(flag.dest).unwrap_or_else(|| initial(flag.default));
        options.insert(flag.dest.to_string(), value);
    }
    // Locust's main turns --headless off when --headful is set, in the options too.
    if options.get("headful") == Some(&OptionValue::Bool(true)) {
        options.insert("headless".to_string(), OptionValue::Bool(false));
    }
    options.insert(USER_CLASSES_DEST.to_string(), OptionValue::List(user_classes));
    Ok(options)
}

fn initial(default: Initial) -> OptionValue {
    match default {
        Initial::None => OptionValue::None,
        Initial::False => OptionValue::Bool(false),
        Initial::Text(t) => OptionValue::Str(t.to_string()),
        Initial::Int(i) => OptionValue::Int(i),
    }
}

/// One value as its flag reads it; the error is argparse's text after `argument X: `.
fn convert(flag: &Flag, value: &Chosen) -> Result<OptionValue, String> {
    match (flag.kind, value) {
        (_, Chosen::Switch(on)) => Ok(OptionValue::Bool(*on)),
        (Kind::Append(check), Chosen::Items(items)) => {
            items.iter().try_for_each(|item| check(item))?;
            Ok(OptionValue::List(items.clone()))
        }
        (_, Chosen::Items(items)) => Ok(OptionValue::List(items.clone())),
        (Kind::Value(parse), Chosen::Text(text)) => convert_text(parse, text),
        (_, Chosen::Text(text)) => Ok(OptionValue::Str(text.clone())),
    }
}

fn convert_text(parse: Parse, text: &str) -> Result<OptionValue, String> {
    match parse {
        Parse::Text => Ok(OptionValue::Str(text.to_string())),
        Parse::Int(check) => {
            let n = pytext::parse_int(text)
                .ok_or_else(|| format!("invalid int value: {}", pytext::repr(text)))?;
            check(n)?;
            Ok(OptionValue::Int(n))
        }
        Parse::PositiveFloat => {
            let v = pytext::parse_float(text)
                .ok_or_else(|| format!("invalid float value: {}", pytext::repr(text)))?;
            if !v.is_finite() {
                return Err("must be a finite number".to_string());
            }
            if v <= 0.0 {
                return Err("must be > 0".to_string());
            }
            Ok(OptionValue::Float(v))
        }
        Parse::Timespan => parse_timespan(text)
            .map(|d| OptionValue::Int(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)))
            .map_err(|e| e.to_string()),
        Parse::LogLevel => {
            let upper = text.to_uppercase();
            if LOG_LEVELS.contains(&upper.as_str()) {
                Ok(OptionValue::Str(upper))
            } else {
                let choices: Vec<String> = LOG_LEVELS.iter().map(|l| format!("'{l}'")).collect();
                Err(format!(
                    "invalid choice: {} (choose from {})",
                    pytext::repr(&upper),
                    choices.join(", ")
                ))
            }
        }
    }
}

/// `-u/--users`: a user count.
pub(super) fn check_users(n: i64) -> Result<(), String> {
    if (0..=i64::from(u32::MAX)).contains(&n) {
        Ok(())
    } else {
        Err(format!("must be between 0 and {}, got {n}", u32::MAX))
    }
}

/// `--processes`: -1 (every usable core) or a shard count.
pub(super) fn check_processes(n: i64) -> Result<(), String> {
    if n == -1 || n >= 1 {
        Ok(())
    } else {
        Err(format!("invalid count {n} (use -1 for every usable core, or a count of at least 1)"))
    }
}

/// `--master-port`: a TCP port.
pub(super) fn check_port(n: i64) -> Result<(), String> {
    if (1..=65535).contains(&n) {
        Ok(())
    } else {
        Err(format!("invalid port {n} (use 1 to 65535)"))
    }
}

/// `--master-bind-port`: a TCP port, or 0 for any free one.
pub(super) fn check_bind_port(n: i64) -> Result<(), String> {
    if (0..=65535).contains(&n) {
        Ok(())
    } else {
        Err(format!("invalid port {n} (use 0 to 65535)"))
    }
}

/// `--expect-workers`: any int here; a master refuses one below 1 as Locust does (exit
/// 255, after the log is set up), not as a usage error.
pub(super) fn check_expect_workers(n: i64) -> Result<(), String> {
    if i32::try_from(n).is_ok() {
        Ok(())
    } else {
        Err(format!("{n} is too large"))
    }
}

/// `--expect-workers-max-wait`: seconds, 0 for no limit.
pub(super) fn check_max_wait(n: i64) -> Result<(), String> {
    if n >= 0 {
        Ok(())
    } else {
        Err(format!("must be 0 (wait forever) or more seconds, got {n}"))
    }
}

/// `--exit-code-on-error`: a process exit code.
pub(super) fn check_exit_code(n: i64) -> Result<(), String> {
    if i32::try_from(n).is_ok() {
        Ok(())
    } else {
        Err(format!("must be between {} and {}, got {n}", i32::MIN, i32::MAX))
    }
}

/// `--csv-full-history` only changes what `--csv` writes, so alone it is a mistake; Locust's
/// message and exit code (argparse's `parser.error`).
pub(super) fn csv_full_history_needs_csv(
    options: &BTreeMap<String, OptionValue>,
) -> Result<(), UsageError> {
    let full_history = options.get("stats_history_enabled") == Some(&OptionValue::Bool(true));
    if full_history && matches!(options.get("csv_prefix"), None | Some(OptionValue::None)) {
        return Err(UsageError::new("'--csv-full-history' requires '--csv'."));
    }
    Ok(())
}
