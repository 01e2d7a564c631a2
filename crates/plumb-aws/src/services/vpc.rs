//! Collects `vpc`: not written yet.

use crate::services::{Service, ServiceScope};
use crate::{collect_fn, CollectError, Unit};

/// The `vpc` collector.
pub const SERVICE: Service = Service {
    name: "vpc",
    scope: ServiceScope::Regional,
    kinds: &[],
    actions: &[],
    collect: collect_fn!(collect),
};

async fn collect(_unit: &mut Unit) -> Result<(), CollectError> {
    Ok(())
}
