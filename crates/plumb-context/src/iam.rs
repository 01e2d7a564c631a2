//! What each IAM principal can do, from its identity policies. This first
//! part reads and evaluates the policies; see [`Policies`].

mod policy;

pub use policy::{Decision, Policies};
