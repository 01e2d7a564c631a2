//! Plumb's snapshot store: where scans are kept so that every later stage
//! (inventory, checks, reports, history) reads them back without calling
//! the cloud again.
//!
//! [`Store`] is the one interface; [`open`] picks the backend from the
//! location: a file path (or `sqlite:PATH`) opens the embedded SQLite
//! default, a `postgres://` URL opens PostgreSQL (feature `postgres`). A
//! snapshot is written in one transaction, so a killed scan leaves every
//! earlier snapshot intact and no half snapshot behind; schema changes are
//! numbered migrations applied on open.
#![deny(missing_docs)]

use plumb_model::doc::Doc;
use plumb_model::{Edge, Finding, Resource, Snapshot, SnapshotSummary};
use serde_json::Value;

#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;

#[cfg(feature = "postgres")]
pub use crate::postgres::PostgresStore;
pub use crate::sqlite::SqliteStore;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The SQLite database could not be opened, read or written.
    #[error("SQLite store {path}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The PostgreSQL database could not be reached, read or written.
    #[cfg(feature = "postgres")]
    #[error("PostgreSQL store: {0}")]
    Postgres(#[from] ::postgres::Error),
    /// The location names a backend this build does not have.
    #[error("unsupported store location `{0}`: use a file path, sqlite:PATH or postgres://…")]
    UnsupportedLocation(String),
    /// The database was written by a newer Plumb.
    #[error("the store's schema is version {found}, newer than this plumb understands ({known}); upgrade plumb")]
    SchemaTooNew {
        /// The version found in the database.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// A stored row could not be read back (corrupt or hand-edited data).
    #[error("stored {what} is unreadable: {detail}")]
    Corrupt {
        /// What was being read.
        what: String,
        /// Why it could not be read.
        detail: String,
    },
    /// No snapshot with this id, or none at all.
    #[error("{0}")]
    NotFound(String),
    /// A query given to `inventory query` was refused or failed.
    #[error("query failed: {0}")]
    Query(String),
    /// The directory of the database file could not be created.
    #[error("cannot create {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// Which snapshot to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotRef {
    /// The most recent snapshot.
    Latest,
    /// The snapshot with this id.
    Id(i64),
}

impl std::str::FromStr for SnapshotRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("latest") {
            return Ok(SnapshotRef::Latest);
        }
        s.parse::<i64>()
            .map(SnapshotRef::Id)
            .map_err(|_| format!("`{s}` is not a snapshot id (a number) or `latest`"))
    }
}

/// Which resources to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceFilter {
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this account.
    pub account: Option<String>,
    /// Only this region.
    pub region: Option<String>,
}

/// The answer of a read-only SQL query: column names and rows of JSON values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResult {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Rows, one value per column.
    pub rows: Vec<Vec<Value>>,
}

/// A resource's edges, both ways.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Neighbours {
    /// Edges from the resource.
    pub outgoing: Vec<Edge>,
    /// Edges to the resource.
    pub incoming: Vec<Edge>,
}

/// Where snapshots are kept. A store can move to another thread, so that
/// a second connection can read beside the first.
pub trait Store: Send {
    /// Writes a snapshot and everything in it in one transaction; returns
    /// its new id. On any error nothing of it is visible.
    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<i64, StoreError>;
    /// Every snapshot, newest first, without resources.
    fn snapshots(&mut self) -> Result<Vec<SnapshotSummary>, StoreError>;
    /// The id a reference resolves to.
    fn resolve(&mut self, snapshot: SnapshotRef) -> Result<i64, StoreError>;
    /// One snapshot's summary.
    fn summary(&mut self, snapshot: SnapshotRef) -> Result<SnapshotSummary, StoreError>;
    /// The resources of a snapshot that match the filter, by kind then uid.
    fn resources(
        &mut self,
        snapshot: i64,
        filter: &ResourceFilter,
    ) -> Result<Vec<Resource>, StoreError>;
    /// One resource.
    fn resource(&mut self, snapshot: i64, uid: &str) -> Result<Option<Resource>, StoreError>;
    /// A resource's edges.
    fn neighbours(&mut self, snapshot: i64, uid: &str) -> Result<Neighbours, StoreError>;
    /// A whole snapshot: summary, resources and edges.
    fn load(&mut self, snapshot: SnapshotRef) -> Result<Snapshot, StoreError> {
        let mut meta = self.load_meta(snapshot)?;
        meta.resources = self.resources(meta.id, &ResourceFilter::default())?;
        Ok(meta)
    }
    /// A snapshot's summary and edges, without its resources: read those
    /// kind by kind with [`Store::resources`].
    fn load_meta(&mut self, snapshot: SnapshotRef) -> Result<Snapshot, StoreError>;
    /// `(uid, kind)` of every resource of a snapshot.
    fn uid_kinds(&mut self, snapshot: i64) -> Result<Vec<(String, String)>, StoreError>;
    /// Up to `limit` resources of `kind` whose uid sorts after `after`, in
    /// uid order: a snapshot read a page at a time.
    fn resources_page(
        &mut self,
        snapshot: i64,
        kind: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Resource>, StoreError>;
    /// [`Store::resources_page`] keeping only the top-level props that
    /// `props` names (all of them when `None`), for a reader that needs no
    /// others: a store may skip the rest while parsing. By default it
    /// reads them all.
    fn resources_page_with_props(
        &mut self,
        snapshot: i64,
        kind: &str,
        after: Option<&str>,
        limit: usize,
        props: Option<&[&str]>,
    ) -> Result<Vec<Resource>, StoreError> {
        let _ = props;
        self.resources_page(snapshot, kind, after, limit)
    }
    /// The resources of a snapshot with these uids (those it holds).
    fn resources_by_uid(
        &mut self,
        snapshot: i64,
        uids: &[&str],
    ) -> Result<Vec<Resource>, StoreError>;
    /// [`Store::resources_page_with_props`] with each resource's props as
    /// a [`Doc`] (its text, indexed, not parsed into values): the
    /// resource's own `props` then hold only its collection gaps
    /// (`_errors`). `None` when the store does not read them so.
    fn resources_page_docs(
        &mut self,
        snapshot: i64,
        kind: &str,
        after: Option<&str>,
        limit: usize,
        props: Option<&[&str]>,
    ) -> Result<Option<Vec<(Resource, Doc)>>, StoreError> {
        let _ = (snapshot, kind, after, limit, props);
        Ok(None)
    }
    /// [`Store::resources`] keeping only the top-level props that `props`
    /// names (all of them when `None`), as
    /// [`Store::resources_page_with_props`] does.
    fn resources_with_props(
        &mut self,
        snapshot: i64,
        filter: &ResourceFilter,
        props: Option<&[&str]>,
    ) -> Result<Vec<Resource>, StoreError> {
        let _ = props;
        self.resources(snapshot, filter)
    }
    /// [`Store::resources_by_uid`] keeping only the top-level props that
    /// `props` names (all of them when `None`).
    fn resources_by_uid_with_props(
        &mut self,
        snapshot: i64,
        uids: &[&str],
        props: Option<&[&str]>,
    ) -> Result<Vec<Resource>, StoreError> {
        let _ = props;
        self.resources_by_uid(snapshot, uids)
    }
    /// Runs one read-only SQL statement; writes are refused by the database.
    fn query(&mut self, sql: &str) -> Result<QueryResult, StoreError>;
    /// Where the store is, for messages (a path or a URL without password).
    fn location(&self) -> String;
    /// Replaces the findings of a snapshot, in one transaction.
    fn save_findings(&mut self, snapshot: i64, findings: &[Finding]) -> Result<(), StoreError>;
    /// The findings stored for a snapshot (empty when it was never checked).
    fn findings(&mut self, snapshot: i64) -> Result<Vec<Finding>, StoreError>;
    /// Replaces the context computed for a snapshot (a JSON document).
    fn save_context(&mut self, snapshot: i64, context: &Value) -> Result<(), StoreError>;
    /// The context stored for a snapshot, if one was.
    fn context(&mut self, snapshot: i64) -> Result<Option<Value>, StoreError>;
    /// Appends an entry to the fix audit log; returns its id.
    fn append_fix_log(&mut self, entry: &FixLogEntry) -> Result<i64, StoreError>;
    /// Replaces the entry `id` of the fix audit log (its outcome, once
    /// known).
    fn update_fix_log(&mut self, id: i64, entry: &FixLogEntry) -> Result<(), StoreError>;
    /// The fix audit log, oldest first.
    fn fix_log(&mut self) -> Result<Vec<(i64, FixLogEntry)>, StoreError>;
    /// Every ticket `plumb export` keeps for one system (`github`, `jira`,
    /// …), by fingerprint.
    fn tickets(&mut self, system: &str) -> Result<Vec<Ticket>, StoreError>;
    /// Writes a ticket, replacing the one with its system and fingerprint.
    fn save_ticket(&mut self, ticket: &Ticket) -> Result<(), StoreError>;
}

/// One action of `plumb fix apply`, as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FixLogEntry {
    /// When the action started.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who ran it: the caller's ARN from STS GetCallerIdentity.
    pub principal: String,
    /// The fix.
    pub fix: String,
    /// The checks it was to make pass.
    pub checks: Vec<String>,
    /// The resource changed.
    pub resource_uid: String,
    /// The snapshot the plan was made on.
    pub snapshot: i64,
    /// `applying` while the call runs, then `fixed`, `failed` or `skipped`.
    pub outcome: String,
    /// Why, for `failed` and `skipped`.
    pub detail: Option<String>,
    /// What the checks saw before (their evidence, by check).
    pub before: Value,
    /// What they saw after, once verified.
    pub after: Option<Value>,
}

/// Whether an exported ticket is still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketState {
    /// Opened for a failing finding and not closed since.
    Open,
    /// Closed (or announced resolved) when the finding stopped failing.
    Closed,
}

impl TicketState {
    /// The lowercase name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Open => "open",
            TicketState::Closed => "closed",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<TicketState, StoreError> {
        match text {
            "open" => Ok(TicketState::Open),
            "closed" => Ok(TicketState::Closed),
            other => Err(corrupt("a ticket's state", format!("`{other}`"))),
        }
    }
}

/// What `plumb export` remembers of one finding sent to one system, so
/// that a later run neither opens it twice nor forgets to close it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    /// The system: `github`, `jira`, `slack` or `webhook`.
    pub system: String,
    /// The finding's fingerprint: its check and resource.
    pub fingerprint: String,
    /// The check's id.
    pub check_id: String,
    /// The resource's uid.
    pub resource_uid: String,
    /// The system's id for it (an issue number, a Jira key; empty for
    /// systems without tickets, such as Slack).
    pub ticket_id: String,
    /// Where a person sees it (empty when the system has no page).
    pub url: String,
    /// Open or closed.
    pub state: TicketState,
    /// The snapshot that last changed it.
    pub snapshot_id: i64,
    /// When it last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Opens the store at `location`: a PostgreSQL URL, `sqlite:PATH` or a path.
pub fn open(location: &str) -> Result<Box<dyn Store>, StoreError> {
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        {
            return Ok(Box::new(PostgresStore::open(location)?));
        }
        #[cfg(not(feature = "postgres"))]
        {
            return Err(StoreError::UnsupportedLocation(location.to_string()));
        }
    }
    let path = location.strip_prefix("sqlite:").unwrap_or(location);
    if path.contains("://") {
        return Err(StoreError::UnsupportedLocation(location.to_string()));
    }
    Ok(Box::new(SqliteStore::open(std::path::Path::new(path))?))
}

/// The schema's migrations, in order; a migration is never edited once
/// released, only followed by another.
pub(crate) struct Migration {
    pub version: i64,
    pub sqlite: &'static str,
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub postgres: &'static str,
}

pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: "
        CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            scope TEXT NOT NULL,
            resource_count INTEGER NOT NULL,
            edge_count INTEGER NOT NULL
        );
        CREATE TABLE coverage (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            service TEXT NOT NULL,
            status TEXT NOT NULL,
            error TEXT,
            error_code TEXT,
            missing_permission TEXT,
            api_calls INTEGER NOT NULL,
            resources INTEGER NOT NULL,
            partial_resources INTEGER NOT NULL
        );
        CREATE INDEX coverage_snapshot ON coverage(snapshot_id);
        CREATE TABLE resources (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            uid TEXT NOT NULL,
            kind TEXT NOT NULL,
            provider TEXT NOT NULL,
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            tags TEXT NOT NULL,
            created_at TEXT,
            props TEXT NOT NULL,
            PRIMARY KEY (snapshot_id, uid)
        );
        CREATE INDEX resources_kind ON resources(snapshot_id, kind);
        CREATE TABLE edges (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            from_uid TEXT NOT NULL,
            to_uid TEXT NOT NULL,
            relation TEXT NOT NULL
        );
        CREATE INDEX edges_from ON edges(snapshot_id, from_uid);
        CREATE INDEX edges_to ON edges(snapshot_id, to_uid);
    ",
        postgres: "
        CREATE TABLE snapshots (
            id BIGSERIAL PRIMARY KEY,
            started_at TIMESTAMPTZ NOT NULL,
            finished_at TIMESTAMPTZ NOT NULL,
            scope JSONB NOT NULL,
            resource_count BIGINT NOT NULL,
            edge_count BIGINT NOT NULL
        );
        CREATE TABLE coverage (
            snapshot_id BIGINT NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            service TEXT NOT NULL,
            status TEXT NOT NULL,
            error TEXT,
            error_code TEXT,
            missing_permission TEXT,
            api_calls BIGINT NOT NULL,
            resources BIGINT NOT NULL,
            partial_resources BIGINT NOT NULL
        );
        CREATE INDEX coverage_snapshot ON coverage(snapshot_id);
        CREATE TABLE resources (
            snapshot_id BIGINT NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            uid TEXT NOT NULL,
            kind TEXT NOT NULL,
            provider TEXT NOT NULL,
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            tags JSONB NOT NULL,
            created_at TIMESTAMPTZ,
            props JSONB NOT NULL,
            PRIMARY KEY (snapshot_id, uid)
        );
        CREATE INDEX resources_kind ON resources(snapshot_id, kind);
        CREATE TABLE edges (
            snapshot_id BIGINT NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            from_uid TEXT NOT NULL,
            to_uid TEXT NOT NULL,
            relation TEXT NOT NULL
        );
        CREATE INDEX edges_from ON edges(snapshot_id, from_uid);
        CREATE INDEX edges_to ON edges(snapshot_id, to_uid);
    ",
    },
    Migration {
        version: 2,
        sqlite: "
        CREATE TABLE findings (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            check_id TEXT NOT NULL,
            status TEXT NOT NULL,
            severity TEXT NOT NULL,
            resource_uid TEXT NOT NULL,
            finding TEXT NOT NULL
        );
        CREATE INDEX findings_snapshot ON findings(snapshot_id, check_id);
    ",
        postgres: "
        CREATE TABLE findings (
            snapshot_id BIGINT NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            check_id TEXT NOT NULL,
            status TEXT NOT NULL,
            severity TEXT NOT NULL,
            resource_uid TEXT NOT NULL,
            finding JSONB NOT NULL
        );
        CREATE INDEX findings_snapshot ON findings(snapshot_id, check_id);
    ",
    },
    // Reading a snapshot kind by kind, in uid order, from one index.
    Migration {
        version: 3,
        sqlite: "
        CREATE INDEX resources_kind_uid ON resources(snapshot_id, kind, uid);
        DROP INDEX resources_kind;
    ",
        postgres: "
        CREATE INDEX resources_kind_uid ON resources(snapshot_id, kind, uid);
        DROP INDEX resources_kind;
    ",
    },
    // The context of a snapshot (exposure, sensitive data, IAM power,
    // attack paths), computed once by `scan`.
    Migration {
        version: 4,
        sqlite: "
        CREATE TABLE context (
            snapshot_id INTEGER PRIMARY KEY REFERENCES snapshots(id) ON DELETE CASCADE,
            context TEXT NOT NULL
        );
    ",
        postgres: "
        CREATE TABLE context (
            snapshot_id BIGINT PRIMARY KEY REFERENCES snapshots(id) ON DELETE CASCADE,
            context JSONB NOT NULL
        );
    ",
    },
    // The audit log of `plumb fix apply`: every action, written before the
    // call and completed after it.
    Migration {
        version: 5,
        sqlite: "
        CREATE TABLE fix_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            entry TEXT NOT NULL
        );
    ",
        postgres: "
        CREATE TABLE fix_log (
            id BIGSERIAL PRIMARY KEY,
            entry JSONB NOT NULL
        );
    ",
    },
    // What `plumb export` sent where: one ticket per system and finding
    // fingerprint (check and resource), kept across snapshots.
    Migration {
        version: 6,
        sqlite: "
        CREATE TABLE tickets (
            system TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            check_id TEXT NOT NULL,
            resource_uid TEXT NOT NULL,
            ticket_id TEXT NOT NULL,
            url TEXT NOT NULL,
            state TEXT NOT NULL,
            snapshot_id INTEGER NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (system, fingerprint)
        );
    ",
        postgres: "
        CREATE TABLE tickets (
            system TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            check_id TEXT NOT NULL,
            resource_uid TEXT NOT NULL,
            ticket_id TEXT NOT NULL,
            url TEXT NOT NULL,
            state TEXT NOT NULL,
            snapshot_id BIGINT NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (system, fingerprint)
        );
    ",
    },
];

/// The newest schema version this build knows.
pub(crate) fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

pub(crate) fn corrupt(what: impl Into<String>, detail: impl ToString) -> StoreError {
    StoreError::Corrupt {
        what: what.into(),
        detail: detail.to_string(),
    }
}

/// Rebuilds a resource from its stored columns.
#[allow(clippy::too_many_arguments)]
pub(crate) fn resource_from_row(
    uid: String,
    kind: String,
    provider: String,
    account: String,
    region: String,
    name: String,
    tags: std::collections::BTreeMap<String, String>,
    created_at: Option<chrono::DateTime<chrono::Utc>>,
    props: Value,
) -> Result<Resource, StoreError> {
    if !props.is_object() {
        return Err(corrupt(format!("props of {uid}"), "not a JSON object"));
    }
    Ok(Resource {
        uid,
        kind,
        provider,
        account,
        region,
        name,
        tags,
        created_at,
        props,
    })
}

/// The JSON text of props, keeping only the top-level props `keep` names
/// (all of them when `None`); the others are skipped, never allocated.
/// A snapshot's resources in the order they are written: by kind, then
/// uid, the order they are read back in (a kind a page at a time), so that
/// a page is a run of neighbouring rows instead of one row in every few
/// thousand of the table.
pub(crate) fn in_read_order(resources: &[Resource]) -> Vec<&Resource> {
    let mut ordered: Vec<&Resource> = resources.iter().collect();
    ordered.sort_unstable_by(|a, b| (&a.kind, &a.uid).cmp(&(&b.kind, &b.uid)));
    ordered
}

pub(crate) fn parse_props(text: &str, keep: Option<&[&str]>) -> serde_json::Result<Value> {
    let Some(keep) = keep else {
        return serde_json::from_str(text);
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde::de::DeserializeSeed::deserialize(Kept(keep), &mut de)?;
    de.end()?;
    Ok(value)
}

/// Props parsed keeping only some top-level props.
struct Kept<'k>(&'k [&'k str]);

impl<'de> serde::de::DeserializeSeed<'de> for Kept<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Kept<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(Name(name)) = map.next_key()? {
            if self.0.contains(&name.as_ref()) {
                out.insert(name.into_owned(), map.next_value()?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(Value::Object(out))
    }
}

/// A key of props, borrowed from the text where it has no escapes.
struct Name<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Name<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Name<'de>, E> {
                Ok(Name(std::borrow::Cow::Owned(v.to_string())))
            }
        }
        de.deserialize_str(Visit)
    }
}

/// A value as JSON text for a TEXT or COPY column.
pub(crate) fn json_text(value: &impl serde::Serialize, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| corrupt(what, e))
}

pub(crate) fn finding_from_json(value: Value) -> Result<Finding, StoreError> {
    serde_json::from_value(value).map_err(|e| corrupt("a stored finding", e))
}

pub(crate) fn edge_from_row(from: String, to: String, relation: &str) -> Result<Edge, StoreError> {
    let relation = plumb_model::Relation::parse(relation).ok_or_else(|| {
        corrupt(
            format!("edge {from} → {to}"),
            format!("unknown relation `{relation}`"),
        )
    })?;
    Ok(Edge { from, to, relation })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn props_are_parsed_keeping_only_the_named_ones() {
        let text = r#"{"a": {"x": [1, "two"]}, "b\"q": "esc", "c": null, "d": 4}"#;
        let kept = parse_props(text, Some(&["a", "b\"q", "absent"])).unwrap();
        assert_eq!(kept, json!({"a": {"x": [1, "two"]}, "b\"q": "esc"}));
        assert_eq!(
            parse_props(text, None).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert!(parse_props("[1]", Some(&["a"])).is_err());
        assert!(parse_props(r#"{"a": 1} x"#, Some(&["a"])).is_err());
    }
}
