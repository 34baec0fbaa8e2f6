//! A shard's half of the scenario: its own Lua state with the script loaded, the classes
//! resolved for running (task functions, hooks, client settings), and the lifecycle events.
//! Each shard behaves like one Locust worker process: its globals are its own.

use std::rc::Rc;

use cicada_engine::http::{ClientConfig, PoolMode};
use cicada_engine::{
    LocalFuture, ScenarioError, ShardContext, ShardScenario, UserBehavior, UserClassSpec,
    UserContext,
};
use cicada_proto::Message;
use mlua::{Function, Lua, Table, Value};

use crate::class::ClassDef;
use crate::client::{LuaClient, UserResponses};
use crate::debug::DebugHooks;
use crate::errors::root_message;
use crate::loader::{self, Script, SetSupport, Source};
use crate::shared::Shared;
use crate::taskset::UserHandle;
use crate::user::LuaUser;
use crate::ScenarioLimits;

/// What a shard's users share.
pub(crate) struct ShardState {
    pub(crate) lua: Lua,
    pub(crate) shared: Rc<Shared>,
    pub(crate) environment: Table,
    events: crate::events::Events,
    classes: Vec<Rc<ClassRuntime>>,
    /// `--single-user`'s hooks; `None` in normal runs.
    pub(crate) debug: Option<DebugHooks>,
    pub(crate) sets: SetSupport,
}

/// A user class as this shard runs it.
pub(crate) struct ClassRuntime {
    /// `{ __index = class }`, the metatable of every user of the class.
    instance_mt: Table,
    pub(crate) tasks: Vec<Function>,
    pub(crate) on_start: Option<Function>,
    pub(crate) on_stop: Option<Function>,
    pub(crate) wait_fn: Option<Function>,
    /// Some task runs a TaskSet.
    pub(crate) has_sets: bool,
    /// `None` for `cicada.User` classes, which have no client.
    http: Option<HttpSetup>,
}

struct HttpSetup {
    config: ClientConfig,
    pool: PoolMode,
    /// `--host`, else the class's `host`, without a trailing `/`.
    base: Option<Rc<str>>,
}

pub(crate) struct LuaShard {
    state: Rc<ShardState>,
}

impl LuaShard {
    /// Load the script on this shard and check it declares what validation saw.
    pub(crate) fn new(
        sources: &[Source],
        limits: &ScenarioLimits,
        expected: &[UserClassSpec],
        debug: Option<&DebugHooks>,
        ctx: ShardContext,
    ) -> Result<LuaShard, ScenarioError> {
        let Script { lua, shared, events, environment, classes, sets } =
            loader::load(sources, limits, Some(ctx.clone()))
                .map_err(|e| ScenarioError(e.to_string()))?;
        let runnable: Vec<&ClassDef> = classes.iter().filter(|c| !c.is_abstract).collect();
        let same = runnable.len() == expected.len()
            && runnable.iter().zip(expected).all(|(def, spec)| {
                def.spec.name == spec.name && def.spec.tasks.len() == spec.tasks.len()
            });
        if !same {
            return Err(ScenarioError(format!(
                "{}: the script declared other user classes or tasks on shard {} than when it \
                 was checked; declare them the same way every time it runs",
                sources.iter().map(|s| s.display.as_str()).collect::<Vec<_>>().join(","),
                ctx.index()
            )));
        }
        events
            .fire_init(&shared, &environment)
            .map_err(|e| ScenarioError(format!("an init event listener failed: {e}")))?;
        if let Some(hooks) = debug {
            crate::debug::install(&lua, &shared, hooks)
                .map_err(|e| ScenarioError(root_message(&e)))?;
        }
        let classes = runnable
            .into_iter()
            .map(|def| runtime(&lua, def, &ctx).map(Rc::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(LuaShard {
            state: Rc::new(ShardState {
                lua,
                shared,
                environment,
                events,
                classes,
                debug: debug.cloned(),
                sets,
            }),
        })
    }
}

fn runtime(lua: &Lua, def: &ClassDef, ctx: &ShardContext) -> Result<ClassRuntime, ScenarioError> {
    let lua_err = |e: mlua::Error| ScenarioError(format!("{}: {}", def.location, root_message(&e)));
    let hook = |name: &str| -> Result<Option<Function>, ScenarioError> {
        match def.class.get::<Value>(name).map_err(lua_err)? {
            Value::Nil => Ok(None),
            Value::Function(f) => Ok(Some(f)),
            other => Err(ScenarioError(format!(
                "{}: {}.{name} must be a function, got a {}",
                def.location,
                def.spec.name,
                other.type_name()
            ))),
        }
    };
    let instance_mt = lua.create_table().map_err(lua_err)?;
    instance_mt.set("__index", &def.class).map_err(lua_err)?;
    let http = def.http.then(|| HttpSetup {
        config: def.client.config.clone(),
        pool: def.client.pool,
        base: ctx.host().or(def.spec.host.as_deref()).map(|h| Rc::from(h.trim_end_matches('/'))),
    });
    Ok(ClassRuntime {
        instance_mt,
        tasks: def.task_fns.clone(),
        on_start: hook("on_start")?,
        on_stop: hook("on_stop")?,
        wait_fn: def.wait_fn.clone(),
        has_sets: def.has_sets,
        http,
    })
}

impl ShardScenario for LuaShard {
    fn new_user(
        &self,
        class: usize,
        ctx: UserContext,
    ) -> Result<Box<dyn UserBehavior>, ScenarioError> {
        let Some(rt) = self.state.classes.get(class) else {
            return Err(ScenarioError(format!("no user class number {class}")));
        };
        let lua = &self.state.lua;
        let make = || -> mlua::Result<LuaUser> {
            let object = lua.create_table_with_capacity(0, 2)?;
            object.set_metatable(Some(rt.instance_mt.clone()))?;
            let mut responses = None;
            if let Some(http) = &rt.http {
                let user_responses = Rc::new(UserResponses::default());
                let client = ctx.shard().http_client(http.config.clone(), http.pool, class);
                object.raw_set(
                    "client",
                    LuaClient::new(client, http.base.clone(), Rc::clone(&user_responses)),
                )?;
                responses = Some(user_responses);
            }
            object.raw_set("environment", &self.state.environment)?;
            if rt.has_sets {
                let on_error = self.state.debug.as_ref().map(|d| d.on_error.clone());
                object
                    .raw_set(&self.state.sets.handle_key, UserHandle::new(ctx.clone(), on_error))?;
            }
            Ok(LuaUser {
                shard: Rc::clone(&self.state),
                class: Rc::clone(rt),
                object: lua.create_registry_value(object)?,
                responses,
                reschedule_now: Rc::default(),
            })
        };
        match make() {
            Ok(user) => Ok(Box::new(user)),
            Err(e) => Err(ScenarioError(root_message(&e))),
        }
    }

    fn maintenance(&self) {
        crate::gc::step(&self.state.lua, &self.state.shared);
    }

    fn test_start(&self) -> LocalFuture<'_, ()> {
        let state = &self.state;
        Box::pin(state.events.fire_test_start(&state.shared, &state.environment))
    }

    fn test_stop(&self) -> LocalFuture<'_, ()> {
        let state = &self.state;
        Box::pin(state.events.fire_test_stop(&state.shared, &state.environment))
    }

    fn quitting(&self) {
        let state = &self.state;
        state.events.fire_quitting(&state.shared, &state.environment);
    }

    fn message(&self, msg: &Message) -> LocalFuture<'static, ()> {
        let state = &self.state;
        crate::messages::handle(&state.lua, &state.shared, &state.environment, msg)
    }
}
