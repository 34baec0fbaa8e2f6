//! The public face of the HTTP client. The contract other crates rely on; the implementation
//! lives in the sibling modules.

use std::rc::Rc;

pub use super::headers::Headers;
use std::time::Duration;

/// Settings of one client (one virtual user, or one user class with a shared pool).
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Time allowed to open a TCP connection (and finish the TLS handshake). None = no limit.
    pub connect_timeout: Option<Duration>,
    /// Time allowed for the whole response once the request is sent. None = no limit.
    pub read_timeout: Option<Duration>,
    /// Verify TLS certificates (on by default, as in Locust/requests).
    pub verify_tls: bool,
    /// Redirects followed before giving up (requests' default is 30).
    pub max_redirects: u32,
    /// With [`PoolMode::Shared`]: connections the class may have open at once on each shard.
    /// Requests beyond that wait for a connection to come back. Set by the first client of
    /// the class on the shard.
    pub shared_pool_size: usize,
}

/// Connections a class's shared pool may open per shard unless the class says otherwise:
/// enough to keep a shard busy, far below the usual open-file limits.
pub const DEFAULT_SHARED_POOL_SIZE: usize = 100;

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: None,
            read_timeout: None,
            verify_tls: true,
            max_redirects: 30,
            shared_pool_size: DEFAULT_SHARED_POOL_SIZE,
        }
    }
}

/// One request. `url` is absolute (`http://host:port/path?query`).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub url: String,
    /// Extra headers; they replace the client's defaults of the same name.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Cookies sent with this request only, merged with the jar's (requests' `cookies=`).
    pub cookies: Vec<(String, String)>,
    /// Overrides the client's read timeout (and connect timeout) for this request.
    pub timeout: Option<Duration>,
    pub allow_redirects: bool,
    /// Overrides the client's `verify_tls` for this request.
    pub verify: Option<bool>,
}

impl Request {
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Request {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
            cookies: Vec::new(),
            timeout: None,
            allow_redirects: true,
            verify: None,
        }
    }
}

/// A complete response. The body is already de-chunked and decoded (gzip/deflate/br).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    /// In the order received; names as sent by the server.
    pub headers: Headers,
    pub body: Vec<u8>,
    /// The final URL, after redirects.
    pub url: String,
    /// From the first byte of the (first) request written to the last body byte read.
    pub elapsed: Duration,
}

impl Response {
    /// The first header of that name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }
}

/// Why a request got no response. `Display` is the Locust-style text reported as the failure,
/// e.g. `ConnectionRefusedError(111, 'Connection refused')`.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HttpError {
    #[error("InvalidURL('{0}')")]
    InvalidUrl(String),
    #[error("ConnectionRefusedError(111, 'Connection refused')")]
    ConnectionRefused,
    #[error("ConnectionResetError(104, 'Connection reset by peer')")]
    ConnectionReset,
    #[error("NameResolutionError('{0}')")]
    Dns(String),
    #[error("ConnectTimeout('{0}')")]
    ConnectTimeout(String),
    #[error("ReadTimeout('{0}')")]
    ReadTimeout(String),
    #[error("SSLError('{0}')")]
    Tls(String),
    /// The server sent something that is not HTTP/1.x, or closed mid-message.
    #[error("RemoteDisconnected('{0}')")]
    Protocol(String),
    #[error("ContentDecodingError('{0}')")]
    Decode(String),
    #[error("TooManyRedirects('Exceeded {0} redirects.')")]
    TooManyRedirects(u32),
    #[error("OSError('{0}')")]
    Io(String),
}

/// Whether a client keeps its own connections or uses its class's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PoolMode {
    #[default]
    PerUser,
    Shared,
}

/// What every client of one shard shares: the DNS cache, TLS configs, class-shared pools.
/// Created once per shard thread.
pub struct HttpShard {
    pub(crate) inner: super::shard::ShardHttpState,
}

/// An HTTP client: a cookie jar and a connection pool. Cheap to create; not `Send`.
pub struct HttpClient {
    pub(crate) inner: super::client::ClientState,
}

impl HttpShard {
    pub fn new() -> Rc<HttpShard> {
        Rc::new(HttpShard { inner: super::shard::ShardHttpState::new() })
    }
}

impl HttpClient {
    /// A client on `shard`. `PoolMode::PerUser` gives it its own connections (Locust's
    /// behaviour); `PoolMode::Shared` uses the shard's pool for user class `class`. The
    /// cookie jar is always the client's own.
    pub fn new(
        shard: &Rc<HttpShard>,
        config: ClientConfig,
        pool: PoolMode,
        class: usize,
    ) -> HttpClient {
        HttpClient { inner: super::client::ClientState::new(shard, config, pool, class) }
    }

    /// Sends `req` and reads the whole response, following redirects unless
    /// `req.allow_redirects` is false. Must run on the shard's monoio runtime, with its timer
    /// enabled when a timeout is set.
    pub async fn send(&self, req: Request) -> Result<Response, HttpError> {
        self.inner.send(req).await
    }

    /// Stores a cookie as if `url` had answered with `Set-Cookie: <set_cookie_header_value>`.
    /// An unparsable URL or cookie is ignored, as a browser would.
    pub fn set_cookie(&self, url: &str, set_cookie_header_value: &str) {
        self.inner.jar().set_cookie(url, set_cookie_header_value);
    }

    /// The `Cookie` header value the jar would send to `url` (`a=1; b=2`), if any.
    pub fn cookie_header(&self, url: &str) -> Option<String> {
        self.inner.jar().cookie_header(url)
    }

    /// Empties the cookie jar (a user logging out, or starting over).
    pub fn clear_cookies(&self) {
        self.inner.jar().clear();
    }

    /// Closes this client's keep-alive connections, so its next request opens a new one
    /// (requests' `Session.close()`). Connections in use close once their response is read.
    /// With `PoolMode::Shared` this does nothing: the class's other users share them.
    pub fn close_connections(&self) {
        self.inner.close();
    }

    /// Idle keep-alive connections in this client's pool (its class's, when shared).
    pub fn idle_connections(&self) -> usize {
        self.inner.idle_connections()
    }
}
