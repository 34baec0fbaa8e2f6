//! The production [`MasterLink`]: cicada-proto's ZMTP DEALER.

use std::time::Duration;

use cicada_proto::Dealer;
use crossbeam_channel::Receiver;

use super::link::{Connect, MasterLink};

/// How long `close` waits for queued messages (the last report and `quit`) to be written,
/// like libzmq's linger; a master that is gone does not hold the worker longer.
const LINGER: Duration = Duration::from_secs(1);

/// Connect to `addr` (`host:port`) with each identity asked for.
pub fn dealer(addr: String) -> Connect {
    Box::new(move |identity: &[u8]| {
        Dealer::connect(&addr, identity)
            .map(|d| Box::new(d) as Box<dyn MasterLink>)
            .map_err(|e| e.to_string())
    })
}

impl MasterLink for Dealer {
    fn send(&self, frame: Vec<u8>) -> Result<(), String> {
        Dealer::send(self, frame).map_err(|e| e.to_string())
    }

    fn receiver(&self) -> Receiver<Vec<u8>> {
        Dealer::receiver(self).clone()
    }

    fn close(self: Box<Self>) {
        // Nothing queued can leave while disconnected: don't wait then.
        if self.is_connected() {
            self.flush(LINGER);
        }
        Dealer::close(*self);
    }
}
