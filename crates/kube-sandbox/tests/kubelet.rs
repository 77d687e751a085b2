//! The kubelet's handling of containers that end, and a cluster's clock, through a plain
//! kubectl: restart policies, the crash loop and `logs --previous`, pods bound to a node,
//! and a clock running behind or ahead in the `Date` header and every timestamp.

mod common;

use common::{fixture, table, Fixture};
use kube_sandbox::{ClockOffset, ClusterBuilder};
use serde_json::Value;
use std::time::{Duration, SystemTime};

fn pod(name: &str, restart_policy: &str, node: Option<&str>) -> String {
    let node = node.map_or(String::new(), |n| format!("  nodeName: {n}\n"));
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n{node}  restartPolicy: {restart_policy}\n  containers:\n  - name: main\n    image: busybox:1.36\n    command: [\"sh\", \"-c\", \"exit 0\"]\n"
    )
}

async fn create_pod(f: &Fixture, name: &str, restart_policy: &str, node: Option<&str>) {
    let file = f.manifest(&format!("{name}.yaml"), &pod(name, restart_policy, node));
    f.kubectl()
        .ok(&["create", "-f", common::path_str(&file)])
        .await;
}

async fn pod_json(f: &Fixture, name: &str) -> Value {
    serde_json::from_str(&f.kubectl().ok(&["get", "pod", name, "-o", "json"]).await).unwrap()
}

/// The row of `kubectl get pods` for one pod.
async fn pod_row(f: &Fixture, name: &str) -> Vec<String> {
    table(&f.kubectl().ok(&["get", "pod", name]).await)[1].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn containers_that_end_complete_or_fail_their_pods_under_restart_policy_never() {
    let f = fixture(ClusterBuilder::new("k1")).await;
    create_pod(&f, "done", "Never", None).await;
    create_pod(&f, "broken", "Never", None).await;
    create_pod(&f, "retried", "OnFailure", None).await;
    f.cluster.append_pod_log("default", "done", "main", "OK\n");
    f.cluster.container_exited("default", "done", "main", 0);
    f.cluster
        .append_pod_log("default", "broken", "main", "wget: bad address 'x'\n");
    f.cluster.container_exited("default", "broken", "main", 1);
    f.cluster.container_exited("default", "retried", "main", 0);

    let done = pod_row(&f, "done").await;
    assert_eq!(done[1..4], ["0/1", "Completed", "0"], "{done:?}");
    let broken = pod_row(&f, "broken").await;
    assert_eq!(broken[1..4], ["0/1", "Error", "0"], "{broken:?}");
    assert_eq!(pod_row(&f, "retried").await[2], "Completed");

    let pod = pod_json(&f, "done").await;
    assert_eq!(pod["status"]["phase"], "Succeeded");
    let terminated = &pod["status"]["containerStatuses"][0]["state"]["terminated"];
    assert_eq!(
        (
            terminated["exitCode"].as_i64(),
            terminated["reason"].as_str()
        ),
        (Some(0), Some("Completed"))
    );
    let ready = pod["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Ready")
        .unwrap();
    assert_eq!(
        (ready["status"].as_str(), ready["reason"].as_str()),
        (Some("False"), Some("PodCompleted"))
    );
    let broken = pod_json(&f, "broken").await;
    assert_eq!(broken["status"]["phase"], "Failed");
    let terminated = &broken["status"]["containerStatuses"][0]["state"]["terminated"];
    assert_eq!(
        (
            terminated["exitCode"].as_i64(),
            terminated["reason"].as_str()
        ),
        (Some(1), Some("Error"))
    );

    let k = f.kubectl();
    assert_eq!(k.ok(&["logs", "done"]).await, "OK\n");
    assert_eq!(k.ok(&["logs", "broken"]).await, "wget: bad address 'x'\n");
    let previous = k.fails(&["logs", "done", "--previous"]).await;
    assert!(
        previous.contains("previous terminated container \"main\" in pod \"done\" not found"),
        "{previous}"
    );
    // The kubelet leaves finished pods alone: they stay terminal.
    k.ok(&["label", "pod", "done", "checked=yes"]).await;
    assert_eq!(pod_json(&f, "done").await["status"]["phase"], "Succeeded");
    let succeeded = k
        .ok(&[
            "get",
            "pods",
            "--field-selector=status.phase=Succeeded",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(
        succeeded.lines().collect::<Vec<_>>(),
        ["pod/done", "pod/retried"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_container_that_keeps_failing_crash_loops_with_kubelet_s_back_off() {
    // The first back-off (10 s on a node) lasts 3 s here: long enough to look at it.
    let f = fixture(ClusterBuilder::new("k2").restart_back_off(Duration::from_secs(3))).await;
    create_pod(&f, "crash", "Always", None).await;
    let uid = pod_json(&f, "crash").await["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_string();
    let k = f.kubectl();
    let fail = |instance: i64| {
        let text = format!("instance {instance}\n");
        f.cluster.append_pod_log("default", "crash", "main", &text);
        f.cluster.container_exited("default", "crash", "main", 1);
    };

    // The first failure is restarted at once.
    fail(0);
    let pod = pod_json(&f, "crash").await;
    let status = &pod["status"]["containerStatuses"][0];
    assert_eq!(status["restartCount"], 1);
    assert!(!status["state"]["running"].is_null(), "{status}");
    let last = &status["lastState"]["terminated"];
    assert_eq!(
        (last["exitCode"].as_i64(), last["reason"].as_str()),
        (Some(1), Some("Error"))
    );
    assert_eq!(k.ok(&["logs", "crash"]).await, "");
    assert_eq!(k.ok(&["logs", "crash", "--previous"]).await, "instance 0\n");

    // The next one waits out the back-off in CrashLoopBackOff.
    fail(1);
    let pod = pod_json(&f, "crash").await;
    let status = &pod["status"]["containerStatuses"][0];
    assert_eq!(status["state"]["waiting"]["reason"], "CrashLoopBackOff");
    assert_eq!(
        status["state"]["waiting"]["message"],
        format!("back-off 10s restarting failed container=main pod=crash_default({uid})")
    );
    assert_eq!(
        (status["ready"].as_bool(), status["restartCount"].as_i64()),
        (Some(false), Some(1))
    );
    let row = pod_row(&f, "crash").await;
    assert_eq!(row[1..3], ["0/1", "CrashLoopBackOff"], "{row:?}");
    assert!(
        row[3].starts_with("1 (") && row[3].ends_with(" ago)"),
        "{row:?}"
    );
    // Until its restart, the container's last instance is what `logs` shows.
    assert_eq!(k.ok(&["logs", "crash"]).await, "instance 1\n");
    assert_eq!(k.ok(&["logs", "crash", "--previous"]).await, "instance 1\n");
    let describe = k.ok(&["describe", "pod", "crash"]).await;
    assert!(
        describe.contains("Waiting") && describe.contains("CrashLoopBackOff"),
        "{describe}"
    );
    assert!(
        describe.contains("Last State:     Terminated"),
        "{describe}"
    );
    assert!(describe.contains("Exit Code:    1"), "{describe}");
    assert!(
        describe.contains("Back-off restarting failed container main in pod"),
        "{describe}"
    );

    restarts_reach_running(&f, "crash", 2).await;
    assert_eq!(k.ok(&["logs", "crash", "--previous"]).await, "instance 1\n");
    fail(2);
    let pod = pod_json(&f, "crash").await;
    let waiting = &pod["status"]["containerStatuses"][0]["state"]["waiting"];
    assert!(
        waiting["message"]
            .as_str()
            .unwrap()
            .starts_with("back-off 20s restarting failed container=main"),
        "{waiting}"
    );
    let events = k
        .ok(&[
            "get",
            "events",
            "--field-selector",
            "reason=BackOff",
            "-o",
            "json",
        ])
        .await;
    let events: Value = serde_json::from_str(&events).unwrap();
    let back_off = &events["items"][0];
    assert_eq!(back_off["type"], "Warning");
    assert_eq!(
        back_off["message"],
        format!("Back-off restarting failed container main in pod crash_default({uid})")
    );
    assert_eq!(back_off["count"], 2, "one Event, counted: {events}");
}

/// Polls until the pod's container runs as instance `restarts` (bounded: 10 s).
async fn restarts_reach_running(f: &Fixture, name: &str, restarts: i64) {
    for _ in 0..100 {
        let pod = pod_json(f, name).await;
        let status = &pod["status"]["containerStatuses"][0];
        if status["restartCount"] == restarts && !status["state"]["running"].is_null() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{name} never ran as instance {restarts}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_bound_to_a_node_skip_the_scheduler_and_wait_for_a_missing_one() {
    let f = fixture(ClusterBuilder::new("k3")).await;
    create_pod(&f, "bound", "Never", Some("k3-node")).await;
    create_pod(&f, "lost", "Never", Some("no-such-node")).await;
    assert_eq!(pod_row(&f, "bound").await[2], "Running");
    assert_eq!(pod_row(&f, "lost").await[2], "Pending");
    let k = f.kubectl();
    let scheduled = k
        .ok(&[
            "get",
            "events",
            "--field-selector",
            "reason=Scheduled",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(scheduled, "", "nodeName bypasses the scheduler");
    let started = k
        .ok(&[
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=bound,reason=Started",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(started.lines().count(), 1);
}

fn seconds_between(a: &str, b: SystemTime) -> i64 {
    let at = time::OffsetDateTime::parse(a, &time::format_description::well_known::Rfc3339)
        .unwrap()
        .unix_timestamp();
    let b = time::OffsetDateTime::from(b).unix_timestamp();
    at - b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_clock_behind_or_ahead_shows_in_the_date_header_and_every_timestamp() {
    let two_hours = Duration::from_secs(7200);
    let f = fixture(ClusterBuilder::new("k4").clock_offset(ClockOffset::Behind(two_hours))).await;
    assert_eq!(f.cluster.clock_offset(), ClockOffset::Behind(two_hours));
    let k = f.kubectl();
    // kubectl -v=8 prints the response headers: the Date is the cluster's.
    let out = k.run(&["get", "--raw", "/version", "-v=8"]).await;
    let log = String::from_utf8_lossy(&out.stderr).to_string();
    let date = log
        .lines()
        .find_map(|l| l.split_once("Date: ").map(|(_, d)| d.trim().to_string()))
        .unwrap_or_else(|| panic!("no Date header in {log}"));
    let expected = time::OffsetDateTime::from(SystemTime::now() - two_hours);
    let hour = format!(" {:02}:", expected.hour());
    assert!(
        date.ends_with(" GMT") && date.contains(&hour),
        "{date} (expected {expected})"
    );

    k.ok(&["create", "configmap", "skewed", "--from-literal=a=1"])
        .await;
    k.ok(&["create", "deployment", "web", "--image=nginx:1.27"])
        .await;
    let cm: Value = serde_json::from_str(
        &k.ok(&["get", "cm", "skewed", "-o", "json", "--show-managed-fields"])
            .await,
    )
    .unwrap();
    let now = SystemTime::now();
    let created = cm["metadata"]["creationTimestamp"].as_str().unwrap();
    assert!(
        (seconds_between(created, now) + 7200).abs() <= 5,
        "{created}"
    );
    let managed = cm["metadata"]["managedFields"][0]["time"].as_str().unwrap();
    assert!(
        (seconds_between(managed, now) + 7200).abs() <= 5,
        "{managed}"
    );
    let events: Value =
        serde_json::from_str(&k.ok(&["get", "events", "-o", "json"]).await).unwrap();
    for event in events["items"].as_array().unwrap() {
        let last = event["lastTimestamp"].as_str().unwrap();
        assert!((seconds_between(last, now) + 7200).abs() <= 5, "{event}");
    }
    let pods: Value = serde_json::from_str(&k.ok(&["get", "pods", "-o", "json"]).await).unwrap();
    let condition = pods["items"][0]["status"]["conditions"][0]["lastTransitionTime"]
        .as_str()
        .unwrap();
    assert!(
        (seconds_between(condition, now) + 7200).abs() <= 5,
        "{condition}"
    );
    // The server's own ages are taken at its clock: nothing looks two hours old.
    let rows = table(&k.ok(&["get", "cm", "skewed"]).await);
    assert!(rows[1][2].ends_with('s'), "{rows:?}");

    f.cluster
        .set_clock_offset(ClockOffset::Ahead(Duration::from_secs(3600)));
    k.ok(&["create", "configmap", "ahead", "--from-literal=a=1"])
        .await;
    let ahead = k
        .ok(&[
            "get",
            "cm",
            "ahead",
            "-o",
            "jsonpath={.metadata.creationTimestamp}",
        ])
        .await;
    assert!(
        (seconds_between(&ahead, SystemTime::now()) - 3600).abs() <= 5,
        "{ahead}"
    );
    let cluster_now = time::OffsetDateTime::from(f.cluster.now()).unix_timestamp();
    let machine_now = time::OffsetDateTime::from(SystemTime::now()).unix_timestamp();
    assert!((cluster_now - machine_now - 3600).abs() <= 1);
    f.cluster.set_clock_offset(ClockOffset::NONE);
    assert_eq!(f.cluster.clock_offset(), ClockOffset::NONE);
}
