//! Which class each user of a run belongs to, and which shard runs it.
//!
//! Users are numbered in the order they start: users of fixed-count classes first (until each
//! class has its count, as Locust does), then the weighted classes interleaved by smooth
//! weighted round-robin, so any prefix of the order is as close to the weights as whole
//! users allow. User `i` runs on shard `i % shards`. Because the order never depends on the
//! target, ramping up adds users at the end and ramping down removes the last started.

/// The facts about a class that dispatch needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClassShare {
    /// Index in the scenario's class list.
    pub class: usize,
    pub weight: u32,
    pub fixed_count: Option<u32>,
}

/// The start order of a run's users, extended on demand.
#[derive(Debug)]
pub(crate) struct StartOrder {
    shares: Vec<ClassShare>,
    order: Vec<usize>,
    fixed_left: Vec<u32>,
    current_weight: Vec<i64>,
}

impl StartOrder {
    pub(crate) fn new(shares: Vec<ClassShare>) -> Self {
        let fixed_left = shares.iter().map(|s| s.fixed_count.unwrap_or(0)).collect();
        let current_weight = vec![0; shares.len()];
        StartOrder { shares, order: Vec::new(), fixed_left, current_weight }
    }

    /// The most users the classes can hold: unlimited with any weighted class, otherwise the
    /// sum of the fixed counts.
    pub(crate) fn capacity(&self) -> u64 {
        if self.shares.iter().any(|s| s.fixed_count.is_none() && s.weight > 0) {
            u64::MAX
        } else {
            self.shares.iter().filter_map(|s| s.fixed_count).map(u64::from).sum()
        }
    }

    /// The class of every user from 0 to `n` (exclusive), extending the order as needed.
    pub(crate) fn prefix(&mut self, n: usize) -> &[usize] {
        while self.order.len() < n {
            match self.next_class() {
                Some(c) => self.order.push(c),
                None => break,
            }
        }
        &self.order[..n.min(self.order.len())]
    }

    fn next_class(&mut self) -> Option<usize> {
        // Fixed-count classes take their users first, one each in turn.
        let fixed = (0..self.shares.len()).filter(|&i| self.fixed_left[i] > 0).min_by_key(|&i| {
            let s = &self.shares[i];
            s.fixed_count.unwrap_or(0) - self.fixed_left[i]
        });
        if let Some(i) = fixed {
            self.fixed_left[i] -= 1;
            return Some(self.shares[i].class);
        }
        // Smooth weighted round-robin over the weighted classes.
        let weighted: Vec<usize> = (0..self.shares.len())
            .filter(|&i| self.shares[i].fixed_count.is_none() && self.shares[i].weight > 0)
            .collect();
        let total: i64 = weighted.iter().map(|&i| i64::from(self.shares[i].weight)).sum();
        let mut best: Option<usize> = None;
        for &i in &weighted {
            self.current_weight[i] += i64::from(self.shares[i].weight);
            if best.is_none_or(|b| self.current_weight[i] > self.current_weight[b]) {
                best = Some(i);
            }
        }
        let b = best?;
        self.current_weight[b] -= total;
        Some(self.shares[b].class)
    }
}

/// Users per class on each shard, for the first `n` users of `order`.
pub(crate) fn shard_targets(order: &[usize], shards: usize, classes: usize) -> Vec<Vec<u32>> {
    let mut targets = vec![vec![0u32; classes]; shards];
    for (i, &class) in order.iter().enumerate() {
        targets[i % shards][class] += 1;
    }
    targets
}

/// Users per class on each shard for absolute per-class totals (what a master's `spawn`
/// asks for). Each class is spread evenly; its remainder goes to the shards from the class's
/// index on, so classes with one user each land on different shards, and raising or
/// lowering a total by one changes one shard only.
pub(crate) fn spread_class_totals(totals: &[u32], shards: usize) -> Vec<Vec<u32>> {
    let shards = shards.max(1);
    let mut targets = vec![vec![0u32; totals.len()]; shards];
    for (class, &n) in totals.iter().enumerate() {
        let (base, rem) = (n / shards as u32, n as usize % shards);
        for (s, t) in targets.iter_mut().enumerate() {
            let from_first = (s + shards - class % shards) % shards;
            t[class] = base + u32::from(from_first < rem);
        }
    }
    targets
}

/// Users per class over all shards.
pub(crate) fn class_counts(order: &[usize], classes: usize) -> Vec<u32> {
    let mut counts = vec![0u32; classes];
    for &class in order {
        counts[class] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(class: usize, weight: u32, fixed: Option<u32>) -> ClassShare {
        ClassShare { class, weight, fixed_count: fixed }
    }

    #[test]
    fn weights_split_users_in_proportion() {
        let mut o = StartOrder::new(vec![share(0, 3, None), share(1, 1, None)]);
        assert_eq!(class_counts(o.prefix(4), 2), vec![3, 1]);
        assert_eq!(class_counts(o.prefix(400), 2), vec![300, 100]);
        // Interleaved, not in blocks.
        assert!(o.prefix(4).contains(&1));
    }

    #[test]
    fn fixed_counts_come_first_and_are_capped() {
        let mut o = StartOrder::new(vec![share(0, 1, None), share(1, 1, Some(2))]);
        assert_eq!(&o.prefix(3)[..2], &[1, 1]);
        assert_eq!(class_counts(o.prefix(10), 2), vec![8, 2]);
        let mut only_fixed = StartOrder::new(vec![share(0, 1, Some(3))]);
        assert_eq!(only_fixed.capacity(), 3);
        assert_eq!(only_fixed.prefix(10).len(), 3);
    }

    #[test]
    fn class_totals_spread_evenly_and_change_one_shard_at_a_time() {
        assert_eq!(spread_class_totals(&[5, 1, 1], 2), vec![vec![3, 0, 1], vec![2, 1, 0]]);
        for shards in 1..5 {
            for n in 0..20u32 {
                let now = spread_class_totals(&[n, n], shards);
                let next = spread_class_totals(&[n + 1, n + 1], shards);
                for class in 0..2 {
                    let sum: u32 = now.iter().map(|t| t[class]).sum();
                    assert_eq!(sum, n);
                    let changed = (0..shards).filter(|&s| now[s][class] != next[s][class]);
                    assert_eq!(changed.count(), 1, "{shards} shards, {n} users");
                }
            }
        }
        assert_eq!(spread_class_totals(&[3], 0), vec![vec![3]]);
    }

    #[test]
    fn users_spread_round_robin_over_shards() {
        let order = vec![0, 0, 1, 0, 1];
        assert_eq!(shard_targets(&order, 2, 2), vec![vec![1, 2], vec![2, 0]]);
    }
}
