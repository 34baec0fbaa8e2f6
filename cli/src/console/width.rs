//! The width of the Name column (Locust's `STATS_NAME_WIDTH`).
//!
//! Locust sizes it from stdout's terminal so a table fills the window, and uses 80 when
//! stdout is not a terminal, so piped output is the same everywhere. Callers ask again
//! before each table, which picks up a resized window as Locust's SIGWINCH handler does.

/// The Name column width when stdout is not a terminal.
const PIPED_NAME_WIDTH: usize = 80;

/// Locust's `max(min(columns - 80, 80), 0)` for stdout's terminal, or 80 when stdout is
/// not a terminal.
pub fn name_width() -> usize {
    match terminal_columns() {
        Some(cols) => name_width_for_columns(cols),
        None => PIPED_NAME_WIDTH,
    }
}

fn name_width_for_columns(cols: usize) -> usize {
    cols.saturating_sub(80).min(80)
}

/// Stdout's terminal width. Like Python's `os.get_terminal_size()` this asks the terminal
/// and ignores `COLUMNS`, so a piped run never picks up the shell's width.
#[cfg(unix)]
#[allow(unsafe_code)]
fn terminal_columns() -> Option<usize> {
    let mut ws = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCGWINSZ writes one `winsize` through the pointer, which points at a live,
    // properly aligned local; on a descriptor that is not a terminal it fails and writes nothing.
    let rc = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) };
    (rc == 0).then_some(usize::from(ws.ws_col))
}

/// Without an ioctl to ask, a terminal's `COLUMNS` is the best guess.
#[cfg(not(unix))]
fn terminal_columns() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    std::env::var("COLUMNS").ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::name_width_for_columns;

    #[test]
    fn follows_locust_formula() {
        assert_eq!(name_width_for_columns(120), 40);
        assert_eq!(name_width_for_columns(80), 0);
        assert_eq!(name_width_for_columns(40), 0);
        assert_eq!(name_width_for_columns(0), 0);
        assert_eq!(name_width_for_columns(160), 80);
        assert_eq!(name_width_for_columns(300), 80);
    }
}
