//! Props of the kinds the `efs` collector produces.

use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![]
}
