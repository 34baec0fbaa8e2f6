//! The built-in demo target behind `cicada demo`: a small HTTP/1.1 site on 127.0.0.1 so a
//! newcomer can run a real load test with no server of their own.
//!
//! It runs on plain `std::net` threads, apart from the engine, so the demo measures cicada's
//! client against a target that is simple to reason about. The routes are the ones
//! `examples/quickstart.lua` uses (see `routes.rs`).

mod http;
mod routes;
mod server;

#[cfg(test)]
mod tests;

use std::io;

/// A running demo site. Dropping it stops the site (the server's own `Drop`): open
/// connections are closed, pending `/slow` waits end, and the port no longer accepts once
/// `drop` returns.
pub struct DemoTarget {
    server: server::Server,
}

impl DemoTarget {
    /// Starts the site on 127.0.0.1 on a free port.
    pub fn start() -> io::Result<DemoTarget> {
        Ok(DemoTarget { server: server::Server::start(server::MAX_CONNECTIONS)? })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash (a scenario's `host`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// Requests answered so far, error responses included.
    pub fn requests_served(&self) -> u64 {
        self.server.requests_served()
    }
}
