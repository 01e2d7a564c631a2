//! Collection benchmark: seeds moto's server with many resources, collects
//! them with every service, and reports wall time, API calls and the peak
//! memory of this process.
//!
//! `cargo bench -p plumb-aws --bench collect -- [--instances N] [--buckets N]
//! [--users N] [--concurrency N]` (defaults: 2,000 instances, 500 buckets,
//! 1,000 users, concurrency 16). Figures go in docs/performance.md.

use std::sync::Arc;
use std::time::Instant;

use plumb_aws::seed::{self, BulkCounts};
use plumb_aws::{AccountChoice, CollectOptions, RegionChoice, SilentProgress, StaticKeys};
use plumb_testkit::MotoServer;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident memory of this process, in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let counts = BulkCounts {
        instances: arg("--instances", 2000),
        buckets: arg("--buckets", 500),
        users: arg("--users", 1000),
    };
    let concurrency = arg("--concurrency", 16);
    let keys = StaticKeys {
        access_key_id: "testing".into(),
        secret_access_key: "testing".into(),
    };
    let server = MotoServer::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let config = plumb_aws::load_sdk_config(None, Some(&server.url()), Some("us-east-1"), Some(&keys), 3).await;
        let seeding = Instant::now();
        seed::bulk(&config, counts, 8).await.expect("seeding");
        eprintln!("seeded {counts:?} in {:.1}s", seeding.elapsed().as_secs_f64());
        let before = peak_rss_mib().unwrap_or(0.0);

        let options = CollectOptions {
            endpoint_url: Some(server.url()),
            home_region: Some("us-east-1".into()),
            regions: RegionChoice::List(vec!["us-east-1".into()]),
            services: None,
            accounts: AccountChoice::Caller,
            concurrency,
            max_attempts: 3,
            static_keys: Some(keys.clone()),
            ..CollectOptions::default()
        };
        let started = Instant::now();
        let snapshot = plumb_aws::collect(&options, Arc::new(SilentProgress)).await.expect("collect");
        let wall = started.elapsed().as_secs_f64();
        let api_calls: u64 = snapshot.coverage.iter().map(|c| c.api_calls).sum();
        let failed = snapshot.coverage.iter().filter(|c| c.error.is_some()).count();
        let mut slowest: Vec<_> = snapshot.coverage.iter().map(|c| (c.api_calls, c.service.clone())).collect();
        slowest.sort_unstable_by(|a, b| b.cmp(a));
        println!(
            "{{\"instances\": {}, \"buckets\": {}, \"users\": {}, \"concurrency\": {concurrency}, \"resources\": {}, \"edges\": {}, \"api_calls\": {api_calls}, \"failed_units\": {failed}, \"wall_seconds\": {wall:.2}, \"peak_rss_mib_before_collect\": {before:.0}, \"peak_rss_mib\": {:.0}}}",
            counts.instances,
            counts.buckets,
            counts.users,
            snapshot.resources.len(),
            snapshot.edges.len(),
            peak_rss_mib().unwrap_or(0.0)
        );
        eprintln!("API calls by unit (top 5): {:?}", &slowest[..slowest.len().min(5)]);
    });
}
