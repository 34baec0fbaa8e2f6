//! Bytes as a Locust frame: the envelope, then the typed message for each direction.
//! Whatever decodes must re-encode to a frame that decodes to the same value (a master or
//! worker relays what it read, and the golden vectors rely on the round trip).
//!
//! "The same value" is checked on the re-encoded bytes, not with `==`: a float NaN is a
//! valid msgpack value that is never equal to itself.
#![no_main]

use cicada_proto::{MasterMessage, Message, WorkerMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(msg) = Message::decode(bytes) else {
        return;
    };
    let frame = msg.encode();
    let again = Message::decode(&frame).expect("a re-encoded envelope decodes");
    assert_eq!(again.encode(), frame);

    if let Ok(typed) = WorkerMessage::from_message(msg.clone()) {
        let frame = typed.encode(&msg.node_id);
        let (back, node_id) = WorkerMessage::decode(&frame).expect("a re-encoded worker message");
        assert_eq!(back.encode(&node_id), frame);
        assert_eq!(node_id, msg.node_id);
    }
    if let Ok(typed) = MasterMessage::from_message(msg.clone()) {
        let frame = typed.encode(&msg.node_id);
        let (back, node_id) = MasterMessage::decode(&frame).expect("a re-encoded master message");
        assert_eq!(back.encode(&node_id), frame);
        assert_eq!(node_id, msg.node_id);
    }
});
