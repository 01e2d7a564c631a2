//! Check evaluation benchmark: builds a synthetic snapshot of N resources
//! (default 1,000,000) from the library's own fixtures — every kind a check
//! reads, with the props the collector writes — then evaluates every check
//! on it and reports wall time, findings and peak memory.
//!
//! `cargo bench -p plumb-checks --bench evaluate -- [--resources N]`;
//! `--write-store PATH` stores the snapshot instead, and `--from-store PATH`
//! evaluates a stored one a page at a time, as `plumb check` does (add
//! `--hold` to keep every finding until the end, as `plumb check` also
//! does, and `PLUMB_BENCH_TRACE=1` for each read with the memory in use).
//! Figures go in docs/performance.md.

// The plumb binary's allocator, configured as it is.
#[global_allocator]
static ALLOCATOR: plumb_alloc::Allocator = plumb_alloc::Allocator;

use std::path::Path;
use std::time::Instant;

use chrono::Utc;
use plumb_checks::{evaluate_each, evaluate_from, evaluate_with, Evaluator, Library};
use plumb_model::{Coverage, CoverageStatus, Edge, Relation, Resource, Scope, Snapshot, Status};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn text_arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// A stored snapshot read a page at a time, timing the reads.
struct Stored {
    store: Box<dyn plumb_store::Store>,
    /// The store's path, for a second connection.
    path: String,
    snapshot: i64,
    /// Seconds spent reading on this connection.
    reading: f64,
    /// When evaluation started, for the trace.
    started: Instant,
    /// Whether this is a second connection ([`plumb_checks::Source::fork`]), for the
    /// trace.
    forked: bool,
}

impl Stored {
    /// A read, timed; `len` counts what it read, for the trace.
    fn timed<T>(
        &mut self,
        what: &str,
        read: impl FnOnce(&mut dyn plumb_store::Store, i64) -> Result<T, plumb_store::StoreError>,
        len: impl FnOnce(&T) -> usize,
    ) -> Result<T, plumb_store::StoreError> {
        let started = Instant::now();
        let read = read(self.store.as_mut(), self.snapshot);
        let took = started.elapsed().as_secs_f64();
        self.reading += took;
        if std::env::var_os("PLUMB_BENCH_TRACE").is_some() {
            eprintln!(
                "{:7.3} s  {what}: {} resources in {took:.3} s, rss {:.0} MiB{}",
                self.started.elapsed().as_secs_f64(),
                read.as_ref().map(len).unwrap_or(0),
                rss_mib("VmRSS:"),
                if self.forked {
                    " (second connection)"
                } else {
                    ""
                }
            );
        }
        read
    }
}

impl plumb_checks::Source for Stored {
    type Error = plumb_store::StoreError;

    fn fork<'f>(&self) -> Option<plumb_checks::Forked<'f, Self::Error>> {
        Some(Box::new(Stored {
            store: plumb_store::open(&self.path).ok()?,
            path: self.path.clone(),
            snapshot: self.snapshot,
            reading: 0.0,
            started: self.started,
            forked: true,
        }))
    }

    fn page(
        &mut self,
        kind: &str,
        after: Option<&str>,
        limit: usize,
        props: Option<&[&str]>,
    ) -> Result<Vec<Resource>, Self::Error> {
        self.timed(
            kind,
            |store, id| store.resources_page_with_props(id, kind, after, limit, props),
            Vec::len,
        )
    }

    fn uids(
        &mut self,
        uids: &[&str],
        props: Option<&[&str]>,
    ) -> Result<Vec<Resource>, Self::Error> {
        self.timed(
            "by uid",
            |store, id| store.resources_by_uid_with_props(id, uids, props),
            Vec::len,
        )
    }

    fn page_docs(
        &mut self,
        kind: &str,
        after: Option<&str>,
        limit: usize,
        props: Option<&[&str]>,
    ) -> Result<Option<Vec<(Resource, plumb_model::doc::Doc)>>, Self::Error> {
        self.timed(
            &format!("{kind} (documents)"),
            |store, id| store.resources_page_docs(id, kind, after, limit, props),
            |page| page.as_ref().map_or(0, Vec::len),
        )
    }
}

/// Evaluates the latest snapshot of a store written by `--write-store`,
/// reading it a page at a time as `plumb check` does, in a process that
/// never held the generator's copy: its peak memory is the evaluation's.
fn from_store(path: &str, checks: &[&plumb_checks::Check], evaluator: Evaluator) {
    let mut store = plumb_store::open(path).expect("store");
    let started = Instant::now();
    if std::env::var_os("PLUMB_BENCH_TRACE").is_some() {
        eprintln!(
            "  0.000 s  library loaded, rss {:.0} MiB",
            rss_mib("VmRSS:")
        );
    }
    let meta = store
        .load_meta(plumb_store::SnapshotRef::Latest)
        .expect("a snapshot");
    let resources = store
        .summary(plumb_store::SnapshotRef::Id(meta.id))
        .expect("summary")
        .resources;
    let mut source = Stored {
        store,
        path: path.to_string(),
        snapshot: meta.id,
        reading: 0.0,
        started,
        forked: false,
    };
    if std::env::var_os("PLUMB_BENCH_TRACE").is_some() {
        eprintln!(
            "{:7.3} s  snapshot metadata and summary read, rss {:.0} MiB",
            started.elapsed().as_secs_f64(),
            rss_mib("VmRSS:")
        );
    }
    let mut tally = Tally::default();
    // `--hold`: every finding kept until the end, as `plumb check` keeps
    // them for its report and the store, to measure what that costs.
    let hold = std::env::args().any(|a| a == "--hold");
    let mut held: Vec<plumb_model::Finding> = Vec::new();
    evaluate_from(checks, &meta, &mut source, evaluator, |_, findings| {
        tally.add(&findings);
        if hold {
            held.extend(findings);
        }
    })
    .expect("read the snapshot");
    let wall = started.elapsed().as_secs_f64();
    println!(
        "{{\"resources\": {resources}, \"checks\": {}, \"mode\": \"from-store\", \"threads\": {}, {}, \"read_and_evaluate_seconds\": {wall:.2}, \"of_which_reading_seconds\": {:.2}, \"evaluations_per_second\": {:.0}, \"peak_rss_mib\": {:.0}}}",
        checks.len(),
        rayon::current_num_threads(),
        tally.fields(),
        source.reading,
        tally.total() as f64 / wall,
        peak_rss_mib()
    );
}

/// Findings counted by status.
#[derive(Default)]
struct Tally([usize; 4]);

impl Tally {
    fn add(&mut self, findings: &[plumb_model::Finding]) {
        for f in findings {
            self.0[f.status as usize] += 1;
        }
    }

    fn total(&self) -> usize {
        self.0.iter().sum()
    }

    /// `"findings": …, "pass": …, "fail": …, "error": …` for a JSON line.
    fn fields(&self) -> String {
        format!(
            "\"findings\": {}, \"pass\": {}, \"fail\": {}, \"error\": {}",
            self.total(),
            self.0[Status::Pass as usize],
            self.0[Status::Fail as usize],
            self.0[Status::Error as usize]
        )
    }
}

fn peak_rss_mib() -> f64 {
    rss_mib("VmHWM:")
}

fn rss_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(str::to_string))
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(0.0)
}

/// Every fixture resource of the library (the judged one of each file).
fn templates() -> Vec<Resource> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../checks/fixtures");
    let mut out = Vec::new();
    for check in std::fs::read_dir(&dir).expect("checks/fixtures") {
        for file in std::fs::read_dir(check.expect("entry").path()).expect("fixture dir") {
            let text = std::fs::read_to_string(file.expect("file").path()).expect("fixture");
            let value: serde_json::Value = serde_json::from_str(&text).expect("fixture JSON");
            let first = value
                .get("resources")
                .and_then(|r| r.get(0))
                .cloned()
                .unwrap_or(value);
            if let Ok(r) = serde_json::from_value::<Resource>(first) {
                out.push(r);
            }
        }
    }
    out
}

fn main() {
    plumb_alloc::configure();
    let n = arg("--resources", 1_000_000);
    let library = Library::builtin().expect("library");
    let checks: Vec<_> = library.checks.iter().collect();
    let evaluator = if std::env::args().any(|a| a == "--interpreter") {
        Evaluator::Interpreter
    } else {
        Evaluator::Compiled
    };
    if let Some(path) = text_arg("--from-store") {
        from_store(&path, &checks, evaluator);
        return;
    }
    let templates = templates();
    let accounts = [
        "111111111111",
        "222222222222",
        "333333333333",
        "444444444444",
    ];
    let regions = ["us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"];

    let build = Instant::now();
    // As in a real snapshot: one aws_account per account and one aws_region
    // per account and region; everything else cycles through the fixtures.
    let (singletons, rest): (Vec<&Resource>, Vec<&Resource>) = templates
        .iter()
        .partition(|r| r.kind == "aws_account" || r.kind == "aws_region");
    // Kinds an account has a handful of (trails, recorders, alarms, the
    // organization), capped per account; the bulk is everything else.
    const FEW: &[&str] = &[
        "aws_cloudtrail",
        "aws_config_configuration_recorder",
        "aws_cloudwatch_metric_alarm",
        "aws_cloudwatch_log_metric_filter",
        "aws_organizations_organization",
        "aws_organizations_account",
        "aws_route_table",
        "aws_iam_policy",
    ];
    let (few, bulk): (Vec<&Resource>, Vec<&Resource>) = rest
        .into_iter()
        .partition(|r| FEW.contains(&r.kind.as_str()));
    let mut resources = Vec::with_capacity(n);
    for account in accounts {
        if let Some(a) = singletons.iter().find(|r| r.kind == "aws_account") {
            let mut r = (*a).clone();
            r.uid = format!("aws_account:{account}");
            r.account = account.to_string();
            resources.push(r);
        }
        for region in regions {
            if let Some(g) = singletons.iter().find(|r| r.kind == "aws_region") {
                let mut r = (*g).clone();
                r.uid = format!("aws_region:{account}:{region}");
                r.account = account.to_string();
                r.region = region.to_string();
                resources.push(r);
            }
        }
    }
    for account in accounts {
        for (i, template) in few.iter().enumerate().take(64) {
            let mut r = (*template).clone();
            r.uid = format!("{}#{account}-{i}", r.uid);
            r.account = account.to_string();
            resources.push(r);
        }
    }
    for i in resources.len()..n {
        let mut r = bulk[i % bulk.len()].clone();
        r.uid = format!("{}#{i}", r.uid);
        r.account = accounts[i % accounts.len()].to_string();
        if r.region != "global" {
            r.region = regions[(i / accounts.len()) % regions.len()].to_string();
        }
        resources.push(r);
    }
    let mut coverage = Vec::new();
    for account in accounts {
        for kind in plumb_model::kinds::all() {
            for region in regions.iter().chain(["global"].iter()) {
                coverage.push(Coverage {
                    account: account.into(),
                    region: (*region).into(),
                    service: kind.service.into(),
                    status: CoverageStatus::Ok,
                    error: None,
                    error_code: None,
                    missing_permission: None,
                    api_calls: 1,
                    resources: 0,
                    partial_resources: 0,
                });
            }
        }
    }
    let snapshot = Snapshot {
        id: 1,
        started_at: Utc::now(),
        finished_at: Utc::now(),
        scope: Scope {
            accounts: accounts.iter().map(|a| a.to_string()).collect(),
            regions: regions.iter().map(|r| r.to_string()).collect(),
            services: vec![],
        },
        coverage,
        edges: edges(&resources),
        resources,
    };
    let built = build.elapsed().as_secs_f64();
    let rss_before = peak_rss_mib();

    if let Some(path) = text_arg("--write-store") {
        let started = Instant::now();
        let mut store = plumb_store::open(&path).expect("store");
        let id = store.save_snapshot(&snapshot).expect("write the snapshot");
        eprintln!(
            "snapshot {id} of {n} resources written to {path} in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        return;
    }
    if std::env::args().any(|a| a == "--per-check") {
        // Each check alone, slowest first: where the time goes.
        let mut times: Vec<(f64, &str)> = checks
            .iter()
            .map(|c| {
                let started = Instant::now();
                evaluate_each(&[*c], &snapshot, evaluator, |_, findings| drop(findings));
                (started.elapsed().as_secs_f64(), c.spec.id.as_str())
            })
            .collect();
        times.sort_by(|a, b| b.0.total_cmp(&a.0));
        let total: f64 = times.iter().map(|(s, _)| s).sum();
        for (seconds, id) in &times {
            println!("{seconds:8.3} s  {:4.1}%  {id}", 100.0 * seconds / total);
        }
        println!("{total:8.3} s  in all");
        return;
    }
    if std::env::args().any(|a| a == "--stream") {
        // Findings handed to a sink that counts them, as a caller streaming
        // them to a store or a report would, instead of held.
        let started = Instant::now();
        let mut tally = Tally::default();
        evaluate_each(&checks, &snapshot, evaluator, |_, findings| {
            tally.add(&findings)
        });
        let wall = started.elapsed().as_secs_f64();
        println!(
            "{{\"resources\": {n}, \"checks\": {}, \"mode\": \"stream\", \"threads\": {}, {}, \"build_seconds\": {built:.1}, \"evaluate_seconds\": {wall:.2}, \"evaluations_per_second\": {:.0}, \"peak_rss_mib_before_evaluate\": {rss_before:.0}, \"peak_rss_mib\": {:.0}}}",
            checks.len(),
            rayon::current_num_threads(),
            tally.fields(),
            tally.total() as f64 / wall,
            peak_rss_mib()
        );
        return;
    }
    let started = Instant::now();
    let findings = evaluate_with(&checks, &snapshot, evaluator);
    let wall = started.elapsed().as_secs_f64();
    if std::env::args().any(|a| a == "--compare") {
        // Both evaluators on the same snapshot: every outcome must agree.
        let reference = evaluate_with(&checks, &snapshot, Evaluator::Interpreter);
        assert_eq!(findings.len(), reference.len(), "finding counts differ");
        for (a, b) in findings.iter().zip(&reference) {
            assert_eq!(
                (&a.check_id(), &a.resource_uid(), a.status),
                (&b.check_id(), &b.resource_uid(), b.status),
                "the evaluators disagree: {:?} / {:?}",
                a.reason,
                b.reason
            );
        }
        eprintln!("compare: {} findings agree", findings.len());
    }
    let mut tally = Tally::default();
    tally.add(&findings);
    println!(
        "{{\"resources\": {n}, \"checks\": {}, \"templates\": {}, \"threads\": {}, {}, \"build_seconds\": {built:.1}, \"evaluate_seconds\": {wall:.2}, \"evaluations_per_second\": {:.0}, \"peak_rss_mib_before_evaluate\": {rss_before:.0}, \"peak_rss_mib\": {:.0}}}",
        checks.len(),
        templates.len(),
        rayon::current_num_threads(),
        tally.fields(),
        tally.total() as f64 / wall,
        peak_rss_mib()
    );
}

/// The edges a collector would record between the generated resources,
/// for the relations the checks follow: instances and interfaces protected
/// by a security group of their account, functions in two subnets, flow
/// logs monitoring a VPC, trails delivering to a bucket.
fn edges(resources: &[Resource]) -> Vec<Edge> {
    // Up to 64 targets of a kind per account.
    let of = |kind: &str| {
        let mut pool: std::collections::HashMap<&str, Vec<&str>> = Default::default();
        for r in resources.iter().filter(|r| r.kind == kind) {
            let list = pool.entry(r.account.as_str()).or_default();
            if list.len() < 64 {
                list.push(r.uid.as_str());
            }
        }
        pool
    };
    let pick = |pool: &std::collections::HashMap<&str, Vec<&str>>, account: &str, i: usize| {
        pool.get(account)
            .filter(|l| !l.is_empty())
            .map(|l| l[i % l.len()].to_string())
    };
    let groups = of("aws_security_group");
    let subnets = of("aws_subnet");
    let vpcs = of("aws_vpc");
    let buckets = of("aws_s3_bucket");
    let mut out = Vec::new();
    let mut link = |from: &Resource, relation: Relation, to: Option<String>| {
        if let Some(to) = to {
            out.push(Edge {
                from: from.uid.clone(),
                to,
                relation,
            });
        }
    };
    for (i, r) in resources.iter().enumerate() {
        match r.kind.as_str() {
            "aws_instance" | "aws_network_interface" => {
                link(r, Relation::ProtectedBy, pick(&groups, &r.account, i))
            }
            "aws_lambda_function" => {
                link(r, Relation::ProtectedBy, pick(&groups, &r.account, i));
                link(r, Relation::MemberOf, pick(&subnets, &r.account, i));
                link(r, Relation::MemberOf, pick(&subnets, &r.account, i + 1));
            }
            "aws_flow_log" => link(r, Relation::Monitors, pick(&vpcs, &r.account, i)),
            "aws_cloudtrail" => link(r, Relation::LogsTo, pick(&buckets, &r.account, i)),
            _ => {}
        }
    }
    out
}
