//! What a condition may read beyond its own resource: the resources of a
//! kind in the same account (`kind_in_account`), the resources an edge
//! leads to (`related`) or comes from (`referrers`), and the resource's
//! edges by relation (`edges_out`, `edges_in`). Built once per evaluation,
//! with O(1) lookups, and fail closed: a kind whose service was not fully
//! collected in the account, or an edge to a resource the snapshot does not
//! hold, is an error with its reason, never an empty list.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use foldhash::{HashMap, HashMapExt};

use plumb_model::{Coverage, CoverageStatus, Edge, Resource};

/// `(relation, uid)` pairs of one resource, sorted by relation.
pub(crate) type EdgeList<'a> = Vec<(&'a str, &'a str)>;

/// Every edge of a snapshot, both ways, by uid: built once per evaluation.
#[derive(Default)]
pub(crate) struct Edges<'a> {
    out: HashMap<&'a str, EdgeList<'a>>,
    into: HashMap<&'a str, EdgeList<'a>>,
}

impl<'a> Edges<'a> {
    /// Indexes `edges` (nothing when `wanted` is false).
    pub(crate) fn new(edges: &'a [Edge], wanted: bool) -> Self {
        let mut index = Edges::default();
        if !wanted {
            return index;
        }
        for e in edges {
            let relation = e.relation.as_str();
            index
                .out
                .entry(e.from.as_str())
                .or_default()
                .push((relation, e.to.as_str()));
            index
                .into
                .entry(e.to.as_str())
                .or_default()
                .push((relation, e.from.as_str()));
        }
        for list in index.out.values_mut().chain(index.into.values_mut()) {
            list.sort_unstable();
        }
        index
    }
}

impl<'a> Edges<'a> {
    /// A uid's outgoing (`out`) or incoming edges as `(relation, uid)`.
    pub(crate) fn of<'s>(&'s self, uid: &str, out: bool) -> &'s [(&'a str, &'a str)] {
        let index = if out { &self.out } else { &self.into };
        index.get(uid).map(Vec::as_slice).unwrap_or_default()
    }
}

/// The service that collects `kind`: looked up on every `kind_in_account`
/// and `referrers` call, so from a table built once rather than from
/// `kinds::find`, which lists every kind each time.
fn service_of(kind: &str) -> Option<&'static str> {
    static SERVICES: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    SERVICES
        .get_or_init(|| {
            plumb_model::kinds::all()
                .into_iter()
                .map(|k| (k.name, k.service))
                .collect()
        })
        .get(kind)
        .copied()
}

/// The indexes one kind's evaluation reads.
pub(crate) struct Graph<'a> {
    /// Account → kind → resources.
    by_kind: HashMap<&'a str, HashMap<&'a str, Vec<&'a Resource>>>,
    /// Why a kind is not fully known in an account, by `(account, service)`.
    gaps: HashMap<(&'a str, &'a str), String>,
    collected: BTreeSet<(&'a str, &'a str)>,
    uids: HashMap<&'a str, &'a Resource>,
    /// The kind of every resource of the snapshot, loaded or not, by uid.
    all: Option<&'a HashMap<&'a str, &'a str>>,
    edges: &'a Edges<'a>,
    empty: Vec<&'a Resource>,
}

impl<'a> Graph<'a> {
    /// Indexes `resources` (the kind being evaluated and the kinds its
    /// checks read) over the snapshot's `edges` and `coverage`; `all` names
    /// the kind of every resource of the snapshot, for `related`.
    pub(crate) fn new(
        resources: &[&'a Resource],
        edges: &'a Edges<'a>,
        coverage: &'a [Coverage],
        all: Option<&'a HashMap<&'a str, &'a str>>,
    ) -> Self {
        let mut by_kind: HashMap<&str, HashMap<&str, Vec<&Resource>>> = HashMap::new();
        let mut uids = HashMap::with_capacity(resources.len());
        for r in resources {
            by_kind
                .entry(r.account.as_str())
                .or_default()
                .entry(r.kind.as_str())
                .or_default()
                .push(r);
            uids.insert(r.uid.as_str(), *r);
        }
        let mut gaps = HashMap::new();
        let mut collected = BTreeSet::new();
        for c in coverage {
            collected.insert((c.account.as_str(), c.service.as_str()));
            if c.status == CoverageStatus::Error {
                gaps.entry((c.account.as_str(), c.service.as_str()))
                    .or_insert_with(|| {
                        format!(
                            "{} in {} failed: {}",
                            c.service,
                            c.region,
                            c.error.as_deref().unwrap_or("error")
                        )
                    });
            }
        }
        Graph {
            by_kind,
            gaps,
            collected,
            uids,
            all,
            edges,
            empty: Vec::new(),
        }
    }

    /// Whether every resource of `kind` in `account` is in the snapshot.
    pub(crate) fn complete(&self, account: &str, kind: &str) -> Result<(), String> {
        let service = service_of(kind).ok_or_else(|| format!("unknown kind {kind}"))?;
        if !self.collected.contains(&(account, service)) {
            return Err(format!(
                "{kind} of {account} was not collected (service {service} not in this snapshot)"
            ));
        }
        match self.gaps.get(&(account, service)) {
            Some(why) => Err(format!("{kind} of {account} is not fully known: {why}")),
            None => Ok(()),
        }
    }

    /// Every resource of `kind` in `r`'s account.
    pub(crate) fn kind_in_account<'s>(
        &'s self,
        r: &Resource,
        kind: &str,
    ) -> Result<&'s [&'a Resource], String> {
        self.of_account(&r.account, kind)
    }

    /// Every resource of `kind` in `account`.
    pub(crate) fn of_account<'s>(
        &'s self,
        account: &str,
        kind: &str,
    ) -> Result<&'s [&'a Resource], String> {
        self.complete(account, kind)?;
        Ok(self
            .by_kind
            .get(account)
            .and_then(|kinds| kinds.get(kind))
            .unwrap_or(&self.empty))
    }

    /// The resources of `kind` that `r`'s `relation` edges lead to. An edge
    /// of that relation to a resource the snapshot does not hold is an
    /// error: the target was not collected, so nothing can be said of it.
    pub(crate) fn related(
        &self,
        r: &Resource,
        relation: &str,
        kind: &str,
    ) -> Result<Vec<&'a Resource>, String> {
        let mut found = Vec::new();
        for (_, to) in self.with(&r.uid, true, relation) {
            match (self.uids.get(to), self.all.and_then(|all| all.get(to))) {
                (Some(t), _) if t.kind == kind => found.push(*t),
                (Some(_), _) => {}
                // In the snapshot, of a kind this evaluation did not load.
                (None, Some(other)) if *other != kind => {}
                _ => {
                    return Err(format!(
                        "{} —{relation}→ {to}, which is not in this snapshot",
                        r.uid
                    ))
                }
            }
        }
        Ok(found)
    }

    /// The resources of `kind` whose `relation` edges lead to `r`; an error
    /// when `kind` was not fully collected in `r`'s account, as some of
    /// them could then be missing.
    pub(crate) fn referrers(
        &self,
        r: &Resource,
        relation: &str,
        kind: &str,
    ) -> Result<Vec<&'a Resource>, String> {
        self.complete(&r.account, kind)?;
        Ok(self
            .with(&r.uid, false, relation)
            .iter()
            .filter_map(|(_, from)| self.uids.get(from).copied())
            .filter(|f| f.kind == kind)
            .collect())
    }

    /// `r`'s outgoing (`out`) or incoming edges as `(relation, uid)`.
    pub(crate) fn edges<'s>(&'s self, uid: &str, out: bool) -> &'s [(&'a str, &'a str)] {
        self.edges.of(uid, out)
    }

    /// `uid`'s edges of one relation, one way.
    fn with<'s>(&'s self, uid: &str, out: bool, relation: &str) -> &'s [(&'a str, &'a str)] {
        let all = self.edges.of(uid, out);
        let start = all.partition_point(|(rel, _)| *rel < relation);
        let end = all.partition_point(|(rel, _)| *rel <= relation);
        &all[start..end]
    }
}
