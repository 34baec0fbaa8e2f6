//! Peers that misbehave lose their own connection and nothing else.

use std::io::Write;
use std::net::TcpStream;

use cicada_proto::{Router, RouterEvent};

use super::{connected_pair, expect_connected, next_event, next_reply, raw};

/// The healthy pair still works both ways.
fn still_works(router: &Router, dealer: &cicada_proto::Dealer, id: &[u8], n: u8) {
    dealer.send(vec![n]).unwrap();
    assert_eq!(next_event(router), RouterEvent::Message { identity: id.to_vec(), frame: vec![n] });
    router.send(id, vec![n]).unwrap();
    assert_eq!(next_reply(dealer), vec![n]);
}

#[test]
fn garbage_and_silence_do_not_disturb_other_peers() {
    let (router, dealer) = connected_pair(b"healthy");
    // Connected but silent: it holds only its own thread until the handshake deadline.
    let _silent = TcpStream::connect(router.local_addr()).unwrap();
    still_works(&router, &dealer, b"healthy", 1);
    // An HTTP client is refused after its first ten bytes.
    let mut http = TcpStream::connect(router.local_addr()).unwrap();
    http.set_read_timeout(Some(super::DEADLINE)).unwrap();
    http.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert!(raw::closed_by_peer(&mut http));
    // A ZMTP 2 peer: right signature, wrong version.
    let mut old = TcpStream::connect(router.local_addr()).unwrap();
    old.set_read_timeout(Some(super::DEADLINE)).unwrap();
    let mut g = raw::greeting();
    g[10] = 1;
    old.write_all(&g).unwrap();
    assert!(raw::closed_by_peer(&mut old));
    still_works(&router, &dealer, b"healthy", 2);
}

#[test]
fn an_oversized_frame_costs_only_that_connection() {
    let (router, dealer) = connected_pair(b"healthy");
    let mut liar = raw::peer(router.local_addr(), Some(b"liar"));
    expect_connected(&router, b"liar");
    // Claims 2^60 bytes: refused from the header, never allocated.
    liar.write_all(&[&[0x02u8][..], &(1u64 << 60).to_be_bytes()].concat()).unwrap();
    assert_eq!(next_event(&router), RouterEvent::Disconnected { identity: b"liar".to_vec() });
    assert!(raw::closed_by_peer(&mut liar));
    still_works(&router, &dealer, b"healthy", 3);
}

#[test]
fn ping_pong_multi_frame_and_generated_identities() {
    let router = Router::bind("127.0.0.1:0").unwrap();
    let mut anon = raw::peer(router.local_addr(), None);
    let RouterEvent::Connected { identity } = next_event(&router) else {
        panic!("expected a connection");
    };
    // libzmq's form for a peer without an identity: 00 and four bytes.
    assert_eq!(identity.len(), 5);
    assert_eq!(identity[0], 0);
    // PING (ttl 0, context "hb") is answered with PONG "hb"; unknown commands are ignored.
    anon.write_all(&raw::command(b"\x04PING\x00\x00hb")).unwrap();
    assert_eq!(raw::read_frame(&mut anon), raw::command(b"\x04PONGhb"));
    anon.write_all(&raw::command(b"\x09SUBSCRIBEtopic")).unwrap();
    // A three-frame message delivers its first frame only.
    let multi =
        [raw::message(b"first", true), raw::message(b"second", true), raw::message(b"", false)];
    anon.write_all(&multi.concat()).unwrap();
    anon.write_all(&raw::message(b"next", false)).unwrap();
    let frame = |e| match e {
        RouterEvent::Message { frame, .. } => frame,
        other => panic!("expected a message, got {other:?}"),
    };
    assert_eq!(frame(next_event(&router)), b"first");
    assert_eq!(frame(next_event(&router)), b"next");
    // Replies route by the generated identity.
    router.send(&identity, b"hi".to_vec()).unwrap();
    assert_eq!(raw::read_frame(&mut anon), raw::message(b"hi", false));
}
