//! Response headers, stored compactly: every name and value in one string, located by
//! offsets. A response costs two allocations for its headers, however many there are, where
//! a list of owned pairs costs two per header — on the hot path of every request.

use std::fmt;

/// Response header fields in the order received, names as the server spelled them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    text: String,
    /// (name start, name end, value end) in `text`; a value starts where its name ends.
    spans: Vec<(u32, u32, u32)>,
}

impl Headers {
    /// Room for `fields` fields of about `bytes` bytes in all.
    pub(crate) fn with_capacity(fields: usize, bytes: usize) -> Headers {
        Headers { text: String::with_capacity(bytes), spans: Vec::with_capacity(fields) }
    }

    /// Headers from (name, value) pairs, in order.
    pub fn from_pairs<N: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (N, V)>,
    ) -> Headers {
        let mut h = Headers::default();
        for (n, v) in pairs {
            h.push(n.as_ref(), v.as_ref());
        }
        h
    }

    pub(crate) fn push(&mut self, name: &str, value: &str) {
        // Heads are capped far below 4 GiB (see `response::MAX_HEAD`), so offsets fit u32.
        let start = self.text.len() as u32;
        self.text.push_str(name);
        let name_end = self.text.len() as u32;
        self.text.push_str(value);
        self.spans.push((start, name_end, self.text.len() as u32));
    }

    /// The first field of that name, compared case-insensitively.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// Every value of the fields with that name, case-insensitively, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// (name, value) pairs in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.spans.iter().map(|&(s, n, e)| {
            (&self.text[s as usize..n as usize], &self.text[n as usize..e as usize])
        })
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::Headers;

    #[test]
    fn keeps_order_spelling_and_repeats() {
        let h = Headers::from_pairs([
            ("Content-Type", "text/plain"),
            ("Set-Cookie", "a=1"),
            ("set-cookie", "b=2"),
        ]);
        assert_eq!(h.len(), 3);
        assert_eq!(h.get("content-type"), Some("text/plain"));
        assert_eq!(h.get_all("SET-COOKIE").collect::<Vec<_>>(), ["a=1", "b=2"]);
        assert_eq!(h.iter().next(), Some(("Content-Type", "text/plain")));
        assert_eq!(h.get("missing"), None);
        assert!(Headers::default().is_empty());
    }
}
