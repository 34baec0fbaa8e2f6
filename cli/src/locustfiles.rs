//! `-f`: the files that make up the scenario, as Locust's `parse_locustfile_paths` finds
//! them. The value is a comma-separated list; each item is a file, or a directory searched
//! recursively for `.lua` files whose names do not start with `_` (so helper modules can sit
//! beside the locustfiles as `_helpers.lua`, or in a package directory that is `require`d).
//!
//! Locust lists a directory in `os.walk` order: a directory's files, then each
//! subdirectory's, recursively, in whatever order the file system returns them. cicada keeps
//! that shape but sorts names within each directory, so a run loads the same files in the
//! same order on every machine. Like `os.walk`, it does not descend into symlinked
//! directories, while symlinked files count.

use std::io;
use std::path::{Path, PathBuf};

/// The locustfiles `-f` names, in load order, or the message to print (exit 1).
pub(crate) fn resolve(arg: &Path) -> Result<Vec<PathBuf>, String> {
    let text = arg.to_string_lossy();
    let mut files = Vec::new();
    for item in text.split(',').map(str::trim) {
        let path = PathBuf::from(item);
        if path.is_dir() {
            let before = files.len();
            walk(&path, &mut files)
                .map_err(|e| format!("Could not read directory '{}': {e}", path.display()))?;
            if files.len() == before {
                return Err(format!("Could not find any locustfiles in directory '{item}'"));
            }
        } else if path.is_file() {
            files.push(path);
        } else {
            return Err(format!(
                "Could not find '{item}'. Ensure your locustfile ends with '.lua' or is a \
                 directory with locustfiles. See --help for available options."
            ));
        }
    }
    // A file named twice (`-f dir/,dir/a.lua`) loads once: Locust ignores a class seen
    // again from the same file, where running it twice here would declare it twice.
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    Ok(files)
}

/// Append the locustfiles under `dir`: its own first, then each subdirectory's.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entries = std::fs::read_dir(dir)?.collect::<io::Result<Vec<_>>>()?;
    entries.sort_by_key(|e| e.file_name());
    let mut subdirs = Vec::new();
    for entry in entries {
        let path = entry.path();
        // `file_type` does not follow symlinks: a symlinked directory is neither walked
        // nor taken as a file, as with `os.walk` and `os.path.isfile`.
        if entry.file_type()?.is_dir() {
            subdirs.push(path);
            continue;
        }
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".lua") && !name.starts_with('_') && path.is_file() {
            out.push(path);
        }
    }
    for sub in subdirs {
        walk(&sub, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system temp dir, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir()
                .join(format!("cicada-locustfiles-test-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).expect("create temp dir");
            TempDir(path)
        }

        fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn files_then_subdirectories_sorted_without_underscored_or_other_files() {
        let dir = TempDir::new();
        for name in ["b.lua", "a.lua", "_skip.lua", "notes.txt", "z/c.lua", "m/_x.lua", "m/d.lua"] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let found = resolve(dir.path()).unwrap();
        let names: Vec<_> =
            found.iter().map(|p| p.strip_prefix(dir.path()).unwrap().to_owned()).collect();
        let expected: Vec<PathBuf> =
            ["a.lua", "b.lua", "m/d.lua", "z/c.lua"].iter().map(PathBuf::from).collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn comma_separated_items_keep_their_order() {
        let dir = TempDir::new();
        let a = dir.path().join("a.lua");
        let b = dir.path().join("b.lua");
        std::fs::write(&a, "").unwrap();
        std::fs::write(&b, "").unwrap();
        let arg = format!("{}, {}", b.display(), a.display());
        assert_eq!(resolve(Path::new(&arg)).unwrap(), vec![b.clone(), a.clone()]);
        let arg = format!("{},{}", a.display(), dir.path().display());
        assert_eq!(resolve(Path::new(&arg)).unwrap(), vec![a, b], "each file once");
    }

    #[test]
    fn a_missing_file_or_an_empty_directory_is_named() {
        let dir = TempDir::new();
        let missing = dir.path().join("nope.lua");
        let e = resolve(&missing).unwrap_err();
        assert!(e.starts_with(&format!("Could not find '{}'.", missing.display())), "{e}");
        std::fs::write(dir.path().join("_only.lua"), "").unwrap();
        let e = resolve(dir.path()).unwrap_err();
        assert_eq!(
            e,
            format!("Could not find any locustfiles in directory '{}'", dir.path().display())
        );
    }
}
