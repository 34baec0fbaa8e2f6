//! `-f -`: a worker fetches its locustfile from the master before it loads anything, as
//! Locust's `download_locustfile_from_master` does (protocol reference §3 W10/M8, §7.8).
//!
//! A temporary connection with its own identity, `<hostname>_download_locustfile_<hex>`,
//! sends `locustfile {"version": …}` every second until the master answers, then closes.
//! The master never registers that identity, so the worker proper connects afterwards with
//! a fresh id of its own. The file stays in memory: the caller loads it under the name the
//! master gave, and nothing is left behind in `$TMPDIR`.

use std::path::Path;
use std::time::{Duration, Instant};

use cicada_proto::{
    LocustfileItem, LocustfileReply, LocustfileRequest, MasterMessage, WorkerMessage,
};
use crossbeam_channel::{at, select, tick, Receiver};

use super::identity;
use super::link::Connect;

/// Locust's pacing of the request; tests shorten it.
#[derive(Debug, Clone, Copy)]
pub struct DownloadTimings {
    /// How often the request is sent again while no reply has come (1 s).
    pub resend: Duration,
    /// When to give up (`CONNECT_TIMEOUT * CONNECT_RETRY_COUNT`, 300 s).
    pub give_up: Duration,
}

impl Default for DownloadTimings {
    fn default() -> Self {
        DownloadTimings { resend: Duration::from_secs(1), give_up: Duration::from_secs(300) }
    }
}

/// A locustfile as the master serves it: its basename (for messages) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocustfileText {
    pub filename: String,
    pub contents: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("cannot connect to the Locust master at {master}: {reason}")]
    Connect { master: String, reason: String },
    #[error(
        "Got no locustfile response from the master at {master}, gave up after {waited:?}; \
         is a master running there (--master)?"
    )]
    NoReply { master: String, waited: Duration },
    #[error("the connection to the master at {master} closed before it sent the locustfile")]
    Closed { master: String },
    #[error("interrupted while waiting for the master's locustfile")]
    Interrupted,
    #[error("the master's locustfile reply does not decode: {0}")]
    BadReply(String),
    #[error("Got wrong message type from master: {0} (expected locustfile)")]
    WrongType(String),
    #[error("Got error from master: {0}")]
    Refused(String),
    #[error(
        "the master sent a Python locustfile ({0}); cicada workers run Lua: start the master \
         with cicada and a Lua locustfile, or give this worker its own with -f"
    )]
    Python(String),
    #[error(
        "the master sent a locustfile URL ({0}); cicada workers only take a Lua file's \
         contents: give this worker its own locustfile with -f"
    )]
    Url(String),
    #[error("the master sent {0} locustfiles; a cicada worker runs exactly one Lua file")]
    NotOne(usize),
}

/// Ask the master behind `connect` for its locustfile until it answers, `timings.give_up`
/// passes, or `interrupts` fires. `master` names it in messages.
pub fn download_locustfile(
    connect: &Connect,
    master: &str,
    timings: DownloadTimings,
    interrupts: &Receiver<()>,
) -> Result<LocustfileText, DownloadError> {
    let id = download_id(&identity::hostname());
    let link = connect(id.as_bytes())
        .map_err(|reason| DownloadError::Connect { master: master.to_owned(), reason })?;
    let request = WorkerMessage::Locustfile(LocustfileRequest {
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
    .encode(&id);
    let frames = link.receiver();
    let resend = tick(timings.resend);
    let deadline = at(Instant::now() + timings.give_up);
    // A send fails only when the transport's queue is full (a master down for a long time):
    // the queued requests go out when it comes up, so a failed one changes nothing.
    let _ = link.send(request.clone());
    let outcome = loop {
        select! {
            recv(frames) -> frame => break match frame {
                Ok(frame) => read_reply(&frame),
                Err(_) => Err(DownloadError::Closed { master: master.to_owned() }),
            },
            recv(resend) -> _ => {
                let _ = link.send(request.clone());
            }
            recv(interrupts) -> _ => break Err(DownloadError::Interrupted),
            recv(deadline) -> _ => {
                break Err(DownloadError::NoReply {
                    master: master.to_owned(),
                    waited: timings.give_up,
                })
            }
        }
    };
    link.close();
    outcome
}

/// `<hostname>_download_locustfile_<32 hex>`: Locust's shape, so a master's logs (and its
/// host grouping, which reads up to the first `_`) treat it as they treat Python's.
fn download_id(host: &str) -> String {
    identity::client_id(&format!("{host}_download_locustfile"))
}

/// The one Lua file in the master's reply, or why there is none.
fn read_reply(frame: &[u8]) -> Result<LocustfileText, DownloadError> {
    let (msg, _) =
        MasterMessage::decode(frame).map_err(|e| DownloadError::BadReply(e.to_string()))?;
    let reply = match msg {
        MasterMessage::Locustfile(reply) => reply,
        other => {
            let kind = other.to_message("").kind;
            return Err(DownloadError::WrongType(kind));
        }
    };
    let items = match reply {
        LocustfileReply::Error(e) => return Err(DownloadError::Refused(e)),
        LocustfileReply::Files(items) => items,
    };
    // A Python master sends `.py` files (or URLs) only; say so before counting them.
    for item in &items {
        match item {
            LocustfileItem::File { filename, .. } if filename.ends_with(".py") => {
                return Err(DownloadError::Python(filename.clone()))
            }
            LocustfileItem::Url(url) => return Err(DownloadError::Url(url.clone())),
            LocustfileItem::File { .. } => {}
        }
    }
    let n = items.len();
    let Ok::<[LocustfileItem; 1], _>([LocustfileItem::File { filename, contents }]) =
        items.try_into()
    else {
        return Err(DownloadError::NotOne(n));
    };
    // Only the basename: the name is used in messages, and a path from the peer means
    // nothing on this machine.
    let filename = Path::new(&filename)
        .file_name()
        .map_or_else(|| "locustfile.lua".to_owned(), |n| n.to_string_lossy().into_owned());
    Ok(LocustfileText { filename, contents })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use cicada_proto::{Ack, Message, Value};
    use crossbeam_channel::{Receiver, Sender};

    use super::*;
    use crate::worker::MasterLink;

    fn reply(items: Vec<LocustfileItem>) -> Vec<u8> {
        MasterMessage::Locustfile(LocustfileReply::Files(items)).encode("h_download_locustfile_1")
    }

    fn file(name: &str, text: &str) -> LocustfileItem {
        LocustfileItem::File { filename: name.into(), contents: text.into() }
    }

    #[test]
    fn the_one_lua_file_is_taken_by_its_basename() {
        let got = read_reply(&reply(vec![file("/srv/tests/script.lua", "return 1")])).unwrap();
        assert_eq!(
            got,
            LocustfileText { filename: "script.lua".into(), contents: "return 1".into() }
        );
    }

    #[test]
    fn python_files_urls_errors_and_other_replies_are_refused_clearly() {
        let e = read_reply(&reply(vec![file("locustfile.py", "import locust")])).unwrap_err();
        assert!(matches!(&e, DownloadError::Python(f) if f == "locustfile.py"), "{e}");
        assert!(e.to_string().contains("the master sent a Python locustfile"), "{e}");
        let e = read_reply(&reply(vec![LocustfileItem::Url("http://x/l.py".into())])).unwrap_err();
        assert!(matches!(e, DownloadError::Url(_)), "{e}");
        let e = read_reply(&reply(vec![])).unwrap_err();
        assert!(matches!(e, DownloadError::NotOne(0)), "{e}");
        let two = reply(vec![file("a.lua", ""), file("b.lua", "")]);
        assert!(matches!(read_reply(&two), Err(DownloadError::NotOne(2))));
        let refused =
            MasterMessage::Locustfile(LocustfileReply::Error("no file".into())).encode("h");
        let e = read_reply(&refused).unwrap_err();
        assert_eq!(e.to_string(), "Got error from master: no file");
        let ack = MasterMessage::Ack(Ack { index: Some(0) }).encode("h");
        assert!(matches!(read_reply(&ack), Err(DownloadError::WrongType(k)) if k == "ack"));
        assert!(matches!(read_reply(b"\xc1"), Err(DownloadError::BadReply(_))));
        let bad = Message::new("locustfile", Value::from(3), "h").encode();
        assert!(matches!(read_reply(&bad), Err(DownloadError::BadReply(_))));
    }

    #[test]
    fn ids_have_locusts_download_shape() {
        let id = download_id("box");
        let hex = id.strip_prefix("box_download_locustfile_").unwrap();
        assert_eq!(hex.len(), 32);
        assert!(hex.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }

    /// A link whose frames the test reads, and whose replies it writes.
    struct FakeLink {
        out: Sender<Vec<u8>>,
        rx: Receiver<Vec<u8>>,
        closed: Arc<Mutex<bool>>,
    }

    impl MasterLink for FakeLink {
        fn send(&self, frame: Vec<u8>) -> Result<(), String> {
            self.out.send(frame).map_err(|e| e.to_string())
        }
        fn receiver(&self) -> Receiver<Vec<u8>> {
            self.rx.clone()
        }
        fn close(self: Box<Self>) {
            *self.closed.lock().unwrap() = true;
        }
    }

    struct Fake {
        connect: Connect,
        sent: Receiver<Vec<u8>>,
        reply: Sender<Vec<u8>>,
        ids: Arc<Mutex<Vec<String>>>,
        closed: Arc<Mutex<bool>>,
    }

    fn fake() -> Fake {
        let (out, sent) = crossbeam_channel::unbounded();
        let (reply, rx) = crossbeam_channel::unbounded();
        let ids = Arc::new(Mutex::new(Vec::new()));
        let closed = Arc::new(Mutex::new(false));
        let (seen, shut) = (Arc::clone(&ids), Arc::clone(&closed));
        let connect: Connect = Box::new(move |id: &[u8]| {
            seen.lock().unwrap().push(String::from_utf8(id.to_vec()).unwrap());
            Ok(Box::new(FakeLink { out: out.clone(), rx: rx.clone(), closed: Arc::clone(&shut) })
                as Box<dyn MasterLink>)
        });
        Fake { connect, sent, reply, ids, closed }
    }

    const FAST: DownloadTimings =
        DownloadTimings { resend: Duration::from_millis(5), give_up: Duration::from_secs(30) };

    #[test]
    fn requests_repeat_until_the_reply_then_the_link_closes() {
        let f = fake();
        let (reply, sent) = (f.reply.clone(), f.sent.clone());
        // The "master" answers only the third request, so the resend is what gets it.
        let master = std::thread::spawn(move || {
            let mut node_ids = Vec::new();
            for _ in 0..3 {
                let frame = sent.recv().unwrap();
                let (msg, node_id) = WorkerMessage::decode(&frame).unwrap();
                let WorkerMessage::Locustfile(req) = msg else { panic!("{msg:?}") };
                assert_eq!(req.version, env!("CARGO_PKG_VERSION"));
                node_ids.push(node_id);
            }
            reply.send(super::tests::reply(vec![file("s.lua", "x = 1")])).unwrap();
            node_ids
        });
        let never = crossbeam_channel::never();
        let got = download_locustfile(&f.connect, "m:5557", FAST, &never).unwrap();
        assert_eq!(got, LocustfileText { filename: "s.lua".into(), contents: "x = 1".into() });
        let ids = f.ids.lock().unwrap().clone();
        assert_eq!(ids.len(), 1, "one temporary connection");
        assert!(ids[0].contains("_download_locustfile_"), "{ids:?}");
        // node_id in every envelope is the routing identity (reference §1.2).
        assert!(master.join().unwrap().iter().all(|n| *n == ids[0]));
        assert!(*f.closed.lock().unwrap());
    }

    #[test]
    fn a_silent_master_is_given_up_and_an_interrupt_ends_the_wait() {
        let f = fake();
        let quick = DownloadTimings {
            resend: Duration::from_millis(5),
            give_up: Duration::from_millis(50),
        };
        let never = crossbeam_channel::never();
        let e = download_locustfile(&f.connect, "m:5557", quick, &never).unwrap_err();
        assert!(matches!(e, DownloadError::NoReply { .. }), "{e}");
        assert!(e.to_string().contains("gave up after"), "{e}");
        assert!(*f.closed.lock().unwrap());

        let f = fake();
        let (tx, interrupts) = crossbeam_channel::unbounded();
        tx.send(()).unwrap();
        let e = download_locustfile(&f.connect, "m:5557", FAST, &interrupts).unwrap_err();
        assert!(matches!(e, DownloadError::Interrupted), "{e}");
    }
}
