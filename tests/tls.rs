//! HTTPS against a server with a self-signed certificate.

use crate::util::{self, lua, TestServer};

#[test]
fn verify_false_accepts_a_self_signed_certificate() {
    let server = TestServer::start_tls();
    assert!(server.url().starts_with("https://"));
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Tls")
User:task(function(self)
  local r = self.client:get("/", { verify = false })
  if r.text ~= "Success" then error("over TLS: " .. tostring(r.text) .. " " .. tostring(r.error)) end
  self.client:post("/echo", { verify = false, data = "sealed" })
  after(self, 3)
end)
"#,
        &[],
    );
    let snap = util::one_user(&script, &server.url(), 6);
    util::assert_no_exceptions(&snap);
    assert_eq!(snap.total.num_failures, 0, "{}", util::describe(&snap));
    assert_eq!(server.count("GET", "/"), 3);
    assert!(server.log().iter().filter(|r| r.path == "/echo").all(|r| r.body == b"sealed"));
    assert_eq!(server.connections(), 1, "the TLS connection is kept alive");
}

#[test]
fn verification_rejects_a_self_signed_certificate() {
    let server = TestServer::start_tls();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Strict")
User:task(function(self)
  local r = self.client:get("/")
  if r.ok then error("a self-signed certificate was accepted") end
  after(self, 2)
end)
"#,
        &[],
    );
    let snap = util::one_user(&script, &server.url(), 2);
    util::assert_no_exceptions(&snap);
    assert_eq!(util::fails(&snap, "GET", "/"), 2, "{}", util::describe(&snap));
    let errors = util::errors_of(&snap, "GET", "/");
    assert_eq!(errors.len(), 1, "{}", util::describe(&snap));
    assert!(errors[0].error.contains("SSLError"), "error: {:?}", errors[0].error);
    assert_eq!(server.total(), 0, "no request is sent over an unverified connection");
}
