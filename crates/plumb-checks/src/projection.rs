//! Which of a resource's top-level props its checks can read, so that a
//! store reads only those: parsing the JSON of props is a third of
//! evaluating a large snapshot, and about 40% of it is never read.
//!
//! A check reads a prop through `resource.props.NAME` (`has()` included),
//! its evidence paths and its remediation template; anything else that
//! reaches `props` — `resource.props` as a whole, `resource` handed to
//! anything but the graph helpers, or a graph helper that reads other
//! resources of the check's own kind, which would come from the same
//! pages — needs every prop. When in doubt, everything: a prop left out
//! would read as absent.

use std::collections::{BTreeMap, BTreeSet};

use cel::common::ast::{EntryExpr, Expr, IdedExpr};
use plumb_model::ERRORS_FIELD;

/// The top-level props a set of checks reads of the resources they judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Props {
    /// Only these.
    Some(BTreeSet<String>),
    /// All of them.
    All,
}

impl Default for Props {
    fn default() -> Self {
        // What every finding may report: the resource's collection gaps.
        Props::Some(BTreeSet::from([ERRORS_FIELD.to_string()]))
    }
}

impl Props {
    /// Adds a prop.
    pub(crate) fn insert(&mut self, name: &str) {
        if let Props::Some(names) = self {
            names.insert(name.to_string());
        }
    }

    /// Adds what `other` reads.
    pub(crate) fn extend(&mut self, other: &Props) {
        match other {
            Props::All => *self = Props::All,
            Props::Some(names) => names.iter().for_each(|n| self.insert(n)),
        }
    }

    /// Adds the props an expression reads of `resource`.
    pub(crate) fn read_by(&mut self, expr: &IdedExpr) {
        if let Err(Everything) = self.walk(expr) {
            *self = Props::All;
        }
    }

    fn walk(&mut self, expr: &IdedExpr) -> Result<(), Everything> {
        match &expr.expr {
            Expr::Ident(name) if name == RESOURCE => Err(Everything),
            Expr::Select(s) => match (&s.operand.expr, s.field.as_str()) {
                (Expr::Select(inner), field) if is_props(inner) => {
                    self.insert(field);
                    Ok(())
                }
                // `resource.props` as a value of its own.
                (Expr::Ident(name), "props") if name == RESOURCE => Err(Everything),
                // `resource.uid`, `resource.tags`, …
                (Expr::Ident(name), _) if name == RESOURCE => Ok(()),
                _ => self.walk(&s.operand),
            },
            Expr::Call(call) => {
                let graph = matches!(
                    call.func_name.as_str(),
                    "kind_in_account" | "related" | "referrers"
                ) && call.target.is_none();
                if let Some(target) = &call.target {
                    self.walk(target)?;
                }
                for (i, arg) in call.args.iter().enumerate() {
                    // The graph helpers read the resource's uid and account.
                    let resource = matches!(&arg.expr, Expr::Ident(n) if n == RESOURCE);
                    if !(graph && i == 0 && resource) {
                        self.walk(arg)?;
                    }
                }
                Ok(())
            }
            Expr::Comprehension(c) => {
                if c.iter_var == RESOURCE
                    || c.accu_var == RESOURCE
                    || c.iter_var2.as_deref() == Some(RESOURCE)
                {
                    return Err(Everything);
                }
                for e in [
                    &c.iter_range,
                    &c.accu_init,
                    &c.loop_cond,
                    &c.loop_step,
                    &c.result,
                ] {
                    self.walk(e)?;
                }
                Ok(())
            }
            Expr::List(l) => l.elements.iter().try_for_each(|e| self.walk(e)),
            Expr::Map(m) => m.entries.iter().try_for_each(|e| match &e.expr {
                EntryExpr::MapEntry(e) => {
                    self.walk(&e.key)?;
                    self.walk(&e.value)
                }
                EntryExpr::StructField(f) => self.walk(&f.value),
            }),
            Expr::Literal(_) | Expr::Ident(_) => Ok(()),
            Expr::Struct(_) | Expr::Unspecified => Err(Everything),
        }
    }
}

/// The top-level props a set of checks reads of the resources their
/// conditions reach through the graph helpers (`kind_in_account`,
/// `related`, `referrers`), by kind: the store reads those resources with
/// only these props too (61,623 IAM roles read whole for one account-level
/// check are 470 MiB with every prop).
///
/// A helper's result is understood when it is the range of a macro
/// (`kind_in_account(resource, "aws_iam_role").exists(r, …)`), where the
/// variable's `r.props.NAME` reads `NAME` and its `uid`, `name`, `tags`, …
/// read no prop, or when only its `size()` is taken. The variable or its
/// `props` used any other way, or the result used any other way, reads
/// every prop of that kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Reached(BTreeMap<String, Props>);

/// Variables in scope: the kind of resource each is bound to, `None` for
/// a variable that is not a reached resource (it shadows an outer one).
type Scope<'e> = Vec<(&'e str, Option<&'e str>)>;

impl Reached {
    /// Adds the props an expression reads of the resources it reaches.
    pub(crate) fn read_by(&mut self, expr: &IdedExpr) {
        self.walk(expr, &mut Vec::new());
    }

    /// Adds what `other` reads.
    pub(crate) fn extend(&mut self, other: &Reached) {
        for (kind, props) in &other.0 {
            self.kind(kind).extend(props);
        }
    }

    /// The props read of reached resources of `kind`.
    pub(crate) fn of(&self, kind: &str) -> Props {
        self.0.get(kind).cloned().unwrap_or_default()
    }

    fn kind(&mut self, kind: &str) -> &mut Props {
        self.0.entry(kind.to_string()).or_default()
    }

    fn walk<'e>(&mut self, expr: &'e IdedExpr, scope: &mut Scope<'e>) {
        match &expr.expr {
            Expr::Ident(name) => {
                if let Some(kind) = bound(scope, name) {
                    *self.kind(kind) = Props::All;
                }
            }
            Expr::Select(s) => {
                if let Expr::Select(inner) = &s.operand.expr {
                    if inner.field == "props" && !inner.test {
                        if let Some(kind) = bound_ident(scope, &inner.operand) {
                            self.kind(kind).insert(&s.field);
                            return;
                        }
                    }
                }
                match bound_ident(scope, &s.operand) {
                    // `r.props` as a value of its own, or `has(r.props)`.
                    Some(kind) if s.field == "props" => *self.kind(kind) = Props::All,
                    // `r.uid`, `r.tags`, …
                    Some(_) => {}
                    None => self.walk(&s.operand, scope),
                }
            }
            Expr::Call(call) => {
                if call.target.is_some() {
                    // A graph helper called as a method: not understood.
                    if let Some(kind) = graph_kind_of(call) {
                        *self.kind(kind) = Props::All;
                    }
                }
                if let Some(kind) = graph_kind(call) {
                    // Its resources may go anywhere.
                    *self.kind(kind) = Props::All;
                    self.graph_args(call, scope);
                    return;
                }
                let only_size = call.func_name == "size"
                    && match (&call.target, call.args.as_slice()) {
                        (None, [arg]) => Some(arg),
                        (Some(arg), []) => Some(&**arg),
                        _ => None,
                    }
                    .and_then(|arg| match &arg.expr {
                        Expr::Call(inner) => graph_kind(inner).map(|_| inner),
                        _ => None,
                    })
                    .map(|inner| self.graph_args(inner, scope))
                    .is_some();
                if only_size {
                    return;
                }
                if let Some(target) = &call.target {
                    self.walk(target, scope);
                }
                call.args.iter().for_each(|a| self.walk(a, scope));
            }
            Expr::Comprehension(c) => {
                let range = match &c.iter_range.expr {
                    Expr::Call(call) if c.iter_var2.is_none() => {
                        graph_kind(call).inspect(|_| self.graph_args(call, scope))
                    }
                    _ => None,
                };
                if range.is_none() {
                    self.walk(&c.iter_range, scope);
                }
                self.walk(&c.accu_init, scope);
                let depth = scope.len();
                scope.push((c.accu_var.as_str(), None));
                scope.push((c.iter_var.as_str(), range));
                if let Some(var2) = &c.iter_var2 {
                    scope.push((var2.as_str(), None));
                }
                for e in [&c.loop_cond, &c.loop_step, &c.result] {
                    self.walk(e, scope);
                }
                scope.truncate(depth);
            }
            Expr::List(l) => l.elements.iter().for_each(|e| self.walk(e, scope)),
            Expr::Map(m) => m.entries.iter().for_each(|e| match &e.expr {
                EntryExpr::MapEntry(e) => {
                    self.walk(&e.key, scope);
                    self.walk(&e.value, scope);
                }
                EntryExpr::StructField(f) => self.walk(&f.value, scope),
            }),
            Expr::Literal(_) | Expr::Struct(_) | Expr::Unspecified => {}
        }
    }

    /// A graph helper's arguments: its first, a resource, is read for its
    /// uid and account only.
    fn graph_args<'e>(&mut self, call: &'e cel::common::ast::CallExpr, scope: &mut Scope<'e>) {
        for (i, arg) in call.args.iter().enumerate() {
            if !(i == 0 && matches!(arg.expr, Expr::Ident(_))) {
                self.walk(arg, scope);
            }
        }
    }
}

/// The kind a graph helper's call reaches: its last argument, a string
/// literal (the check is refused at load otherwise).
fn graph_kind(call: &cel::common::ast::CallExpr) -> Option<&str> {
    match call.target {
        None => graph_kind_of(call),
        Some(_) => None,
    }
}

/// The kind a call of a graph helper names, however it is called.
fn graph_kind_of(call: &cel::common::ast::CallExpr) -> Option<&str> {
    use cel::common::ast::LiteralValue;
    if !matches!(
        call.func_name.as_str(),
        "kind_in_account" | "related" | "referrers"
    ) {
        return None;
    }
    match call.args.last().map(|a| &a.expr) {
        Some(Expr::Literal(LiteralValue::String(s))) => Some(s.inner()),
        _ => None,
    }
}

/// The kind `name` is bound to in `scope`, if a reached resource.
fn bound<'e>(scope: &Scope<'e>, name: &str) -> Option<&'e str> {
    scope
        .iter()
        .rev()
        .find(|(var, _)| *var == name)
        .and_then(|(_, kind)| *kind)
}

/// The kind of the reached resource `expr` names, if it is one.
fn bound_ident<'e>(scope: &Scope<'e>, expr: &IdedExpr) -> Option<&'e str> {
    match &expr.expr {
        Expr::Ident(name) => bound(scope, name),
        _ => None,
    }
}

/// The condition's variable.
const RESOURCE: &str = "resource";

/// An expression that may read any prop.
struct Everything;

/// Whether `s` is `resource.props`.
fn is_props(s: &cel::common::ast::SelectExpr) -> bool {
    s.field == "props" && !s.test && matches!(&s.operand.expr, Expr::Ident(n) if n == RESOURCE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(sources: &[&str]) -> Props {
        let mut props = Props::default();
        for source in sources {
            let program = cel::Program::compile(source).unwrap_or_else(|e| panic!("{e}"));
            props.read_by(program.expression());
        }
        props
    }

    fn names(list: &[&str]) -> Props {
        let mut props = Props::default();
        list.iter().for_each(|n| props.insert(n));
        props
    }

    #[test]
    fn selected_props_are_read_and_nothing_else() {
        assert_eq!(
            read(&[
                "resource.props.a.b == 1 && has(resource.props.c) && resource.name == 'x'",
                "resource.props.d.exists(x, x.e == resource.props.f)",
                "size(related(resource, 'protected_by', 'aws_security_group')) > 0",
            ]),
            names(&["a", "c", "d", "f"])
        );
    }

    fn reached(sources: &[&str]) -> Reached {
        let mut reached = Reached::default();
        for source in sources {
            let program = cel::Program::compile(source).unwrap_or_else(|e| panic!("{e}"));
            reached.read_by(program.expression());
        }
        reached
    }

    #[test]
    fn props_of_reached_resources_are_read_by_kind() {
        let found = reached(&[
            r#"kind_in_account(resource, "aws_iam_role").exists(r,
                 r.props.attached_policies.exists(p, p.policy_arn == "x") && r.name != ""
                 && has(r.props.path))"#,
            r#"related(resource, "logs_to", "aws_s3_bucket").all(b,
                 b.props.logging.enabled && size(referrers(b, "monitors", "aws_flow_log")) == 0)"#,
            r#"size(kind_in_account(resource, "aws_region")) > 1"#,
            r#"kind_in_account(resource, "aws_cloudtrail").exists(t,
                 related(t, "logs_to", "aws_s3_bucket").exists(b, b.props.versioning == t.props.name))"#,
        ]);
        assert_eq!(
            reached_props(&found, "aws_iam_role"),
            names(&["attached_policies", "path"])
        );
        assert_eq!(
            reached_props(&found, "aws_s3_bucket"),
            names(&["logging", "versioning"])
        );
        assert_eq!(reached_props(&found, "aws_cloudtrail"), names(&["name"]));
        // Only counted.
        assert_eq!(reached_props(&found, "aws_region"), Props::default());
        assert_eq!(reached_props(&found, "aws_flow_log"), Props::default());
        // Never reached.
        assert_eq!(reached_props(&found, "aws_vpc"), Props::default());
    }

    fn reached_props(reached: &Reached, kind: &str) -> Props {
        reached.of(kind)
    }

    #[test]
    fn reached_resources_used_as_values_read_everything() {
        for source in [
            r#"kind_in_account(resource, "aws_iam_role").exists(r, policy_is_public(r))"#,
            r#"kind_in_account(resource, "aws_iam_role").exists(r, size(r.props) > 0)"#,
            r#"kind_in_account(resource, "aws_iam_role").exists(r, has(r.props))"#,
            r#"kind_in_account(resource, "aws_iam_role").exists(r, r.props["path"] == "/")"#,
            r#"kind_in_account(resource, "aws_iam_role").filter(r, r.name == "a").size() > 0"#,
            r#"kind_in_account(resource, "aws_iam_role")[0].props.path == "/""#,
            r#"kind_in_account(resource, "aws_iam_role") == []"#,
            r#"[1].exists(x, kind_in_account(resource, "aws_iam_role").exists(r, [r].size() > x))"#,
            r#"resource.kind_in_account("aws_iam_role").exists(r, r.props.path == "/")"#,
        ] {
            assert_eq!(
                reached(&[source]).of("aws_iam_role"),
                Props::All,
                "{source}"
            );
        }
    }

    #[test]
    fn a_shadowing_variable_is_not_a_reached_resource() {
        let found = reached(&[r#"kind_in_account(resource, "aws_iam_role").exists(r,
                 r.props.tags_list.exists(r, r.props_like == 1))"#]);
        assert_eq!(found.of("aws_iam_role"), names(&["tags_list"]));
    }

    #[test]
    fn props_or_the_resource_as_a_value_read_everything() {
        for source in [
            "size(resource.props) > 0",
            "resource.props['a'] == 1",
            "resource['props'].a == 1",
            "resource == resource",
            "policy_is_public(resource)",
            "[1].exists(resource, resource == 1)",
            "has(resource.props)",
        ] {
            assert_eq!(read(&[source]), Props::All, "{source}");
        }
    }
}
