//! The `--help` text, laid out the way argparse lays out Locust's (an 80-column terminal:
//! options indented by 2, help text from column 24, wrapped at 78), generated from the flag
//! table so a new flag documents itself.

use super::table::{Flag, Group, Kind, FLAGS, USER_CLASSES_HELP, USER_CLASSES_METAVAR};

/// argparse's width: the terminal's columns less 2, for an 80-column terminal.
const WIDTH: usize = 78;
/// Where help text starts (argparse's `max_help_position`).
const HELP_COLUMN: usize = 24;
/// An invocation longer than this goes on a line of its own.
const INVOCATION_WIDTH: usize = HELP_COLUMN - 4;

const USAGE: &str = "Usage: cicada [options] [UserClass ...]
       cicada demo [options] [UserClass ...]

Runs the load test described by a Lua scenario, with Locust's options, config
files (locust.conf, pyproject.toml, --config) and LOCUST_* environment
variables. 'cicada demo' load-tests a small demo site it starts on 127.0.0.1,
with a built-in scenario unless -f is given; it takes the same options.";

const EPILOG: &str =
    "Examples: cicada -f locustfile.lua --headless -u 100 -r 10 -t 1m; cicada demo";

/// The sections in Locust's order: title and description.
const GROUPS: &[(Group, &str, Option<&str>)] = &[
    (Group::Common, "Common options", None),
    (Group::WebUi, "Web UI options", None),
    (
        Group::Master,
        "Master options",
        Some(
            "Options for running a Locust Master node when running Locust distributed. A \
             Master node need Worker nodes that connect to it before it can run load tests.",
        ),
    ),
    (
        Group::Worker,
        "Worker options",
        Some(
            "Options for running a Locust Worker node when running Locust distributed. \
             Typically ONLY these options (and --locustfile) need to be specified on workers, \
             since other options (-u, -r, -t, ...) are controlled by the master node.",
        ),
    ),
    (
        Group::Tags,
        "Tag options",
        Some(
            "Tasks can be tagged in the scenario. These options let you choose which tasks to \
             include or exclude during a test.",
        ),
    ),
    (Group::Stats, "Request statistics options", None),
    (Group::Logging, "Logging options", None),
    (Group::Other, "Other options", None),
];

/// The whole help text, newline-terminated.
pub(super) fn text() -> String {
    let mut out = format!("{USAGE}\n\n");
    for &(group, title, description) in GROUPS {
        let shown: Vec<&Flag> =
            FLAGS.iter().filter(|f| f.group == group && f.help.is_some()).collect();
        if shown.is_empty() {
            continue;
        }
        out.push_str(&format!("{title}:\n"));
        if let Some(description) = description {
            for line in wrap(description, WIDTH - 2) {
                out.push_str(&format!("  {line}\n"));
            }
            out.push('\n');
        }
        for flag in shown {
            item(&mut out, &invocation(flag), flag.help.unwrap_or_default());
        }
        out.push('\n');
    }
    out.push_str("User classes:\n");
    item(&mut out, USER_CLASSES_METAVAR, USER_CLASSES_HELP);
    out.push('\n');
    out.push_str(EPILOG);
    out.push('\n');
    out
}

/// `-u <int>, --users <int>`, `-T [<tag> ...], --tags [<tag> ...]`, `-l, --list`.
fn invocation(flag: &Flag) -> String {
    let forms: Vec<String> = flag
        .names
        .iter()
        .map(|name| match flag.kind {
            Kind::Value(_) | Kind::Config | Kind::Append(_) => format!("{name} {}", flag.metavar),
            Kind::List => format!("{name} [{} ...]", flag.metavar),
            Kind::Help | Kind::Version | Kind::Switch => name.to_string(),
        })
        .collect();
    forms.join(", ")
}

/// One option: its invocation, then its help from column 24 (on the same line if it fits).
fn item(out: &mut String, invocation: &str, help: &str) {
    let lines = wrap(help, WIDTH - HELP_COLUMN);
    let mut rest = lines.iter();
    if invocation.len() <= INVOCATION_WIDTH {
        let first = rest.next().map(String::as_str).unwrap_or_default();
        out.push_str(&format!("  {invocation:<INVOCATION_WIDTH$}  {first}\n"));
    } else {
        out.push_str(&format!("  {invocation}\n"));
    }
    for line in rest {
        out.push_str(&format!("{:HELP_COLUMN$}{line}\n", ""));
    }
}

/// Greedy word wrap; a word longer than the width is cut, as Python's textwrap does.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let room = if used == 0 { width } else { width.saturating_sub(used + 1) };
            if word.len() <= room {
                if used > 0 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used > 0 && (word.len() <= width || room == 0) {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // Longer than a whole line: fill this one and carry the rest.
            let cut = room.min(word.len());
            if cut == 0 {
                line.extend(word.iter());
                break;
            }
            if used > 0 {
                line.push(' ');
            }
            line.extend(word.drain(..cut));
            lines.push(std::mem::take(&mut line));
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_like_argparse() {
        assert_eq!(wrap("aaa bbb ccc", 7), vec!["aaa bbb", "ccc"]);
        assert_eq!(
            wrap("see https://example.com/long", 10),
            vec!["see https:", "//example.", "com/long"]
        );
        assert_eq!(wrap("", 10), vec![""]);
    }

    #[test]
    fn short_invocations_share_the_line() {
        let help = text();
        assert!(help
            .contains("\n  -l, --list            Show list of possible User classes and exit\n"));
        assert!(help.contains("\n  -u <int>, --users <int>\n                        Peak number"));
        assert!(help.contains("\n  -T [<tag> ...], --tags [<tag> ...]\n"));
        assert!(help.contains("\n  --loglevel <level>, -L <level>\n"));
        assert!(!help.contains("--headful"));
        assert!(help.lines().all(|l| l.chars().count() <= 80), "{help}");
    }
}
