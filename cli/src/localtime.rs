//! The local time zone's UTC offset, which only the C library knows (it reads TZ and
//! /etc/localtime). Log timestamps are local time, as in Locust.
#![allow(unsafe_code)]

/// Seconds east of UTC at the Unix time `unix`, or 0 if the C library cannot tell.
pub(crate) fn utc_offset_secs(unix: i64) -> i64 {
    let t: libc::time_t = unix as libc::time_t;
    // SAFETY: `tm` is plain data that localtime_r fills in; both pointers are valid for the
    // call, and localtime_r (unlike localtime) keeps no shared state we could race on.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            0
        } else {
            tm.tm_gmtoff
        }
    }
}
