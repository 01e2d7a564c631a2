//! Errors in check and framework files, reported the way cargo-deny
//! reports config mistakes: the file, the line and column, the line itself
//! and a pointer at the problem.

use std::fmt;

/// A mistake in a check or framework file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as given.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// How many characters the pointer underlines.
    pub width: usize,
    /// What is wrong.
    pub message: String,
    /// The text of the line.
    pub source_line: String,
}

impl Diagnostic {
    /// A diagnostic at a line and column of `source`.
    pub fn at(
        file: &str,
        source: &str,
        line: usize,
        column: usize,
        width: usize,
        message: impl Into<String>,
    ) -> Self {
        let line = line.max(1);
        let source_line = source.lines().nth(line - 1).unwrap_or("").to_string();
        Diagnostic {
            file: file.to_string(),
            line,
            column: column.max(1),
            width: width.max(1),
            message: message.into(),
            source_line,
        }
    }

    /// A diagnostic at a byte range of `source` (as TOML and YAML parsers
    /// report spans), underlining its first line.
    pub fn at_span(
        file: &str,
        source: &str,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        let start = span.start.min(source.len());
        let before = &source[..start];
        let line = before.matches('\n').count() + 1;
        let column = before.rfind('\n').map(|i| start - i).unwrap_or(start + 1);
        let width = source[start..span.end.clamp(start, source.len())]
            .lines()
            .next()
            .map(|l| l.chars().count())
            .unwrap_or(1);
        Diagnostic::at(file, source, line, column, width, message)
    }

    /// A diagnostic at the first line that starts with `key:` (a top-level
    /// field of the file), pointing at its value; line 1 when absent.
    pub fn at_key(file: &str, source: &str, key: &str, message: impl Into<String>) -> Self {
        let prefix = format!("{key}:");
        for (i, line) in source.lines().enumerate() {
            if line.starts_with(&prefix) {
                let value_start = prefix.len() + line[prefix.len()..].len()
                    - line[prefix.len()..].trim_start().len();
                let width = line[value_start..].trim_end().chars().count();
                return Diagnostic::at(file, source, i + 1, value_start + 1, width, message);
            }
        }
        Diagnostic::at(file, source, 1, 1, 1, message)
    }

    /// A diagnostic inside a CEL expression written under `key:`, at the
    /// expression's own 1-based line and 0-based column.
    pub fn in_expression(
        file: &str,
        source: &str,
        key: &str,
        expression: &str,
        expr_line: usize,
        expr_column: usize,
        message: impl Into<String>,
    ) -> Self {
        let wanted = expression
            .lines()
            .nth(expr_line.saturating_sub(1))
            .unwrap_or("")
            .trim();
        let prefix = format!("{key}:");
        let start = source
            .lines()
            .position(|l| l.starts_with(&prefix))
            .unwrap_or(0);
        for (i, line) in source.lines().enumerate().skip(start) {
            if !wanted.is_empty() {
                if let Some(at) = line.find(wanted) {
                    return Diagnostic::at(file, source, i + 1, at + expr_column + 1, 1, message);
                }
            }
        }
        Diagnostic::at_key(file, source, key, message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gutter = self.line.to_string().len();
        writeln!(f, "error: {}", self.message)?;
        writeln!(
            f,
            "{:gutter$}--> {}:{}:{}",
            "", self.file, self.line, self.column
        )?;
        writeln!(f, "{:gutter$} |", "")?;
        writeln!(f, "{} | {}", self.line, self.source_line)?;
        write!(
            f,
            "{:gutter$} | {}{}",
            "",
            " ".repeat(self.column - 1),
            "^".repeat(self.width)
        )
    }
}

impl std::error::Error for Diagnostic {}

/// Every mistake found while loading a set of files: nothing of the set is
/// used when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadErrors(pub Vec<Diagnostic>);

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{d}")?;
        }
        write!(f, "{} error(s): nothing was run", self.0.len())
    }
}

impl std::error::Error for LoadErrors {}

/// The keys of `plumb.toml` whose values are never secret, in all its
/// sections (mutes, context, export): a line with any other key has its
/// value masked when a TOML syntax error quotes it, since `plumb.toml` may
/// hold export credentials (`token = "…"`) and a mistyped `tokn = "…"` is
/// still a token.
const PLAIN_KEYS: &[&str] = &[
    // [[mute]]
    "check",
    "resource",
    "account",
    "region",
    "tag",
    "reason",
    "expires",
    // the context's sections
    "known_accounts",
    "names",
    "critical",
    "high",
    "medium",
    "low",
    "info",
    "exposed",
    "sensitive",
    "admin",
    // [export.*]
    "repo",
    "api_url",
    "url",
    "project",
    "issue_type",
    "api_version",
    "done_transition",
    "reopen_transition",
    "labels",
    "token_env",
    "user_env",
    "webhook_url_env",
    "secret_env",
];

/// `source` with the bytes of `span` replaced by `*` (newlines kept), so
/// that offsets, lines and columns stay where they were.
pub fn mask_span(source: &str, span: std::ops::Range<usize>) -> String {
    let Some(text) = source.get(span.clone()) else {
        return source.to_string();
    };
    let stars: String = text
        .chars()
        .map(|c| {
            if c == '\n' {
                "\n".to_string()
            } else {
                "*".repeat(c.len_utf8())
            }
        })
        .collect();
    let mut masked = source.to_string();
    masked.replace_range(span, &stars);
    masked
}

/// A TOML syntax error in `source`, the text of `file` (`plumb.toml`):
/// the line it quotes has its value masked unless its key is one of
/// [`PLAIN_KEYS`], and the message does not repeat that value.
pub fn toml_error(file: &str, source: &str, error: &toml::de::Error) -> Diagnostic {
    let span = error.span().unwrap_or(0..1);
    let start = span.start.min(source.len());
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[line_start..]
        .find('\n')
        .map_or(source.len(), |i| line_start + i);
    let line = &source[line_start..line_end];
    let mut message = format!("invalid plumb.toml: {}", error.message());
    let mut shown = source.to_string();
    if let Some(eq) = line.find('=') {
        let key = line[..eq].trim().trim_matches(['"', '\'']);
        let value = line[eq + 1..].trim();
        if !PLAIN_KEYS.contains(&key) && !value.is_empty() {
            let value_start =
                line_start + eq + 1 + (line[eq + 1..].len() - line[eq + 1..].trim_start().len());
            shown = mask_span(source, value_start..value_start + value.len());
            let bare = value.trim_matches(['"', '\'']);
            if bare.len() >= 4 {
                message = message.replace(bare, "***");
            }
        }
    }
    Diagnostic::at_span(file, &shown, span, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_diagnostic_points_at_the_value() {
        let src = "id: x\nkind: aws_s3_buckt\n";
        let d = Diagnostic::at_key("p.yaml", src, "kind", "unknown kind `aws_s3_buckt`");
        assert_eq!((d.line, d.column, d.width), (2, 7, 12));
        let shown = d.to_string();
        assert!(shown.contains("--> p.yaml:2:7"), "{shown}");
        assert!(shown.contains("2 | kind: aws_s3_buckt"), "{shown}");
        assert!(shown.ends_with("^^^^^^^^^^^^"), "{shown}");
    }

    #[test]
    fn a_toml_error_on_a_credential_line_never_shows_the_value() {
        let src =
            "[[mute]]\ncheck = \"x\"\n[export.github]\nrepo = \"a/b\"\ntoken = \"ghp_secretvalue\n";
        let error = toml::from_str::<toml::Value>(src).unwrap_err();
        let shown = toml_error("plumb.toml", src, &error).to_string();
        assert!(!shown.contains("ghp_secretvalue"), "{shown}");
        assert!(shown.contains("plumb.toml:5:"), "{shown}");
        assert!(shown.contains("token = ****"), "{shown}");
        // A plain key stays readable.
        let src = "[[mute]]\ncheck = \"s3_*\nreason = \"x\"\n";
        let error = toml::from_str::<toml::Value>(src).unwrap_err();
        let shown = toml_error("plumb.toml", src, &error).to_string();
        assert!(shown.contains("check = \"s3_*"), "{shown}");
    }
}
