//! Plumb's context: what the internet can reach, which data stores are
//! sensitive, what each IAM principal can do, and the attack paths that
//! join them, all computed from a snapshot's resources and edges with no
//! extra server. The risk score built on it ranks every failing finding.
#![deny(missing_docs)]

pub mod iam;
pub mod index;
pub mod settings;

pub use iam::{Policies, Power};
pub use index::Index;
pub use settings::{Settings, Weights};
