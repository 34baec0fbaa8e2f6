//! Our ZMTP transport against real libzmq (pyzmq from `scripts/python-env.sh`, the same
//! libzmq 4.3.5 Locust 2.47 runs on): a pyzmq DEALER talking to our Router, and our Dealer
//! talking to a pyzmq ROUTER, with Locust envelopes built by `cicada_proto::Message`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use cicada_proto::{Dealer, Message, Router, RouterEvent, Value};

use crate::util::{python, TempDir, DEADLINE};

/// A pyzmq DEALER with identity argv[2] connecting to our Router at port argv[1]: it sends
/// `client_ready` and echoes every message back as `echo {type, data}` until `quit`, which
/// it answers with its own `quit`. Every wait in it has a deadline too.
const PY_DEALER: &str = r#"
import sys, zmq, msgpack
port, ident = int(sys.argv[1]), sys.argv[2]
ctx = zmq.Context()
s = ctx.socket(zmq.DEALER)
s.setsockopt(zmq.IDENTITY, ident.encode())
s.connect("tcp://127.0.0.1:%d" % port)
s.send(msgpack.dumps(("client_ready", -1, ident)))
while True:
    if not s.poll(20000):
        print("no message from the router within 20 s", flush=True)
        sys.exit(2)
    frames = s.recv_multipart()
    if len(frames) != 1:
        print("expected one frame, got %d" % len(frames), flush=True)
        sys.exit(3)
    t, data, node = msgpack.loads(frames[0], strict_map_key=False)
    print("got", t, flush=True)
    if t == "quit":
        s.send(msgpack.dumps(("quit", None, ident)))
        break
    s.send(msgpack.dumps(("echo", {"type": t, "data": data, "node_id": node}, ident)))
s.close(linger=5000)
ctx.term()
"#;

/// A pyzmq ROUTER on a random port (printed as `PORT n`) answering our Dealer as a Locust
/// master would, with the routing id it saw in every reply, until `quit`.
const PY_ROUTER: &str = r#"
import sys, zmq, msgpack
ctx = zmq.Context()
r = ctx.socket(zmq.ROUTER)
port = r.bind_to_random_port("tcp://127.0.0.1")
print("PORT %d" % port, flush=True)
while True:
    if not r.poll(20000):
        print("no message from the dealer within 20 s", flush=True)
        sys.exit(2)
    frames = r.recv_multipart()
    if len(frames) != 2:
        print("expected [routing id, payload], got %d frames" % len(frames), flush=True)
        sys.exit(3)
    rid, payload = frames
    t, data, node = msgpack.loads(payload, strict_map_key=False)
    print("got", t, "from", rid.hex(), flush=True)
    if t == "quit":
        break
    if t == "client_ready":
        reply = ("ack", {"index": 0, "routing_id": rid.decode()}, node)
    else:
        reply = (t, {"data": data, "routing_id": rid.decode()}, node)
    r.send_multipart([rid, msgpack.dumps(reply)])
r.close(linger=0)
ctx.term()
"#;

/// A Python process, killed if the test fails first; its stdout lines arrive on a channel.
struct Py {
    child: Child,
    lines: mpsc::Receiver<String>,
    _dir: TempDir,
}

impl Py {
    fn run(source: &str, args: &[&str]) -> Py {
        let dir = TempDir::new();
        let script = dir.write("peer.py", source);
        let mut child = Command::new(python())
            .arg(&script)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python().display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Py { child, lines, _dir: dir }
    }

    /// The next stdout line that starts with `prefix` (others are skipped).
    fn line(&self, prefix: &str) -> String {
        let start = Instant::now();
        loop {
            let left = DEADLINE.saturating_sub(start.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return line,
                Ok(_) => continue,
                Err(_) => panic!("python printed no {prefix:?} line within {DEADLINE:?}"),
            }
        }
    }

    /// Wait for a zero exit status (the process is killed on timeout).
    fn success(mut self) {
        let start = Instant::now();
        loop {
            match self.child.try_wait().expect("wait for python") {
                Some(status) => {
                    let rest: Vec<String> = self.lines.try_iter().collect();
                    assert!(status.success(), "python exited with {status}; stdout: {rest:?}");
                    return;
                }
                None if start.elapsed() > DEADLINE => {
                    panic!("python still running after {DEADLINE:?}")
                }
                None => thread::sleep(Duration::from_millis(10)),
            }
        }
    }
}

impl Drop for Py {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn map(pairs: &[(&str, Value)]) -> Value {
    Value::Map(pairs.iter().map(|(k, v)| (Value::from(*k), v.clone())).collect())
}

/// `data[key]` of a decoded map.
fn field<'a>(data: &'a Value, key: &str) -> &'a Value {
    let Value::Map(pairs) = data else { panic!("expected a map, got {data:?}") };
    match pairs.iter().find(|(k, _)| k.as_str() == Some(key)) {
        Some((_, v)) => v,
        None => panic!("no {key:?} in {data:?}"),
    }
}

/// Frames from the router until `Message`, which is decoded; connection events must be
/// `Connected` for `id` only.
fn next_message(router: &Router, id: &str) -> Message {
    let start = Instant::now();
    loop {
        let left = DEADLINE.saturating_sub(start.elapsed());
        match router.receiver().recv_timeout(left) {
            Ok(RouterEvent::Message { identity, frame }) => {
                assert_eq!(identity, id.as_bytes());
                return Message::decode(&frame).expect("a Locust envelope");
            }
            Ok(RouterEvent::Connected { identity }) => assert_eq!(identity, id.as_bytes()),
            Ok(other) => panic!("unexpected {other:?}"),
            Err(_) => panic!("no message from the pyzmq dealer within {DEADLINE:?}"),
        }
    }
}

#[test]
fn a_pyzmq_dealer_talks_to_our_router() {
    let router = Router::bind("127.0.0.1:0").expect("bind");
    let id = "pyhost_0123456789abcdef0123456789abcdef";
    let py = Py::run(PY_DEALER, &[&router.local_addr().port().to_string(), id]);
    assert_eq!(
        router.receiver().recv_timeout(DEADLINE).expect("a connection"),
        RouterEvent::Connected { identity: id.as_bytes().to_vec() },
        "the routing id is the IDENTITY pyzmq set"
    );
    let ready = next_message(&router, id);
    assert_eq!(
        (ready.kind.as_str(), &ready.data, ready.node_id.as_str()),
        ("client_ready", &Value::from(-1), id)
    );

    // A short frame, then a long one (a spawn-sized payload).
    let ack = Message::new("ack", map(&[("index", Value::from(0))]), id);
    router.send(id.as_bytes(), ack.encode()).unwrap();
    let big = Value::Binary((0..300_000).map(|i| (i % 253) as u8).collect());
    router.send(id.as_bytes(), Message::new("spawn", big.clone(), id).encode()).unwrap();
    let echo = next_message(&router, id);
    assert_eq!(echo.kind, "echo");
    assert_eq!(field(&echo.data, "type"), &Value::from("ack"));
    assert_eq!(field(&echo.data, "data"), &ack.data);
    assert_eq!(field(&echo.data, "node_id"), &Value::from(id));
    let echo = next_message(&router, id);
    assert_eq!(field(&echo.data, "type"), &Value::from("spawn"));
    assert!(field(&echo.data, "data") == &big, "the 300 kB frame changed on the way");

    router.send(id.as_bytes(), Message::new("quit", Value::Nil, id).encode()).unwrap();
    assert_eq!(next_message(&router, id).kind, "quit");
    py.success();
    assert_eq!(
        router.receiver().recv_timeout(DEADLINE).expect("a disconnection"),
        RouterEvent::Disconnected { identity: id.as_bytes().to_vec() }
    );
}

/// The next message to our dealer, decoded.
fn reply(dealer: &Dealer) -> Message {
    let frame = dealer.receiver().recv_timeout(DEADLINE).expect("a reply from the pyzmq router");
    Message::decode(&frame).expect("a Locust envelope")
}

#[test]
fn our_dealer_talks_to_a_pyzmq_router() {
    let py = Py::run(PY_ROUTER, &[]);
    let port = py.line("PORT ")["PORT ".len()..].to_owned();
    let id = "rusthost_fedcba9876543210fedcba9876543210";
    let dealer = Dealer::connect(&format!("127.0.0.1:{port}"), id.as_bytes()).expect("connect");
    dealer.send(Message::new("client_ready", Value::from(-1), id).encode()).unwrap();
    let ack = reply(&dealer);
    assert_eq!((ack.kind.as_str(), ack.node_id.as_str()), ("ack", id));
    assert_eq!(field(&ack.data, "index"), &Value::from(0));
    assert_eq!(field(&ack.data, "routing_id"), &Value::from(id), "libzmq routes by our Identity");

    let heartbeat = map(&[("state", Value::from("ready")), ("current_cpu_usage", Value::F64(1.5))]);
    dealer.send(Message::new("heartbeat", heartbeat.clone(), id).encode()).unwrap();
    let big = Value::Binary((0..300_000).map(|i| (i % 251) as u8).collect());
    dealer.send(Message::new("stats", big.clone(), id).encode()).unwrap();
    let echo = reply(&dealer);
    assert_eq!(echo.kind, "heartbeat");
    assert_eq!(field(&echo.data, "data"), &heartbeat);
    let echo = reply(&dealer);
    assert_eq!(echo.kind, "stats");
    assert!(field(&echo.data, "data") == &big, "the 300 kB frame changed on the way");
    assert_eq!(field(&echo.data, "routing_id"), &Value::from(id));

    dealer.send(Message::new("quit", Value::Nil, id).encode()).unwrap();
    py.success();
    dealer.close();
}
