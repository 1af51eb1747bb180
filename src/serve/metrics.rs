//! Prometheus metrics for `/metrics`: decisions by result and reason, decision latency, reloads
//! and reload failures, whether a table is loaded, and the limits that hold hostile clients
//! (connections open and refused, timeouts, accept errors, failed-login refusals, dropped
//! decision-log lines).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DecisionLabels {
    /// `allow` or `deny`.
    pub result: String,
    /// The answer's code: `allow`, `missing-scopes`, `invalid-path`, ...
    pub reason: String,
}

pub struct Metrics {
    registry: Registry,
    pub decisions: Family<DecisionLabels, Counter>,
    pub latency: Histogram,
    pub reloads: Counter,
    pub reload_failures: Counter,
    pub table_loaded: Gauge,
    /// One series, 1, labelled with the policy in force.
    pub policy: Family<PolicyLabels, Gauge>,
    pub connections_open: Gauge,
    pub connections_refused: Counter,
    /// Connections closed by the header-read or idle timeout, by `kind`.
    pub connections_timed_out: Family<KindLabel, Counter>,
    pub accept_errors: Counter,
    /// Basic logins refused before or instead of a check: `limited`, `busy`.
    pub logins_refused: Family<KindLabel, Counter>,
    pub decision_log_dropped: Counter,
}

/// What is in force, to tell replicas apart during a rollout: the table's digest (as
/// `scopegate compile` wrote it), and the SHA-256 of the groups file and of its platform layer as
/// loaded ("" when there is none). Secret files (keys, credentials) are not named.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PolicyLabels {
    pub table_digest: String,
    pub groups_sha256: String,
    pub platform_sha256: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: &'static str,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("scopegate");
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register(
            "decisions",
            "Decisions by result and reason",
            decisions.clone(),
        );
        // 2 µs to about 65 ms.
        let latency = Histogram::new(exponential_buckets(0.000_002, 2.0, 16));
        registry.register(
            "decision_duration_seconds",
            "Time from request to answer, authentication included",
            latency.clone(),
        );
        let reloads = Counter::default();
        registry.register(
            "reloads",
            "Successful loads of the table, groups and credentials",
            reloads.clone(),
        );
        let reload_failures = Counter::default();
        registry.register(
            "reload_failures",
            "Loads refused; the previous version stayed in force",
            reload_failures.clone(),
        );
        let table_loaded = Gauge::default();
        registry.register(
            "table_loaded",
            "1 when a valid table is loaded",
            table_loaded.clone(),
        );
        let policy = Family::<PolicyLabels, Gauge>::default();
        registry.register(
            "policy_info",
            "The policy in force: the table's digest and the groups files' SHA-256",
            policy.clone(),
        );
        let connections_open = Gauge::default();
        registry.register(
            "connections_open",
            "Open connections on the decision listener",
            connections_open.clone(),
        );
        let connections_refused = Counter::default();
        registry.register(
            "connections_refused",
            "Connections closed at once because --max-connections were open",
            connections_refused.clone(),
        );
        let connections_timed_out = Family::<KindLabel, Counter>::default();
        registry.register(
            "connections_timed_out",
            "Connections closed by a timeout: header-read (a request too slow to arrive) or idle",
            connections_timed_out.clone(),
        );
        let accept_errors = Counter::default();
        registry.register(
            "accept_errors",
            "Failed accepts (out of file descriptors, ...); accepting backs off after each",
            accept_errors.clone(),
        );
        let logins_refused = Family::<KindLabel, Counter>::default();
        registry.register(
            "logins_refused",
            "Basic logins refused unchecked: limited (too many failures) or busy (hashing pool full)",
            logins_refused.clone(),
        );
        let decision_log_dropped = Counter::default();
        registry.register(
            "decision_log_dropped",
            "Decision log lines dropped because the writer fell behind",
            decision_log_dropped.clone(),
        );
        Metrics {
            registry,
            decisions,
            latency,
            reloads,
            reload_failures,
            table_loaded,
            policy,
            connections_open,
            connections_refused,
            connections_timed_out,
            accept_errors,
            logins_refused,
            decision_log_dropped,
        }
    }
}

impl Metrics {
    /// Adds the identity provider's figures.
    pub fn register_provider(&mut self, provider: &crate::serve::provider::ProviderMetrics) {
        provider.register(&mut self.registry);
    }

    pub fn decision(&self, allowed: bool, reason: &str, seconds: f64) {
        self.decisions
            .get_or_create(&DecisionLabels {
                result: if allowed { "allow" } else { "deny" }.into(),
                reason: reason.into(),
            })
            .inc();
        self.latency.observe(seconds);
    }

    /// The policy now in force replaces the one before (one series at a time).
    pub fn policy_loaded(&self, labels: PolicyLabels) {
        self.policy.clear();
        self.policy.get_or_create(&labels).set(1);
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
