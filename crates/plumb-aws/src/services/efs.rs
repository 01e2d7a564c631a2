//! Collects `efs`: not written yet.

use crate::services::{Service, ServiceScope};
use crate::{collect_fn, CollectError, Unit};

/// The `efs` collector.
pub const SERVICE: Service = Service {
    name: "efs",
    scope: ServiceScope::Regional,
    kinds: &[],
    actions: &[],
    collect: collect_fn!(collect),
};

async fn collect(_unit: &mut Unit) -> Result<(), CollectError> {
    Ok(())
}
