//! The check library's documentation (`docs/checks.md`), generated from the
//! check files themselves so that nobody writes it twice.

use std::collections::BTreeMap;

use crate::library::Library;

/// The whole reference: an index by service, then every check.
pub fn markdown(library: &Library) -> String {
    let mut out = String::from(
        "# Checks\n\n<!-- Generated from checks/ by `PLUMB_BLESS=1 cargo test -p plumb-checks --test library docs`; do not edit. -->\n\n",
    );
    out.push_str(&format!(
        "{} checks. Each passes when its condition holds; a check whose input was not collected reports `error`, never `pass`. Framework controls that no check can decide are manual: `plumb frameworks show FRAMEWORK_ID` lists them with guidance on how to assess them and what evidence to keep.\n\n",
        library.checks.len()
    ));
    let mut by_service: BTreeMap<&str, Vec<&crate::Check>> = BTreeMap::new();
    for c in &library.checks {
        by_service.entry(c.service()).or_default().push(c);
    }
    out.push_str("| check | severity | kind | controls |\n|---|---|---|---|\n");
    for checks in by_service.values() {
        for c in checks {
            out.push_str(&format!(
                "| [`{id}`](#{id}) | {} | `{}` | {} |\n",
                c.spec.severity,
                c.spec.kind,
                c.controls().join(", "),
                id = c.spec.id
            ));
        }
    }
    for (service, checks) in &by_service {
        out.push_str(&format!("\n## {service}\n"));
        for c in checks {
            let s = &c.spec;
            out.push_str(&format!(
                "\n### {}\n\n**{}** — severity {}, kind `{}`\n\n",
                s.id, s.title, s.severity, s.kind
            ));
            out.push_str(&format!(
                "*Why it matters.* {}\n\n",
                s.risk.trim().replace('\n', " ")
            ));
            if let Some(w) = &s.applies_when {
                out.push_str(&format!(
                    "*Applies when:* `{}`\n\n",
                    w.trim().replace('\n', " ")
                ));
            }
            out.push_str(&format!(
                "*Passes when:*\n\n```cel\n{}\n```\n\n",
                s.condition.trim()
            ));
            out.push_str(&format!(
                "*Evidence:* {}\n\n",
                s.evidence
                    .iter()
                    .map(|e| format!("`{e}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            out.push_str(&format!(
                "*Fix.* {}\n\n",
                s.remediation.text.trim().replace('\n', " ")
            ));
            if let Some(cli) = &s.remediation.cli {
                out.push_str(&format!("```sh\n{}\n```\n\n", cli.trim()));
            }
            if let Some(tf) = &s.remediation.terraform {
                out.push_str(&format!("```hcl\n{}\n```\n\n", tf.trim()));
            }
            if !s.frameworks.is_empty() {
                out.push_str(&format!("*Controls:* {}\n\n", c.controls().join(", ")));
            }
            for r in &s.references {
                out.push_str(&format!("- <{r}>\n"));
            }
        }
    }
    out
}
