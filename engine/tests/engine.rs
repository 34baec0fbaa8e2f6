//! The engine driven by a scenario written in Rust: no Lua, no HTTP. Checks the ramp, the
//! dispatch of classes over shards, stats merging, stop and shutdown.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cicada_engine::{
    LocalFuture, RequestRecord, RunConfig, RunEvent, RunState, Runner, Scenario, ScenarioError,
    ShardContext, ShardScenario, TaskError, TaskResult, TaskSpec, UserBehavior, UserClassSpec,
    UserContext, WaitTime,
};

/// Two classes (weights 3:1); each task records one "request" named after its class and
/// then sleeps `pause`. The `boom` task of class B raises an error.
struct Counting {
    classes: Vec<UserClassSpec>,
    pause: Duration,
    on_stops: Arc<AtomicU64>,
}

fn class(name: &str, weight: u32, tasks: &[(&str, u32)]) -> UserClassSpec {
    UserClassSpec {
        name: name.into(),
        weight,
        fixed_count: None,
        tasks: tasks
            .iter()
            .map(|&(n, w)| TaskSpec { name: n.into(), weight: w, tags: vec![n.into()] })
            .collect(),
        wait_time: WaitTime::Constant(0.0),
        host: None,
    }
}

impl Scenario for Counting {
    fn classes(&self) -> &[UserClassSpec] {
        &self.classes
    }
    fn shard(&self, _ctx: ShardContext) -> Result<Box<dyn ShardScenario>, ScenarioError> {
        Ok(Box::new(CountingShard {
            classes: self.classes.clone(),
            pause: self.pause,
            on_stops: Arc::clone(&self.on_stops),
        }))
    }
}

struct CountingShard {
    classes: Vec<UserClassSpec>,
    pause: Duration,
    on_stops: Arc<AtomicU64>,
}

impl ShardScenario for CountingShard {
    fn new_user(
        &self,
        class: usize,
        ctx: UserContext,
    ) -> Result<Box<dyn UserBehavior>, ScenarioError> {
        Ok(Box::new(CountingUser {
            ctx,
            class: self.classes[class].name.clone(),
            tasks: self.classes[class].tasks.iter().map(|t| t.name.clone()).collect(),
            pause: self.pause,
            on_stops: Arc::clone(&self.on_stops),
        }))
    }
}

struct CountingUser {
    ctx: UserContext,
    class: String,
    tasks: Vec<String>,
    pause: Duration,
    on_stops: Arc<AtomicU64>,
}

impl UserBehavior for CountingUser {
    fn on_start(&self) -> LocalFuture<'static, TaskResult> {
        Box::pin(async { Ok(()) })
    }
    fn run_task(&self, index: usize) -> LocalFuture<'static, TaskResult> {
        let (ctx, class, task, pause) =
            (self.ctx.clone(), self.class.clone(), self.tasks[index].clone(), self.pause);
        Box::pin(async move {
            if task == "boom" {
                return Err(TaskError::Exception {
                    message: "boom".into(),
                    traceback: "tb".into(),
                });
            }
            ctx.record(RequestRecord {
                request_type: "TASK",
                name: &class,
                response_time: Some(Duration::from_micros(250)),
                content_length: 1,
                error: None,
            });
            ctx.sleep(pause).await;
            Ok(())
        })
    }
    fn on_stop(&self) -> LocalFuture<'static, TaskResult> {
        let n = Arc::clone(&self.on_stops);
        Box::pin(async move {
            n.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
    }
}

fn scenario(pause: Duration) -> (Arc<Counting>, Arc<AtomicU64>) {
    let on_stops = Arc::new(AtomicU64::new(0));
    let s = Counting {
        classes: vec![class("A", 3, &[("work", 1)]), class("B", 1, &[("work", 9), ("boom", 1)])],
        pause,
        on_stops: Arc::clone(&on_stops),
    };
    (Arc::new(s), on_stops)
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn ramps_runs_and_stops_on_two_shards() {
    let (s, on_stops) = scenario(Duration::from_millis(5));
    let control = Runner::start(RunConfig { shards: 2, ..RunConfig::default() }, s).unwrap();
    assert_eq!(control.state(), RunState::Ready);
    control.swarm(8, 1000.0).unwrap();
    let ev = control.events().recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(ev, RunEvent::SpawningComplete(vec![("A".into(), 6), ("B".into(), 2)]));
    // Spawning is complete once the shards have started the users.
    assert_eq!(control.user_count(), 8);
    wait_for("requests and an exception", Duration::from_secs(10), || {
        control.flush_stats();
        let snap = control.snapshot();
        snap.total.num_requests >= 200 && !snap.exceptions.is_empty()
    });
    control.stop();
    assert_eq!(control.state(), RunState::Stopped);
    assert_eq!(control.user_count(), 0);
    assert_eq!(on_stops.load(Ordering::SeqCst), 8);
    let snap = control.snapshot();
    let names: Vec<&str> = snap.sorted_entries().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["A", "B"]);
    assert_eq!(snap.exceptions[0].message, "boom");
    // Requests stop with the users.
    let after_stop = snap.total.num_requests;
    control.flush_stats();
    assert_eq!(control.snapshot().total.num_requests, after_stop);
    control.shutdown();
}

#[test]
fn tags_and_class_selection_filter_work() {
    let (s, _) = scenario(Duration::from_millis(1));
    let config = RunConfig {
        shards: 1,
        user_classes: Some(vec!["B".into()]),
        exclude_tags: vec!["boom".into()],
        ..RunConfig::default()
    };
    let control = Runner::start(config, s).unwrap();
    control.swarm(3, 100.0).unwrap();
    wait_for("requests", Duration::from_secs(10), || {
        control.flush_stats();
        control.snapshot().total.num_requests >= 50
    });
    control.shutdown();
    let snap = control.snapshot();
    assert!(snap.exceptions.is_empty(), "the boom task was excluded");
    assert!(snap.entries.iter().all(|e| e.name == "B"));
}

#[test]
fn unknown_class_is_an_error() {
    let (s, _) = scenario(Duration::ZERO);
    let config = RunConfig { user_classes: Some(vec!["Nope".into()]), ..RunConfig::default() };
    let err = Runner::start(config, s).err().unwrap();
    assert_eq!(err.to_string(), "unknown user class: Nope");
}

#[test]
fn ramp_down_removes_users() {
    let (s, on_stops) = scenario(Duration::from_millis(2));
    let control = Runner::start(RunConfig { shards: 2, ..RunConfig::default() }, s).unwrap();
    control.swarm(6, 1000.0).unwrap();
    wait_for("6 users", Duration::from_secs(10), || control.user_count() == 6);
    control.swarm(2, 1000.0).unwrap();
    wait_for("2 users", Duration::from_secs(10), || control.user_count() == 2);
    assert_eq!(on_stops.load(Ordering::SeqCst), 4);
    control.shutdown();
    assert_eq!(on_stops.load(Ordering::SeqCst), 6);
}

#[test]
fn zero_wait_users_without_io_do_not_starve_the_shard() {
    // Tasks that never suspend: the engine must still run other users and obey stop.
    let (s, _) = scenario(Duration::ZERO);
    let control = Runner::start(RunConfig { shards: 1, ..RunConfig::default() }, s).unwrap();
    control.swarm(4, 1000.0).unwrap();
    wait_for("4 users", Duration::from_secs(10), || control.user_count() == 4);
    wait_for("requests", Duration::from_secs(10), || {
        control.flush_stats();
        control.snapshot().total.num_requests >= 1000
    });
    control.stop();
    assert_eq!(control.user_count(), 0);
    control.shutdown();
}

#[test]
fn class_targets_apply_at_once_and_leave_other_classes_alone() {
    let (s, on_stops) = scenario(Duration::from_millis(2));
    let control = Runner::start(RunConfig { shards: 3, ..RunConfig::default() }, s).unwrap();
    let targets = |pairs: &[(&str, u32)]| -> Vec<(String, u32)> {
        pairs.iter().map(|&(n, c)| (n.to_owned(), c)).collect()
    };
    control.set_class_targets(&targets(&[("A", 4), ("B", 1)])).unwrap();
    let ev = control.events().recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(ev, RunEvent::SpawningComplete(targets(&[("A", 4), ("B", 1)])));
    assert_eq!(control.user_counts(), targets(&[("A", 4), ("B", 1)]));
    assert_eq!(control.state(), RunState::Running);
    // B is not named: it keeps its user.
    control.set_class_targets(&targets(&[("A", 1)])).unwrap();
    let ev = control.events().recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(ev, RunEvent::SpawningComplete(targets(&[("A", 1), ("B", 1)])));
    wait_for("3 A users to stop", Duration::from_secs(10), || {
        control.user_counts() == targets(&[("A", 1), ("B", 1)])
    });
    assert_eq!(on_stops.load(Ordering::SeqCst), 3);
    let err = control.set_class_targets(&targets(&[("A", 5), ("Nope", 1)])).unwrap_err();
    assert_eq!(err.to_string(), "unknown user class: Nope");
    assert_eq!(control.user_counts(), targets(&[("A", 1), ("B", 1)]));
    control.stop();
    assert_eq!(control.user_count(), 0);
    control.shutdown();
}

#[test]
fn report_deltas_add_up_to_the_merged_stats() {
    let (s, _) = scenario(Duration::from_millis(1));
    let control = Runner::start(RunConfig { shards: 2, ..RunConfig::default() }, s).unwrap();
    control.set_class_targets(&[("A".into(), 2), ("B".into(), 2)]).unwrap();
    let mut reported = 0;
    let mut reports = 0;
    while reports < 5 || reported < 100 {
        std::thread::sleep(Duration::from_millis(20));
        let delta = control.take_report_delta();
        reported +=
            cicada_engine::stats::to_locust_report(&delta, Vec::new()).stats_total.num_requests;
        reports += 1;
        assert!(reports < 500, "no requests were reported");
    }
    control.stop();
    let last = cicada_engine::stats::to_locust_report(&control.take_report_delta(), Vec::new());
    reported += last.stats_total.num_requests;
    // Every request recorded before a take is in it: nothing is left for the next one.
    let empty = cicada_engine::stats::to_locust_report(&control.take_report_delta(), Vec::new());
    assert_eq!(empty.stats_total.num_requests, 0);
    assert!(empty.stats.is_empty());
    assert_eq!(reported, control.snapshot().total.num_requests);
    control.shutdown();
}
