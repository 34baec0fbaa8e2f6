//! The `locust.conf` syntax (configargparse's default parser): `key = value`, `key: value` or
//! `key value` lines; `#` and `;` comment lines and ` # ...` trailing comments; `[section]`
//! lines ignored; a bare `key` means `true`; matching quotes around a value are dropped; a
//! `[a, b]` value is a list.

use super::source::{is_list_syntax, split_list, Raw};

/// One `key = value` line.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Entry {
    /// The key as written.
    pub(super) key: String,
    /// `Raw::Text`, or `Raw::Items` for list syntax.
    pub(super) value: Raw,
}

/// A line that is none of the above: its number (from 1) and text.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct BadLine {
    pub(super) number: usize,
    pub(super) text: String,
}

/// Parse a whole file.
pub(super) fn parse(text: &str) -> Result<Vec<Entry>, BadLine> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';', '[']) || line.starts_with("---") {
            continue;
        }
        match parse_line(line) {
            Some((key, value)) => {
                let value = if is_list_syntax(&value) {
                    Raw::Items(split_list(&value))
                } else {
                    Raw::Text(value)
                };
                entries.push(Entry { key, value });
            }
            None => return Err(BadLine { number: i + 1, text: line.to_string() }),
        }
    }
    Ok(entries)
}

/// One trimmed line, following configargparse's regular expression
/// `^(?P<key>[^:=;#\s]+)\s*(?:(?P<equal>[:=\s])\s*(['"]?)(?P<value>.+?)?\3)?\s*(?:\s[;#]\s*(?P<comment>.*?)\s*)?$`.
fn parse_line(line: &str) -> Option<(String, String)> {
    let key_end = line
        .find(|c: char| matches!(c, ':' | '=' | ';' | '#') || c.is_whitespace())
        .unwrap_or(line.len());
    if key_end == 0 {
        return None;
    }
    let key = line[..key_end].to_string();
    let after_key = &line[key_end..];
    let rest = after_key.trim_start();
    if rest.is_empty() {
        return Some((key, "true".to_string()));
    }
    let spaced = rest.len() < after_key.len();
    let (by_space, body) = match rest.strip_prefix([':', '=']) {
        Some(body) => (false, body.trim_start()),
        None if spaced => (true, rest),
        // `key#x`: a comment mark right after the key matches nothing.
        None => return None,
    };
    let value = quoted(body).or_else(|| unquoted(body)).unwrap_or_default();
    if value.is_empty() {
        // No value: `key =` is empty, `key ""` (space as separator) reads as a bare flag.
        return Some((key, if by_space { "true" } else { "" }.to_string()));
    }
    Some((key, value.to_string()))
}

/// The text between matching quotes, if the closing quote ends the value (only a comment
/// may follow).
fn quoted(body: &str) -> Option<&str> {
    let quote = body.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = &body[1..];
    // Values of one or more characters first (the regex's lazy `.+?`), then the empty one.
    let mut empty = None;
    for (i, c) in inner.char_indices() {
        if c == quote && rest_is_comment(&inner[i + 1..]) {
            if i == 0 {
                empty = Some("");
                continue;
            }
            return Some(&inner[..i]);
        }
    }
    empty
}

/// The shortest prefix after which only a comment (or nothing) follows.
fn unquoted(body: &str) -> Option<&str> {
    body.char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .find(|&end| rest_is_comment(&body[end..]))
        .map(|end| &body[..end])
}

/// `\s*(?:\s[;#].*)?$`: nothing but whitespace, or whitespace then a `#`/`;` comment.
fn rest_is_comment(rest: &str) -> bool {
    let trimmed = rest.trim_start();
    trimmed.is_empty() || (trimmed.len() < rest.len() && trimmed.starts_with([';', '#']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> Option<(String, String)> {
        parse_line(line)
    }

    fn kv(k: &str, v: &str) -> Option<(String, String)> {
        Some((k.to_string(), v.to_string()))
    }

    #[test]
    fn lines_like_configargparse() {
        assert_eq!(one("users = 5"), kv("users", "5"));
        assert_eq!(one("users=5"), kv("users", "5"));
        assert_eq!(one("users: 5"), kv("users", "5"));
        assert_eq!(one("users 5"), kv("users", "5"));
        assert_eq!(one("users=3 # comment"), kv("users", "3"));
        assert_eq!(one("users = 3 ; comment"), kv("users", "3"));
        assert_eq!(one("host = a#b"), kv("host", "a#b"));
        assert_eq!(one("headless"), kv("headless", "true"));
        assert_eq!(one("users ="), kv("users", ""));
        assert_eq!(one("users = \"5\""), kv("users", "5"));
        assert_eq!(one("host = 'x y'"), kv("host", "x y"));
        assert_eq!(one("host = \"a # b\""), kv("host", "a # b"));
        assert_eq!(one("host = \"open"), kv("host", "\"open"));
        assert_eq!(one("users#x"), None);
        assert_eq!(one("= 5"), None);
    }

    #[test]
    fn files_skip_comments_and_sections_and_read_lists() {
        let text = "[locust]\n# c\n; c\n\nusers = 7\ntags = [a, b c]\n";
        let entries = parse(text).unwrap_or_default();
        assert_eq!(
            entries,
            vec![
                Entry { key: "users".into(), value: Raw::Text("7".into()) },
                Entry { key: "tags".into(), value: Raw::Items(vec!["a".into(), "b c".into()]) },
            ]
        );
        assert_eq!(parse("ok = 1\n=bad\n"), Err(BadLine { number: 2, text: "=bad".into() }));
    }
}
