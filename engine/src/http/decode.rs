//! Content-Encoding: undoing gzip, deflate and br so scripts see the body the server meant,
//! as python-requests does. Unknown codings are left as they are (requests does the same).

use std::io::Read;

use super::api::HttpError;
use super::body::MAX_BODY;
use super::headers::Headers;

/// Decodes `body` according to every `Content-Encoding` header in `headers`, last coding
/// first. An empty body stays empty whatever the header says (HEAD, 304, empty gzip replies).
pub(crate) fn decode_body(headers: &Headers, body: Vec<u8>) -> Result<Vec<u8>, HttpError> {
    if body.is_empty() {
        return Ok(body);
    }
    let mut codings = headers
        .get_all("content-encoding")
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("identity"))
        .peekable();
    if codings.peek().is_none() {
        return Ok(body);
    }
    let codings: Vec<&str> = codings.collect();
    let mut body = body;
    for coding in codings.iter().rev() {
        match decode(coding, &body) {
            Some(decoded) => body = decoded?,
            // What lies under an unknown coding cannot be reached either.
            None => break,
        }
    }
    Ok(body)
}

/// `None` for a coding we do not know.
fn decode(coding: &str, data: &[u8]) -> Option<Result<Vec<u8>, HttpError>> {
    let is = |name: &str| coding.eq_ignore_ascii_case(name);
    Some(if is("gzip") || is("x-gzip") {
        read_all(flate2::read::MultiGzDecoder::new(data), "gzip")
    } else if is("deflate") {
        // Should be zlib-wrapped, but some servers send raw deflate; browsers and requests
        // accept both.
        read_all(flate2::read::ZlibDecoder::new(data), "deflate")
            .or_else(|_| read_all(flate2::read::DeflateDecoder::new(data), "deflate"))
    } else if is("br") {
        read_all(brotli::Decompressor::new(data, 4096), "br")
    } else {
        return None;
    })
}

/// Reads a decoder to the end, refusing output beyond `MAX_BODY` (a small compressed body
/// can expand without bound).
fn read_all<R: Read>(reader: R, coding: &str) -> Result<Vec<u8>, HttpError> {
    let mut out = Vec::new();
    reader.take(MAX_BODY as u64 + 1).read_to_end(&mut out).map_err(|e| {
        HttpError::Decode(format!(
            "Received response with content-encoding: {coding}, but failed to decode it: {e}"
        ))
    })?;
    if out.len() > MAX_BODY {
        return Err(HttpError::Decode(format!(
            "Decoded {coding} body larger than {} MiB",
            MAX_BODY >> 20
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const TEXT: &[u8] = b"the quick brown fox jumps over the lazy dog, again and again and again";

    fn headers(ce: &str) -> Headers {
        Headers::from_pairs([("Content-Encoding", ce)])
    }

    pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn gzip_deflate_and_brotli_decode() {
        assert_eq!(decode_body(&headers("gzip"), gzip(TEXT)).unwrap(), TEXT);

        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(TEXT).unwrap();
        assert_eq!(decode_body(&headers("deflate"), z.finish().unwrap()).unwrap(), TEXT);

        let mut raw =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        raw.write_all(TEXT).unwrap();
        assert_eq!(decode_body(&headers("Deflate"), raw.finish().unwrap()).unwrap(), TEXT);

        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
            w.write_all(TEXT).unwrap();
        }
        assert_eq!(decode_body(&headers("br"), br).unwrap(), TEXT);
    }

    #[test]
    fn identity_unknown_and_stacked_codings() {
        assert_eq!(decode_body(&headers("identity"), TEXT.to_vec()).unwrap(), TEXT);
        assert_eq!(decode_body(&Headers::default(), TEXT.to_vec()).unwrap(), TEXT);
        assert_eq!(decode_body(&headers("zstd-unknown"), TEXT.to_vec()).unwrap(), TEXT);
        let twice = gzip(&gzip(TEXT));
        assert_eq!(decode_body(&headers("gzip, gzip"), twice).unwrap(), TEXT);
        assert!(decode_body(&headers("gzip"), Vec::new()).unwrap().is_empty());
    }

    #[test]
    fn bad_data_is_a_decode_error() {
        for ce in ["gzip", "deflate", "br"] {
            let err = decode_body(&headers(ce), b"definitely not compressed".to_vec()).unwrap_err();
            assert!(matches!(err, HttpError::Decode(_)), "{ce}: {err}");
        }
        let mut truncated = gzip(TEXT);
        truncated.truncate(truncated.len() / 2);
        assert!(decode_body(&headers("gzip"), truncated).is_err());
    }
}
