//! Printing results: tables for people, JSON for programs, both on stdout.

use std::io::{IsTerminal, Write};

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use serde::Serialize;

/// Standard output through a buffer: alone it writes at every newline,
/// a system call per line of pretty JSON. Flush it when done.
pub fn stdout() -> std::io::BufWriter<std::io::StdoutLock<'static>> {
    std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock())
}

/// Prints a value as pretty JSON followed by a newline.
pub fn json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let mut out = stdout();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// A table with these headers, sized to the terminal when there is one.
pub fn table(headers: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.iter().copied());
    t
}

/// Prints a table.
pub fn print(table: &Table) -> anyhow::Result<()> {
    let mut out = stdout();
    writeln!(out, "{table}")?;
    out.flush()?;
    Ok(())
}

/// Whether to colour what goes to stdout: only on a terminal, and never
/// when `NO_COLOR` is set to anything (https://no-color.org).
pub fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A severity's colour as an ANSI SGR code.
pub fn severity_style(severity: plumb_model::Severity) -> &'static str {
    match severity {
        plumb_model::Severity::Critical => "1;31",
        plumb_model::Severity::High => "31",
        plumb_model::Severity::Medium => "33",
        plumb_model::Severity::Low | plumb_model::Severity::Info => "36",
    }
}

/// `text` in the SGR `style` when `enabled`, plain otherwise.
pub fn paint(enabled: bool, text: &str, style: &str) -> String {
    if enabled {
        format!("\x1b[{style}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Prints a line.
pub fn line(text: impl std::fmt::Display) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}

/// `text` as lines of at most `width` characters after `indent` (a longer
/// word stays whole), so that prose inside a table cell stays readable
/// whether or not stdout is a terminal that the table can fit.
pub fn wrapped(text: &str, width: usize, indent: &str) -> String {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(format!("{indent}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("{indent}{line}"));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::{paint, severity_style, wrapped};

    #[test]
    fn wrapped_text_keeps_words_whole_within_the_width_after_the_indent() {
        let text = wrapped(
            "Run `aws account get-contact-information` and keep the output.",
            20,
            "  ",
        );
        assert_eq!(
            text,
            "  Run `aws account\n  get-contact-information`\n  and keep the output."
        );
    }

    #[test]
    fn colour_only_when_enabled() {
        assert_eq!(paint(false, "HIGH", "31"), "HIGH");
        assert_eq!(paint(true, "HIGH", "31"), "\x1b[31mHIGH\x1b[0m");
        assert_eq!(severity_style(plumb_model::Severity::Critical), "1;31");
    }
}
