//! Collects `cloudwatch`: not written yet.

use crate::services::{Service, ServiceScope};
use crate::{collect_fn, CollectError, Unit};

/// The `cloudwatch` collector.
pub const SERVICE: Service = Service {
    name: "cloudwatch",
    scope: ServiceScope::Regional,
    kinds: &[],
    actions: &[],
    collect: collect_fn!(collect),
};

async fn collect(_unit: &mut Unit) -> Result<(), CollectError> {
    Ok(())
}
