//! A headless run driven by the locustfile's load shape (Locust's `shape_worker`): tick
//! about once a second, ramp to what the tick asks when it changes, end the run on nil.
//!
//! The shape lives in a Lua state of its own on the thread that drives the run, so its tick
//! runs in one place for the whole run, never per shard. Unlike Locust's, a tick does not
//! wait for the ramp it started: the next tick may retarget a ramp still under way, so a
//! slow ramp cannot make the shape skip a stage.

use cicada_scripting::{LuaScenario, LuaShape, ShapeTick};

use crate::exit;
use crate::logging::Log;
use crate::run_handle::RunHandle;
use crate::settings::Settings;

/// What the run does after a tick.
pub(crate) enum Step {
    Continue,
    /// The tick returned nil: the test is over.
    Done,
    /// The tick raised (logged here); the run ends as after a task error.
    Failed,
}

pub(crate) struct ShapeDriver {
    shape: LuaShape,
    /// The last tick applied, to act only on changes, as Locust compares its ticks.
    last: Option<ShapeTick>,
}

impl ShapeDriver {
    pub(crate) fn new(shape: LuaShape) -> ShapeDriver {
        ShapeDriver { shape, last: None }
    }

    /// The run starts now: log it as Locust does and count the run time from here.
    pub(crate) fn start(&mut self, log: &Log) -> Step {
        log.info("cicada.runners", "Shape test starting.");
        if let Err(e) = self.shape.reset_time() {
            return self.failed(log, "reset_time", &e);
        }
        log.info("cicada.runners", "Shape worker starting");
        Step::Continue
    }

    pub(crate) fn tick(&mut self, control: &impl RunHandle, log: &Log) -> Step {
        let tick = match self.shape.tick(control.user_count()) {
            Ok(Some(tick)) => tick,
            Ok(None) => {
                log.info("cicada.runners", "Shape test stopping");
                return Step::Done;
            }
            Err(e) => return self.failed(log, "tick", &e),
        };
        if self.last.as_ref() == Some(&tick) {
            return Step::Continue;
        }
        if let Some(classes) = &tick.user_classes {
            let e = cicada_scripting::TickError {
                message: format!(
                    "{}:tick() returned user classes ({}): choosing classes from a shape is not \
                     supported yet; return users, spawn_rate and pick the classes on the \
                     command line",
                    self.shape.name(),
                    classes.join(", ")
                ),
                traceback: String::new(),
            };
            return self.failed(log, "tick", &e);
        }
        log.info(
            "cicada.runners",
            &format!(
                "Shape test updating to {} users at {:.2} spawn rate",
                tick.users, tick.spawn_rate
            ),
        );
        log.info(
            "cicada.runners",
            &format!(
                "Ramping to {} users at a rate of {:.2} per second",
                tick.users, tick.spawn_rate
            ),
        );
        // The rate was checked when the tick was read: swarm cannot refuse it.
        if let Err(e) = control.swarm(tick.users, tick.spawn_rate) {
            log.error("cicada.main", &e.to_string());
            return Step::Failed;
        }
        self.last = Some(tick);
        Step::Continue
    }

    fn failed(&self, log: &Log, method: &str, e: &cicada_scripting::TickError) -> Step {
        let mut text = format!(
            "Unhandled exception in load shape {}:{method}(): {}",
            self.shape.name(),
            e.message
        );
        if !e.traceback.is_empty() {
            text.push('\n');
            text.push_str(&e.traceback);
        }
        log.error("cicada.runners", &text);
        Step::Failed
    }
}

/// The locustfile's load shape for a headless run, if it declares one, or the exit code
/// after logging why it cannot load. Logs Locust's warning when `-u`, `-r` or `-t` were
/// given for a shape that does not read them.
pub(crate) fn load(
    scenario: &LuaScenario,
    s: &Settings,
    log: &Log,
) -> Result<Option<ShapeDriver>, i32> {
    let shape = match scenario.load_shape(&s.options) {
        Ok(Some(shape)) => shape,
        Ok(None) => return Ok(None),
        Err(e) => {
            log.error("cicada.main", &e.to_string());
            return Err(exit::STARTUP);
        }
    };
    let given: Vec<&str> = [
        ("--users", s.users.is_some()),
        ("--spawn-rate", s.spawn_rate.is_some()),
        ("--run-time", s.run_time.is_some()),
    ]
    .into_iter()
    .filter_map(|(flag, given)| given.then_some(flag))
    .collect();
    if !shape.use_common_options() && !given.is_empty() {
        log.warning(
            "cicada.main",
            "--run-time, --users or --spawn-rate have no impact on LoadShapes unless the shape \
             class explicitly reads them. See: docs/scripting.md#load-shapes",
        );
        log.warning(
            "cicada.main",
            &format!("The following option(s) will be ignored: {}", given.join(", ")),
        );
    }
    Ok(Some(ShapeDriver::new(shape)))
}
