//! Our Dealer and our Router together: identities, order, size, reconnects, handover.

use cicada_proto::{Dealer, Message, Router, RouterEvent, Value};

use super::{connected_pair, expect_connected, next_event, next_reply, raw, wait_until};

#[test]
fn messages_flow_both_ways_in_order_with_the_identity() {
    let id = b"vm_078203954f8d42739268128c32c403f5";
    let (router, dealer) = connected_pair(id);
    for i in 0..200 {
        let msg = Message::new("heartbeat", Value::from(i), "vm_078203954f8d42739268128c32c403f5");
        dealer.send(msg.encode()).unwrap();
    }
    for i in 0..200 {
        let RouterEvent::Message { identity, frame } = next_event(&router) else {
            panic!("expected message {i}");
        };
        assert_eq!(identity, id);
        assert_eq!(Message::decode(&frame).unwrap().data, Value::from(i));
    }
    for i in 0..200u32 {
        router.send(id, i.to_be_bytes().to_vec()).unwrap();
    }
    for i in 0..200u32 {
        assert_eq!(next_reply(&dealer), i.to_be_bytes());
    }
    // Unknown identities are dropped silently; the known one still works.
    router.send(b"nobody", b"lost".to_vec()).unwrap();
    router.send(id, b"after".to_vec()).unwrap();
    assert_eq!(next_reply(&dealer), b"after");
}

#[test]
fn a_one_mib_frame_each_way() {
    let (router, dealer) = connected_pair(b"big");
    let big: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    dealer.send(big.clone()).unwrap();
    dealer.send(b"small".to_vec()).unwrap();
    let msg = |e| match e {
        RouterEvent::Message { frame, .. } => frame,
        other => panic!("expected a message, got {other:?}"),
    };
    assert!(msg(next_event(&router)) == big, "the 1 MiB frame changed on the way");
    assert_eq!(msg(next_event(&router)), b"small");
    router.send(b"big", big.clone()).unwrap();
    assert!(next_reply(&dealer) == big, "the 1 MiB reply changed on the way");
}

#[test]
fn reconnects_to_a_rebound_router_and_delivers_what_was_queued() {
    let (router, dealer) = connected_pair(b"w_again");
    let addr = router.local_addr();
    drop(router);
    wait_until("the dealer to see the router gone", || !dealer.is_connected());
    for i in 0..5u8 {
        dealer.send(vec![i]).unwrap();
    }
    let router = Router::bind(&addr.to_string()).expect("rebind the same port");
    // Re-announced identity, then the queued messages in order.
    expect_connected(&router, b"w_again");
    for i in 0..5u8 {
        let e = next_event(&router);
        assert_eq!(e, RouterEvent::Message { identity: b"w_again".to_vec(), frame: vec![i] });
    }
    router.send(b"w_again", b"welcome back".to_vec()).unwrap();
    assert_eq!(next_reply(&dealer), b"welcome back");
    assert!(dealer.is_connected());
}

#[test]
fn the_latest_connection_takes_the_identity_over() {
    let router = Router::bind("127.0.0.1:0").unwrap();
    // A stale connection (raw, so it does not reconnect by itself) holds the identity.
    let mut stale = raw::peer(router.local_addr(), Some(b"w_dup"));
    expect_connected(&router, b"w_dup");
    let dealer = Dealer::connect(&router.local_addr().to_string(), b"w_dup").unwrap();
    assert_eq!(next_event(&router), RouterEvent::Disconnected { identity: b"w_dup".to_vec() });
    expect_connected(&router, b"w_dup");
    assert!(raw::closed_by_peer(&mut stale), "the replaced connection is closed");
    router.send(b"w_dup", b"to the new one".to_vec()).unwrap();
    assert_eq!(next_reply(&dealer), b"to the new one");
    dealer.send(b"from the new one".to_vec()).unwrap();
    let e = next_event(&router);
    assert_eq!(
        e,
        RouterEvent::Message { identity: b"w_dup".to_vec(), frame: b"from the new one".to_vec() }
    );
}

#[test]
fn flush_then_close_delivers_everything_sent() {
    let (router, dealer) = connected_pair(b"w_flush");
    for i in 0..300u32 {
        dealer.send(i.to_be_bytes().to_vec()).unwrap();
    }
    assert!(dealer.flush(std::time::Duration::from_secs(10)), "the queue was not written");
    dealer.close();
    for i in 0..300u32 {
        let e = next_event(&router);
        let frame = i.to_be_bytes().to_vec();
        assert_eq!(e, RouterEvent::Message { identity: b"w_flush".to_vec(), frame }, "message {i}");
    }
    assert_eq!(next_event(&router), RouterEvent::Disconnected { identity: b"w_flush".to_vec() });
}

#[test]
fn flush_gives_up_while_nothing_can_be_written() {
    // Nobody listens there: the message stays queued and flush says so after its timeout.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dealer = Dealer::connect(&format!("127.0.0.1:{port}"), b"w_nobody").unwrap();
    dealer.send(b"queued".to_vec()).unwrap();
    assert!(!dealer.flush(std::time::Duration::from_millis(200)));
}

#[test]
fn close_cuts_the_connection_at_once() {
    let (router, dealer) = connected_pair(b"w_close");
    dealer.close();
    assert_eq!(next_event(&router), RouterEvent::Disconnected { identity: b"w_close".to_vec() });
    // The same identity can come back right away on a new socket.
    let dealer = Dealer::connect(&router.local_addr().to_string(), b"w_close").unwrap();
    expect_connected(&router, b"w_close");
    dealer.send(b"again".to_vec()).unwrap();
    let e = next_event(&router);
    assert_eq!(e, RouterEvent::Message { identity: b"w_close".to_vec(), frame: b"again".to_vec() });
}

#[test]
fn binds_all_interfaces_with_a_star() {
    let router = Router::bind("*:0").unwrap();
    assert!(router.local_addr().ip().is_unspecified());
    let dealer =
        Dealer::connect(&format!("127.0.0.1:{}", router.local_addr().port()), b"v4").unwrap();
    expect_connected(&router, b"v4");
    dealer.send(b"over v4".to_vec()).unwrap();
    assert!(matches!(next_event(&router), RouterEvent::Message { .. }));
}
