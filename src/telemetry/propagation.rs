//! W3C Trace Context (and Baggage) in and out.
//!
//! In: from an MCP request's `params._meta` (`traceparent`, `tracestate`, `baggage`: MCP 2026-07-28, SEP-414),
//! else from the HTTP request's `traceparent` / `tracestate` / `baggage` headers (W3C Trace Context §3). Out: the
//! `traceparent` and `tracestate` headers of every A2A request, so the agent's own spans join the trace.

use http::HeaderMap;
use opentelemetry::propagation::{Extractor, TextMapCompositePropagator, TextMapPropagator};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

/// Trace context fields an MCP request carried in its `params._meta`.
#[derive(Debug, Default, Clone, Copy)]
pub struct MetaContext<'a> {
    pub traceparent: Option<&'a str>,
    pub tracestate: Option<&'a str>,
    pub baggage: Option<&'a str>,
}

impl Extractor for MetaContext<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            "traceparent" => self.traceparent,
            "tracestate" => self.tracestate,
            "baggage" => self.baggage,
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        ["traceparent", "tracestate", "baggage"]
            .into_iter()
            .filter(|k| self.get(k).is_some())
            .collect()
    }
}

/// The propagator for both directions: W3C Trace Context and W3C Baggage.
pub(super) fn propagator() -> TextMapCompositePropagator {
    TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ])
}

/// The parent of a request's server span: `_meta`'s trace context when it has a `traceparent`, else the HTTP
/// headers', else none (a new trace). A malformed `traceparent` counts as none (W3C Trace Context §3.2.2.2:
/// start a new trace rather than fail the request).
pub fn parent(meta: MetaContext<'_>, headers: Option<&HeaderMap>) -> opentelemetry::Context {
    let empty = opentelemetry::Context::new();
    if meta.traceparent.is_some() {
        return propagator().extract_with_context(&empty, &meta);
    }
    match headers {
        Some(headers) if headers.contains_key("traceparent") => {
            propagator().extract_with_context(&empty, &opentelemetry_http::HeaderExtractor(headers))
        }
        _ => empty,
    }
}

/// `traceparent` and `tracestate` for `span` (when telemetry is on and the span is recorded), to add to an
/// outgoing request. Baggage is not forwarded: it came from the MCP client and may hold what the agent should not
/// see.
pub fn headers_for(span: &tracing::Span) -> HeaderMap {
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let mut headers = HeaderMap::new();
    if super::traces_on() && !span.is_disabled() {
        TraceContextPropagator::new().inject_context(
            &span.context(),
            &mut opentelemetry_http::HeaderInjector(&mut headers),
        );
    }
    headers
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::TraceContextExt;

    use super::*;

    const PARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01";

    fn trace_id(cx: &opentelemetry::Context) -> String {
        cx.span().span_context().trace_id().to_string()
    }

    #[test]
    fn meta_wins_over_headers_and_bad_values_start_a_new_trace() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "traceparent",
            "00-11111111111111111111111111111111-2222222222222222-01"
                .parse()
                .unwrap(),
        );
        let meta = MetaContext {
            traceparent: Some(PARENT),
            tracestate: Some("vendor=x"),
            baggage: None,
        };
        let cx = parent(meta, Some(&headers));
        assert_eq!(trace_id(&cx), "0af7651916cd43dd8448eb211c80319c");
        assert!(cx.span().span_context().is_remote());
        assert_eq!(cx.span().span_context().trace_state().header(), "vendor=x");
        let cx = parent(MetaContext::default(), Some(&headers));
        assert_eq!(trace_id(&cx), "11111111111111111111111111111111");
        let bad = MetaContext {
            traceparent: Some("00-zz-00f067aa0ba902b7-01"),
            ..MetaContext::default()
        };
        assert!(!parent(bad, None).span().span_context().is_valid());
        assert!(
            !parent(MetaContext::default(), None)
                .span()
                .span_context()
                .is_valid()
        );
    }
}
