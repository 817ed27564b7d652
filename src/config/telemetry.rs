//! The `[telemetry]` table: OpenTelemetry export over OTLP and the Prometheus `/metrics` endpoint. Every key is
//! optional; with none (and no `OTEL_EXPORTER_OTLP_*ENDPOINT` in the environment) telemetry is off. The standard
//! `OTEL_*` variables win over the keys here (see `crate::telemetry`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::secret::{Secret, one_source};

type KeyError = (String, String);

/// The validated `[telemetry]` table.
#[derive(Debug, Clone, Default)]
pub struct TelemetrySettings {
    /// OTLP/HTTP base URL (`http://collector:4318`); `/v1/traces` and `/v1/metrics` are appended. Used when
    /// neither `OTEL_EXPORTER_OTLP_ENDPOINT` nor a signal's own endpoint variable is set.
    pub otlp_endpoint: Option<String>,
    /// `service.name` of the exported resource, when `OTEL_SERVICE_NAME` is not set (default `mcp-a2a-bridge`).
    pub service_name: Option<String>,
    /// Serve `/metrics` (Prometheus text format) next to `/mcp` in HTTP mode.
    pub metrics: bool,
    /// Serve `/metrics` on its own address instead (works over stdio too); implies `metrics`.
    pub metrics_listen: Option<SocketAddr>,
    /// Bearer token `/metrics` requires; none: open to whoever reaches the address.
    pub metrics_token: Option<Secret>,
}

impl TelemetrySettings {
    /// Whether `/metrics` is served at all.
    pub fn prometheus(&self) -> bool {
        self.metrics || self.metrics_listen.is_some()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTelemetry {
    otlp_endpoint: Option<String>,
    service_name: Option<String>,
    metrics: Option<bool>,
    metrics_listen: Option<String>,
    metrics_token_env: Option<String>,
    metrics_token_file: Option<PathBuf>,
}

impl RawTelemetry {
    pub(super) fn validate(self, dir: &Path) -> Result<TelemetrySettings, KeyError> {
        let otlp_endpoint = match self.otlp_endpoint {
            None => None,
            Some(text) => {
                let url = url::Url::parse(text.trim())
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
                if url.is_none() {
                    return Err((
                        "telemetry.otlp_endpoint".into(),
                        format!(
                            "expected the collector's OTLP/HTTP base URL like \"http://127.0.0.1:4318\", got {text:?}"
                        ),
                    ));
                }
                Some(text.trim().trim_end_matches('/').to_owned())
            }
        };
        if let Some(name) = &self.service_name
            && name.trim().is_empty()
        {
            return Err(("telemetry.service_name".into(), "is empty".into()));
        }
        let metrics_listen = match self.metrics_listen {
            None => None,
            Some(text) => Some(text.trim().parse::<SocketAddr>().map_err(|_| {
                (
                    "telemetry.metrics_listen".to_owned(),
                    format!("expected an address and port like \"127.0.0.1:9464\", got {text:?}"),
                )
            })?),
        };
        let metrics_token = match (self.metrics_token_env, self.metrics_token_file) {
            (None, None) => None,
            (env, file) => {
                let source = one_source(env, file, "telemetry.metrics_token")
                    .map_err(|m| ("telemetry.metrics_token".to_owned(), m))?;
                Some(
                    source
                        .resolve(dir)
                        .map_err(|m| ("telemetry.metrics_token".to_owned(), m))?,
                )
            }
        };
        Ok(TelemetrySettings {
            otlp_endpoint,
            service_name: self.service_name.map(|s| s.trim().to_owned()),
            metrics: self.metrics.unwrap_or(false),
            metrics_listen,
            metrics_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<TelemetrySettings, KeyError> {
        let raw: RawTelemetry = toml::from_str(text).unwrap();
        raw.validate(Path::new("."))
    }

    #[test]
    fn keys_are_validated_and_named() {
        let s = parse("").unwrap();
        assert!(s.otlp_endpoint.is_none() && !s.prometheus());
        let s = parse(
            "otlp_endpoint = \"http://127.0.0.1:4318/\"\nmetrics_listen = \"127.0.0.1:9464\"",
        )
        .unwrap();
        assert_eq!(s.otlp_endpoint.as_deref(), Some("http://127.0.0.1:4318"));
        assert!(s.prometheus());
        for (text, key, says) in [
            (
                "otlp_endpoint = \"127.0.0.1:4318\"",
                "telemetry.otlp_endpoint",
                "base URL",
            ),
            (
                "metrics_listen = \"9464\"",
                "telemetry.metrics_listen",
                "address and port",
            ),
            ("service_name = \" \"", "telemetry.service_name", "empty"),
            (
                "metrics_token_env = \"MCP_A2A_TEST_SURELY_UNSET\"",
                "telemetry.metrics_token",
                "MCP_A2A_TEST_SURELY_UNSET is not set",
            ),
            (
                "metrics_token_env = \"A\"\nmetrics_token_file = \"b\"",
                "telemetry.metrics_token",
                "not both",
            ),
        ] {
            let (k, m) = parse(text).unwrap_err();
            assert_eq!(k, key, "{text}");
            assert!(m.contains(says), "{text}: {m}");
        }
    }
}
