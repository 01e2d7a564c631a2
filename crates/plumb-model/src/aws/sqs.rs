//! Props of the kinds the `sqs` collector produces.

use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![]
}
