//! What a scenario sees of the engine: the shard it runs on and, per virtual user, its HTTP
//! client, its stats recorder and its stop state.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use cicada_proto::Message;

use crate::config::OptionValue;
use crate::custom_message::{MessageHub, SendMessageError};
use crate::http::{ClientConfig, HttpClient, HttpShard, PoolMode};
use crate::signal::QuitHandle;
use crate::stats::{RequestRecord, ShardStats};

/// Everything one shard offers its scenario. Cheap to clone.
#[derive(Clone)]
pub struct ShardContext {
    pub(crate) inner: Rc<ShardShared>,
}

pub(crate) struct ShardShared {
    pub(crate) index: usize,
    pub(crate) count: usize,
    pub(crate) host: Option<String>,
    pub(crate) options: Arc<BTreeMap<String, OptionValue>>,
    pub(crate) stats: RefCell<ShardStats>,
    pub(crate) http: Rc<HttpShard>,
    pub(crate) quit: QuitHandle,
    pub(crate) messages: Arc<MessageHub>,
}

impl ShardContext {
    /// This shard's number, from 0.
    pub fn index(&self) -> usize {
        self.inner.index
    }

    /// How many shards the run has.
    pub fn count(&self) -> usize {
        self.inner.count
    }

    /// The `--host` of the run, if any.
    pub fn host(&self) -> Option<&str> {
        self.inner.host.as_deref()
    }

    /// The run's parsed options (Locust's `environment.parsed_options`), by `dest` name.
    pub fn options(&self) -> &BTreeMap<String, OptionValue> {
        &self.inner.options
    }

    /// Count one request (or any timed action) in this shard's stats.
    pub fn record(&self, record: RequestRecord<'_>) {
        self.inner.stats.borrow_mut().record(record);
    }

    /// Count an error raised by user code (the exceptions table).
    pub fn record_exception(&self, message: &str, traceback: &str) {
        self.inner.stats.borrow_mut().record_exception(message, traceback);
    }

    /// Ask the whole run to stop (Locust's `environment.runner.quit()`).
    pub fn quit(&self) {
        self.inner.quit.request();
    }

    /// Send a custom message (Locust's `runner.send_message`): to the master from a worker,
    /// else to this run's own handlers on every shard. The envelope's node id is the role's
    /// to fill (a worker puts its own id; a local run `"local"`).
    pub fn send_message(&self, msg: Message) -> Result<(), SendMessageError> {
        self.inner.messages.send(msg)
    }

    /// The scenario on this shard handles custom messages of type `kind` (Locust's
    /// `runner.register_message`); messages of types no shard registered are logged as unknown.
    pub fn register_message(&self, kind: &str) {
        self.inner.messages.register(kind);
    }

    /// A new HTTP client on this shard's connection state.
    pub fn http_client(&self, config: ClientConfig, pool: PoolMode, class: usize) -> HttpClient {
        HttpClient::new(&self.inner.http, config, pool, class)
    }
}

/// One virtual user's view of the engine. Cheap to clone.
#[derive(Clone)]
pub struct UserContext {
    pub(crate) shard: ShardContext,
    pub(crate) class: usize,
    pub(crate) user_id: u64,
    pub(crate) stopping: Rc<crate::signal::StopSignal>,
}

impl UserContext {
    pub fn shard(&self) -> &ShardContext {
        &self.shard
    }

    /// The index of this user's class in the scenario's class list.
    pub fn class(&self) -> usize {
        self.class
    }

    /// A number unique to this user within the run.
    pub fn user_id(&self) -> u64 {
        self.user_id
    }

    /// True once the engine has asked this user to stop (it may still finish its task).
    pub fn is_stopping(&self) -> bool {
        self.stopping.is_requested()
    }

    /// Resolves once the engine has asked this user to stop: a wait inside a task (a
    /// TaskSet's wait between its tasks) ends there, as the engine's own wait does.
    pub async fn stop_requested(&self) {
        self.stopping.requested().await
    }

    /// Count one request in this shard's stats.
    pub fn record(&self, record: RequestRecord<'_>) {
        self.shard.record(record);
    }

    /// Sleep without blocking the shard.
    pub async fn sleep(&self, duration: Duration) {
        crate::runtime::sleep(duration).await;
    }
}
