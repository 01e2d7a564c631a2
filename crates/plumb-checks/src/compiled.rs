//! Conditions compiled once, evaluated straight over the snapshot.
//!
//! The `cel` interpreter needs every resource converted into its own values
//! first, and resolves names, functions and regular expressions on every
//! call; at a million resources that dominates. This module turns a parsed
//! CEL program into a tree whose variables, functions and regexes are
//! resolved at load, and evaluates it over values that borrow the
//! resource's JSON. Semantics are those of the `cel` crate — errors, the
//! commutative `&&`/`||`, heterogeneous numeric equality, deferred errors
//! in `all`/`exists` — and a test runs both engines on every fixture and on
//! the benchmark snapshot and requires the same outcome. A condition using
//! something this module does not implement is left to the interpreter.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::{Index, IndexMut, Range};
use std::rc::Rc;

use cel::common::ast::{operators, EntryExpr, Expr, LiteralValue};
use cel::IdedExpr;
use plumb_model::doc::{self, Ref, Tag};
use plumb_model::Resource;
use regex::Regex;
use serde_json::Value as Json;

use crate::graph::Graph;
use crate::helpers;
use crate::value::Doc;

/// A compiled condition.
#[derive(Debug)]
pub(crate) struct Compiled {
    root: Node,
    slots: usize,
    /// Values remembered by [`Node::Memo`].
    memos: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    List,
    Map,
    String,
    Int,
    UInt,
    Double,
    Bool,
    Null,
    Bytes,
    Type,
}

impl Ty {
    fn named(name: &str) -> Option<Ty> {
        Some(match name {
            "list" => Ty::List,
            "map" => Ty::Map,
            "string" => Ty::String,
            "int" => Ty::Int,
            "uint" => Ty::UInt,
            "double" => Ty::Double,
            "bool" => Ty::Bool,
            "null_type" => Ty::Null,
            "bytes" => Ty::Bytes,
            "type" => Ty::Type,
            _ => return None,
        })
    }
}

#[derive(Debug)]
enum Lit {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    /// A list of literals (an item of a list literal of lists).
    List(Vec<Lit>),
}

#[derive(Debug, Clone, Copy)]
enum Fold {
    And,
    Or,
}

#[derive(Debug)]
enum Node {
    Lit(Lit),
    Type(Ty),
    Var(usize),
    Select(Box<Node>, String, bool),
    /// A chain of selects on a variable (`resource.props.acl.grants`),
    /// walked in a loop rather than one recursive call per field; the flag
    /// is `has()` on the last field.
    Path(usize, Vec<String>, bool),
    List(Vec<Node>),
    /// A list of literals, built once: evaluation borrows it.
    Literals(Vec<Lit>),
    Map(Vec<(Node, Node)>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    NotStrictlyFalse(Box<Node>),
    Cond(Box<Node>, Box<Node>, Box<Node>),
    Eq(Box<Node>, Box<Node>, bool),
    Cmp(Box<Node>, Box<Node>, fn(Ordering) -> bool),
    Arith(Box<Node>, Box<Node>, Arith),
    Neg(Box<Node>),
    Index(Box<Node>, Box<Node>),
    In(Box<Node>, Box<Node>),
    Call(Func, Vec<Node>),
    Matches(Box<Node>, Regex),
    Comprehension(Box<Comprehension>),
    /// A part of a comprehension's loop that reads none of the variables
    /// the loop binds: evaluated the first time the loop reaches it, its
    /// value (or error) reused for the rest of that loop. Conditions are
    /// pure, so this decides as evaluating it every time would.
    Memo(usize, Box<Node>),
    /// `[p1, p2, …].exists(port, ingress_open_to_world(X, port))` with
    /// integer literal ports and `X` independent of `port`: `X` evaluated
    /// once and its permissions read once for all the ports, where the
    /// loop read them once per port.
    AnyPortOpen(Box<Node>, Vec<i64>),
}

#[derive(Debug)]
struct Comprehension {
    range: Node,
    iter: usize,
    accu: usize,
    init: Node,
    cond: Node,
    step: Node,
    result: Node,
    fold: Option<Fold>,
    /// Whether the comprehension is `exists` (`Or`) or `all` (`And`) as
    /// CEL expands them: run as a plain loop over the predicate.
    quantifier: Option<Fold>,
    /// The [`Node::Memo`]s of `cond` and `step`, forgotten each time the
    /// comprehension starts (the variables around it may have changed).
    memos: Range<usize>,
}

#[derive(Debug, Clone, Copy)]
enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Debug, Clone, Copy)]
enum Func {
    Size,
    Type,
    Contains,
    StartsWith,
    EndsWith,
    Matches,
    PolicyIsPublic,
    PolicyAllows,
    PolicyIsAdmin,
    PolicyHasServiceWildcard,
    CidrIsPublic,
    IngressOpenToWorld,
    DaysSince,
    MetricFilterMatches,
    KindInAccount,
    Related,
    Referrers,
}

impl Func {
    /// The function of a call, and whether it takes a receiver
    /// (`x.f(a)`) or not (`f(x, a)`); both spellings of `size` and
    /// `matches` are CEL's.
    fn of(name: &str, member: bool, args: usize) -> Option<Func> {
        Some(match (name, member, args) {
            ("size", false, 1) | ("size", true, 0) => Func::Size,
            ("type", false, 1) => Func::Type,
            ("contains", true, 1) => Func::Contains,
            ("startsWith", true, 1) => Func::StartsWith,
            ("endsWith", true, 1) => Func::EndsWith,
            ("matches", true, 1) | ("matches", false, 2) => Func::Matches,
            ("policy_is_public", false, 1) => Func::PolicyIsPublic,
            ("policy_allows", false, 2) => Func::PolicyAllows,
            ("policy_is_admin", false, 1) => Func::PolicyIsAdmin,
            ("policy_has_service_wildcard", false, 1) => Func::PolicyHasServiceWildcard,
            ("cidr_is_public", false, 1) => Func::CidrIsPublic,
            ("ingress_open_to_world", false, 2) => Func::IngressOpenToWorld,
            ("days_since", false, 1) => Func::DaysSince,
            ("metric_filter_matches", false, 2) => Func::MetricFilterMatches,
            ("kind_in_account", false, 2) => Func::KindInAccount,
            ("related", false, 3) => Func::Related,
            ("referrers", false, 3) => Func::Referrers,
            _ => return None,
        })
    }
}

/// Compiles a parsed condition whose only variable is `resource`; `Err`
/// names what this module does not implement.
pub(crate) fn compile(expr: &IdedExpr) -> Result<Compiled, String> {
    let mut c = Compiler {
        scope: vec![("resource".to_string(), 0)],
        slots: 1,
        memos: 0,
    };
    let root = c.node(expr)?;
    Ok(Compiled {
        root,
        slots: c.slots,
        memos: c.memos,
    })
}

struct Compiler {
    scope: Vec<(String, usize)>,
    slots: usize,
    memos: usize,
}

impl Compiler {
    fn node(&mut self, expr: &IdedExpr) -> Result<Node, String> {
        let b = |n| Box::new(n);
        Ok(match &expr.expr {
            Expr::Literal(l) => Node::Lit(match l {
                LiteralValue::Null => Lit::Null,
                LiteralValue::Boolean(v) => Lit::Bool(*v.inner()),
                LiteralValue::Int(v) => Lit::Int(*v.inner()),
                LiteralValue::UInt(v) => Lit::UInt(*v.inner()),
                LiteralValue::Double(v) => Lit::Float(*v.inner()),
                LiteralValue::String(v) => Lit::Str(v.inner().to_string()),
                LiteralValue::Bytes(_) => return Err("bytes literals".into()),
            }),
            Expr::Ident(name) => match self.scope.iter().rev().find(|(n, _)| n == name) {
                Some((_, slot)) => Node::Var(*slot),
                None => match Ty::named(name) {
                    Some(t) => Node::Type(t),
                    None => return Err(format!("identifier `{name}`")),
                },
            },
            Expr::Select(s) => match self.node(&s.operand)? {
                Node::Var(slot) => Node::Path(slot, vec![s.field.clone()], s.test),
                Node::Path(slot, mut names, false) => {
                    names.push(s.field.clone());
                    Node::Path(slot, names, s.test)
                }
                operand => Node::Select(b(operand), s.field.clone(), s.test),
            },
            Expr::List(l) => {
                if !l.optional_indices.is_empty() {
                    return Err("optional list elements".into());
                }
                let items: Vec<Node> = l
                    .elements
                    .iter()
                    .map(|e| self.node(e))
                    .collect::<Result<_, _>>()?;
                // Literals all the way down (`[["a", 1], ["b", 2]]`
                // included): built once, here.
                if items
                    .iter()
                    .all(|i| matches!(i, Node::Lit(_) | Node::Literals(_)))
                {
                    Node::Literals(
                        items
                            .into_iter()
                            .filter_map(|i| match i {
                                Node::Lit(l) => Some(l),
                                Node::Literals(l) => Some(Lit::List(l)),
                                _ => None,
                            })
                            .collect(),
                    )
                } else {
                    Node::List(items)
                }
            }
            Expr::Map(m) => {
                let mut entries = Vec::new();
                for e in &m.entries {
                    match &e.expr {
                        EntryExpr::MapEntry(e) if !e.optional => {
                            entries.push((self.node(&e.key)?, self.node(&e.value)?))
                        }
                        _ => return Err("optional map entries".into()),
                    }
                }
                Node::Map(entries)
            }
            Expr::Comprehension(c) => {
                if c.iter_var2.is_some() {
                    return Err("two-variable comprehensions".into());
                }
                let range = self.node(&c.iter_range)?;
                let init = self.node(&c.accu_init)?;
                let accu = self.slot(&c.accu_var);
                let mut cond = self.node(&c.loop_cond)?;
                let iter = self.slot(&c.iter_var);
                let mut step = self.node(&c.loop_step)?;
                self.scope.pop();
                let result = self.node(&c.result)?;
                self.scope.pop();
                let ports = any_port_open(&range, &init, &cond, &step, &result, accu, iter);
                if let (Some(ports), Node::Or(_, pred)) = (ports, &mut step) {
                    if let Node::Call(_, args) = &mut **pred {
                        let permissions = args.swap_remove(0);
                        return Ok(Node::AnyPortOpen(Box::new(permissions), ports));
                    }
                }
                // Every variable the loop binds (its own and those of the
                // comprehensions inside it) has a slot from `accu` on.
                let first = self.memos;
                self.hoist(&mut cond, accu);
                self.hoist(&mut step, accu);
                let memos = first..self.memos;
                let quantifier = quantifier(&init, &cond, &step, &result, accu);
                let fold = match &c.loop_step.expr {
                    Expr::Call(call)
                        if call.target.is_none()
                            && matches!(call.args.first().map(|a| &a.expr),
                                Some(Expr::Ident(n)) if *n == c.accu_var) =>
                    {
                        match call.func_name.as_str() {
                            operators::LOGICAL_AND => Some(Fold::And),
                            operators::LOGICAL_OR => Some(Fold::Or),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                Node::Comprehension(Box::new(Comprehension {
                    range,
                    iter,
                    accu,
                    init,
                    cond,
                    step,
                    result,
                    fold,
                    quantifier,
                    memos,
                }))
            }
            Expr::Call(call) => self.call(call)?,
            Expr::Struct(_) => return Err("struct literals".into()),
            Expr::Unspecified => return Err("an unspecified expression".into()),
        })
    }

    /// Wraps each largest part of `node` that reads no variable from slot
    /// `bound` on, and is worth remembering, in a [`Node::Memo`].
    fn hoist(&mut self, node: &mut Node, bound: usize) {
        if matches!(
            node,
            Node::Lit(_) | Node::Literals(_) | Node::Type(_) | Node::Var(_) | Node::Memo(..)
        ) {
            return;
        }
        let mut free = BTreeSet::new();
        node.free(&mut free);
        if free.range(bound..).next().is_none() {
            let inner = std::mem::replace(node, Node::Lit(Lit::Null));
            *node = Node::Memo(self.memos, Box::new(inner));
            self.memos += 1;
            return;
        }
        for child in node.children_mut() {
            self.hoist(child, bound);
        }
    }

    fn slot(&mut self, name: &str) -> usize {
        let slot = self.slots;
        self.slots += 1;
        self.scope.push((name.to_string(), slot));
        slot
    }

    fn call(&mut self, call: &cel::common::ast::CallExpr) -> Result<Node, String> {
        let b = |n| Box::new(n);
        let name = call.func_name.as_str();
        let args = &call.args;
        if call.target.is_none() {
            let two = |c: &mut Self| -> Result<(Box<Node>, Box<Node>), String> {
                Ok((b(c.node(&args[0])?), b(c.node(&args[1])?)))
            };
            match (name, args.len()) {
                (operators::LOGICAL_AND, 2) => {
                    let (l, r) = two(self)?;
                    return Ok(Node::And(l, r));
                }
                (operators::LOGICAL_OR, 2) => {
                    let (l, r) = two(self)?;
                    return Ok(Node::Or(l, r));
                }
                (operators::CONDITIONAL, 3) => {
                    return Ok(Node::Cond(
                        b(self.node(&args[0])?),
                        b(self.node(&args[1])?),
                        b(self.node(&args[2])?),
                    ))
                }
                (operators::LOGICAL_NOT, 1) => return Ok(Node::Not(b(self.node(&args[0])?))),
                (operators::NOT_STRICTLY_FALSE, 1) => {
                    return Ok(Node::NotStrictlyFalse(b(self.node(&args[0])?)))
                }
                (operators::NEGATE, 1) => return Ok(Node::Neg(b(self.node(&args[0])?))),
                (operators::EQUALS, 2) => {
                    let (l, r) = two(self)?;
                    return Ok(Node::Eq(l, r, true));
                }
                (operators::NOT_EQUALS, 2) => {
                    let (l, r) = two(self)?;
                    return Ok(Node::Eq(l, r, false));
                }
                (operators::LESS, 2) => {
                    let (l, r) = two(self)?;
                    return Ok(Node::Cmp(l, r, |o| o == Ordering::Less));
                }
                (operators::LESS_EQUALS, 2) => {
                    let (l, r) = two(self)?;
                    return Ok(Node::Cmp(l, r, |o| o != Ordering::Greater));
                }
                (operators::GREATER, 2) => {
                    let (l, r) = two(self)?;
                    return Ok(Node::Cmp(l, r, |o| o == Ordering::Greater));
                }
                (operators::GREATER_EQUALS, 2) => {
                    let (l, r) = two(self)?;
                    return Ok(Node::Cmp(l, r, |o| o != Ordering::Less));
                }
                (operators::INDEX, 2) => {
                    let (l, r) = two(self)?;
                    return Ok(Node::Index(l, r));
                }
                (operators::IN, 2) => {
                    let (l, r) = two(self)?;
                    return Ok(Node::In(l, r));
                }
                (operators::ADD | operators::SUBSTRACT | operators::MULTIPLY, 2)
                | (operators::DIVIDE | operators::MODULO, 2) => {
                    let op = match name {
                        operators::ADD => Arith::Add,
                        operators::SUBSTRACT => Arith::Sub,
                        operators::MULTIPLY => Arith::Mul,
                        operators::DIVIDE => Arith::Div,
                        _ => Arith::Rem,
                    };
                    let (l, r) = two(self)?;
                    return Ok(Node::Arith(l, r, op));
                }
                _ => {}
            }
        }
        if name.starts_with('_') || name.starts_with('@') || name.starts_with('!') {
            return Err(format!("operator `{name}`"));
        }
        let func = Func::of(name, call.target.is_some(), args.len())
            .ok_or_else(|| format!("function `{name}`"))?;
        let mut nodes = Vec::with_capacity(args.len() + 1);
        if let Some(t) = &call.target {
            nodes.push(self.node(t)?);
        }
        for a in args {
            nodes.push(self.node(a)?);
        }
        // A literal pattern is compiled once, here.
        if let (Func::Matches, [_, Node::Lit(Lit::Str(pattern))]) = (func, nodes.as_slice()) {
            if let Ok(re) = Regex::new(pattern) {
                let subject = nodes.swap_remove(0);
                return Ok(Node::Matches(b(subject), re));
            }
        }
        Ok(Node::Call(func, nodes))
    }
}

/// The nodes directly below `$node`, borrowed with `$borrow` (`&` or
/// `&mut`; `$iter` iterates a vector so): one listing for both.
macro_rules! children {
    ($node:expr, $iter:ident, $($borrow:tt)+) => {
        match $node {
            Node::Lit(_) | Node::Type(_) | Node::Var(_) | Node::Path(..) | Node::Literals(_) => {
                Vec::new()
            }
            Node::Select(x, ..)
            | Node::Not(x)
            | Node::NotStrictlyFalse(x)
            | Node::Neg(x)
            | Node::Matches(x, _)
            | Node::Memo(_, x)
            | Node::AnyPortOpen(x, _) => vec![x],
            Node::And(l, r)
            | Node::Or(l, r)
            | Node::Eq(l, r, _)
            | Node::Cmp(l, r, _)
            | Node::Arith(l, r, _)
            | Node::Index(l, r)
            | Node::In(l, r) => vec![l, r],
            Node::Cond(c, t, f) => vec![c, t, f],
            Node::List(items) | Node::Call(_, items) => items.$iter().collect(),
            Node::Map(entries) => entries.$iter().flat_map(|(k, v)| [k, v]).collect(),
            Node::Comprehension(c) => {
                let c = $($borrow)+ **c;
                vec![
                    $($borrow)+ c.range,
                    $($borrow)+ c.init,
                    $($borrow)+ c.cond,
                    $($borrow)+ c.step,
                    $($borrow)+ c.result,
                ]
            }
        }
    };
}

impl Node {
    /// The slots of the variables the node reads and does not bind.
    fn free(&self, out: &mut BTreeSet<usize>) {
        match self {
            Node::Var(slot) | Node::Path(slot, ..) => {
                out.insert(*slot);
            }
            Node::Comprehension(c) => {
                c.range.free(out);
                c.init.free(out);
                let mut inner = BTreeSet::new();
                c.cond.free(&mut inner);
                c.step.free(&mut inner);
                inner.remove(&c.iter);
                c.result.free(&mut inner);
                inner.remove(&c.accu);
                out.extend(inner);
            }
            _ => {
                for child in self.children() {
                    child.free(out);
                }
            }
        }
    }

    /// The nodes directly below this one.
    fn children(&self) -> Vec<&Node> {
        children!(self, iter, &)
    }

    /// [`Node::children`], to change them.
    fn children_mut(&mut self) -> Vec<&mut Node> {
        children!(self, iter_mut, &mut)
    }
}

/// The ports of a [`Node::AnyPortOpen`], when the parts are those of an
/// `exists` macro over integer literals whose step is `accu ||
/// ingress_open_to_world(X, port)`.
fn any_port_open(
    range: &Node,
    init: &Node,
    cond: &Node,
    step: &Node,
    result: &Node,
    accu: usize,
    iter: usize,
) -> Option<Vec<i64>> {
    let Node::Literals(items) = range else {
        return None;
    };
    let ports = items
        .iter()
        .map(|l| match l {
            Lit::Int(i) => Some(*i),
            _ => None,
        })
        .collect::<Option<Vec<i64>>>()?;
    let exists = matches!(quantifier(init, cond, step, result, accu), Some(Fold::Or));
    let Node::Or(_, pred) = step else {
        return None;
    };
    let Node::Call(Func::IngressOpenToWorld, args) = &**pred else {
        return None;
    };
    let [permissions, Node::Var(port)] = args.as_slice() else {
        return None;
    };
    let mut free = BTreeSet::new();
    permissions.free(&mut free);
    let independent = !free.contains(&iter) && !free.contains(&accu);
    (exists && !ports.is_empty() && *port == iter && independent).then_some(ports)
}

/// `Or` for the parts of an `exists` macro as CEL expands it (false; while
/// not true; `accu || pred`), `And` for those of `all` (true; while not
/// false; `accu && pred`), where `pred` does not read `accu`.
fn quantifier(init: &Node, cond: &Node, step: &Node, result: &Node, accu: usize) -> Option<Fold> {
    let is_accu = |n: &Node| matches!(n, Node::Var(s) if *s == accu);
    let (fold, pred) = match (init, step) {
        (Node::Lit(Lit::Bool(false)), Node::Or(left, pred)) if is_accu(left) => (Fold::Or, pred),
        (Node::Lit(Lit::Bool(true)), Node::And(left, pred)) if is_accu(left) => (Fold::And, pred),
        _ => return None,
    };
    let Node::NotStrictlyFalse(test) = cond else {
        return None;
    };
    let tests = match (fold, &**test) {
        (Fold::Or, Node::Not(x)) => is_accu(x),
        (Fold::And, x) => is_accu(x),
        _ => false,
    };
    let mut free = BTreeSet::new();
    pred.free(&mut free);
    (tests && is_accu(result) && !free.contains(&accu)).then_some(fold)
}

/// A value during evaluation, borrowing the snapshot and the compiled
/// program wherever it can.
#[derive(Clone, Debug)]
enum V<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(&'a str),
    Owned(Rc<str>),
    /// A JSON array or object of the snapshot.
    Json(&'a Json),
    /// An array or object of the props of the resource judged, read from
    /// their text ([`doc::Doc`]).
    Doc(Ref<'a>),
    List(Rc<Vec<V<'a>>>),
    /// A list literal of the condition.
    Literals(&'a [Lit]),
    Map(Rc<Vec<(V<'a>, V<'a>)>>),
    Resource(&'a Resource),
    Tags(&'a BTreeMap<String, String>),
    /// `edges_out` / `edges_in`: relation → uids.
    Edges(&'a [(&'a str, &'a str)]),
    Resources(Rc<Vec<&'a Resource>>),
    Slice(&'a [&'a Resource]),
    Type(Ty),
}

type R<'a> = Result<V<'a>, String>;

fn literal(l: &Lit) -> V<'_> {
    match l {
        Lit::Null => V::Null,
        Lit::Bool(b) => V::Bool(*b),
        Lit::Int(i) => V::Int(*i),
        Lit::UInt(u) => V::UInt(*u),
        Lit::Float(f) => V::Float(*f),
        Lit::Str(s) => V::Str(s),
        Lit::List(l) => V::Literals(l),
    }
}

/// A value of a [`doc::Doc`]: scalars as values, the rest in place.
fn doc(r: Ref<'_>) -> V<'_> {
    match r.tag() {
        Tag::Null => V::Null,
        Tag::Bool(b) => V::Bool(b),
        Tag::Number => match r.as_number() {
            Some(doc::Number::Int(i)) => V::Int(i),
            Some(doc::Number::UInt(u)) => V::Int(i64::try_from(u).unwrap_or(i64::MAX)),
            Some(doc::Number::Float(f)) => V::Float(f),
            None => V::Null,
        },
        Tag::String => match r.as_str() {
            Some(std::borrow::Cow::Borrowed(s)) => V::Str(s),
            Some(std::borrow::Cow::Owned(s)) => V::Owned(s.into()),
            None => V::Null,
        },
        Tag::Array | Tag::Object => V::Doc(r),
    }
}

/// An object key of a [`doc::Doc`] as a value.
fn key(k: std::borrow::Cow<'_, str>) -> V<'_> {
    match k {
        std::borrow::Cow::Borrowed(s) => V::Str(s),
        std::borrow::Cow::Owned(s) => V::Owned(s.into()),
    }
}

fn json<'a>(j: &'a Json) -> V<'a> {
    match j {
        Json::Null => V::Null,
        Json::Bool(b) => V::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => V::Int(i),
            None => match n.as_u64() {
                Some(u) => V::Int(i64::try_from(u).unwrap_or(i64::MAX)),
                None => V::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
        },
        Json::String(s) => V::Str(s),
        _ => V::Json(j),
    }
}

impl<'a> V<'a> {
    fn ty(&self) -> Ty {
        match self {
            V::Null => Ty::Null,
            V::Bool(_) => Ty::Bool,
            V::Int(_) => Ty::Int,
            V::UInt(_) => Ty::UInt,
            V::Float(_) => Ty::Double,
            V::Str(_) | V::Owned(_) => Ty::String,
            V::Json(Json::Array(_))
            | V::List(_)
            | V::Literals(_)
            | V::Resources(_)
            | V::Slice(_) => Ty::List,
            V::Doc(r) if r.tag() == Tag::Array => Ty::List,
            V::Json(_) | V::Doc(_) | V::Map(_) | V::Resource(_) | V::Tags(_) | V::Edges(_) => {
                Ty::Map
            }
            V::Type(_) => Ty::Type,
        }
    }

    fn type_name(&self) -> &'static str {
        match self.ty() {
            Ty::List => "list",
            Ty::Map => "map",
            Ty::String => "string",
            Ty::Int => "int",
            Ty::UInt => "uint",
            Ty::Double => "double",
            Ty::Bool => "bool",
            Ty::Null => "null",
            Ty::Bytes => "bytes",
            Ty::Type => "type",
        }
    }

    fn str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            V::Owned(s) => Some(s),
            _ => None,
        }
    }

    fn bool(&self) -> Result<bool, String> {
        match self {
            V::Bool(b) => Ok(*b),
            other => Err(format!("expected bool, got {}", other.type_name())),
        }
    }

    /// The elements of a list, or the keys of a map, in iteration order.
    fn iter(&self) -> Result<Vec<V<'a>>, String> {
        Ok(match self {
            V::Json(Json::Array(a)) => a.iter().map(json).collect(),
            V::Json(Json::Object(o)) => o.keys().map(|k| V::Str(k)).collect(),
            V::Doc(r) if r.tag() == Tag::Array => r.elements().map(doc).collect(),
            V::Doc(r) => r.entries().into_iter().map(|(k, _)| key(k)).collect(),
            V::List(l) => l.as_ref().clone(),
            V::Literals(l) => l.iter().map(literal).collect(),
            V::Map(m) => m.iter().map(|(k, _)| k.clone()).collect(),
            V::Resources(rs) => rs.iter().map(|r| V::Resource(r)).collect(),
            V::Slice(rs) => rs.iter().map(|r| V::Resource(r)).collect(),
            V::Tags(t) => t.keys().map(|k| V::Str(k)).collect(),
            V::Resource(_) => RESOURCE_FIELDS.iter().map(|k| V::Str(k)).collect(),
            V::Edges(e) => {
                let mut keys: Vec<V> = Vec::new();
                for (rel, _) in e.iter() {
                    if keys.last().and_then(V::str) != Some(rel) {
                        keys.push(V::Str(rel));
                    }
                }
                keys
            }
            other => return Err(format!("expected iterable, got {}", other.type_name())),
        })
    }

    fn len(&self) -> Option<usize> {
        Some(match self {
            V::Str(s) => s.chars().count(),
            V::Owned(s) => s.chars().count(),
            V::Json(Json::Array(a)) => a.len(),
            V::Json(Json::Object(o)) => o.len(),
            V::Doc(r) => r.len().unwrap_or_default(),
            V::List(l) => l.len(),
            V::Literals(l) => l.len(),
            V::Map(m) => m.len(),
            V::Resources(r) => r.len(),
            V::Slice(r) => r.len(),
            V::Tags(t) => t.len(),
            _ => return None,
        })
    }
}

const RESOURCE_FIELDS: &[&str] = &[
    "uid",
    "kind",
    "account",
    "region",
    "name",
    "tags",
    "created_at",
    "props",
];

/// What evaluation reads: the snapshot's indexes, whether resources
/// carry `edges_out`/`edges_in`, and the props of the resource judged when
/// they were read as a [`doc::Doc`] (its own `props` then hold only its
/// gaps).
#[derive(Clone, Copy)]
pub(crate) struct Env<'a> {
    pub(crate) graph: &'a Graph<'a>,
    pub(crate) edges: bool,
    pub(crate) subject: Option<(&'a Resource, &'a doc::Doc)>,
}

impl Compiled {
    /// Evaluates the condition on `resource`: `Ok(bool)` or why it could
    /// not be decided.
    pub(crate) fn run<'a>(&'a self, env: &Env<'a>, resource: &'a Resource) -> Result<bool, String> {
        // On the stack, in arrays of the size needed: most conditions have
        // one variable and nothing to remember, and every slot of the
        // arrays is written and dropped on each run.
        match (self.slots, self.memos) {
            (..=1, 0) => self.run_in::<1, 0>(env, resource),
            (..=4, ..=2) => self.run_in::<4, 2>(env, resource),
            (..=12, ..=6) => self.run_in::<12, 6>(env, resource),
            _ => {
                let mut vars = vec![V::Null; self.slots.max(1)];
                let mut memo = vec![None; self.memos];
                self.run_on(env, resource, &mut vars, &mut memo)
            }
        }
    }

    fn run_in<'a, const VARS: usize, const MEMOS: usize>(
        &'a self,
        env: &Env<'a>,
        resource: &'a Resource,
    ) -> Result<bool, String> {
        let mut vars: [V<'a>; VARS] = std::array::from_fn(|_| V::Null);
        let mut memo: [Option<R<'a>>; MEMOS] = std::array::from_fn(|_| None);
        self.run_on(env, resource, &mut vars, &mut memo)
    }

    fn run_on<'a>(
        &'a self,
        env: &Env<'a>,
        resource: &'a Resource,
        vars: &mut [V<'a>],
        memo: &mut [Option<R<'a>>],
    ) -> Result<bool, String> {
        vars[0] = V::Resource(resource);
        let mut frame = Frame { vars, memo };
        match eval(&self.root, env, &mut frame)? {
            V::Bool(b) => Ok(b),
            other => Err(format!("gave a {}, not a boolean", other.type_name())),
        }
    }
}

/// The variables of an evaluation, by slot, and what its [`Node::Memo`]s
/// remember.
struct Frame<'f, 'a> {
    vars: &'f mut [V<'a>],
    memo: &'f mut [Option<R<'a>>],
}

impl<'a> Index<usize> for Frame<'_, 'a> {
    type Output = V<'a>;

    fn index(&self, slot: usize) -> &V<'a> {
        &self.vars[slot]
    }
}

impl IndexMut<usize> for Frame<'_, '_> {
    fn index_mut(&mut self, slot: usize) -> &mut Self::Output {
        &mut self.vars[slot]
    }
}

fn field<'a>(env: &Env<'a>, v: &V<'a>, name: &str) -> Option<Option<V<'a>>> {
    Some(match v {
        V::Json(Json::Object(o)) => o.get(name).map(json),
        V::Doc(r) if r.tag() == Tag::Object => r.get(name).map(doc),
        V::Map(m) => m
            .iter()
            .find(|(k, _)| k.str() == Some(name))
            .map(|(_, v)| v.clone()),
        V::Tags(t) => t.get(name).map(|s| V::Str(s)),
        V::Edges(e) => {
            let uids: Vec<V> = e
                .iter()
                .filter(|(rel, _)| *rel == name)
                .map(|(_, uid)| V::Str(uid))
                .collect();
            (!uids.is_empty()).then(|| V::List(Rc::new(uids)))
        }
        V::Resource(r) => match name {
            "uid" => Some(V::Str(&r.uid)),
            "kind" => Some(V::Str(&r.kind)),
            "account" => Some(V::Str(&r.account)),
            "region" => Some(V::Str(&r.region)),
            "name" => Some(V::Str(&r.name)),
            "tags" => Some(V::Tags(&r.tags)),
            "created_at" => Some(match r.created_at {
                Some(t) => V::Owned(t.to_rfc3339().into()),
                None => V::Null,
            }),
            "props" => Some(match env.subject {
                Some((subject, props)) if std::ptr::eq(subject, *r) => doc(props.root()),
                _ => json(&r.props),
            }),
            "edges_out" if env.edges => Some(V::Edges(env.graph.edges(&r.uid, true))),
            "edges_in" if env.edges => Some(V::Edges(env.graph.edges(&r.uid, false))),
            _ => None,
        },
        _ => return None,
    })
}

/// `v.name`, or `has(v.name)` when `test`.
fn select<'a>(env: &Env<'a>, v: V<'a>, name: &str, test: bool) -> R<'a> {
    Ok(match (field(env, &v, name), test) {
        (Some(found), true) => V::Bool(found.is_some()),
        (Some(Some(found)), false) => found,
        (Some(None), false) => return Err(format!("No such key: {name}")),
        (None, _) => return Err(format!("no field `{name}` on a {}", v.type_name())),
    })
}

/// [`eval`], with the leaves that need no work answered in place: a call
/// of the evaluator less for each variable and literal.
#[inline(always)]
fn ev<'a>(node: &'a Node, env: &Env<'a>, slots: &mut Frame<'_, 'a>) -> R<'a> {
    match node {
        Node::Lit(l) => Ok(literal(l)),
        Node::Var(slot) => Ok(slots[*slot].clone()),
        _ => eval(node, env, slots),
    }
}

fn eval<'a>(node: &'a Node, env: &Env<'a>, slots: &mut Frame<'_, 'a>) -> R<'a> {
    Ok(match node {
        Node::Lit(l) => literal(l),
        Node::Literals(items) => V::Literals(items),
        Node::Type(t) => V::Type(*t),
        Node::Var(slot) => slots[*slot].clone(),
        Node::Select(operand, name, test) => select(env, ev(operand, env, slots)?, name, *test)?,
        Node::Path(slot, names, test) => {
            let last = names.len().saturating_sub(1);
            let mut v = V::Null;
            let mut from = 0;
            // `resource.props.NAME…` of the resource judged, read from its
            // document: the commonest path, without the generic steps.
            if let (V::Resource(r), Some((subject, props)), Some("props")) = (
                &slots[*slot],
                env.subject,
                names.first().map(String::as_str),
            ) {
                if std::ptr::eq(*r, subject) && last > 0 {
                    let root = props.root();
                    let mut at = root;
                    let mut i = 1;
                    while i <= last {
                        match at.get(&names[i]) {
                            Some(found) if i < last && found.tag() == Tag::Object => at = found,
                            Some(found) => {
                                v = if *test && i == last {
                                    V::Bool(true)
                                } else {
                                    doc(found)
                                };
                                from = i + 1;
                                break;
                            }
                            None if *test && i == last => {
                                v = V::Bool(false);
                                from = i + 1;
                                break;
                            }
                            // Not found, or not an object: the generic
                            // steps say why.
                            None => {
                                v = doc(at);
                                from = i;
                                break;
                            }
                        }
                        i += 1;
                    }
                    if from == 0 {
                        v = doc(at);
                        from = last + 1;
                    }
                }
            }
            if from == 0 {
                v = slots[*slot].clone();
            }
            for (i, name) in names.iter().enumerate().skip(from) {
                let has = *test && i == last;
                // A document's object: its key straight away.
                if let V::Doc(r) = &v {
                    if r.tag() == Tag::Object {
                        v = match (r.get(name), has) {
                            (found, true) => V::Bool(found.is_some()),
                            (Some(found), false) => doc(found),
                            (None, false) => return Err(format!("No such key: {name}")),
                        };
                        continue;
                    }
                }
                v = select(env, v, name, has)?;
            }
            v
        }
        Node::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(ev(i, env, slots)?);
            }
            V::List(Rc::new(out))
        }
        Node::Map(entries) => {
            let mut out: Vec<(V, V)> = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let key = ev(k, env, slots)?;
                if !matches!(
                    key,
                    V::Str(_) | V::Owned(_) | V::Int(_) | V::UInt(_) | V::Bool(_)
                ) {
                    return Err(format!("unsupported map key type {}", key.type_name()));
                }
                let value = ev(v, env, slots)?;
                match out.iter_mut().find(|(k, _)| equal(k, &key)) {
                    Some(entry) => entry.1 = value,
                    None => out.push((key, value)),
                }
            }
            V::Map(Rc::new(out))
        }
        Node::Or(l, r) => {
            let left = ev(l, env, slots).and_then(|v| v.bool());
            if left == Ok(true) {
                return Ok(V::Bool(true));
            }
            let right = ev(r, env, slots)?;
            match (left, &right) {
                (Ok(false), V::Bool(b)) => V::Bool(*b),
                (Err(_), V::Bool(true)) => V::Bool(true),
                (Err(e), _) => return Err(e),
                (Ok(_), other) => {
                    return Err(format!(
                        "no such overload: _||_ on bool and {}",
                        other.type_name()
                    ))
                }
            }
        }
        Node::And(l, r) => {
            let left = ev(l, env, slots).and_then(|v| v.bool());
            if left == Ok(false) {
                return Ok(V::Bool(false));
            }
            let right = ev(r, env, slots)?;
            match (left, &right) {
                (Ok(true), V::Bool(b)) => V::Bool(*b),
                (Err(_), V::Bool(false)) => V::Bool(false),
                (Err(e), _) => return Err(e),
                (Ok(_), other) => {
                    return Err(format!(
                        "no such overload: _&&_ on bool and {}",
                        other.type_name()
                    ))
                }
            }
        }
        Node::Not(x) => match ev(x, env, slots)? {
            V::Bool(b) => V::Bool(!b),
            other => return Err(format!("no such overload: !_ on {}", other.type_name())),
        },
        Node::NotStrictlyFalse(x) => {
            V::Bool(ev(x, env, slots).and_then(|v| v.bool()).unwrap_or(true))
        }
        Node::Cond(c, t, f) => {
            if ev(c, env, slots)?.bool()? {
                ev(t, env, slots)?
            } else {
                ev(f, env, slots)?
            }
        }
        Node::Eq(l, r, want) => {
            let l = ev(l, env, slots)?;
            let r = ev(r, env, slots)?;
            V::Bool(equal(&l, &r) == *want)
        }
        Node::Cmp(l, r, test) => {
            let l = ev(l, env, slots)?;
            let r = ev(r, env, slots)?;
            V::Bool(test(compare(&l, &r)?))
        }
        Node::Arith(l, r, op) => {
            let l = ev(l, env, slots)?;
            let r = ev(r, env, slots)?;
            arith(l, r, *op)?
        }
        Node::Neg(x) => match ev(x, env, slots)? {
            V::Int(i) => V::Int(i.checked_neg().ok_or("integer overflow")?),
            V::Float(f) => V::Float(-f),
            other => return Err(format!("no such overload: -_ on {}", other.type_name())),
        },
        Node::Index(c, k) => {
            let c = ev(c, env, slots)?;
            let k = ev(k, env, slots)?;
            index(env, &c, &k)?
        }
        Node::In(x, c) => match &**c {
            // `x in [a, b + ":*"]`: compared item by item, the list never
            // built (the monitoring checks do this for every log group of
            // the account). Every item is evaluated, as building the list
            // would, so that an error in any is still an error.
            Node::List(items) => {
                let x = ev(x, env, slots)?;
                let mut found = false;
                for item in items {
                    found |= equals_item(item, &x, env, slots)?;
                }
                V::Bool(found)
            }
            c => {
                let x = ev(x, env, slots)?;
                let c = ev(c, env, slots)?;
                V::Bool(contains(env, &c, &x)?)
            }
        },
        Node::Matches(subject, re) => match ev(subject, env, slots)?.str() {
            Some(s) => V::Bool(re.is_match(s)),
            None => return Err("no such overload: matches on a non-string".into()),
        },
        Node::Call(func, args) if args.len() <= 3 => {
            // Every function takes at most three arguments: on the stack.
            let mut values: [V<'a>; 3] = [V::Null, V::Null, V::Null];
            for (value, a) in values.iter_mut().zip(args) {
                *value = ev(a, env, slots)?;
            }
            call(env, *func, &values[..args.len()])?
        }
        Node::Call(func, args) => {
            let mut values = Vec::with_capacity(args.len());
            for a in args {
                values.push(ev(a, env, slots)?);
            }
            call(env, *func, &values)?
        }
        Node::Comprehension(c) => comprehension(c, env, slots)?,
        Node::Memo(k, inner) => {
            if let Some(known) = &slots.memo[*k] {
                return known.clone();
            }
            let value = ev(inner, env, slots);
            slots.memo[*k] = Some(value.clone());
            value?
        }
        Node::AnyPortOpen(permissions, ports) => {
            let permissions = ev(permissions, env, slots)?;
            V::Bool(view(&permissions, |d| {
                helpers::ingress_open_to_world_on_any(d, ports)
            }))
        }
    })
}

/// Whether a list item equals `x`: a string item written `a + "literal"`
/// is compared without concatenating.
fn equals_item<'a>(
    item: &'a Node,
    x: &V<'a>,
    env: &Env<'a>,
    slots: &mut Frame<'_, 'a>,
) -> Result<bool, String> {
    if let (Node::Arith(l, r, Arith::Add), Some(whole)) = (item, x.str()) {
        if let Node::Lit(suffix @ Lit::Str(text)) = &**r {
            let left = ev(l, env, slots)?;
            return Ok(match left.str() {
                Some(prefix) => {
                    whole.len() == prefix.len() + text.len()
                        && whole.starts_with(prefix)
                        && whole.ends_with(text.as_str())
                }
                // Not a string: the addition says what it is.
                None => equal(&arith(left, literal(suffix), Arith::Add)?, x),
            });
        }
    }
    Ok(equal(&ev(item, env, slots)?, x))
}

fn comprehension<'a>(c: &'a Comprehension, env: &Env<'a>, slots: &mut Frame<'_, 'a>) -> R<'a> {
    let init = ev(&c.init, env, slots)?;
    let range = ev(&c.range, env, slots)?;
    let items = Items::of(&range)?;
    for k in c.memos.clone() {
        slots.memo[k] = None;
    }
    if let (Some(fold), Node::Or(_, pred) | Node::And(_, pred)) = (c.quantifier, &c.step) {
        // `exists` / `all`: the first `true` / `false` decides; otherwise
        // the last error, as the fold would leave it.
        let decisive = matches!(fold, Fold::Or);
        let mut pending: Option<String> = None;
        for item in items {
            slots[c.iter] = item;
            match ev(pred, env, slots) {
                Ok(V::Bool(b)) if b == decisive => return Ok(V::Bool(decisive)),
                Ok(V::Bool(_)) => {}
                Ok(other) => {
                    let op = if decisive { "_||_" } else { "_&&_" };
                    pending = Some(format!(
                        "no such overload: {op} on bool and {}",
                        other.type_name()
                    ));
                }
                Err(e) => pending = Some(e),
            }
        }
        return match pending {
            Some(e) => Err(e),
            None => Ok(V::Bool(!decisive)),
        };
    }
    slots[c.accu] = init;
    let mut pending: Option<String> = None;
    for item in items {
        if !ev(&c.cond, env, slots)?.bool()? {
            break;
        }
        slots[c.iter] = item;
        let step = ev(&c.step, env, slots);
        match (step, c.fold) {
            (Err(e), Some(_)) => pending = Some(e),
            (Err(e), None) => return Err(e),
            (Ok(accu), Some(fold))
                if pending.is_some()
                    && !matches!(
                        (&accu, fold),
                        (V::Bool(true), Fold::Or) | (V::Bool(false), Fold::And)
                    ) => {}
            (Ok(accu), _) => {
                pending = None;
                slots[c.accu] = accu;
            }
        }
    }
    if let Some(e) = pending {
        return Err(e);
    }
    ev(&c.result, env, slots)
}

/// What a comprehension iterates, in order, without copying lists.
enum Items<'a> {
    Json(std::slice::Iter<'a, Json>),
    Doc(doc::Elements<'a>),
    Literals(std::slice::Iter<'a, Lit>),
    List(Rc<Vec<V<'a>>>, usize),
    Resources(std::slice::Iter<'a, &'a Resource>),
    Owned(Rc<Vec<&'a Resource>>, usize),
    Keys(std::vec::IntoIter<V<'a>>),
}

impl<'a> Items<'a> {
    fn of(v: &V<'a>) -> Result<Self, String> {
        Ok(match v {
            V::Json(Json::Array(a)) => Items::Json(a.iter()),
            V::Doc(r) if r.tag() == Tag::Array => Items::Doc(r.elements()),
            V::Literals(l) => Items::Literals(l.iter()),
            V::List(l) => Items::List(l.clone(), 0),
            V::Slice(rs) => Items::Resources(rs.iter()),
            V::Resources(rs) => Items::Owned(rs.clone(), 0),
            other => Items::Keys(other.iter()?.into_iter()),
        })
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = V<'a>;

    fn next(&mut self) -> Option<V<'a>> {
        Some(match self {
            Items::Json(a) => json(a.next()?),
            Items::Doc(a) => doc(a.next()?),
            Items::Literals(l) => literal(l.next()?),
            Items::List(l, at) => {
                let item = l.get(*at)?.clone();
                *at += 1;
                item
            }
            Items::Resources(r) => V::Resource(r.next()?),
            Items::Owned(r, at) => {
                let item = V::Resource(r.get(*at)?);
                *at += 1;
                item
            }
            Items::Keys(k) => k.next()?,
        })
    }
}

fn num(v: &V) -> Option<f64> {
    match v {
        V::Int(i) => Some(*i as f64),
        V::UInt(u) => Some(*u as f64),
        V::Float(f) => Some(*f),
        _ => None,
    }
}

fn compare(l: &V, r: &V) -> Result<Ordering, String> {
    match (l, r) {
        (V::Int(a), V::Int(b)) => Ok(a.cmp(b)),
        (V::UInt(a), V::UInt(b)) => Ok(a.cmp(b)),
        (V::Int(a), V::UInt(b)) => Ok(u64::try_from(*a)
            .map(|a| a.cmp(b))
            .unwrap_or(Ordering::Less)),
        (V::UInt(a), V::Int(b)) => Ok(u64::try_from(*b)
            .map(|b| a.cmp(&b))
            .unwrap_or(Ordering::Greater)),
        (V::Bool(a), V::Bool(b)) => Ok(a.cmp(b)),
        _ => {
            if let (Some(a), Some(b)) = (l.str(), r.str()) {
                return Ok(a.cmp(b));
            }
            match (num(l), num(r)) {
                (Some(a), Some(b)) => a
                    .partial_cmp(&b)
                    .ok_or_else(|| "values not comparable".to_string()),
                _ => Err(format!(
                    "no such overload: compare {} and {}",
                    l.type_name(),
                    r.type_name()
                )),
            }
        }
    }
}

/// The elements of a list-like value.
fn list<'a>(v: &V<'a>) -> Option<Vec<V<'a>>> {
    match v {
        V::Json(Json::Array(a)) => Some(a.iter().map(json).collect()),
        V::Doc(r) if r.tag() == Tag::Array => Some(r.elements().map(doc).collect()),
        V::List(l) => Some(l.as_ref().clone()),
        V::Literals(l) => Some(l.iter().map(literal).collect()),
        V::Resources(rs) => Some(rs.iter().map(|r| V::Resource(r)).collect()),
        V::Slice(rs) => Some(rs.iter().map(|r| V::Resource(r)).collect()),
        _ => None,
    }
}

/// The entries of a map-like value with string keys; `None` for anything
/// else (resources and edge maps are compared by identity).
fn entries<'a>(v: &V<'a>) -> Option<Vec<(V<'a>, V<'a>)>> {
    match v {
        V::Json(Json::Object(o)) => Some(o.iter().map(|(k, v)| (V::Str(k), json(v))).collect()),
        V::Doc(r) if r.tag() == Tag::Object => Some(
            r.entries()
                .into_iter()
                .map(|(k, v)| (key(k), doc(v)))
                .collect(),
        ),
        V::Map(m) => Some(m.as_ref().clone()),
        V::Tags(t) => Some(t.iter().map(|(k, v)| (V::Str(k), V::Str(v))).collect()),
        _ => None,
    }
}

fn equal(l: &V, r: &V) -> bool {
    match (l, r) {
        (V::Null, V::Null) => true,
        (V::Bool(a), V::Bool(b)) => a == b,
        (V::Type(a), V::Type(b)) => a == b,
        (V::Resource(a), V::Resource(b)) => std::ptr::eq(*a, *b),
        (V::Edges(a), V::Edges(b)) => a == b,
        _ => {
            if let (Some(a), Some(b)) = (l.str(), r.str()) {
                return a == b;
            }
            if num(l).is_some() && num(r).is_some() {
                return compare(l, r) == Ok(Ordering::Equal);
            }
            // Lists and maps only equal their own kind: compared with
            // anything else (`x == null`) neither is copied out.
            match (l.ty(), r.ty()) {
                (Ty::List, Ty::List) => match (list(l), list(r)) {
                    (Some(a), Some(b)) => {
                        a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| equal(x, y))
                    }
                    _ => false,
                },
                (Ty::Map, Ty::Map) => match (entries(l), entries(r)) {
                    (Some(a), Some(b)) => {
                        a.len() == b.len()
                            && a.iter()
                                .all(|(k, v)| b.iter().any(|(k2, v2)| equal(k, k2) && equal(v, v2)))
                    }
                    _ => false,
                },
                _ => false,
            }
        }
    }
}

fn arith<'a>(l: V<'a>, r: V<'a>, op: Arith) -> R<'a> {
    let overflow = || "integer overflow".to_string();
    Ok(match (op, &l, &r) {
        (Arith::Add, V::Int(a), V::Int(b)) => V::Int(a.checked_add(*b).ok_or_else(overflow)?),
        (Arith::Sub, V::Int(a), V::Int(b)) => V::Int(a.checked_sub(*b).ok_or_else(overflow)?),
        (Arith::Mul, V::Int(a), V::Int(b)) => V::Int(a.checked_mul(*b).ok_or_else(overflow)?),
        (Arith::Div, V::Int(a), V::Int(b)) => {
            if *b == 0 {
                return Err("division by zero".into());
            }
            V::Int(a.checked_div(*b).ok_or_else(overflow)?)
        }
        (Arith::Rem, V::Int(a), V::Int(b)) => {
            if *b == 0 {
                return Err("modulus by zero".into());
            }
            V::Int(a.checked_rem(*b).ok_or_else(overflow)?)
        }
        (Arith::Add, V::UInt(a), V::UInt(b)) => V::UInt(a.checked_add(*b).ok_or_else(overflow)?),
        (Arith::Sub, V::UInt(a), V::UInt(b)) => V::UInt(a.checked_sub(*b).ok_or_else(overflow)?),
        (Arith::Mul, V::UInt(a), V::UInt(b)) => V::UInt(a.checked_mul(*b).ok_or_else(overflow)?),
        (Arith::Add, V::Float(a), V::Float(b)) => V::Float(a + b),
        (Arith::Sub, V::Float(a), V::Float(b)) => V::Float(a - b),
        (Arith::Mul, V::Float(a), V::Float(b)) => V::Float(a * b),
        (Arith::Div, V::Float(a), V::Float(b)) => V::Float(a / b),
        (Arith::Add, _, _) if l.str().is_some() && r.str().is_some() => {
            let mut s = String::from(l.str().unwrap_or_default());
            s.push_str(r.str().unwrap_or_default());
            V::Owned(s.into())
        }
        (Arith::Add, _, _) => match (list(&l), list(&r)) {
            (Some(mut a), Some(b)) => {
                if let V::List(rc) = l {
                    // The accumulator of `map`/`filter`: append in place
                    // when nothing else holds it.
                    if let Ok(mut owned) = Rc::try_unwrap(rc) {
                        owned.extend(b);
                        return Ok(V::List(Rc::new(owned)));
                    }
                }
                a.extend(b);
                V::List(Rc::new(a))
            }
            _ => {
                return Err(format!(
                    "no such overload: add {} and {}",
                    l.type_name(),
                    r.type_name()
                ))
            }
        },
        _ => {
            return Err(format!(
                "no such overload: arithmetic on {} and {}",
                l.type_name(),
                r.type_name()
            ))
        }
    })
}

fn index<'a>(env: &Env<'a>, c: &V<'a>, k: &V<'a>) -> R<'a> {
    // An item of a literal list or of a document's array, without copying
    // the list out first.
    if let (V::Literals(_) | V::Doc(_) | V::Json(Json::Array(_)), V::Int(i)) = (c, k) {
        let found = usize::try_from(*i).ok().and_then(|i| match c {
            V::Literals(l) => l.get(i).map(literal),
            V::Doc(r) if r.tag() == Tag::Array => r.elements().nth(i).map(doc),
            V::Json(Json::Array(a)) => a.get(i).map(json),
            _ => None,
        });
        match (found, c) {
            (Some(v), _) => return Ok(v),
            (None, V::Literals(_) | V::Json(_)) => return Err(format!("index out of bounds: {i}")),
            (None, V::Doc(r)) if r.tag() == Tag::Array => {
                return Err(format!("index out of bounds: {i}"))
            }
            _ => {}
        }
    }
    if let Some(items) = list(c) {
        let i = match k {
            V::Int(i) => *i,
            V::UInt(u) => i64::try_from(*u).unwrap_or(i64::MAX),
            V::Float(f) if f.fract() == 0.0 => *f as i64,
            other => {
                return Err(format!(
                    "list index must be an int, got {}",
                    other.type_name()
                ))
            }
        };
        return usize::try_from(i)
            .ok()
            .and_then(|i| items.get(i).cloned())
            .ok_or_else(|| format!("index out of bounds: {i}"));
    }
    if let Some(name) = k.str() {
        if let Some(found) = field(env, c, name) {
            return found.ok_or_else(|| format!("No such key: {name}"));
        }
    }
    if let V::Map(m) = c {
        return m
            .iter()
            .find(|(key, _)| equal(key, k))
            .map(|(_, v)| v.clone())
            .ok_or_else(|| "No such key".to_string());
    }
    Err(format!(
        "no such overload: index {} with {}",
        c.type_name(),
        k.type_name()
    ))
}

fn contains<'a>(env: &Env<'a>, c: &V<'a>, x: &V<'a>) -> Result<bool, String> {
    match c {
        V::Literals(l) => return Ok(l.iter().any(|i| equal(&literal(i), x))),
        V::Json(Json::Array(a)) => return Ok(a.iter().any(|i| equal(&json(i), x))),
        V::Doc(r) if r.tag() == Tag::Array => return Ok(r.elements().any(|i| equal(&doc(i), x))),
        _ => {}
    }
    if let Some(items) = list(c) {
        return Ok(items.iter().any(|i| equal(i, x)));
    }
    if let V::Map(m) = c {
        return Ok(m.iter().any(|(k, _)| equal(k, x)));
    }
    match (x.str(), field(env, c, x.str().unwrap_or_default())) {
        (Some(_), Some(found)) => Ok(found.is_some()),
        (None, Some(_)) => Ok(false),
        _ => Err(format!("no such overload: in {}", c.type_name())),
    }
}

fn need_str<'v>(v: &'v V, function: &str) -> Result<&'v str, String> {
    v.str()
        .ok_or_else(|| format!("{function}: expected a string, got {}", v.type_name()))
}

fn resource<'a>(v: &V<'a>, function: &str) -> Result<&'a Resource, String> {
    match v {
        V::Resource(r) => Ok(r),
        other => Err(format!(
            "{function}: expected a resource, got {}",
            other.type_name()
        )),
    }
}

/// A helper's view of an evaluation value.
#[derive(Clone, Copy)]
enum View<'v, 'a> {
    V(&'v V<'a>),
    J(&'a Json),
    L(&'v Lit),
    /// A value of a document without escaped strings (see [`view`]).
    D(Ref<'a>),
}

impl<'v, 'a: 'v> Doc<'v> for View<'v, 'a> {
    fn get(self, name: &str) -> Option<Self> {
        match self {
            View::D(r) => r.get(name).map(View::D),
            View::V(&V::Doc(r)) => r.get(name).map(View::D),
            View::J(j) => j.get(name).map(View::J),
            View::V(V::Json(j)) => j.get(name).map(View::J),
            View::V(V::Map(m)) => m
                .iter()
                .find(|(k, _)| k.str() == Some(name))
                .map(|(_, v)| View::V(v)),
            _ => None,
        }
    }
    fn as_text(self) -> Option<&'v str> {
        match self {
            // No escapes (see `view`): the text is the string.
            View::D(r) if r.tag() == Tag::String => Some(r.raw()),
            View::J(Json::String(s)) => Some(s),
            View::V(V::Str(s)) => Some(s),
            View::V(V::Owned(s)) => Some(s),
            View::L(Lit::Str(s)) => Some(s),
            _ => None,
        }
    }
    fn as_int(self) -> Option<i64> {
        match self {
            View::D(r) => match r.as_number()? {
                doc::Number::Int(i) => Some(i),
                doc::Number::UInt(u) => Some(i64::try_from(u).unwrap_or(i64::MAX)),
                doc::Number::Float(_) => None,
            },
            View::L(Lit::Int(i)) => Some(*i),
            View::L(Lit::UInt(u)) => i64::try_from(*u).ok(),
            View::J(Json::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_u64().map(|u| i64::try_from(u).unwrap_or(i64::MAX))),
            View::V(V::Int(i)) => Some(*i),
            View::V(V::UInt(u)) => i64::try_from(*u).ok(),
            _ => None,
        }
    }
    fn is_null(self) -> bool {
        match self {
            View::D(r) => r.is_null(),
            _ => matches!(
                self,
                View::J(Json::Null) | View::V(V::Null) | View::L(Lit::Null)
            ),
        }
    }
    fn as_list(self) -> Option<Vec<Self>> {
        match self {
            View::D(r) | View::V(&V::Doc(r)) if r.tag() == Tag::Array => {
                Some(r.elements().map(View::D).collect())
            }
            View::J(Json::Array(a)) | View::V(V::Json(Json::Array(a))) => {
                Some(a.iter().map(View::J).collect())
            }
            View::V(V::List(l)) => Some(l.iter().map(View::V).collect()),
            View::V(V::Literals(l)) => Some(l.iter().map(View::L).collect()),
            View::L(Lit::List(l)) => Some(l.iter().map(View::L).collect()),
            _ => None,
        }
    }
    fn as_entries(self) -> Option<Vec<(&'v str, Self)>> {
        match self {
            View::D(r) | View::V(&V::Doc(r)) if r.tag() == Tag::Object => Some(
                r.entries()
                    .into_iter()
                    .filter_map(|(k, v)| match k {
                        std::borrow::Cow::Borrowed(k) => Some((k, View::D(v))),
                        // Not reached: `view` converts documents with escapes.
                        std::borrow::Cow::Owned(_) => None,
                    })
                    .collect(),
            ),
            View::J(Json::Object(o)) | View::V(V::Json(Json::Object(o))) => {
                Some(o.iter().map(|(k, v)| (k.as_str(), View::J(v))).collect())
            }
            View::V(V::Map(m)) => Some(
                m.iter()
                    .filter_map(|(k, v)| k.str().map(|k| (k, View::V(v))))
                    .collect(),
            ),
            _ => None,
        }
    }
}

/// Runs a helper on a value. Strings of a document are read in place,
/// which a string with escapes cannot be: a value holding one is converted
/// to JSON first.
fn view<T>(v: &V<'_>, helper: impl FnOnce(View<'_, '_>) -> T) -> T {
    if escapes(v) {
        let owned = to_json(v);
        helper(View::J(&owned))
    } else {
        match v {
            V::Doc(r) => helper(View::D(*r)),
            other => helper(View::V(other)),
        }
    }
}

/// Whether a value holds a document string with escapes.
fn escapes(v: &V) -> bool {
    match v {
        V::Doc(r) => r.has_escapes(),
        V::List(l) => l.iter().any(escapes),
        V::Map(m) => m.iter().any(|(k, v)| escapes(k) || escapes(v)),
        _ => false,
    }
}

/// A value as JSON, for [`view`]: what a helper reads of it.
fn to_json(v: &V) -> Json {
    match v {
        V::Null => Json::Null,
        V::Bool(b) => Json::Bool(*b),
        V::Int(i) => Json::from(*i),
        V::UInt(u) => Json::from(*u),
        V::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        V::Str(s) => Json::String(s.to_string()),
        V::Owned(s) => Json::String(s.to_string()),
        V::Json(j) => (*j).clone(),
        V::Doc(r) => r.to_value(),
        V::List(l) => Json::Array(l.iter().map(to_json).collect()),
        V::Literals(l) => Json::Array(l.iter().map(|l| to_json(&literal(l))).collect()),
        V::Map(m) => Json::Object(
            m.iter()
                .filter_map(|(k, v)| k.str().map(|k| (k.to_string(), to_json(v))))
                .collect(),
        ),
        V::Resource(_) | V::Tags(_) | V::Edges(_) | V::Resources(_) | V::Slice(_) | V::Type(_) => {
            Json::Null
        }
    }
}

fn call<'a>(env: &Env<'a>, func: Func, args: &[V<'a>]) -> R<'a> {
    let arg = |i: usize| &args[i];
    Ok(match func {
        Func::Size => V::Int(
            arg(0)
                .len()
                .ok_or_else(|| format!("no such overload: size on {}", arg(0).type_name()))?
                as i64,
        ),
        Func::Type => V::Type(arg(0).ty()),
        Func::Contains => {
            let needle = need_str(arg(1), "contains")?;
            V::Bool(need_str(arg(0), "contains")?.contains(needle))
        }
        Func::StartsWith => {
            let prefix = need_str(arg(1), "startsWith")?;
            V::Bool(need_str(arg(0), "startsWith")?.starts_with(prefix))
        }
        Func::EndsWith => {
            let suffix = need_str(arg(1), "endsWith")?;
            V::Bool(need_str(arg(0), "endsWith")?.ends_with(suffix))
        }
        Func::Matches => {
            let re = Regex::new(need_str(arg(1), "matches")?).map_err(|e| e.to_string())?;
            V::Bool(re.is_match(need_str(arg(0), "matches")?))
        }
        Func::PolicyIsPublic => V::Bool(view(arg(0), |d| helpers::policy_is_public(d))),
        Func::PolicyAllows => {
            let action = need_str(arg(1), "policy_allows")?;
            V::Bool(view(arg(0), |d| helpers::policy_allows(d, action)))
        }
        Func::PolicyIsAdmin => V::Bool(view(arg(0), |d| helpers::policy_is_admin(d))),
        Func::PolicyHasServiceWildcard => {
            V::Bool(view(arg(0), |d| helpers::policy_has_service_wildcard(d)))
        }
        Func::CidrIsPublic => V::Bool(helpers::cidr_is_public(need_str(arg(0), "cidr_is_public")?)),
        Func::IngressOpenToWorld => {
            let port = View::V(arg(1))
                .as_int()
                .ok_or("ingress_open_to_world: the port must be an integer")?;
            V::Bool(view(arg(0), |d| helpers::ingress_open_to_world(d, port)))
        }
        Func::DaysSince => V::Int(helpers::days_since(need_str(arg(0), "days_since")?)?),
        Func::MetricFilterMatches => V::Bool(helpers::metric_filter_matches(
            need_str(arg(0), "metric_filter_matches")?,
            need_str(arg(1), "metric_filter_matches")?,
        )?),
        Func::KindInAccount => {
            let r = resource(arg(0), "kind_in_account")?;
            let kind = need_str(arg(1), "kind_in_account")?;
            V::Slice(env.graph.kind_in_account(r, kind)?)
        }
        Func::Related | Func::Referrers => {
            let name = if matches!(func, Func::Related) {
                "related"
            } else {
                "referrers"
            };
            let r = resource(arg(0), name)?;
            let relation = need_str(arg(1), name)?;
            let kind = need_str(arg(2), name)?;
            let found = if matches!(func, Func::Related) {
                env.graph.related(r, relation, kind)?
            } else {
                env.graph.referrers(r, relation, kind)?
            };
            V::Resources(Rc::new(found))
        }
    })
}

#[cfg(test)]
mod tests {
    use cel::{Context, Program};
    use plumb_model::{Resource, Scope, Snapshot};
    use serde_json::json;

    use super::*;

    /// The interpreter's outcome and the compiled evaluator's, as
    /// `Ok(bool)` or `Err(())` (the messages differ).
    fn both(source: &str, r: &Resource) -> (Result<bool, ()>, Result<bool, ()>) {
        let program = Program::compile(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        let mut context = Context::default();
        crate::helpers::register(&mut context).unwrap_or_else(|e| panic!("{e:?}"));
        context.add_variable_from_value("resource", crate::value::resource_value(r));
        let interpreted = match program.execute(&context) {
            Ok(cel::Value::Bool(b)) => Ok(b),
            _ => Err(()),
        };
        let snapshot = Snapshot {
            id: 1,
            started_at: chrono::Utc::now(),
            finished_at: chrono::Utc::now(),
            scope: Scope {
                accounts: vec![],
                regions: vec![],
                services: vec![],
            },
            coverage: vec![],
            resources: vec![],
            edges: vec![],
        };
        let edges = crate::graph::Edges::new(&snapshot.edges, false);
        let graph = Graph::new(&[], &edges, &snapshot.coverage, None);
        let env = Env {
            graph: &graph,
            edges: false,
            subject: None,
        };
        let compiled = compile(program.expression()).unwrap_or_else(|e| panic!("{source}: {e}"));
        let run = compiled.run(&env, r).map_err(|_| ());
        // Props read from their text decide alike: as a store reads them,
        // the resource's own props hold only its gaps.
        let text = serde_json::to_string(&r.props).unwrap_or_default();
        let props = doc::Doc::parse(text).unwrap_or_else(|e| panic!("{e}"));
        let mut bare = r.clone();
        bare.props = props.gaps_only().unwrap_or_default();
        let env = Env {
            subject: Some((&bare, &props)),
            ..env
        };
        let from_doc = compiled.run(&env, &bare).map_err(|_| ());
        assert_eq!(from_doc, run, "{source}: from the props' text");
        (interpreted, run)
    }

    #[test]
    fn compiled_conditions_decide_as_the_interpreter_does() {
        let r: Resource = serde_json::from_value(json!({
            "uid": "arn:aws:s3:::b", "kind": "aws_s3_bucket", "provider": "aws",
            "account": "111122223333", "region": "us-east-1", "name": "b",
            "tags": {"env": "prod"},
            "props": {
                "n": 3, "f": 2.5, "s": "abc", "none": null, "t": true,
                "esc": "a\"b\\c\u{e9}\n", "esc_keys": {"k\"1": "x", "k2": "y\tz"},
                "big": 18446744073709551615u64,
                "epolicy": {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:Get\"Object"}]},
                "list": [1, 2, 3], "names": ["a", "b"], "empty": [],
                "obj": {"k": "v", "n": 1},
                "policy": {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]},
                "perms": [{"ip_protocol": "tcp", "from_port": 22, "to_port": 22,
                           "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}]}]
            }
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let cases = [
            // errors absorbed by || and && either side, and kept otherwise
            "resource.props.missing == 1 || true",
            "true || resource.props.missing == 1",
            "resource.props.missing == 1 || false",
            "false && resource.props.missing == 1",
            "resource.props.missing == 1 && false",
            "resource.props.missing == 1 && true",
            "resource.props.s || true",
            "!resource.props.s",
            // deferred errors in all / exists
            "resource.props.list.exists(x, x == 2 || resource.props.missing)",
            "resource.props.list.exists(x, resource.props.missing == x)",
            "resource.props.list.all(x, x < 3 && resource.props.missing == x)",
            "resource.props.list.all(x, x > 0)",
            "resource.props.empty.all(x, false)",
            "resource.props.list.exists_one(x, x > 2)",
            // heterogeneous equality and comparison
            "resource.props.n == 3.0",
            "resource.props.n != 'x'",
            "resource.props.f > resource.props.n",
            "resource.props.s < 'abd'",
            "resource.props.n < 'a'",
            "resource.props.none == null",
            "[1, 2] == resource.props.list",
            "resource.props.obj == {'k': 'v', 'n': 1}",
            // presence, membership, indexing
            "has(resource.props.obj.k) && !has(resource.props.obj.z)",
            "has(resource.props.obj.k.z)",
            "has(resource.props.obj.missing.deeper)",
            "has(resource.props.missing) || resource.props.s.x == 1",
            "resource.props.list.x == 1",
            "resource.props.policy.Statement[0].Effect == 'Allow'",
            "has(resource.props.policy.Statement)",
            "has(resource.props.none.k)",
            "'k' in resource.props.obj && 2 in resource.props.list",
            "'a' in resource.props.s",
            // membership in a list expression, built or not
            "'abc' in [resource.props.s, resource.props.s + ':*']",
            "'abc:*' in [resource.props.obj.k, resource.props.s + ':*']",
            "'abc:' in [resource.props.obj.k, resource.props.s + ':*']",
            "'abc' in [resource.props.missing, resource.props.s]",
            "'abc' in [resource.props.s, resource.props.missing + ':*']",
            "1 in [resource.props.n + 1, resource.props.n - 2]",
            "'x' in [resource.props.n + ':*']",
            "'x' in [resource.props.list + ':*']",
            "resource.props.list[1] == 2 && resource.props.obj['k'] == 'v'",
            "resource.props.list[5] == 2",
            "resource.props.obj.z == 1",
            "resource.tags.env == 'prod' && !has(resource.tags.owner)",
            // functions, macros, types, arithmetic
            "size(resource.props.names) == 2 && resource.props.s.size() == 3",
            "resource.props.s.startsWith('a') && resource.props.s.endsWith('c') && resource.props.s.contains('b')",
            "resource.props.s.matches('^a.c$')",
            "resource.props.names.map(n, n + '!').exists(n, n == 'b!')",
            "resource.props.list.filter(x, x > 1).size() == 2",
            "type(resource.props.list) == list && type(resource.props.obj) == map && type(resource.props.s) == string",
            "(type(resource.props.names) == list ? resource.props.names : [resource.props.names]).exists(n, n == 'a')",
            "resource.props.n + 1 == 4 && resource.props.n * 2 - 1 == 5 && resource.props.n % 2 == 1",
            "resource.props.n / 0 == 1",
            "{'': false}['absent']",
            // helpers over borrowed JSON and constructed values
            "policy_is_public(resource.props.policy)",
            "ingress_open_to_world(resource.props.perms, 22) && !ingress_open_to_world(resource.props.perms, 443)",
            "ingress_open_to_world(resource.props.perms.map(p, {'ip_protocol': p.ip_protocol, 'from_port': p.from_port, 'to_port': p.to_port, 'ip_ranges': p.ip_ranges}), 22)",
            "policy_allows(resource.props.policy, 's3:GetObject') && !policy_is_admin(resource.props.policy)",
            // strings with escapes, read from the text or decoded
            "resource.props.esc == 'a\"b\\\\c\u{e9}\\n' && size(resource.props.esc) == 7",
            "resource.props.esc_keys['k\"1'] == 'x' && 'k\"1' in resource.props.esc_keys",
            "resource.props.esc_keys.exists(k, k == 'k\"1') && resource.props.esc_keys.k2.contains('\\t')",
            "policy_is_public({'Statement': [{'Effect': 'Allow', 'Principal': '*', 'Action': resource.props.esc}]})",
            "policy_allows({'Statement': [{'Effect': 'Allow', 'Principal': {'AWS': resource.props.esc_keys.k2}, 'Action': '*'}]}, 'x')",
            "resource.props.big > 1",
            "policy_allows(resource.props.epolicy, 's3:Get\"Object') && policy_is_public(resource.props.epolicy)",
            "cidr_is_public('0.0.0.0/0') && days_since('2020-01-01T00:00:00Z') > 1000",
            "days_since('yesterday') > 1",
            // several ports at once, and what the loop's parts that do not
            // depend on it remember: values and errors alike
            "[80, 22].exists(port, ingress_open_to_world(resource.props.perms, port))",
            "[80, 443].exists(port, ingress_open_to_world(resource.props.perms, port))",
            "[80, 22].exists(port, ingress_open_to_world(resource.props.missing, port))",
            "[80, 22].exists(port, ingress_open_to_world(resource.props.s, port))",
            "![22, 3389].exists(port, ingress_open_to_world(resource.props.perms.map(p, {'ip_protocol': p.ip_protocol, 'from_port': p.from_port, 'to_port': p.to_port, 'ip_ranges': p.ip_ranges}), port))",
            "[80, 22].exists(port, port > 0 && ingress_open_to_world(resource.props.perms, port))",
            "resource.props.list.exists(x, x == size(resource.props.names) + 1)",
            "resource.props.list.all(x, x < 3 || resource.props.missing == x)",
            "resource.props.list.exists(x, resource.props.missing == 1 || x == 2)",
            "resource.props.list.exists(x, resource.props.names.exists(n, size(resource.props.names) == x && n == 'b'))",
            "resource.props.list.all(x, resource.props.names.exists(n, n == 'a' || x == resource.props.n))",
            "resource.props.empty.all(x, resource.props.missing == 1)",
            // exists / all run as loops: what decides, and what is an error
            "resource.props.list.exists(x, x)",
            "resource.props.list.all(x, x)",
            "resource.props.list.exists(x, x == 3 || x)",
            "[1, 2].exists(x, x == 1 ? 'a' : false)",
            "[1, 2].exists(x, x == 2 ? true : 'a')",
            "[1, 2].all(x, x == 1 ? 'a' : false)",
            "[1, 2].all(x, x == 2 ? true : 'a')",
            "[1, 2].all(x, x == 1 ? true : resource.props.missing)",
            "resource.props.obj.exists(k, k == 'n') && resource.props.obj.all(k, k != 'z')",
            "has(resource.props.obj.k) && resource.props.policy.Statement.exists(s, s.Effect == 'Allow' && has(s.Principal))",
            "resource.props.policy.Statement.all(s, s.Nope == 1)",
            // lists of literal lists, built once, and items read in place
            "[['a', 1], ['abc', 2]].exists(d, d[0] == resource.props.s && d[1] == 2)",
            "[['abc', 'x']].exists(d, d[0] == resource.props.s && d[1] + 'y' == 'xy')",
            "[[1, 2], [3]][1][0] == 3 && size([[1, 2], [3]][0]) == 2",
            "[[1, 2]][0][5] == 1",
            "[[1, 2]][0][-1] == 1",
            "[['a'], ['b']] == [['a'], ['b']] && 'a' in [['a']][0] && !(['a'] in [['b']])",
            "resource.props.list[2] == 3 && resource.props.names[1] == 'b'",
            "resource.props.list[-1] == 1",
            "resource.props.list[3] == 1",
            "resource.props.obj[0] == 1",
            "resource.props.policy.Statement[0].Principal == '*'",
            "ingress_open_to_world([[1]], 22) || type([[1]][0]) == list",
        ];
        let mut seen = Vec::new();
        for source in cases {
            let (interpreted, compiled) = both(source, &r);
            assert_eq!(compiled, interpreted, "{source}");
            seen.push(compiled);
        }
        // The cases reach every outcome: true, false and error.
        for outcome in [Ok(true), Ok(false), Err(())] {
            assert!(seen.contains(&outcome), "no case gave {outcome:?}");
        }
    }

    fn compiled(source: &str) -> Compiled {
        let program = Program::compile(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        compile(program.expression()).unwrap_or_else(|e| panic!("{source}: {e}"))
    }

    /// How many nodes of the tree `wanted` accepts.
    fn count(node: &Node, wanted: &impl Fn(&Node) -> bool) -> usize {
        usize::from(wanted(node))
            + node
                .children()
                .into_iter()
                .map(|c| count(c, wanted))
                .sum::<usize>()
    }

    #[test]
    fn exists_and_all_are_recognised_as_quantifiers() {
        let quantified = |source: &str| {
            count(
                &compiled(source).root,
                &|n| matches!(n, Node::Comprehension(c) if c.quantifier.is_some()),
            )
        };
        assert_eq!(
            quantified(
                "resource.props.list.exists(x, x == 1) && resource.props.list.all(x, x > 0)"
            ),
            2
        );
        assert_eq!(quantified("resource.props.list.exists_one(x, x == 1)"), 0);
        assert_eq!(
            quantified("resource.props.list.map(x, x + 1).size() == 3"),
            0
        );
        assert_eq!(
            quantified("resource.props.list.filter(x, x > 1).size() == 2"),
            0
        );
    }

    #[test]
    fn loop_invariant_parts_are_remembered_and_port_lists_read_once() {
        let memos = |source: &str| count(&compiled(source).root, &|n| matches!(n, Node::Memo(..)));
        // `size(…) + 1` does not depend on `x`; `x == …` does.
        assert_eq!(
            memos("resource.props.list.exists(x, x == size(resource.props.names) + 1)"),
            1
        );
        // The inner loop's test reads the outer loop's variable: remembered
        // within the inner loop only, and the outer loop's range is not a
        // part of its loop.
        assert_eq!(
            memos("resource.props.list.exists(x, resource.props.names.exists(n, size(resource.props.names) == x))"),
            2
        );
        assert_eq!(memos("resource.props.list.exists(x, x == 1)"), 0);
        let fused = |source: &str| {
            count(&compiled(source).root, &|n| {
                matches!(n, Node::AnyPortOpen(..))
            })
        };
        assert_eq!(
            fused("![22, 3389].exists(port, ingress_open_to_world(resource.props.perms, port))"),
            1
        );
        // Not the pattern: a port that is not a literal integer, a
        // predicate that is more than the helper, `all` rather than `exists`.
        for source in [
            "[22, 'x'].exists(port, ingress_open_to_world(resource.props.perms, port))",
            "[22].exists(port, port > 0 && ingress_open_to_world(resource.props.perms, port))",
            "[22].all(port, ingress_open_to_world(resource.props.perms, port))",
            "resource.props.list.exists(port, ingress_open_to_world(resource.props.perms, port))",
        ] {
            assert_eq!(fused(source), 0, "{source}");
        }
    }
}
