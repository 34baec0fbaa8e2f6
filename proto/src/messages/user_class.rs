//! `update_user_class` from the master: the web UI's edit of one user class's settings.

use rmpv::Value;

use crate::error::DecodeError;
use crate::fields::{owned_map, str_pairs, Fields};

/// The settings map as sent (`user_class_name`, `weight`, `fixed_count`, `host`, `tasks`,
/// any attribute), kept whole so nothing the UI sent is lost.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateUserClass {
    pub user_class_name: String,
    /// Every pair of the map, `user_class_name` included, in wire order.
    pub settings: Vec<(String, Value)>,
}

impl UpdateUserClass {
    pub(crate) fn decode(data: &Value, at: &str) -> Result<Self, DecodeError> {
        let user_class_name = Fields::of(data, at)?.str("user_class_name")?;
        let settings =
            str_pairs(data, at)?.into_iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
        Ok(UpdateUserClass { user_class_name, settings })
    }

    pub fn to_value(&self) -> Value {
        owned_map(&self.settings)
    }
}
