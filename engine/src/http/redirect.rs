//! Redirect rules, as python-requests applies them: which statuses redirect, where the next
//! hop goes, and how the method, body and headers change on the way.

use super::api::HttpError;
use super::url::Target;

pub(crate) fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The next hop's URL: `location` resolved against the URL that answered with it.
pub(crate) fn next_target(current: &Target, location: &str) -> Result<Target, HttpError> {
    let url = current
        .url()
        .join(location.trim())
        .map_err(|e| HttpError::InvalidUrl(format!("redirect to {location}: {e}")))?;
    Target::from_url(url)
}

/// Adjusts the request for the next hop after a `status` redirect from `from` to `to`.
///
/// Like requests: 303 and 302 turn anything but HEAD into GET, 301 turns POST into GET; every
/// redirect but 307/308 drops the body and the headers describing it. The caller's Cookie
/// header is dropped (the jar supplies cookies from here on), and so is Authorization when
/// the request leaves the host it was meant for.
pub(crate) fn rewrite(
    status: u16,
    method: &mut String,
    body: &mut Vec<u8>,
    headers: &mut Vec<(String, String)>,
    from: &Target,
    to: &Target,
) {
    let to_get = match status {
        302 | 303 => method != "HEAD",
        301 => method == "POST",
        _ => false,
    };
    if to_get {
        method.clear();
        method.push_str("GET");
    }
    let keeps_body = matches!(status, 307 | 308);
    if !keeps_body {
        body.clear();
    }
    let strip_auth = strips_auth(from, to);
    headers.retain(|(name, _)| {
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        !(is("cookie")
            || (strip_auth && is("authorization"))
            || (!keeps_body
                && (is("content-length") || is("content-type") || is("transfer-encoding"))))
    });
}

/// requests' `should_strip_auth`: credentials stay only with the same host, scheme and port,
/// or on the upgrade from http:80 to https:443.
fn strips_auth(from: &Target, to: &Target) -> bool {
    if from.host_str() != to.host_str() {
        return true;
    }
    if !from.is_https() && from.port() == 80 && to.is_https() && to.port() == 443 {
        return false;
    }
    from.is_https() != to.is_https() || from.port() != to.port()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(status: u16, method: &str, from: &str, to: &str) -> (String, Vec<u8>, Vec<String>) {
        let mut method = method.to_string();
        let mut body = b"payload".to_vec();
        let mut headers: Vec<(String, String)> =
            ["Content-Type", "Content-Length", "Authorization", "Cookie", "X-Keep"]
                .iter()
                .map(|n| (n.to_string(), "v".to_string()))
                .collect();
        let from = Target::parse(from).unwrap();
        let to = next_target(&from, to).unwrap();
        rewrite(status, &mut method, &mut body, &mut headers, &from, &to);
        (method, body, headers.into_iter().map(|(k, _)| k).collect())
    }

    #[test]
    fn see_other_and_found_become_get_without_body() {
        for status in [302, 303] {
            let (m, b, h) = hop(status, "POST", "http://h/a", "/b");
            assert_eq!(m, "GET");
            assert!(b.is_empty());
            assert_eq!(h, ["Authorization", "X-Keep"]);
            let (m, _, _) = hop(status, "PUT", "http://h/a", "/b");
            assert_eq!(m, "GET");
            let (m, _, _) = hop(status, "HEAD", "http://h/a", "/b");
            assert_eq!(m, "HEAD");
        }
    }

    #[test]
    fn moved_permanently_turns_only_post_into_get() {
        assert_eq!(hop(301, "POST", "http://h/a", "/b").0, "GET");
        let (m, b, _) = hop(301, "PUT", "http://h/a", "/b");
        assert_eq!(m, "PUT");
        assert!(b.is_empty());
        assert_eq!(hop(301, "HEAD", "http://h/a", "/b").0, "HEAD");
    }

    #[test]
    fn temporary_and_permanent_redirects_keep_method_and_body() {
        for status in [307, 308] {
            let (m, b, h) = hop(status, "POST", "http://h/a", "/b");
            assert_eq!(m, "POST");
            assert_eq!(b, b"payload");
            assert_eq!(h, ["Content-Type", "Content-Length", "Authorization", "X-Keep"]);
        }
    }

    #[test]
    fn authorization_is_dropped_when_the_host_changes() {
        let (_, _, h) = hop(307, "GET", "http://h/a", "http://other/b");
        assert!(!h.iter().any(|n| n == "Authorization"));
        let (_, _, h) = hop(307, "GET", "http://h/a", "https://h/b");
        assert!(h.iter().any(|n| n == "Authorization"));
        let (_, _, h) = hop(307, "GET", "http://h/a", "http://h:8080/b");
        assert!(!h.iter().any(|n| n == "Authorization"));
    }

    #[test]
    fn locations_resolve_relative_to_the_current_url() {
        let from = Target::parse("http://h:8080/a/b?x=1").unwrap();
        assert_eq!(next_target(&from, "c").unwrap().url().as_str(), "http://h:8080/a/c");
        assert_eq!(next_target(&from, "/d?e").unwrap().url().as_str(), "http://h:8080/d?e");
        assert_eq!(next_target(&from, "//o/p").unwrap().url().as_str(), "http://o/p");
        assert_eq!(next_target(&from, "https://s/").unwrap().url().as_str(), "https://s/");
        assert!(matches!(next_target(&from, "ftp://x/"), Err(HttpError::InvalidUrl(_))));
        assert!(is_redirect(308) && !is_redirect(304) && !is_redirect(300));
    }
}
