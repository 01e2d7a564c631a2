//! Remediation templates (`{{resource.name}}`, `{{props.a.b}}`,
//! `{{tags.k}}`), split into literal text and fields once, when a check is
//! loaded: every failing finding renders its check's remediation for its
//! resource, and searching the text for `{{` each time cost more than the
//! rest of building the finding.

use plumb_model::doc::Ref;
use plumb_model::Resource;
use serde_json::Value as Json;

/// A template split into literal text and the fields to fill in.
#[derive(Debug, Clone, Default)]
pub(crate) struct Template {
    parts: Vec<Part>,
    /// The length of the literal text, to size the output once.
    literal_len: usize,
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    /// A field, and the path as written, shown as `<path>` when the
    /// resource has no such value.
    Field(Field, String),
}

#[derive(Debug, Clone)]
enum Field {
    Name,
    Uid,
    Region,
    Account,
    Kind,
    Tag(String),
    Props(Vec<String>),
    /// A path no resource has: always rendered as `<path>`.
    Unknown,
}

impl Template {
    /// Splits `template` at its `{{…}}` fields; a `{{` without its `}}`
    /// is kept as text.
    pub(crate) fn parse(template: &str) -> Self {
        let mut out = Template::default();
        out.push_parsed(template);
        out
    }

    /// Appends `template`, parsed, to this one.
    pub(crate) fn push_parsed(&mut self, template: &str) {
        let mut rest = template;
        while let Some(start) = rest.find("{{") {
            self.push_text(&rest[..start]);
            let Some(end) = rest[start..].find("}}") else {
                self.push_text(&rest[start..]);
                return;
            };
            let path = rest[start + 2..start + end].trim();
            self.parts
                .push(Part::Field(Field::parse(path), path.to_string()));
            rest = &rest[start + end + 2..];
        }
        self.push_text(rest);
    }

    /// Appends literal text.
    pub(crate) fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        self.literal_len += text.len();
        match self.parts.last_mut() {
            Some(Part::Text(last)) => last.push_str(text),
            _ => self.parts.push(Part::Text(text.to_string())),
        }
    }

    /// The top-level props the template reads: `None` for one that shows
    /// props whole.
    pub(crate) fn props(&self) -> impl Iterator<Item = Option<&str>> {
        self.parts.iter().filter_map(|part| match part {
            Part::Field(Field::Props(path), _) => Some(path.first().map(String::as_str)),
            _ => None,
        })
    }

    /// The template filled from `r`; an absent value renders as `<path>`
    /// so the gap is visible.
    /// `props` are the resource's props when they were read as a document
    /// (its own `props` then hold only its gaps).
    pub(crate) fn render(&self, r: &Resource, props: Option<Ref<'_>>) -> String {
        let mut out = String::with_capacity(self.literal_len + 64);
        self.render_into(r, props, &mut out);
        out
    }

    /// [`Template::render`], appended to `out`.
    pub(crate) fn render_into(&self, r: &Resource, props: Option<Ref<'_>>, out: &mut String) {
        out.reserve(self.literal_len + 64);
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Field(field, path) => {
                    if !field.write(r, props, out) {
                        out.push('<');
                        out.push_str(path);
                        out.push('>');
                    }
                }
            }
        }
    }
}

impl Field {
    fn parse(path: &str) -> Field {
        let mut parts = path.split('.');
        match parts.next() {
            Some("resource") => match parts.next() {
                Some("name") => Field::Name,
                Some("uid") => Field::Uid,
                Some("region") => Field::Region,
                Some("account") => Field::Account,
                Some("kind") => Field::Kind,
                _ => Field::Unknown,
            },
            Some("tags") => match parts.next() {
                Some(key) => Field::Tag(key.to_string()),
                None => Field::Unknown,
            },
            Some("props") => Field::Props(parts.map(str::to_string).collect()),
            _ => Field::Unknown,
        }
    }

    /// Writes the value to `out`; false when `r` has none.
    fn write(&self, r: &Resource, props: Option<Ref<'_>>, out: &mut String) -> bool {
        let text = match self {
            Field::Name => &r.name,
            Field::Uid => &r.uid,
            Field::Region => &r.region,
            Field::Account => &r.account,
            Field::Kind => &r.kind,
            Field::Tag(key) => match r.tags.get(key) {
                Some(v) => v,
                None => return false,
            },
            Field::Props(path) if props.is_some() => {
                let found = props.and_then(|p| path.iter().try_fold(p, |v, k| v.get(k)));
                match found {
                    None => return false,
                    Some(v) if v.is_null() => return false,
                    Some(v) => match v.as_str() {
                        Some(s) => out.push_str(&s),
                        None => {
                            let mut text = Vec::new();
                            v.write_json(&mut text);
                            out.push_str(&String::from_utf8_lossy(&text));
                        }
                    },
                }
                return true;
            }
            Field::Props(path) => {
                match path.iter().try_fold(&r.props, |v, p| v.get(p.as_str())) {
                    Some(Json::String(s)) => out.push_str(s),
                    None | Some(Json::Null) => return false,
                    Some(other) => out.push_str(&other.to_string()),
                }
                return true;
            }
            Field::Unknown => return false,
        };
        out.push_str(text);
        true
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn bucket() -> Resource {
        serde_json::from_value(json!({
            "uid": "arn:aws:s3:::b", "kind": "aws_s3_bucket", "provider": "aws",
            "account": "111122223333", "region": "us-east-1", "name": "b",
            "tags": {"env": "prod"},
            "props": {"versioning": {"status": "Enabled", "n": 2}, "none": null}
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn fields_are_filled_and_absent_ones_shown_as_their_path() {
        let t = Template::parse(
            "{{resource.name}} in {{ resource.region }}/{{resource.account}} ({{resource.kind}}, \
             {{resource.uid}}): {{props.versioning.status}} {{props.versioning.n}} \
             {{tags.env}} {{tags.owner}} {{props.none}} {{props.absent}} {{resource.other}} \
             {{other}} {{}}",
        );
        assert_eq!(
            t.render(&bucket(), None),
            "b in us-east-1/111122223333 (aws_s3_bucket, arn:aws:s3:::b): Enabled 2 \
             prod <tags.owner> <props.none> <props.absent> <resource.other> <other> <>"
        );
    }

    #[test]
    fn an_unclosed_field_is_kept_as_text() {
        let t = Template::parse("a {{resource.name}} {{resource.name");
        assert_eq!(t.render(&bucket(), None), "a b {{resource.name");
    }
}
