//! Telemetry: OpenTelemetry traces and metrics over OTLP (HTTP/protobuf), and Prometheus `/metrics`.
//!
//! Configured by the standard `OTEL_*` environment variables, then by `[telemetry]` (`config::TelemetrySettings`):
//! - traces and OTLP metrics are on when an OTLP endpoint is known (`OTEL_EXPORTER_OTLP_ENDPOINT`, the signal's
//!   own `OTEL_EXPORTER_OTLP_{TRACES,METRICS}_ENDPOINT`, or `telemetry.otlp_endpoint`), unless
//!   `OTEL_SDK_DISABLED=true` or `OTEL_{TRACES,METRICS}_EXPORTER=none`; the SDK reads the rest itself
//!   (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER[_ARG]`, `OTEL_BSP_*`,
//!   `OTEL_METRIC_EXPORT_INTERVAL`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TIMEOUT`);
//! - `/metrics` is served when `telemetry.metrics` or `telemetry.metrics_listen` says so.
//!
//! Off (nothing configured), none of this exists: no exporter, no OpenTelemetry layer in the `tracing` subscriber,
//! and every hook (`traces_on`, `metrics`) is one atomic load that says no.
//!
//! Spans (OpenTelemetry semantic conventions for MCP, HTTP client and RPC): a server span per MCP request
//! (`server_span`, named `tools/call {tool}`), the bridge's `tool_call` span inside it, a client span per A2A
//! request (`A2aRequest`), and events on the current span for stream milestones (`event`).

pub mod endpoint;
pub mod logfmt;
pub mod metrics;
pub mod propagation;

mod export;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use opentelemetry::KeyValue;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::config::TelemetrySettings;
pub use metrics::Metrics;
pub use propagation::MetaContext;

/// The instrumentation scope of everything the bridge records.
const SCOPE: &str = "mcp-a2a-bridge";

static TRACES: AtomicBool = AtomicBool::new(false);
static METRICS: OnceLock<Metrics> = OnceLock::new();
static SETTINGS: OnceLock<TelemetrySettings> = OnceLock::new();

/// Whether spans are exported (and trace context propagated).
pub fn traces_on() -> bool {
    TRACES.load(Ordering::Relaxed)
}

/// The metrics, when `/metrics` or OTLP metrics are on.
pub fn metrics() -> Option<&'static Metrics> {
    METRICS.get()
}

/// The `[telemetry]` table `start` was given, once telemetry is on.
fn settings() -> Option<&'static TelemetrySettings> {
    SETTINGS.get()
}

/// What `start` set up; dropping it flushes and stops the exporters (waiting at most the export timeout).
#[derive(Default)]
pub struct Telemetry {
    tracer_provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
}

/// A variable's value, unless unset or blank.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Whether `OTEL_{signal}_EXPORTER` turns the signal off (`none`); anything else but `otlp` is refused.
fn exporter_off(signal: &str) -> Result<bool, String> {
    let var = format!("OTEL_{signal}_EXPORTER");
    match env(&var).as_deref().map(str::trim) {
        None | Some("otlp") => Ok(false),
        Some("none") => Ok(true),
        Some(other) => Err(format!(
            "{var}={other:?} is not supported: the bridge exports over OTLP (\"otlp\") or not at all (\"none\")"
        )),
    }
}

/// Refuses an OTLP protocol other than HTTP/protobuf, naming the variable.
fn check_protocol(signal: &str) -> Result<(), String> {
    for var in [
        format!("OTEL_EXPORTER_OTLP_{signal}_PROTOCOL"),
        "OTEL_EXPORTER_OTLP_PROTOCOL".to_owned(),
    ] {
        if let Some(p) = env(&var)
            && p.trim() != "http/protobuf"
        {
            return Err(format!(
                "{var}={p:?} is not supported: the bridge exports OTLP over HTTP/protobuf only (\"http/protobuf\", \
                 port 4318 on a collector)"
            ));
        }
    }
    Ok(())
}

/// Where a signal goes: `Some(None)` when the environment names the endpoint (the exporter reads it itself),
/// `Some(Some(url))` from the config, `None` when nothing does.
fn endpoint(signal: &str, path: &str, settings: &TelemetrySettings) -> Option<Option<String>> {
    if env(&format!("OTEL_EXPORTER_OTLP_{signal}_ENDPOINT")).is_some()
        || env("OTEL_EXPORTER_OTLP_ENDPOINT").is_some()
    {
        return Some(None);
    }
    settings
        .otlp_endpoint
        .as_ref()
        .map(|base| Some(format!("{base}{path}")))
}

fn resource(settings: &TelemetrySettings) -> opentelemetry_sdk::Resource {
    let builder = opentelemetry_sdk::Resource::builder()
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")));
    // The builder has read OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; the config only fills a gap.
    if env("OTEL_SERVICE_NAME").is_some() {
        builder.build()
    } else {
        builder
            .with_service_name(
                settings
                    .service_name
                    .clone()
                    .unwrap_or_else(|| SCOPE.to_owned()),
            )
            .build()
    }
}

impl Telemetry {
    /// Starts what `settings` and the environment ask for (see the module docs), or nothing. The error names
    /// the variable or says what failed; the caller reports it as a config error.
    pub fn start(settings: &TelemetrySettings) -> Result<Telemetry, String> {
        let disabled =
            env("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        let traces = match endpoint("TRACES", "/v1/traces", settings) {
            Some(url) if !disabled && !exporter_off("TRACES")? => Some(url),
            _ => None,
        };
        let otlp_metrics = match endpoint("METRICS", "/v1/metrics", settings) {
            Some(url) if !disabled && !exporter_off("METRICS")? => Some(url),
            _ => None,
        };
        let mut telemetry = Telemetry::default();
        if traces.is_none() && otlp_metrics.is_none() && !settings.prometheus() {
            return Ok(telemetry);
        }
        let client = (traces.is_some() || otlp_metrics.is_some())
            .then(export::ExportClient::new)
            .transpose()?;
        let resource = resource(settings);
        if let (Some(url), Some(client)) = (traces, &client) {
            check_protocol("TRACES")?;
            let mut builder = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_http_client(client.clone())
                .with_protocol(opentelemetry_otlp::Protocol::HttpBinary);
            if let Some(url) = url {
                builder = builder.with_endpoint(url);
            }
            let exporter = builder
                .build()
                .map_err(|e| format!("cannot set up the OTLP trace exporter: {e}"))?;
            telemetry.tracer_provider = Some(
                SdkTracerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(resource.clone())
                    .build(),
            );
            opentelemetry::global::set_text_map_propagator(propagation::propagator());
        }
        if let (Some(url), Some(client)) = (otlp_metrics, &client) {
            check_protocol("METRICS")?;
            let mut builder = opentelemetry_otlp::MetricExporter::builder()
                .with_http()
                .with_http_client(client.clone())
                .with_protocol(opentelemetry_otlp::Protocol::HttpBinary);
            if let Some(url) = url {
                builder = builder.with_endpoint(url);
            }
            let exporter = builder
                .build()
                .map_err(|e| format!("cannot set up the OTLP metric exporter: {e}"))?;
            telemetry.meter_provider = Some(
                SdkMeterProvider::builder()
                    .with_periodic_exporter(exporter)
                    .with_resource(resource)
                    .build(),
            );
        }
        let meter = telemetry.meter_provider.as_ref().map(|p| p.meter(SCOPE));
        let _ = METRICS.set(Metrics::new(meter.as_ref()));
        let _ = SETTINGS.set(settings.clone());
        TRACES.store(telemetry.tracer_provider.is_some(), Ordering::Relaxed);
        Ok(telemetry)
    }

    /// The tracer for the `tracing-opentelemetry` layer, when traces are exported.
    pub fn tracer(&self) -> Option<SdkTracer> {
        self.tracer_provider.as_ref().map(|p| p.tracer(SCOPE))
    }

    /// One line for the start-up log: what is exported.
    pub fn describe(&self) -> &'static str {
        match (
            self.tracer_provider.is_some(),
            self.meter_provider.is_some(),
        ) {
            (true, true) => "traces and metrics over OTLP",
            (true, false) => "traces over OTLP",
            (false, true) => "metrics over OTLP",
            (false, false) => "nothing over OTLP",
        }
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        TRACES.store(false, Ordering::Relaxed);
        if let Some(p) = self.tracer_provider.take()
            && let Err(e) = p.shutdown()
        {
            tracing::warn!(error = %e, "flushing traces at exit failed");
        }
        if let Some(p) = self.meter_provider.take()
            && let Err(e) = p.shutdown()
        {
            tracing::warn!(error = %e, "flushing metrics at exit failed");
        }
    }
}

/// The server span of one MCP request (MCP semantic conventions), at `debug` so log lines keep their usual
/// prefix (the exporter takes this module's spans at `debug`, see `main`): named `{method} {tool}` for `tools/call`, else
/// `{method}`; child of the trace context the request carried (`propagation::parent`). `Span::none()` when traces
/// are off, so nothing is built or logged.
pub fn server_span(
    method: &'static str,
    tool: Option<&str>,
    meta: MetaContext<'_>,
    headers: Option<&http::HeaderMap>,
    session_id: Option<&str>,
    protocol_version: Option<&str>,
) -> Span {
    if !traces_on() {
        return Span::none();
    }
    // The name a client sent may be anything: at most MCP's 128 characters of it (SEP-986).
    let tool = tool.map(|t| t.char_indices().nth(128).map_or(t, |(i, _)| &t[..i]));
    let name = match tool {
        Some(tool) => format!("{method} {tool}"),
        None => method.to_owned(),
    };
    let span = tracing::debug_span!(
        "mcp.request",
        otel.name = %name,
        otel.kind = "server",
        otel.status_code = tracing::field::Empty,
        mcp.method.name = method,
        gen_ai.tool.name = tool,
        gen_ai.operation.name = tool.map(|_| "execute_tool"),
        mcp.session.id = session_id,
        mcp.protocol.version = protocol_version,
        "error.type" = tracing::field::Empty,
    );
    let _ = span.set_parent(propagation::parent(meta, headers));
    span
}

/// Marks a server span failed with `error_type` (a JSON-RPC code, or `tool_error`).
pub fn span_failed(span: &Span, error_type: &str) {
    if !span.is_disabled() {
        span.record("error.type", error_type);
        span.record("otel.status_code", "ERROR");
    }
}

/// An event on the current span (a stream milestone: `a2a.stream.first_event`, `a2a.task.state`,
/// `a2a.stream.recovery`, `a2a.budget.spent`). Only exported: it writes no log line. Nothing when traces are off.
pub fn event(name: &'static str, attributes: &[(&'static str, &str)]) {
    if !traces_on() {
        return;
    }
    let attributes = attributes
        .iter()
        .map(|(k, v)| KeyValue::new(*k, (*v).to_owned()))
        .collect();
    Span::current().add_event(name, attributes);
}

/// What an A2A request is, for its client span and its duration metric.
pub struct A2aRequestInfo<'a> {
    /// The agent's configured name (empty when the client was built without one).
    pub agent: &'a str,
    /// The A2A method as sent (`message/send`, `SendMessage`, ...).
    pub method: &'static str,
    /// The A2A protocol version spoken (`0.3`, `1.0`).
    pub protocol_version: &'a str,
    /// The endpoint, without credentials or query.
    pub url: &'a str,
    pub host: Option<&'a str>,
    pub port: Option<u16>,
    /// The task the request names, when it names one.
    pub task_id: Option<&'a str>,
}

/// One A2A request being made: its client span (HTTP and RPC client conventions plus `a2a.*`) and its start
/// time. `finish` records the outcome; a request dropped unfinished (an error returned early) counts as an
/// error.
pub struct A2aRequest {
    span: Span,
    started: Instant,
    agent: String,
    method: &'static str,
    finished: bool,
}

/// Starts watching an A2A request; `None` (and no work at all) when telemetry is off. The span is at `debug`,
/// like the server span.
pub fn a2a_request(info: A2aRequestInfo<'_>) -> Option<A2aRequest> {
    let traces = traces_on();
    if !traces && metrics().is_none() {
        return None;
    }
    let span = if traces {
        tracing::debug_span!(
            "a2a.request",
            otel.name = info.method,
            otel.kind = "client",
            otel.status_code = tracing::field::Empty,
            http.request.method = "POST",
            http.response.status_code = tracing::field::Empty,
            url.full = info.url,
            server.address = info.host,
            server.port = info.port,
            rpc.system = "jsonrpc",
            rpc.method = info.method,
            a2a.method = info.method,
            a2a.agent.name = info.agent,
            a2a.task.id = info.task_id,
            a2a.protocol.version = info.protocol_version,
            "error.type" = tracing::field::Empty,
        )
    } else {
        Span::none()
    };
    Some(A2aRequest {
        span,
        started: Instant::now(),
        agent: info.agent.to_owned(),
        method: info.method,
        finished: false,
    })
}

impl A2aRequest {
    /// `traceparent` and `tracestate` for this request's span (empty when traces are off).
    pub fn trace_headers(&self) -> http::HeaderMap {
        propagation::headers_for(&self.span)
    }

    /// The agent answered with `status` (`None`: no answer; `error_type` then says why).
    pub fn finish(mut self, status: Option<u16>, error_type: Option<&str>) {
        self.finished = true;
        if let Some(status) = status {
            self.span.record("http.response.status_code", status);
        }
        let failed = error_type.is_some() || status.is_some_and(|s| s >= 400);
        if failed {
            let error_type = error_type
                .map(str::to_owned)
                .or_else(|| status.map(|s| s.to_string()))
                .unwrap_or_default();
            span_failed(&self.span, &error_type);
        }
        self.record(if failed { "error" } else { "ok" });
    }

    fn record(&self, outcome: &'static str) {
        if let Some(m) = metrics() {
            m.a2a_request(&self.agent, self.method, outcome, self.started.elapsed());
        }
    }
}

impl Drop for A2aRequest {
    fn drop(&mut self) {
        if !self.finished {
            span_failed(&self.span, "error");
            self.record("error");
        }
    }
}

/// How often the open-session gauge is sampled.
pub const SESSIONS_SAMPLE: Duration = Duration::from_secs(5);
