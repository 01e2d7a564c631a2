//! The embedded default: one SQLite file, JSON in TEXT columns (queryable
//! with SQLite's `json_extract`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use plumb_model::doc::Doc;
use plumb_model::{Coverage, CoverageStatus, Scope, Snapshot, SnapshotSummary};
use rayon::prelude::*;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde_json::Value;

use crate::{
    corrupt, edge_from_row, json_text, latest_version, parse_props, resource_from_row, Neighbours,
    QueryResult, ResourceFilter, SnapshotRef, Store, StoreError, Ticket, TicketState, MIGRATIONS,
};

/// A store in one SQLite file.
pub struct SqliteStore {
    path: PathBuf,
    conn: Connection,
    /// The most bytes and rows a read of resources copied, up to
    /// `COPY_HINT_MAX` bytes: the next read's buffers start at that size
    /// instead of doubling up to it, and one large read (a whole kind, a
    /// whole snapshot) does not make every later one reserve as much.
    copied: std::cell::Cell<(usize, usize)>,
}

impl SqliteStore {
    /// Opens (creating when missing) the database at `path` and brings its
    /// schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|e| sqlite_err(path, e))?;
        let mut store = SqliteStore {
            path: path.to_path_buf(),
            conn,
            copied: std::cell::Cell::new((0, 0)),
        };
        store.init()?;
        Ok(store)
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        sqlite_err(&self.path, e)
    }

    fn init(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = |e| sqlite_err(&path, e);
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA busy_timeout = 10000;
                 CREATE TABLE IF NOT EXISTS schema_migrations (
                     version INTEGER PRIMARY KEY,
                     applied_at TEXT NOT NULL
                 );",
            )
            .map_err(e)?;
        let current: i64 = self
            .conn
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )
            .map_err(e)?;
        if current > latest_version() {
            return Err(StoreError::SchemaTooNew {
                found: current,
                known: latest_version(),
            });
        }
        for m in MIGRATIONS.iter().filter(|m| m.version > current) {
            let tx = self.conn.transaction().map_err(e)?;
            tx.execute_batch(m.sqlite).map_err(e)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![m.version, Utc::now().to_rfc3339()],
            )
            .map_err(e)?;
            tx.commit().map_err(e)?;
        }
        Ok(())
    }

    fn coverage_of(&self, id: i64) -> Result<Vec<Coverage>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT account, region, service, status, error, error_code, missing_permission,
                        api_calls, resources, partial_resources
                 FROM coverage WHERE snapshot_id = ?1 ORDER BY account, region, service",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(Coverage {
                    account: r.get(0)?,
                    region: r.get(1)?,
                    service: r.get(2)?,
                    status: if r.get::<_, String>(3)? == "ok" {
                        CoverageStatus::Ok
                    } else {
                        CoverageStatus::Error
                    },
                    error: r.get(4)?,
                    error_code: r.get(5)?,
                    missing_permission: r.get(6)?,
                    api_calls: r.get::<_, i64>(7)? as u64,
                    resources: r.get::<_, i64>(8)? as u64,
                    partial_resources: r.get::<_, i64>(9)? as u64,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    fn summary_of(&self, id: i64) -> Result<Option<SnapshotSummary>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT started_at, finished_at, scope, resource_count, edge_count FROM snapshots WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((started, finished, scope, resources, edges)) = row else {
            return Ok(None);
        };
        let scope: Scope = serde_json::from_str(&scope)
            .map_err(|e| corrupt(format!("scope of snapshot {id}"), e))?;
        Ok(Some(SnapshotSummary {
            id,
            started_at: parse_time(&started, "started_at")?,
            finished_at: parse_time(&finished, "finished_at")?,
            scope,
            resources: resources as u64,
            edges: edges as u64,
            coverage: self.coverage_of(id)?,
        }))
    }

    fn read_resources(
        &self,
        sql: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<plumb_model::Resource>, StoreError> {
        self.read_resources_with_props(sql, args, None)
    }

    /// The resources a statement selects, keeping only the top-level props
    /// `props` names (all of them when `None`).
    fn read_resources_with_props(
        &self,
        sql: &str,
        args: &[&dyn rusqlite::ToSql],
        props: Option<&[&str]>,
    ) -> Result<Vec<plumb_model::Resource>, StoreError> {
        self.read_rows(sql, args, |uid, text| {
            parse_props(text.as_str(), props)
                .map(|props| (props, ()))
                .map_err(|e| corrupt(format!("props of {uid}"), e))
        })
        .map(|rows| rows.into_iter().map(|(r, ())| r).collect())
    }

    /// The resources a statement selects, built in parallel; `props` makes
    /// a resource's props, and anything else kept with it, from their
    /// text (and its uid, for messages).
    fn read_rows<T: Send>(
        &self,
        sql: &str,
        args: &[&dyn rusqlite::ToSql],
        props: impl Fn(&str, Column<'_>) -> Result<(Value, T), StoreError> + Sync,
    ) -> Result<Vec<(plumb_model::Resource, T)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let mut rows = stmt.query(args).map_err(|e| self.err(e))?;
        let (text, raw) = self.copy_rows(&mut rows)?;
        // UTF-8 checked once for the whole read, which its documents share.
        let page = match String::from_utf8(text) {
            Ok(page) => Arc::new(page),
            Err(e) => return Err(not_utf8(e.as_bytes(), &raw, e.utf8_error().valid_up_to())),
        };
        raw.into_par_iter()
            .map(|columns| {
                let props_at = columns[8].clone();
                let [uid, kind, provider, account, region, name, tags, created, _] =
                    columns_of(&page, columns)?;
                let owned = |c: Option<&str>| c.unwrap_or_default().to_string();
                let uid = owned(uid);
                // Straight into the map a resource keeps, not through a
                // `Value` first.
                let tags = serde_json::from_str(tags.unwrap_or_default())
                    .map_err(|e| corrupt(format!("tags of {uid}"), e))?;
                let props_text = Column {
                    page: &page,
                    range: props_at.unwrap_or(0..0),
                };
                let (props, kept) = props(&uid, props_text)?;
                let created = created.map(|c| parse_time(c, "created_at")).transpose()?;
                let resource = resource_from_row(
                    uid,
                    owned(kind),
                    owned(provider),
                    owned(account),
                    owned(region),
                    owned(name),
                    tags,
                    created,
                    props,
                )?;
                Ok((resource, kept))
            })
            .collect()
    }

    /// The rows of a resource query, read one by one, which only one
    /// thread can do: their columns are copied into one buffer, and
    /// everything else — the strings of each resource, parsing its JSON —
    /// is done in parallel afterwards. `None` is a NULL `created_at`.
    #[allow(clippy::type_complexity)]
    fn copy_rows(
        &self,
        rows: &mut rusqlite::Rows<'_>,
    ) -> Result<(Vec<u8>, Vec<[Option<std::ops::Range<usize>>; 9]>), StoreError> {
        let (bytes, count) = self.copied.get();
        let mut text: Vec<u8> = Vec::with_capacity(bytes);
        let mut raw: Vec<[Option<std::ops::Range<usize>>; 9]> = Vec::with_capacity(count);
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let mut columns: [Option<std::ops::Range<usize>>; 9] = Default::default();
            for (i, column) in columns.iter_mut().enumerate() {
                let value = r.get_ref(i).map_err(|e| self.err(e))?;
                // UTF-8 is checked in parallel, by `columns_of`.
                let value = match value {
                    rusqlite::types::ValueRef::Null if i == 7 => continue,
                    rusqlite::types::ValueRef::Text(t) => t,
                    other => {
                        return Err(corrupt(
                            format!("column {i} of a resource"),
                            format!("{:?} where text belongs", other.data_type()),
                        ))
                    }
                };
                let start = text.len();
                text.extend_from_slice(value);
                *column = Some(start..text.len());
            }
            raw.push(columns);
        }
        let (bytes, count) = self.copied.get();
        if text.len() <= COPY_HINT_MAX {
            self.copied
                .set((bytes.max(text.len()), count.max(raw.len())));
        }
        Ok((text, raw))
    }

    /// The resources a statement selects with their props as [`Doc`]s,
    /// as [`Store::resources_page_docs`] returns them.
    fn read_resource_docs(
        &self,
        sql: &str,
        args: &[&dyn rusqlite::ToSql],
        keep: Option<&[&str]>,
    ) -> Result<Vec<(plumb_model::Resource, Doc)>, StoreError> {
        self.read_rows(sql, args, |uid, text| {
            let doc = Doc::parse_in(text.page.clone(), text.range, keep)
                .map_err(|e| corrupt(format!("props of {uid}"), e))?;
            let gaps = doc
                .gaps_only()
                .ok_or_else(|| corrupt(format!("props of {uid}"), "not a JSON object"))?;
            Ok((gaps, doc))
        })
    }

    fn read_edges(
        &self,
        sql: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<plumb_model::Edge>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(args, |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (from, to, relation) = row.map_err(|e| self.err(e))?;
            out.push(edge_from_row(from, to, &relation)?);
        }
        Ok(out)
    }
}

/// The largest read whose size `SqliteStore::copy_rows` reserves for the
/// next: a few pages of resources.
const COPY_HINT_MAX: usize = 64 << 20;

/// A row's columns copied by `SqliteStore::copy_rows`, as text.
fn columns_of(
    text: &str,
    columns: [Option<std::ops::Range<usize>>; 9],
) -> Result<[Option<&str>; 9], StoreError> {
    let mut out: [Option<&str>; 9] = [None; 9];
    for (i, (column, range)) in out.iter_mut().zip(columns).enumerate() {
        if let Some(range) = range {
            // Only a column that is not UTF-8 itself can end inside a
            // character of a valid whole.
            let value = text
                .get(range)
                .ok_or_else(|| corrupt(format!("column {i} of a resource"), "not UTF-8"))?;
            *column = Some(value);
        }
    }
    Ok(out)
}

/// The error for a read whose text is not UTF-8 from byte `at`: which
/// column of which resource (by uid, when its own is text).
fn not_utf8(text: &[u8], raw: &[[Option<std::ops::Range<usize>>; 9]], at: usize) -> StoreError {
    for columns in raw {
        for (i, range) in columns.iter().enumerate() {
            if range.as_ref().is_some_and(|r| r.contains(&at)) {
                let uid = columns[0]
                    .clone()
                    .and_then(|r| std::str::from_utf8(&text[r]).ok())
                    .unwrap_or("?");
                return corrupt(
                    format!("column {i} of {uid}"),
                    format!(
                        "not UTF-8 from byte {}",
                        at - range.as_ref().map_or(0, |r| r.start)
                    ),
                );
            }
        }
    }
    corrupt("a resource", format!("not UTF-8 at byte {at} of the read"))
}

/// A column of a read, in the text the read's resources share.
pub(crate) struct Column<'t> {
    page: &'t Arc<String>,
    range: std::ops::Range<usize>,
}

impl Column<'_> {
    fn as_str(&self) -> &str {
        self.page.get(self.range.clone()).unwrap_or_default()
    }
}

const RESOURCE_COLUMNS: &str =
    "uid, kind, provider, account, region, name, tags, created_at, props";

/// The query of a page of one kind's resources in uid order (arguments:
/// snapshot, kind, the uid to start after, the page size), with the last
/// two as it binds them.
fn page_query(after: Option<&str>, limit: usize) -> (String, &str, i64) {
    let sql = format!(
        "SELECT {RESOURCE_COLUMNS} FROM resources
          WHERE snapshot_id = ?1 AND kind = ?2 AND uid > ?3 ORDER BY uid LIMIT ?4"
    );
    (
        sql,
        after.unwrap_or(""),
        i64::try_from(limit).unwrap_or(i64::MAX),
    )
}

fn sqlite_err(path: &Path, source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.display().to_string(),
        source,
    }
}

fn parse_time(s: &str, what: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| corrupt(what, format!("`{s}`: {e}")))
}

impl Store for SqliteStore {
    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<i64, StoreError> {
        let path = self.path.clone();
        let e = |e| sqlite_err(&path, e);
        let tx = self.conn.transaction().map_err(e)?;
        tx.execute(
            "INSERT INTO snapshots (started_at, finished_at, scope, resource_count, edge_count) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                snapshot.started_at.to_rfc3339(),
                snapshot.finished_at.to_rfc3339(),
                json_text(&snapshot.scope, "scope")?,
                snapshot.resources.len() as i64,
                snapshot.edges.len() as i64
            ],
        )
        .map_err(e)?;
        let id = tx.last_insert_rowid();
        {
            let mut cov = tx
                .prepare(
                    "INSERT INTO coverage (snapshot_id, account, region, service, status, error, error_code,
                        missing_permission, api_calls, resources, partial_resources)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .map_err(e)?;
            for c in &snapshot.coverage {
                cov.execute(params![
                    id,
                    c.account,
                    c.region,
                    c.service,
                    c.status.as_str(),
                    c.error,
                    c.error_code,
                    c.missing_permission,
                    c.api_calls as i64,
                    c.resources as i64,
                    c.partial_resources as i64
                ])
                .map_err(e)?;
            }
            let mut res = tx
                .prepare(
                    "INSERT INTO resources (snapshot_id, uid, kind, provider, account, region, name, tags, created_at, props)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(e)?;
            for r in crate::in_read_order(&snapshot.resources) {
                res.execute(params![
                    id,
                    r.uid,
                    r.kind,
                    r.provider,
                    r.account,
                    r.region,
                    r.name,
                    json_text(&r.tags, "tags")?,
                    r.created_at.map(|t| t.to_rfc3339()),
                    json_text(&r.props, "props")?
                ])
                .map_err(e)?;
            }
            let mut edge = tx
                .prepare("INSERT INTO edges (snapshot_id, from_uid, to_uid, relation) VALUES (?1, ?2, ?3, ?4)")
                .map_err(e)?;
            for ed in &snapshot.edges {
                edge.execute(params![id, ed.from, ed.to, ed.relation.as_str()])
                    .map_err(e)?;
            }
        }
        tx.commit().map_err(e)?;
        Ok(id)
    }

    fn snapshots(&mut self) -> Result<Vec<SnapshotSummary>, StoreError> {
        let ids: Vec<i64> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id FROM snapshots ORDER BY id DESC")
                .map_err(|e| self.err(e))?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        ids.into_iter()
            .filter_map(|id| self.summary_of(id).transpose())
            .collect()
    }

    fn resolve(&mut self, snapshot: SnapshotRef) -> Result<i64, StoreError> {
        let found: Option<i64> = match snapshot {
            SnapshotRef::Latest => self
                .conn
                .query_row("SELECT MAX(id) FROM snapshots", [], |r| r.get(0))
                .map_err(|e| self.err(e))?,
            SnapshotRef::Id(id) => self
                .conn
                .query_row("SELECT id FROM snapshots WHERE id = ?1", [id], |r| r.get(0))
                .optional()
                .map_err(|e| self.err(e))?,
        };
        found.ok_or_else(|| not_found(snapshot, &self.location()))
    }

    fn summary(&mut self, snapshot: SnapshotRef) -> Result<SnapshotSummary, StoreError> {
        let id = self.resolve(snapshot)?;
        self.summary_of(id)?
            .ok_or_else(|| not_found(snapshot, &self.location()))
    }

    fn resources(
        &mut self,
        snapshot: i64,
        filter: &ResourceFilter,
    ) -> Result<Vec<plumb_model::Resource>, StoreError> {
        self.resources_with_props(snapshot, filter, None)
    }

    fn resources_with_props(
        &mut self,
        snapshot: i64,
        filter: &ResourceFilter,
        props: Option<&[&str]>,
    ) -> Result<Vec<plumb_model::Resource>, StoreError> {
        // Only the filters given, so that the (snapshot, kind) index serves
        // a kind: `?2 IS NULL OR kind = ?2` would scan the whole snapshot.
        let mut sql = format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE snapshot_id = ?1");
        let mut args: Vec<&dyn rusqlite::ToSql> = vec![&snapshot];
        for (column, value) in [
            ("kind", &filter.kind),
            ("account", &filter.account),
            ("region", &filter.region),
        ] {
            if let Some(value) = value {
                args.push(value);
                sql.push_str(&format!(" AND {column} = ?{}", args.len()));
            }
        }
        sql.push_str(" ORDER BY kind, uid");
        self.read_resources_with_props(&sql, &args, props)
    }

    fn resource(
        &mut self,
        snapshot: i64,
        uid: &str,
    ) -> Result<Option<plumb_model::Resource>, StoreError> {
        let sql =
            format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE snapshot_id = ?1 AND uid = ?2");
        Ok(self
            .read_resources(&sql, &[&snapshot, &uid])?
            .into_iter()
            .next())
    }

    fn neighbours(&mut self, snapshot: i64, uid: &str) -> Result<Neighbours, StoreError> {
        Ok(Neighbours {
            outgoing: self.read_edges(
                "SELECT from_uid, to_uid, relation FROM edges WHERE snapshot_id = ?1 AND from_uid = ?2 ORDER BY relation, to_uid",
                &[&snapshot, &uid],
            )?,
            incoming: self.read_edges(
                "SELECT from_uid, to_uid, relation FROM edges WHERE snapshot_id = ?1 AND to_uid = ?2 ORDER BY relation, from_uid",
                &[&snapshot, &uid],
            )?,
        })
    }

    fn uid_kinds(&mut self, snapshot: i64) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT uid, kind FROM resources WHERE snapshot_id = ?1")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([snapshot], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    fn resources_page(
        &mut self,
        snapshot: i64,
        kind: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<plumb_model::Resource>, StoreError> {
        self.resources_page_with_props(snapshot, kind, after, limit, None)
    }

    fn resources_page_with_props(
        &mut self,
        snapshot: i64,
        kind: &str,
        after: Option<&str>,
        limit: usize,
        props: Option<&[&str]>,
    ) -> Result<Vec<plumb_model::Resource>, StoreError> {
        let (sql, after, limit) = page_query(after, limit);
        self.read_resources_with_props(&sql, &[&snapshot, &kind, &after, &limit], props)
    }

    fn resources_page_docs(
        &mut self,
        snapshot: i64,
        kind: &str,
        after: Option<&str>,
        limit: usize,
        props: Option<&[&str]>,
    ) -> Result<Option<Vec<(plumb_model::Resource, Doc)>>, StoreError> {
        let (sql, after, limit) = page_query(after, limit);
        self.read_resource_docs(&sql, &[&snapshot, &kind, &after, &limit], props)
            .map(Some)
    }

    fn resources_by_uid(
        &mut self,
        snapshot: i64,
        uids: &[&str],
    ) -> Result<Vec<plumb_model::Resource>, StoreError> {
        self.resources_by_uid_with_props(snapshot, uids, None)
    }

    fn resources_by_uid_with_props(
        &mut self,
        snapshot: i64,
        uids: &[&str],
        props: Option<&[&str]>,
    ) -> Result<Vec<plumb_model::Resource>, StoreError> {
        let mut out = Vec::with_capacity(uids.len());
        for batch in uids.chunks(500) {
            let marks: Vec<String> = (0..batch.len()).map(|i| format!("?{}", i + 2)).collect();
            let sql = format!(
                "SELECT {RESOURCE_COLUMNS} FROM resources WHERE snapshot_id = ?1 AND uid IN ({})",
                marks.join(", ")
            );
            let mut args: Vec<&dyn rusqlite::ToSql> = vec![&snapshot];
            args.extend(batch.iter().map(|u| u as &dyn rusqlite::ToSql));
            out.extend(self.read_resources_with_props(&sql, &args, props)?);
        }
        Ok(out)
    }

    fn load_meta(&mut self, snapshot: SnapshotRef) -> Result<Snapshot, StoreError> {
        let summary = self.summary(snapshot)?;
        let id = summary.id;
        let edges = self.read_edges(
            "SELECT from_uid, to_uid, relation FROM edges WHERE snapshot_id = ?1 ORDER BY from_uid, relation, to_uid",
            &[&id],
        )?;
        Ok(Snapshot {
            id,
            started_at: summary.started_at,
            finished_at: summary.finished_at,
            scope: summary.scope,
            coverage: summary.coverage,
            resources: Vec::new(),
            edges,
        })
    }

    fn query(&mut self, sql: &str) -> Result<QueryResult, StoreError> {
        // A separate read-only connection: the database itself refuses writes,
        // whatever the statement says.
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| self.err(e))?;
        conn.execute_batch("PRAGMA query_only = ON;")
            .map_err(|e| self.err(e))?;
        let mut stmt = conn
            .prepare(sql)
            .map_err(|e| StoreError::Query(e.to_string()))?;
        let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let n = columns.len();
        let mut rows = stmt
            .query([])
            .map_err(|e| StoreError::Query(e.to_string()))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| StoreError::Query(e.to_string()))? {
            let mut values = Vec::with_capacity(n);
            for i in 0..n {
                use rusqlite::types::ValueRef;
                let v = match row
                    .get_ref(i)
                    .map_err(|e| StoreError::Query(e.to_string()))?
                {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(i) => Value::from(i),
                    ValueRef::Real(f) => Value::from(f),
                    ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::String(format!("<{} bytes>", b.len())),
                };
                values.push(v);
            }
            out.push(values);
        }
        Ok(QueryResult { columns, rows: out })
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn save_findings(
        &mut self,
        snapshot: i64,
        findings: &[plumb_model::Finding],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = |e| sqlite_err(&path, e);
        let tx = self.conn.transaction().map_err(e)?;
        tx.execute("DELETE FROM findings WHERE snapshot_id = ?1", [snapshot])
            .map_err(e)?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO findings (snapshot_id, check_id, status, severity, resource_uid, finding)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(e)?;
            for f in findings {
                insert
                    .execute(params![
                        snapshot,
                        f.check_id(),
                        f.status.as_str(),
                        f.severity().as_str(),
                        f.resource_uid(),
                        json_text(f, "finding")?
                    ])
                    .map_err(e)?;
            }
        }
        tx.commit().map_err(e)
    }

    fn save_context(&mut self, snapshot: i64, context: &Value) -> Result<(), StoreError> {
        let text = json_text(context, "context")?;
        self.conn
            .execute(
                "INSERT INTO context (snapshot_id, context) VALUES (?1, ?2)
                 ON CONFLICT (snapshot_id) DO UPDATE SET context = excluded.context",
                params![snapshot, text],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn append_fix_log(&mut self, entry: &crate::FixLogEntry) -> Result<i64, StoreError> {
        let text = json_text(entry, "fix log entry")?;
        self.conn
            .execute("INSERT INTO fix_log (entry) VALUES (?1)", [text])
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    fn update_fix_log(&mut self, id: i64, entry: &crate::FixLogEntry) -> Result<(), StoreError> {
        let text = json_text(entry, "fix log entry")?;
        self.conn
            .execute(
                "UPDATE fix_log SET entry = ?1 WHERE id = ?2",
                params![text, id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn fix_log(&mut self) -> Result<Vec<(i64, crate::FixLogEntry)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, entry FROM fix_log ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, text) = row.map_err(|e| self.err(e))?;
            let entry = serde_json::from_str(&text).map_err(|e| crate::corrupt("fix log", e))?;
            out.push((id, entry));
        }
        Ok(out)
    }

    fn context(&mut self, snapshot: i64) -> Result<Option<Value>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT context FROM context WHERE snapshot_id = ?1",
                [snapshot],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| crate::corrupt("context", e)))
            .transpose()
    }

    fn tickets(&mut self, system: &str) -> Result<Vec<Ticket>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT system, fingerprint, check_id, resource_uid, ticket_id, url, state,
                        snapshot_id, updated_at
                 FROM tickets WHERE system = ?1 ORDER BY fingerprint",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([system], |r| {
                Ok((
                    [
                        r.get::<_, String>(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ],
                    r.get::<_, i64>(7)?,
                    r.get::<_, String>(8)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (
                [system, fingerprint, check_id, resource_uid, ticket_id, url, state],
                snapshot_id,
                updated,
            ) = row.map_err(|e| self.err(e))?;
            out.push(Ticket {
                system,
                fingerprint,
                check_id,
                resource_uid,
                ticket_id,
                url,
                state: TicketState::parse(&state)?,
                snapshot_id,
                updated_at: parse_time(&updated, "a ticket's updated_at")?,
            });
        }
        Ok(out)
    }

    fn save_ticket(&mut self, t: &Ticket) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO tickets (system, fingerprint, check_id, resource_uid, ticket_id, url,
                                      state, snapshot_id, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (system, fingerprint) DO UPDATE SET
                     check_id = excluded.check_id, resource_uid = excluded.resource_uid,
                     ticket_id = excluded.ticket_id, url = excluded.url, state = excluded.state,
                     snapshot_id = excluded.snapshot_id, updated_at = excluded.updated_at",
                params![
                    t.system,
                    t.fingerprint,
                    t.check_id,
                    t.resource_uid,
                    t.ticket_id,
                    t.url,
                    t.state.as_str(),
                    t.snapshot_id,
                    t.updated_at.to_rfc3339()
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn findings(&mut self, snapshot: i64) -> Result<Vec<plumb_model::Finding>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT finding FROM findings WHERE snapshot_id = ?1 ORDER BY check_id, resource_uid")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([snapshot], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let text = row.map_err(|e| self.err(e))?;
            let value: Value =
                serde_json::from_str(&text).map_err(|e| corrupt("a stored finding", e))?;
            out.push(crate::finding_from_json(value)?);
        }
        Ok(out)
    }
}

pub(crate) fn not_found(snapshot: SnapshotRef, location: &str) -> StoreError {
    match snapshot {
        SnapshotRef::Latest => StoreError::NotFound(format!(
            "the store {location} holds no snapshot yet: run `plumb collect` first"
        )),
        SnapshotRef::Id(id) => StoreError::NotFound(format!("no snapshot {id} in {location}")),
    }
}
