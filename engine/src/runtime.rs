//! The one place that names the async runtime. Every shard runs a monoio FusionDriver
//! runtime: io_uring where the kernel allows it, epoll otherwise (and when the environment
//! sets `MONOIO_FORCE_LEGACY_DRIVER=1`).

use std::future::Future;
use std::time::Duration;

pub(crate) use monoio::task::JoinHandle;

/// Build a shard's runtime and run `fut` on it to completion.
pub(crate) fn block_on<F: Future>(fut: F) -> std::io::Result<F::Output> {
    let mut rt = monoio::RuntimeBuilder::<monoio::FusionDriver>::new()
        .enable_timer()
        .with_entries(4096)
        .build()?;
    Ok(rt.block_on(fut))
}

/// Run `fut` as its own task on the current shard.
pub(crate) fn spawn<F>(fut: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    monoio::spawn(fut)
}

/// Sleep without blocking the shard. Goes through the timer, so it always lets other tasks
/// run, even for a zero duration.
pub async fn sleep(duration: Duration) {
    monoio::time::sleep(duration).await;
}

/// Let every other task of the shard run, and the driver collect I/O, before continuing.
/// A self-wake would not do: monoio polls a task that woke itself again before anything
/// else. A timer in the future always parks the task.
pub(crate) async fn yield_to_loop() {
    monoio::time::sleep(Duration::from_millis(1)).await;
}

/// True when this process's shards run on io_uring rather than the epoll fallback.
pub fn uses_io_uring() -> bool {
    monoio::utils::detect_uring()
}
