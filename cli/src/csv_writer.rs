//! `--csv PREFIX`: Locust's four CSV files, kept current during the run.
//!
//! The files are created (truncated) before the run starts, so a path that cannot be written
//! fails at once instead of after an hour of load. Then, on a thread of its own (never a
//! shard, and never the loop that runs the console), every second `_stats`, `_failures` and
//! `_exceptions` are rewritten in place and a batch of rows is appended to `_stats_history`,
//! as Locust's `StatsCSVFileWriter` does. Unlike Locust, the files are written once more after
//! the shards have stopped and their last stats are merged, so they hold the final numbers.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use cicada_engine::report;
use cicada_engine::stats::unix_now;
use cicada_engine::StatsSnapshot;
use crossbeam_channel::{bounded, select, tick, Sender};

use crate::run_handle::RunHandle;

/// How often the files are written (Locust's `CSV_STATS_INTERVAL_SEC`).
const INTERVAL: Duration = Duration::from_secs(1);

/// The four open files.
struct Files {
    stats: Target,
    history: Target,
    failures: Target,
    exceptions: Target,
    full_history: bool,
}

/// One open file and its path, for messages.
struct Target {
    path: PathBuf,
    file: File,
}

/// The CSV output of a run: files opened, then (once the engine runs) a writer thread.
pub(crate) struct CsvWriter {
    state: State,
}

enum State {
    Opened(Box<Files>),
    Running { last: Sender<StatsSnapshot>, thread: JoinHandle<Result<(), String>> },
    Done,
}

impl CsvWriter {
    /// Create the prefix's folder and the four files (truncating old ones), with their
    /// headers. The error names the path that could not be created.
    pub(crate) fn create(prefix: &Path, full_history: bool) -> Result<CsvWriter, String> {
        // `--csv out/` names files inside `out`, as Locust's `os.path.dirname` reads it.
        let dir = if prefix.as_os_str().to_string_lossy().ends_with('/') {
            Some(prefix)
        } else {
            prefix.parent()
        };
        if let Some(dir) = dir.filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                format!("cannot create the folder {} for --csv: {e}", dir.display())
            })?;
        }
        let mut files = Files {
            stats: Target::create(prefix, "_stats.csv")?,
            history: Target::create(prefix, "_stats_history.csv")?,
            failures: Target::create(prefix, "_failures.csv")?,
            exceptions: Target::create(prefix, "_exceptions.csv")?,
            full_history,
        };
        files.history.append(&report::stats_history_csv_header())?;
        Ok(CsvWriter { state: State::Opened(Box::new(files)) })
    }

    /// Start writing every second, from `control`'s snapshots, on a thread of its own.
    pub(crate) fn start(&mut self, control: &impl RunHandle) -> Result<(), String> {
        let State::Opened(files) = std::mem::replace(&mut self.state, State::Done) else {
            return Ok(());
        };
        let control = control.clone();
        let (last, last_rx) = bounded::<StatsSnapshot>(1);
        let thread = std::thread::Builder::new()
            .name("cicada-csv".to_owned())
            .spawn(move || {
                let mut files = files;
                let mut first_error: Option<String> = None;
                let mut write = |files: &mut Files, snap: &StatsSnapshot| {
                    if let Err(e) = files.write(snap) {
                        first_error.get_or_insert(e);
                    }
                };
                // Locust writes its first rows as it starts, before any user runs.
                write(&mut files, &control.snapshot());
                let ticks = tick(INTERVAL);
                loop {
                    select! {
                        recv(ticks) -> _ => write(&mut files, &control.snapshot()),
                        recv(last_rx) -> snap => {
                            if let Ok(snap) = snap {
                                write(&mut files, &snap);
                            }
                            break;
                        }
                    }
                }
                first_error.map_or(Ok(()), Err)
            })
            .map_err(|e| format!("cannot start the CSV writer thread: {e}"))?;
        self.state = State::Running { last, thread };
        Ok(())
    }

    /// Write `snap` (the final stats, after the shards have stopped) and stop the thread.
    /// Returns the first write error of the run, if any.
    pub(crate) fn finish(mut self, snap: StatsSnapshot) -> Result<(), String> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Opened(mut files) => files.write(&snap),
            State::Running { last, thread } => {
                let _ = last.send(snap);
                thread.join().unwrap_or_else(|_| Err("the CSV writer thread panicked".to_owned()))
            }
            State::Done => Ok(()),
        }
    }
}

impl Drop for CsvWriter {
    /// A run that ends without [`CsvWriter::finish`] (it failed to start) stops the thread:
    /// dropping the sender ends its loop.
    fn drop(&mut self) {
        if let State::Running { last, thread } = std::mem::replace(&mut self.state, State::Done) {
            drop(last);
            let _ = thread.join();
        }
    }
}

impl Files {
    /// One tick: the three whole-run files rewritten, history rows appended.
    fn write(&mut self, snap: &StatsSnapshot) -> Result<(), String> {
        let timestamp = unix_now() as u64;
        self.stats.rewrite(&report::stats_csv(snap))?;
        self.history.append(&report::stats_history_csv_rows(snap, timestamp, self.full_history))?;
        self.failures.rewrite(&report::failures_csv(snap))?;
        self.exceptions.rewrite(&report::exceptions_csv(snap))
    }
}

impl Target {
    fn create(prefix: &Path, suffix: &str) -> Result<Target, String> {
        let mut name = prefix.as_os_str().to_owned();
        name.push(suffix);
        let path = PathBuf::from(name);
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(|e| format!("cannot create the CSV file {}: {e}", path.display()))?;
        Ok(Target { path, file })
    }

    /// Replace the contents in place (the same file, as readers that keep it open expect).
    fn rewrite(&mut self, text: &str) -> Result<(), String> {
        let len = text.len() as u64;
        self.file
            .seek(SeekFrom::Start(0))
            .and_then(|_| self.file.write_all(text.as_bytes()))
            .and_then(|_| self.file.set_len(len))
            .map_err(|e| self.error(e))
    }

    fn append(&mut self, text: &str) -> Result<(), String> {
        self.file.write_all(text.as_bytes()).map_err(|e| self.error(e))
    }

    fn error(&self, e: std::io::Error) -> String {
        format!("cannot write the CSV file {}: {e}", self.path.display())
    }
}
