//! The ZMTP transport over real loopback TCP: our Dealer against our Router, and raw peers
//! (hand-written bytes) that misbehave. Interop with libzmq is in the workspace's
//! `tests/zmtp.rs`. Every wait has a deadline; nothing sleeps to synchronise.

mod pair;
mod raw;
mod robustness;

use std::time::{Duration, Instant};

use cicada_proto::{Dealer, Router, RouterEvent};

/// The longest any single wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// The next router event, or a failed test.
pub fn next_event(router: &Router) -> RouterEvent {
    router
        .receiver()
        .recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("no router event within {DEADLINE:?}"))
}

/// The next message to the dealer, or a failed test.
pub fn next_reply(dealer: &Dealer) -> Vec<u8> {
    dealer
        .receiver()
        .recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("no message to the dealer within {DEADLINE:?}"))
}

/// Wait for `Connected { identity }` as the next event.
pub fn expect_connected(router: &Router, identity: &[u8]) {
    assert_eq!(next_event(router), RouterEvent::Connected { identity: identity.to_vec() });
}

/// Poll `cond` until it holds, failing the test after [`DEADLINE`].
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A router on a fresh loopback port and a dealer connected to it, handshake done on both
/// sides (the router finishes first: it reads the dealer's READY before the dealer reads its).
pub fn connected_pair(identity: &[u8]) -> (Router, Dealer) {
    let router = Router::bind("127.0.0.1:0").expect("bind");
    let dealer = Dealer::connect(&router.local_addr().to_string(), identity).expect("connect");
    expect_connected(&router, identity);
    wait_until("the dealer's side of the handshake", || dealer.is_connected());
    (router, dealer)
}
