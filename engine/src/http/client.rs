//! The client: one request, end to end. Parses the URL, picks or opens a connection, writes
//! the request, reads the response, follows redirects, keeps cookies, applies timeouts.
//!
//! No `RefCell` borrow lives across an `.await`: a connection is taken out of the pool for
//! the exchange and put back after, so two requests on one client at once simply use two
//! connections.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::api::{ClientConfig, HttpError, HttpShard, PoolMode, Request, Response};
use super::conn::{Conn, Exchange};
use super::cookies::Jar;
use super::decode;
use super::io as rt;
use super::pool::{Pool, PER_USER_MAX_IDLE};
use super::redirect;
use super::request::{self, Head};
use super::response::ResponseHead;
use super::url::Target;

pub(crate) struct ClientState {
    shard: Rc<HttpShard>,
    config: ClientConfig,
    pool: Rc<Pool<Conn>>,
    /// The pool is this client's own (`PoolMode::PerUser`), so `close` may empty it.
    own_pool: bool,
    /// Bumped by `close`: a connection lent out before then is closed when it comes back
    /// instead of going into the pool.
    closes: Cell<u64>,
    jar: Jar,
}

/// What stays the same across the hops of one request.
#[derive(Clone, Copy)]
struct Limits {
    connect: Option<Duration>,
    read: Option<Duration>,
    verify: bool,
    /// The caller asked for `Connection: close`.
    close: bool,
}

impl ClientState {
    pub(crate) fn new(
        shard: &Rc<HttpShard>,
        config: ClientConfig,
        mode: PoolMode,
        class: usize,
    ) -> ClientState {
        let pool = match mode {
            PoolMode::PerUser => Rc::new(Pool::new(PER_USER_MAX_IDLE)),
            PoolMode::Shared => shard.inner.shared_pool(class, config.shared_pool_size),
        };
        ClientState {
            shard: shard.clone(),
            config,
            pool,
            own_pool: mode == PoolMode::PerUser,
            closes: Cell::new(0),
            jar: Jar::default(),
        }
    }

    pub(crate) fn jar(&self) -> &Jar {
        &self.jar
    }

    /// Idle connections in this client's pool (shared with its class in `PoolMode::Shared`).
    pub(crate) fn idle_connections(&self) -> usize {
        self.pool.idle_count()
    }

    /// Close this client's connections (requests' `Session.close()`): idle ones now, ones in
    /// use when their response is read. A class's shared pool is left alone: its connections
    /// serve the other users of the class too.
    pub(crate) fn close(&self) {
        if self.own_pool {
            self.closes.set(self.closes.get() + 1);
            self.pool.clear_idle();
        }
    }

    pub(crate) async fn send(&self, req: Request) -> Result<Response, HttpError> {
        let Request {
            mut method,
            url,
            mut headers,
            mut body,
            cookies,
            timeout,
            allow_redirects,
            verify,
        } = req;
        method.make_ascii_uppercase();
        request::check_method(&method)?;
        request::check_headers(&headers)?;
        let limits = Limits {
            connect: timeout.or(self.config.connect_timeout),
            read: timeout.or(self.config.read_timeout),
            verify: verify.unwrap_or(self.config.verify_tls),
            close: request::asks_close(&headers),
        };
        let mut target = Target::parse_cached(&url, &self.shard.inner.origins)?;
        let mut start = None;
        let mut followed = 0;
        loop {
            let cookie = self.jar.request_value(target.url(), &cookies);
            let head = Head {
                method: &method,
                headers: &headers,
                body_len: body.len(),
                cookies: cookie.as_deref(),
            };
            let exchange = self.exchange(&target, &head, &mut body, limits, &mut start).await?;
            self.jar.store_response(target.url(), &exchange.head.headers);
            let location = match exchange.head.header("location") {
                Some(location)
                    if allow_redirects && redirect::is_redirect(exchange.head.status) =>
                {
                    location
                }
                _ => {
                    let Exchange { head, body, done, .. } = exchange;
                    let ResponseHead { status, reason, headers, .. } = head;
                    let elapsed = done.saturating_duration_since(start.unwrap_or(done));
                    let body = decode::decode_body(&headers, body)?;
                    return Ok(Response {
                        status,
                        reason,
                        headers,
                        body,
                        url: target.into_string(),
                        elapsed,
                    });
                }
            };
            if followed >= self.config.max_redirects {
                return Err(HttpError::TooManyRedirects(self.config.max_redirects));
            }
            followed += 1;
            let next = redirect::next_target(&target, location)?;
            let status = exchange.head.status;
            redirect::rewrite(status, &mut method, &mut body, &mut headers, &target, &next);
            target = next;
        }
    }

    /// One request and its response on a pooled or new connection. `start` is set just
    /// before the first request byte of the first hop is written.
    async fn exchange(
        &self,
        target: &Target,
        head: &Head<'_>,
        body: &mut Vec<u8>,
        limits: Limits,
        start: &mut Option<Instant>,
    ) -> Result<Exchange, HttpError> {
        let head_request = head.method == "HEAD";
        let mut may_reuse = true;
        let closes = self.closes.get();
        loop {
            let (mut conn, lease, reused) = self.connection(target, limits, may_reuse).await?;
            request::write_head(conn.request_buf(), target, head);
            start.get_or_insert_with(Instant::now);
            match rt::within(limits.read, conn.exchange(body, head_request)).await {
                None => {
                    return Err(HttpError::ReadTimeout(format!(
                        "{}: Read timed out. (read timeout={})",
                        target.url(),
                        seconds(limits.read)
                    )))
                }
                Some(Ok(exchange)) => {
                    if exchange.reusable && !limits.close && self.closes.get() == closes {
                        lease.keep();
                        self.pool.put(target, limits.verify, conn);
                    }
                    return Ok(exchange);
                }
                // The server closed an idle keep-alive connection just as we used it: the
                // request never reached it, so one retry on a fresh connection is safe.
                Some(Err(_)) if reused && conn.closed_before_response() => may_reuse = false,
                Some(Err(e)) => return Err(e),
            }
        }
    }

    /// An idle connection for `target`, or a new one once the pool has room for it.
    async fn connection(
        &self,
        target: &Target,
        limits: Limits,
        may_reuse: bool,
    ) -> Result<(Conn, Lease, bool), HttpError> {
        loop {
            if may_reuse {
                if let Some(conn) = self.pool.take(target, limits.verify) {
                    return Ok((conn, Lease::new(&self.pool), true));
                }
            }
            if self.pool.reserve() {
                let lease = Lease::new(&self.pool);
                // Boxed: opening (connect and TLS handshake) is rare with keep-alive, but its
                // future is large, and inline it would make every request's future as large.
                let conn = Box::pin(self.open(target, limits)).await?;
                return Ok((conn, lease, false));
            }
            if !self.pool.evict_idle() {
                self.pool.wait_turn().await;
            }
        }
    }

    async fn open(&self, target: &Target, limits: Limits) -> Result<Conn, HttpError> {
        let opening = Conn::open(&self.shard.inner, target, limits.verify);
        match rt::within(limits.connect, opening).await {
            Some(result) => result,
            None => Err(HttpError::ConnectTimeout(format!(
                "Connection to {} timed out. (connect timeout={})",
                target.url(),
                seconds(limits.connect)
            ))),
        }
    }
}

/// A timeout as Python prints it (`0.5`, `30`).
fn seconds(limit: Option<Duration>) -> String {
    limit.map(|d| d.as_secs_f64().to_string()).unwrap_or_else(|| "None".into())
}

/// One slot of the pool's connection count, held while a connection is being opened or is
/// in use. Dropping it — the connection failed or closed, or the request was cancelled —
/// frees the slot; `keep` hands it to the connection going back into the pool.
struct Lease {
    pool: Rc<Pool<Conn>>,
    held: bool,
}

impl Lease {
    fn new(pool: &Rc<Pool<Conn>>) -> Lease {
        Lease { pool: Rc::clone(pool), held: true }
    }

    fn keep(mut self) {
        self.held = false;
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.held {
            self.pool.release();
        }
    }
}
