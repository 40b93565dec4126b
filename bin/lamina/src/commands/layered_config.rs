//! A role's configuration in layers: the config struct's defaults, then its TOML file,
//! then one environment variable per field; each command lays its flags on top.
//!
//! Every field, nested ones included, can come from the environment:
//! `<PREFIX>_<FIELD>` in upper case, `__` between nested keys
//! (`LAMINA_NODE_MAX_REFERENCE_BLOCK_AGE=600`, `LAMINA_NODE_SRS__DIR=/srs`). A value is
//! read as the field's type (taken from the default): strings (paths, URLs,
//! addresses) as written, lists comma-separated, tables as TOML inline tables
//! (`LAMINA_NODE_BLS_PASSWORD='{ file = "pw" }'`). A variable under the prefix that names
//! no field is an error, so a typo does not silently leave a default in place.

use std::path::Path;

use anyhow::{Context, bail};
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Serialize, forward_to_deserialize_any};
use toml::{Table, Value};

/// The configuration `T`: defaults, then `file`, then the process environment under
/// `prefix` (variables named `<prefix>_<R>` for `R` in `reserved` are someone else's,
/// such as the `--config` flag's own variable). Not validated: flags come next.
pub(crate) fn load<T>(file: Option<&Path>, prefix: &str, reserved: &[&str]) -> anyhow::Result<T>
where
    T: Default + Serialize + DeserializeOwned,
{
    let text = file
        .map(|path| {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
        })
        .transpose()?;
    // `vars()` would panic on a variable that is not Unicode; none of ours is.
    let env = std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)));
    layered(text.as_deref(), prefix, reserved, env).with_context(|| match file {
        Some(path) => format!("configuration from {} and {prefix}_*", path.display()),
        None => format!("configuration from {prefix}_*"),
    })
}

/// [`load`] with the file's text and the environment given.
fn layered<T>(
    file: Option<&str>,
    prefix: &str,
    reserved: &[&str],
    env: impl IntoIterator<Item = (String, String)>,
) -> anyhow::Result<T>
where
    T: Default + Serialize + DeserializeOwned,
{
    let defaults = Table::try_from(T::default()).context("serializing the defaults")?;
    let fields = struct_fields::<T>();
    // The file's own table, not the defaults merged with it: `#[serde(default)]` fills
    // what it leaves out, and a table the file sets (an enum such as `{ file = ".." }`)
    // must not be mixed with the default's keys. Parsed as `T` first so that a bad
    // value is reported with its line.
    let mut table: Table = match file {
        Some(text) => {
            toml::from_str::<T>(text).context("parsing the TOML file")?;
            toml::from_str(text).context("parsing the TOML file")?
        }
        None => Table::new(),
    };
    let head = format!("{prefix}_");
    let mut vars: Vec<(String, String)> = env
        .into_iter()
        .filter(|(name, _)| {
            name.strip_prefix(&head)
                .is_some_and(|rest| !reserved.contains(&rest))
        })
        .collect();
    vars.sort();
    for (name, raw) in vars {
        let path: Vec<String> = name[head.len()..]
            .to_ascii_lowercase()
            .split("__")
            .map(str::to_owned)
            .collect();
        if !fields.contains(&path[0].as_str()) {
            bail!(
                "{name} names no configuration field; the fields are {}",
                fields.join(", ")
            );
        }
        let value = env_value(&name, &raw, lookup(&defaults, &path))?;
        insert(&mut table, &path, value).with_context(|| format!("applying {name}"))?;
        // One variable at a time, so that an error names the variable at fault.
        deserialize::<T>(&table).with_context(|| format!("{name}={raw:?}"))?;
    }
    deserialize(&table)
}

fn deserialize<T: DeserializeOwned>(table: &Table) -> anyhow::Result<T> {
    Value::Table(table.clone())
        .try_into()
        .map_err(|e: toml::de::Error| anyhow::anyhow!("{}", e.message()))
}

/// `raw` read as the type of `like` (the field's default); `like` is `None` for a field
/// unset by default (an `Option`), read as an integer, boolean or inline table when it
/// is one, else as written.
fn env_value(name: &str, raw: &str, like: Option<&Value>) -> anyhow::Result<Value> {
    let literal = toml::from_str::<Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"));
    Ok(match (like, literal) {
        (Some(Value::String(_)), _) => Value::String(raw.to_owned()),
        (Some(Value::Array(_)), Some(list @ Value::Array(_))) => list,
        (Some(Value::Array(items)), _) => Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| env_value(name, item, items.first()))
                .collect::<anyhow::Result<_>>()?,
        ),
        (Some(Value::Float(_)), Some(Value::Integer(i))) => Value::Float(i as f64),
        (Some(like), Some(value)) if like.same_type(&value) => value,
        (Some(like), _) => bail!("{name}={raw:?}: expected {} like {like}", like.type_str()),
        // A field under a table unset by default (`[secondary.s3]` under `Option`): the
        // integers, booleans and inline tables TOML reads, else the text as written.
        (None, Some(value @ (Value::Integer(_) | Value::Boolean(_) | Value::Table(_)))) => value,
        (None, _) => Value::String(raw.to_owned()),
    })
}

/// The value at `path` in `table`, if any.
fn lookup<'t>(table: &'t Table, path: &[String]) -> Option<&'t Value> {
    let (last, parents) = path.split_last()?;
    let mut table = table;
    for key in parents {
        table = table.get(key)?.as_table()?;
    }
    table.get(last)
}

/// Sets `path` in `table` to `value`, creating the tables on the way.
fn insert(table: &mut Table, path: &[String], value: Value) -> anyhow::Result<()> {
    let Some((last, parents)) = path.split_last() else {
        bail!("empty field name");
    };
    let mut table = table;
    for key in parents {
        table = table
            .entry(key.clone())
            .or_insert_with(|| Value::Table(Table::new()))
            .as_table_mut()
            .with_context(|| format!("`{key}` is not a table"))?;
    }
    table.insert(last.clone(), value);
    Ok(())
}

/// The field names a struct's `Deserialize` asks for (after renames): serde hands
/// them to `deserialize_struct`, which is all this deserializer implements.
fn struct_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Fields(&'static [&'static str]);
    impl<'de> Deserializer<'de> for &mut Fields {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = fields;
            Err(de::Error::custom("fields read"))
        }
        forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
            enum identifier ignored_any
        }
    }
    let mut fields = Fields(&[]);
    let _ = T::deserialize(&mut fields);
    fields.0
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::path::PathBuf;

    use lamina_disperser::DisperserConfig;
    use lamina_node::{NodeConfig, PasswordConfig};
    use lamina_retriever::RetrieverConfig;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> Vec<(String, String)> {
        vars.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn every_node_field_kind_comes_from_the_environment() {
        let config: NodeConfig = layered(
            Some("expiry_secs = 60\nrpc_url = \"http://file:1\"\n"),
            "LAMINA_NODE",
            &["CONFIG", "KEY_PASSWORD"],
            env(&[
                ("LAMINA_NODE_RPC_URL", "http://env:2"),
                ("LAMINA_NODE_MAX_REFERENCE_BLOCK_AGE", "600"),
                ("LAMINA_NODE_ONCHAIN_DISPERSERS", "false"),
                ("LAMINA_NODE_GRPC_LISTEN", "127.0.0.1:7000"),
                ("LAMINA_NODE_SRS__DIR", "/srs"),
                ("LAMINA_NODE_PASSWORD_FILE", "/pw"),
                ("LAMINA_NODE_BLS_PASSWORD", "{ file = \"/bls-pw\" }"),
                (
                    "LAMINA_NODE_AUTHORIZED_DISPERSERS",
                    "0x70997970C51812dc3A010C7d50b0d1f3E4f4d44e, 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
                ),
                ("LAMINA_NODE_CONFIG", "node.toml"),
                ("LAMINA_NODE_KEY_PASSWORD", "secret"),
                ("OTHER_VAR", "x"),
            ]),
        )
        .expect("loads");
        let defaults = NodeConfig::default();
        assert_eq!(config.expiry_secs, 60, "from the file");
        assert_eq!(
            config.rpc_url, "http://env:2",
            "the environment beats the file"
        );
        assert_eq!(config.max_reference_block_age, 600);
        assert!(!config.onchain_dispersers);
        assert_eq!(
            config.grpc_listen,
            "127.0.0.1:7000".parse::<SocketAddr>().expect("addr")
        );
        assert_eq!(config.srs.dir, Some(PathBuf::from("/srs")));
        assert_eq!(config.srs.order, defaults.srs.order, "nested default kept");
        assert_eq!(config.password_file, Some(PathBuf::from("/pw")));
        assert_eq!(
            config.bls_password,
            PasswordConfig::File(PathBuf::from("/bls-pw"))
        );
        assert_eq!(config.ecdsa_password, defaults.ecdsa_password);
        assert_eq!(config.authorized_dispersers.len(), 2);
        assert_eq!(config.max_blob_symbols, defaults.max_blob_symbols);
    }

    #[test]
    fn optional_numbers_nested_tables_and_other_roles() {
        let disperser: DisperserConfig = layered(
            None,
            "LAMINA_DISPERSER",
            &["CONFIG"],
            env(&[
                ("LAMINA_DISPERSER_BLOB_VERSION", "1"),
                ("LAMINA_DISPERSER_PASSWORD_ENV", "PW"),
                ("LAMINA_DISPERSER_ANCHOR_ON_CHAIN", "true"),
            ]),
        )
        .expect("loads");
        assert_eq!(disperser.blob_version, Some(1));
        assert_eq!(disperser.password_env.as_deref(), Some("PW"));
        assert!(disperser.anchor_on_chain);

        let retriever: RetrieverConfig = layered(
            None,
            "LAMINA_RETRIEVER",
            &["CONFIG"],
            env(&[
                ("LAMINA_RETRIEVER_RETRIEVAL__OPERATOR_TIMEOUT_MS", "1234"),
                ("LAMINA_RETRIEVER_DISPERSER", "127.0.0.1:9000"),
            ]),
        )
        .expect("loads");
        assert_eq!(retriever.retrieval.operator_timeout_ms, 1234);
        assert_eq!(retriever.disperser.as_deref(), Some("127.0.0.1:9000"));
        assert_eq!(
            retriever.retrieval.max_concurrent_requests,
            RetrieverConfig::default().retrieval.max_concurrent_requests
        );
    }

    #[test]
    fn the_proxys_s3_store_comes_from_the_environment() {
        let proxy: lamina_proxy::ProxyConfig = layered(
            None,
            "LAMINA_PROXY",
            &["CONFIG"],
            env(&[
                (
                    "LAMINA_PROXY_SECONDARY__S3__ENDPOINT",
                    "http://127.0.0.1:9000",
                ),
                ("LAMINA_PROXY_SECONDARY__S3__BUCKET", "batches"),
                ("LAMINA_PROXY_SECONDARY__S3__ALLOW_HTTP", "true"),
                ("LAMINA_PROXY_SECONDARY__S3__TIMEOUT_MS", "500"),
                ("LAMINA_PROXY_SECONDARY__S3__ACCESS_KEY_ID", "id"),
                ("LAMINA_PROXY_SECONDARY__S3__SECRET_ACCESS_KEY", "from-env"),
            ]),
        )
        .expect("loads");
        proxy.validate().expect("valid");
        let Some(lamina_proxy::ObjectStoreConfig::S3(s3)) = &proxy.secondary else {
            panic!("an S3 store: {:?}", proxy.secondary);
        };
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(
            (s3.bucket.as_str(), s3.allow_http, s3.timeout_ms),
            ("batches", true, 500)
        );
        assert_eq!(
            s3.secret_access_key.as_ref().map(|s| s.expose()),
            Some("from-env")
        );
        let dir: lamina_proxy::ProxyConfig = layered(
            None,
            "LAMINA_PROXY",
            &["CONFIG"],
            env(&[("LAMINA_PROXY_SECONDARY__DIR", "/var/lib/proxy")]),
        )
        .expect("loads");
        assert_eq!(
            dir.secondary,
            Some(lamina_proxy::ObjectStoreConfig::Dir(
                "/var/lib/proxy".into()
            ))
        );
    }

    #[test]
    fn typos_and_wrong_types_name_the_variable() {
        let err = layered::<NodeConfig>(
            None,
            "LAMINA_NODE",
            &["CONFIG"],
            env(&[("LAMINA_NODE_EXPIRY_SECOND", "5")]),
        )
        .expect_err("unknown field");
        let text = format!("{err:#}");
        assert!(
            text.contains("LAMINA_NODE_EXPIRY_SECOND names no configuration field"),
            "{text}"
        );
        assert!(text.contains("expiry_secs"), "lists the fields: {text}");

        let err = layered::<NodeConfig>(
            None,
            "LAMINA_NODE",
            &[],
            env(&[("LAMINA_NODE_EXPIRY_SECS", "two weeks")]),
        )
        .expect_err("not an integer");
        assert!(
            format!("{err:#}").contains("LAMINA_NODE_EXPIRY_SECS=\"two weeks\": expected integer"),
            "{err:#}"
        );

        let err = layered::<NodeConfig>(
            None,
            "LAMINA_NODE",
            &[],
            env(&[("LAMINA_NODE_GRPC_LISTEN", "nowhere")]),
        )
        .expect_err("not an address");
        assert!(
            format!("{err:#}")
                .contains("LAMINA_NODE_GRPC_LISTEN=\"nowhere\": invalid socket address"),
            "{err:#}"
        );

        let err = layered::<NodeConfig>(Some("expiry_secs = \"long\"\n"), "LAMINA_NODE", &[], [])
            .expect_err("bad file");
        assert!(format!("{err:#}").contains("line 1"), "{err:#}");
    }
}
