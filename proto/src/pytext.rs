//! Python's text forms that Locust's messages and files show: `repr()` of a string appears in
//! argparse errors (`invalid int value: 'x'`) and in failure texts (`HTTPError('404 …')`).

/// Python's `repr()` of a string: single quotes unless the text has a `'` and no `"`.
pub fn python_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::python_repr;

    #[test]
    fn quotes_like_python() {
        assert_eq!(python_repr("x"), "'x'");
        assert_eq!(python_repr("it's"), "\"it's\"");
        assert_eq!(python_repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(python_repr("tab\there\n"), "'tab\\there\\n'");
        assert_eq!(python_repr("\u{1}"), "'\\x01'");
    }
}
