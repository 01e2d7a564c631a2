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

use std::collections::BTreeSet;

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
