//! The codec against Locust 2.47's own bytes (`shared/reference/samples/protocol`, beside the
//! repository): golden vectors made by Locust's `Message.serialize`, and a live capture.

mod golden;
mod malformed;
mod util;
