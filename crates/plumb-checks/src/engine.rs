//! Evaluation: every selected check on every resource of its kind, in
//! parallel over the snapshot, each resource converted to CEL once and
//! shared by all the checks of its kind.
//!
//! Fail closed: a condition that cannot be evaluated, a resource whose
//! evidence could not be collected, a unit of the kind's service that
//! failed, or a service the snapshot did not collect at all, each yields an
//! `error` finding with the reason — never a pass.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use cel::objects::{Key, Map as CelMap};
use cel::{Context, ExecutionError, Value};
use foldhash::HashMap as FastMap;
use plumb_model::doc::Doc;
use plumb_model::{
    CheckPart, CoverageStatus, Evidence, EvidenceEntry, Finding, Resource, ResourcePart, Snapshot,
    Status, Text,
};
use rayon::prelude::*;
use serde_json::Value as Json;

use crate::check::Check;
use crate::compiled::Env;
use crate::graph::{Edges, Graph};
use crate::projection::{Props, Reached};
use crate::template::Template;
use crate::value::resource_value;

/// Which evaluator decides conditions. The compiled one is the default;
/// the `cel` interpreter is the reference it is tested against, and runs
/// any condition the compiled one does not implement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evaluator {
    /// Compiled conditions, the interpreter only where needed.
    Compiled,
    /// The `cel` interpreter for every condition.
    Interpreter,
}

/// Runs `checks` on `snapshot`. Findings come out ordered by check, then
/// resource.
pub fn evaluate(checks: &[&Check], snapshot: &Snapshot) -> Vec<Finding> {
    evaluate_with(checks, snapshot, Evaluator::Compiled)
}

/// [`evaluate`] with a chosen evaluator.
pub fn evaluate_with(checks: &[&Check], snapshot: &Snapshot, evaluator: Evaluator) -> Vec<Finding> {
    let mut by_check: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    evaluate_each(checks, snapshot, evaluator, |check, findings| {
        by_check
            .entry(check.spec.id.clone())
            .or_default()
            .extend(findings)
    });
    let mut findings = Vec::with_capacity(by_check.values().map(Vec::len).sum());
    for (_, mut list) in by_check {
        // Each part is in uid order; the coverage errors come last.
        list.sort_by(|a, b| a.resource_uid().cmp(b.resource_uid()));
        findings.extend(list);
    }
    findings
}

/// Runs `checks` on `snapshot`, handing each check's findings to `sink`
/// part by part as they are decided (each part in resource-uid order, the
/// coverage errors last), so that a caller that counts, streams or stores
/// them never holds them all.
pub fn evaluate_each(
    checks: &[&Check],
    snapshot: &Snapshot,
    evaluator: Evaluator,
    mut sink: impl FnMut(&Check, Vec<Finding>),
) {
    let plan = Plan::new(checks);
    let edges = Edges::new(&snapshot.edges, plan.edges);
    let all: Option<FastMap<&str, &str>> = plan.related.then(|| {
        snapshot
            .resources
            .iter()
            .map(|r| (r.uid.as_str(), r.kind.as_str()))
            .collect()
    });
    let mut by_kind: HashMap<&str, Vec<&Resource>> = HashMap::new();
    for r in &snapshot.resources {
        by_kind.entry(r.kind.as_str()).or_default().push(r);
    }
    for (kind, kind_checks) in &plan.by_kind {
        let resources = by_kind.get(kind).cloned().unwrap_or_default();
        let mut context = resources.clone();
        for needed in needed_kinds(kind, kind_checks) {
            context.extend(by_kind.get(needed).into_iter().flatten());
        }
        let graph = Graph::new(&context, &edges, &snapshot.coverage, all.as_ref());
        evaluate_kind(
            kind_checks,
            resources.iter().map(|r| (*r, None)).collect(),
            &graph,
            snapshot,
            evaluator,
            &mut sink,
        );
        emit_coverage_errors(kind_checks, snapshot, &mut sink);
    }
}

/// Where [`evaluate_from`] reads a snapshot's resources: a store, read a
/// page at a time. Each read names the top-level props that will be read
/// (all of them when `None`): a source may leave the others out of the
/// resources it returns, or keep them.
pub trait Source {
    /// Why a read failed.
    type Error;
    /// Up to `limit` resources of `kind` whose uid sorts after `after`, in
    /// uid order.
    fn page(
        &mut self,
        kind: &str,
        after: Option<&str>,
        limit: usize,
        props: Option<&[&str]>,
    ) -> Result<Vec<Resource>, Self::Error>;
    /// The resources with these uids (those the snapshot holds).
    fn uids(&mut self, uids: &[&str], props: Option<&[&str]>)
        -> Result<Vec<Resource>, Self::Error>;
    /// [`Source::page`] with each resource's props as a [`Doc`] (their
    /// text, indexed, not parsed into values; the resource's own `props`
    /// hold only its gaps, `_errors`), or `None` when the source does not
    /// read them so (the default).
    fn page_docs(
        &mut self,
        kind: &str,
        after: Option<&str>,
        limit: usize,
        props: Option<&[&str]>,
    ) -> Result<Option<Vec<(Resource, Doc)>>, Self::Error> {
        let _ = (kind, after, limit, props);
        Ok(None)
    }
    /// How many resources to read and evaluate at a time.
    fn page_size(&self) -> usize {
        PAGE
    }
    /// Another source of the same snapshot that can read on another thread
    /// (a second connection to the store), or `None` (the default): the
    /// account and region checks then read the kinds they judge against on
    /// it, while this one reads on.
    fn fork<'f>(&self) -> Option<Forked<'f, Self::Error>>
    where
        Self: Sized + 'f,
    {
        None
    }
}

/// A [`Source`] of its own for another thread ([`Source::fork`]).
pub type Forked<'a, E> = Box<dyn Source<Error = E> + Send + 'a>;

/// A snapshot in memory as a [`Source`], read `page_size` resources at a
/// time, keeping only the props asked for as a store does.
pub struct MemorySource<'a> {
    /// The snapshot.
    pub snapshot: &'a Snapshot,
    /// Resources per page.
    pub page_size: usize,
}

impl MemorySource<'_> {
    fn sorted_page(&self, kind: &str, after: Option<&str>, limit: usize) -> Vec<Resource> {
        let mut all: Vec<&Resource> = self
            .snapshot
            .resources
            .iter()
            .filter(|r| r.kind == kind && after.is_none_or(|a| r.uid.as_str() > a))
            .collect();
        all.sort_by(|a, b| a.uid.cmp(&b.uid));
        all.into_iter().take(limit).cloned().collect()
    }
}

impl Source for MemorySource<'_> {
    type Error = std::convert::Infallible;

    fn page_size(&self) -> usize {
        self.page_size
    }

    fn fork<'f>(&self) -> Option<Forked<'f, Self::Error>>
    where
        Self: 'f,
    {
        Some(Box::new(MemorySource {
            snapshot: self.snapshot,
            page_size: self.page_size,
        }))
    }

    fn page(
        &mut self,
        kind: &str,
        after: Option<&str>,
        limit: usize,
        props: Option<&[&str]>,
    ) -> Result<Vec<Resource>, Self::Error> {
        Ok(keep_props(self.sorted_page(kind, after, limit), props))
    }

    fn uids(
        &mut self,
        uids: &[&str],
        props: Option<&[&str]>,
    ) -> Result<Vec<Resource>, Self::Error> {
        let wanted: BTreeSet<&str> = uids.iter().copied().collect();
        let found = self
            .snapshot
            .resources
            .iter()
            .filter(|r| wanted.contains(r.uid.as_str()));
        Ok(keep_props(found.cloned().collect(), props))
    }

    fn page_docs(
        &mut self,
        kind: &str,
        after: Option<&str>,
        limit: usize,
        props: Option<&[&str]>,
    ) -> Result<Option<Vec<(Resource, Doc)>>, Self::Error> {
        // As a store holds them: the props' JSON text.
        let mut out = Vec::new();
        for mut r in self.sorted_page(kind, after, limit) {
            let Some((doc, gaps)) = serde_json::to_string(&r.props)
                .ok()
                .and_then(|text| Doc::parse_keeping(text, props).ok())
                .and_then(|doc| doc.gaps_only().map(|gaps| (doc, gaps)))
            else {
                return Ok(None);
            };
            r.props = gaps;
            out.push((r, doc));
        }
        Ok(Some(out))
    }
}

/// The resources with only the top-level props named in `props` (all of
/// them when `None`), as a store reading only those returns them.
fn keep_props(mut resources: Vec<Resource>, props: Option<&[&str]>) -> Vec<Resource> {
    if let Some(props) = props {
        for r in &mut resources {
            if let Json::Object(all) = &mut r.props {
                all.retain(|name, _| props.contains(&name.as_str()));
            }
        }
    }
    resources
}

/// The names in `props`, `None` for all of them.
fn prop_names(props: &Props) -> Option<Vec<&str>> {
    match props {
        Props::Some(names) => Some(names.iter().map(String::as_str).collect()),
        Props::All => None,
    }
}

/// Pages [`evaluate_from`] evaluates at once, while it reads the next.
const IN_FLIGHT: usize = 2;

/// Resources of one kind read and evaluated at a time by [`evaluate_from`].
/// Small: what is in flight is most of the evaluation's memory, and fresh
/// memory is slow to touch on the machines measured (docs/performance.md);
/// smaller pages cost no more instructions.
pub const PAGE: usize = 2048;

/// Runs `checks` on the snapshot `meta` describes (scope, coverage and
/// edges; its `resources` are not read) with the resources read from
/// `source` a page at a time: in memory at once are three pages of the
/// kind being checked (two evaluated while the next is read), the kinds its
/// checks read whole (`kind_in_account`), and the pages' neighbours that
/// `related` and `referrers` follow; besides them, the account and region
/// checks' job with the kinds it judges against, read on a fork of the
/// source when it has one ([`Source::fork`]). Findings go to `sink` as in
/// [`evaluate_each`]; a read that fails on the fork fails the whole, as on
/// `source`.
pub fn evaluate_from<S: Source>(
    checks: &[&Check],
    meta: &Snapshot,
    source: &mut S,
    evaluator: Evaluator,
    mut sink: impl FnMut(&Check, Vec<Finding>),
) -> Result<(), S::Error>
where
    S::Error: Send,
{
    let plan = Plan::new(checks);
    let edges = Edges::new(&meta.edges, plan.edges);
    // Each page is evaluated on a thread of its own, in a pool of its own,
    // while this thread reads the next one: reading (whose parsing runs in
    // the global pool) and evaluating overlap instead of taking turns, and
    // neither waits behind the other's jobs in one pool.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(rayon::current_num_threads())
        .thread_name(|i| format!("plumb-evaluate-{i}"))
        .build()
        .ok();
    let pool = pool.as_ref();
    // The jobs evaluated beside the pages (below) run on a thread of their
    // own: in the pages' pool, a thread waiting there for a part of a page
    // that another thread took would take up such a job meanwhile (rayon
    // lets a waiting thread work), and that page, with every page after
    // it, then waited the second the job takes.
    let beside_pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .thread_name(|_| "plumb-evaluate-beside".to_string())
        .build()
        .ok();
    let beside_pool = beside_pool.as_ref();
    let edges = &edges;
    std::thread::scope(|scope| {
        // Pages being evaluated, oldest first: up to `IN_FLIGHT`, so that
        // a page read quickly does not wait for the one before it to be
        // decided, nor the evaluating threads for a page read slowly.
        let mut evaluating: std::collections::VecDeque<Evaluating<'_, '_, S::Error>> =
            std::collections::VecDeque::new();
        // Kinds of one page whose checks read other kinds whole (the
        // account and region checks: few resources, each judged against
        // thousands): evaluated beside the pages, not in their window, so
        // that the pages after them do not wait for them, and, when the
        // source forks, reading what they judge against on a connection of
        // their own; handed on when done. Such a job holds all of its
        // kind's findings and then its coverage errors, and a check is of
        // one kind: each check's findings stay in order.
        let mut aside: Vec<Evaluating<'_, '_, S::Error>> = Vec::new();
        for (kind, kind_checks) in &plan.by_kind {
            let account_kinds: BTreeSet<&str> = kind_checks
                .iter()
                .flat_map(|c| c.account_kinds.iter().map(String::as_str))
                .collect();
            // A check that reads its own kind whole sees it in one page.
            let page_size = if account_kinds.contains(kind) {
                usize::MAX
            } else {
                source.page_size().max(1)
            };
            let mut reached = Reached::default();
            kind_checks.iter().for_each(|c| reached.extend(&c.reached));
            // Neighbours of any kind come in one read: with what is read of
            // any of the kinds followed.
            let mut near_props = Props::default();
            for c in kind_checks {
                for (_, _, near_kind) in &c.relations {
                    near_props.extend(&reached.of(near_kind));
                }
            }
            let against = Against {
                wholes: account_kinds
                    .iter()
                    .filter(|k| *k != kind)
                    .map(|k| (*k, reached.of(k)))
                    .collect(),
                outgoing: relations(kind_checks, "related"),
                incoming: relations(kind_checks, "referrers"),
                near_props,
            };
            // Read on this thread when a page needs them, once per kind.
            let mut whole: Option<Arc<Vec<Vec<Resource>>>> = None;
            let mut props = Props::default();
            kind_checks.iter().for_each(|c| props.extend(&c.props));
            let props = prop_names(&props);
            // Props read as documents when only the compiled evaluator
            // reads them, and only of the resources judged.
            let as_docs = evaluator == Evaluator::Compiled
                && kind_checks
                    .iter()
                    .all(|c| c.compiled.is_some() && !c.needs_kinds.iter().any(|k| k == kind));
            let mut after: Option<String> = None;
            loop {
                let first = after.is_none();
                let read_docs = if as_docs {
                    source.page_docs(kind, after.as_deref(), page_size, props.as_deref())?
                } else {
                    None
                };
                let (page, docs): (Vec<Resource>, Vec<Doc>) = match read_docs {
                    Some(pairs) => pairs.into_iter().unzip(),
                    None => (
                        source.page(kind, after.as_deref(), page_size, props.as_deref())?,
                        Vec::new(),
                    ),
                };
                let last = page.len() < page_size;
                let beside = first && last && !account_kinds.is_empty();
                // What the page is judged against: read now on this thread,
                // or by the job on a fork of the source.
                let read = match page.last() {
                    None => None,
                    Some(r) => {
                        after = Some(r.uid.clone());
                        Some(match beside.then(|| source.fork()).flatten() {
                            Some(fork) => Read::Later(fork, against.clone()),
                            None => {
                                let whole = match &whole {
                                    Some(whole) => whole.clone(),
                                    None => whole.insert(against.whole(source)?).clone(),
                                };
                                let neighbours =
                                    against.neighbours(source, &page, &whole, edges)?;
                                Read::Done(whole, neighbours)
                            }
                        })
                    }
                };
                // The oldest pages' findings, to make room for this one;
                // all of them before the coverage errors of a kind whose
                // pages they may be (a kind of no resources has none).
                let room = match (page.is_empty(), first) {
                    (false, _) => IN_FLIGHT - 1,
                    (true, false) => 0,
                    (true, true) => usize::MAX,
                };
                while evaluating.len() > room {
                    if let Some(done) = evaluating.pop_front() {
                        hand_on(done, meta, &mut sink)?;
                    }
                }
                while let Some(at) = aside.iter().position(|e| e.handle.is_finished()) {
                    hand_on(aside.swap_remove(at), meta, &mut sink)?;
                }
                if page.is_empty() {
                    emit_coverage_errors(kind_checks, meta, &mut sink);
                    break;
                }
                let Some(read) = read else { break };
                let handle = scope.spawn(move || {
                    let (whole, neighbours) = match read {
                        Read::Done(whole, neighbours) => (whole, neighbours),
                        Read::Later(mut fork, against) => {
                            let whole = against.whole(&mut *fork)?;
                            let neighbours =
                                against.neighbours(&mut *fork, &page, &whole, edges)?;
                            (whole, neighbours)
                        }
                    };
                    let mut found = Vec::new();
                    let evaluate = || {
                        let resources: Vec<(&Resource, Option<&Doc>)> = if docs.is_empty() {
                            page.iter().map(|r| (r, None)).collect()
                        } else {
                            page.iter().zip(docs.iter().map(Some)).collect()
                        };
                        let mut context: Vec<&Resource> = page.iter().collect();
                        context.extend(whole.iter().flatten());
                        context.extend(neighbours.iter());
                        let graph = Graph::new(&context, edges, &meta.coverage, None);
                        evaluate_kind(
                            kind_checks,
                            resources,
                            &graph,
                            meta,
                            evaluator,
                            &mut |c, f| found.push((c, f)),
                        );
                        drop(graph);
                        // Freeing a page's JSON trees is as costly as
                        // reading them: on all the pool's threads.
                        page.into_par_iter().for_each(drop);
                        docs.into_par_iter().for_each(drop);
                        drop(neighbours);
                    };
                    match if beside { beside_pool } else { pool } {
                        Some(pool) => pool.install(evaluate),
                        None => evaluate(),
                    }
                    Ok(found)
                });
                // The last page of a kind carries its coverage errors, handed
                // on after its findings while the next kind is read.
                let job = Evaluating {
                    handle,
                    then_coverage_of: last.then_some(kind_checks.as_slice()),
                };
                if beside {
                    aside.push(job);
                } else {
                    evaluating.push_back(job);
                }
                if last {
                    break;
                }
            }
        }
        for done in evaluating.into_iter().chain(aside) {
            hand_on(done, meta, &mut sink)?;
        }
        Ok(())
    })
}

/// What a kind's pages are judged against besides themselves: the kinds
/// its checks read whole and the neighbours its checks follow.
#[derive(Clone)]
struct Against<'c> {
    /// The kinds read whole, each with the props read of it.
    wholes: Vec<(&'c str, Props)>,
    /// Relations `related` follows out of the page's resources.
    outgoing: BTreeSet<&'c str>,
    /// Relations `referrers` follows into them.
    incoming: BTreeSet<&'c str>,
    /// The props read of the neighbours.
    near_props: Props,
}

impl Against<'_> {
    /// The kinds read whole.
    fn whole<S: Source + ?Sized>(
        &self,
        source: &mut S,
    ) -> Result<Arc<Vec<Vec<Resource>>>, S::Error> {
        let whole: Result<Vec<Vec<Resource>>, S::Error> = self
            .wholes
            .iter()
            .map(|(kind, props)| whole_kind(source, kind, prop_names(props).as_deref()))
            .collect();
        whole.map(Arc::new)
    }

    /// The neighbours of `page` not among it or `whole`.
    fn neighbours<S: Source + ?Sized>(
        &self,
        source: &mut S,
        page: &[Resource],
        whole: &[Vec<Resource>],
        edges: &Edges<'_>,
    ) -> Result<Vec<Resource>, S::Error> {
        let near = neighbours(page, whole, edges, &self.outgoing, &self.incoming);
        if near.is_empty() {
            return Ok(Vec::new());
        }
        source.uids(&near, prop_names(&self.near_props).as_deref())
    }
}

/// What a page is judged against ([`Against`]), as its job gets it.
enum Read<'f, 'c, E> {
    /// Read already.
    Done(Arc<Vec<Vec<Resource>>>, Vec<Resource>),
    /// To read by the job on a fork of the source.
    Later(Forked<'f, E>, Against<'c>),
}

/// Every resource of `kind`, read a page at a time: read at once, the
/// 61,623 roles of the benchmark's million resources were first copied
/// whole into one buffer, a peak of memory the system had to fault in.
fn whole_kind<S: Source + ?Sized>(
    source: &mut S,
    kind: &str,
    props: Option<&[&str]>,
) -> Result<Vec<Resource>, S::Error> {
    let size = source.page_size().max(1);
    let mut all: Vec<Resource> = Vec::new();
    loop {
        let after = all.last().map(|r| r.uid.as_str());
        let page = source.page(kind, after, size, props)?;
        let done = page.len() < size;
        all.extend(page);
        if done {
            return Ok(all);
        }
    }
}

/// A page's findings, by check, in the order they are handed on.
type Found<'c> = Vec<(&'c Check, Vec<Finding>)>;

/// A page being evaluated on its own thread, or why what it is judged
/// against could not be read.
struct Evaluating<'s, 'c, E> {
    handle: std::thread::ScopedJoinHandle<'s, Result<Found<'c>, E>>,
    /// The checks whose coverage errors follow: those of the page's kind
    /// when it is the kind's last page.
    then_coverage_of: Option<&'c [&'c Check]>,
}

/// Waits for a page's evaluation and hands its findings to `sink`, then
/// its kind's coverage errors if it was the kind's last page.
fn hand_on<E>(
    evaluating: Evaluating<'_, '_, E>,
    meta: &Snapshot,
    sink: &mut impl FnMut(&Check, Vec<Finding>),
) -> Result<(), E> {
    let found = evaluating
        .handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    for (check, findings) in found {
        sink(check, findings);
    }
    if let Some(checks) = evaluating.then_coverage_of {
        emit_coverage_errors(checks, meta, sink);
    }
    Ok(())
}

/// The uids `related` / `referrers` will ask for from `page` that are not
/// in memory already.
fn neighbours<'e>(
    page: &[Resource],
    whole: &[Vec<Resource>],
    edges: &'e Edges<'_>,
    outgoing: &BTreeSet<&str>,
    incoming: &BTreeSet<&str>,
) -> Vec<&'e str> {
    let mut near: BTreeSet<&'e str> = BTreeSet::new();
    for r in page {
        for (out, wanted) in [(true, outgoing), (false, incoming)] {
            if wanted.is_empty() {
                continue;
            }
            near.extend(
                edges
                    .of(&r.uid, out)
                    .iter()
                    .filter(|(relation, _)| wanted.contains(relation))
                    .map(|(_, other)| *other),
            );
        }
    }
    let in_memory: BTreeSet<&str> = page
        .iter()
        .chain(whole.iter().flatten())
        .map(|r| r.uid.as_str())
        .collect();
    near.into_iter()
        .filter(|uid| !in_memory.contains(*uid))
        .collect()
}

/// The relations the checks follow with `function`.
fn relations<'c>(checks: &[&'c Check], function: &str) -> BTreeSet<&'c str> {
    checks
        .iter()
        .flat_map(|c| c.relations.iter())
        .filter(|(f, _, _)| f == function)
        .map(|(_, relation, _)| relation.as_str())
        .collect()
}

/// The selected checks grouped by the kind they evaluate.
struct Plan<'c> {
    by_kind: BTreeMap<&'c str, Vec<&'c Check>>,
    edges: bool,
    related: bool,
}

impl<'c> Plan<'c> {
    fn new(checks: &[&'c Check]) -> Self {
        let mut by_kind: BTreeMap<&str, Vec<&Check>> = BTreeMap::new();
        for c in checks {
            by_kind.entry(c.spec.kind.as_str()).or_default().push(c);
        }
        Plan {
            by_kind,
            edges: checks.iter().any(|c| c.needs_edges),
            related: checks.iter().any(|c| !c.relations.is_empty()),
        }
    }
}

/// The other kinds the checks of `kind` read.
fn needed_kinds<'c>(kind: &str, checks: &[&'c Check]) -> BTreeSet<&'c str> {
    checks
        .iter()
        .flat_map(|c| c.needs_kinds.iter().map(String::as_str))
        .filter(|k| *k != kind)
        .collect()
}

/// A resource judged, with its props as a [`Doc`] when they were read so
/// (its own `props` then hold only its gaps).
type Judged<'a> = (&'a Resource, Option<&'a Doc>);

/// Every check of one kind on every resource of it, in parallel; each
/// check's findings go to `sink` in resource-uid order.
fn evaluate_kind<'c>(
    kind_checks: &[&'c Check],
    mut resources: Vec<Judged<'_>>,
    graph: &Graph<'_>,
    snapshot: &Snapshot,
    evaluator: Evaluator,
    sink: &mut impl FnMut(&'c Check, Vec<Finding>),
) {
    let env = Env {
        graph,
        edges: kind_checks.iter().any(|c| c.needs_edges),
        subject: None,
    };
    let compiled = |c: &Check| evaluator == Evaluator::Compiled && c.compiled.is_some();
    let interpreted: Vec<&Check> = kind_checks
        .iter()
        .copied()
        .filter(|c| !compiled(c))
        .collect();
    let root = (!interpreted.is_empty()).then(|| {
        let plain: Vec<&Resource> = resources.iter().map(|(r, _)| *r).collect();
        root_context(
            kind_index(&interpreted, graph, snapshot),
            related_index(&interpreted, graph, &plain),
        )
    });
    // Each check's findings in resource-uid order: resources are visited
    // sorted by uid, so no sort over the findings is needed.
    resources.par_sort_unstable_by(|a, b| a.0.uid.cmp(&b.0.uid));
    // Accounts, regions and the kind: a few values, shared by all.
    let mut texts: FastMap<&str, Text> = FastMap::default();
    for (r, _) in &resources {
        for v in [&r.account, &r.region, &r.kind] {
            if !texts.contains_key(v.as_str()) {
                texts.insert(v.as_str(), Text::from(v.as_str()));
            }
        }
    }
    let paths = EvidencePaths::new(kind_checks);
    // In chunks, so that a kind's findings are handed on, not all held.
    for chunk in resources.chunks(CHUNK) {
        // Each part of the chunk fills one vector per check, allocated
        // once at the part's size: a finding is written where it stays
        // until it is handed on, not sorted into per-check vectors after.
        let mut parts: Vec<Vec<Vec<Finding>>> = chunk
            .par_chunks(PART)
            .map(|part| {
                let mut by_check: Vec<Vec<Finding>> = kind_checks
                    .iter()
                    .map(|_| Vec::with_capacity(part.len()))
                    .collect();
                let mut entries = EvidenceEntries::new(&paths);
                // The part's own copy of what its findings share with their
                // check: the count of references to one copy shared by every
                // thread's findings went back and forth between the cores.
                let check_parts: Vec<Arc<CheckPart>> = kind_checks
                    .iter()
                    .map(|c| Arc::new(CheckPart::clone(&c.part)))
                    .collect();
                for &(r, props) in part {
                    if let Some(props) = props {
                        // Its cache misses at once, rather than one by one
                        // in the lookups that follow (docs/performance.md).
                        std::hint::black_box(props.warm());
                    }
                    let shared = Shared::of(r, &texts);
                    let env = Env {
                        subject: props.map(|props| (r, props)),
                        ..env
                    };
                    let judged = (r, props);
                    entries.clear();
                    // The interpreter's scope, built for the first check that needs
                    // it and shared by the rest of the kind.
                    let mut scope: Option<Context> = None;
                    for (i, c) in kind_checks.iter().enumerate() {
                        let one = OneCheck {
                            part: &check_parts[i],
                            template: &c.remediation,
                            at: i,
                            judged,
                            shared: &shared,
                        };
                        let found = if compiled(c) {
                            let Some((condition, applies_when)) = &c.compiled else {
                                continue;
                            };
                            one.evaluate(&mut entries, |part| match part {
                                Part::AppliesWhen => applies_when.as_ref().map(|a| a.run(&env, r)),
                                Part::Condition => Some(condition.run(&env, r)),
                            })
                        } else {
                            let Some(root) = &root else { continue };
                            let scope = scope.get_or_insert_with(|| {
                                let mut value = resource_value(r);
                                if env.edges {
                                    value = with_edges(value, graph, &r.uid);
                                }
                                let mut scope = root.new_inner_scope();
                                scope.add_variable_from_value("resource", value);
                                scope
                            });
                            one.evaluate(&mut entries, |part| {
                                let program = match part {
                                    Part::AppliesWhen => c.applies_when.as_ref()?,
                                    Part::Condition => &c.condition,
                                };
                                Some(match program.execute(scope) {
                                    Ok(Value::Bool(b)) => Ok(b),
                                    Ok(other) => Err(format!("gave {other:?}, not a boolean")),
                                    Err(e) => Err(e.to_string()),
                                })
                            })
                        };
                        by_check[i].extend(found);
                    }
                }
                by_check
            })
            .collect();
        // Each check's findings part by part, in resource-uid order.
        for (i, c) in kind_checks.iter().enumerate() {
            for part in &mut parts {
                let found = std::mem::take(&mut part[i]);
                if !found.is_empty() {
                    sink(c, found);
                }
            }
        }
    }
}

/// The coverage errors of each check, after its kind's findings.
fn emit_coverage_errors(
    kind_checks: &[&Check],
    snapshot: &Snapshot,
    sink: &mut impl FnMut(&Check, Vec<Finding>),
) {
    for c in kind_checks {
        let errors = coverage_errors(c, snapshot);
        if !errors.is_empty() {
            sink(c, errors);
        }
    }
}

/// Resources evaluated between two hand-overs of findings.
const CHUNK: usize = 8192;

/// Resources one job of the evaluating pool judges, writing their findings
/// into vectors of this size.
const PART: usize = 256;

/// The two expressions of a check.
enum Part {
    AppliesWhen,
    Condition,
}

/// For the interpreter: `related` / `referrers` results of the interpreted
/// checks' resources, by `(uid, function, relation, kind)`.
type RelatedIndex = HashMap<(String, String, String, String), Result<Value, String>>;

fn related_index(
    checks: &[&Check],
    graph: &Graph<'_>,
    resources: &[&Resource],
) -> Arc<RelatedIndex> {
    let mut index = RelatedIndex::new();
    for c in checks {
        for r in resources {
            for (function, relation, kind) in &c.relations {
                let found = if function == "related" {
                    graph.related(r, relation, kind)
                } else {
                    graph.referrers(r, relation, kind)
                };
                let value = found.map(|list| {
                    Value::List(Arc::new(list.into_iter().map(resource_value).collect()))
                });
                index.insert(
                    (
                        r.uid.clone(),
                        function.clone(),
                        relation.clone(),
                        kind.clone(),
                    ),
                    value,
                );
            }
        }
    }
    Arc::new(index)
}

/// For the interpreter's `kind_in_account(resource, KIND)`: the resources
/// of each kind a check reads that way, per account, or why they are not
/// all known.
type KindIndex = HashMap<(String, String), Result<Value, String>>;

fn kind_index(checks: &[&Check], graph: &Graph<'_>, snapshot: &Snapshot) -> Arc<KindIndex> {
    let wanted: BTreeSet<&str> = checks
        .iter()
        .flat_map(|c| c.needs_kinds.iter().map(String::as_str))
        .collect();
    let mut index = KindIndex::new();
    for kind in wanted {
        for account in &snapshot.scope.accounts {
            let entry = graph.of_account(account, kind).map(|list| {
                Value::List(Arc::new(list.iter().map(|r| resource_value(r)).collect()))
            });
            index.insert((account.clone(), kind.to_string()), entry);
        }
    }
    Arc::new(index)
}

fn root_context(kinds: Arc<KindIndex>, related: Arc<RelatedIndex>) -> Context<'static, 'static> {
    let mut context = Context::default();
    // The helper names are fixed and distinct from CEL's own: registration
    // cannot conflict.
    if let Err(e) = crate::helpers::register(&mut context) {
        unreachable!("helper registration conflicts with CEL: {e:?}");
    }
    let registered = context.add_function(
        "kind_in_account",
        move |resource: Value, kind: Value| -> Result<Value, ExecutionError> {
            let account = crate::value::field(&resource, "account")
                .and_then(crate::value::text)
                .unwrap_or("");
            let kind = crate::value::text(&kind).unwrap_or("");
            match kinds.get(&(account.to_string(), kind.to_string())) {
                Some(Ok(list)) => Ok(list.clone()),
                Some(Err(why)) => Err(ExecutionError::function_error("kind_in_account", why)),
                None => Err(ExecutionError::function_error(
                    "kind_in_account",
                    format!("{kind} of {account} is not in this snapshot"),
                )),
            }
        },
    );
    if let Err(e) = registered {
        unreachable!("kind_in_account conflicts with CEL: {e:?}");
    }
    for function in ["related", "referrers"] {
        let related = related.clone();
        let registered = context.add_function(
            function,
            move |resource: Value, relation: Value, kind: Value| -> Result<Value, ExecutionError> {
                let text = |v: &Value| crate::value::text(v).unwrap_or("").to_string();
                let uid = crate::value::field(&resource, "uid")
                    .map(text)
                    .unwrap_or_default();
                match related.get(&(
                    uid.clone(),
                    function.to_string(),
                    text(&relation),
                    text(&kind),
                )) {
                    Some(Ok(list)) => Ok(list.clone()),
                    Some(Err(why)) => Err(ExecutionError::function_error(function, why)),
                    None => Err(ExecutionError::function_error(
                        function,
                        format!("{function} is only known for the checked resource, not for {uid}"),
                    )),
                }
            },
        );
        if let Err(e) = registered {
            unreachable!("{function} conflicts with CEL: {e:?}");
        }
    }
    context
}

/// Adds `edges_out` and `edges_in` (relation → uids, always present) to a
/// resource value.
fn with_edges(value: Value, graph: &Graph<'_>, uid: &str) -> Value {
    let Value::Map(map) = value else { return value };
    let mut fields: HashMap<Key, Value> = (*map.map).clone();
    let as_map = |list: &[(&str, &str)]| {
        let mut entries: HashMap<Key, Vec<Value>> = HashMap::new();
        for (relation, other) in list {
            entries
                .entry(Key::String(Arc::new(relation.to_string())))
                .or_default()
                .push(Value::String(Arc::new(other.to_string())));
        }
        Value::Map(CelMap {
            map: Arc::new(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, Value::List(Arc::new(v))))
                    .collect(),
            ),
        })
    };
    fields.insert(
        Key::String(Arc::new("edges_out".into())),
        as_map(graph.edges(uid, true)),
    );
    fields.insert(
        Key::String(Arc::new("edges_in".into())),
        as_map(graph.edges(uid, false)),
    );
    Value::Map(CelMap {
        map: Arc::new(fields),
    })
}

/// A resource's fields that every finding on it shares.
struct Shared {
    part: Arc<ResourcePart>,
    /// [`gaps_text`] of the resource, written for its first error.
    gaps: std::cell::OnceCell<String>,
}

impl Shared {
    fn of(r: &Resource, texts: &FastMap<&str, Text>) -> Self {
        let text = |v: &str| texts.get(v).cloned().unwrap_or_else(|| Text::from(v));
        Shared {
            part: Arc::new(ResourcePart {
                uid: Text::from(r.uid.as_str()),
                kind: text(&r.kind),
                account: text(&r.account),
                region: text(&r.region),
            }),
            gaps: std::cell::OnceCell::new(),
        }
    }

    /// What the resource's collection could not read, for an error's
    /// reason ([`gaps_text`]).
    fn gaps(&self, r: &Resource) -> &str {
        self.gaps.get_or_init(|| gaps_text(r))
    }
}

/// What a resource's collection could not read, for an error's reason:
/// each failed call with the first line of its error, cut at
/// [`GAP_MESSAGE`] characters. The SDK's errors can run to a screen each;
/// the whole of them stays in the resource's `_errors`, which `plumb
/// inventory show` prints.
fn gaps_text(r: &Resource) -> String {
    let gaps = r.gaps();
    if gaps.is_empty() {
        return String::new();
    }
    let list: Vec<String> = gaps
        .iter()
        .map(|(op, e)| format!("{op}: {}", brief(e)))
        .collect();
    format!(" (not collected: {})", list.join("; "))
}

/// Characters of a failed call's error a reason quotes.
const GAP_MESSAGE: usize = 160;

/// The first line of `message`, cut at [`GAP_MESSAGE`] characters (`…`
/// marks a cut).
fn brief(message: &str) -> std::borrow::Cow<'_, str> {
    let line = message.lines().next().unwrap_or_default();
    match line.char_indices().nth(GAP_MESSAGE) {
        Some((at, _)) => format!("{}…", &line[..at]).into(),
        None if line.len() < message.trim_end().len() => format!("{line}…").into(),
        None => line.into(),
    }
}

/// One check (the `at`-th of its kind) on one resource, and what its
/// finding is made of besides the outcome: `part`, what every finding of
/// the check repeats, and `template`, from which a failure's remediation
/// is rendered.
struct OneCheck<'a> {
    part: &'a Arc<CheckPart>,
    template: &'a Template,
    at: usize,
    judged: Judged<'a>,
    shared: &'a Shared,
}

impl OneCheck<'_> {
    /// The finding with this outcome; a failure's or error's remediation
    /// is rendered for the resource.
    fn finding(&self, status: Status, evidence: Evidence, reason: Option<String>) -> Finding {
        let (r, props) = self.judged;
        let remediation = (status != Status::Pass).then(|| {
            thread_local! {
                /// Where remediations are rendered before they are shared: one
                /// allocation per failure (the shared text), not two.
                static RENDERED: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
            }
            RENDERED.with(|rendered| {
                let mut out = rendered.borrow_mut();
                out.clear();
                self.template.render_into(r, props.map(Doc::root), &mut out);
                Text::from(out.as_str())
            })
        });
        Finding::new(
            self.part.clone(),
            self.shared.part.clone(),
            status,
            evidence,
            remediation,
            reason,
        )
    }

    /// The finding, `None` when the check does not apply. `decide`
    /// evaluates the condition or `applies_when` (`None` when the check
    /// has no `applies_when`).
    fn evaluate(
        &self,
        entries: &mut EvidenceEntries<'_, '_>,
        mut decide: impl FnMut(Part) -> Option<Result<bool, String>>,
    ) -> Option<Finding> {
        let &OneCheck {
            at, judged, shared, ..
        } = self;
        let r = judged.0;
        let found = |status, evidence, reason| Some(self.finding(status, evidence, reason));
        match decide(Part::AppliesWhen) {
            None | Some(Ok(true)) => {}
            Some(Ok(false)) => return None,
            Some(Err(e)) => {
                let reason = format!("applies_when could not be evaluated: {e}{}", shared.gaps(r));
                return found(Status::Error, Evidence::default(), Some(reason));
            }
        }
        let (evidence, missing) = entries.evidence(at, judged);
        if !missing.is_empty() {
            let reason = format!(
                "evidence not collected: {}{}",
                missing.join(", "),
                shared.gaps(r)
            );
            return found(Status::Error, evidence, Some(reason));
        }
        let (status, reason) = match decide(Part::Condition) {
            Some(Ok(true)) => (Status::Pass, None),
            Some(Ok(false)) => (Status::Fail, None),
            Some(Err(e)) => (
                Status::Error,
                Some(format!(
                    "the condition could not be evaluated: {e}{}",
                    shared.gaps(r)
                )),
            ),
            None => (
                Status::Error,
                Some("the check has no condition".to_string()),
            ),
        };
        found(status, evidence, reason)
    }
}

/// The evidence paths of a kind's checks, each once, and for each check the
/// places of its paths among them: a resource's entries are then found by
/// place, not by comparing paths.
struct EvidencePaths<'c> {
    paths: Vec<(&'c str, &'c [String])>,
    of_check: Vec<Vec<usize>>,
}

impl<'c> EvidencePaths<'c> {
    fn new(kind_checks: &[&'c Check]) -> Self {
        let mut paths: Vec<(&'c str, &'c [String])> = Vec::new();
        let of_check = kind_checks
            .iter()
            .map(|c| {
                c.evidence_paths
                    .iter()
                    .map(
                        |(path, parts)| match paths.iter().position(|(p, _)| *p == &**path) {
                            Some(at) => at,
                            None => {
                                paths.push((path, parts));
                                paths.len() - 1
                            }
                        },
                    )
                    .collect()
            })
            .collect();
        EvidencePaths { paths, of_check }
    }
}

/// The evidence entries of one resource, by place in its kind's
/// [`EvidencePaths`]: each written once, however many of the resource's
/// checks record it (the security group checks all record
/// `props.ip_permissions`, the bucket policy checks `props.policy`).
/// `Some(None)` for a path whose top-level prop is absent (not collected),
/// `None` for one not read yet.
struct EvidenceEntries<'p, 'c> {
    paths: &'p EvidencePaths<'c>,
    entries: Vec<Option<Option<EvidenceEntry>>>,
}

impl<'p, 'c> EvidenceEntries<'p, 'c> {
    fn new(paths: &'p EvidencePaths<'c>) -> Self {
        EvidenceEntries {
            paths,
            entries: vec![None; paths.paths.len()],
        }
    }

    /// Forgets the entries of the last resource.
    fn clear(&mut self) {
        self.entries.iter_mut().for_each(|e| *e = None);
    }

    /// The evidence of the `check`-th check of the kind, and its paths
    /// whose top-level prop is absent.
    fn evidence(&mut self, check: usize, r: Judged<'_>) -> (Evidence, Vec<String>) {
        let places = &self.paths.of_check[check];
        let mut missing = Vec::new();
        for &at in places {
            let (path, parts) = self.paths.paths[at];
            let entry = self.entries[at].get_or_insert_with(|| entry(path, parts, r));
            if entry.is_none() {
                missing.push(path.to_string());
            }
        }
        let entries = &self.entries;
        let found = places
            .iter()
            .filter_map(|&at| entries[at].as_ref().and_then(Option::as_ref));
        (Evidence::of_entries(found), missing)
    }
}

/// The evidence entry of one path, `None` when its top-level prop is
/// absent (not collected).
fn entry(path: &str, parts: &[String], (r, props): Judged<'_>) -> Option<EvidenceEntry> {
    let value = match parts.first().map(String::as_str) {
        Some("props") if props.is_some() => {
            let top = parts.get(1).map(String::as_str).unwrap_or("");
            let top = props?.root().get(top)?;
            let below = parts.get(2..).unwrap_or_default();
            return Some(match below.iter().try_fold(top, |v, p| v.get(p)) {
                Some(value) => {
                    EvidenceEntry::written(path, value.raw().len() + 2, |out| value.write_json(out))
                }
                None => EvidenceEntry::new(path, &Json::Null),
            });
        }
        Some("props") => {
            let top = parts.get(1).map(String::as_str).unwrap_or("");
            let top = r.props.get(top)?;
            let below = parts.get(2..).unwrap_or_default();
            let value = below.iter().try_fold(top, |v, p| v.get(p));
            return Some(EvidenceEntry::new(path, value.unwrap_or(&Json::Null)));
        }
        Some("tags") => parts
            .get(1)
            .and_then(|k| r.tags.get(k))
            .map(|v| Json::String(v.clone()))
            .unwrap_or(Json::Null),
        Some("name") => Json::String(r.name.clone()),
        Some("region") => Json::String(r.region.clone()),
        Some("account") => Json::String(r.account.clone()),
        _ => Json::Null,
    };
    Some(EvidenceEntry::new(path, &value))
}

/// `error` findings for what the snapshot could not see: every failed unit
/// of the check's service, and every scanned account where the service was
/// not collected at all.
fn coverage_errors(check: &Check, snapshot: &Snapshot) -> Vec<Finding> {
    let Some(service) = plumb_model::kinds::find(&check.spec.kind).map(|k| k.service) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut seen_accounts = BTreeSet::new();
    for c in snapshot.coverage.iter().filter(|c| c.service == service) {
        seen_accounts.insert(c.account.as_str());
        if c.status == CoverageStatus::Error {
            out.push(unit_error(
                check,
                &c.account,
                &c.region,
                service,
                format!(
                    "{service} in {} of {} was not collected: {}",
                    c.region,
                    c.account,
                    c.error.as_deref().unwrap_or("failed")
                ),
            ));
        }
    }
    for account in &snapshot.scope.accounts {
        if !seen_accounts.contains(account.as_str()) {
            out.push(unit_error(
                check,
                account,
                "global",
                service,
                format!("service {service} was not collected in this snapshot: collect it to evaluate this check"),
            ));
        }
    }
    out
}

fn unit_error(
    check: &Check,
    account: &str,
    region: &str,
    service: &str,
    reason: String,
) -> Finding {
    let resource = ResourcePart {
        uid: Text::from(format!("coverage:{account}:{region}:{service}")),
        kind: Text::from(check.spec.kind.as_str()),
        account: Text::from(account),
        region: Text::from(region),
    };
    Finding::new(
        check.part.clone(),
        Arc::new(resource),
        Status::Error,
        Evidence::default(),
        None,
        Some(reason),
    )
}

/// The remediation text, CLI and Terraform, with `{{…}}` filled from the
/// resource.
pub fn render_remediation(check: &Check, r: &Resource) -> String {
    check.remediation.render(r, None)
}

/// Fills `{{resource.name}}`, `{{resource.uid}}`, `{{resource.region}}`,
/// `{{resource.account}}`, `{{props.a.b}}` and `{{tags.k}}`; an unknown or
/// absent value renders as `<path>` so the gap is visible.
pub fn render(template: &str, r: &Resource) -> String {
    Template::parse(template).render(r, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_errors(errors: serde_json::Value) -> Resource {
        serde_json::from_value(serde_json::json!({
            "uid": "arn:aws:s3:::b", "kind": "aws_s3_bucket", "provider": "aws",
            "account": "111122223333", "region": "us-east-1", "name": "b",
            "props": {"_errors": errors}
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn reasons_quote_each_gap_briefly() {
        let long = format!(
            "Unknown (account:GetContactInformation): {}",
            "x".repeat(500)
        );
        let r = with_errors(serde_json::json!({
            "get_bucket_policy": "AccessDenied (s3:GetBucketPolicy): not authorised",
            "get_contact_information": long,
            "region:eu-west-1": "region settings incomplete:\n{\"list_analyzers\": \"NotImplemented\"}",
        }));
        let text = gaps_text(&r);
        // Short errors whole, every call named, long ones cut and marked.
        assert!(
            text.contains("get_bucket_policy: AccessDenied (s3:GetBucketPolicy): not authorised;"),
            "{text}"
        );
        let cut = format!(
            "get_contact_information: Unknown (account:GetContactInformation): {}…;",
            "x".repeat(GAP_MESSAGE - "Unknown (account:GetContactInformation): ".len())
        );
        assert!(text.contains(&cut), "{text}");
        assert!(
            text.contains("region:eu-west-1: region settings incomplete:…)"),
            "{text}"
        );
        assert!(
            text.starts_with(" (not collected: ") && text.len() < 500,
            "{text}"
        );
        assert_eq!(gaps_text(&with_errors(serde_json::json!({}))), "");
        // Cut on a character, not a byte.
        assert_eq!(
            brief(&"é".repeat(GAP_MESSAGE + 1)),
            "é".repeat(GAP_MESSAGE) + "…"
        );
    }
}
