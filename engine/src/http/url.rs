//! A request target: the parsed URL plus the pieces the client needs from it (scheme, where
//! to connect, the `Host` header, the request path), borrowed from the one parsed `Url` so a
//! request allocates nothing beyond the parse.

use std::cell::RefCell;
use std::net::IpAddr;

use url::{Host, Position, Url};

use super::api::HttpError;

/// An absolute `http://` or `https://` URL.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    url: Url,
    port: u16,
}

impl Target {
    pub(crate) fn parse(url: &str) -> Result<Target, HttpError> {
        let url = Url::parse(url).map_err(|e| HttpError::InvalidUrl(format!("{url}: {e}")))?;
        Target::from_url(url)
    }

    /// Like [`Target::parse`], but a URL on the same origin as the last one parsed through
    /// `cache` reuses that parse and only sets its path, query and fragment. Parsing the
    /// origin (the host goes through IDNA, and is printed back) is most of the cost of
    /// parsing a URL, and a load test sends nearly every request to one origin.
    pub(crate) fn parse_cached(url: &str, cache: &OriginCache) -> Result<Target, HttpError> {
        let Some((origin, rest)) = split_origin(url) else { return Target::parse(url) };
        if let Some((cached_origin, base)) = cache.0.borrow().as_ref() {
            if cached_origin == origin {
                let mut target = base.clone();
                let (before_fragment, fragment) = match rest.split_once('#') {
                    Some((b, f)) => (b, Some(f)),
                    None => (rest, None),
                };
                let (path, query) = match before_fragment.split_once('?') {
                    Some((p, q)) => (p, Some(q)),
                    None => (before_fragment, None),
                };
                target.url.set_path(path);
                target.url.set_query(query);
                target.url.set_fragment(fragment);
                return Ok(target);
            }
        }
        let target = Target::parse(url)?;
        *cache.0.borrow_mut() = Some((origin.to_owned(), target.clone()));
        Ok(target)
    }

    /// Checks that a URL (e.g. a redirect's resolved `Location`) is one we can fetch.
    pub(crate) fn from_url(url: Url) -> Result<Target, HttpError> {
        match url.scheme() {
            "http" | "https" => {}
            other => {
                return Err(HttpError::InvalidUrl(format!(
                    "{url}: unsupported scheme '{other}', expected http or https"
                )))
            }
        }
        if url.host().is_none() {
            return Err(HttpError::InvalidUrl(format!("{url}: no host")));
        }
        let port = url.port_or_known_default().unwrap_or(80);
        Ok(Target { url, port })
    }

    pub(crate) fn url(&self) -> &Url {
        &self.url
    }

    pub(crate) fn into_string(self) -> String {
        self.url.into()
    }

    pub(crate) fn is_https(&self) -> bool {
        self.url.scheme() == "https"
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The host as written in the URL: a domain, an IPv4 address, or `[v6]` in brackets.
    /// Also the pool key's host.
    pub(crate) fn host_str(&self) -> &str {
        self.url.host_str().unwrap_or("")
    }

    /// Where to connect: a name to resolve, or an address that needs no resolving.
    pub(crate) fn host(&self) -> HostKind<'_> {
        match self.url.host() {
            Some(Host::Ipv4(ip)) => HostKind::Ip(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => HostKind::Ip(IpAddr::V6(ip)),
            Some(Host::Domain(name)) => HostKind::Name(name),
            None => HostKind::Name(""),
        }
    }

    /// The `Host` header: the host, plus `:port` only when the URL names a non-default one
    /// (the url crate drops default ports when parsing).
    pub(crate) fn host_header(&self) -> &str {
        &self.url[Position::BeforeHost..Position::AfterPort]
    }

    /// The request-target of the request line: path and query, never the fragment.
    pub(crate) fn path_and_query(&self) -> &str {
        &self.url[Position::BeforePath..Position::AfterQuery]
    }
}

/// The last origin parsed on a shard (`scheme://authority` as written) and its parse.
#[derive(Debug, Default)]
pub(crate) struct OriginCache(RefCell<Option<(String, Target)>>);

/// `http://host:port/rest` → (`http://host:port`, `/rest`), when the URL has a path after its
/// authority. Anything unusual (no path, userinfo, odd schemes) is left to the full parser.
fn split_origin(url: &str) -> Option<(&str, &str)> {
    let after_scheme = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"))?;
    let authority_len = after_scheme.find(['/', '?', '#', '\\', '@'])?;
    let origin_len = url.len() - after_scheme.len() + authority_len;
    let rest = &url[origin_len..];
    rest.starts_with('/').then(|| (&url[..origin_len], rest))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HostKind<'a> {
    Name(&'a str),
    Ip(IpAddr),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_ports_are_left_out_of_the_host_header() {
        let t = Target::parse("http://example.com:80/a?b=1#frag").unwrap();
        assert_eq!(t.host_header(), "example.com");
        assert_eq!(t.port(), 80);
        assert_eq!(t.path_and_query(), "/a?b=1");
        assert!(!t.is_https());

        let t = Target::parse("https://example.com/").unwrap();
        assert_eq!(t.host_header(), "example.com");
        assert_eq!(t.port(), 443);
        assert!(t.is_https());
    }

    #[test]
    fn non_default_ports_are_in_the_host_header() {
        let t = Target::parse("http://Example.COM:8080").unwrap();
        assert_eq!(t.host_header(), "example.com:8080");
        assert_eq!(t.port(), 8080);
        assert_eq!(t.path_and_query(), "/");
        assert_eq!(t.host(), HostKind::Name("example.com"));

        let t = Target::parse("https://example.com:80/x").unwrap();
        assert_eq!(t.host_header(), "example.com:80");
    }

    #[test]
    fn ip_literals_need_no_resolving() {
        let t = Target::parse("http://[::1]:8089/stats").unwrap();
        assert_eq!(t.host_header(), "[::1]:8089");
        assert_eq!(t.host_str(), "[::1]");
        assert_eq!(t.host(), HostKind::Ip("::1".parse().unwrap()));

        let t = Target::parse("http://user:pw@127.0.0.1/").unwrap();
        assert_eq!(t.host_header(), "127.0.0.1");
        assert_eq!(t.host(), HostKind::Ip("127.0.0.1".parse().unwrap()));
    }

    #[test]
    fn cached_origins_parse_like_full_urls() {
        let cache = OriginCache::default();
        for url in [
            "http://127.0.0.1:8080/a?b=1",
            "http://127.0.0.1:8080/item?id=2#x",
            "http://127.0.0.1:8080/a b/../c?q=a b",
            "http://127.0.0.1:8080/",
            "https://example.com/x",
            "https://example.com/%7Efoo?x",
            "http://user@127.0.0.1:8080/x",
            "http://127.0.0.1:8080?x=1",
        ] {
            let cached = Target::parse_cached(url, &cache).unwrap();
            let full = Target::parse(url).unwrap();
            assert_eq!(cached.url(), full.url(), "{url}");
            assert_eq!(cached.port(), full.port());
        }
        assert!(Target::parse_cached("ftp://example.com/", &cache).is_err());
    }

    #[test]
    fn bad_urls_are_invalid_url_errors() {
        for bad in ["/relative", "ftp://example.com/", "http://", "not a url", "file:///etc"] {
            let err = Target::parse(bad).unwrap_err();
            assert!(matches!(err, HttpError::InvalidUrl(_)), "{bad}: {err}");
        }
    }
}
