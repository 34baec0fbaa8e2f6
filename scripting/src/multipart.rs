//! The `files =` request option: a `multipart/form-data` body built as python-requests
//! builds it (through urllib3), so a server sees the same parts it saw under Locust: the
//! `data` fields first, then the files, each part `--boundary`, a `Content-Disposition:
//! form-data; name="…"` line (plus `; filename="…"` and a `Content-Type` line for files that
//! have them), a blank line and the bytes; then `--boundary--`.
//!
//! Lua tables have no order, so fields and files go in key order: the same table always
//! gives the same body, as `params` always gives the same URL.

use std::hash::{BuildHasher, Hasher};

use mlua::{Table, Value};

use crate::wait::show;

/// One part of the body.
#[derive(Debug)]
pub(crate) struct Part {
    pub(crate) name: String,
    pub(crate) filename: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) data: Vec<u8>,
}

impl Part {
    /// A plain form field (from `data`).
    pub(crate) fn field(name: String, value: String) -> Part {
        Part { name, filename: None, content_type: None, data: value.into_bytes() }
    }
}

/// The parts of a `files` table: `{ field = "content" }` (the field name is also the
/// filename, as requests does for a bare value) or `{ field = { filename = "a.txt", content
/// = "…", content_type = "text/plain" } }` (`filename` and `content_type` optional).
pub(crate) fn files(v: &Value) -> Result<Vec<Part>, String> {
    const SHAPE: &str = "files must be { field = \"content\" } or { field = { filename = \
                         \"a.txt\", content = \"...\", content_type = \"text/plain\" } }";
    let Value::Table(t) = v else { return Err(format!("{SHAPE}, got {}", show(v))) };
    let mut parts = Vec::new();
    let mut bad = None;
    t.for_each(|k: Value, v: Value| {
        let Value::String(name) = &k else {
            bad = Some(format!("{SHAPE}: field names must be strings, got {}", show(&k)));
            return Ok(());
        };
        let name = name.to_string_lossy();
        match file(&name, &v) {
            Ok(part) => parts.push(part),
            Err(e) => bad = Some(format!("files.{name}: {e}")),
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    if let Some(e) = bad {
        return Err(e);
    }
    parts.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(parts)
}

fn file(name: &str, v: &Value) -> Result<Part, String> {
    let t: &Table = match v {
        Value::String(s) => {
            return Ok(Part {
                name: name.to_owned(),
                filename: Some(name.to_owned()),
                content_type: None,
                data: s.as_bytes().to_vec(),
            })
        }
        Value::Table(t) => t,
        other => return Err(format!("expected a string or a table, got {}", show(other))),
    };
    let string = |key: &str| -> Result<Option<mlua::String>, String> {
        match t.raw_get::<Value>(key).map_err(|e| e.to_string())? {
            Value::Nil => Ok(None),
            Value::String(s) => Ok(Some(s)),
            other => Err(format!("{key} must be a string, got {}", show(&other))),
        }
    };
    let Some(content) = string("content")? else {
        return Err("content is missing (the file's bytes, as a string)".into());
    };
    let mut unknown = None;
    t.for_each(|k: Value, _: Value| {
        let known = matches!(&k, Value::String(s)
            if matches!(s.as_bytes().as_ref(), b"filename" | b"content" | b"content_type"));
        if !known {
            unknown = Some(show(&k));
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    if let Some(k) = unknown {
        return Err(format!("unknown key {k} (known: filename, content, content_type)"));
    }
    Ok(Part {
        name: name.to_owned(),
        filename: string("filename")?.map(|s| s.to_string_lossy()),
        content_type: string("content_type")?.map(|s| s.to_string_lossy()),
        data: content.as_bytes().to_vec(),
    })
}

/// The body of `parts` and its `Content-Type` header value.
pub(crate) fn encode(parts: &[Part]) -> (Vec<u8>, String) {
    encode_with(parts, &boundary())
}

fn encode_with(parts: &[Part], boundary: &str) -> (Vec<u8>, String) {
    let size: usize = parts.iter().map(|p| p.data.len() + p.name.len() + 128).sum();
    let mut out = Vec::with_capacity(size + boundary.len() + 8);
    for part in parts {
        push(&mut out, &["--", boundary, "\r\n"]);
        push(&mut out, &["Content-Disposition: form-data; name=\"", &quoted(&part.name), "\""]);
        if let Some(filename) = &part.filename {
            push(&mut out, &["; filename=\"", &quoted(filename), "\""]);
        }
        out.extend_from_slice(b"\r\n");
        if let Some(content_type) = &part.content_type {
            push(&mut out, &["Content-Type: ", content_type, "\r\n"]);
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&part.data);
        out.extend_from_slice(b"\r\n");
    }
    push(&mut out, &["--", boundary, "--\r\n"]);
    (out, format!("multipart/form-data; boundary={boundary}"))
}

/// A header parameter value as urllib3 writes it: the characters that would end the quoted
/// string or the header line percent-encoded.
fn quoted(value: &str) -> String {
    value.replace('\n', "%0A").replace('\r', "%0D").replace('"', "%22")
}

/// 32 random hex digits, as requests' `uuid4().hex`. Unguessable is not needed, only
/// unlikely to occur in the content: std's per-instance random hasher keys are enough.
fn boundary() -> String {
    let random = || std::collections::hash_map::RandomState::new().build_hasher().finish();
    format!("{:016x}{:016x}", random(), random())
}

fn push(out: &mut Vec<u8>, parts: &[&str]) {
    for part in parts {
        out.extend_from_slice(part.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_then_files_as_requests_writes_them() {
        let parts = [
            Part::field("k".into(), "v".into()),
            Part {
                name: "up".into(),
                filename: Some("a \"b\".txt".into()),
                content_type: Some("text/plain".into()),
                data: b"hello\r\n".to_vec(),
            },
            Part { name: "raw".into(), filename: None, content_type: None, data: vec![0, 255] },
        ];
        let (body, content_type) = encode_with(&parts, "XyZ");
        assert_eq!(content_type, "multipart/form-data; boundary=XyZ");
        let mut expected = b"--XyZ\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n\
              --XyZ\r\nContent-Disposition: form-data; name=\"up\"; filename=\"a %22b%22.txt\"\r\n\
              Content-Type: text/plain\r\n\r\nhello\r\n\r\n\
              --XyZ\r\nContent-Disposition: form-data; name=\"raw\"\r\n\r\n"
            .to_vec();
        expected.extend_from_slice(&[0, 255]);
        expected.extend_from_slice(b"\r\n--XyZ--\r\n");
        assert_eq!(body, expected);
    }

    #[test]
    fn boundaries_are_32_hex_digits_and_differ() {
        let (a, b) = (boundary(), boundary());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
