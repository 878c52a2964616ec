//! `/metrics` in the OpenMetrics text format: requests by path and status, request
//! latency, questions refused as busy, and the queue depth.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    path: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PathLabel {
    path: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<PathLabel, Histogram>,
    rejected: Counter,
    queue_depth: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("nl2sql");
        let requests = Family::<RequestLabels, Counter>::default();
        // Seconds: SQL-only calls take milliseconds, questions seconds.
        let latency = Family::<PathLabel, Histogram>::new_with_constructor(|| {
            Histogram::new([0.005, 0.025, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0])
        });
        let rejected = Counter::default();
        let queue_depth = Gauge::default();
        registry.register("http_requests", "HTTP requests by path and status", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency by path", latency.clone());
        registry.register("questions_rejected_busy", "questions refused with 503 because the queue was full", rejected.clone());
        registry.register("queue_depth", "questions waiting for the model", queue_depth.clone());
        Metrics { registry, requests, latency, rejected, queue_depth }
    }

    pub fn observe(&self, path: &str, status: u16, seconds: f64) {
        self.requests.get_or_create(&RequestLabels { path: path.to_string(), status }).inc();
        self.latency.get_or_create(&PathLabel { path: path.to_string() }).observe(seconds);
    }

    pub fn rejected(&self) {
        self.rejected.inc();
    }

    pub fn render(&self, depth: usize) -> String {
        self.queue_depth.set(depth as i64);
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
