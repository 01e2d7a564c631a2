//! The check format: one YAML file per check, the same for the embedded
//! library and for a company's own policies. Loading validates everything
//! that can be known before a snapshot is seen (kind, CEL syntax, functions,
//! the props paths a condition reads) so that a typo is a load error with a
//! pointer, never a silent pass.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use cel::common::ast::{EntryExpr, Expr, IdedExpr};
use cel::Program;
use plumb_model::{CheckPart, Severity, Text};
use serde::{Deserialize, Serialize};

use crate::compiled::Compiled;
use crate::diagnostic::Diagnostic;
use crate::helpers::HELPERS;
use crate::projection::{Props, Reached};
use crate::template::Template;

/// How to fix a failing resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    /// What to change and why, in words.
    pub text: String,
    /// AWS CLI command(s), templated with `{{resource.name}}`,
    /// `{{resource.region}}`, `{{resource.account}}`, `{{props.FIELD}}`.
    #[serde(default)]
    pub cli: Option<String>,
    /// The Terraform change, templated the same way.
    #[serde(default)]
    pub terraform: Option<String>,
}

/// A check as written in its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Stable snake_case id, service first: what must hold.
    pub id: String,
    /// One line: what must hold.
    pub title: String,
    /// Why a failure is dangerous.
    pub risk: String,
    /// How bad a failure is.
    pub severity: Severity,
    /// The resource kind checked (see `plumb kinds`).
    pub kind: String,
    /// A CEL expression; resources for which it is false are not checked
    /// (e.g. only customer-managed keys rotate).
    #[serde(default)]
    pub applies_when: Option<String>,
    /// A CEL expression over `resource`, true when the resource passes.
    pub condition: String,
    /// The props the outcome depends on (`props.public_access_block`):
    /// shown as evidence, and if one of them could not be collected the
    /// outcome is `error`.
    pub evidence: Vec<String>,
    /// How to fix it.
    pub remediation: Remediation,
    /// Links to AWS documentation and benchmarks.
    #[serde(default)]
    pub references: Vec<String>,
    /// Framework controls the check implements: `{cis-aws-5.0: ["2.1.4"]}`.
    #[serde(default)]
    pub frameworks: BTreeMap<String, Vec<String>>,
}

/// A loaded, validated check.
#[derive(Debug)]
pub struct Check {
    /// What the file says.
    pub spec: CheckSpec,
    /// The file it came from.
    pub file: String,
    pub(crate) condition: Program,
    pub(crate) applies_when: Option<Program>,
    /// Evidence paths split at dots, without the leading `props`.
    pub(crate) evidence_paths: Vec<(Text, Vec<String>)>,
    /// Kinds the condition reads through `kind_in_account`.
    pub(crate) needs_kinds: Vec<String>,
    /// Kinds the condition reads whole through `kind_in_account`.
    pub(crate) account_kinds: Vec<String>,
    /// Whether the condition reads `resource.edges_out` / `edges_in` or
    /// calls `related` / `referrers`.
    pub(crate) needs_edges: bool,
    /// `(function, relation, kind)` of every `related` / `referrers` call.
    pub(crate) relations: Vec<(String, String, String)>,
    /// The condition and `applies_when` compiled for the fast evaluator;
    /// `None` when they use something only the interpreter implements.
    pub(crate) compiled: Option<(Compiled, Option<Compiled>)>,
    /// What every finding of the check shares: id, title, severity,
    /// `framework:control` strings and the remediation text of passing
    /// findings, computed once.
    pub(crate) part: Arc<CheckPart>,
    /// The remediation text, CLI and Terraform as one template, rendered
    /// for each failing resource.
    pub(crate) remediation: Template,
    /// The top-level props of its resources the check can read.
    pub(crate) props: Props,
    /// The top-level props of the resources its condition reaches through
    /// the graph helpers, by kind.
    pub(crate) reached: Reached,
}

impl Check {
    /// The `framework:control` strings the check maps to.
    pub fn controls(&self) -> &[String] {
        &self.part.controls
    }

    /// What every finding of the check shares.
    pub fn finding_part(&self) -> Arc<CheckPart> {
        self.part.clone()
    }

    /// Whether the compiled evaluator runs this check (otherwise the `cel`
    /// interpreter does).
    pub fn is_compiled(&self) -> bool {
        self.compiled.is_some()
    }

    /// The service a check belongs to: the first part of its id.
    pub fn service(&self) -> &str {
        self.spec.id.split('_').next().unwrap_or("")
    }
}

/// CEL's standard functions and macros that conditions may call.
const STANDARD: &[&str] = &[
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "has",
    "all",
    "exists",
    "exists_one",
    "map",
    "filter",
    "int",
    "uint",
    "double",
    "string",
    "bool",
    "bytes",
    "type",
    "dyn",
    "duration",
    "timestamp",
    "lowerAscii",
    "upperAscii",
    "max",
    "min",
];

fn is_operator(name: &str) -> bool {
    name.starts_with('_') || name.starts_with('@') || name.starts_with('!')
}

fn is_snake_case(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && id.starts_with(|c: char| c.is_ascii_lowercase())
}

/// Parses and validates one check file. `known_frameworks` maps framework
/// ids to their control ids.
pub fn load(
    file: &str,
    source: &str,
    known_frameworks: &BTreeMap<String, BTreeSet<String>>,
) -> Result<Check, Vec<Diagnostic>> {
    let spec: CheckSpec = serde_norway::from_str(source).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((1, 1));
        vec![Diagnostic::at(
            file,
            source,
            line,
            column,
            1,
            format!("not a valid check: {e}"),
        )]
    })?;
    let mut problems = Vec::new();
    if !is_snake_case(&spec.id) {
        problems.push(Diagnostic::at_key(
            file,
            source,
            "id",
            "a check id is snake_case (`s3_bucket_versioning_enabled`)",
        ));
    }
    let kind = plumb_model::kinds::find(&spec.kind);
    if kind.is_none() {
        problems.push(Diagnostic::at_key(
            file,
            source,
            "kind",
            format!("unknown kind `{}`: see `plumb kinds`", spec.kind),
        ));
    }
    let fields: BTreeMap<String, String> = kind
        .map(|k| {
            plumb_model::kinds::fields(&k)
                .into_iter()
                .map(|f| (f.path, f.ty))
                .collect()
        })
        .unwrap_or_default();

    let condition = compile(
        file,
        source,
        "condition",
        &spec.condition,
        &spec.kind,
        &fields,
        kind.is_some(),
        &mut problems,
    );
    let applies_when = spec.applies_when.as_ref().and_then(|c| {
        compile(
            file,
            source,
            "applies_when",
            c,
            &spec.kind,
            &fields,
            kind.is_some(),
            &mut problems,
        )
    });

    let mut evidence_paths = Vec::new();
    if spec.evidence.is_empty() {
        problems.push(Diagnostic::at_key(
            file,
            source,
            "evidence",
            "list the props the outcome depends on",
        ));
    }
    for path in &spec.evidence {
        let parts: Vec<String> = path.split('.').map(str::to_string).collect();
        match parts.first().map(String::as_str) {
            Some("props") if kind.is_some() => {
                if let Err(bad) = check_path(&parts[1..], &fields) {
                    problems.push(Diagnostic::at_key(
                        file,
                        source,
                        "evidence",
                        format!(
                            "`{}` has no field props.{bad}: see `plumb kinds show {}`",
                            spec.kind, bad
                        ),
                    ));
                }
            }
            Some("props") | Some("tags") | Some("name") | Some("region") | Some("account") => {}
            _ => problems.push(Diagnostic::at_key(
                file,
                source,
                "evidence",
                format!("evidence `{path}` must start with props., tags., name, region or account"),
            )),
        }
        evidence_paths.push((Text::from(path.as_str()), parts));
    }

    for (framework, controls) in &spec.frameworks {
        match known_frameworks.get(framework) {
            None => problems.push(Diagnostic::at_key(
                file,
                source,
                "frameworks",
                format!("unknown framework `{framework}`"),
            )),
            Some(known) => {
                for c in controls.iter().filter(|c| !known.contains(*c)) {
                    problems.push(Diagnostic::at_key(
                        file,
                        source,
                        "frameworks",
                        format!("framework `{framework}` has no control `{c}`"),
                    ));
                }
            }
        }
    }

    let mut needs_kinds = Vec::new();
    let mut account_kinds = Vec::new();
    let mut relations = Vec::new();
    for program in condition.iter().chain(applies_when.iter()) {
        let mut calls = Vec::new();
        kind_calls(program.expression(), &mut calls);
        for (function, relation, call) in calls {
            if function != "kind_in_account" {
                let Some(relation) = relation.filter(|r| RELATIONS.contains(&r.as_str())) else {
                    problems.push(Diagnostic::at_key(
                        file,
                        source,
                        "condition",
                        format!("{function}(resource, \"RELATION\", \"KIND\") takes a relation of docs/model.md as a string literal"),
                    ));
                    continue;
                };
                if let Some(k) = &call {
                    relations.push((function.clone(), relation, k.clone()));
                }
            }
            match call {
                Some(k) if plumb_model::kinds::find(&k).is_some() => {
                    if function == "kind_in_account" {
                        account_kinds.push(k.clone());
                    }
                    needs_kinds.push(k)
                }
                Some(k) => problems.push(Diagnostic::in_expression(
                    file,
                    source,
                    "condition",
                    &spec.condition,
                    line_of(&spec.condition, &k),
                    column_of(&spec.condition, &k),
                    format!("{function}: unknown kind `{k}`"),
                )),
                None => problems.push(Diagnostic::at_key(
                    file,
                    source,
                    "condition",
                    format!("{function}(…) takes the kind as a string literal"),
                )),
            }
        }
    }
    let needs_edges = [Some(&spec.condition), spec.applies_when.as_ref()]
        .iter()
        .flatten()
        .any(|c| c.contains("edges_out") || c.contains("edges_in"))
        || !relations.is_empty();
    let compiled = match (&condition, &applies_when) {
        (Some(c), a) => crate::compiled::compile(c.expression())
            .ok()
            .and_then(|c| match a {
                Some(a) => crate::compiled::compile(a.expression())
                    .ok()
                    .map(|a| (c, Some(a))),
                None => Some((c, None)),
            }),
        _ => None,
    };

    let controls = spec
        .frameworks
        .iter()
        .flat_map(|(f, controls)| controls.iter().map(move |c| format!("{f}:{c}")))
        .collect();
    let rem = &spec.remediation;
    let mut remediation = Template::parse(rem.text.trim());
    for (heading, part) in [
        ("\n\nAWS CLI:\n", &rem.cli),
        ("\n\nTerraform:\n", &rem.terraform),
    ] {
        if let Some(part) = part {
            remediation.push_text(heading);
            remediation.push_parsed(part.trim());
        }
    }
    let mut props = Props::default();
    let mut reached = Reached::default();
    for program in condition.iter().chain(applies_when.iter()) {
        props.read_by(program.expression());
        reached.read_by(program.expression());
    }
    // Other resources of its own kind come from the same pages.
    if needs_kinds.contains(&spec.kind) {
        props = Props::All;
    }
    for (_, parts) in &evidence_paths {
        if let (Some("props"), Some(name)) = (parts.first().map(String::as_str), parts.get(1)) {
            props.insert(name);
        }
    }
    for name in remediation.props() {
        match name {
            Some(name) => props.insert(name),
            None => props = Props::All,
        }
    }
    match (condition, problems.is_empty()) {
        (Some(condition), true) => Ok(Check {
            remediation,
            props,
            reached,
            part: Arc::new(CheckPart {
                id: Text::from(spec.id.as_str()),
                title: Text::from(spec.title.as_str()),
                severity: spec.severity,
                controls,
                remediation: Text::from(spec.remediation.text.trim()),
            }),
            spec,
            file: file.to_string(),
            condition,
            applies_when,
            evidence_paths,
            needs_kinds,
            account_kinds,
            needs_edges,
            relations,
            compiled,
        }),
        _ => Err(problems),
    }
}

/// Checks a props path against the kind's documented fields. A path may go
/// below a documented field that has no documented children (a free-form
/// JSON value such as a policy document) or through a list (`grants[]`).
fn check_path(parts: &[String], fields: &BTreeMap<String, String>) -> Result<(), String> {
    let mut prefix = String::new();
    for (i, part) in parts.iter().enumerate() {
        let candidate = if prefix.is_empty() {
            part.clone()
        } else {
            format!("{prefix}.{part}")
        };
        let through_list = format!("{prefix}[].{part}");
        if fields.contains_key(&candidate) {
            prefix = candidate;
        } else if !prefix.is_empty() && fields.contains_key(&through_list) {
            prefix = through_list;
        } else if i > 0
            && !fields.keys().any(|k| {
                k.starts_with(&format!("{prefix}.")) || k.starts_with(&format!("{prefix}[]"))
            })
        {
            // Below a free-form value: nothing more to check.
            return Ok(());
        } else {
            return Err(candidate);
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn compile(
    file: &str,
    source: &str,
    key: &str,
    expression: &str,
    kind: &str,
    fields: &BTreeMap<String, String>,
    kind_known: bool,
    problems: &mut Vec<Diagnostic>,
) -> Option<Program> {
    let program = match Program::compile(expression) {
        Ok(p) => p,
        Err(errors) => {
            for e in errors.errors.iter().take(3) {
                let (line, column) = (e.pos.0.max(1) as usize, e.pos.1.max(0) as usize);
                problems.push(Diagnostic::in_expression(
                    file,
                    source,
                    key,
                    expression,
                    line,
                    column,
                    format!("CEL syntax error: {}", e.msg),
                ));
            }
            return None;
        }
    };
    let references = program.references();
    for function in references.functions() {
        if !is_operator(function) && !STANDARD.contains(&function) && !HELPERS.contains(&function) {
            problems.push(Diagnostic::in_expression(
                file,
                source,
                key,
                expression,
                line_of(expression, function),
                column_of(expression, function),
                format!(
                    "unknown function `{function}`; helpers are: {}",
                    HELPERS.join(", ")
                ),
            ));
        }
    }
    if !references.has_variable("resource") {
        problems.push(Diagnostic::at_key(
            file,
            source,
            key,
            "the expression never reads `resource`",
        ));
    }
    if kind_known {
        let mut paths = Vec::new();
        props_paths(program.expression(), &mut paths);
        for path in paths {
            if let Err(bad) = check_path(&path, fields) {
                problems.push(Diagnostic::in_expression(
                    file,
                    source,
                    key,
                    expression,
                    line_of(expression, &bad),
                    column_of(expression, path.last().map(String::as_str).unwrap_or("")),
                    format!("`{kind}` has no field props.{bad}: see `plumb kinds show {kind}`"),
                ));
            }
        }
    }
    Some(program)
}

fn line_of(expression: &str, needle: &str) -> usize {
    let last = needle.rsplit('.').next().unwrap_or(needle);
    expression
        .lines()
        .position(|l| l.contains(last))
        .map(|i| i + 1)
        .unwrap_or(1)
}

fn column_of(expression: &str, needle: &str) -> usize {
    let last = needle.rsplit('.').next().unwrap_or(needle);
    expression.lines().find_map(|l| l.find(last)).unwrap_or(0)
}

/// The kinds named by `kind_in_account(resource, "KIND")` calls; `None`
/// for a call whose kind is not a string literal.
/// The relations `related` and `referrers` can follow.
const RELATIONS: &[&str] = &[
    "contains",
    "attached_to",
    "uses",
    "encrypted_by",
    "assumes",
    "routes_to",
    "member_of",
    "protected_by",
    "associated_with",
    "logs_to",
    "has_policy",
    "snapshot_of",
    "monitors",
    "notifies_to",
];

/// Every call that reads other resources: `(function, relation, kind)`,
/// the relation and kind when given as string literals.
type GraphCall = (String, Option<String>, Option<String>);

fn kind_calls(expr: &IdedExpr, out: &mut Vec<GraphCall>) {
    use cel::common::ast::LiteralValue;
    let literal = |e: Option<&IdedExpr>| match e.map(|a| &a.expr) {
        Some(Expr::Literal(LiteralValue::String(s))) => Some(s.inner().to_string()),
        _ => None,
    };
    match &expr.expr {
        Expr::Call(call) => {
            match call.func_name.as_str() {
                "kind_in_account" => {
                    out.push((call.func_name.clone(), None, literal(call.args.get(1))))
                }
                "related" | "referrers" => out.push((
                    call.func_name.clone(),
                    literal(call.args.get(1)),
                    literal(call.args.get(2)),
                )),
                _ => {}
            }
            if let Some(t) = &call.target {
                kind_calls(t, out);
            }
            call.args.iter().for_each(|a| kind_calls(a, out));
        }
        Expr::Select(s) => kind_calls(&s.operand, out),
        Expr::Comprehension(c) => {
            for e in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                kind_calls(e, out);
            }
        }
        Expr::List(l) => l.elements.iter().for_each(|e| kind_calls(e, out)),
        Expr::Map(m) => {
            for e in &m.entries {
                if let EntryExpr::MapEntry(e) = &e.expr {
                    kind_calls(&e.key, out);
                    kind_calls(&e.value, out);
                }
            }
        }
        _ => {}
    }
}

/// Every `resource.props.a.b…` chain the expression reads, as `[a, b, …]`.
fn props_paths(expr: &IdedExpr, out: &mut Vec<Vec<String>>) {
    match &expr.expr {
        Expr::Select(select) => {
            let mut chain = vec![select.field.clone()];
            let mut node = &select.operand.expr;
            loop {
                match node {
                    Expr::Select(inner) => {
                        chain.push(inner.field.clone());
                        node = &inner.operand.expr;
                    }
                    Expr::Ident(root) if root == "resource" => {
                        chain.reverse();
                        if chain.first().map(String::as_str) == Some("props") && chain.len() > 1 {
                            out.push(chain[1..].to_vec());
                        }
                        return;
                    }
                    _ => {
                        props_paths(&select.operand, out);
                        return;
                    }
                }
            }
        }
        Expr::Call(call) => {
            if let Some(target) = &call.target {
                props_paths(target, out);
            }
            for a in &call.args {
                props_paths(a, out);
            }
        }
        Expr::Comprehension(c) => {
            props_paths(&c.iter_range, out);
            props_paths(&c.accu_init, out);
            props_paths(&c.loop_cond, out);
            props_paths(&c.loop_step, out);
            props_paths(&c.result, out);
        }
        Expr::List(list) => list.elements.iter().for_each(|e| props_paths(e, out)),
        Expr::Map(map) => {
            for entry in &map.entries {
                match &entry.expr {
                    EntryExpr::MapEntry(m) => {
                        props_paths(&m.key, out);
                        props_paths(&m.value, out);
                    }
                    EntryExpr::StructField(f) => props_paths(&f.value, out),
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                if let EntryExpr::StructField(f) = &entry.expr {
                    props_paths(&f.value, out);
                }
            }
        }
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}
