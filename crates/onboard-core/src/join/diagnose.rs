//! Why a join is stuck, from what can be seen: the host Cluster's conditions, tower's pods,
//! the agent's Pods, Events and log on the member, and the member's clock. Pure: the watch
//! gathers [`Observed`], this names the causes with their evidence and the fix. The texts
//! recognised are the ones the components really print (agent: TOWER `pkg/agent/agent.go`
//! and Go's net/x509 errors; kubelet: image pull and back-off reasons).

use super::conditions;
use serde::Serialize;
use serde_json::Value;

/// Beyond this the agent's TLS to tower and tower's issued certificates fail.
pub const CLOCK_SKEW_LIMIT_SECS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum DiagnosisCode {
    ClusterGone,
    NotFederated,
    TowerNotRunning,
    AgentNotApplied,
    NameConflict,
    ImagePull,
    AgentCrashLoop,
    WrongToken,
    ClockSkew,
    ProxyUnreachable,
    KsCoreFailed,
    MemberApiNotReady,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    pub code: DiagnosisCode,
    pub severity: Severity,
    pub summary: String,
    pub fix: String,
    /// What it was read from (a condition, a log line, an Event).
    pub evidence: Vec<String>,
}

/// What the watch has seen so far.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub cluster_name: String,
    /// The host's Cluster; `None` before it is read or after it is deleted.
    pub cluster: Option<Value>,
    pub cluster_seen: bool,
    pub tower_running: Option<bool>,
    /// `None`: the member is not watched (no member context).
    pub agent_pods: Option<Vec<Value>>,
    /// The `--name` of the member's cluster-agent Deployment, when there is one.
    pub agent_name: Option<String>,
    /// The agent's most recent log lines.
    pub agent_log: Vec<String>,
    /// Warning Events about the agent's objects on the member.
    pub member_warnings: Vec<String>,
    /// Member clock minus this machine's, in seconds, when measured.
    pub member_clock_skew_secs: Option<i64>,
}

fn diagnosis(
    code: DiagnosisCode,
    severity: Severity,
    summary: String,
    fix: &str,
    evidence: Vec<String>,
) -> Diagnosis {
    Diagnosis {
        code,
        severity,
        summary,
        fix: fix.into(),
        evidence,
    }
}

fn waiting_reasons(pods: &[Value]) -> Vec<(String, String, String)> {
    pods.iter()
        .flat_map(|p| {
            p["status"]["containerStatuses"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|c| {
            let waiting = &c["state"]["waiting"];
            let reason = waiting["reason"].as_str()?;
            Some((
                reason.to_string(),
                waiting["message"].as_str().unwrap_or_default().to_string(),
                c["image"].as_str().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

fn last_line_with<'a>(log: &'a [String], needle: &str) -> Option<&'a String> {
    log.iter().rev().find(|l| l.contains(needle))
}

/// The causes that explain what is seen, most severe first.
pub fn diagnose(seen: &Observed) -> Vec<Diagnosis> {
    use DiagnosisCode::*;
    use Severity::*;
    let name = &seen.cluster_name;
    let mut found = Vec::new();
    let Some(cluster) = &seen.cluster else {
        if seen.cluster_seen {
            found.push(diagnosis(
                ClusterGone,
                Error,
                format!("Cluster {name} was deleted from the host"),
                "add the cluster again; the member's agent keeps retrying until then",
                vec![],
            ));
        }
        return found;
    };
    if conditions::is_ready(cluster) {
        return found;
    }
    if cluster["spec"]["joinFederation"] != true || cluster["spec"]["connection"]["type"] != "proxy"
    {
        found.push(diagnosis(NotFederated, Error, format!("tower ignores Cluster {name}: it needs spec.joinFederation: true and spec.connection.type: proxy"),
            "remove the cluster and add it again with this app (it sets both)",
            vec![format!("spec.joinFederation={}, spec.connection.type={}", cluster["spec"]["joinFederation"], cluster["spec"]["connection"]["type"])]));
    }
    if seen.tower_running == Some(false) {
        found.push(diagnosis(TowerNotRunning, Error, "tower is not running on the host: nothing initializes the cluster or accepts the agent".into(),
            "enable the tower extension and check its pods (Host checks: tower extension, tower pods)",
            vec!["Service kubesphere-system/tower has no ready endpoints".into()]));
    }
    if let Some(agent) = &seen.agent_name {
        if agent != name {
            found.push(diagnosis(NameConflict, Error, format!("the member already runs the agent of cluster \"{agent}\", not \"{name}\""),
                "a member joins one host as one cluster: remove the other join first, then apply agent.yaml again",
                vec![format!("Deployment kubesphere-system/cluster-agent: --name={agent}")]));
        }
    }
    let pods = seen.agent_pods.as_deref().unwrap_or_default();
    if seen.agent_pods.is_some()
        && pods.is_empty()
        && conditions::is_true(cluster, "Initialized")
        && !conditions::is_true(cluster, "AgentAvailable")
    {
        found.push(diagnosis(AgentNotApplied, Info, "no agent runs on the member yet".into(),
            "apply agent.yaml to the member (Join page, or `kubectl create -f agent.yaml` on the member)", vec![]));
    }
    for (reason, message, image) in waiting_reasons(pods) {
        match reason.as_str() {
            "ErrImagePull" | "ImagePullBackOff" => found.push(diagnosis(ImagePull, Error,
                format!("the member cannot pull the agent image {image}"),
                "on an air-gapped member, mirror the image and point agent.yaml at the mirror (or set multicluster.agentImage on the host); check the registry and its pull secret",
                [format!("{reason}: {message}")].into_iter().chain(seen.member_warnings.iter().filter(|w| w.contains("pull")).cloned()).collect())),
            "CrashLoopBackOff" => found.push(diagnosis(AgentCrashLoop, Error,
                "the agent container keeps crashing".into(),
                "read the agent's last log lines below; a flag in agent.yaml that was edited by hand is the usual cause: fetch agent.yaml again and apply it",
                [format!("{reason}: {message}")].into_iter().chain(seen.agent_log.iter().rev().take(2).cloned()).collect())),
            _ => {}
        }
    }
    let connected = conditions::is_true(cluster, "AgentAvailable");
    if !connected {
        if let Some(line) = last_line_with(&seen.agent_log, "Unauthorized agent") {
            found.push(diagnosis(WrongToken, Error, "tower refuses the agent: its name or join token does not match the Cluster".into(),
                "the Cluster was probably added again since agent.yaml was made: fetch agent.yaml again and apply it",
                vec![line.clone()]));
        }
        let x509 = last_line_with(
            &seen.agent_log,
            "x509: certificate has expired or is not yet valid",
        );
        let skew = seen
            .member_clock_skew_secs
            .filter(|s| s.abs() > CLOCK_SKEW_LIMIT_SECS);
        if x509.is_some() || skew.is_some() {
            let mut evidence: Vec<String> = x509.cloned().into_iter().collect();
            if let Some(skew) = skew {
                evidence.push(format!(
                    "the member's clock is {} s {} the host's (the API servers' Date headers)",
                    skew.abs(),
                    if skew > 0 { "ahead of" } else { "behind" }
                ));
            }
            // A refused certificate is a cause; a measured skew alone is a risk (tokens and
            // certificates are time-limited), not proof that it is what blocks the join.
            let (severity, summary) = if x509.is_some() {
                (
                    Error,
                    "the member's clock is off: certificates look expired or not yet valid to it",
                )
            } else {
                (Warning, "the member's clock differs from the host's by more than 5 minutes: time-limited tokens and certificates may be refused")
            };
            found.push(diagnosis(ClockSkew, severity, summary.into(),
                "synchronise the member nodes' clocks (chrony/NTP) with the host's; the agent reconnects by itself", evidence));
        }
        let dial = [
            "Connection error: dial tcp",
            "malformed ws or wss URL",
            "Connection error: websocket",
        ]
        .iter()
        .find_map(|needle| last_line_with(&seen.agent_log, needle));
        if let Some(line) = dial {
            let why = if line.contains("i/o timeout") {
                "nothing answers there from the member's network (a private or wrong IP, or a firewall)"
            } else if line.contains("connection refused") {
                "the host answers but nothing listens on that port (8080 instead of the forwarded port or NodePort?)"
            } else if line.contains("no such host") {
                "the member cannot resolve the host name"
            } else {
                "the address is not a ws/http URL"
            };
            found.push(diagnosis(ProxyUnreachable, Error, format!("the agent cannot reach tower at the proxy address: {why}"),
                "set a proxy address member nodes can reach (Proxy address page), then fetch agent.yaml again and apply it",
                vec![line.clone()]));
        }
    }
    if let Some(core) = conditions::find(cluster, "KSCoreReady").filter(|c| c["status"] == "False")
    {
        found.push(diagnosis(KsCoreFailed, Error, "the host could not install KubeSphere's core (ks-core) into the member".into(),
            "check global.imageRegistry in the Cluster Configuration (an air-gapped member needs its mirror there) and the helm executor Job on the host",
            vec![format!("KSCoreReady=False: {}", core["message"].as_str().unwrap_or_default())]));
    }
    if connected && conditions::is_true(cluster, "KSCoreReady") {
        if let Some(ready) = conditions::find(cluster, "Ready").filter(|c| c["status"] == "False") {
            found.push(diagnosis(MemberApiNotReady, Warning, "the member's KubeSphere API is not answering yet".into(),
                "usually a matter of seconds while ks-apiserver starts on the member; if it lasts, check Deployment kubesphere-system/ks-agent there",
                vec![format!("Ready=False: {}", ready["message"].as_str().unwrap_or_default())]));
        }
    }
    found.sort_by_key(|d| std::cmp::Reverse(d.severity));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cluster(conditions: Value) -> Value {
        json!({"spec": {"joinFederation": true, "connection": {"type": "proxy"}}, "status": {"conditions": conditions}})
    }

    fn seen(cluster: Value) -> Observed {
        Observed {
            cluster_name: "member".into(),
            cluster: Some(cluster),
            cluster_seen: true,
            agent_pods: Some(vec![]),
            ..Observed::default()
        }
    }

    fn codes(seen: &Observed) -> Vec<DiagnosisCode> {
        diagnose(seen).into_iter().map(|d| d.code).collect()
    }

    #[test]
    fn a_ready_cluster_has_nothing_to_explain() {
        let mut s = seen(cluster(json!([{"type": "Ready", "status": "True"}])));
        s.agent_log = vec!["Connection error: dial tcp 1.2.3.4:8080: i/o timeout".into()];
        assert!(codes(&s).is_empty());
    }

    #[test]
    fn agent_log_lines_name_the_cause() {
        let initialized = cluster(json!([{"type": "Initialized", "status": "True"}]));
        let cases = [
            ("E1201 agent.go:166] Connection error: dial tcp 192.168.0.10:30721: i/o timeout (Attempt: 3)", DiagnosisCode::ProxyUnreachable, "nothing answers"),
            ("E1201 agent.go:166] Connection error: dial tcp 139.198.121.10:8080: connect: connection refused", DiagnosisCode::ProxyUnreachable, "8080"),
            ("E1201 agent.go:166] Connection error: Unauthorized agent (Attempt: 2)", DiagnosisCode::WrongToken, "token"),
            ("E1201 agent.go:166] Connection error: x509: certificate has expired or is not yet valid: current time 2027-01-01T00:00:00Z is after 2026-12-31T00:00:00Z", DiagnosisCode::ClockSkew, "clock"),
        ];
        for (line, code, words) in cases {
            let mut s = seen(initialized.clone());
            s.agent_pods = Some(vec![json!({"status": {"phase": "Running"}})]);
            s.agent_log = vec![line.into()];
            let found = diagnose(&s);
            assert_eq!(
                found.iter().map(|d| d.code).collect::<Vec<_>>(),
                [code],
                "{line}"
            );
            assert!(
                found[0].summary.contains(words) || found[0].fix.contains(words),
                "{found:?}"
            );
            assert_eq!(found[0].evidence, [line.to_string()]);
        }
    }

    #[test]
    fn pod_states_events_and_conditions_name_the_cause() {
        let mut s = seen(cluster(json!([{"type": "Initialized", "status": "True"}])));
        s.agent_pods = Some(vec![
            json!({"status": {"containerStatuses": [{"image": "kubesphere/tower:v0.2.1",
            "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]}}),
        ]);
        s.member_warnings = vec!["Failed: Failed to pull image \"kubesphere/tower:v0.2.1\"".into()];
        let found = diagnose(&s);
        assert_eq!(found[0].code, DiagnosisCode::ImagePull);
        assert_eq!(found[0].evidence.len(), 2);

        s.agent_pods = Some(vec![
            json!({"status": {"containerStatuses": [{"state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}),
        ]);
        assert_eq!(codes(&s), [DiagnosisCode::AgentCrashLoop]);

        s.agent_pods = Some(vec![]);
        assert_eq!(codes(&s), [DiagnosisCode::AgentNotApplied]);
        s.tower_running = Some(false);
        assert_eq!(
            codes(&s),
            [
                DiagnosisCode::TowerNotRunning,
                DiagnosisCode::AgentNotApplied
            ]
        );

        let mut s = seen(cluster(
            json!([{"type": "AgentAvailable", "status": "True"}, {"type": "KSCoreReady", "status": "False", "message": "KS Core installation failed"}]),
        ));
        assert_eq!(codes(&s), [DiagnosisCode::KsCoreFailed]);
        s.cluster =
            Some(json!({"spec": {"joinFederation": false, "connection": {"type": "proxy"}}}));
        assert_eq!(codes(&s), [DiagnosisCode::NotFederated]);
        s.agent_name = Some("other".into());
        assert!(codes(&s).contains(&DiagnosisCode::NameConflict));
        s.cluster = None;
        assert_eq!(codes(&s), [DiagnosisCode::ClusterGone]);
    }

    #[test]
    fn a_measured_clock_skew_is_reported_without_a_log_line() {
        let mut s = seen(cluster(json!([{"type": "Initialized", "status": "True"}])));
        s.agent_pods = Some(vec![json!({"status": {"phase": "Running"}})]);
        s.member_clock_skew_secs = Some(-3600);
        let found = diagnose(&s);
        assert_eq!(found[0].code, DiagnosisCode::ClockSkew);
        assert!(found[0].evidence[0].contains("3600 s behind"));
        s.member_clock_skew_secs = Some(30);
        assert!(codes(&s).is_empty());
    }
}
