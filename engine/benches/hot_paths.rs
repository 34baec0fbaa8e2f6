//! Micro-benchmarks of the engine's per-request work, without sockets: parsing a response
//! head, writing a request head, recording a request into a shard's stats, and merging a
//! shard's one-second delta into the aggregate. `cargo bench -p cicada-engine`.
//!
//! Each prints nanoseconds per operation, the best of several rounds (the least disturbed
//! by whatever else the machine runs). Compare runs on one machine, not across machines.

use std::hint::black_box;
use std::time::{Duration, Instant};

use cicada_engine::http::wire::{parse_response_head, write_request_head};
use cicada_engine::stats::ShardStats;
use cicada_engine::RequestRecord;

/// Time `op` over `iters` iterations, best of 5 rounds; returns ns per iteration.
fn bench(name: &str, iters: u64, mut op: impl FnMut(u64)) {
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        for i in 0..iters {
            op(i);
        }
        best = best.min(start.elapsed().as_nanos() as f64 / iters as f64);
    }
    println!("{name:<44} {best:>10.1} ns/op");
}

const NGINX_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 26 Nov 2026 13:00:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok";

fn record(stats: &mut ShardStats, name: &str) {
    stats.record(RequestRecord {
        request_type: "GET",
        name,
        response_time: Some(Duration::from_micros(850)),
        content_length: 2,
        error: None,
    });
}

fn main() {
    bench("parse response head (nginx, 5 headers)", 1_000_000, |_| {
        black_box(parse_response_head(black_box(NGINX_HEAD)).ok());
    });

    let mut out = Vec::with_capacity(512);
    let no_headers: Vec<(String, String)> = Vec::new();
    bench("parse URL and write request head (GET)", 1_000_000, |_| {
        out.clear();
        let _ = write_request_head(&mut out, "GET", "http://127.0.0.1:8080/item?id=1", &no_headers);
        black_box(&out);
    });

    let mut stats = ShardStats::default();
    bench("stats record (1 name)", 5_000_000, |_| record(&mut stats, "/"));

    let names: Vec<String> = (0..1000).map(|i| format!("/item/{i}")).collect();
    let mut stats = ShardStats::default();
    bench("stats record (1,000 names)", 5_000_000, |i| {
        record(&mut stats, &names[(i % 1000) as usize])
    });

    // A shard's one-second delta: 1,000 entries, 50 requests each.
    let mut delta = ShardStats::default();
    for i in 0..50_000 {
        record(&mut delta, &names[i % 1000]);
    }
    let mut merged = ShardStats::default();
    bench("merge a 1 s delta of 1,000 entries", 200, |_| merged += &delta);
}
