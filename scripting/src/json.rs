//! JSON for scripts: the `json =` request option, `resp:json()` and `cicada.json`.
//!
//! Encoding writes Lua values straight to bytes (no intermediate tree): a table whose keys
//! are exactly `1..n` is an array, any other table an object (so `{}` is `{}`), a table
//! carrying the `cicada.json.array` metatable is always an array (decoded arrays carry it, so
//! `[]` survives a round trip), and `cicada.json.null` is `null`. Decoding parses with
//! serde_json; `null` becomes `nil`.

use mlua::{LightUserData, Lua, Table, Value};

use crate::errors::fail;

/// Tables nested deeper than this are refused (a table that contains itself, say).
const MAX_DEPTH: usize = 128;

pub(crate) const ARRAY_MT: &str = "cicada.json.array";

/// `cicada.json.null`.
pub(crate) fn null() -> Value {
    Value::LightUserData(LightUserData(std::ptr::null_mut()))
}

/// Add `cicada.json` (`encode`, `decode`, `null`, `array`) to `module`.
pub(crate) fn register(lua: &Lua, module: &Table) -> mlua::Result<()> {
    let array_mt = lua.create_table()?;
    array_mt.set("__name", "json array")?;
    lua.set_named_registry_value(ARRAY_MT, &array_mt)?;
    let json = lua.create_table()?;
    json.set(
        "encode",
        lua.create_function(|lua, v: Value| {
            let bytes = encode(lua, &v).map_err(|e| fail(lua, format!("json.encode: {e}")))?;
            lua.create_string(bytes)
        })?,
    )?;
    json.set(
        "decode",
        lua.create_function(|lua, s: mlua::String| {
            decode(lua, &s.as_bytes()).map_err(|e| fail(lua, format!("json.decode: {e}")))
        })?,
    )?;
    json.set("null", null())?;
    json.set(
        "array",
        lua.create_function(|lua, t: Option<Table>| {
            let t = match t {
                Some(t) => t,
                None => lua.create_table()?,
            };
            t.set_metatable(Some(lua.named_registry_value::<Table>(ARRAY_MT)?))?;
            Ok(t)
        })?,
    )?;
    module.set("json", json)
}

/// `v` as JSON text.
pub(crate) fn encode(lua: &Lua, v: &Value) -> Result<Vec<u8>, String> {
    let array_mt: Option<Table> = lua.named_registry_value(ARRAY_MT).ok();
    let mut out = Vec::with_capacity(64);
    Encoder { out: &mut out, array_mt: array_mt.as_ref() }.value(v, 0)?;
    Ok(out)
}

struct Encoder<'a> {
    out: &'a mut Vec<u8>,
    array_mt: Option<&'a Table>,
}

impl Encoder<'_> {
    fn value(&mut self, v: &Value, depth: usize) -> Result<(), String> {
        match v {
            Value::Nil => self.out.extend_from_slice(b"null"),
            Value::LightUserData(p) if p.0.is_null() => self.out.extend_from_slice(b"null"),
            Value::Boolean(b) => self.out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Value::Integer(i) => self.out.extend_from_slice(i.to_string().as_bytes()),
            Value::Number(n) => {
                if !n.is_finite() {
                    return Err(format!("cannot encode {n} (JSON has no NaN or infinity)"));
                }
                serde_json::to_writer(&mut *self.out, n).map_err(|e| e.to_string())?;
            }
            Value::String(s) => self.string(&s.as_bytes()),
            Value::Table(t) => self.table(t, depth)?,
            other => return Err(format!("cannot encode a {} as JSON", other.type_name())),
        }
        Ok(())
    }

    fn string(&mut self, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        self.out.push(b'"');
        for c in text.chars() {
            match c {
                '"' => self.out.extend_from_slice(b"\\\""),
                '\\' => self.out.extend_from_slice(b"\\\\"),
                '\n' => self.out.extend_from_slice(b"\\n"),
                '\r' => self.out.extend_from_slice(b"\\r"),
                '\t' => self.out.extend_from_slice(b"\\t"),
                c if (c as u32) < 0x20 => {
                    self.out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
                }
                c => {
                    let mut buf = [0u8; 4];
                    self.out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        self.out.push(b'"');
    }

    fn table(&mut self, t: &Table, depth: usize) -> Result<(), String> {
        if depth >= MAX_DEPTH {
            return Err(format!(
                "tables nested more than {MAX_DEPTH} deep (a table that contains itself?)"
            ));
        }
        let len = t.raw_len();
        let forced = match (t.metatable(), self.array_mt) {
            (Some(mt), Some(array)) => mt.to_pointer() == array.to_pointer(),
            _ => false,
        };
        if forced || (len > 0 && is_sequence(t, len)) {
            self.out.push(b'[');
            for i in 1..=len {
                if i > 1 {
                    self.out.push(b',');
                }
                let v: Value = t.raw_get(i).map_err(|e| e.to_string())?;
                self.value(&v, depth + 1)?;
            }
            self.out.push(b']');
            return Ok(());
        }
        self.out.push(b'{');
        let mut first = true;
        let mut failed = None;
        let walked = t.for_each(|k: Value, v: Value| {
            if failed.is_some() {
                return Ok(());
            }
            if !first {
                self.out.push(b',');
            }
            first = false;
            match &k {
                Value::String(s) => self.string(&s.as_bytes()),
                Value::Integer(i) => self.string(i.to_string().as_bytes()),
                Value::Number(n) => self.string(n.to_string().as_bytes()),
                other => {
                    failed = Some(format!(
                        "object keys must be strings or numbers, not {}",
                        other.type_name()
                    ));
                    return Ok(());
                }
            }
            self.out.push(b':');
            if let Err(e) = self.value(&v, depth + 1) {
                failed = Some(e);
            }
            Ok(())
        });
        if let Some(e) = failed {
            return Err(e);
        }
        walked.map_err(|e| e.to_string())?;
        self.out.push(b'}');
        Ok(())
    }
}

/// True when the keys of `t` are exactly `1..=len`.
pub(crate) fn is_sequence(t: &Table, len: usize) -> bool {
    let mut count = 0usize;
    let mut only_indices = true;
    let _ = t.for_each(|k: Value, _: Value| {
        count += 1;
        if !matches!(k, Value::Integer(i) if i >= 1 && (i as u64) <= len as u64) {
            only_indices = false;
        }
        Ok(())
    });
    only_indices && count == len
}

/// Parse JSON `bytes` into a Lua value.
pub(crate) fn decode(lua: &Lua, bytes: &[u8]) -> Result<Value, String> {
    let parsed: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let array_mt: Option<Table> = lua.named_registry_value(ARRAY_MT).ok();
    to_lua(lua, &parsed, array_mt.as_ref()).map_err(|e| e.to_string())
}

fn to_lua(lua: &Lua, v: &serde_json::Value, array_mt: Option<&Table>) -> mlua::Result<Value> {
    Ok(match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Boolean(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::String(lua.create_string(s)?),
        serde_json::Value::Array(items) => {
            let t = lua.create_table_with_capacity(items.len(), 0)?;
            for (i, item) in items.iter().enumerate() {
                t.raw_set(i + 1, to_lua(lua, item, array_mt)?)?;
            }
            if let Some(mt) = array_mt {
                t.set_metatable(Some(mt.clone()))?;
            }
            Value::Table(t)
        }
        serde_json::Value::Object(map) => {
            let t = lua.create_table_with_capacity(0, map.len())?;
            for (k, item) in map {
                t.raw_set(k.as_str(), to_lua(lua, item, array_mt)?)?;
            }
            Value::Table(t)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lua() -> Lua {
        let lua = Lua::new();
        let module = lua.create_table().unwrap();
        register(&lua, &module).unwrap();
        lua.globals().set("json", module.get::<Table>("json").unwrap()).unwrap();
        lua
    }

    fn enc(lua: &Lua, code: &str) -> String {
        let v: Value = lua.load(code).eval().unwrap();
        String::from_utf8(encode(lua, &v).unwrap()).unwrap()
    }

    #[test]
    fn encodes_lua_values() {
        let lua = lua();
        assert_eq!(enc(&lua, "{}"), "{}");
        assert_eq!(enc(&lua, "{1, 2, 'x'}"), "[1,2,\"x\"]");
        assert_eq!(enc(&lua, "{ a = { b = true } }"), "{\"a\":{\"b\":true}}");
        assert_eq!(enc(&lua, "1.5"), "1.5");
        assert_eq!(enc(&lua, "'a\"b\\n'"), "\"a\\\"b\\n\"");
        assert_eq!(enc(&lua, "json.array()"), "[]");
        assert_eq!(enc(&lua, "{ json.null }"), "[null]");
        assert_eq!(enc(&lua, "{ [1] = 'a', [3] = 'c' }").len(), "{\"1\":\"a\",\"3\":\"c\"}".len());
    }

    #[test]
    fn refuses_what_json_cannot_hold() {
        let lua = lua();
        for code in ["0/0", "function() end", "(function() local t = {} t.t = t return t end)()"] {
            let v: Value = lua.load(code).eval().unwrap();
            assert!(encode(&lua, &v).is_err(), "{code}");
        }
    }

    #[test]
    fn decodes_and_round_trips() {
        let lua = lua();
        let v = decode(&lua, br#"{"a":[1,2.5,"x",[]],"b":null}"#).unwrap();
        lua.globals().set("v", v).unwrap();
        let ok: bool = lua
            .load("return v.a[1] == 1 and v.a[2] == 2.5 and v.a[3] == 'x' and v.b == nil")
            .eval()
            .unwrap();
        assert!(ok);
        assert_eq!(enc(&lua, "v.a"), "[1,2.5,\"x\",[]]");
        assert!(decode(&lua, b"{nope").is_err());
    }
}
