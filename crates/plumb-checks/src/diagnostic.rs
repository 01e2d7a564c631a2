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
}
