//! Collects `iam`: not written yet.

use crate::services::{Service, ServiceScope};
use crate::{collect_fn, CollectError, Unit};

/// The `iam` collector.
pub const SERVICE: Service = Service {
    name: "iam",
    scope: ServiceScope::Global,
    kinds: &[],
    actions: &[],
    collect: collect_fn!(collect),
};

async fn collect(_unit: &mut Unit) -> Result<(), CollectError> {
    Ok(())
}
