//! Fixtures: the reference files, and decoding by direction.

use cicada_proto::{DecodeError, MasterMessage, Message, WorkerMessage};
use serde_json::Value as Json;

pub fn reference(path: &str) -> String {
    let full =
        format!("{}/../../shared/reference/samples/protocol/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

pub fn unhex(hex: &str) -> Vec<u8> {
    assert!(hex.len() % 2 == 0, "odd hex length");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// One golden vector: name, type, node id and bytes.
pub struct Vector {
    pub name: String,
    pub kind: String,
    pub node_id: String,
    pub bytes: Vec<u8>,
}

pub fn vectors() -> Vec<Vector> {
    let all: Json = serde_json::from_str(&reference("vectors.json")).expect("vectors.json");
    all.as_array()
        .expect("a list of vectors")
        .iter()
        .map(|v| Vector {
            name: v["name"].as_str().expect("name").to_owned(),
            kind: v["type"].as_str().expect("type").to_owned(),
            node_id: v["node_id"].as_str().expect("node_id").to_owned(),
            bytes: unhex(v["hex"].as_str().expect("hex")),
        })
        .collect()
}

/// One captured frame, and whether a worker sent it.
pub struct Captured {
    pub kind: String,
    pub from_worker: bool,
    pub bytes: Vec<u8>,
}

pub fn capture() -> Vec<Captured> {
    reference("protocol-capture-sample.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let c: Json = serde_json::from_str(line).expect("capture line");
            let (role, dir) = (c["role"].as_str().expect("role"), c["dir"].as_str().expect("dir"));
            let bytes = unhex(c["payload_hex"].as_str().expect("payload_hex"));
            assert_eq!(bytes.len() as u64, c["payload_len"].as_u64().expect("payload_len"));
            Captured {
                kind: c["type"].as_str().expect("type").to_owned(),
                from_worker: (role == "worker") == dir.starts_with("send"),
                bytes,
            }
        })
        .collect()
}

/// Decodes as the receiving side would, and re-encodes with the same node id.
pub fn decode_reencode(bytes: &[u8], from_worker: bool) -> Result<Vec<u8>, DecodeError> {
    if from_worker {
        let (m, node) = WorkerMessage::decode(bytes)?;
        Ok(m.encode(&node))
    } else {
        let (m, node) = MasterMessage::decode(bytes)?;
        Ok(m.encode(&node))
    }
}

/// Decodes both ways; the typed results are only compared, so they are rendered as Debug.
pub fn decode_both(bytes: &[u8]) -> [Result<Message, DecodeError>; 2] {
    let w = WorkerMessage::decode(bytes).map(|(m, node)| m.to_message(&node));
    let m = MasterMessage::decode(bytes).map(|(m, node)| m.to_message(&node));
    [w, m]
}
