//! The engine driven by a scenario written in Rust, with no Lua: the baseline the Lua tests
//! build on. When a Lua test fails and these pass, the fault is in the scripting layer.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cicada_engine::http::{ClientConfig, HttpClient, PoolMode, Request};
use cicada_engine::{
    LocalFuture, RequestRecord, Runner, Scenario, ScenarioError, ShardContext, ShardScenario,
    TaskError, TaskResult, TaskSpec, UserBehavior, UserClassSpec, UserContext, WaitTime,
};

use crate::util::{self, TestServer};

/// Users that GET `url` `iterations` times (sleeping `pause` after each request) and stop.
struct Fetch {
    url: String,
    iterations: u32,
    pause: Duration,
    classes: Vec<UserClassSpec>,
}

impl Fetch {
    fn new(url: String, iterations: u32, pause: Duration) -> Fetch {
        let class = UserClassSpec {
            name: "Fetcher".into(),
            weight: 1,
            fixed_count: None,
            tasks: vec![TaskSpec { name: "fetch".into(), weight: 1, tags: vec![] }],
            wait_time: WaitTime::Constant(0.0),
            host: None,
        };
        Fetch { url, iterations, pause, classes: vec![class] }
    }
}

impl Scenario for Fetch {
    fn classes(&self) -> &[UserClassSpec] {
        &self.classes
    }

    fn shard(&self, _ctx: ShardContext) -> Result<Box<dyn ShardScenario>, ScenarioError> {
        Ok(Box::new(FetchShard {
            url: self.url.clone(),
            iterations: self.iterations,
            pause: self.pause,
        }))
    }
}

struct FetchShard {
    url: String,
    iterations: u32,
    pause: Duration,
}

impl ShardScenario for FetchShard {
    fn new_user(
        &self,
        class: usize,
        ctx: UserContext,
    ) -> Result<Box<dyn UserBehavior>, ScenarioError> {
        let client = ctx.shard().http_client(ClientConfig::default(), PoolMode::PerUser, class);
        Ok(Box::new(FetchUser {
            ctx,
            client: Rc::new(client),
            url: Rc::from(self.url.as_str()),
            left: Rc::new(Cell::new(self.iterations)),
            pause: self.pause,
        }))
    }
}

struct FetchUser {
    ctx: UserContext,
    client: Rc<HttpClient>,
    url: Rc<str>,
    left: Rc<Cell<u32>>,
    pause: Duration,
}

impl UserBehavior for FetchUser {
    fn on_start(&self) -> LocalFuture<'static, TaskResult> {
        Box::pin(async { Ok(()) })
    }

    fn run_task(&self, _index: usize) -> LocalFuture<'static, TaskResult> {
        let (ctx, client, url, left, pause) = (
            self.ctx.clone(),
            self.client.clone(),
            self.url.clone(),
            self.left.clone(),
            self.pause,
        );
        Box::pin(async move {
            let start = Instant::now();
            let result = client.send(Request::new("GET", url.as_ref())).await;
            let (length, error) = match &result {
                Ok(r) if r.status < 400 => (r.body.len() as u64, None),
                Ok(r) => (r.body.len() as u64, Some(format!("status {}", r.status))),
                Err(e) => (0, Some(e.to_string())),
            };
            ctx.record(RequestRecord {
                request_type: "GET",
                name: "fetch",
                response_time: Some(start.elapsed()),
                content_length: length,
                error: error.as_deref(),
            });
            if !pause.is_zero() {
                ctx.sleep(pause).await;
            }
            left.set(left.get().saturating_sub(1));
            if left.get() == 0 {
                Err(TaskError::StopUser)
            } else {
                Ok(())
            }
        })
    }

    fn on_stop(&self) -> LocalFuture<'static, TaskResult> {
        Box::pin(async { Ok(()) })
    }
}

fn run(shards: usize, users: u32, iterations: u32) {
    let server = TestServer::start();
    let scenario = Fetch::new(format!("{}/hello", server.url()), iterations, Duration::ZERO);
    let config = cicada_engine::RunConfig { shards, ..Default::default() };
    let control = Runner::start(config, Arc::new(scenario)).expect("the engine starts");
    let run = util::Run::new(control);
    run.swarm_all(users);
    let expected = u64::from(users * iterations);
    run.wait_stats("every request", |s| util::reqs(s, "GET", "fetch") == expected);
    let snap = run.finish();
    assert_eq!(util::reqs(&snap, "GET", "fetch"), expected, "{}", util::describe(&snap));
    assert_eq!(snap.total.num_failures, 0, "{}", util::describe(&snap));
    assert_eq!(snap.total.total_content_length, expected * 5);
    assert_eq!(server.count("GET", "/hello"), expected);
    assert_eq!(server.connections(), u64::from(users), "one keep-alive connection per user");
}

#[test]
fn counts_are_exact_on_one_shard() {
    run(1, 3, 20);
}

#[test]
fn counts_are_exact_on_two_shards() {
    run(2, 5, 10);
}

#[test]
fn stop_with_zero_timeout_cancels_the_running_task() {
    let server = TestServer::start();
    let scenario = Fetch::new(format!("{}/hello", server.url()), 5, Duration::from_secs(5));
    let config = cicada_engine::RunConfig { shards: 1, ..Default::default() };
    let control = Runner::start(config, Arc::new(scenario)).expect("the engine starts");
    let run = util::Run::new(control);
    run.swarm_all(2);
    util::wait_until(
        "both users' first request",
        util::DEADLINE,
        || server.count("GET", "/hello") == 2,
        || server.lines().join(", "),
    );
    let took = run.stop();
    assert!(took < Duration::from_secs(1), "stop took {took:?} while tasks sleep 5 s");
    assert_eq!(run.control.user_count(), 0);
    let snap = run.finish();
    assert_eq!(util::reqs(&snap, "GET", "fetch"), 2, "{}", util::describe(&snap));
}
