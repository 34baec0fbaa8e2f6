//! `--list`, `--show-task-ratio` and `--show-task-ratio-json`: what a scenario holds, printed
//! as Locust prints it, without running anything.

use cicada_engine::UserClassSpec;
use serde_json::{json, Map, Value};

/// `--list`: `Available Users:` and one indented line per class.
pub(crate) fn list_classes(classes: &[&UserClassSpec]) -> String {
    let mut out = String::from("Available Users:\n");
    for c in classes {
        out.push_str("    ");
        out.push_str(&c.name);
        out.push('\n');
    }
    out
}

/// Share of the users each class gets for `num_users` (Locust's `_calc_distribution`):
/// fixed counts first, the rest split by weight and rounded.
fn user_shares(classes: &[&UserClassSpec], num_users: Option<u32>) -> Vec<f64> {
    let fixed: u64 = classes.iter().filter_map(|c| c.fixed_count).map(u64::from).sum();
    let total_weight: u64 =
        classes.iter().filter(|c| c.fixed_count.is_none()).map(|c| u64::from(c.weight)).sum();
    let num_users = num_users.map(u64::from).unwrap_or(if fixed == 0 { total_weight } else { 1 });
    let weighted = num_users.saturating_sub(fixed) as f64;
    let counts: Vec<f64> = classes
        .iter()
        .map(|c| match c.fixed_count {
            Some(n) => f64::from(n),
            None if total_weight > 0 => {
                (f64::from(c.weight) / total_weight as f64 * weighted).round_ties_even()
            }
            None => 0.0,
        })
        .collect();
    let sum: f64 = counts.iter().sum();
    let sum = if sum > 0.0 { sum } else { 1.0 };
    counts.iter().map(|n| n / sum).collect()
}

/// Task ratios: per class (within the class) or in total (times the class's user share).
fn ratios(
    classes: &[&UserClassSpec],
    allowed: &[Vec<(usize, u32)>],
    num_users: Option<u32>,
    total: bool,
) -> Value {
    let shares = user_shares(classes, num_users);
    let mut out = Map::new();
    for ((class, share), tasks) in classes.iter().zip(shares).zip(allowed) {
        let weight_sum: u64 = tasks.iter().map(|&(_, w)| u64::from(w)).sum();
        let parent = if total { share } else { 1.0 };
        let mut task_map = Map::new();
        for &(i, w) in tasks {
            let ratio =
                if weight_sum == 0 { 0.0 } else { f64::from(w) * parent / weight_sum as f64 };
            let name = class.tasks.get(i).map(|t| t.name.clone()).unwrap_or_default();
            task_map.insert(name, json!({ "ratio": ratio }));
        }
        out.insert(class.name.clone(), json!({ "ratio": share, "tasks": Value::Object(task_map) }));
    }
    Value::Object(out)
}

/// `--show-task-ratio-json`: `{"per_class": …, "total": …}` with 4-space indentation.
pub(crate) fn task_ratio_json(
    classes: &[&UserClassSpec],
    allowed: &[Vec<(usize, u32)>],
    num_users: Option<u32>,
) -> String {
    let v = json!({
        "per_class": ratios(classes, allowed, num_users, false),
        "total": ratios(classes, allowed, num_users, true),
    });
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    if serde::Serialize::serialize(&v, &mut ser).is_err() {
        return String::new();
    }
    let mut s = String::from_utf8(buf).unwrap_or_default();
    s.push('\n');
    s
}

/// `--show-task-ratio`: the two text trees.
pub(crate) fn task_ratio_text(
    classes: &[&UserClassSpec],
    allowed: &[Vec<(usize, u32)>],
    num_users: Option<u32>,
) -> String {
    let mut out = String::from("\n Task ratio per User class\n");
    out.push_str(&"-".repeat(80));
    out.push('\n');
    tree(&mut out, &ratios(classes, allowed, num_users, false), 0);
    out.push_str("\n Total task ratio\n");
    out.push_str(&"-".repeat(80));
    out.push('\n');
    tree(&mut out, &ratios(classes, allowed, num_users, true), 0);
    out
}

fn tree(out: &mut String, node: &Value, depth: usize) {
    let Some(map) = node.as_object() else { return };
    let pad = "  ".repeat(depth);
    for (name, entry) in map {
        let ratio = entry.get("ratio").and_then(Value::as_f64).unwrap_or(0.0);
        let left = format!("{pad}{:<6.1}", ratio * 100.0);
        out.push_str(&format!(" {left:<10} {:<50}\n", format!("{pad}{name}")));
        if let Some(tasks) = entry.get("tasks") {
            tree(out, tasks, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cicada_engine::{TaskSpec, WaitTime};

    fn class() -> UserClassSpec {
        let task = |name: &str, weight| TaskSpec { name: name.into(), weight, tags: vec![] };
        UserClassSpec {
            name: "WebsiteUser".into(),
            weight: 1,
            fixed_count: None,
            tasks: vec![task("index", 3), task("missing", 1), task("post", 1), task("boom", 1)],
            wait_time: WaitTime::default(),
            host: None,
        }
    }

    fn allowed(c: &UserClassSpec) -> Vec<Vec<(usize, u32)>> {
        vec![c.tasks.iter().enumerate().map(|(i, t)| (i, t.weight)).collect()]
    }

    #[test]
    fn text_matches_locust_sample() {
        let c = class();
        let got = task_ratio_text(&[&c], &allowed(&c), None);
        let want = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/reference/samples/cli/show_task_ratio_stdout.txt"
        ));
        if let Ok(want) = want {
            assert_eq!(got, want);
        }
        assert!(got.contains(" 100.0      WebsiteUser                                       \n"));
        assert!(got.contains("   50.0       index                                           \n"));
    }

    #[test]
    fn json_matches_locust_sample() {
        let c = class();
        let got = task_ratio_json(&[&c], &allowed(&c), None);
        assert!(got.contains("\"ratio\": 0.16666666666666666"));
        let want = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/reference/samples/cli/show_task_ratio_json_stdout.json"
        ));
        if let Ok(want) = want {
            assert_eq!(got.trim_end(), want.trim_end());
        }
    }

    #[test]
    fn list_shows_classes() {
        let c = class();
        assert_eq!(list_classes(&[&c]), "Available Users:\n    WebsiteUser\n");
    }
}
