//! The open-file limit. Every connection is a file descriptor, and with Locust's semantics
//! every user holds its own connection, so the usual soft limit (often 1,024) caps a test
//! long before the machine does. cicada raises its soft limit to the hard limit at start,
//! as servers commonly do, and warns when the users asked for would still not fit.
#![allow(unsafe_code)]

/// The soft limit after raising it as far as allowed, or None if it cannot be read.
pub(crate) fn raise_open_files() -> Option<u64> {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed by pointer, which
    // lives on this stack frame for the duration of each call.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return None;
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit { rlim_cur: lim.rlim_max, rlim_max: lim.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim.rlim_cur = lim.rlim_max;
            }
        }
    }
    Some(lim.rlim_cur)
}

/// Files the process needs besides its users' connections (stdio, io_uring and epoll
/// descriptors per shard, log file, listeners), with room to spare.
const RESERVED_FILES: u64 = 64;

/// A warning when `users` users, each with its own connection, would not fit in `limit`.
pub(crate) fn check_users(users: u32, limit: u64) -> Option<String> {
    let needed = u64::from(users) + RESERVED_FILES;
    (needed > limit).then(|| {
        format!(
            "{users} users may each hold an open connection, but this process may open only \
             {limit} files (ulimit -n, hard limit included). Connections beyond that fail with \
             'Too many open files'. Raise the hard limit (e.g. `ulimit -Hn {needed}` as root, or \
             LimitNOFILE in a systemd unit), or give the user class pool = \"shared\"."
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raising_never_lowers_the_limit() {
        let before = raise_open_files().unwrap();
        assert!(raise_open_files().unwrap() >= before);
    }

    #[test]
    fn warns_only_past_the_limit() {
        assert!(check_users(100, 1024).is_none());
        let w = check_users(20_000, 20_000).unwrap();
        assert!(w.contains("20000 users") && w.contains("20000 files") && w.contains("shared"));
    }
}
