//! The worker role against a scripted master over channels (no ZMTP): what it sends, in
//! which order, and how it follows `spawn`, `stop`, `reconnect` and `quit`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cicada_engine::worker::{run_worker, MasterLink, WorkerEnd, WorkerOptions, WorkerTimings};
use cicada_engine::{
    LocalFuture, RequestRecord, RunConfig, Runner, Scenario, ScenarioError, ShardContext,
    ShardScenario, TaskResult, TaskSpec, UserBehavior, UserClassSpec, UserContext, WaitTime,
};
use cicada_proto::{Ack, MasterMessage, Number, Spawn, WorkerMessage};
use crossbeam_channel::{Receiver, Sender};

/// One class, "Web"; each task records one request and sleeps a millisecond.
struct Web(Vec<UserClassSpec>);

impl Scenario for Web {
    fn classes(&self) -> &[UserClassSpec] {
        &self.0
    }
    fn shard(&self, _ctx: ShardContext) -> Result<Box<dyn ShardScenario>, ScenarioError> {
        Ok(Box::new(WebShard))
    }
}

struct WebShard;

impl ShardScenario for WebShard {
    fn new_user(&self, _: usize, ctx: UserContext) -> Result<Box<dyn UserBehavior>, ScenarioError> {
        Ok(Box::new(WebUser(ctx)))
    }
}

struct WebUser(UserContext);

impl UserBehavior for WebUser {
    fn on_start(&self) -> LocalFuture<'static, TaskResult> {
        Box::pin(async { Ok(()) })
    }
    fn run_task(&self, _: usize) -> LocalFuture<'static, TaskResult> {
        let ctx = self.0.clone();
        Box::pin(async move {
            ctx.record(RequestRecord {
                request_type: "GET",
                name: "/",
                response_time: Some(Duration::from_micros(300)),
                content_length: 1,
                error: None,
            });
            ctx.sleep(Duration::from_millis(1)).await;
            Ok(())
        })
    }
    fn on_stop(&self) -> LocalFuture<'static, TaskResult> {
        Box::pin(async { Ok(()) })
    }
}

fn control() -> cicada_engine::Control {
    let class = UserClassSpec {
        name: "Web".into(),
        weight: 1,
        fixed_count: None,
        tasks: vec![TaskSpec { name: "get".into(), weight: 1, tags: vec![] }],
        wait_time: WaitTime::Constant(0.0),
        host: None,
    };
    Runner::start(RunConfig { shards: 2, ..RunConfig::default() }, Arc::new(Web(vec![class])))
        .unwrap()
}

/// The master's end of a fake link: what the worker sent, and a way to answer.
struct FakeMaster {
    from_worker: Receiver<(u32, Vec<u8>)>,
    to_worker: Arc<Mutex<Vec<Sender<Vec<u8>>>>>,
    id: Arc<Mutex<Vec<Vec<u8>>>>,
}

struct FakeLink {
    n: u32,
    out: Sender<(u32, Vec<u8>)>,
    rx: Receiver<Vec<u8>>,
}

impl MasterLink for FakeLink {
    fn send(&self, frame: Vec<u8>) -> Result<(), String> {
        self.out.send((self.n, frame)).map_err(|e| e.to_string())
    }
    fn receiver(&self) -> Receiver<Vec<u8>> {
        self.rx.clone()
    }
    fn close(self: Box<Self>) {}
}

fn options(timings: WorkerTimings) -> (WorkerOptions, FakeMaster) {
    let (out, from_worker) = crossbeam_channel::unbounded();
    let to_worker = Arc::new(Mutex::new(Vec::new()));
    let ids = Arc::new(Mutex::new(Vec::new()));
    let (links, seen) = (Arc::clone(&to_worker), Arc::clone(&ids));
    let connect = Box::new(move |id: &[u8]| {
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut links = links.lock().unwrap();
        links.push(tx);
        seen.lock().unwrap().push(id.to_vec());
        Ok(Box::new(FakeLink { n: links.len() as u32, out: out.clone(), rx })
            as Box<dyn MasterLink>)
    });
    let opts = WorkerOptions {
        master: "fake:5557".into(),
        connect,
        stop_timeout: Duration::ZERO,
        ready_after_stop: Duration::ZERO,
        reset_stats: false,
        timings,
        log: Arc::new(|_, _| {}),
    };
    (opts, FakeMaster { from_worker, to_worker, id: ids })
}

impl FakeMaster {
    /// The next message of kind `kind`, skipping heartbeats and stats unless asked for.
    fn next(&self, kind: &str) -> (u32, WorkerMessage) {
        loop {
            let (link, frame) = self.from_worker.recv_timeout(Duration::from_secs(10)).expect(kind);
            let (msg, node) = WorkerMessage::decode(&frame).unwrap();
            assert_eq!(node.as_bytes(), self.id.lock().unwrap()[0], "node_id is the identity");
            let name = msg.to_message(&node).kind;
            if name == kind {
                return (link, msg);
            }
            assert!(
                matches!(name.as_str(), "heartbeat" | "stats" | "spawning"),
                "unexpected {name} while waiting for {kind}"
            );
        }
    }

    fn send(&self, msg: MasterMessage) {
        let links = self.to_worker.lock().unwrap();
        links.last().unwrap().send(msg.encode("ignored")).unwrap();
    }
}

fn spawn(timestamp: f64, users: u64) -> MasterMessage {
    MasterMessage::Spawn(Spawn {
        timestamp,
        user_classes_count: vec![("Other".into(), 1), ("Web".into(), users)],
        host: None,
        stop_timeout: Some(Number::Float(0.0)),
        parsed_options: vec![],
    })
}

#[test]
fn serves_a_master_from_ready_to_quit() {
    let timings = WorkerTimings {
        heartbeat: Duration::from_millis(50),
        report: Duration::from_millis(100),
        ..WorkerTimings::default()
    };
    let (opts, master) = options(timings);
    let control = control();
    let (stop_tx, interrupts) = crossbeam_channel::unbounded::<()>();
    let worker = std::thread::spawn({
        let control = control.clone();
        move || run_worker(&control, opts, &interrupts)
    });
    master.next("client_ready");
    master.send(MasterMessage::Ack(Ack { index: Some(0) }));
    let WorkerMessage::Heartbeat(hb) = master.next("heartbeat").1 else { unreachable!() };
    assert_eq!(hb.state.as_str(), "ready");
    let WorkerMessage::Stats(idle) = master.next("stats").1 else { unreachable!() };
    assert_eq!(idle.user_classes_count, [("Web".to_owned(), 0)]);

    master.send(spawn(10.0, 3));
    master.next("spawning");
    let WorkerMessage::SpawningComplete(done) = master.next("spawning_complete").1 else {
        unreachable!()
    };
    assert_eq!(done.user_classes_count, [("Web".to_owned(), 3)]);
    assert_eq!(done.user_count, 3);
    // An older spawn is answered with `spawning` and otherwise ignored.
    master.send(spawn(9.0, 1));
    master.next("spawning");
    assert_eq!(control.user_count(), 3);

    // `reconnect` opens a second link with the same identity and no client_ready.
    master.send(MasterMessage::Reconnect);
    // Heartbeats move to the second link (one may still have been on its way on the first).
    let mut link = master.next("heartbeat").0;
    for _ in 0..3 {
        if link == 2 {
            break;
        }
        link = master.next("heartbeat").0;
    }
    assert_eq!(link, 2);
    let ids = master.id.lock().unwrap().clone();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1]);

    master.send(MasterMessage::Stop);
    master.next("client_stopped");
    master.next("client_ready");
    assert_eq!(control.user_count(), 0);

    master.send(spawn(11.0, 2));
    master.next("spawning_complete");
    master.send(MasterMessage::Quit);
    // Everything the users did is reported before `quit`.
    let mut reported = 0;
    loop {
        let (_, frame) = master.from_worker.recv_timeout(Duration::from_secs(10)).unwrap();
        match WorkerMessage::decode(&frame).unwrap().0 {
            WorkerMessage::Stats(r) => reported += r.stats_total.num_requests,
            WorkerMessage::Quit => break,
            _ => {}
        }
    }
    assert_eq!(worker.join().unwrap().unwrap(), WorkerEnd::MasterQuit);
    assert!(reported > 0);
    drop(stop_tx);
    control.shutdown();
}

#[test]
fn gives_up_without_an_ack() {
    let timings = WorkerTimings {
        connect_timeout: Duration::from_millis(20),
        connect_retries: 2,
        ..WorkerTimings::default()
    };
    let (opts, master) = options(timings);
    let control = control();
    let (_keep, interrupts) = crossbeam_channel::unbounded::<()>();
    let err = run_worker(&control, opts, &interrupts).unwrap_err();
    assert!(err.to_string().contains("no ack after 3 client_ready messages"), "{err}");
    let sent: Vec<String> = master
        .from_worker
        .try_iter()
        .map(|(_, f)| WorkerMessage::decode(&f).unwrap().0.to_message("x").kind)
        .collect();
    assert_eq!(sent, ["client_ready", "client_ready", "client_ready", "quit"]);
    control.shutdown();
}

#[test]
fn quits_when_the_master_falls_silent() {
    // A master killed with SIGKILL sends nothing more; the 60 s rule, shortened.
    let timings = WorkerTimings {
        heartbeat: Duration::from_millis(20),
        report: Duration::from_millis(50),
        master_timeout: Duration::from_millis(300),
        ..WorkerTimings::default()
    };
    let (mut opts, master) = options(timings);
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    opts.log = Arc::new(move |_, line| sink.lock().unwrap().push(line.to_owned()));
    let control = control();
    let (_keep, interrupts) = crossbeam_channel::unbounded::<()>();
    let worker = std::thread::spawn({
        let control = control.clone();
        move || run_worker(&control, opts, &interrupts)
    });
    master.next("client_ready");
    master.send(MasterMessage::Ack(Ack { index: Some(0) }));
    master.send(spawn(10.0, 3));
    master.next("spawning_complete");

    // Heartbeats for twice the timeout keep it serving: the clock runs from the last one.
    let beating = std::time::Instant::now();
    let mut last_beat = beating;
    while beating.elapsed() < timings.master_timeout * 2 {
        master.send(MasterMessage::Heartbeat);
        last_beat = std::time::Instant::now();
        // The fake master's heartbeat period, not a wait for the worker.
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!worker.is_finished(), "quit while the master was beating");

    // Then silence: the users stop, the last report and `quit` go out, the run ends.
    let mut reported_users = None;
    loop {
        let (_, frame) = master.from_worker.recv_timeout(Duration::from_secs(10)).expect("quit");
        match WorkerMessage::decode(&frame).unwrap().0 {
            WorkerMessage::Stats(r) => reported_users = Some(r.user_classes_count),
            WorkerMessage::Quit => break,
            _ => {}
        }
    }
    let waited = last_beat.elapsed();
    assert!(waited >= timings.master_timeout, "quit after only {waited:?}");
    assert_eq!(worker.join().unwrap().unwrap(), WorkerEnd::MasterGone);
    assert_eq!(reported_users, Some(vec![("Web".to_owned(), 0)]), "the last report");
    assert_eq!(control.user_count(), 0);
    let lines = lines.lock().unwrap();
    assert!(
        lines.iter().any(|l| l.starts_with("Didn't get heartbeat from master in over")),
        "{lines:?}"
    );
    control.shutdown();
}
