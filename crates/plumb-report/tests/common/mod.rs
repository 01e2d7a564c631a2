//! Fixtures shared by the report tests.

use plumb_model::{Coverage, CoverageStatus, Scope, SnapshotSummary};

/// A scan of two regions of one account, of `services`, with `resources`
/// resources, in which the EC2 unit of us-east-1 was denied with `denied`.
pub fn scan(resources: u64, services: &[&str], denied: &str) -> SnapshotSummary {
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap_or_else(|e| panic!("{e}"))
            .with_timezone(&chrono::Utc)
    };
    let unit = |region: &str, service: &str, resources: u64| Coverage {
        account: "111122223333".into(),
        region: region.into(),
        service: service.into(),
        status: CoverageStatus::Ok,
        error: None,
        error_code: None,
        missing_permission: None,
        api_calls: 3,
        resources,
        partial_resources: 0,
    };
    SnapshotSummary {
        id: 7,
        started_at: at("2026-11-02T09:00:00Z"),
        finished_at: at("2026-11-02T09:01:30Z"),
        scope: Scope {
            accounts: vec!["111122223333".into()],
            regions: vec!["eu-west-1".into(), "us-east-1".into()],
            services: services.iter().map(|s| s.to_string()).collect(),
        },
        resources,
        edges: 0,
        coverage: vec![
            unit("global", "s3", resources),
            unit("eu-west-1", "ec2", 0),
            Coverage {
                status: CoverageStatus::Error,
                error: Some(denied.into()),
                error_code: Some("AccessDenied".into()),
                missing_permission: Some("ec2:DescribeInstances".into()),
                ..unit("us-east-1", "ec2", 0)
            },
        ],
    }
}
