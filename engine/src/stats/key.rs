//! Map keys that can be looked up with borrowed strings, so recording a request for an entry
//! that already exists allocates nothing.

use std::hash::{Hash, Hasher};

use indexmap::Equivalent;

/// Owned (method, name) key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct EntryKey(pub String, pub String);

/// Borrowed (method, name) key; hashes exactly like [`EntryKey`].
pub(crate) struct EntryRef<'a>(pub &'a str, pub &'a str);

impl Hash for EntryRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
        self.1.hash(state);
    }
}

impl Equivalent<EntryKey> for EntryRef<'_> {
    fn equivalent(&self, key: &EntryKey) -> bool {
        key.0 == self.0 && key.1 == self.1
    }
}

/// Owned (method, name, error) key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ErrorKey(pub String, pub String, pub String);

/// Borrowed (method, name, error) key; hashes exactly like [`ErrorKey`].
pub(crate) struct ErrorRef<'a>(pub &'a str, pub &'a str, pub &'a str);

impl Hash for ErrorRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
        self.1.hash(state);
        self.2.hash(state);
    }
}

impl Equivalent<ErrorKey> for ErrorRef<'_> {
    fn equivalent(&self, key: &ErrorKey) -> bool {
        key.0 == self.0 && key.1 == self.1 && key.2 == self.2
    }
}
