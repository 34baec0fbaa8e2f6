//! The cookie jar of one client (one virtual user), on cookie_store: RFC 6265 domain, path,
//! expiry and Secure rules, so a login cookie set on one page is sent to the next.

use std::cell::RefCell;

use cookie_store::CookieStore;
use url::Url;

use super::headers::Headers;

#[derive(Default)]
pub(crate) struct Jar {
    store: RefCell<CookieStore>,
}

impl Jar {
    /// Takes every `Set-Cookie` of a response from `url`. Cookies the rules refuse (bad
    /// syntax, wrong domain) are skipped, as browsers and requests do.
    pub(crate) fn store_response(&self, url: &Url, headers: &Headers) {
        let mut set_cookies = headers.get_all("set-cookie").peekable();
        if set_cookies.peek().is_none() {
            return;
        }
        let mut store = self.store.borrow_mut();
        for value in set_cookies {
            let _ = store.parse(value, url);
        }
    }

    /// The `Cookie` value for a request to `url`: `extra` (this request's own cookies) first,
    /// then the jar's cookies for `url` that `extra` does not override.
    pub(crate) fn request_value(&self, url: &Url, extra: &[(String, String)]) -> Option<String> {
        let store = self.store.borrow();
        let jar_empty = store.iter_any().next().is_none();
        if jar_empty && extra.is_empty() {
            return None;
        }
        let mut value = String::new();
        for (name, val) in extra {
            append(&mut value, name, val);
        }
        if !jar_empty {
            for (name, val) in store.get_request_values(url) {
                if !extra.iter().any(|(n, _)| n == name) {
                    append(&mut value, name, val);
                }
            }
        }
        (!value.is_empty()).then_some(value)
    }

    /// Stores a cookie as if `url` had answered with `Set-Cookie: <set_cookie>`. An invalid URL
    /// or cookie is ignored.
    pub(crate) fn set_cookie(&self, url: &str, set_cookie: &str) {
        if let Ok(url) = Url::parse(url) {
            let _ = self.store.borrow_mut().parse(set_cookie, &url);
        }
    }

    /// The `Cookie` header the jar would send to `url`.
    pub(crate) fn cookie_header(&self, url: &str) -> Option<String> {
        let url = Url::parse(url).ok()?;
        self.request_value(&url, &[])
    }

    pub(crate) fn clear(&self) {
        self.store.borrow_mut().clear();
    }
}

fn append(out: &mut String, name: &str, value: &str) {
    if !out.is_empty() {
        out.push_str("; ");
    }
    out.push_str(name);
    out.push('=');
    out.push_str(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn response_cookies_are_sent_back_by_domain_and_path() {
        let jar = Jar::default();
        let headers = Headers::from_pairs([
            ("Set-Cookie", "sid=abc; Path=/"),
            ("set-cookie", "cart=1; Path=/shop"),
            ("Set-Cookie", "=broken"),
        ]);
        jar.store_response(&url("http://h.example/login"), &headers);
        assert_eq!(jar.cookie_header("http://h.example/").as_deref(), Some("sid=abc"));
        let shop = jar.cookie_header("http://h.example/shop/x").unwrap();
        assert!(shop.contains("sid=abc") && shop.contains("cart=1"), "{shop}");
        assert_eq!(jar.cookie_header("http://other.example/"), None);
    }

    #[test]
    fn request_cookies_come_first_and_override_the_jar() {
        let jar = Jar::default();
        jar.set_cookie("http://h/", "a=jar");
        jar.set_cookie("http://h/", "b=jar");
        let extra = vec![("a".to_string(), "mine".to_string())];
        assert_eq!(jar.request_value(&url("http://h/"), &extra).as_deref(), Some("a=mine; b=jar"));
        assert_eq!(Jar::default().request_value(&url("http://h/"), &[]), None);
    }

    #[test]
    fn clear_and_expiry() {
        let jar = Jar::default();
        jar.set_cookie("http://h/", "a=1");
        jar.set_cookie("http://h/", "gone=1; Max-Age=0");
        assert_eq!(jar.cookie_header("http://h/").as_deref(), Some("a=1"));
        jar.clear();
        assert_eq!(jar.cookie_header("http://h/"), None);
        jar.set_cookie("not a url", "a=1");
    }
}
