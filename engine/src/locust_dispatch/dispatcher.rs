//! [`UsersDispatcher`]: the state of Locust's dispatcher and its resumable dispatch cycle.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::ramp::Pacing;
use super::weights::UserStream;
use super::workers::{sort_workers, WorkerCycle};
use super::{Assignment, DispatchError, Step, UserClass};

/// Assigns users to workers exactly as Locust 2.47's master does. See the [module
/// docs](super) for the model and a usage example.
///
/// The state mirrors Locust's (user stream, worker cycle and the stack of users in the order
/// they were added all carry over from one dispatch cycle to the next), because that is
/// what makes a second ramp or a ramp-down land on the same workers as under Locust.
#[derive(Debug, Clone)]
pub struct UsersDispatcher {
    /// Every class, sorted by name: the columns of every assignment.
    all_classes: Vec<UserClass>,
    /// The classes new users are drawn from (a subset picked by a UI or shape), sorted.
    classes: Vec<UserClass>,
    workers: Vec<Arc<str>>,
    users: Assignment,
    /// The assignment when the cycle began, re-sent when there is nothing to change.
    initial: Assignment,
    /// Users dispatched so far; like Locust's counter it is kept apart from `users`.
    current: u64,
    target: u64,
    pacing: Pacing,
    stream: UserStream,
    cycle: WorkerCycle,
    /// (worker, class) of every user, oldest first: a ramp-down pops the newest.
    active: Vec<(Arc<str>, Arc<str>)>,
    phase: Phase,
    in_progress: bool,
    rebalance: bool,
    try_fixed: bool,
    no_user_to_spawn: bool,
}

/// Where a dispatch cycle resumes: the points at which Locust's generator yields, so a
/// worker added or removed between two calls is seen at the same point as in Locust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Start,
    AfterOpeningRebalance,
    CheckUnchanged,
    AfterUnchanged,
    AddLoop,
    AfterAdd,
    AfterAddRebalance,
    AddEnd,
    RemoveLoop,
    AfterRemove,
    AfterRemoveRebalance,
    RemoveEnd,
}

impl UsersDispatcher {
    /// A dispatcher over `workers` (ids as the workers send them, in any order) and
    /// `classes`. It assigns nothing until [`new_dispatch`](Self::new_dispatch).
    pub fn new<S: AsRef<str>>(workers: &[S], classes: &[UserClass]) -> Result<Self, DispatchError> {
        if workers.is_empty() {
            return Err(DispatchError::NoWorkers);
        }
        if classes.is_empty() {
            return Err(DispatchError::NoClasses);
        }
        let mut all_classes = classes.to_vec();
        all_classes.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(pair) = all_classes.windows(2).find(|p| p[0].name == p[1].name) {
            return Err(DispatchError::DuplicateClass(pair[0].name.clone()));
        }
        let ids: Vec<Arc<str>> = workers.iter().map(|w| Arc::from(w.as_ref())).collect();
        let workers = sort_workers(&ids);
        let users = zeros(&workers, &all_classes);
        Ok(UsersDispatcher {
            stream: UserStream::new(&all_classes),
            cycle: WorkerCycle::new(workers.clone()),
            classes: all_classes.clone(),
            all_classes,
            workers,
            initial: users.clone(),
            users,
            current: 0,
            target: 0,
            pacing: Pacing { per_iteration: 1, period: Duration::ZERO },
            active: Vec::new(),
            phase: Phase::Idle,
            in_progress: false,
            rebalance: false,
            try_fixed: true,
            no_user_to_spawn: false,
        })
    }

    /// Starts a dispatch cycle toward `target` users at `spawn_rate` users/s in total,
    /// abandoning any cycle under way (as a new `start()` of a Locust master does).
    pub fn new_dispatch(&mut self, target: u64, spawn_rate: f64) -> Result<(), DispatchError> {
        let pacing = Pacing::new(spawn_rate)?;
        self.begin(target, pacing);
        Ok(())
    }

    /// [`new_dispatch`](Self::new_dispatch), drawing new users only from `classes` (a class
    /// picker or load shape choosing classes). Users of other classes stay until ramped down.
    /// The subset sticks for later cycles; a subset unlike the last one restarts the weighted
    /// interleave.
    pub fn new_dispatch_for(
        &mut self,
        target: u64,
        spawn_rate: f64,
        classes: &[&str],
    ) -> Result<(), DispatchError> {
        let pacing = Pacing::new(spawn_rate)?;
        let mut picked = Vec::with_capacity(classes.len());
        for &name in classes {
            let class = self.all_classes.iter().find(|c| c.name == name);
            picked.push(class.ok_or_else(|| DispatchError::UnknownClass(name.to_owned()))?.clone());
        }
        picked.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(pair) = picked.windows(2).find(|p| p[0].name == p[1].name) {
            return Err(DispatchError::DuplicateClass(pair[0].name.clone()));
        }
        if picked != self.classes {
            self.stream = UserStream::new(&picked);
            self.classes = picked;
        }
        self.begin(target, pacing);
        Ok(())
    }

    fn begin(&mut self, target: u64, pacing: Pacing) {
        self.target = target;
        self.pacing = pacing;
        self.initial = self.users.clone();
        self.current = self.current_user_count();
        self.phase = Phase::Start;
    }

    /// A worker joined: re-deal the current users over the new set of workers. The next
    /// step of the cycle (or of the next cycle) sends the re-dealt assignment at once.
    pub fn add_worker(&mut self, id: &str) {
        self.workers.push(Arc::from(id));
        self.workers = sort_workers(&self.workers);
        self.rebalance_users();
    }

    /// A worker left: re-deal the current users over the others. Like Locust, the remaining
    /// order is kept as it was (not re-sorted), and removing the last worker changes nothing,
    /// since a master with no workers stops the test instead.
    pub fn remove_worker(&mut self, id: &str) {
        self.workers.retain(|w| &**w != id);
        if !self.workers.is_empty() {
            self.rebalance_users();
        }
    }

    /// Locust's `_prepare_rebalance`: an instant ramp from 0 to the current count over the
    /// workers, with a fresh stream and cycle that the following steps carry on from. Where
    /// users run now is ignored; only how many there are matters.
    fn rebalance_users(&mut self) {
        // The stream counts fixed-count users still missing against `self.users`; zeroing
        // it first makes the re-deal start every fixed class from nothing.
        self.users = zeros(&self.workers, &self.all_classes);
        self.try_fixed = true;
        let mut stream = UserStream::new(&self.classes);
        let mut cycle = WorkerCycle::new(self.workers.clone());
        let mut users = self.users.clone();
        let mut active = Vec::new();
        while (active.len() as u64) < self.current {
            let Some(class) = stream.next(&mut self.try_fixed, &self.classes, &self.users) else {
                break;
            };
            let Some(worker) = cycle.next() else { break };
            add_user(&mut users, &worker, &class);
            active.push((worker, class));
        }
        self.users = users;
        self.active = active;
        self.stream = stream;
        self.cycle = cycle;
        self.rebalance = true;
    }

    /// Users in the current assignment, over all workers and classes.
    pub fn current_user_count(&self) -> u64 {
        self.users.values().flat_map(|classes| classes.values()).sum()
    }

    /// The target of the latest dispatch cycle.
    pub fn target_user_count(&self) -> u64 {
        self.target
    }

    /// The assignment as of the last step.
    pub fn assignment(&self) -> &Assignment {
        &self.users
    }

    /// The workers in dealing order.
    pub fn workers(&self) -> impl Iterator<Item = &str> + '_ {
        self.workers.iter().map(|w| &**w)
    }

    /// Users added or removed per iteration in the latest cycle.
    pub fn users_per_iteration(&self) -> u64 {
        self.pacing.per_iteration
    }

    /// True from the first step of a cycle until its last. Locust's master re-dispatches on
    /// worker churn only when this is false. Kept exactly, quirk included: a cycle that only
    /// re-sends a rebalanced assignment (the count already at target) leaves it true.
    pub fn dispatch_in_progress(&self) -> bool {
        self.in_progress
    }

    /// Adds users until this iteration's goal or the target; flags when the stream runs dry.
    fn add_users(&mut self) {
        let goal = self.current.saturating_add(self.pacing.per_iteration).min(self.target);
        loop {
            // The class is drawn before the worker: a dry stream must not advance the cycle.
            let Some(class) = self.stream.next(&mut self.try_fixed, &self.classes, &self.users)
            else {
                self.no_user_to_spawn = true;
                break;
            };
            let Some(worker) = self.cycle.next() else {
                // Unreachable: the cycle is only ever built over at least one worker.
                self.no_user_to_spawn = true;
                break;
            };
            add_user(&mut self.users, &worker, &class);
            self.active.push((worker, class));
            self.current += 1;
            if self.current >= goal {
                break;
            }
        }
    }

    /// Removes the newest users until this iteration's goal or the target. Returns false if
    /// there was no user left to remove.
    fn remove_users(&mut self) -> bool {
        let goal = self.current.saturating_sub(self.pacing.per_iteration).max(self.target);
        let mut removed = false;
        while let Some((worker, class)) = self.active.pop() {
            if let Some(n) = self.users.get_mut(&*worker).and_then(|c| c.get_mut(&*class)) {
                *n = n.saturating_sub(1);
            }
            removed = true;
            self.current -= 1;
            // A removed user may belong to a fixed-count class: re-check them before the
            // next user is added.
            self.try_fixed = true;
            if self.current == 0 || self.current <= goal {
                break;
            }
        }
        removed
    }

    fn spawn(&mut self, resume: Phase) -> Option<Step> {
        self.phase = resume;
        Some(Step::Spawn(self.users.clone()))
    }

    /// The end of an iteration: a pause unless the target is reached (no pause after the
    /// last iteration).
    fn end_iteration(&mut self, resume: Phase) -> Option<Step> {
        self.phase = resume;
        (self.current != self.target).then_some(Step::Pause(self.pacing.period))
    }

    fn finish(&mut self) -> Option<Step> {
        self.in_progress = false;
        self.phase = Phase::Idle;
        None
    }
}

impl Iterator for UsersDispatcher {
    type Item = Step;

    /// The next step of the cycle. Mirrors the control flow of Locust's `_dispatcher`
    /// generator; each arm is one stretch of it between two yields.
    fn next(&mut self) -> Option<Step> {
        loop {
            match self.phase {
                Phase::Idle => return None,
                Phase::Start => {
                    self.in_progress = true;
                    if self.rebalance {
                        self.rebalance = false;
                        return self.spawn(Phase::AfterOpeningRebalance);
                    }
                    self.phase = Phase::CheckUnchanged;
                }
                Phase::AfterOpeningRebalance => {
                    if self.current == self.target {
                        // Locust returns here without clearing `dispatch_in_progress`.
                        self.phase = Phase::Idle;
                        return None;
                    }
                    self.phase = Phase::CheckUnchanged;
                }
                Phase::CheckUnchanged => {
                    if self.current == self.target {
                        // Nothing to change: re-send the assignment so every worker
                        // hears the (same) targets again.
                        self.phase = Phase::AfterUnchanged;
                        return Some(Step::Spawn(self.initial.clone()));
                    }
                    self.phase = Phase::AddLoop;
                }
                Phase::AfterUnchanged => return self.finish(),
                Phase::AddLoop => {
                    if self.current < self.target {
                        self.add_users();
                        return self.spawn(Phase::AfterAdd);
                    }
                    self.phase = Phase::RemoveLoop;
                }
                Phase::AfterAdd | Phase::AfterRemove if self.rebalance => {
                    self.rebalance = false;
                    let resume = match self.phase {
                        Phase::AfterAdd => Phase::AfterAddRebalance,
                        _ => Phase::AfterRemoveRebalance,
                    };
                    return self.spawn(resume);
                }
                Phase::AfterAdd | Phase::AfterAddRebalance => self.phase = Phase::AddEnd,
                Phase::AddEnd => {
                    // With no class able to take a user, the ramp-up gives up (after the
                    // iteration's pause, as in Locust).
                    let resume = if self.no_user_to_spawn {
                        self.no_user_to_spawn = false;
                        Phase::RemoveLoop
                    } else {
                        Phase::AddLoop
                    };
                    if let Some(pause) = self.end_iteration(resume) {
                        return Some(pause);
                    }
                }
                Phase::RemoveLoop => {
                    // With nobody left to remove the cycle ends. Locust instead loops
                    // forever re-sending the map; that needs its counter above the users
                    // it tracks, which only a re-deal that ran out of classes leaves.
                    if self.current > self.target && self.remove_users() {
                        return self.spawn(Phase::AfterRemove);
                    }
                    return self.finish();
                }
                Phase::AfterRemove | Phase::AfterRemoveRebalance => self.phase = Phase::RemoveEnd,
                Phase::RemoveEnd => {
                    if let Some(pause) = self.end_iteration(Phase::RemoveLoop) {
                        return Some(pause);
                    }
                }
            }
        }
    }
}

/// Every worker with every class at 0.
fn zeros(workers: &[Arc<str>], classes: &[UserClass]) -> Assignment {
    let row: BTreeMap<String, u64> = classes.iter().map(|c| (c.name.clone(), 0)).collect();
    workers.iter().map(|w| (w.to_string(), row.clone())).collect()
}

fn add_user(users: &mut Assignment, worker: &str, class: &str) {
    let row = match users.get_mut(worker) {
        Some(row) => row,
        None => users.entry(worker.to_owned()).or_default(),
    };
    match row.get_mut(class) {
        Some(n) => *n += 1,
        None => {
            row.insert(class.to_owned(), 1);
        }
    }
}
