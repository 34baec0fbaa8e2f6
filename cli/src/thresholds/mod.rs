//! Declarative pass/fail thresholds for CI (`--threshold "p95<500"`), beyond Locust's one rule
//! (exit `--exit-code-on-error` when anything failed). Parsed and validated with the other
//! settings (`parse.rs`), checked once on the final stats (`check.rs`), printed as a table
//! (`table.rs`); a breach exits with [`crate::exit::THRESHOLD_BREACHED`]. See docs/ci.md.

mod check;
mod parse;
mod table;

pub(crate) use check::{evaluate, Outcome};
pub(crate) use parse::{check as check_expression, parse, Threshold};
pub(crate) use table::{result, show, table, trimmed};
