//! Bytes as a server's response: head parser, body framing, the chunked decoder (fed in two
//! pieces, as reads split it anywhere) and Content-Encoding. A hostile server must get an
//! error, never a panic.
#![no_main]

use cicada_engine::http::wire::read_response;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    // The first byte chooses where the body is split, so the corpus explores both halves.
    let Some((&split, bytes)) = input.split_first() else {
        return;
    };
    let _ = read_response(bytes, usize::from(split));
});
