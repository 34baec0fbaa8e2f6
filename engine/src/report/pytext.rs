//! Text exactly as Python writes it, so the files are byte-for-byte Locust's: `repr(float)`,
//! `f"{x:2f}"`, `csv.writer` cells and rows, JSON strings with `ensure_ascii`, and UTC
//! timestamps as `%Y-%m-%dT%H:%M:%SZ`.

use std::borrow::Cow;

/// Python's `repr(float)`: the shortest text that reads back to the same float, always with a
/// `.0` on whole numbers (`12.0`), in exponent form below 1e-4 and from 1e16 up (`1e-05`,
/// `1.5e+16`).
pub(crate) fn float(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    // Rust's `{:e}` gives the same shortest round-trip digits as Python, as `d.ddde-5`.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if x < 0.0 { "-" } else { "" };
    if !(-4..16).contains(&exp) {
        let exp_sign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{mantissa}e{exp_sign}{:02}", exp.abs());
    }
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let text = if exp < 0 {
        format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
    } else {
        let point = (exp + 1) as usize;
        if digits.len() <= point {
            format!("{digits}{}.0", "0".repeat(point - digits.len()))
        } else {
            format!("{}.{}", &digits[..point], &digits[point..])
        }
    };
    format!("{sign}{text}")
}

/// Python's `f"{x:2f}"` (Locust's rps format in the history file): always six decimals.
pub(crate) fn fixed6(x: f64) -> String {
    format!("{x:.6}")
}

/// One `csv.writer` cell (QUOTE_MINIMAL): quoted only when it holds `,`, `"`, `\r` or `\n`,
/// with quotes doubled inside.
pub(crate) fn csv_cell(text: &str) -> Cow<'_, str> {
    if text.contains([',', '"', '\r', '\n']) {
        Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(text)
    }
}

/// One `csv.writer` row: cells joined by `,`, ended by `\r\n` (newlines inside cells stay).
pub(crate) fn csv_row<S: AsRef<str>>(cells: &[S]) -> String {
    let mut row = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            row.push(',');
        }
        row.push_str(&csv_cell(cell.as_ref()));
    }
    row.push_str("\r\n");
    row
}

/// A JSON string as Python's `json.dumps` writes it (`ensure_ascii`): everything outside
/// printable ASCII is a `\uXXXX` escape (UTF-16 surrogate pairs above U+FFFF).
pub(crate) fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// Unix seconds as UTC `%Y-%m-%dT%H:%M:%SZ` (Locust's First/Last Seen).
pub(crate) fn utc_timestamp(unix: f64) -> String {
    let secs = unix.floor() as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", t / 3600, t / 60 % 60, t % 60)
}

/// Gregorian (year, month, day) of a count of days since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_like_python_repr() {
        let cases: [(f64, &str); 16] = [
            (12.0, "12.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (8.516812250002362, "8.516812250002362"),
            (155.66666666666666, "155.66666666666666"),
            (0.1, "0.1"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e16, "1e+16"),
            (1.2345e16, "1.2345e+16"),
            (9999999999999998.0, "9999999999999998.0"),
            (1795692173.5553696, "1795692173.5553696"),
            (123456.0, "123456.0"),
            (-2.5, "-2.5"),
            (1e100, "1e+100"),
        ];
        for (x, want) in cases {
            assert_eq!(float(x), want, "{x:?}");
        }
    }

    #[test]
    fn fixed_six_decimals() {
        assert_eq!(fixed6(9.5), "9.500000");
        assert_eq!(fixed6(9.666666666666666), "9.666667");
        assert_eq!(fixed6(0.0), "0.000000");
        assert_eq!(fixed6(1234.5), "1234.500000");
    }

    #[test]
    fn csv_quotes_like_pythons_writer() {
        assert_eq!(csv_cell("plain text 'x'"), "plain text 'x'");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell("cr\r"), "\"cr\r\"");
        assert_eq!(csv_cell(""), "");
        assert_eq!(csv_row(&["", "Aggregated", "0"]), ",Aggregated,0\r\n");
    }

    #[test]
    fn json_strings_are_ascii_like_pythons() {
        assert_eq!(json_string("/a\"b\\"), "\"/a\\\"b\\\\\"");
        assert_eq!(json_string("é\u{1}\u{7f}"), "\"\\u00e9\\u0001\\u007f\"");
        assert_eq!(json_string("😀"), "\"\\ud83d\\ude00\"");
        assert_eq!(json_string("tab\tnl\n"), "\"tab\\tnl\\n\"");
    }

    #[test]
    fn utc_timestamps() {
        assert_eq!(utc_timestamp(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_timestamp(1795692167.42), "2026-11-26T11:22:47Z");
        assert_eq!(utc_timestamp(951782400.0), "2000-02-29T00:00:00Z");
    }
}
