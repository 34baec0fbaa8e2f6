//! Locust's wire conventions, shared by every part of cicada that must speak like Locust.
//!
//! Today this holds Python's `repr` quoting (Locust's messages show it) and Locust's
//! response-time bucketing, which decides both the `response_times`
//! dict a Python master expects from a worker and the percentile values Locust prints. The
//! master/worker messages and their ZMTP transport live here too as they are added.

mod bucket;
mod pytext;

pub use bucket::bucket_response_time;
pub use pytext::python_repr;
