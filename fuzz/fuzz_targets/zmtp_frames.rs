//! Bytes as a ZMTP peer's whole stream (greeting, READY, frames), read as a ROUTER and as a
//! DEALER would read them. Only panics, hangs and runaway allocations are findings: every
//! refusal is an ordinary error that closes the connection.
#![no_main]

use cicada_proto::fuzzing::read_peer_stream;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = read_peer_stream(bytes, true);
    let _ = read_peer_stream(bytes, false);
});
