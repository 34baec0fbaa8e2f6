//! Lua values ⇄ msgpack values, for the data of custom messages.
//!
//! The rules follow `cicada.json` (`json.rs`) so a script sees one convention: a table whose
//! keys are exactly `1..n`, or that carries the `cicada.json.array` metatable, is an array;
//! any other table is a map; arrays that arrive carry that metatable, so `{}` and `[]`
//! survive a round trip. Strings that are valid UTF-8 go out as msgpack strings (Python gets
//! `str`), other byte strings as bin (Python gets `bytes`). Integers stay integers and floats
//! floats, as Python keeps them apart.
//!
//! Nothing a peer sends can fail here: values Lua cannot hold (a map key that is nil or NaN)
//! are skipped, ext values (Locust never sends them) become nil, and the transport already
//! refuses frames nested deeper than it accepts.

use cicada_proto::Value as MsgValue;
use mlua::{Lua, Table, Value as LuaValue};

use crate::json::ARRAY_MT;

/// Tables nested deeper than this are refused: a table that contains itself, say, and what
/// a receiver would refuse anyway (the envelope and its data must nest less than 100 deep).
pub(crate) const MAX_DEPTH: usize = 64;

/// Convert `v` for sending; the error names the bad value and where it is (`data.a[2]`).
pub(crate) fn to_msgpack(lua: &Lua, v: &LuaValue) -> Result<MsgValue, String> {
    let array_mt: Option<Table> = lua.named_registry_value(ARRAY_MT).ok();
    let mut path = String::from("data");
    encode(v, 0, array_mt.as_ref(), &mut path)
}

fn encode(
    v: &LuaValue,
    depth: usize,
    array_mt: Option<&Table>,
    path: &mut String,
) -> Result<MsgValue, String> {
    Ok(match v {
        LuaValue::Nil => MsgValue::Nil,
        // `cicada.json.null`, so data shared with JSON code needs no translation.
        LuaValue::LightUserData(p) if p.0.is_null() => MsgValue::Nil,
        LuaValue::Boolean(b) => MsgValue::Boolean(*b),
        LuaValue::Integer(i) => MsgValue::from(*i),
        LuaValue::Number(n) => MsgValue::F64(*n),
        LuaValue::String(s) => {
            let bytes = s.as_bytes();
            match std::str::from_utf8(&bytes) {
                Ok(text) => MsgValue::from(text),
                Err(_) => MsgValue::Binary(bytes.to_vec()),
            }
        }
        LuaValue::Table(t) => table(t, depth, array_mt, path)?,
        other => {
            return Err(format!(
                "{path} is a {}, which a message cannot carry (only nil, booleans, numbers, \
                 strings and tables of them)",
                other.type_name()
            ))
        }
    })
}

fn table(
    t: &Table,
    depth: usize,
    array_mt: Option<&Table>,
    path: &mut String,
) -> Result<MsgValue, String> {
    if depth >= MAX_DEPTH {
        return Err(format!(
            "{path}: tables nested more than {MAX_DEPTH} deep (a table that contains itself?)"
        ));
    }
    let len = t.raw_len();
    let forced = match (t.metatable(), array_mt) {
        (Some(mt), Some(array)) => mt.to_pointer() == array.to_pointer(),
        _ => false,
    };
    let at = path.len();
    if forced || (len > 0 && crate::json::is_sequence(t, len)) {
        let mut items = Vec::with_capacity(len);
        for i in 1..=len {
            let item: LuaValue = t.raw_get(i).map_err(|e| e.to_string())?;
            path.push_str(&format!("[{i}]"));
            items.push(encode(&item, depth + 1, array_mt, path)?);
            path.truncate(at);
        }
        return Ok(MsgValue::Array(items));
    }
    let mut pairs = Vec::new();
    let mut failed = None;
    let walked = t.for_each(|k: LuaValue, v: LuaValue| {
        if failed.is_some() {
            return Ok(());
        }
        let key = match &k {
            LuaValue::String(s) => {
                let s = s.to_string_lossy();
                path.push_str(&format!(".{s}"));
                MsgValue::from(s)
            }
            LuaValue::Integer(i) => {
                path.push_str(&format!("[{i}]"));
                MsgValue::from(*i)
            }
            other => {
                failed = Some(format!(
                    "{path} has a {} key; message maps take string and integer keys",
                    other.type_name()
                ));
                return Ok(());
            }
        };
        match encode(&v, depth + 1, array_mt, path) {
            Ok(value) => pairs.push((key, value)),
            Err(e) => failed = Some(e),
        }
        path.truncate(at);
        Ok(())
    });
    if let Some(e) = failed {
        return Err(e);
    }
    walked.map_err(|e| e.to_string())?;
    Ok(MsgValue::Map(pairs))
}

/// Convert data that arrived into a Lua value.
pub(crate) fn to_lua(lua: &Lua, v: &MsgValue) -> mlua::Result<LuaValue> {
    let array_mt: Option<Table> = lua.named_registry_value(ARRAY_MT).ok();
    decode(lua, v, array_mt.as_ref())
}

fn decode(lua: &Lua, v: &MsgValue, array_mt: Option<&Table>) -> mlua::Result<LuaValue> {
    Ok(match v {
        MsgValue::Nil | MsgValue::Ext(..) => LuaValue::Nil,
        MsgValue::Boolean(b) => LuaValue::Boolean(*b),
        MsgValue::Integer(i) => match i.as_i64() {
            Some(i) => LuaValue::Integer(i),
            // Above i64::MAX: Lua has no such integer.
            None => LuaValue::Number(i.as_f64().unwrap_or(f64::NAN)),
        },
        MsgValue::F32(f) => LuaValue::Number(f64::from(*f)),
        MsgValue::F64(f) => LuaValue::Number(*f),
        MsgValue::String(s) => LuaValue::String(lua.create_string(s.as_bytes())?),
        MsgValue::Binary(b) => LuaValue::String(lua.create_string(b)?),
        MsgValue::Array(items) => {
            let t = lua.create_table_with_capacity(items.len(), 0)?;
            for (i, item) in items.iter().enumerate() {
                t.raw_set(i + 1, decode(lua, item, array_mt)?)?;
            }
            if let Some(mt) = array_mt {
                t.set_metatable(Some(mt.clone()))?;
            }
            LuaValue::Table(t)
        }
        MsgValue::Map(pairs) => {
            let t = lua.create_table_with_capacity(0, pairs.len())?;
            for (k, v) in pairs {
                let key = decode(lua, k, array_mt)?;
                let skip = match &key {
                    LuaValue::Nil => true,
                    LuaValue::Number(n) => n.is_nan(),
                    _ => false,
                };
                if !skip {
                    t.raw_set(key, decode(lua, v, array_mt)?)?;
                }
            }
            LuaValue::Table(t)
        }
    })
}

#[cfg(test)]
mod tests {
    use cicada_proto::Value as MsgValue;
    use mlua::{Lua, Value as LuaValue};

    use super::*;

    fn lua() -> Lua {
        let lua = Lua::new();
        let module = lua.create_table().unwrap();
        crate::json::register(&lua, &module).unwrap();
        lua.globals().set("json", module.get::<mlua::Table>("json").unwrap()).unwrap();
        lua
    }

    fn encode_src(lua: &Lua, src: &str) -> Result<MsgValue, String> {
        let v: LuaValue = lua.load(src).eval().unwrap();
        to_msgpack(lua, &v)
    }

    fn map(pairs: &[(&str, MsgValue)]) -> MsgValue {
        MsgValue::Map(pairs.iter().map(|(k, v)| (MsgValue::from(*k), v.clone())).collect())
    }

    fn sorted(v: MsgValue) -> MsgValue {
        match v {
            MsgValue::Map(pairs) => {
                let mut pairs: Vec<_> = pairs.into_iter().map(|(k, v)| (k, sorted(v))).collect();
                pairs.sort_by_key(|(k, _)| k.to_string());
                MsgValue::Map(pairs)
            }
            MsgValue::Array(items) => MsgValue::Array(items.into_iter().map(sorted).collect()),
            other => other,
        }
    }

    #[test]
    fn scalars_keep_their_types() {
        let lua = lua();
        assert_eq!(encode_src(&lua, "nil").unwrap(), MsgValue::Nil);
        assert_eq!(encode_src(&lua, "true").unwrap(), MsgValue::Boolean(true));
        assert_eq!(encode_src(&lua, "-7").unwrap(), MsgValue::from(-7));
        assert_eq!(encode_src(&lua, "2.0").unwrap(), MsgValue::F64(2.0));
        assert_eq!(encode_src(&lua, "'héllo'").unwrap(), MsgValue::from("héllo"));
        assert_eq!(encode_src(&lua, "'\\xff\\x00'").unwrap(), MsgValue::Binary(vec![0xff, 0]));
        assert_eq!(encode_src(&lua, "json.null").unwrap(), MsgValue::Nil);
    }

    #[test]
    fn sequences_are_arrays_and_other_tables_maps() {
        let lua = lua();
        let got = encode_src(&lua, "{ hello = { 1, 2.5, 'x', false } }").unwrap();
        let want = map(&[(
            "hello",
            MsgValue::Array(vec![
                MsgValue::from(1),
                MsgValue::F64(2.5),
                MsgValue::from("x"),
                MsgValue::Boolean(false),
            ]),
        )]);
        assert_eq!(got, want);
        assert_eq!(encode_src(&lua, "{}").unwrap(), MsgValue::Map(vec![]));
        assert_eq!(encode_src(&lua, "json.array({})").unwrap(), MsgValue::Array(vec![]));
        // Integer keys that are not 1..n make a map with integer keys, as Python allows.
        let sparse = encode_src(&lua, "{ [1] = 'a', [3] = 'c' }").unwrap();
        let MsgValue::Map(mut pairs) = sparse else { panic!("{sparse:?}") };
        pairs.sort_by_key(|(k, _)| k.as_i64());
        assert_eq!(
            pairs,
            vec![
                (MsgValue::from(1), MsgValue::from("a")),
                (MsgValue::from(3), MsgValue::from("c"))
            ]
        );
    }

    #[test]
    fn round_trips_nested_data() {
        let lua = lua();
        let src =
            "{ a = { b = { c = { 1, { d = 'deep' } } } }, n = 3, f = 0.5, list = json.array({}) }";
        let sent = encode_src(&lua, src).unwrap();
        let back = to_lua(&lua, &sent).unwrap();
        // Lua tables have no order: compare maps sorted by key.
        assert_eq!(sorted(to_msgpack(&lua, &back).unwrap()), sorted(sent));
        lua.globals().set("back", back).unwrap();
        let deep: String = lua.load("return back.a.b.c[2].d").eval().unwrap();
        assert_eq!(deep, "deep");
        let is_int: bool = lua.load("return math.type(back.n) == 'integer'").eval().unwrap();
        assert!(is_int);
    }

    #[test]
    fn received_values_lua_cannot_hold_are_skipped_not_fatal() {
        let lua = lua();
        let data = MsgValue::Map(vec![
            (MsgValue::Nil, MsgValue::from(1)),
            (MsgValue::F64(f64::NAN), MsgValue::from(2)),
            (MsgValue::from("ok"), MsgValue::Ext(5, vec![1, 2])),
            (MsgValue::from("big"), MsgValue::from(u64::MAX)),
            (MsgValue::from("bin"), MsgValue::Binary(vec![0xff])),
        ]);
        let v = to_lua(&lua, &data).unwrap();
        lua.globals().set("v", v).unwrap();
        let (count, big, bin): (i64, f64, mlua::String) = lua
            .load("local n = 0 for _ in pairs(v) do n = n + 1 end return n, v.big, v.bin")
            .eval()
            .unwrap();
        assert_eq!(count, 2, "the nil and NaN keys and the ext value are dropped");
        assert_eq!(big, u64::MAX as f64);
        assert_eq!(&*bin.as_bytes(), &[0xff]);
    }

    #[test]
    fn bad_values_are_named() {
        let lua = lua();
        let err = encode_src(&lua, "{ a = { 1, print } }").unwrap_err();
        assert!(err.starts_with("data.a[2] is a function"), "{err}");
        let err = encode_src(&lua, "{ x = coroutine.create(print) }").unwrap_err();
        assert!(err.starts_with("data.x is a thread"), "{err}");
        let err = encode_src(&lua, "{ [true] = 1 }").unwrap_err();
        assert!(err.contains("boolean key"), "{err}");
    }

    #[test]
    fn depth_is_limited() {
        let lua = lua();
        let err = encode_src(&lua, "local t = {} t.self = t return t").unwrap_err();
        assert!(err.contains("nested more than 64 deep"), "{err}");
        let ok = format!("return {}1{}", "{".repeat(MAX_DEPTH), "}".repeat(MAX_DEPTH));
        assert!(encode_src(&lua, &ok).is_ok());
        let too_deep =
            format!("return {}1{}", "{".repeat(MAX_DEPTH + 1), "}".repeat(MAX_DEPTH + 1));
        assert!(encode_src(&lua, &too_deep).is_err());
    }
}
