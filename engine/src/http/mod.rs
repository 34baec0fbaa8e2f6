//! cicada's HTTP/1.1 client, built for a shard: no locks, no threads, one connection pool per
//! virtual user by default (Locust's semantics) or one shared by a user class.
//!
//! One file per concern: `api` (the public types), `url` (target parsing), `dns` (a
//! resolve-once cache), `request` (writing the request head), `response` (parsing the head
//! with httparse), `body` (framing: Content-Length, chunked, close-delimited), `decode`
//! (gzip/deflate/br), `redirect`, `cookies` (a jar per client), `headers` (compact response headers), `pool` (keep-alive
//! connections), `tls` (rustls configs), `conn` (a plain or TLS stream and one exchange on
//! it), `shard` (per-shard shared state), `status` (failure texts
//! and reason phrases), `client` (all of it together), and `io` (the only
//! file that names the async runtime).

mod api;
mod body;
mod client;
mod conn;
mod cookies;
mod decode;
mod dns;
mod headers;
mod io;
mod pool;
mod redirect;
mod request;
mod response;
mod shard;
mod status;
mod tls;
mod url;
#[doc(hidden)]
pub mod wire;

#[cfg(test)]
mod tests;

pub use api::{
    ClientConfig, Headers, HttpClient, HttpError, HttpShard, PoolMode, Request, Response,
    DEFAULT_SHARED_POOL_SIZE,
};
pub use dns::resolve_ahead;
pub use status::{reason_phrase, status_failure};
