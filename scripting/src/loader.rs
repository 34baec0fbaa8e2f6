//! Building a Lua state for a script: the standard library (minus `os.exit`/`os.execute`),
//! the runaway guard, the coroutine and `pcall` wrappers, the `cicada` module, then the
//! script itself and what it declared.
//!
//! The same function builds the state that validates a script on the main thread (no
//! shard: nothing can sleep or send) and each shard's state, so both see exactly the same
//! script. The order of the steps matters and is explained where it does.

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use cicada_engine::ShardContext;
use mlua::{Lua, LuaOptions, StdLib, Table};

use crate::class::{self, ClassDef};
use crate::errors::{script_error, ScriptError};
use crate::events::Events;
use crate::guard::{self, Guard};
use crate::shared::Shared;
use crate::ScenarioLimits;

/// Coroutines mlua keeps for reuse by task calls (each ~1 KB); more are made as needed.
const THREAD_POOL: usize = 256;

/// A script's source and how to name it in messages.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// The path as the user gave it (`locustfile.lua`): errors read `locustfile.lua:3: ...`.
    pub(crate) display: String,
    pub(crate) text: Arc<str>,
    /// The script's directory, searched first by `require` (see [`search_first`]).
    pub(crate) dir: Option<PathBuf>,
}

/// A loaded script: its state and what it declared.
pub(crate) struct Script {
    pub(crate) lua: Lua,
    pub(crate) shared: Rc<Shared>,
    pub(crate) events: Events,
    pub(crate) environment: Table,
    pub(crate) classes: Vec<ClassDef>,
    /// What users of classes with TaskSets need (see `class::ClassSystem`).
    pub(crate) sets: SetSupport,
}

pub(crate) struct SetSupport {
    pub(crate) finish: mlua::Function,
    pub(crate) handle_key: Table,
}

/// Build a state and run `sources` in it, in order (several with `-f a.lua,b.lua`, as Locust
/// imports each locustfile into one process). `ctx` is the shard, or `None` to validate.
pub(crate) fn load(
    sources: &[Source],
    limits: &ScenarioLimits,
    ctx: Option<ShardContext>,
) -> Result<Script, ScriptError> {
    let setup_error = |e: mlua::Error| {
        ScriptError::Runtime(format!(
            "cannot set up the Lua state: {}",
            crate::errors::root_message(&e)
        ))
    };
    let lua = Lua::new_with(StdLib::ALL_SAFE, LuaOptions::new().thread_pool_size(THREAD_POOL))
        .map_err(setup_error)?;
    crate::gc::configure(&lua);
    let guard = Guard::new(limits.runaway_after);
    let (shared, classes, events, environment) =
        prepare(&lua, limits, guard, ctx).map_err(setup_error)?;

    for source in sources {
        if let Some(dir) = &source.dir {
            search_first(&lua, dir).map_err(setup_error)?;
        }
        shared.guard.enter("script");
        lua.load(&*source.text)
            .set_name(format!("@{}", source.display))
            .exec()
            .map_err(|e| script_error(&e, &source.display))?;
    }
    let sets =
        SetSupport { finish: classes.finish.clone(), handle_key: classes.handle_key.clone() };
    let display = sources.first().map_or("", |s| s.display.as_str());
    let classes = classes.collect(display)?;
    Ok(Script { lua, shared, events, environment, classes, sets })
}

/// Put `dir` first on `package.path`, so `require("helpers")` finds `dir/helpers.lua` and
/// `require("lib.util")` finds `dir/lib/util.lua` (Lua turns the dots into separators), as
/// Python finds modules beside a locustfile. Each file's directory is added before it runs,
/// like Locust's `sys.path.insert(0, directory)` per locustfile, so the last file's comes
/// first. Loaded modules are cached in `package.loaded`: two files requiring one module share
/// it, as Python's imports do.
fn search_first(lua: &Lua, dir: &Path) -> mlua::Result<()> {
    let package: Table = lua.globals().get("package")?;
    let path: String = package.get("path")?;
    // A file given without a directory: `?.lua` is relative to the working directory, which
    // is its directory, and keeps messages short (`helpers.lua:3`, not `./helpers.lua:3`).
    let prefix = match dir.to_str() {
        Some("" | ".") => String::new(),
        _ => format!("{}/", dir.display()),
    };
    package.set("path", format!("{prefix}?.lua;{prefix}?/init.lua;{path}"))
}

fn prepare(
    lua: &Lua,
    limits: &ScenarioLimits,
    guard: Rc<Guard>,
    ctx: Option<ShardContext>,
) -> mlua::Result<(Rc<Shared>, class::ClassSystem, Events, Table)> {
    // First the hook: coroutines inherit it when they are created.
    if !limits.runaway_after.is_zero() {
        guard::install_hook(lua, &guard)?;
    }
    let stop = crate::module::sentinel(lua, "StopUser")?;
    let quit = crate::module::sentinel(lua, "Quit")?;
    let control = crate::taskset::control(lua)?;
    // The trampoline needs the raw xpcall, before the guard wraps it.
    let trampoline = crate::task::create_trampoline(lua, &stop, &quit, &control.codes)?;
    let on_shard = ctx.is_some();
    let shared = Shared::new(ctx, Rc::clone(&guard), trampoline, stop, quit);
    let tripped = guard::wrap_pcall(lua, &guard)?;
    // Async functions capture `coroutine.yield` when made: make them before it is wrapped.
    let sleep = crate::sleep::create(lua, on_shard)?;
    crate::client::install(lua, &shared)?;
    crate::yield_fix::install(lua, sleep.clone(), tripped.clone())?;
    crate::response::install(lua)?;
    restrict_os(lua)?;
    let debug = lua.create_table()?;
    debug.set("traceback", crate::task::create_traceback(lua)?)?;
    lua.globals().set("debug", debug)?;
    let classes = class::install(lua, &shared, &control, tripped)?;
    let events = crate::module::register(lua, &shared, &classes, sleep)?;
    let environment = crate::environment::create(lua, &shared)?;
    Ok((shared, classes, events, environment))
}

/// `os.exit` would end the whole process from one user; `os.execute` would block a shard.
fn restrict_os(lua: &Lua) -> mlua::Result<()> {
    lua.load(
        "local error = error\n\
         os.exit = function() error('os.exit is disabled in cicada scripts: call \
         self.environment.runner:quit() to end the run', 2) end\n\
         os.execute = function() error('os.execute is disabled in cicada scripts \
         (it would block every user of the shard)', 2) end",
    )
    .set_name("=[cicada]")
    .exec()
}
