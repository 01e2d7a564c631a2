//! A principal's identity policies, parsed once into statements and asked
//! questions: may it do this action on that resource, may it do everything.
//!
//! This is IAM's evaluation logic for identity policies and permissions
//! boundaries, simplified on one side only: when in doubt it grants. A risk
//! ranking that misses an admin is worse than one that flags a principal a
//! condition would have stopped, so
//! - an `Allow` with a `Condition` grants (the decision says it was
//!   conditional);
//! - a `Deny` with a `Condition`, or with a policy variable (`${aws:username}`)
//!   in its resources, is not assumed to apply (the decision lists it);
//! - asked about *some* resource (`arn:aws:s3:::b/*`, or `*`), an `Allow` of
//!   any part grants, and a `Deny` removes the grant only when it covers all
//!   of it;
//! - policy variables in an `Allow`'s resources match anything.
//!
//! Resource-based policies, SCPs and session policies are not evaluated
//! here: they can only narrow what these statements grant.

use std::borrow::Cow;

use serde_json::Value;

/// The actions or resources a statement names: those it lists
/// (`Action`, `Resource`) or all but those (`NotAction`, `NotResource`).
#[derive(Debug, Clone)]
enum Names {
    Only(Vec<String>),
    AllBut(Vec<String>),
}

/// Whether names compare with case (resources) or without (actions).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Case {
    Sensitive,
    Insensitive,
}

impl Names {
    /// Whether every name the pattern `query` stands for is named.
    fn covers(&self, query: &str, case: Case) -> bool {
        match self {
            Names::Only(patterns) => patterns.iter().any(|p| covers(p, query, case)),
            Names::AllBut(patterns) => !patterns.iter().any(|p| overlaps(p, query, case)),
        }
    }

    /// Whether some name the pattern `query` stands for is named. For
    /// `AllBut` this over-estimates: the excluded patterns together may
    /// cover `query` though none does alone.
    fn overlaps(&self, query: &str, case: Case) -> bool {
        match self {
            Names::Only(patterns) => patterns.iter().any(|p| overlaps(p, query, case)),
            Names::AllBut(patterns) => !patterns.iter().any(|p| covers(p, query, case)),
        }
    }
}

/// One statement of an identity policy.
#[derive(Debug, Clone)]
struct Statement {
    /// `POLICY statement SID` (or `#INDEX` without a Sid), for reasons.
    label: String,
    allow: bool,
    actions: Names,
    resources: Names,
    /// It carries something we do not evaluate: a `Condition`, or (for a
    /// `Deny`) a policy variable.
    conditional: bool,
}

impl Statement {
    /// Whether the statement applies to `action` on `resource`: to some of
    /// what they stand for when `some`, else to all of it.
    fn applies(&self, action: &str, resource: &str, some: bool) -> bool {
        if some {
            self.actions.overlaps(action, Case::Insensitive)
                && self.resources.overlaps(resource, Case::Sensitive)
        } else {
            self.actions.covers(action, Case::Insensitive)
                && self.resources.covers(resource, Case::Sensitive)
        }
    }
}

/// What the policies say about a request.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Decision {
    /// Whether the request is allowed.
    pub allowed: bool,
    /// The `Allow` statements that grant it (`POLICY statement SID`).
    pub granted_by: Vec<String>,
    /// Whether every granting statement carries a condition, so the grant
    /// holds only in some requests.
    pub conditional: bool,
    /// The statement (or the permissions boundary) that takes the grant
    /// away, when one does.
    pub denied_by: Option<String>,
    /// `Deny` statements that would apply but carry a condition, so they
    /// were not assumed to.
    pub conditional_denies: Vec<String>,
}

impl Decision {
    /// One line on why: the granting statements, and whether conditional.
    pub fn explain(&self) -> String {
        let mut line = self.granted_by.join(", ");
        if self.conditional {
            line.push_str(" (conditional)");
        }
        if !self.conditional_denies.is_empty() {
            line.push_str(&format!(
                "; conditional deny not assumed to apply: {}",
                self.conditional_denies.join(", ")
            ));
        }
        line
    }
}

/// The identity policies of one principal (a user with its groups', or a
/// role), and its permissions boundary, ready to be asked what it may do.
#[derive(Debug, Clone, Default)]
pub struct Policies {
    principal: String,
    statements: Vec<Statement>,
    boundary: Option<Vec<Statement>>,
    notes: Vec<String>,
}

impl Policies {
    /// No policies yet, for the principal `principal` (a uid).
    pub fn new(principal: impl Into<String>) -> Self {
        Policies {
            principal: principal.into(),
            ..Policies::default()
        }
    }

    /// The principal whose policies these are.
    pub fn principal(&self) -> &str {
        &self.principal
    }

    /// What was skipped or assumed while gathering: documents that are not
    /// JSON, malformed statements, policies not in the snapshot.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Records something skipped or assumed.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Adds the statements of the identity policy `document`, named `name`
    /// in reasons. The document may be JSON or a JSON string (URL-encoded
    /// or not); what cannot be read is skipped with a note.
    pub fn add(&mut self, name: &str, document: &Value) {
        let statements = self.parse(name, document);
        self.statements.extend(statements);
    }

    /// Sets the permissions boundary: what the principal may do is then
    /// what both its policies and `document` allow.
    pub fn bound(&mut self, name: &str, document: &Value) {
        let statements = self.parse(&format!("permissions boundary {name}"), document);
        self.boundary = Some(statements);
    }

    /// Whether the principal may do `action` on `resource`. Either may be
    /// a pattern (`arn:aws:s3:::bucket/*`, `*`): the question is then
    /// whether it may do it on *some* resource the pattern stands for.
    pub fn decide(&self, action: &str, resource: &str) -> Decision {
        self.evaluate(action, resource, true)
    }

    /// Whether the principal may do `action` on `resource` (see
    /// [`Policies::decide`]).
    pub fn allows(&self, action: &str, resource: &str) -> bool {
        self.decide(action, resource).allowed
    }

    /// Whether some `Allow` statement names an action that `action` (a
    /// pattern such as `s3:*`) stands for, whatever the resource: when not,
    /// no question about those actions can be answered yes. A cheap test
    /// before many questions about one service.
    pub fn may_allow(&self, action: &str) -> bool {
        self.statements
            .iter()
            .any(|s| s.allow && s.actions.overlaps(action, Case::Insensitive))
    }

    /// Whether the principal may do every action on every resource (as
    /// `AdministratorAccess` grants): any unconditional `Deny` of part of
    /// that, or a boundary that does not allow all of it, says no.
    pub fn admin(&self) -> Decision {
        self.evaluate("*:*", "*", false)
    }

    fn evaluate(&self, action: &str, resource: &str, some: bool) -> Decision {
        let mut decision = judge(&self.statements, action, resource, some);
        if let (true, Some(boundary)) = (decision.allowed, &self.boundary) {
            let bounded = judge(boundary, action, resource, some);
            decision
                .conditional_denies
                .extend(bounded.conditional_denies);
            if bounded.allowed {
                decision.conditional |= bounded.conditional;
            } else {
                decision.allowed = false;
                decision.denied_by = Some(
                    bounded
                        .denied_by
                        .unwrap_or_else(|| "the permissions boundary".to_string()),
                );
            }
        }
        decision
    }

    fn parse(&mut self, name: &str, document: &Value) -> Vec<Statement> {
        let document = match readable(document) {
            Ok(d) => d,
            Err(why) => {
                self.note(format!("{name}: skipped, {why}"));
                return Vec::new();
            }
        };
        let list = match document.get("Statement") {
            Some(Value::Array(list)) => list.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => {
                self.note(format!("{name}: skipped, no Statement"));
                return Vec::new();
            }
        };
        let mut statements = Vec::new();
        for (i, s) in list.into_iter().enumerate() {
            let label = match s.get("Sid").and_then(Value::as_str) {
                Some(sid) if !sid.is_empty() => format!("{name} statement {sid}"),
                _ => format!("{name} statement #{i}"),
            };
            match statement(label, s) {
                Ok(s) => statements.push(s),
                Err(why) => self.note(why),
            }
        }
        statements
    }
}

/// The verdict of one set of statements: an unconditional `Deny` that
/// applies wins; else any `Allow` that applies grants.
fn judge(statements: &[Statement], action: &str, resource: &str, some: bool) -> Decision {
    let mut decision = Decision::default();
    let mut all_conditional = true;
    for s in statements {
        // An Allow grants if it applies to some of the request when asked
        // about some; a Deny removes only what it entirely covers then,
        // and anything it touches when asked about all.
        let applies = s.applies(action, resource, if s.allow { some } else { !some });
        if !applies {
            continue;
        }
        match (s.allow, s.conditional) {
            (true, conditional) => {
                decision.granted_by.push(s.label.clone());
                all_conditional &= conditional;
            }
            (false, true) => decision.conditional_denies.push(s.label.clone()),
            (false, false) => {
                decision.denied_by.get_or_insert_with(|| s.label.clone());
            }
        }
    }
    decision.allowed = !decision.granted_by.is_empty() && decision.denied_by.is_none();
    decision.conditional = !decision.granted_by.is_empty() && all_conditional;
    decision
}

/// A policy document as JSON: a JSON value as the collector stores it, or
/// a JSON string, URL-encoded as the IAM API returns it, or not.
pub(crate) fn readable(document: &Value) -> Result<Cow<'_, Value>, String> {
    match document {
        Value::Object(_) => Ok(Cow::Borrowed(document)),
        Value::String(text) => {
            let text = if text.trim_start().starts_with('{') {
                Cow::Borrowed(text.as_str())
            } else {
                Cow::Owned(url_decode(text).ok_or("not valid URL-encoded UTF-8")?)
            };
            match serde_json::from_str::<Value>(&text) {
                Ok(v @ Value::Object(_)) => Ok(Cow::Owned(v)),
                Ok(_) => Err("not a JSON object".to_string()),
                Err(e) => Err(format!("not valid JSON ({e})")),
            }
        }
        Value::Null => Err("no document".to_string()),
        _ => Err("not a JSON object".to_string()),
    }
}

fn url_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The strings of a field that is a string or a list of them.
pub(crate) fn string_list(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn names(s: &Value, only: &str, all_but: &str) -> Option<Names> {
    match (s.get(only), s.get(all_but)) {
        (Some(v), _) => Some(Names::Only(string_list(v))),
        (None, Some(v)) => Some(Names::AllBut(string_list(v))),
        (None, None) => None,
    }
}

/// Whether a statement carries a condition block.
pub(crate) fn has_condition(s: &Value) -> bool {
    match s.get("Condition") {
        Some(Value::Object(map)) => !map.is_empty(),
        Some(Value::Null) | None => false,
        Some(_) => true,
    }
}

fn statement(label: String, s: &Value) -> Result<Statement, String> {
    if !s.is_object() {
        return Err(format!("{label}: skipped, not an object"));
    }
    let allow = match s.get("Effect").and_then(Value::as_str) {
        Some(e) if e.eq_ignore_ascii_case("allow") => true,
        Some(e) if e.eq_ignore_ascii_case("deny") => false,
        _ => return Err(format!("{label}: skipped, no Effect of Allow or Deny")),
    };
    let actions = names(s, "Action", "NotAction")
        .ok_or_else(|| format!("{label}: skipped, no Action or NotAction"))?;
    let mut resources = names(s, "Resource", "NotResource")
        .ok_or_else(|| format!("{label}: skipped, no Resource or NotResource"))?;
    let mut conditional = has_condition(s);
    let (Names::Only(patterns) | Names::AllBut(patterns)) = &mut resources;
    if patterns.iter().any(|p| p.contains("${")) {
        // A variable stands for something of the caller's: let it stand
        // for anything, and a Deny that depends on the caller be one not
        // assumed to apply, as if it had a condition.
        for p in patterns.iter_mut() {
            *p = without_variables(p);
        }
        conditional |= !allow;
    }
    Ok(Statement {
        label,
        allow,
        actions,
        resources,
        conditional,
    })
}

/// `p` with each `${…}` replaced by `*`.
fn without_variables(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut rest = p;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push('*');
                rest = &rest[start + end + 1..];
            }
            None => {
                out.push('*');
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether the action pattern `pattern` matches every action `query`
/// stands for.
pub(crate) fn action_covers(pattern: &str, query: &str) -> bool {
    covers(pattern, query, Case::Insensitive)
}

/// Whether the action patterns `pattern` and `query` share an action.
pub(crate) fn action_overlaps(pattern: &str, query: &str) -> bool {
    overlaps(pattern, query, Case::Insensitive)
}

fn same(a: u8, b: u8, case: Case) -> bool {
    match case {
        Case::Sensitive => a == b,
        Case::Insensitive => a.eq_ignore_ascii_case(&b),
    }
}

/// Whether the IAM pattern `pattern` (`*`, `?`) matches every string the
/// pattern `query` stands for. A query without wildcards is a plain match.
/// Sound but not complete: it never says yes wrongly.
fn covers(pattern: &str, query: &str, case: Case) -> bool {
    if pattern == "*" {
        return true;
    }
    if literals_differ(pattern, query, case) {
        return false;
    }
    let (p, q) = (pattern.as_bytes(), query.as_bytes());
    let (n, m) = (p.len(), q.len());
    let at = |i: usize, j: usize| i * (m + 1) + j;
    // dp[i][j]: p[i..] covers q[j..]; filled from the ends.
    let mut dp = vec![false; (n + 1) * (m + 1)];
    dp[at(n, m)] = true;
    for i in (0..n).rev() {
        for j in (0..=m).rev() {
            dp[at(i, j)] = match p[i] {
                b'*' => dp[at(i + 1, j)] || (j < m && dp[at(i, j + 1)]),
                b'?' => j < m && q[j] != b'*' && dp[at(i + 1, j + 1)],
                c => {
                    j < m
                        && q[j] != b'*'
                        && q[j] != b'?'
                        && same(c, q[j], case)
                        && dp[at(i + 1, j + 1)]
                }
            };
        }
    }
    dp[at(0, 0)]
}

/// Whether the two patterns' literal heads (up to the first wildcard of
/// either) or tails (back to the last wildcard of either) differ: then no
/// string matches both, and neither covers the other. Most questions end
/// here, without the quadratic comparison.
fn literals_differ(pattern: &str, query: &str, case: Case) -> bool {
    let wild = |c: u8| c == b'*' || c == b'?';
    let (p, q) = (pattern.as_bytes(), query.as_bytes());
    for (&a, &b) in p.iter().zip(q) {
        if wild(a) || wild(b) {
            break;
        }
        if !same(a, b, case) {
            return true;
        }
    }
    for (&a, &b) in p.iter().rev().zip(q.iter().rev()) {
        if wild(a) || wild(b) {
            break;
        }
        if !same(a, b, case) {
            return true;
        }
    }
    // Without a wildcard on either side, they are the same string or not.
    !p.iter().any(|&c| wild(c)) && !q.iter().any(|&c| wild(c)) && p.len() != q.len()
}

/// Whether some string matches both IAM patterns.
fn overlaps(pattern: &str, query: &str, case: Case) -> bool {
    if pattern == "*" || query == "*" {
        return true;
    }
    if literals_differ(pattern, query, case) {
        return false;
    }
    overlaps_by_table(pattern, query, case)
}

/// [`overlaps`] without its shortcuts: a table of every pair of suffixes.
fn overlaps_by_table(pattern: &str, query: &str, case: Case) -> bool {
    let (p, q) = (pattern.as_bytes(), query.as_bytes());
    let (n, m) = (p.len(), q.len());
    let at = |i: usize, j: usize| i * (m + 1) + j;
    // dp[i][j]: some string matches both p[i..] and q[j..].
    let mut dp = vec![false; (n + 1) * (m + 1)];
    for i in (0..=n).rev() {
        for j in (0..=m).rev() {
            let (a, b) = (p.get(i).copied(), q.get(j).copied());
            dp[at(i, j)] = match (a, b) {
                (None, None) => true,
                // A star matches nothing, or one character more.
                (Some(b'*'), _) if dp[at(i + 1, j)] => true,
                (_, Some(b'*')) if dp[at(i, j + 1)] => true,
                (Some(b'*'), Some(b'*')) | (None, _) | (_, None) => false,
                (Some(b'*'), Some(_)) => dp[at(i, j + 1)],
                (Some(_), Some(b'*')) => dp[at(i + 1, j)],
                (Some(x), Some(y)) => {
                    (x == b'?' || y == b'?' || same(x, y, case)) && dp[at(i + 1, j + 1)]
                }
            };
        }
    }
    dp[at(0, 0)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_heads_and_tails_decide_early_and_alike() {
        let cases = [
            ("arn:aws:s3:::a-1/*", "arn:aws:s3:::a-2/*"),
            ("arn:aws:s3:::a-1/*", "arn:aws:s3:::a-1/x"),
            ("arn:aws:s3:::a*", "arn:aws:s3:::b*"),
            ("*-prod", "db-test"),
            ("abc", "abcd"),
            ("abc", "abc"),
            ("a?c", "abc"),
            ("s3:Get*", "S3:GETOBJECT"),
        ];
        for (p, q) in cases {
            for case in [Case::Sensitive, Case::Insensitive] {
                // The shortcut never changes an answer the full comparison gives.
                if literals_differ(p, q, case) {
                    assert!(!overlaps_by_table(p, q, case), "{p} {q}");
                }
            }
        }
        assert!(!overlaps(
            "arn:aws:s3:::a-1/*",
            "arn:aws:s3:::a-2/*",
            Case::Sensitive
        ));
        assert!(overlaps(
            "arn:aws:s3:::a-1/*",
            "arn:aws:s3:::a-1/x",
            Case::Sensitive
        ));
        assert!(!overlaps("abc", "abcd", Case::Sensitive));
        assert!(covers("s3:Get*", "S3:GETOBJECT", Case::Insensitive));
    }

    #[test]
    fn covering_patterns() {
        let c = |p, q| covers(p, q, Case::Insensitive);
        assert!(c("*", "*:*"));
        assert!(c("*:*", "*:*"));
        assert!(c("iam:*", "iam:*"));
        assert!(c("s3:Get*", "s3:getobject"));
        assert!(c("s3:GetObjec?", "s3:GetObject"));
        assert!(!c("iam:*", "*:*"));
        assert!(!c("iam:Get*", "iam:*"));
        assert!(!c("iam:?", "iam:*"));
        assert!(!covers(
            "arn:aws:s3:::B/*",
            "arn:aws:s3:::b/*",
            Case::Sensitive
        ));
        assert!(c("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/*"));
    }

    #[test]
    fn overlapping_patterns() {
        let o = |p, q| overlaps(p, q, Case::Sensitive);
        assert!(o("arn:aws:s3:::b/public/*", "arn:aws:s3:::b/*"));
        assert!(o("*", "arn:aws:s3:::b/*"));
        assert!(o("arn:*:s3:::b*", "arn:aws:s3:::b/*"));
        assert!(!o("arn:aws:s3:::other/*", "arn:aws:s3:::b/*"));
        assert!(!o("arn:aws:s3:::b", "arn:aws:s3:::b/*"));
        assert!(o("a?c", "*c"));
        assert!(!o("", "a"));
        assert!(o("", "*"));
    }

    #[test]
    fn pathological_patterns_stay_fast() {
        let p = "*a".repeat(500);
        let q = "a".repeat(999) + "b";
        assert!(!covers(&p, &q, Case::Sensitive));
        assert!(overlaps(&p, "*", Case::Sensitive));
    }

    #[test]
    fn policy_variables_match_anything_in_allows_and_disable_denies() {
        let mut p = Policies::new("u");
        p.add(
            "own",
            &serde_json::json!({"Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/${aws:username}/*"},
                {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/${aws:username}/secret/*"},
            ]}),
        );
        let d = p.decide("s3:GetObject", "arn:aws:s3:::home/alice/secret/x");
        assert!(d.allowed, "{d:?}");
        assert_eq!(d.conditional_denies, ["own statement #1"]);
    }

    #[test]
    fn url_encoded_strings_are_read() {
        let mut p = Policies::new("u");
        p.add(
            "encoded",
            &Value::String(
                "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A*%22%2C%22Resource%22%3A%22*%22%7D%7D".into(),
            ),
        );
        assert!(
            p.allows("s3:GetObject", "arn:aws:s3:::b/k"),
            "{:?}",
            p.notes()
        );
    }

    #[test]
    fn malformed_documents_and_statements_are_skipped_with_a_note() {
        let mut p = Policies::new("u");
        p.add("broken", &Value::String("{not json".into()));
        p.add("bad-escape", &Value::String("%ZZ".into()));
        p.add("number", &serde_json::json!(3));
        p.add(
            "partial",
            &serde_json::json!({"Statement": [
                {"Effect": "Allow", "Resource": "*"},
                "text",
                {"Effect": "Maybe", "Action": "*", "Resource": "*"},
                {"Sid": "Ok", "Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
            ]}),
        );
        assert!(p.allows("sqs:SendMessage", "arn:aws:sqs:eu-west-1:1:q"));
        assert!(!p.allows("s3:GetObject", "*"));
        let notes = p.notes().join("\n");
        for want in [
            "broken: skipped, not valid JSON",
            "bad-escape: skipped, not valid URL-encoded UTF-8",
            "number: skipped, not a JSON object",
            "partial statement #0: skipped, no Action",
            "partial statement #1: skipped, not an object",
            "partial statement #2: skipped, no Effect",
        ] {
            assert!(notes.contains(want), "{want} in\n{notes}");
        }
    }
}
