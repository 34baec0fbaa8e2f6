//! What a run reports besides the console: the `--csv` files (kept current during the run)
//! and the `--json` / `--json-file` stats at the end. All of it is rendered by the engine's
//! `report` module, so these are Locust's bytes.

use std::io::Write;
use std::path::PathBuf;

use cicada_engine::{report, StatsSnapshot};

use crate::csv_writer::CsvWriter;
use crate::json_output;
use crate::logging::Log;
use crate::run_handle::RunHandle;
use crate::settings::Settings;

/// The outputs one run asked for.
#[derive(Default)]
pub(crate) struct Outputs {
    csv: Option<CsvWriter>,
    json: bool,
    json_file: Option<PathBuf>,
}

impl Outputs {
    /// Create the CSV files now, before the run starts, so a path that cannot be written is
    /// reported (with the path) before any load is generated.
    pub(crate) fn open(s: &Settings) -> Result<Outputs, String> {
        let csv = match &s.csv_prefix {
            Some(prefix) => Some(CsvWriter::create(prefix, s.csv_full_history)?),
            None => None,
        };
        Ok(Outputs { csv, json: s.json, json_file: s.json_file.clone() })
    }

    /// Start the CSV writer thread once the engine runs.
    pub(crate) fn start(&mut self, control: &impl RunHandle) -> Result<(), String> {
        match &mut self.csv {
            Some(csv) => csv.start(control),
            None => Ok(()),
        }
    }

    /// The final write, with the stats merged after the shards stopped: the CSV files once
    /// more, the JSON file, then the JSON on stdout (after the final tables, as in Locust).
    /// A file that cannot be written is logged with its path; the run's exit code stands.
    pub(crate) fn finish(self, snap: &StatsSnapshot, log: &Log) {
        if let Some(csv) = self.csv {
            if let Err(e) = csv.finish(snap.clone()) {
                log.error("cicada.main", &e);
            }
        }
        if !self.json && self.json_file.is_none() {
            return;
        }
        let json = report::stats_json(snap);
        if let Some(name) = &self.json_file {
            if let Err(e) = json_output::write_file(name, &json) {
                log.error("cicada.main", &e);
            }
        }
        if self.json {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{json}");
            let _ = out.flush();
        }
    }
}
