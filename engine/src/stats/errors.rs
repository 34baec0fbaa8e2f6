//! Request failures grouped by (method, name, error text): Locust's error report.

use std::ops::AddAssign;

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorStats {
    pub method: String,
    pub name: String,
    pub error: String,
    pub occurrences: u64,
    /// Unix seconds.
    pub first_seen: f64,
    pub last_seen: f64,
}

impl AddAssign<&ErrorStats> for ErrorStats {
    fn add_assign(&mut self, other: &ErrorStats) {
        self.occurrences += other.occurrences;
        self.first_seen = self.first_seen.min(other.first_seen);
        self.last_seen = self.last_seen.max(other.last_seen);
    }
}
