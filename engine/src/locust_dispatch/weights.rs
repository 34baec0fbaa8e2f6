//! Which class the next user belongs to: fixed-count classes first, then the weighted classes
//! interleaved by Locust's KL-divergence round-robin.

use std::cmp::Ordering;
use std::sync::Arc;

use super::{Assignment, UserClass};

/// Locust's `_kl_generator`: an endless, deterministic interleave of names by weight.
///
/// Each name holds `(divergence gain, times chosen + weight + 1, weight, name)`; the smallest
/// tuple is chosen next. The tuple order, the name last, is what makes ties come out as in
/// Locust, so it is kept whole rather than reduced to a score.
#[derive(Debug, Clone)]
pub(super) struct KlInterleave {
    entries: Vec<KlEntry>,
}

#[derive(Debug, Clone)]
struct KlEntry {
    gain: f64,
    n: f64,
    weight: f64,
    name: Arc<str>,
}

impl KlEntry {
    fn cmp(&self, other: &KlEntry) -> Ordering {
        // The gains are finite and negative (weights are > 0), so total_cmp orders them as
        // Python's float comparison does.
        self.gain
            .total_cmp(&other.gain)
            .then(self.n.total_cmp(&other.n))
            .then(self.weight.total_cmp(&other.weight))
            .then_with(|| self.name.cmp(&other.name))
    }
}

impl KlInterleave {
    /// Names with a weight of 0 never come out; with none left, [`next`](Self::next) is `None`.
    pub(super) fn new(weights: impl IntoIterator<Item = (Arc<str>, f64)>) -> Self {
        let entries = weights
            .into_iter()
            .filter(|(_, w)| *w > 0.0)
            .map(|(name, w)| KlEntry {
                gain: w * (w / (w + 1.0)).log2(),
                n: w + 1.0,
                weight: w,
                name,
            })
            .collect();
        KlInterleave { entries }
    }

    /// The next name. A linear scan: there are a handful of classes, and the minimum is the
    /// same one a binary heap would surface.
    pub(super) fn next(&mut self) -> Option<Arc<str>> {
        let best = self.entries.iter_mut().min_by(|a, b| a.cmp(b))?;
        let name = best.name.clone();
        best.gain = best.weight * (best.n / (best.n + 1.0)).log2();
        best.n += 1.0;
        Some(name)
    }
}

/// Locust's `_user_gen`: the class of each user the dispatcher adds, in order.
///
/// The weighted interleave is built once, from the classes in play when the stream is made,
/// and carries on across dispatch cycles. Before a weighted name, when the dispatcher's
/// "try fixed" flag is up, the stream first deals the users that fixed-count classes are
/// missing *at that moment*; a half-dealt batch is finished before anything else.
#[derive(Debug, Clone)]
pub(super) struct UserStream {
    weighted: KlInterleave,
    fixed: Option<(KlInterleave, u64)>,
}

impl UserStream {
    pub(super) fn new(classes: &[UserClass]) -> Self {
        let weighted = classes
            .iter()
            .filter(|c| c.fixed_count == 0)
            .map(|c| (Arc::from(c.name.as_str()), f64::from(c.weight)));
        UserStream { weighted: KlInterleave::new(weighted), fixed: None }
    }

    /// The next user's class, or `None` when no class can take more users (only fixed-count
    /// classes, all full, or every weight 0). `try_fixed` is cleared when read, as in Locust;
    /// `classes` and `users` are the dispatcher's classes in play and current assignment.
    pub(super) fn next(
        &mut self,
        try_fixed: &mut bool,
        classes: &[UserClass],
        users: &Assignment,
    ) -> Option<Arc<str>> {
        loop {
            if let Some((batch, left)) = &mut self.fixed {
                if *left > 0 {
                    *left -= 1;
                    return batch.next();
                }
                self.fixed = None;
            }
            if !*try_fixed {
                return self.weighted.next();
            }
            *try_fixed = false;
            let missing: Vec<(Arc<str>, u64)> = classes
                .iter()
                .filter(|c| c.fixed_count > 0)
                .filter_map(|c| {
                    let miss = u64::from(c.fixed_count).saturating_sub(class_total(users, &c.name));
                    (miss > 0).then(|| (Arc::from(c.name.as_str()), miss))
                })
                .collect();
            let total = missing.iter().map(|(_, m)| m).sum();
            // Counts this size are exact in f64, as Python's ints are in its floats.
            let batch = KlInterleave::new(missing.into_iter().map(|(n, m)| (n, m as f64)));
            self.fixed = Some((batch, total));
        }
    }
}

/// How many users of `class` the assignment runs over all workers.
pub(super) fn class_total(users: &Assignment, class: &str) -> u64 {
    users.values().filter_map(|classes| classes.get(class)).sum()
}
