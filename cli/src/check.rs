//! `--check`: the scenario as a run would see it — classes, weights, wait times and the tasks
//! `--tags` / `--exclude-tags` leave — printed to stdout, with nothing started. Load errors
//! were reported before this runs, with the same messages and exit code as a run.

use cicada_engine::{UserClassSpec, WaitTime};

/// What a run would refuse to start with, worded as the run words it (`app::start_engine`).
pub(crate) const NO_TASK_LEFT: &str =
    "No user class has a task to run (check --tags, --exclude-tags and the class names)";

/// The summary, or [`NO_TASK_LEFT`] when no class keeps a task. `allowed` holds each class's
/// remaining tasks as (index, weight), as `app::allowed_tasks` returns them.
pub(crate) fn summary(
    file: &str,
    classes: &[&UserClassSpec],
    allowed: &[Vec<(usize, u32)>],
) -> Result<String, &'static str> {
    if allowed.iter().all(Vec::is_empty) {
        return Err(NO_TASK_LEFT);
    }
    let mut out = format!("{file}: OK\nUser classes:\n");
    for (class, tasks) in classes.iter().zip(allowed) {
        let share = match class.fixed_count {
            Some(n) => format!("fixed_count {n}"),
            None => format!("weight {}", class.weight),
        };
        out.push_str(&format!("    {} ({share}, wait_time {})", class.name, wait(class.wait_time)));
        if tasks.is_empty() {
            out.push_str(": no task left after tag filtering, will not run\n");
            continue;
        }
        let plural = if tasks.len() == 1 { "" } else { "s" };
        out.push_str(&format!(": {} task{plural}\n", tasks.len()));
        for &(i, weight) in tasks {
            let Some(task) = class.tasks.get(i) else { continue };
            out.push_str(&format!("        {} (weight {weight}", task.name));
            if !task.tags.is_empty() {
                out.push_str(&format!(", tags {}", task.tags.join(", ")));
            }
            out.push_str(")\n");
        }
    }
    Ok(out)
}

/// A wait time as the script would have written it.
fn wait(w: WaitTime) -> String {
    match w {
        WaitTime::Between(a, b) => format!("between({a}, {b})"),
        WaitTime::Constant(s) => format!("constant({s})"),
        WaitTime::ConstantPacing(s) => format!("constant_pacing({s})"),
        WaitTime::ConstantThroughput(n) => format!("constant_throughput({n})"),
        WaitTime::Custom => "function".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cicada_engine::TaskSpec;

    fn class(name: &str, fixed_count: Option<u32>) -> UserClassSpec {
        let task = |name: &str, weight, tags: &[&str]| TaskSpec {
            name: name.into(),
            weight,
            tags: tags.iter().map(|t| t.to_string()).collect(),
        };
        UserClassSpec {
            name: name.into(),
            weight: 2,
            fixed_count,
            tasks: vec![task("index", 3, &[]), task("admin", 1, &["slow", "auth"])],
            wait_time: WaitTime::Between(1.0, 2.5),
            host: None,
        }
    }

    #[test]
    fn lists_classes_and_remaining_tasks() {
        let (a, b) = (class("Web", None), class("Admin", Some(1)));
        let got = summary("x.lua", &[&a, &b], &[vec![(0, 3), (1, 1)], vec![]]).unwrap();
        assert_eq!(
            got,
            "x.lua: OK\nUser classes:\n\
             \x20   Web (weight 2, wait_time between(1, 2.5)): 2 tasks\n\
             \x20       index (weight 3)\n\
             \x20       admin (weight 1, tags slow, auth)\n\
             \x20   Admin (fixed_count 1, wait_time between(1, 2.5)): no task left after tag filtering, will not run\n"
        );
    }

    #[test]
    fn no_task_anywhere_is_the_runs_error() {
        let a = class("Web", None);
        assert_eq!(summary("x.lua", &[&a], &[vec![]]), Err(NO_TASK_LEFT));
    }
}
