//! Plumb's context: what the internet can reach, which data stores are
//! sensitive, what each IAM principal can do, and the attack paths that
//! join them, all computed from a snapshot's resources and edges with no
//! extra server. The risk score built on it ranks every failing finding.
#![deny(missing_docs)]

pub mod exposure;
pub mod iam;
pub mod index;
pub mod paths;
pub mod ports;
pub mod risk;
pub mod sensitive;
pub mod settings;

pub use exposure::{exposure, Exposure, ExposureMap, Undetermined};
pub use iam::{Policies, Power};
pub use index::Index;
pub use paths::{attack_paths, AttackPath, Hop, Impact};
pub use ports::{PortRange, Ports};
pub use risk::{rank, RankedRisk, Ranker, Risk};
pub use sensitive::{sensitive, Sensitive};
pub use settings::{Settings, Weights};

use plumb_model::Snapshot;
use serde::{Deserialize, Serialize};

/// Everything the context knows about a snapshot: computed once (by
/// `plumb scan`) and stored with it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Context {
    /// What the internet reaches.
    pub exposure: ExposureMap,
    /// The sensitive data stores.
    pub sensitive: Vec<Sensitive>,
    /// What each principal can do.
    pub powers: Vec<Power>,
    /// From the internet to admin, other accounts and sensitive data.
    pub paths: Vec<AttackPath>,
}

impl Context {
    /// Computes the context of `snapshot` under `settings`.
    pub fn compute(snapshot: &Snapshot, settings: &Settings) -> Context {
        let index = Index::new(snapshot);
        let exposure = exposure(&index);
        let sensitive = sensitive(&index, settings);
        let stores = sensitive.iter().map(|s| s.uid.clone()).collect();
        let powers = iam::powers(&index, settings, &stores);
        let paths = attack_paths(&index, &exposure, &powers);
        Context {
            exposure,
            sensitive,
            powers,
            paths,
        }
    }
}
