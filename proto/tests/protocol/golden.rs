//! Every golden vector and every captured frame decodes into the right typed message and
//! re-encodes to the same bytes.

use cicada_proto::{
    error_key, Ack, ClientReady, ExceptionReport, LocustfileItem, LocustfileReply,
    LocustfileRequest, Logs, MasterMessage, MasterSpawningComplete, Message, Number, PyDateTime,
    UpdateUserClass, Value, WorkerHeartbeat, WorkerMessage, WorkerSpawningComplete, WorkerState,
};

use crate::util::{capture, decode_reencode, vectors};

/// The vectors a master sends; the rest (and `quit`, sent both ways) are decoded as a
/// worker's.
const MASTER_SENT: [&str; 6] = [
    "ack",
    "heartbeat master->worker",
    "spawn (minimal)",
    "spawning_complete master->worker",
    "stop",
    "reconnect",
];

fn sent_by_master(name: &str) -> bool {
    MASTER_SENT.contains(&name)
}

#[test]
fn every_vector_round_trips_byte_for_byte() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 17);
    for v in &vectors {
        let msg = Message::decode(&v.bytes).unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(
            (msg.kind.as_str(), msg.node_id.as_str()),
            (v.kind.as_str(), v.node_id.as_str())
        );
        assert_eq!(msg.encode(), v.bytes, "{}: envelope", v.name);
        let again = decode_reencode(&v.bytes, !sent_by_master(&v.name))
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(again, v.bytes, "{}: typed", v.name);
    }
}

fn worker(name: &str) -> WorkerMessage {
    let v = vectors().into_iter().find(|v| v.name == name).expect(name);
    WorkerMessage::decode(&v.bytes).expect(name).0
}

fn master(name: &str) -> MasterMessage {
    let v = vectors().into_iter().find(|v| v.name == name).expect(name);
    MasterMessage::decode(&v.bytes).expect(name).0
}

#[test]
fn worker_vectors_decode_into_their_types() {
    let version = ClientReady::Version("2.47.0".into());
    assert_eq!(worker("client_ready (python worker)"), WorkerMessage::ClientReady(version));
    assert_eq!(
        worker("client_ready (non-python, -1)"),
        WorkerMessage::ClientReady(ClientReady::Unversioned)
    );
    let hb = WorkerHeartbeat {
        state: WorkerState::Ready,
        current_cpu_usage: 0.0,
        current_memory_usage: Some(0),
    };
    assert_eq!(worker("heartbeat worker->master"), WorkerMessage::Heartbeat(hb));
    assert_eq!(worker("spawning"), WorkerMessage::Spawning);
    let done = WorkerSpawningComplete {
        user_classes_count: vec![("AlphaUser".into(), 2), ("BetaUser".into(), 1)],
        user_count: 3,
    };
    assert_eq!(worker("spawning_complete worker->master"), WorkerMessage::SpawningComplete(done));
    assert_eq!(worker("client_stopped"), WorkerMessage::ClientStopped);
    assert_eq!(worker("quit"), WorkerMessage::Quit);
    let exc =
        ExceptionReport { msg: "boom".into(), traceback: "  File \"x.py\", line 1, in t\n".into() };
    assert_eq!(worker("exception"), WorkerMessage::Exception(exc));
    let req = LocustfileRequest { version: "2.47.0".into() };
    assert_eq!(worker("locustfile request"), WorkerMessage::Locustfile(req));
}

#[test]
fn master_vectors_decode_into_their_types() {
    assert_eq!(master("ack"), MasterMessage::Ack(Ack { index: Some(0) }));
    assert_eq!(master("heartbeat master->worker"), MasterMessage::Heartbeat);
    assert_eq!(master("stop"), MasterMessage::Stop);
    assert_eq!(master("quit"), MasterMessage::Quit);
    assert_eq!(master("reconnect"), MasterMessage::Reconnect);
    let done = MasterSpawningComplete { user_count: 6 };
    assert_eq!(master("spawning_complete master->worker"), MasterMessage::SpawningComplete(done));
    let MasterMessage::Spawn(spawn) = master("spawn (minimal)") else { panic!("not a spawn") };
    assert_eq!(spawn.timestamp, 1_700_000_000.5);
    assert_eq!(spawn.user_classes_count, vec![("AlphaUser".into(), 2), ("BetaUser".into(), 1)]);
    assert_eq!((spawn.host, spawn.stop_timeout), (None, Some(Number::Float(0.0))));
    assert!(spawn.parsed_options.is_empty());
}

#[test]
fn stats_vector_decodes_field_by_field() {
    let WorkerMessage::Stats(report) = worker("stats") else { panic!("not stats") };
    let e = &report.stats[0];
    assert_eq!((e.name.as_str(), e.method.as_deref()), ("/a", Some("GET")));
    assert_eq!(e.last_request_timestamp, Some(Number::Float(1_700_000_002.25)));
    assert_eq!((e.num_requests, e.num_none_requests, e.num_failures), (3, 0, 1));
    assert_eq!(e.total_response_time, Number::Float(347.5));
    assert_eq!(e.min_response_time, Some(Number::Float(47.5)));
    assert_eq!(e.max_response_time, Number::Float(200.0));
    assert_eq!(e.response_times_ms(), vec![(48, 1), (100, 1), (200, 1)]);
    assert_eq!(e.num_reqs_per_sec, vec![(1_700_000_001, 2), (1_700_000_002, 1)]);
    assert_eq!(e.num_fail_per_sec, vec![(1_700_000_002, 1)]);
    assert_eq!(report.stats_total.method.as_deref(), Some(""));
    assert_eq!(report.stats_total.num_requests, 3);
    let (key, row) = &report.errors[0];
    assert_eq!(key, &row.key());
    assert_eq!(key, &error_key("POST", "/login", "plain error"));
    assert_eq!((row.occurrences, row.first_seen), (1, Some(1_700_000_002.0)));
    assert_eq!(report.user_count, 3);
    assert!(report.extra.is_empty());
}

#[test]
fn custom_datetime_message_is_kept_and_readable() {
    let WorkerMessage::Custom(msg) = worker("custom with datetime") else { panic!("not custom") };
    assert_eq!(msg.kind, "my_custom");
    let Value::Map(pairs) = &msg.data else { panic!("data is not a map") };
    let when = PyDateTime::from_value(&pairs[0].1).expect("a datetime map").expect("valid");
    let expected = PyDateTime {
        year: 2024,
        month: 1,
        day: 2,
        hour: 3,
        minute: 4,
        second: 5,
        microsecond: 678_901,
    };
    assert_eq!(when, expected);
    assert_eq!(when.to_value(), pairs[0].1);
    // The same type name is custom in the other direction too.
    assert!(matches!(master("custom with datetime"), MasterMessage::Custom(_)));
}

#[test]
fn every_captured_frame_decodes_and_round_trips() {
    let frames = capture();
    assert_eq!(frames.len(), 38);
    for f in &frames {
        let again = decode_reencode(&f.bytes, f.from_worker)
            .unwrap_or_else(|e| panic!("{} from worker={}: {e}", f.kind, f.from_worker));
        assert_eq!(again, f.bytes, "{}", f.kind);
    }
}

#[test]
fn captured_frames_have_the_expected_shapes() {
    let frames = capture();
    let find = |kind: &str, from_worker: bool| {
        frames.iter().find(|f| f.kind == kind && f.from_worker == from_worker).expect(kind)
    };
    let (spawn, _) = MasterMessage::decode(&find("spawn", false).bytes).expect("spawn");
    let MasterMessage::Spawn(spawn) = spawn else { panic!("not a spawn") };
    assert_eq!(spawn.host.as_deref(), Some("http://127.0.0.1:1"));
    assert!(spawn.parsed_options.iter().any(|(k, v)| k == "num_users" && v.as_u64() == Some(6)));
    let (stats, _) = WorkerMessage::decode(&find("stats", true).bytes).expect("stats");
    let WorkerMessage::Stats(stats) = stats else { panic!("not stats") };
    // An idle report: the int 0 and nil that Python writes for "no sample" survive.
    assert!(stats.stats.is_empty());
    assert_eq!(stats.stats_total.total_response_time, Number::Int(0));
    assert_eq!(stats.stats_total.min_response_time, None);
    let (reply, _) = MasterMessage::decode(&find("locustfile", false).bytes).expect("locustfile");
    let MasterMessage::Locustfile(LocustfileReply::Files(files)) = reply else {
        panic!("not a locustfile reply")
    };
    assert!(
        matches!(&files[0], LocustfileItem::File { filename, .. } if filename == "locustfile2.py")
    );
    let (ping, _) = MasterMessage::decode(&find("ping", false).bytes).expect("ping");
    assert!(matches!(ping, MasterMessage::Custom(m) if m.kind == "ping"));
}

#[test]
fn messages_without_vectors_round_trip_through_their_types() {
    let settings = vec![
        ("user_class_name".to_owned(), Value::from("AlphaUser")),
        ("weight".to_owned(), Value::from(2)),
        ("tasks".to_owned(), Value::Array(vec![Value::from("t")])),
    ];
    let update = UpdateUserClass { user_class_name: "AlphaUser".into(), settings };
    let messages = [
        MasterMessage::UpdateUserClass(update),
        MasterMessage::Ack(Ack { index: None }),
        MasterMessage::Locustfile(LocustfileReply::Error("no file".into())),
        MasterMessage::Locustfile(LocustfileReply::Files(vec![LocustfileItem::Url(
            "https://example.com/locustfile.py".into(),
        )])),
    ];
    for m in messages {
        let (back, node) = MasterMessage::decode(&m.encode("w_1")).expect("decodes");
        assert_eq!((back, node.as_str()), (m, "w_1"));
    }
    let logs = WorkerMessage::Logs(Logs { worker_id: "w_1".into(), logs: vec!["a".into()] });
    assert_eq!(WorkerMessage::decode(&logs.encode("w_1")).expect("decodes").0, logs);
    let other = WorkerHeartbeat {
        state: WorkerState::Other("stopped".into()),
        current_cpu_usage: 12.5,
        current_memory_usage: None,
    };
    let hb = WorkerMessage::Heartbeat(other);
    assert_eq!(WorkerMessage::decode(&hb.encode("w_1")).expect("decodes").0, hb);
}
