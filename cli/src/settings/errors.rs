//! Usage and config errors, printed the way argparse prints Locust's: one
//! `cicada: error: <message>` line on stderr, then `Did you mean '--headless'?` when an
//! unrecognized option is close to a real one; the exit code is always 2.

/// The exit code of every usage or config error (argparse's).
pub(super) const USAGE_EXIT: i32 = 2;

/// One usage or config error.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct UsageError {
    /// The text after `cicada: error: `.
    pub(super) message: String,
    /// A close option or key for a second `Did you mean '...'?` line.
    pub(super) suggestion: Option<String>,
}

impl UsageError {
    pub(super) fn new(message: impl Into<String>) -> UsageError {
        UsageError { message: message.into(), suggestion: None }
    }

    pub(super) fn suggesting(mut self, suggestion: Option<&str>) -> UsageError {
        self.suggestion = suggestion.map(str::to_string);
        self
    }

    /// `argument -u/--users: <detail>`, argparse's form for a bad value.
    pub(super) fn argument(names: &str, detail: impl std::fmt::Display) -> UsageError {
        UsageError::new(format!("argument {names}: {detail}"))
    }

    /// The stderr text, newline-terminated.
    pub(super) fn render(&self) -> String {
        let mut out = format!("cicada: error: {}\n", self.message);
        if let Some(s) = &self.suggestion {
            out.push_str(&format!("Did you mean '{s}'?\n"));
        }
        out
    }
}
