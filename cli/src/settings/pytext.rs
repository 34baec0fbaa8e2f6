//! Python's text forms, where Locust's behaviour shows them: `repr()` of a string in argparse
//! messages (`invalid int value: 'x'`), `str()` of floats, booleans and lists that TOML and
//! JSON values become before argparse sees them, and Python's `int()`/`float()` grammar.

/// Python's `repr()` of a string: single quotes unless the text has a `'` and no `"`.
pub(super) fn repr(text: &str) -> String {
    cicada_proto::python_repr(text)
}

/// Python's `repr()`/`str()` of a float: `2.0`, `0.5`, `1e-05`, `1e+16`, `inf`, `nan`.
pub(super) fn float(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let magnitude = x.abs();
    if magnitude != 0.0 && !(1e-4..1e16).contains(&magnitude) {
        let text = format!("{x:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs());
    }
    let text = format!("{x}");
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// `str()` of a value `json.loads` produced (list items in `LOCUST_TAGS='["a", 1]'`).
pub(super) fn json_str(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => json_repr(other),
    }
}

fn json_repr(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "None".to_string(),
        Value::Bool(b) => bool_str(*b).to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => float(f),
            _ => n.to_string(),
        },
        Value::String(s) => repr(s),
        Value::Array(items) => {
            format!("[{}]", items.iter().map(json_repr).collect::<Vec<_>>().join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> =
                map.iter().map(|(k, v)| format!("{}: {}", repr(k), json_repr(v))).collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// `str()` of a value `tomllib` produced (what Locust's TOML reader hands argparse).
pub(super) fn toml_str(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => toml_repr(other),
    }
}

fn toml_repr(value: &toml::Value) -> String {
    use toml::Value;
    match value {
        Value::String(s) => repr(s),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => float(*f),
        Value::Boolean(b) => bool_str(*b).to_string(),
        // Python prints a datetime with a space between date and time.
        Value::Datetime(d) => d.to_string().replacen('T', " ", 1),
        Value::Array(items) => {
            format!("[{}]", items.iter().map(toml_repr).collect::<Vec<_>>().join(", "))
        }
        Value::Table(table) => {
            let parts: Vec<String> =
                table.iter().map(|(k, v)| format!("{}: {}", repr(k), toml_repr(v))).collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// Python's `int()` of a string: surrounding whitespace, an optional sign, decimal digits
/// with single `_` between them. Values beyond `i64` saturate (the range checks reject them).
pub(super) fn parse_int(text: &str) -> Option<i64> {
    let trimmed = text.trim();
    let (negative, digits) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let digits = strip_underscores(digits)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut value: i64 = 0;
    for b in digits.bytes() {
        let d = i64::from(b - b'0');
        value = value.saturating_mul(10).saturating_add(d);
    }
    Some(if negative { -value } else { value })
}

/// Python's `float()` of a string: decimal or exponent notation, `inf`, `infinity`, `nan`
/// (any case), surrounding whitespace, single `_` between digits.
pub(super) fn parse_float(text: &str) -> Option<f64> {
    let cleaned = strip_underscores(text.trim())?;
    if cleaned.is_empty() {
        return None;
    }
    cleaned.parse().ok()
}

/// Drop `_` digit separators, which Python allows only between two digits.
fn strip_underscores(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if c == '_' {
            let before =
                i.checked_sub(1).and_then(|j| bytes.get(j)).is_some_and(u8::is_ascii_digit);
            let after = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
            if !(before && after) {
                return None;
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}
