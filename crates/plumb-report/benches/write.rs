//! Writes N generated findings (default 100,000) in every format and
//! prints the time and size of each: `cargo bench -p plumb-report --bench
//! write -- --findings N`. The figures are recorded in docs/performance.md.

use std::sync::Arc;
use std::time::Instant;

// The plumb binary's allocator, configured as it is.
#[global_allocator]
static ALLOCATOR: plumb_alloc::Allocator = plumb_alloc::Allocator;

use plumb_checks::Library;
use plumb_model::{Evidence, Finding, ResourcePart, Status};
use plumb_report::{write, Format, Report};
use serde_json::json;

fn main() {
    plumb_alloc::configure();
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .iter()
        .position(|a| a == "--findings")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let library = Library::builtin().expect("the built-in library");
    let statuses = [
        Status::Pass,
        Status::Pass,
        Status::Pass,
        Status::Fail,
        Status::Error,
    ];
    let findings: Vec<Finding> = (0..n)
        .map(|i| {
            let check = &library.checks[i % library.checks.len()];
            let status = statuses[i % statuses.len()];
            let mut evidence = Evidence::default();
            evidence.push("props.example", &json!({"enabled": i % 2 == 0, "id": i}));
            let resource = ResourcePart {
                uid: format!("arn:aws:s3:::bucket-{i}").into(),
                kind: check.spec.kind.as_str().into(),
                account: "111122223333".into(),
                region: "eu-west-1".into(),
            };
            let mut finding = Finding::new(
                check.finding_part(),
                Arc::new(resource),
                status,
                evidence,
                None,
                (status == Status::Error).then(|| "evidence not collected".to_string()),
            );
            finding.risk = (status == Status::Fail).then_some((i % 100) as f64);
            finding
        })
        .collect();
    let by_control = library.checks_by_control();
    let posture = library
        .frameworks
        .iter()
        .map(|f| plumb_checks::posture(f, &findings, &by_control))
        .collect();
    let report = Report {
        snapshot: 1,
        scan: plumb_model::SnapshotSummary {
            id: 1,
            started_at: chrono::Utc::now(),
            finished_at: chrono::Utc::now(),
            scope: plumb_model::Scope::default(),
            resources: n as u64,
            edges: 0,
            coverage: vec![],
        },
        findings,
        posture,
        notices: vec![],
        checks: library.checks.iter().map(|c| c.spec.clone()).collect(),
    };
    for format in Format::ALL {
        let started = Instant::now();
        let mut out =
            std::io::BufWriter::new(std::fs::File::create("/dev/null").expect("/dev/null"));
        let mut counted = Counter(0, &mut out);
        write(&report, format, &mut counted).expect("write");
        println!(
            "{{\"format\": \"{}\", \"findings\": {n}, \"seconds\": {:.2}, \"bytes\": {}}}",
            format.extension(),
            started.elapsed().as_secs_f64(),
            counted.0
        );
    }
}

/// Counts the bytes written through it.
struct Counter<'a>(usize, &'a mut dyn std::io::Write);

impl std::io::Write for Counter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.1.write(buf)?;
        self.0 += n;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.1.flush()
    }
}
