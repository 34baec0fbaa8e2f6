//! The `-f -` download: a worker's `locustfile` request (from a temporary identity) and the
//! master's reply.

use rmpv::Value;

use crate::error::DecodeError;
use crate::fields::{map, Fields};

/// `locustfile` from a worker: `{"version": str}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocustfileRequest {
    pub version: String,
}

impl LocustfileRequest {
    pub(crate) fn decode(data: &Value, at: &str) -> Result<Self, DecodeError> {
        Ok(LocustfileRequest { version: Fields::of(data, at)?.str("version")? })
    }

    pub fn to_value(&self) -> Value {
        map([("version", Value::from(self.version.as_str()))])
    }
}

/// `locustfile` from the master: the files, or why they cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocustfileReply {
    Files(Vec<LocustfileItem>),
    Error(String),
}

/// One served locustfile: a file's basename and text, or (for a URL locustfile) the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocustfileItem {
    File { filename: String, contents: String },
    Url(String),
}

impl LocustfileReply {
    pub(crate) fn decode(data: &Value, at: &str) -> Result<Self, DecodeError> {
        let f = Fields::of(data, at)?;
        if f.get("error").is_some() {
            return Ok(LocustfileReply::Error(f.str("error")?));
        }
        let at_files = f.path("locustfiles");
        let Value::Array(items) = f.required("locustfiles")? else {
            let found = f.required("locustfiles")?;
            return Err(DecodeError::wrong_type(&at_files, "an array", found));
        };
        let items = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let at = format!("{at_files}[{i}]");
                if let Some(url) = item.as_str() {
                    return Ok(LocustfileItem::Url(url.to_owned()));
                }
                let f = Fields::of(item, &at)?;
                Ok(LocustfileItem::File {
                    filename: f.str("filename")?,
                    contents: f.str("contents")?,
                })
            })
            .collect::<Result<_, DecodeError>>()?;
        Ok(LocustfileReply::Files(items))
    }

    pub fn to_value(&self) -> Value {
        match self {
            LocustfileReply::Error(e) => map([("error", Value::from(e.as_str()))]),
            LocustfileReply::Files(items) => {
                let items = items.iter().map(|item| match item {
                    LocustfileItem::Url(u) => Value::from(u.as_str()),
                    LocustfileItem::File { filename, contents } => map([
                        ("filename", Value::from(filename.as_str())),
                        ("contents", Value::from(contents.as_str())),
                    ]),
                });
                map([("locustfiles", Value::Array(items.collect()))])
            }
        }
    }
}
