//! cicada's end-to-end tests: real servers on loopback, Lua scenarios run in-process through
//! the engine's `Control`, and the `cicada` binary run as a user would.
//!
//! Everything must also pass under the epoll fallback (`MONOIO_FORCE_LEGACY_DRIVER=1`) and
//! with any number of shards; tests bind port 0 and wait for exact conditions with deadlines,
//! never for a fixed time.

mod util;

mod cli;
mod client_extras;
mod cluster;
mod config;
mod custom_messages;
mod custom_users;
mod debugging;
mod distributed;
mod failures;
mod fixtures;
mod http;
mod locustfile_download;
mod locustfiles;
mod outputs;
mod requests;
mod robustness;
mod rust_scenario;
mod shapes;
mod shards;
mod stopping;
mod tasks;
mod tasksets;
mod thresholds;
mod tls;
mod waits;
mod worker;
mod zmtp;
