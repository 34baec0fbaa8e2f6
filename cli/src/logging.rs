//! Log lines in Locust's format: `[2026-11-26 11:22:47,394] host/INFO/cicada.main: message`,
//! to stderr or to `--logfile`. Stats tables are not log lines: they always go to stderr.

use std::fs::File;
use std::io::Write;
use std::sync::Mutex;

/// Locust's log levels, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    Debug,
    Info,
    Warning,
    Error,
    Critical,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
            Level::Critical => "CRITICAL",
        }
    }
}

/// Where log lines go and which are kept.
pub(crate) struct Log {
    min: Level,
    /// With `--skip-log-setup` nothing is logged, as Locust's unconfigured logging drops INFO.
    enabled: bool,
    file: Option<Mutex<File>>,
    host: String,
}

impl Log {
    pub(crate) fn new(min: Level, file: Option<File>, enabled: bool) -> Log {
        Log { min, enabled, file: file.map(Mutex::new), host: short_hostname() }
    }

    pub(crate) fn info(&self, logger: &str, msg: &str) {
        self.write(Level::Info, logger, msg);
    }

    pub(crate) fn warning(&self, logger: &str, msg: &str) {
        self.write(Level::Warning, logger, msg);
    }

    pub(crate) fn error(&self, logger: &str, msg: &str) {
        self.write(Level::Error, logger, msg);
    }

    pub(crate) fn write(&self, level: Level, logger: &str, msg: &str) {
        if !self.enabled || level < self.min {
            return;
        }
        let line =
            format!("[{}] {}/{}/{}: {}\n", local_timestamp(), self.host, level.name(), logger, msg);
        match &self.file {
            Some(f) => {
                let mut f = f.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let _ = f.write_all(line.as_bytes());
            }
            None => {
                let _ = std::io::stderr().write_all(line.as_bytes());
            }
        }
    }
}

/// The host name up to its first dot, as Locust's log lines show it.
fn short_hostname() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    match name.trim().split('.').next() {
        Some(short) if !short.is_empty() => short.to_owned(),
        _ => "localhost".to_owned(),
    }
}

/// Local time as `YYYY-MM-DD HH:MM:SS,mmm`.
fn local_timestamp() -> String {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let offset = local_utc_offset_secs(now.as_secs() as i64);
    let t = now.as_secs() as i64 + offset;
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, m, d) = cicada_engine::report::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02},{:03}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        now.subsec_millis()
    )
}

/// The local zone's offset from UTC at `unix` seconds, from the C library.
fn local_utc_offset_secs(unix: i64) -> i64 {
    crate::localtime::utc_offset_secs(unix)
}

#[cfg(test)]
mod tests {
    use cicada_engine::report::civil_from_days;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_783), (2026, 11, 26));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
