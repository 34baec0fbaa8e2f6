//! Counts per Unix second, kept sorted. Recording appends to the tail (time only moves
//! forward on a shard), so the hot path is a compare and an increment.

use std::ops::AddAssign;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PerSecond(Vec<(u64, u64)>);

impl PerSecond {
    pub(crate) fn add(&mut self, second: u64, count: u64) {
        match self.0.last_mut() {
            Some((s, c)) if *s == second => *c += count,
            Some((s, _)) if *s > second => match self.0.binary_search_by_key(&second, |e| e.0) {
                Ok(i) => self.0[i].1 += count,
                Err(i) => self.0.insert(i, (second, count)),
            },
            _ => self.0.push((second, count)),
        }
    }

    /// The count recorded for `second`, 0 if none.
    pub fn get(&self, second: u64) -> u64 {
        self.0.binary_search_by_key(&second, |e| e.0).map(|i| self.0[i].1).unwrap_or(0)
    }

    /// (second, count) pairs in time order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl AddAssign<&PerSecond> for PerSecond {
    fn add_assign(&mut self, other: &PerSecond) {
        for &(s, c) in &other.0 {
            self.add(s, c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PerSecond;

    #[test]
    fn merges_out_of_order_seconds() {
        let mut a = PerSecond::default();
        a.add(10, 1);
        a.add(10, 2);
        a.add(12, 1);
        let mut b = PerSecond::default();
        b.add(11, 5);
        b.add(12, 1);
        a += &b;
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![(10, 3), (11, 5), (12, 2)]);
        assert_eq!(a.get(13), 0);
    }
}
