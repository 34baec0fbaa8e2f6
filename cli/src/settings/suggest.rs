//! "Did you mean '--headless'?": Python's `difflib.get_close_matches(word, options, n=1)`,
//! which Locust uses for an unrecognized argument, reproduced so the same typo gets the same
//! suggestion.

/// The closest candidate with a similarity ratio of at least 0.6, as difflib picks it: the
/// highest ratio, ties going to the greater string.
pub(super) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word: Vec<char> = word.chars().collect();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        let chars: Vec<char> = candidate.chars().collect();
        let score = ratio(&chars, &word);
        if score < 0.6 {
            continue;
        }
        let better = match best {
            None => true,
            Some((s, c)) => score > s || (score == s && candidate > c),
        };
        if better {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `SequenceMatcher(None, a, b).ratio()`: twice the matched characters over the total length.
fn ratio(a: &[char], b: &[char]) -> f64 {
    let total = a.len() + b.len();
    if total == 0 {
        return 1.0;
    }
    2.0 * matched(a, b) as f64 / total as f64
}

/// The characters in difflib's matching blocks: the longest common run, then the same on
/// each side of it, recursively (no junk heuristics apply to strings this short).
fn matched(a: &[char], b: &[char]) -> usize {
    let mut total = 0;
    let mut queue = vec![(0, a.len(), 0, b.len())];
    while let Some((alo, ahi, blo, bhi)) = queue.pop() {
        let (i, j, k) = longest_match(a, b, alo, ahi, blo, bhi);
        if k == 0 {
            continue;
        }
        total += k;
        if alo < i && blo < j {
            queue.push((alo, i, blo, j));
        }
        if i + k < ahi && j + k < bhi {
            queue.push((i + k, ahi, j + k, bhi));
        }
    }
    total
}

/// `find_longest_match`: the longest common run in `a[alo..ahi]` and `b[blo..bhi]`; of equal
/// runs, the one starting earliest in `a`, then earliest in `b`.
fn longest_match(
    a: &[char],
    b: &[char],
    alo: usize,
    ahi: usize,
    blo: usize,
    bhi: usize,
) -> (usize, usize, usize) {
    let (mut best_i, mut best_j, mut best_k) = (alo, blo, 0);
    // run[j + 1] = length of the common run ending at a[i - 1] and b[j].
    let mut run = vec![0usize; b.len() + 1];
    for (i, ca) in a.iter().enumerate().take(ahi).skip(alo) {
        let mut next = vec![0usize; b.len() + 1];
        for (j, cb) in b.iter().enumerate().take(bhi).skip(blo) {
            if ca == cb {
                let k = run[j] + 1;
                next[j + 1] = k;
                if k > best_k {
                    best_i = i + 1 - k;
                    best_j = j + 1 - k;
                    best_k = k;
                }
            }
        }
        run = next;
    }
    (best_i, best_j, best_k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_match_difflib() {
        // difflib.SequenceMatcher(None, "--headless", "--headlesss").ratio() == 0.9523809523809523
        let r = ratio(
            &"--headless".chars().collect::<Vec<_>>(),
            &"--headlesss".chars().collect::<Vec<_>>(),
        );
        assert!((r - 0.952_380_952_380_952_3).abs() < 1e-12);
        // difflib.SequenceMatcher(None, "abcd", "bcda").ratio() == 0.75
        let r = ratio(&['a', 'b', 'c', 'd'], &['b', 'c', 'd', 'a']);
        assert!((r - 0.75).abs() < 1e-12);
    }

    #[test]
    fn picks_like_get_close_matches() {
        let options = ["--headless", "--headful", "--help", "-h"];
        assert_eq!(closest("--headlesss", options), Some("--headless"));
        assert_eq!(closest("--zzzzzzzz", options), None);
    }
}
