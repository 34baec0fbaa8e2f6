//! Tests of the dispatcher against real Locust: the reference vectors
//! (`dispatch_vectors.py`), recorded traces of Locust's own dispatcher, and properties over
//! seeded random inputs.

mod properties;
mod traces;
mod vectors;

use super::{Assignment, Step, UserClass, UsersDispatcher};

/// Parses `w1=A:1,B:0;w2=A:0,B:1`, the form the traces and vectors are written in.
fn parse_assignment(text: &str) -> Assignment {
    text.split(';')
        .filter(|w| !w.is_empty())
        .map(|worker| {
            let (id, classes) = worker.split_once('=').expect("worker=classes");
            let row = classes
                .split(',')
                .filter(|c| !c.is_empty())
                .map(|c| {
                    let (name, n) = c.split_once(':').expect("class:count");
                    (name.to_owned(), n.parse().expect("count"))
                })
                .collect();
            (id.to_owned(), row)
        })
        .collect()
}

/// Runs the cycle to its end and returns the assignments it sent, pauses left out.
fn spawns(dispatcher: &mut UsersDispatcher) -> Vec<Assignment> {
    dispatcher
        .filter_map(|step| match step {
            Step::Spawn(users) => Some(users),
            Step::Pause(_) => None,
        })
        .collect()
}

fn dispatcher(workers: &[&str], classes: &[UserClass]) -> UsersDispatcher {
    UsersDispatcher::new(workers, classes).expect("valid dispatcher")
}
