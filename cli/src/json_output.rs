//! `--json` and `--json-file`: the final per-entry stats as Locust's JSON, printed to stdout
//! after the final tables and/or written to a file.
//!
//! Two places differ from Locust on purpose: the file is `<name>.json` only when the name
//! does not already end in `.json` (Locust always appends it, so `--json-file out.json`
//! gives `out.json.json`), and serializing does not zero the stats, so `--json` and
//! `--json-file` together both get the full data (Locust's file then holds `[]`).

use std::path::{Path, PathBuf};

/// Where `--json-file <name>` writes: `name`, with `.json` added unless it ends with it.
pub(crate) fn file_path(name: &Path) -> PathBuf {
    if name.extension().is_some_and(|ext| ext == "json") {
        return name.to_path_buf();
    }
    let mut path = name.as_os_str().to_owned();
    path.push(".json");
    PathBuf::from(path)
}

/// Write `json` to the `--json-file` path for `name`, creating missing parent folders. The
/// error names the path.
pub(crate) fn write_file(name: &Path, json: &str) -> Result<PathBuf, String> {
    let path = file_path(name);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            format!("cannot create the folder {} for --json-file: {e}", dir.display())
        })?;
    }
    std::fs::write(&path, json)
        .map_err(|e| format!("cannot write --json-file {}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::file_path;
    use std::path::Path;

    #[test]
    fn json_is_added_only_when_missing() {
        assert_eq!(file_path(Path::new("out.json")), Path::new("out.json"));
        assert_eq!(file_path(Path::new("final")), Path::new("final.json"));
        assert_eq!(file_path(Path::new("dir/run.v2")), Path::new("dir/run.v2.json"));
        assert_eq!(file_path(Path::new("report.JSON")), Path::new("report.JSON.json"));
    }
}
