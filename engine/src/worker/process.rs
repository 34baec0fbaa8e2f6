//! The process's CPU use and memory for the heartbeat, read from `/proc/self` (no psutil,
//! no libc): what a Python worker reports as `cpu_percent()` and `memory_info().rss`.

use std::time::Instant;

/// Clock ticks per second of the times in `/proc/<pid>/stat`. The kernel exports them in
/// `USER_HZ`, which is 100 on every architecture Linux runs cicada on (alpha and ia64 aside),
/// whatever the kernel's own `HZ` is.
const USER_HZ: f64 = 100.0;

/// Process CPU percent between successive samples (may exceed 100 with several cores busy),
/// like psutil's `cpu_percent()`: the first sample has nothing to compare with and is 0.0.
#[derive(Debug, Default)]
pub(crate) struct CpuSampler {
    last: Option<(Instant, u64)>,
}

impl CpuSampler {
    pub(crate) fn sample(&mut self) -> f64 {
        let Some(ticks) =
            std::fs::read_to_string("/proc/self/stat").ok().as_deref().and_then(cpu_ticks)
        else {
            return 0.0;
        };
        let now = Instant::now();
        let percent = match self.last {
            Some((then, before)) => {
                let wall = now.duration_since(then).as_secs_f64();
                percent(ticks.saturating_sub(before), wall)
            }
            None => 0.0,
        };
        self.last = Some((now, ticks));
        percent
    }
}

fn percent(ticks: u64, wall_secs: f64) -> f64 {
    if wall_secs <= 0.0 {
        return 0.0;
    }
    ticks as f64 / USER_HZ / wall_secs * 100.0
}

/// User plus system time, in ticks, from the text of `/proc/<pid>/stat`. The command name
/// (field 2) is in parentheses and may hold spaces and parentheses itself, so fields are
/// counted from the last `)`: utime and stime are fields 14 and 15.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// Resident set size in bytes, 0 if unknown. Read from `VmRSS` in `/proc/self/status`,
/// which is in kB: `/proc/self/statm` counts pages, and the page size needs `sysconf`.
pub(crate) fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status").ok().as_deref().and_then(vm_rss).unwrap_or(0)
}

fn vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().next()?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_counted_after_the_command_name() {
        let stat = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 \
                    250 50 0 0 20 0 9 0 100 1000 200 18446744073709551615";
        assert_eq!(cpu_ticks(stat), Some(300));
        assert_eq!(cpu_ticks("garbage"), None);
        assert_eq!(cpu_ticks("1 (x) S 1"), None);
        let own = std::fs::read_to_string("/proc/self/stat").unwrap();
        assert!(cpu_ticks(&own).is_some(), "{own}");
    }

    #[test]
    fn percent_is_cpu_time_over_wall_time() {
        assert_eq!(percent(100, 1.0), 100.0);
        assert_eq!(percent(50, 0.5), 100.0);
        assert_eq!(percent(400, 2.0), 200.0);
        assert_eq!(percent(5, 0.0), 0.0);
        let mut s = CpuSampler::default();
        assert_eq!(s.sample(), 0.0);
        let busy = Instant::now();
        while busy.elapsed().as_millis() < 30 {
            std::hint::black_box(busy.elapsed());
        }
        assert!(s.sample() >= 0.0);
    }

    #[test]
    fn rss_is_vm_rss_in_bytes() {
        assert_eq!(vm_rss("Name:\tx\nVmRSS:\t    1234 kB\nVmData: 1 kB\n"), Some(1234 * 1024));
        assert_eq!(vm_rss("Name:\tx\n"), None);
        assert!(rss_bytes() > 0);
    }
}
