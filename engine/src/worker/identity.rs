//! The worker's id: `<hostname>_<32 lowercase hex>`, as a Python worker makes it from
//! `socket.gethostname()` and a fresh `uuid4().hex`. It is the ZMQ routing identity and the
//! `node_id` of every message, and must be new in each process: a master keeps routing an
//! old id to the connection that first used it (see the protocol reference, §1.6).

/// This machine's host name, as `socket.gethostname()` returns it on Linux (the UTS name),
/// or `localhost` if it cannot be read.
pub(crate) fn hostname() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let name = name.trim();
    if name.is_empty() {
        "localhost".to_owned()
    } else {
        name.to_owned()
    }
}

/// A fresh id for `host`.
pub(crate) fn client_id(host: &str) -> String {
    format!("{host}_{:032x}", fastrand::u128(..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_host_underscore_32_lowercase_hex_and_fresh() {
        let id = client_id("box.example.com");
        let (host, hex) = id.rsplit_once('_').unwrap();
        assert_eq!(host, "box.example.com");
        assert_eq!(hex.len(), 32);
        assert!(hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)), "{hex}");
        assert_ne!(client_id("h"), client_id("h"));
        assert!(!hostname().is_empty());
    }
}
