//! Errors raised by user code in tasks, grouped by message and traceback: Locust's
//! exceptions table.

use std::collections::BTreeSet;
use std::ops::AddAssign;

#[derive(Debug, Clone, PartialEq)]
pub struct ExceptionStats {
    pub count: u64,
    pub message: String,
    pub traceback: String,
    /// Where it happened: `local` in a standalone run, worker ids in a distributed one.
    pub nodes: BTreeSet<String>,
}

impl AddAssign<&ExceptionStats> for ExceptionStats {
    fn add_assign(&mut self, other: &ExceptionStats) {
        self.count += other.count;
        self.nodes.extend(other.nodes.iter().cloned());
    }
}
