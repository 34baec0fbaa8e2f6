//! One measured request, as a scenario reports it.

use std::time::Duration;

/// What the engine counts for one request (or any timed action a scenario reports).
#[derive(Debug, Clone, Copy)]
pub struct RequestRecord<'a> {
    /// Locust's "request type": the HTTP method, or any label for non-HTTP users.
    pub request_type: &'a str,
    /// The entry name (the URL path by default, or the `name` option).
    pub name: &'a str,
    /// None counts the request without a time (Locust's `num_none_requests`).
    pub response_time: Option<Duration>,
    pub content_length: u64,
    /// The failure text, or None for a success.
    pub error: Option<&'a str>,
}
