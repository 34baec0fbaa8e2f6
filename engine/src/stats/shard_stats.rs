//! The stats one shard owns: recorded into directly, handed off as deltas.

use std::ops::AddAssign;

use indexmap::IndexMap;

use super::entry::RequestStats;
use super::errors::ErrorStats;
use super::exceptions::ExceptionStats;
use super::key::{EntryKey, EntryRef, ErrorKey, ErrorRef};
use super::record::RequestRecord;
use super::unix_now;

/// Entries, the total, failures and exceptions, in first-seen order.
#[derive(Debug, Clone)]
pub struct ShardStats {
    pub(crate) entries: IndexMap<EntryKey, RequestStats>,
    pub(crate) total: RequestStats,
    pub(crate) errors: IndexMap<ErrorKey, ErrorStats>,
    pub(crate) exceptions: IndexMap<(String, String), ExceptionStats>,
}

/// The node name recorded for exceptions in a standalone run, as Locust writes it.
const LOCAL_NODE: &str = "local";

impl Default for ShardStats {
    fn default() -> Self {
        ShardStats::new(unix_now())
    }
}

impl ShardStats {
    pub fn new(start_time: f64) -> Self {
        ShardStats {
            entries: IndexMap::new(),
            total: RequestStats::new("", "Aggregated", start_time),
            errors: IndexMap::new(),
            exceptions: IndexMap::new(),
        }
    }

    pub fn record(&mut self, r: RequestRecord<'_>) {
        let now = unix_now();
        let failed = r.error.is_some();
        let entry = match self.entries.get_mut(&EntryRef(r.request_type, r.name)) {
            Some(e) => e,
            None => {
                let key = EntryKey(r.request_type.to_owned(), r.name.to_owned());
                self.entries
                    .entry(key)
                    .or_insert_with(|| RequestStats::new(r.request_type, r.name, now))
            }
        };
        entry.log(r.response_time, r.content_length, failed, now);
        self.total.log(r.response_time, r.content_length, failed, now);
        if let Some(error) = r.error {
            match self.errors.get_mut(&ErrorRef(r.request_type, r.name, error)) {
                Some(e) => {
                    e.occurrences += 1;
                    e.last_seen = now;
                }
                None => {
                    let key = ErrorKey(r.request_type.into(), r.name.into(), error.into());
                    self.errors.insert(
                        key,
                        ErrorStats {
                            method: r.request_type.into(),
                            name: r.name.into(),
                            error: error.into(),
                            occurrences: 1,
                            first_seen: now,
                            last_seen: now,
                        },
                    );
                }
            }
        }
    }

    pub fn record_exception(&mut self, message: &str, traceback: &str) {
        let key = (message.to_owned(), traceback.to_owned());
        self.exceptions
            .entry(key)
            .or_insert_with(|| ExceptionStats {
                count: 0,
                message: message.to_owned(),
                traceback: traceback.to_owned(),
                nodes: [LOCAL_NODE.to_owned()].into(),
            })
            .count += 1;
    }

    /// Everything recorded since the last call; `self` starts empty again.
    pub(crate) fn take(&mut self) -> ShardStats {
        let start = self.total.start_time;
        std::mem::replace(self, ShardStats::new(start))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.total.num_requests == 0 && self.exceptions.is_empty()
    }

    /// Zero every entry but keep them listed, as Locust's reset does; failures and
    /// exceptions are cleared.
    pub(crate) fn reset(&mut self, now: f64) {
        for e in self.entries.values_mut() {
            e.reset(now);
        }
        self.total.reset(now);
        self.errors.clear();
        self.exceptions.clear();
    }
}

impl AddAssign<&ShardStats> for ShardStats {
    fn add_assign(&mut self, other: &ShardStats) {
        for (k, e) in &other.entries {
            match self.entries.get_mut(k) {
                Some(mine) => *mine += e,
                None => {
                    self.entries.insert(k.clone(), e.clone());
                }
            }
        }
        self.total += &other.total;
        for (k, e) in &other.errors {
            match self.errors.get_mut(k) {
                Some(mine) => *mine += e,
                None => {
                    self.errors.insert(k.clone(), e.clone());
                }
            }
        }
        for (k, e) in &other.exceptions {
            match self.exceptions.get_mut(k) {
                Some(mine) => *mine += e,
                None => {
                    self.exceptions.insert(k.clone(), e.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn rec<'a>(name: &'a str, error: Option<&'a str>) -> RequestRecord<'a> {
        RequestRecord {
            request_type: "GET",
            name,
            response_time: Some(Duration::from_millis(2)),
            content_length: 10,
            error,
        }
    }

    #[test]
    fn records_entries_errors_and_total() {
        let mut s = ShardStats::default();
        s.record(rec("/a", None));
        s.record(rec("/b", Some("boom")));
        s.record(rec("/b", Some("boom")));
        assert_eq!(s.entries.len(), 2);
        assert_eq!(s.total.num_requests, 3);
        assert_eq!(s.total.num_failures, 2);
        assert_eq!(s.errors.len(), 1);
        assert_eq!(s.errors[0].occurrences, 2);
    }

    #[test]
    fn take_then_merge_equals_recording_in_one_place() {
        let mut shard = ShardStats::default();
        let mut merged = ShardStats::default();
        shard.record(rec("/a", None));
        merged += &shard.take();
        shard.record(rec("/a", Some("x")));
        shard.record_exception("bad", "tb");
        merged += &shard.take();
        assert!(shard.is_empty());
        assert_eq!(merged.entries[0].num_requests, 2);
        assert_eq!(merged.total.num_failures, 1);
        assert_eq!(merged.exceptions[0].count, 1);
    }
}
