//! The client's Locust extras end to end: `rest` (JSON in and out, Locust's failure texts,
//! callback errors as request failures), `rename_request` / `request_name`, `close()`,
//! `Connection: close`, credentials in the URL and multipart file uploads.

use crate::util::server::{Logged, JSON_TEXT};
use crate::util::{self, lua, TestServer};

/// One user runs `task` once (then stops); returns the final stats once `requests` are in.
fn run_once(server: &TestServer, task: &str, requests: u64) -> cicada_engine::StatsSnapshot {
    let script = lua(
        &format!(
            r#"
local User = cicada.HttpUser:extend("Extras")
local function check(cond, what)
  if not cond then error("check failed: " .. what) end
end
User:task(function(self)
{task}
  error(cicada.StopUser)
end)
"#
        ),
        &[],
    );
    util::one_user(&script, &server.url(), requests)
}

fn error_text(snap: &cicada_engine::StatsSnapshot, method: &str, name: &str) -> String {
    let errors = util::errors_of(snap, method, name);
    assert_eq!(errors.len(), 1, "one error row for {method} {name}\n{}", util::describe(snap));
    errors[0].error.clone()
}

#[test]
fn rest_sends_and_decodes_json() {
    let server = TestServer::start();
    let snap = run_once(
        &server,
        r#"
  self:rest("POST", "/echo", { json = { a = 1, list = { "x" } } }, function(resp)
    check(resp.js.a == 1 and resp.js.list[1] == "x", "echoed JSON in resp.js")
  end)
  local resp = self.client:rest("GET", "/json", function(resp)
    check(resp.js.name == "cicada", "resp.js.name")
  end)
  check(resp.js.nested.ok == true, "resp.js after the callback")
  -- An empty body is no JSON and no failure; js stays nil.
  self:rest("GET", "/status/204", function(resp)
    check(resp.js == nil, "no js for an empty body")
  end)
  -- A plain request has no js.
  check(self.client:get("/json").js == nil, "js only on rest")
"#,
        4,
    );
    util::assert_no_exceptions(&snap);
    assert_eq!(snap.total.num_failures, 0, "{}", util::describe(&snap));
    let log = server.log();
    assert_eq!(log.len(), 4, "{:?}", server.lines());
    for rest in &log[..3] {
        assert_eq!(rest.header("accept"), Some("application/json"), "{}", rest.path);
        assert_eq!(rest.header("content-type"), Some("application/json"), "{}", rest.path);
    }
    assert_eq!(log[3].header("accept"), Some("*/*"));
    assert_eq!(log[3].header("content-type"), None);
    let sent: serde_json::Value = serde_json::from_slice(&log[0].body).expect("JSON body");
    assert_eq!(sent, serde_json::json!({ "a": 1, "list": ["x"] }));
    assert_eq!(util::reqs(&snap, "GET", "/json"), 2, "{}", util::describe(&snap));
}

#[test]
fn rest_fails_a_body_that_is_not_json_with_locusts_text() {
    let server = TestServer::start();
    let snap = run_once(
        &server,
        r#"
  self:rest("GET", "/p/text", function(resp)
    check(resp.js == nil, "no js for text")
    check(resp.error ~= nil, "error already set in the callback")
  end)
  -- An error status whose body is not JSON either.
  self:rest("GET", "/status/404")
"#,
        2,
    );
    util::assert_no_exceptions(&snap);
    assert_eq!(util::fails(&snap, "GET", "/p/text"), 1, "{}", util::describe(&snap));
    let text = error_text(&snap, "GET", "/p/text");
    assert!(
        text.starts_with("Could not parse response as JSON. ok, response code 200, error "),
        "{text}"
    );
    // `status 404` is not JSON either: the JSON failure is the one counted, as in Locust.
    let text = error_text(&snap, "GET", "/status/404");
    assert!(
        text.starts_with("Could not parse response as JSON. status 404, response code 404, "),
        "{text}"
    );
}

#[test]
fn rest_counts_an_error_in_its_callback_as_a_failure_and_goes_on() {
    let server = TestServer::start();
    let snap = run_once(
        &server,
        r#"
  self:rest("GET", "/json", function(resp)
    resp:success()
    error("no such item")
  end)
  self:rest("GET", "/json", { name = "assert" }, function(resp)
    assert(resp.js.name == "nope", "wrong name,")
  end)
  self:rest("GET", "/json", { name = "plain assert" }, function(resp)
    assert(false, "just this")
  end)
  -- The task went on after each failing callback.
  self.client:get("/p/after")
"#,
        4,
    );
    util::assert_no_exceptions(&snap);
    assert_eq!(snap.total.num_failures, 3, "{}", util::describe(&snap));
    let text = error_text(&snap, "GET", "/json");
    assert!(text.ends_with(": no such item"), "{text}");
    assert!(text.contains("test.lua:"), "the error's position: {text}");
    // A message ending in `,` gets the start of the body, as Locust does for assertions.
    let text = error_text(&snap, "GET", "assert");
    assert!(text.starts_with("test.lua:"), "{text}");
    assert!(text.ends_with(&format!(": wrong name, response was {JSON_TEXT}")), "{text}");
    let text = error_text(&snap, "GET", "plain assert");
    assert!(text.starts_with("test.lua:") && text.ends_with(": just this"), "{text}");
    assert_eq!(util::reqs(&snap, "GET", "/p/after"), 1, "{}", util::describe(&snap));
}

#[test]
fn rest_lets_stop_user_through() {
    let server = TestServer::start();
    let snap = run_once(
        &server,
        r#"
  self:rest("GET", "/json", function(resp)
    error(cicada.StopUser)
  end)
  self.client:get("/p/never")
"#,
        1,
    );
    util::assert_no_exceptions(&snap);
    assert_eq!(snap.total.num_failures, 0, "{}", util::describe(&snap));
    assert_eq!(server.count("GET", "/p/never"), 0);
}

#[test]
fn rename_request_and_request_name_name_requests_without_a_name() {
    let server = TestServer::start();
    let snap = run_once(
        &server,
        r#"
  local got = self.client:rename_request("grouped", function(a)
    self.client:get("/item?id=1")
    self.client:get("/item?id=2", function(resp) end)
    self.client:get("/item?id=3", { name = "explicit" })
    return a
  end, "passed")
  check(got == "passed", "rename_request returns what its function returns")
  check(self.client.request_name == nil, "the name is restored")
  self.client:get("/item?id=4")
  self.client.request_name = "attr"
  self.client:get("/hello")
  self.client.request_name = nil
  self.client:get("/hello")
  local ok, err = pcall(self.client.rename_request, self.client, "inner", function()
    error("raised inside")
  end)
  check(not ok and err:find("raised inside"), "the error goes on")
  check(self.client.request_name == nil, "restored after an error")
  self.client:get("/world")
"#,
        7,
    );
    util::assert_no_exceptions(&snap);
    for (name, n) in [
        ("grouped", 2),
        ("explicit", 1),
        ("/item?id=4", 1),
        ("attr", 1),
        ("/hello", 1),
        ("/world", 1),
    ] {
        assert_eq!(util::reqs(&snap, "GET", name), n, "{name}\n{}", util::describe(&snap));
    }
    assert_eq!(snap.entries.len(), 6, "{}", util::describe(&snap));
}

#[test]
fn close_makes_the_next_request_open_a_new_connection() {
    let server = TestServer::start();
    let snap = run_once(
        &server,
        r#"
  self.client:get("/hello")
  self.client:get("/hello")
  self.client:close()
  self.client:get("/hello")
  self.client:get("/hello")
"#,
        4,
    );
    util::assert_no_exceptions(&snap);
    assert_eq!(snap.total.num_failures, 0, "{}", util::describe(&snap));
    assert_eq!(server.count("GET", "/hello"), 4);
    assert_eq!(server.connections(), 2, "one connection before close(), one after");
}

#[test]
fn a_connection_close_header_gets_a_connection_per_request() {
    let server = TestServer::start();
    let snap = run_once(
        &server,
        r#"
  for _ = 1, 3 do
    self.client:get("/hello", { headers = { Connection = "close" } })
  end
"#,
        3,
    );
    assert_eq!(snap.total.num_failures, 0, "{}", util::describe(&snap));
    for headers in server.headers_of("/hello") {
        assert_eq!(util::server::header(&headers, "connection"), Some("close"));
    }
    assert_eq!(server.connections(), 3);
}

#[test]
fn credentials_in_the_url_are_sent_as_basic_auth() {
    let server = TestServer::start();
    let url = server.url().replace("http://", "http://user:p%40ss@");
    let snap = run_once(
        &server,
        &format!(
            r#"
  self.client:get("{url}/p/auth")
  self.client:get("{url}/p/auth", {{ auth = {{ "other", "pw" }}, name = "option wins" }})
"#
        ),
        2,
    );
    util::assert_no_exceptions(&snap);
    assert_eq!(util::reqs(&snap, "GET", "/p/auth"), 1, "{}", util::describe(&snap));
    let auth: Vec<Option<String>> = server
        .headers_of("/p/auth")
        .iter()
        .map(|h| util::server::header(h, "authorization").map(str::to_owned))
        .collect();
    // base64("user:p@ss") and base64("other:pw")
    assert_eq!(auth, [Some("Basic dXNlcjpwQHNz".into()), Some("Basic b3RoZXI6cHc=".into())]);
}

/// The parts of a multipart body: (headers, content) each.
fn parts(request: &Logged) -> Vec<(Vec<String>, Vec<u8>)> {
    let content_type = request.header("content-type").expect("a Content-Type");
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("not multipart: {content_type}"));
    let delimiter = format!("--{boundary}");
    let body = &request.body;
    let closing = format!("{delimiter}--\r\n");
    assert!(body.ends_with(closing.as_bytes()), "{}", String::from_utf8_lossy(body));
    let body = &body[..body.len() - closing.len()];
    let mut out = Vec::new();
    for chunk in split(body, format!("{delimiter}\r\n").as_bytes()).into_iter().skip(1) {
        let chunk = chunk.strip_suffix(b"\r\n").expect("a part ends with CRLF");
        let head_end = chunk.windows(4).position(|w| w == b"\r\n\r\n").expect("a part head");
        let head = String::from_utf8(chunk[..head_end].to_vec()).expect("a text head");
        out.push((head.split("\r\n").map(str::to_owned).collect(), chunk[head_end + 4..].to_vec()));
    }
    out
}

fn split<'a>(mut bytes: &'a [u8], on: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(at) = bytes.windows(on.len()).position(|w| w == on) {
        out.push(&bytes[..at]);
        bytes = &bytes[at + on.len()..];
    }
    out.push(bytes);
    out
}

#[test]
fn files_are_uploaded_as_multipart_form_data() {
    let server = TestServer::start();
    let snap = run_once(
        &server,
        r#"
  self.client:post("/echo", {
    data = { note = "hi there", tag = { "a", "b" } },
    files = {
      upload = { filename = "a.txt", content = "line 1\r\nline 2", content_type = "text/plain" },
      raw = "\0\1\255",
    },
  })
"#,
        1,
    );
    util::assert_no_exceptions(&snap);
    assert_eq!(snap.total.num_failures, 0, "{}", util::describe(&snap));
    let log = server.log();
    let parts = parts(&log[0]);
    let disposition = |name: &str| format!("Content-Disposition: form-data; name=\"{name}\"");
    let expected: Vec<(Vec<String>, Vec<u8>)> = vec![
        (vec![disposition("note")], b"hi there".to_vec()),
        (vec![disposition("tag")], b"a".to_vec()),
        (vec![disposition("tag")], b"b".to_vec()),
        (vec![format!("{}; filename=\"raw\"", disposition("raw"))], vec![0, 1, 255]),
        (
            vec![
                format!("{}; filename=\"a.txt\"", disposition("upload")),
                "Content-Type: text/plain".into(),
            ],
            b"line 1\r\nline 2".to_vec(),
        ),
    ];
    assert_eq!(parts, expected);
    assert_eq!(
        log[0].header("content-length"),
        Some(log[0].body.len().to_string().as_str()),
        "Content-Length covers the whole body"
    );
}
