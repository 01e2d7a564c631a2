//! The check library: the checks and frameworks embedded in the binary
//! (`checks/aws/<service>/*.yaml`, `frameworks/*.yaml`), plus a company's
//! own policies loaded from directories in the same format. A set with any
//! mistake is refused whole, with every mistake reported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use globset::Glob;
use include_dir::{include_dir, Dir, File};
use plumb_model::Severity;

use crate::check::{self, Check};
use crate::diagnostic::{Diagnostic, LoadErrors};
use crate::framework::Framework;

static CHECKS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../checks");
static FRAMEWORKS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../frameworks");

/// Checks and frameworks, validated.
#[derive(Debug)]
pub struct Library {
    /// Every check, by id.
    pub checks: Vec<Check>,
    /// Every framework, by id.
    pub frameworks: Vec<Framework>,
}

/// Which checks to run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only checks mapped to one of these frameworks.
    pub frameworks: Vec<String>,
    /// Only checks whose id matches one of these globs.
    pub checks: Vec<String>,
    /// Only checks at or above this severity.
    pub min_severity: Option<Severity>,
}

/// The name and text of an embedded YAML file.
fn yaml_file<'a>(file: &'a File<'a>) -> Option<(String, &'a str)> {
    let path = file.path();
    if !path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
        return None;
    }
    Some((path.display().to_string(), file.contents_utf8()?))
}

fn yaml_files<'a>(dir: &'a Dir<'a>, out: &mut Vec<(String, &'a str)>) {
    out.extend(dir.files().filter_map(yaml_file));
    for sub in dir.dirs() {
        yaml_files(sub, out);
    }
}

fn parse_framework(file: &str, text: &str) -> Result<Framework, Diagnostic> {
    serde_norway::from_str(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((1, 1));
        Diagnostic::at(
            file,
            text,
            line,
            column,
            1,
            format!("not a valid framework: {e}"),
        )
    })
}

impl Library {
    /// The embedded library.
    pub fn builtin() -> Result<Library, LoadErrors> {
        let mut frameworks = Vec::new();
        // Frameworks are the files at the top of frameworks/; its
        // subdirectories hold what scripts/import-frameworks merges into
        // them (guidance/), not frameworks.
        let files: Vec<_> = FRAMEWORKS.files().filter_map(yaml_file).collect();
        let mut problems = Vec::new();
        for (file, text) in &files {
            match parse_framework(&format!("frameworks/{file}"), text) {
                Ok(f) => frameworks.push(f),
                Err(d) => problems.push(d),
            }
        }
        let mut checks = Vec::new();
        let mut files = Vec::new();
        yaml_files(&CHECKS, &mut files);
        let known = known_controls(&frameworks);
        for (file, text) in &files {
            match check::load(&format!("checks/{file}"), text, &known) {
                Ok(c) => checks.push(c),
                Err(d) => problems.extend(d),
            }
        }
        let mut library = Library { checks, frameworks };
        library.finish(&mut problems);
        if problems.is_empty() {
            Ok(library)
        } else {
            Err(LoadErrors(problems))
        }
    }

    /// Adds a company's checks and frameworks from `dir` (recursively, every
    /// `.yaml`/`.yml` file; a file with a top-level `controls:` is a
    /// framework). Any mistake refuses the whole set.
    pub fn add_policies(&mut self, dir: &Path) -> Result<(), LoadErrors> {
        let mut paths = Vec::new();
        collect_paths(dir, &mut paths).map_err(|e| {
            LoadErrors(vec![Diagnostic::at(
                &dir.display().to_string(),
                "",
                1,
                1,
                1,
                format!("cannot read: {e}"),
            )])
        })?;
        paths.sort();
        let mut problems = Vec::new();
        let mut texts = Vec::new();
        for path in paths {
            let name = path.display().to_string();
            match std::fs::read_to_string(&path) {
                Ok(text) => texts.push((name, text)),
                Err(e) => problems.push(Diagnostic::at(
                    &name,
                    "",
                    1,
                    1,
                    1,
                    format!("cannot read: {e}"),
                )),
            }
        }
        let (framework_files, check_files): (Vec<_>, Vec<_>) = texts
            .iter()
            .partition(|(_, text)| text.lines().any(|l| l.starts_with("controls:")));
        for (file, text) in framework_files {
            match parse_framework(file, text) {
                Ok(f) if self.frameworks.iter().any(|k| k.id == f.id) => {
                    problems.push(Diagnostic::at_key(
                        file,
                        text,
                        "id",
                        format!("framework `{}` already exists", f.id),
                    ))
                }
                Ok(f) => self.frameworks.push(f),
                Err(d) => problems.push(d),
            }
        }
        let known = known_controls(&self.frameworks);
        for (file, text) in check_files {
            match check::load(file, text, &known) {
                Ok(c) => self.checks.push(c),
                Err(d) => problems.extend(d),
            }
        }
        self.finish(&mut problems);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(LoadErrors(problems))
        }
    }

    fn finish(&mut self, problems: &mut Vec<Diagnostic>) {
        self.checks.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
        for pair in self.checks.windows(2) {
            if pair[0].spec.id == pair[1].spec.id {
                problems.push(Diagnostic::at(
                    &pair[1].file,
                    "",
                    1,
                    1,
                    1,
                    format!(
                        "check id `{}` is already used by {}",
                        pair[1].spec.id, pair[0].file
                    ),
                ));
            }
        }
        self.frameworks.sort_by(|a, b| a.id.cmp(&b.id));
    }

    /// The check with this id.
    pub fn check(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.spec.id == id)
    }

    /// The framework with this id.
    pub fn framework(&self, id: &str) -> Option<&Framework> {
        self.frameworks.iter().find(|f| f.id == id)
    }

    /// For every `framework:control`, the ids of the checks that implement it.
    pub fn checks_by_control(&self) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for c in &self.checks {
            for control in c.controls() {
                out.entry(control.clone())
                    .or_default()
                    .push(c.spec.id.clone());
            }
        }
        out
    }

    /// The checks a selection names; an error names what matched nothing.
    pub fn select(&self, selection: &Selection) -> Result<Vec<&Check>, String> {
        for f in &selection.frameworks {
            if self.framework(f).is_none() {
                let known: Vec<&str> = self.frameworks.iter().map(|f| f.id.as_str()).collect();
                return Err(format!(
                    "unknown framework `{f}`; known: {}",
                    known.join(", ")
                ));
            }
        }
        let mut globs = Vec::new();
        for g in &selection.checks {
            globs.push(
                Glob::new(g)
                    .map_err(|e| format!("bad check glob `{g}`: {e}"))?
                    .compile_matcher(),
            );
        }
        let chosen: Vec<&Check> = self
            .checks
            .iter()
            .filter(|c| globs.is_empty() || globs.iter().any(|g| g.is_match(&c.spec.id)))
            .filter(|c| {
                selection.frameworks.is_empty()
                    || selection
                        .frameworks
                        .iter()
                        .any(|f| c.spec.frameworks.contains_key(f))
            })
            .filter(|c| {
                selection
                    .min_severity
                    .is_none_or(|min| c.spec.severity >= min)
            })
            .collect();
        if chosen.is_empty() && !(selection.checks.is_empty() && selection.frameworks.is_empty()) {
            return Err("no check matches the selection".into());
        }
        Ok(chosen)
    }
}

fn known_controls(frameworks: &[Framework]) -> BTreeMap<String, BTreeSet<String>> {
    frameworks
        .iter()
        .map(|f| {
            (
                f.id.clone(),
                f.controls.iter().map(|c| c.id.clone()).collect(),
            )
        })
        .collect()
}

fn collect_paths(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_paths(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}
