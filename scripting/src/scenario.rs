//! [`LuaScenario`]: a checked script, as the engine's [`Scenario`].
//!
//! Loading runs the script once on the calling thread, in a state of its own, to report
//! errors with file and line before any shard starts and to list the user classes. That
//! state does not fire `init` listeners (they run once per shard state) and is dropped: the
//! scenario keeps only the source and the class list, so it is `Send + Sync`. Each shard
//! then runs the same source in its own state.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cicada_engine::{
    OptionValue, Scenario, ScenarioError, ShardContext, ShardScenario, UserClassSpec,
};

use crate::debug::DebugHooks;
use crate::errors::ScriptError;
use crate::guard::DEFAULT_RUNAWAY_LIMIT;
use crate::loader::{self, Source};
use crate::shape::LuaShape;
use crate::shard::LuaShard;

/// Limits that keep a script from taking a shard down.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioLimits {
    /// How long Lua code may run without yielding to the event loop before it is stopped
    /// with an error naming its line (default [`DEFAULT_RUNAWAY_LIMIT`], 10 s). Also bounds
    /// the time the script itself may take to load.
    ///
    /// The guard is a Lua count hook, and with any hook set Lua 5.4 checks every instruction:
    /// pure-Lua computation runs 2-3 times slower (a task that makes requests barely
    /// notices). `Duration::ZERO` turns the guard off for CPU-heavy scripts — at the price of
    /// an endless loop freezing its shard.
    pub runaway_after: Duration,
}

impl Default for ScenarioLimits {
    fn default() -> Self {
        ScenarioLimits { runaway_after: DEFAULT_RUNAWAY_LIMIT }
    }
}

/// A locustfile-like Lua script, checked and ready to run on every shard.
#[derive(Debug)]
pub struct LuaScenario {
    /// One per locustfile, run in this order in one state.
    sources: Vec<Source>,
    limits: ScenarioLimits,
    classes: Vec<UserClassSpec>,
    debug: Option<DebugHooks>,
    /// The script declares a load shape (see [`LuaScenario::load_shape`]).
    has_shape: bool,
}

impl LuaScenario {
    /// Read and check the script at `path`. Messages name it as given
    /// (`locustfile.lua:3: ...`); `require` looks in its directory first.
    pub fn load(path: &Path) -> Result<LuaScenario, ScriptError> {
        LuaScenario::load_with(path, ScenarioLimits::default())
    }

    /// [`LuaScenario::load`] with other limits.
    pub fn load_with(path: &Path, limits: ScenarioLimits) -> Result<LuaScenario, ScriptError> {
        LuaScenario::load_files(&[path.to_path_buf()], limits)
    }

    /// Read and check several scripts as one scenario (Locust's `-f a.py,b.py`): they run in
    /// this order in one state, and the scenario has the classes of all of them. A class
    /// name declared twice is an error naming both places.
    pub fn load_files(paths: &[PathBuf], limits: ScenarioLimits) -> Result<Self, ScriptError> {
        let mut sources = Vec::with_capacity(paths.len());
        for path in paths {
            let text = std::fs::read_to_string(path)
                .map_err(|source| ScriptError::Read { path: path.clone(), source })?;
            let dir = match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
                _ => PathBuf::from("."),
            };
            sources.push(Source {
                display: path.display().to_string(),
                text: Arc::from(text),
                dir: Some(dir),
            });
        }
        let names: Vec<String> = sources.iter().map(|s| s.display.clone()).collect();
        LuaScenario::check(sources, limits, PathBuf::from(names.join(",")))
    }

    /// Check a script given as text; `name` is what messages call it (`test.lua:3: ...`).
    pub fn from_source(name: &str, source: &str) -> Result<LuaScenario, ScriptError> {
        LuaScenario::from_source_with(name, source, ScenarioLimits::default())
    }

    /// [`LuaScenario::from_source`] with other limits.
    pub fn from_source_with(
        name: &str,
        source: &str,
        limits: ScenarioLimits,
    ) -> Result<LuaScenario, ScriptError> {
        let source = Source { display: name.to_string(), text: Arc::from(source), dir: None };
        LuaScenario::check(vec![source], limits, PathBuf::from(name))
    }

    fn check(
        sources: Vec<Source>,
        limits: ScenarioLimits,
        path: PathBuf,
    ) -> Result<Self, ScriptError> {
        let script = loader::load(&sources, &limits, None)?;
        let display = sources.first().map_or("", |s| s.display.as_str());
        let has_shape = crate::shape::declared(&script.lua)
            .map_err(|e| crate::errors::script_error(&e, display))?;
        let classes: Vec<UserClassSpec> =
            script.classes.into_iter().filter(|c| !c.is_abstract).map(|c| c.spec).collect();
        if classes.is_empty() {
            return Err(ScriptError::NoUserClass(path));
        }
        Ok(LuaScenario { sources, limits, classes, debug: None, has_shape })
    }

    /// The classes that can run (not abstract), in the order the script declared them.
    pub fn classes(&self) -> &[UserClassSpec] {
        &self.classes
    }

    /// The (first) script's name in messages (its path as given).
    pub fn name(&self) -> &str {
        self.sources.first().map_or("", |s| s.display.as_str())
    }

    /// The (first) script's text as it was checked: what a master serves to `-f -` workers,
    /// so they run exactly what it validated even if the file changes on disk.
    pub fn source_text(&self) -> &str {
        self.sources.first().map_or("", |s| &*s.text)
    }

    /// How many scripts make up the scenario (`-f a.lua,b.lua` gives 2).
    pub fn file_count(&self) -> usize {
        self.sources.len()
    }

    /// Give every class weight 1 and every task that can run weight 1 (Locust's
    /// `--equal-weights`). A task of weight 0 stays at 0: Locust's task list never held it.
    pub fn set_equal_weights(&mut self) {
        for class in &mut self.classes {
            class.weight = 1;
            for task in &mut class.tasks {
                task.weight = task.weight.min(1);
            }
        }
    }

    /// The script's load shape, if it declares one: the script runs once more, in a state
    /// of its own on the calling thread, which ticks it from then on (the state cannot move
    /// to another thread). `options` become the shape's `self.environment.parsed_options`.
    pub fn load_shape(
        &self,
        options: &BTreeMap<String, OptionValue>,
    ) -> Result<Option<LuaShape>, ScriptError> {
        if !self.has_shape {
            return Ok(None);
        }
        let script = loader::load(&self.sources, &self.limits, None)?;
        LuaShape::pick(script, options, self.name())
    }

    pub fn limits(&self) -> &ScenarioLimits {
        &self.limits
    }

    /// Report every request and every error of user code to `hooks`, on every shard
    /// started from now on (`cicada --single-user`).
    pub fn set_debug_hooks(&mut self, hooks: DebugHooks) {
        self.debug = Some(hooks);
    }
}

impl Scenario for LuaScenario {
    fn classes(&self) -> &[UserClassSpec] {
        &self.classes
    }

    fn shard(&self, ctx: ShardContext) -> Result<Box<dyn ShardScenario>, ScenarioError> {
        Ok(Box::new(LuaShard::new(
            &self.sources,
            &self.limits,
            &self.classes,
            self.debug.as_ref(),
            ctx,
        )?))
    }
}
