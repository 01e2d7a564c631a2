//! Collects `kms`: not written yet.

use crate::services::{Service, ServiceScope};
use crate::{collect_fn, CollectError, Unit};

/// The `kms` collector.
pub const SERVICE: Service = Service {
    name: "kms",
    scope: ServiceScope::Regional,
    kinds: &[],
    actions: &[],
    collect: collect_fn!(collect),
};

async fn collect(_unit: &mut Unit) -> Result<(), CollectError> {
    Ok(())
}
