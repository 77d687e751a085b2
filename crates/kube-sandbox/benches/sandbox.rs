//! Budgets from issue 4: a cluster starts in ≤ 200 ms; listing 1,000 objects over HTTPS
//! (kube-rs client, JSON both ways) takes ≤ 50 ms. Run: `cargo bench -p kube-sandbox`.
//! Prints the median and worst of several runs; docs/sandbox.md records the figures.

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use kube_sandbox::{ClusterBuilder, ADMIN};
use serde_json::json;
use std::time::{Duration, Instant};

const RUNS: usize = 20;

fn summary(name: &str, mut samples: Vec<Duration>, budget: Duration) {
    samples.sort();
    let median = samples[samples.len() / 2];
    let worst = samples[samples.len() - 1];
    let verdict = if median <= budget { "within" } else { "OVER" };
    println!(
        "{name}: median {median:.1?}, worst {worst:.1?} ({verdict} budget {budget:?}, {} runs)",
        samples.len()
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut starts = Vec::new();
        for i in 0..RUNS {
            let began = Instant::now();
            let cluster = ClusterBuilder::new(&format!("bench-{i}")).start().await.expect("start");
            starts.push(began.elapsed());
            drop(cluster);
        }
        summary("start a cluster", starts, Duration::from_millis(200));

        let cluster = ClusterBuilder::new("bench-list").start().await.expect("start");
        cluster.create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}})).expect("namespace");
        let began = Instant::now();
        for i in 0..1000 {
            cluster
                .create(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("cm-{i:04}"), "namespace": "bench", "labels": {"app": "bench"}}, "data": {"key": "value", "index": i.to_string()}}))
                .expect("configmap");
        }
        println!("seed 1,000 ConfigMaps: {:.1?}", began.elapsed());
        let yaml = cluster.kubeconfig(&[("bench", ADMIN)]).expect("kubeconfig");
        let config = Config::from_custom_kubeconfig(Kubeconfig::from_yaml(&yaml).expect("parse"), &KubeConfigOptions::default()).await.expect("config");
        let api: Api<ConfigMap> = Api::namespaced(Client::try_from(config).expect("client"), "bench");
        let mut lists = Vec::new();
        for _ in 0..RUNS {
            let began = Instant::now();
            let list = api.list(&ListParams::default()).await.expect("list");
            lists.push(began.elapsed());
            // kube-root-ca.crt is in every namespace too.
            assert_eq!(list.items.len(), 1001);
        }
        summary("list 1,000 ConfigMaps", lists, Duration::from_millis(50));
    });
}
