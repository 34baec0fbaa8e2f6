//! The worker's connection to its master, behind a small trait so the worker runs over the
//! ZMTP dealer in production and over channels in tests. `reconnect` (the master's
//! `reconnect` message) swaps the connection under the threads that send on it.

use std::sync::{Mutex, PoisonError};

use cicada_proto::WorkerMessage;
use crossbeam_channel::Receiver;

/// One connection to a master: frames out, frames in (one frame per message).
pub trait MasterLink: Send {
    /// Queue one frame; a link that is down keeps it until it is up again.
    fn send(&self, frame: Vec<u8>) -> Result<(), String>;
    /// The frames the master sends.
    fn receiver(&self) -> Receiver<Vec<u8>>;
    /// Flush what is queued (within the transport's own limit) and close.
    fn close(self: Box<Self>);
}

/// Opens a link with the given routing identity; called again on `reconnect`.
pub type Connect = Box<dyn Fn(&[u8]) -> Result<Box<dyn MasterLink>, String> + Send + Sync>;

/// The current link, shared by the worker's threads.
pub(crate) struct Link {
    id: String,
    connect: Connect,
    current: Mutex<Option<Box<dyn MasterLink>>>,
}

impl Link {
    pub(crate) fn open(id: String, connect: Connect) -> Result<Link, String> {
        let first = connect(id.as_bytes())?;
        Ok(Link { id, connect, current: Mutex::new(Some(first)) })
    }

    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// Send `msg` with this worker's id; false if it could not even be queued.
    pub(crate) fn send(&self, msg: &WorkerMessage) -> bool {
        let frame = msg.encode(&self.id);
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current.as_ref().is_some_and(|l| l.send(frame).is_ok())
    }

    /// The receiving end of the current link (a closed link gives one that never yields).
    pub(crate) fn receiver(&self) -> Receiver<Vec<u8>> {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current.as_ref().map_or_else(crossbeam_channel::never, |l| l.receiver())
    }

    /// Close the link and open a new one with the same identity (no `client_ready`: the
    /// master still knows this worker).
    pub(crate) fn reconnect(&self) -> Result<(), String> {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = current.take() {
            old.close();
        }
        *current = Some((self.connect)(self.id.as_bytes())?);
        Ok(())
    }

    pub(crate) fn close(&self) {
        let old = self.current.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(old) = old {
            old.close();
        }
    }
}
