//! Secrets named by reference (`*_env`, `*_file`), resolved once at start-up.

use std::path::{Path, PathBuf};

/// A resolved secret. Its `Debug` never shows the value, and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for building a request header. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where a secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    Env(String),
    File(PathBuf),
}

impl SecretSource {
    /// Reads the secret. A file path is relative to the config file's folder. The error says what is
    /// missing, never the value.
    pub fn resolve(&self, config_dir: &Path) -> Result<Secret, String> {
        match self {
            SecretSource::Env(var) => match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => Ok(Secret(v.trim().to_owned())),
                Ok(_) => Err(format!("environment variable {var} is empty")),
                Err(std::env::VarError::NotPresent) => {
                    Err(format!("environment variable {var} is not set"))
                }
                Err(std::env::VarError::NotUnicode(_)) => {
                    Err(format!("environment variable {var} is not valid UTF-8"))
                }
            },
            SecretSource::File(path) => {
                let full = config_dir.join(path);
                match std::fs::read_to_string(&full) {
                    // Files written by editors and `echo` end in a newline that is not part of the secret.
                    Ok(v) if !v.trim().is_empty() => Ok(Secret(v.trim().to_owned())),
                    Ok(_) => Err(format!("file {} is empty", full.display())),
                    Err(e) => Err(format!("cannot read {}: {e}", full.display())),
                }
            }
        }
    }
}

/// Picks the one source given by a `{name}_env` / `{name}_file` pair of keys. `key` is the config path of the
/// pair without the suffix, for the error (`agents[0].auth.token`).
pub fn one_source(
    env: Option<String>,
    file: Option<PathBuf>,
    key: &str,
) -> Result<SecretSource, String> {
    match (env, file) {
        (Some(var), None) if !var.is_empty() => Ok(SecretSource::Env(var)),
        (None, Some(path)) => Ok(SecretSource::File(path)),
        (Some(_), Some(_)) => Err(format!("{key}_env and {key}_file: give one, not both")),
        _ => Err(format!(
            "{key}_env or {key}_file is required (the secret itself never goes in the config)"
        )),
    }
}
