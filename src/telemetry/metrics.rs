//! The bridge's metrics, kept in a Prometheus registry (`prometheus-client`, read by `/metrics`) and, when OTLP
//! metrics are on, recorded into OpenTelemetry instruments too (exported by the SDK's periodic reader).
//!
//! Names follow the OpenTelemetry semantic conventions where one exists (`mcp.server.operation.duration`, MCP
//! semantic conventions); the bridge's own are under `a2a_bridge.`. In Prometheus the dots become underscores
//! and counters end in `_total`, durations in `_seconds`. Every label comes from the config or from a fixed set
//! (agents, known tool names, A2A methods, outcomes): nothing a client sends becomes a label.

use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{
    Counter as OtelCounter, Gauge as OtelGauge, Histogram as OtelHistogram,
};
use opentelemetry::metrics::{Meter, UpDownCounter};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// Bucket bounds of every duration histogram, in seconds: the ones the MCP semantic conventions advise for
/// `mcp.server.operation.duration` (tool calls run from milliseconds to the wait budget's minutes).
const DURATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    agent: String,
    tool: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    mcp_method_name: &'static str,
    gen_ai_tool_name: String,
    agent: String,
    error_type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    agent: String,
    method: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AgentLabels {
    agent: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CutLabels {
    agent: String,
    cap: &'static str,
}

/// Every metric of the bridge. Made once, when telemetry starts; hooks reach it through `telemetry::metrics()`.
pub struct Metrics {
    registry: Registry,
    tool_calls: Family<CallLabels, Counter>,
    operation_duration: Family<OperationLabels, Histogram, fn() -> Histogram>,
    a2a_duration: Family<RequestLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    sessions: Gauge,
    agent_up: Family<AgentLabels, Gauge>,
    recoveries: Family<AgentLabels, Counter>,
    progress: Family<AgentLabels, Counter>,
    cut_bytes: Family<CutLabels, Counter>,
    otel: Option<Instruments>,
}

/// The same metrics as OpenTelemetry instruments, for OTLP.
struct Instruments {
    tool_calls: OtelCounter<u64>,
    operation_duration: OtelHistogram<f64>,
    a2a_duration: OtelHistogram<f64>,
    in_flight: UpDownCounter<i64>,
    sessions: OtelGauge<i64>,
    agent_up: OtelGauge<i64>,
    recoveries: OtelCounter<u64>,
    progress: OtelCounter<u64>,
    cut_bytes: OtelCounter<u64>,
}

impl Instruments {
    fn new(meter: &Meter) -> Self {
        let seconds = |name: &'static str, help: &'static str| {
            meter
                .f64_histogram(name)
                .with_unit("s")
                .with_description(help)
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build()
        };
        Instruments {
            tool_calls: meter
                .u64_counter("a2a_bridge.tool.calls")
                .with_description(TOOL_CALLS)
                .build(),
            operation_duration: seconds("mcp.server.operation.duration", OPERATION_DURATION),
            a2a_duration: seconds("a2a_bridge.a2a.request.duration", A2A_DURATION),
            in_flight: meter
                .i64_up_down_counter("a2a_bridge.tool.calls.in_flight")
                .with_description(IN_FLIGHT)
                .build(),
            sessions: meter
                .i64_gauge("a2a_bridge.sessions")
                .with_description(SESSIONS)
                .build(),
            agent_up: meter
                .i64_gauge("a2a_bridge.agent.up")
                .with_description(AGENT_UP)
                .build(),
            recoveries: meter
                .u64_counter("a2a_bridge.stream.recoveries")
                .with_description(RECOVERIES)
                .build(),
            progress: meter
                .u64_counter("a2a_bridge.progress.notifications")
                .with_description(PROGRESS)
                .build(),
            cut_bytes: meter
                .u64_counter("a2a_bridge.output.cut")
                .with_unit("By")
                .with_description(CUT_BYTES)
                .build(),
        }
    }
}

const TOOL_CALLS: &str = "MCP tool calls finished, by agent, tool and outcome (ok, error, input_required, task, refused)";
const OPERATION_DURATION: &str =
    "Duration of MCP requests the bridge served (MCP semantic conventions)";
const A2A_DURATION: &str =
    "Duration of A2A requests to agents until the response head, by agent, A2A method and outcome";
const IN_FLIGHT: &str = "MCP tool calls running now";
const SESSIONS: &str = "MCP sessions open (HTTP, clients that initialize)";
const AGENT_UP: &str = "1 when the agent's card was fetched and it is reachable, else 0";
const RECOVERIES: &str = "A2A event streams that ended before their task settled and were recovered (tasks/get, resubscribe, polling)";
const PROGRESS: &str = "MCP progress notifications sent, by agent";
const CUT_BYTES: &str =
    "Bytes of agent output dropped by the bridge's caps, by agent and cap (the config key)";

impl Metrics {
    /// A registry with every metric, recorded into `meter`'s instruments too when given.
    pub(super) fn new(meter: Option<&Meter>) -> Self {
        let mut registry = Registry::default();
        let tool_calls = Family::<CallLabels, Counter>::default();
        let operation_duration =
            Family::<OperationLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                duration_histogram,
            );
        let a2a_duration =
            Family::<RequestLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                duration_histogram,
            );
        let in_flight = Gauge::default();
        let sessions = Gauge::default();
        let agent_up = Family::<AgentLabels, Gauge>::default();
        let recoveries = Family::<AgentLabels, Counter>::default();
        let progress = Family::<AgentLabels, Counter>::default();
        let cut_bytes = Family::<CutLabels, Counter>::default();
        registry.register("a2a_bridge_tool_calls", TOOL_CALLS, tool_calls.clone());
        registry.register_with_unit(
            "mcp_server_operation_duration",
            OPERATION_DURATION,
            Unit::Seconds,
            operation_duration.clone(),
        );
        registry.register_with_unit(
            "a2a_bridge_a2a_request_duration",
            A2A_DURATION,
            Unit::Seconds,
            a2a_duration.clone(),
        );
        registry.register(
            "a2a_bridge_tool_calls_in_flight",
            IN_FLIGHT,
            in_flight.clone(),
        );
        registry.register("a2a_bridge_sessions", SESSIONS, sessions.clone());
        registry.register("a2a_bridge_agent_up", AGENT_UP, agent_up.clone());
        registry.register(
            "a2a_bridge_stream_recoveries",
            RECOVERIES,
            recoveries.clone(),
        );
        registry.register(
            "a2a_bridge_progress_notifications",
            PROGRESS,
            progress.clone(),
        );
        registry.register_with_unit(
            "a2a_bridge_output_cut",
            CUT_BYTES,
            Unit::Bytes,
            cut_bytes.clone(),
        );
        Metrics {
            registry,
            tool_calls,
            operation_duration,
            a2a_duration,
            in_flight,
            sessions,
            agent_up,
            recoveries,
            progress,
            cut_bytes,
            otel: meter.map(Instruments::new),
        }
    }

    /// A tool call starts; it counts as in flight until the guard is dropped.
    pub fn call_started(&'static self) -> InFlight {
        self.in_flight.inc();
        if let Some(o) = &self.otel {
            o.in_flight.add(1, &[]);
        }
        InFlight(self)
    }

    /// A `tools/call` finished: the call counter and `mcp.server.operation.duration`. `agent` is empty for
    /// tools of no one agent (`list_agents`); `error_type` is `tool_error` for an `isError` result, a JSON-RPC
    /// code for an error answer (MCP semantic conventions), else `None`.
    pub fn tool_call(
        &self,
        agent: &str,
        tool: &str,
        outcome: &'static str,
        error_type: Option<&str>,
        duration: Duration,
    ) {
        self.tool_calls
            .get_or_create(&CallLabels {
                agent: agent.to_owned(),
                tool: tool.to_owned(),
                outcome,
            })
            .inc();
        self.operation("tools/call", tool, agent, error_type, duration);
        if let Some(o) = &self.otel {
            o.tool_calls.add(
                1,
                &[
                    KeyValue::new("a2a.agent.name", agent.to_owned()),
                    KeyValue::new("gen_ai.tool.name", tool.to_owned()),
                    KeyValue::new("outcome", outcome),
                ],
            );
        }
    }

    /// Any MCP request served: `mcp.server.operation.duration` (for `tools/call`, use `tool_call`).
    pub fn operation(
        &self,
        method: &'static str,
        tool: &str,
        agent: &str,
        error_type: Option<&str>,
        duration: Duration,
    ) {
        let secs = duration.as_secs_f64();
        self.operation_duration
            .get_or_create(&OperationLabels {
                mcp_method_name: method,
                gen_ai_tool_name: tool.to_owned(),
                agent: agent.to_owned(),
                error_type: error_type.unwrap_or_default().to_owned(),
            })
            .observe(secs);
        if let Some(o) = &self.otel {
            let mut attrs = vec![KeyValue::new("mcp.method.name", method)];
            if !tool.is_empty() {
                attrs.push(KeyValue::new("gen_ai.tool.name", tool.to_owned()));
            }
            if !agent.is_empty() {
                attrs.push(KeyValue::new("a2a.agent.name", agent.to_owned()));
            }
            if let Some(e) = error_type {
                attrs.push(KeyValue::new("error.type", e.to_owned()));
            }
            o.operation_duration.record(secs, &attrs);
        }
    }

    /// One A2A request to `agent` answered (or failed) after `duration`.
    pub fn a2a_request(
        &self,
        agent: &str,
        method: &'static str,
        outcome: &'static str,
        duration: Duration,
    ) {
        let secs = duration.as_secs_f64();
        self.a2a_duration
            .get_or_create(&RequestLabels {
                agent: agent.to_owned(),
                method,
                outcome,
            })
            .observe(secs);
        if let Some(o) = &self.otel {
            o.a2a_duration.record(
                secs,
                &[
                    KeyValue::new("a2a.agent.name", agent.to_owned()),
                    KeyValue::new("a2a.method", method),
                    KeyValue::new("outcome", outcome),
                ],
            );
        }
    }

    /// MCP sessions open now.
    pub fn set_sessions(&self, open: usize) {
        let open = i64::try_from(open).unwrap_or(i64::MAX);
        self.sessions.set(open);
        if let Some(o) = &self.otel {
            o.sessions.record(open, &[]);
        }
    }

    /// Whether `agent` is reachable now.
    pub fn set_agent_up(&self, agent: &str, up: bool) {
        self.agent_up
            .get_or_create(&AgentLabels {
                agent: agent.to_owned(),
            })
            .set(i64::from(up));
        if let Some(o) = &self.otel {
            o.agent_up.record(
                i64::from(up),
                &[KeyValue::new("a2a.agent.name", agent.to_owned())],
            );
        }
    }

    /// A stream of `agent`'s ended early and is being recovered.
    pub fn stream_recovery(&self, agent: &str) {
        self.recoveries
            .get_or_create(&AgentLabels {
                agent: agent.to_owned(),
            })
            .inc();
        if let Some(o) = &self.otel {
            o.recoveries
                .add(1, &[KeyValue::new("a2a.agent.name", agent.to_owned())]);
        }
    }

    /// A progress notification went out for a call to `agent`.
    pub fn progress_sent(&self, agent: &str) {
        self.progress
            .get_or_create(&AgentLabels {
                agent: agent.to_owned(),
            })
            .inc();
        if let Some(o) = &self.otel {
            o.progress
                .add(1, &[KeyValue::new("a2a.agent.name", agent.to_owned())]);
        }
    }

    /// `bytes` of `agent`'s output were dropped by the cap named by the config key `cap`.
    pub fn bytes_cut(&self, agent: &str, cap: &'static str, bytes: usize) {
        let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
        self.cut_bytes
            .get_or_create(&CutLabels {
                agent: agent.to_owned(),
                cap,
            })
            .inc_by(bytes);
        if let Some(o) = &self.otel {
            o.cut_bytes.add(
                bytes,
                &[
                    KeyValue::new("a2a.agent.name", agent.to_owned()),
                    KeyValue::new("cap", cap),
                ],
            );
        }
    }

    /// Everything in the Prometheus text exposition format (version 0.0.4 compatible, OpenMetrics 1.0 text).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a `String` cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// A tool call in flight; dropping it ends it.
pub struct InFlight(&'static Metrics);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.dec();
        if let Some(o) = &self.0.otel {
            o.in_flight.add(-1, &[]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_names_agents_tools_and_buckets() {
        let m: &'static Metrics = Box::leak(Box::new(Metrics::new(None)));
        {
            let _call = m.call_started();
            assert!(m.encode().contains("a2a_bridge_tool_calls_in_flight 1"));
        }
        m.tool_call("echo", "echo_echo", "ok", None, Duration::from_millis(30));
        m.a2a_request("echo", "message/send", "ok", Duration::from_millis(20));
        m.set_agent_up("echo", true);
        m.bytes_cut("echo", "max_output_bytes", 1000);
        let text = m.encode();
        for line in [
            "a2a_bridge_tool_calls_total{agent=\"echo\",tool=\"echo_echo\",outcome=\"ok\"} 1",
            "mcp_server_operation_duration_seconds_bucket{le=\"0.05\",mcp_method_name=\"tools/call\",gen_ai_tool_name=\"echo_echo\",agent=\"echo\",error_type=\"\"} 1",
            "a2a_bridge_a2a_request_duration_seconds_count{agent=\"echo\",method=\"message/send\",outcome=\"ok\"} 1",
            "a2a_bridge_agent_up{agent=\"echo\"} 1",
            "a2a_bridge_output_cut_bytes_total{agent=\"echo\",cap=\"max_output_bytes\"} 1000",
            "a2a_bridge_tool_calls_in_flight 0",
        ] {
            assert!(text.contains(line), "{line} missing in\n{text}");
        }
    }
}
