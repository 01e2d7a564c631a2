//! The registry of resource kinds: each kind's name, service, description
//! and the JSON schema of its props, generated from the props structs.

use schemars::Schema;

/// What Plumb knows about one resource kind.
#[derive(Debug, Clone, Copy)]
pub struct KindInfo {
    /// The kind's name (`aws_s3_bucket`).
    pub name: &'static str,
    /// The collector service that produces it (`s3`).
    pub service: &'static str,
    /// One line on what the kind is.
    pub description: &'static str,
    /// How the uid is formed (`the bucket ARN`).
    pub uid: &'static str,
    /// The JSON schema of the kind's props.
    pub schema: fn() -> Schema,
}

/// Declares a [`KindInfo`] for a props struct.
#[macro_export]
macro_rules! kind {
    ($name:literal, $service:literal, $props:ty, uid = $uid:literal, $description:literal) => {
        $crate::kinds::KindInfo {
            name: $name,
            service: $service,
            description: $description,
            uid: $uid,
            schema: || ::schemars::schema_for!($props),
        }
    };
}

/// Every kind Plumb collects, in service order.
pub fn all() -> Vec<KindInfo> {
    crate::aws::kinds()
}

/// The kind named `name`.
pub fn find(name: &str) -> Option<KindInfo> {
    all().into_iter().find(|k| k.name == name)
}

/// One documented field of a kind: its name, JSON type and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDoc {
    /// The field's path in props (`public_access_block.block_public_acls`).
    pub path: String,
    /// The JSON type(s) (`string`, `boolean|null`, `array`, …).
    pub ty: String,
    /// The field's doc comment.
    pub description: String,
}

/// Flattens a kind's schema into documented fields, nested objects included,
/// for `plumb kinds show`.
pub fn fields(kind: &KindInfo) -> Vec<FieldDoc> {
    let schema = (kind.schema)();
    let root = schema.as_value();
    let defs = root.get("$defs").cloned().unwrap_or_default();
    let mut out = Vec::new();
    walk(root, &defs, "", &mut out, 0);
    out
}

fn resolve<'a>(node: &'a serde_json::Value, defs: &'a serde_json::Value) -> &'a serde_json::Value {
    if let Some(reference) = node.get("$ref").and_then(|r| r.as_str()) {
        if let Some(name) = reference.strip_prefix("#/$defs/") {
            if let Some(def) = defs.get(name) {
                return def;
            }
        }
    }
    // `Option<Struct>` is rendered as anyOf [{$ref}, {type: null}].
    if let Some(any) = node.get("anyOf").and_then(|a| a.as_array()) {
        if let Some(inner) = any.iter().find(|n| n.get("$ref").is_some()) {
            return resolve(inner, defs);
        }
    }
    node
}

fn type_name(node: &serde_json::Value, defs: &serde_json::Value) -> String {
    match node.get("type") {
        Some(serde_json::Value::String(t)) => t.clone(),
        Some(serde_json::Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join("|"),
        _ => {
            if let Some(any) = node.get("anyOf").and_then(|a| a.as_array()) {
                let mut names: Vec<String> = any
                    .iter()
                    .map(|n| type_name(resolve(n, defs), defs))
                    .collect();
                names.dedup();
                names.join("|")
            } else if node.get("$ref").is_some() {
                type_name(resolve(node, defs), defs)
            } else if node.get("enum").is_some() {
                "string".into()
            } else {
                "any".into()
            }
        }
    }
}

fn walk(
    node: &serde_json::Value,
    defs: &serde_json::Value,
    prefix: &str,
    out: &mut Vec<FieldDoc>,
    depth: usize,
) {
    if depth > 6 {
        return;
    }
    let node = resolve(node, defs);
    let Some(props) = node.get("properties").and_then(|p| p.as_object()) else {
        return;
    };
    for (name, field) in props {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let description = field
            .get("description")
            .and_then(|d| d.as_str())
            .unwrap_or_default()
            .to_string();
        let resolved = resolve(field, defs);
        let ty = type_name(field, defs);
        out.push(FieldDoc {
            path: path.clone(),
            ty,
            description,
        });
        walk(resolved, defs, &path, out, depth + 1);
        if let Some(items) = resolved.get("items") {
            walk(items, defs, &format!("{path}[]"), out, depth + 1);
        }
    }
}

/// The kinds reference (`docs/kinds.md`), generated from the props
/// structs so that it cannot drift from what is collected.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Resource kinds\n\n\
         <!-- Generated from crates/plumb-model by `PLUMB_BLESS=1 cargo test -p plumb-model kinds_doc`; do not edit. -->\n\n\
         Every resource has `uid`, `kind`, `provider`, `account`, `region`, `name`, `tags` and `created_at`; \
         its configuration is in `props`, documented below per kind. A field that could not be read is \
         absent from `props` and the failed call is named under `props._errors`; `null` means \
         \"not configured\". `plumb kinds show KIND` prints the same.\n\n",
    );
    for kind in all() {
        out.push_str(&format!(
            "## `{}`\n\n{} (service `{}`; uid: `{}`)\n\n| field | type | description |\n|---|---|---|\n",
            kind.name, kind.description, kind.service, kind.uid
        ));
        for f in fields(&kind) {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                f.path,
                f.ty,
                f.description.replace('|', "\\|").replace('\n', " ")
            ));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_doc_is_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/kinds.md");
        let want = markdown();
        if std::env::var_os("PLUMB_BLESS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/kinds.md is stale: run `PLUMB_BLESS=1 cargo test -p plumb-model kinds_doc`"
        );
    }

    #[test]
    fn kind_names_are_unique_and_terraform_style() {
        let kinds = all();
        let mut names: Vec<_> = kinds.iter().map(|k| k.name).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate kind names");
        for k in &kinds {
            assert!(k.name.starts_with("aws_"), "{} is not an aws_ kind", k.name);
            assert!(!k.description.is_empty(), "{} has no description", k.name);
        }
    }

    #[test]
    fn every_kind_documents_every_field() {
        for k in all() {
            let fields = fields(&k);
            assert!(!fields.is_empty(), "{} documents no field", k.name);
            for f in fields {
                assert!(
                    !f.description.is_empty(),
                    "{}: field {} has no doc comment",
                    k.name,
                    f.path
                );
            }
        }
    }
}
