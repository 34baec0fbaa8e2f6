//! The master role against scripted workers: real ZMTP DEALERs on loopback speaking the
//! Locust protocol, so every message the master sends is checked as a worker receives it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cicada_engine::locust_dispatch::UserClass;
use cicada_engine::master::{self, LocustfileText, Master, MasterOptions, MasterTimings};
use cicada_engine::stats::{to_locust_report, ShardStats};
use cicada_engine::{RequestRecord, RunEvent};
use cicada_proto::{
    ClientReady, Dealer, LocustfileItem, LocustfileReply, LocustfileRequest, MasterMessage,
    WorkerHeartbeat, WorkerMessage, WorkerSpawningComplete, WorkerState,
};

const WAIT: Duration = Duration::from_secs(10);

struct Worker {
    id: String,
    dealer: Dealer,
}

impl Worker {
    fn connect(master: &Master, id: &str) -> Worker {
        let addr = format!("127.0.0.1:{}", master.local_addr().port());
        let dealer = Dealer::connect(&addr, id.as_bytes()).expect("connect");
        Worker { id: id.to_owned(), dealer }
    }

    fn send(&self, msg: WorkerMessage) {
        self.dealer.send(msg.encode(&self.id)).expect("send");
    }

    fn heartbeat(&self) {
        self.send(WorkerMessage::Heartbeat(WorkerHeartbeat {
            state: WorkerState::Running,
            current_cpu_usage: 1.0,
            current_memory_usage: Some(1),
        }));
    }

    /// The next message other than a heartbeat echo.
    fn recv(&self) -> MasterMessage {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = self.dealer.receiver().recv_timeout(left).expect("a master message");
            let (msg, node_id) = MasterMessage::decode(&frame).expect("decodes");
            assert_eq!(node_id, self.id);
            if msg != MasterMessage::Heartbeat {
                return msg;
            }
        }
    }
}

fn start_master(log: Arc<Mutex<Vec<String>>>, rebalancing: bool) -> Master {
    master::start(MasterOptions {
        bind: "127.0.0.1:0".into(),
        classes: vec![UserClass::weighted("A", 3), UserClass::weighted("B", 1)],
        host: Some("http://target".into()),
        stop_timeout: Duration::ZERO,
        parsed_options: Vec::new(),
        enable_rebalancing: rebalancing,
        reset_stats: false,
        locustfile: Some(LocustfileText {
            filename: "script.lua".into(),
            contents: "-- the master's scenario\n".into(),
        }),
        timings: MasterTimings {
            heartbeat: Duration::from_millis(50),
            quit_grace: Duration::from_millis(100),
            stop_wait: Duration::from_secs(5),
        },
        log: Arc::new(move |_, line| log.lock().unwrap().push(line.to_owned())),
    })
    .expect("master starts")
}

fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn counts(pairs: &[(&str, u64)]) -> Vec<(String, u64)> {
    pairs.iter().map(|(c, n)| (c.to_string(), *n)).collect()
}

fn spawn_counts(msg: MasterMessage) -> Vec<(String, u64)> {
    match msg {
        MasterMessage::Spawn(s) => {
            assert_eq!(s.host.as_deref(), Some("http://target"));
            s.user_classes_count
        }
        other => panic!("expected a spawn, got {other:?}"),
    }
}

fn join(master: &Master, id: &str, index: u64) -> Worker {
    let w = Worker::connect(master, id);
    w.send(WorkerMessage::ClientReady(ClientReady::Unversioned));
    match w.recv() {
        MasterMessage::Ack(ack) => assert_eq!(ack.index, Some(index)),
        other => panic!("expected an ack, got {other:?}"),
    }
    w
}

fn complete(w: &Worker, c: Vec<(String, u64)>) {
    let user_count = c.iter().map(|(_, n)| n).sum();
    w.send(WorkerMessage::Spawning);
    w.send(WorkerMessage::SpawningComplete(WorkerSpawningComplete {
        user_classes_count: c,
        user_count,
    }));
}

#[test]
fn dispatches_merges_marks_missing_and_quits_like_locust() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let master = start_master(Arc::clone(&log), false);
    let a = join(&master, "hostA_aaa", 0);
    let b = join(&master, "hostA_bbb", 1);
    wait_until("two ready workers", || master.ready_workers() == 2);

    // Reference vector V2: 6 users at rate 6 in one iteration.
    master.swarm(6, 6.0).unwrap();
    let (ca, cb) = (spawn_counts(a.recv()), spawn_counts(b.recv()));
    assert_eq!(ca, counts(&[("A", 3), ("B", 0)]));
    assert_eq!(cb, counts(&[("A", 1), ("B", 2)]));
    complete(&a, ca);
    complete(&b, cb);
    let event = master.events().recv_timeout(WAIT).expect("spawning complete");
    assert_eq!(event, RunEvent::SpawningComplete(vec![("A".into(), 4), ("B".into(), 2)]));
    for w in [&a, &b] {
        match w.recv() {
            MasterMessage::SpawningComplete(m) => assert_eq!(m.user_count, 6),
            other => panic!("expected spawning_complete, got {other:?}"),
        }
    }
    assert_eq!(master.user_count(), 6);

    // A stats report merges into the snapshot.
    let mut delta = ShardStats::new(0.0);
    for _ in 0..5 {
        delta.record(RequestRecord {
            request_type: "GET",
            name: "/x",
            response_time: Some(Duration::from_millis(12)),
            content_length: 3,
            error: None,
        });
    }
    a.send(WorkerMessage::Stats(Box::new(to_locust_report(&delta, counts(&[("A", 3), ("B", 0)])))));
    wait_until("merged stats", || master.snapshot().total.num_requests == 5);
    assert_eq!(master.snapshot().entries[0].name, "/x");

    // A known worker's garbage gets `reconnect`; an unknown one's spawning_complete `quit`.
    a.dealer.send(vec![0xc1]).unwrap();
    assert_eq!(a.recv(), MasterMessage::Reconnect);
    let stranger = Worker::connect(&master, "hostZ_zzz");
    complete(&stranger, counts(&[("A", 1)]));
    assert_eq!(stranger.recv(), MasterMessage::Quit);

    // b falls silent while a keeps beating: b goes missing and its users stop counting.
    wait_until("b missing", || {
        a.heartbeat();
        master.workers().iter().any(|w| w.id == "hostA_bbb" && w.state == "missing")
    });
    assert_eq!(master.user_count(), 3);
    assert!(log
        .lock()
        .unwrap()
        .iter()
        .any(|l| l == "Worker hostA_bbb failed to send heartbeat, setting state to missing."));

    // The last active worker quits: the test stops and the driver is asked to quit.
    a.send(WorkerMessage::Quit);
    let end = Instant::now() + WAIT;
    loop {
        let ev = master.events().recv_deadline(end).expect("quit requested");
        if ev == RunEvent::QuitRequested {
            break;
        }
    }
    // Missing workers still get the broadcasts: b's stop, then its quit.
    assert_eq!(b.recv(), MasterMessage::Stop);
    master.shutdown();
    assert_eq!(b.recv(), MasterMessage::Quit);
    assert_eq!(master.snapshot().total.num_requests, 5);
}

#[test]
fn a_worker_joining_a_running_test_gets_its_share_at_once() {
    let master = start_master(Arc::new(Mutex::new(Vec::new())), true);
    let w1 = join(&master, "w_1", 0);
    let w2 = join(&master, "w_2", 1);
    wait_until("two ready workers", || master.ready_workers() == 2);
    master.swarm(6, 100.0).unwrap();
    let (c1, c2) = (spawn_counts(w1.recv()), spawn_counts(w2.recv()));
    complete(&w1, c1);
    complete(&w2, c2);
    assert!(matches!(master.events().recv_timeout(WAIT), Ok(RunEvent::SpawningComplete(_))));
    for w in [&w1, &w2] {
        assert!(matches!(w.recv(), MasterMessage::SpawningComplete(_)));
    }

    // Reference vector V7: a third worker re-deals the 6 users without pacing.
    let w3 = join(&master, "w_3", 2);
    assert_eq!(spawn_counts(w1.recv()), counts(&[("A", 2), ("B", 0)]));
    assert_eq!(spawn_counts(w2.recv()), counts(&[("A", 1), ("B", 1)]));
    assert_eq!(spawn_counts(w3.recv()), counts(&[("A", 1), ("B", 1)]));
    master.shutdown();
}

#[test]
fn a_locustfile_request_gets_the_file_and_never_registers_the_asker() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let master = start_master(Arc::clone(&log), false);
    let temp = Worker::connect(&master, "hostA_download_locustfile_0123");
    temp.send(WorkerMessage::Locustfile(LocustfileRequest { version: "0.1.0".into() }));
    match temp.recv() {
        MasterMessage::Locustfile(LocustfileReply::Files(items)) => assert_eq!(
            items,
            [LocustfileItem::File {
                filename: "script.lua".into(),
                contents: "-- the master's scenario\n".into(),
            }]
        ),
        other => panic!("expected the locustfile, got {other:?}"),
    }
    // The temporary id is no worker: the next real one gets index 0.
    assert!(master.workers().is_empty());
    let w = join(&master, "hostA_aaa", 0);
    wait_until("one ready worker", || master.ready_workers() == 1);
    drop(w);
    master.shutdown();
}

#[test]
fn a_dead_worker_is_removed_and_its_users_dealt_to_the_others() {
    // Without --enable-rebalancing a missing worker's users are re-dealt only when it is
    // deleted, 60 ticks after it went missing (reference §7.6).
    let log = Arc::new(Mutex::new(Vec::new()));
    let master = start_master(Arc::clone(&log), false);
    let a = join(&master, "hostA_aaa", 0);
    let b = join(&master, "hostA_bbb", 1);
    wait_until("two ready workers", || master.ready_workers() == 2);
    master.swarm(6, 6.0).unwrap();
    let (ca, cb) = (spawn_counts(a.recv()), spawn_counts(b.recv()));
    complete(&a, ca);
    complete(&b, cb);
    assert!(matches!(master.events().recv_timeout(WAIT), Ok(RunEvent::SpawningComplete(_))));
    assert!(matches!(a.recv(), MasterMessage::SpawningComplete(_)));

    // b falls silent while a keeps beating; a hears nothing but echoes until b is deleted.
    let deadline = Instant::now() + WAIT;
    let mut missing_at = None;
    let mut last_beat = Instant::now();
    let respawn = loop {
        assert!(Instant::now() < deadline, "no re-deal; log: {:?}", log.lock().unwrap());
        // a's heartbeat period: each echo wakes this loop, which must not answer it at once.
        if last_beat.elapsed() >= Duration::from_millis(20) {
            a.heartbeat();
            last_beat = Instant::now();
        }
        let b_missing =
            || master.workers().iter().any(|w| w.id == "hostA_bbb" && w.state == "missing");
        if missing_at.is_none() && b_missing() {
            assert_eq!(master.user_count(), 3, "a missing worker's users do not count");
            missing_at = Some(Instant::now());
        }
        let Ok(frame) = a.dealer.receiver().recv_timeout(Duration::from_millis(20)) else {
            continue;
        };
        match MasterMessage::decode(&frame).expect("decodes").0 {
            MasterMessage::Heartbeat => {}
            MasterMessage::Spawn(s) => break s,
            other => panic!("expected only heartbeat echoes before the re-deal, got {other:?}"),
        }
    };
    let missing_for = missing_at.expect("b went missing before the re-deal").elapsed();
    // 59 more 50 ms ticks at least, less the polling slack.
    assert!(missing_for > Duration::from_millis(2500), "re-dealt after only {missing_for:?}");
    assert_eq!(respawn.user_classes_count, counts(&[("A", 4), ("B", 2)]));
    assert!(log
        .lock()
        .unwrap()
        .iter()
        .any(|l| l == "Worker hostA_bbb has been missing for too long, removing it."));
    // The status readers see is published just after the spawns go out.
    wait_until("b deleted", || master.workers().iter().map(|w| w.id.as_str()).eq(["hostA_aaa"]));
    complete(&a, respawn.user_classes_count);
    let end = Instant::now() + WAIT;
    loop {
        match master.events().recv_deadline(end).expect("the re-deal completes") {
            RunEvent::SpawningComplete(c) => {
                assert_eq!(c, [("A".to_owned(), 4), ("B".to_owned(), 2)]);
                break;
            }
            _ => continue,
        }
    }
    master.shutdown();
}
