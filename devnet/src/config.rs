//! Service configuration files. Each role's `<Role>Config` (serde) is written as TOML
//! from a [`toml::Table`] the devnet fills with the agreed field names, merged with the
//! caller's overrides, so the devnet works for any role whose config it can name.

use std::path::Path;

use crate::DevnetError;

/// Deep-merges `overrides` into `base`: tables merge key by key, anything else replaces.
pub fn merge(base: &mut toml::Table, overrides: &toml::Table) {
    for (key, value) in overrides {
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(over)) => merge(inner, over),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// A TOML string value for a path.
pub fn path_value(path: &Path) -> toml::Value {
    toml::Value::String(path.to_string_lossy().into_owned())
}

/// Writes `table` to `path` as TOML.
pub fn write(path: &Path, table: &toml::Table) -> Result<(), DevnetError> {
    let text = toml::to_string_pretty(table).map_err(|e| DevnetError::Format {
        what: "service config",
        reason: e.to_string(),
    })?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(DevnetError::io("create", dir))?;
    }
    std::fs::write(path, text).map_err(DevnetError::io("write", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_is_deep_and_overrides_win() {
        let mut base: toml::Table =
            toml::from_str("a = 1\n[t]\nx = 1\ny = 2\n").expect("valid TOML");
        let over: toml::Table = toml::from_str("b = 3\n[t]\ny = 5\n").expect("valid TOML");
        merge(&mut base, &over);
        let expected: toml::Table =
            toml::from_str("a = 1\nb = 3\n[t]\nx = 1\ny = 5\n").expect("valid TOML");
        assert_eq!(base, expected);
    }
}
