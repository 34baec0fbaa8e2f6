//! Bad input never panics: truncated frames, random bytes, seeded mutations of real frames
//! and well-formed frames with wrong types all come back as errors that name the problem.

use cicada_proto::{DecodeError, MasterMessage, Message, Value, WorkerMessage};

use crate::util::{capture, decode_both, vectors};

fn real_frames() -> Vec<Vec<u8>> {
    let mut frames: Vec<Vec<u8>> = vectors().into_iter().map(|v| v.bytes).collect();
    frames.extend(capture().into_iter().map(|c| c.bytes));
    frames
}

#[test]
fn every_truncation_of_every_frame_is_an_error() {
    for frame in real_frames() {
        for len in 0..frame.len() {
            for result in decode_both(&frame[..len]) {
                assert!(result.is_err(), "a {len}-byte prefix decoded");
            }
        }
    }
}

/// Whatever decodes must re-encode to something that decodes to the same message: the
/// typed layer never invents a shape it cannot read back.
fn assert_stable(bytes: &[u8]) -> bool {
    let mut decoded = false;
    for result in decode_both(bytes).into_iter().flatten() {
        decoded = true;
        let again = Message::decode(&result.encode()).expect("own encoding decodes");
        assert_eq!(again, result);
    }
    decoded
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = fastrand::Rng::with_seed(0x00c1_cada);
    let mut errors = 0;
    for _ in 0..20_000 {
        let len = rng.usize(0..48);
        let bytes: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
        if !assert_stable(&bytes) {
            errors += 1;
        }
    }
    assert!(errors > 19_000, "random bytes should almost never be a message ({errors})");
}

#[test]
fn seeded_mutations_of_real_frames_never_panic() {
    let mut rng = fastrand::Rng::with_seed(2_047);
    let frames = real_frames();
    let (mut decoded, mut rejected) = (0, 0);
    for frame in &frames {
        for _ in 0..300 {
            let mut bytes = frame.clone();
            for _ in 0..rng.usize(1..4) {
                let i = rng.usize(..bytes.len());
                match rng.u8(0..4) {
                    0 => bytes[i] ^= 1 << rng.u8(0..8),
                    1 => bytes[i] = rng.u8(..),
                    2 => bytes.insert(i, rng.u8(..)),
                    _ if bytes.len() > 1 => {
                        bytes.remove(i);
                    }
                    _ => {}
                }
            }
            if assert_stable(&bytes) {
                decoded += 1;
            } else {
                rejected += 1;
            }
        }
    }
    // Both outcomes happen: some mutations only change a value, others break the frame.
    assert!(decoded > 0 && rejected > 0, "decoded {decoded}, rejected {rejected}");
}

#[test]
fn hostile_headers_fail_fast() {
    // An array claiming 4 billion items, a str claiming 4 GiB, and nesting far beyond any
    // message: errors, without allocating or recursing on the claim.
    for bytes in [
        vec![0xdd, 0xff, 0xff, 0xff, 0xff],
        vec![0xdb, 0xff, 0xff, 0xff, 0xff, b'x'],
        [vec![0x91; 100_000], vec![0xc0]].concat(),
    ] {
        assert!(matches!(Message::decode(&bytes), Err(DecodeError::Malformed(_))));
    }
}

fn frame(kind: &str, data: Value) -> Vec<u8> {
    Message::new(kind, data, "host_0123").encode()
}

fn map(pairs: &[(&str, Value)]) -> Value {
    Value::Map(pairs.iter().map(|(k, v)| (Value::from(*k), v.clone())).collect())
}

fn worker_error(bytes: &[u8]) -> String {
    WorkerMessage::decode(bytes).expect_err("should not decode").to_string()
}

fn master_error(bytes: &[u8]) -> String {
    MasterMessage::decode(bytes).expect_err("should not decode").to_string()
}

#[test]
fn envelope_errors_say_what_is_wrong() {
    let two = Value::Array(vec![Value::from("stop"), Value::Nil]);
    assert!(master_error(&cicada_proto::encode_value(&two)).contains("exactly 3"));
    let int_id = Value::Array(vec![Value::from("stop"), Value::Nil, Value::from(7)]);
    assert_eq!(
        master_error(&cicada_proto::encode_value(&int_id)),
        "node_id: expected a str, found int 7"
    );
    assert!(master_error(&[0xc0]).contains("found nil"));
    let mut trailing = frame("stop", Value::Nil);
    trailing.push(0);
    assert_eq!(master_error(&trailing), "1 trailing byte(s) after the msgpack value");
    let bad_utf8 = Value::Array(vec![
        Value::from("custom"),
        Value::Array(vec![Value::Binary(vec![0xff])]),
        Value::from("n"),
    ]);
    // Bin is fine (Python bytes); a str that is not UTF-8 is not.
    assert!(WorkerMessage::decode(&cicada_proto::encode_value(&bad_utf8)).is_ok());
    let mut raw = cicada_proto::encode_value(&bad_utf8);
    let at = raw.iter().position(|&b| b == 0xc4).expect("bin marker");
    raw[at] = 0xd9; // the same bytes as a str8
    assert!(worker_error(&raw).contains("not valid UTF-8"));
}

#[test]
fn missing_keys_and_wrong_types_name_the_field() {
    let hb = frame("heartbeat", map(&[("state", Value::from("ready"))]));
    assert_eq!(worker_error(&hb), "heartbeat: missing key \"current_cpu_usage\"");
    let hb = frame(
        "heartbeat",
        map(&[("state", Value::from(3)), ("current_cpu_usage", Value::from(1.0))]),
    );
    assert_eq!(worker_error(&hb), "heartbeat.state: expected a str, found int 3");
    assert_eq!(master_error(&frame("spawn", Value::Nil)), "spawn: expected a map, found nil");
    let ready = frame("client_ready", Value::from(2));
    assert_eq!(worker_error(&ready), "client_ready: expected a version str or -1, found int 2");
    let count = frame("spawning_complete", map(&[("user_count", Value::from(-1))]));
    assert_eq!(
        master_error(&count),
        "spawning_complete.user_count: expected a non-negative int, found int -1"
    );
    let classes = map(&[("A", Value::from("x"))]);
    let done = frame("spawning_complete", map(&[("user_classes_count", classes)]));
    assert_eq!(
        worker_error(&done),
        "spawning_complete.user_classes_count.A: expected a non-negative int, found str \"x\""
    );
}

#[test]
fn stats_errors_point_into_the_report() {
    let v = vectors().into_iter().find(|v| v.name == "stats").expect("stats vector");
    let original = Message::decode(&v.bytes).expect("stats");
    let mut msg = original.clone();
    let Value::Map(top) = &mut msg.data else { panic!("stats data is a map") };
    let Value::Array(entries) = &mut top[0].1 else { panic!("stats.stats is an array") };
    let Value::Map(entry) = &mut entries[0] else { panic!("an entry is a map") };
    entry[4].1 = Value::from("x"); // num_requests
    assert_eq!(
        worker_error(&msg.encode()),
        "stats.stats[0].num_requests: expected a non-negative int, found str \"x\""
    );
    let mut msg = original;
    let Value::Map(top) = &mut msg.data else { panic!("stats data is a map") };
    top.retain(|(k, _)| k.as_str() != Some("stats_total"));
    assert_eq!(worker_error(&msg.encode()), "stats: missing key \"stats_total\"");
}
