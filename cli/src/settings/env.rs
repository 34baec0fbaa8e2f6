//! `LOCUST_*` environment variables, as configargparse reads them: each flag's variable from
//! the table; for list flags (`LOCUST_TAGS`) `[a, b]` is a list, any other text one item, and
//! an empty value counts as unset. `LOCUST_USER_CLASSES` is the positionals' default.

use super::source::{is_list_syntax, split_list, Given, Origin, Raw};
use super::table::{Kind, FLAGS, USER_CLASSES_ENV};

/// The values the environment gives, one per flag whose variable is set.
pub(super) fn read(env: &dyn Fn(&str) -> Option<String>) -> Vec<Given> {
    let mut given = Vec::new();
    for flag in FLAGS {
        let Some(var) = flag.env else { continue };
        let Some(value) = env(var) else { continue };
        let raw = match flag.kind {
            Kind::List | Kind::Append(_) if value.is_empty() => continue,
            Kind::List | Kind::Append(_) if is_list_syntax(&value) => {
                Raw::Items(split_list(&value))
            }
            Kind::List | Kind::Append(_) => Raw::Items(vec![value]),
            _ => Raw::Text(value),
        };
        given.push(Given { flag, raw, origin: Origin::Env { var } });
    }
    given
}

/// The user classes named by `LOCUST_USER_CLASSES` (space-separated), if it is set.
pub(super) fn user_classes(env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    env(USER_CLASSES_ENV)
        .map(|v| v.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}
