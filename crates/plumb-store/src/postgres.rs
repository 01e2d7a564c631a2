//! The PostgreSQL backend, for teams that keep many snapshots or query them
//! from other tools: props and tags are JSONB, bulk rows go in with COPY.

use std::io::Write;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use plumb_model::{Coverage, CoverageStatus, Edge, Resource, Scope, Snapshot, SnapshotSummary};
use postgres::{Client, NoTls, SimpleQueryMessage};
use serde_json::Value;

use crate::sqlite::not_found;
use crate::{
    corrupt, edge_from_row, json_text, latest_version, resource_from_row, Neighbours, QueryResult,
    ResourceFilter, SnapshotRef, Store, StoreError, Ticket, TicketState, MIGRATIONS,
};

/// A store in a PostgreSQL database.
pub struct PostgresStore {
    client: Client,
    location: String,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/db`) and brings the
    /// schema up to date.
    pub fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let config = postgres::Config::from_str(url)?;
        let location = format!(
            "postgres://{}@{}/{}",
            config.get_user().unwrap_or("?"),
            config
                .get_hosts()
                .first()
                .map(|h| match h {
                    postgres::config::Host::Tcp(h) => h.clone(),
                    #[cfg(unix)]
                    postgres::config::Host::Unix(p) => p.display().to_string(),
                })
                .unwrap_or_default(),
            config.get_dbname().unwrap_or("")
        );
        let client = config.connect(NoTls)?;
        let mut store = PostgresStore { client, location };
        store.init()?;
        Ok(store)
    }

    fn init(&mut self) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        // One migrating process at a time.
        tx.execute("SELECT pg_advisory_xact_lock(7204551)", &[])?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version BIGINT PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL
             )",
        )?;
        let current: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations",
                &[],
            )?
            .get(0);
        if current > latest_version() {
            return Err(StoreError::SchemaTooNew {
                found: current,
                known: latest_version(),
            });
        }
        for m in MIGRATIONS.iter().filter(|m| m.version > current) {
            tx.batch_execute(m.postgres)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                &[&m.version, &Utc::now()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn coverage_of(&mut self, id: i64) -> Result<Vec<Coverage>, StoreError> {
        let rows = self.client.query(
            "SELECT account, region, service, status, error, error_code, missing_permission,
                    api_calls, resources, partial_resources
             FROM coverage WHERE snapshot_id = $1 ORDER BY account, region, service",
            &[&id],
        )?;
        Ok(rows
            .iter()
            .map(|r| Coverage {
                account: r.get(0),
                region: r.get(1),
                service: r.get(2),
                status: if r.get::<_, String>(3) == "ok" {
                    CoverageStatus::Ok
                } else {
                    CoverageStatus::Error
                },
                error: r.get(4),
                error_code: r.get(5),
                missing_permission: r.get(6),
                api_calls: r.get::<_, i64>(7) as u64,
                resources: r.get::<_, i64>(8) as u64,
                partial_resources: r.get::<_, i64>(9) as u64,
            })
            .collect())
    }

    fn summary_of(&mut self, id: i64) -> Result<Option<SnapshotSummary>, StoreError> {
        let Some(row) = self.client.query_opt(
            "SELECT started_at, finished_at, scope, resource_count, edge_count FROM snapshots WHERE id = $1",
            &[&id],
        )?
        else {
            return Ok(None);
        };
        let scope: Scope = serde_json::from_value(row.get(2))
            .map_err(|e| corrupt(format!("scope of snapshot {id}"), e))?;
        Ok(Some(SnapshotSummary {
            id,
            started_at: row.get(0),
            finished_at: row.get(1),
            scope,
            resources: row.get::<_, i64>(3) as u64,
            edges: row.get::<_, i64>(4) as u64,
            coverage: self.coverage_of(id)?,
        }))
    }

    fn read_resources(&mut self, rows: Vec<postgres::Row>) -> Result<Vec<Resource>, StoreError> {
        rows.into_iter()
            .map(|r| {
                let uid: String = r.get(0);
                let tags = serde_json::from_value(r.get::<_, Value>(6))
                    .map_err(|e| corrupt(format!("tags of {uid}"), e))?;
                resource_from_row(
                    uid,
                    r.get(1),
                    r.get(2),
                    r.get(3),
                    r.get(4),
                    r.get(5),
                    tags,
                    r.get::<_, Option<DateTime<Utc>>>(7),
                    r.get::<_, Value>(8),
                )
            })
            .collect()
    }

    fn read_edges(rows: Vec<postgres::Row>) -> Result<Vec<Edge>, StoreError> {
        rows.into_iter()
            .map(|r| edge_from_row(r.get(0), r.get(1), r.get::<_, &str>(2)))
            .collect()
    }
}

const RESOURCE_COLUMNS: &str =
    "uid, kind, provider, account, region, name, tags, created_at, props";

/// Escapes a value for COPY's text format.
fn copy_field(out: &mut Vec<u8>, value: Option<&str>) {
    let Some(value) = value else {
        out.extend_from_slice(b"\\N");
        return;
    };
    for b in value.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            other => out.push(other),
        }
    }
}

fn copy_row(out: &mut Vec<u8>, fields: &[Option<&str>]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        copy_field(out, *f);
    }
    out.push(b'\n');
}

fn copy_error(e: std::io::Error) -> StoreError {
    StoreError::Query(format!("COPY failed: {e}"))
}

impl Store for PostgresStore {
    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<i64, StoreError> {
        let mut tx = self.client.transaction()?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO snapshots (started_at, finished_at, scope, resource_count, edge_count)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    &snapshot.started_at,
                    &snapshot.finished_at,
                    &serde_json::to_value(&snapshot.scope).map_err(|e| corrupt("scope", e))?,
                    &(snapshot.resources.len() as i64),
                    &(snapshot.edges.len() as i64),
                ],
            )?
            .get(0);
        let id_text = id.to_string();
        for c in &snapshot.coverage {
            tx.execute(
                "INSERT INTO coverage (snapshot_id, account, region, service, status, error, error_code,
                    missing_permission, api_calls, resources, partial_resources)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    &id,
                    &c.account,
                    &c.region,
                    &c.service,
                    &c.status.as_str(),
                    &c.error,
                    &c.error_code,
                    &c.missing_permission,
                    &(c.api_calls as i64),
                    &(c.resources as i64),
                    &(c.partial_resources as i64),
                ],
            )?;
        }

        let mut buf = Vec::with_capacity(1 << 20);
        {
            let mut writer = tx.copy_in(
                "COPY resources (snapshot_id, uid, kind, provider, account, region, name, tags, created_at, props) FROM STDIN",
            )?;
            for r in crate::in_read_order(&snapshot.resources) {
                let tags = json_text(&r.tags, "tags")?;
                let props = json_text(&r.props, "props")?;
                let created = r.created_at.map(|t| t.to_rfc3339());
                copy_row(
                    &mut buf,
                    &[
                        Some(&id_text),
                        Some(&r.uid),
                        Some(&r.kind),
                        Some(&r.provider),
                        Some(&r.account),
                        Some(&r.region),
                        Some(&r.name),
                        Some(&tags),
                        created.as_deref(),
                        Some(&props),
                    ],
                );
                if buf.len() > 1 << 20 {
                    writer.write_all(&buf).map_err(copy_error)?;
                    buf.clear();
                }
            }
            writer.write_all(&buf).map_err(copy_error)?;
            buf.clear();
            writer.finish()?;
        }
        {
            let mut writer =
                tx.copy_in("COPY edges (snapshot_id, from_uid, to_uid, relation) FROM STDIN")?;
            for e in &snapshot.edges {
                copy_row(
                    &mut buf,
                    &[
                        Some(&id_text),
                        Some(&e.from),
                        Some(&e.to),
                        Some(e.relation.as_str()),
                    ],
                );
                if buf.len() > 1 << 20 {
                    writer.write_all(&buf).map_err(copy_error)?;
                    buf.clear();
                }
            }
            writer.write_all(&buf).map_err(copy_error)?;
            writer.finish()?;
        }
        tx.commit()?;
        Ok(id)
    }

    fn snapshots(&mut self) -> Result<Vec<SnapshotSummary>, StoreError> {
        let ids: Vec<i64> = self
            .client
            .query("SELECT id FROM snapshots ORDER BY id DESC", &[])?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(s) = self.summary_of(id)? {
                out.push(s);
            }
        }
        Ok(out)
    }

    fn resolve(&mut self, snapshot: SnapshotRef) -> Result<i64, StoreError> {
        let found: Option<i64> = match snapshot {
            SnapshotRef::Latest => self
                .client
                .query_one("SELECT MAX(id) FROM snapshots", &[])?
                .get(0),
            SnapshotRef::Id(id) => self
                .client
                .query_opt("SELECT id FROM snapshots WHERE id = $1", &[&id])?
                .map(|r| r.get(0)),
        };
        found.ok_or_else(|| not_found(snapshot, &self.location))
    }

    fn summary(&mut self, snapshot: SnapshotRef) -> Result<SnapshotSummary, StoreError> {
        let id = self.resolve(snapshot)?;
        self.summary_of(id)?
            .ok_or_else(|| not_found(snapshot, &self.location))
    }

    fn resources(
        &mut self,
        snapshot: i64,
        filter: &ResourceFilter,
    ) -> Result<Vec<Resource>, StoreError> {
        // Only the filters given, so that the (snapshot, kind) index serves
        // a kind.
        let mut sql = format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE snapshot_id = $1");
        let mut args: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![&snapshot];
        for (column, value) in [
            ("kind", &filter.kind),
            ("account", &filter.account),
            ("region", &filter.region),
        ] {
            if let Some(value) = value {
                args.push(value);
                sql.push_str(&format!(" AND {column} = ${}", args.len()));
            }
        }
        sql.push_str(" ORDER BY kind, uid");
        let rows = self.client.query(&sql, &args)?;
        self.read_resources(rows)
    }

    fn resource(&mut self, snapshot: i64, uid: &str) -> Result<Option<Resource>, StoreError> {
        let rows = self.client.query(
            &format!(
                "SELECT {RESOURCE_COLUMNS} FROM resources WHERE snapshot_id = $1 AND uid = $2"
            ),
            &[&snapshot, &uid],
        )?;
        Ok(self.read_resources(rows)?.into_iter().next())
    }

    fn neighbours(&mut self, snapshot: i64, uid: &str) -> Result<Neighbours, StoreError> {
        let outgoing = self.client.query(
            "SELECT from_uid, to_uid, relation FROM edges WHERE snapshot_id = $1 AND from_uid = $2 ORDER BY relation, to_uid",
            &[&snapshot, &uid],
        )?;
        let incoming = self.client.query(
            "SELECT from_uid, to_uid, relation FROM edges WHERE snapshot_id = $1 AND to_uid = $2 ORDER BY relation, from_uid",
            &[&snapshot, &uid],
        )?;
        Ok(Neighbours {
            outgoing: Self::read_edges(outgoing)?,
            incoming: Self::read_edges(incoming)?,
        })
    }

    fn uid_kinds(&mut self, snapshot: i64) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self
            .client
            .query(
                "SELECT uid, kind FROM resources WHERE snapshot_id = $1",
                &[&snapshot],
            )?
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    fn resources_page(
        &mut self,
        snapshot: i64,
        kind: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Resource>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let after = after.unwrap_or("");
        let rows = self.client.query(
            &format!(
                "SELECT {RESOURCE_COLUMNS} FROM resources
                  WHERE snapshot_id = $1 AND kind = $2 AND uid > $3 ORDER BY uid LIMIT $4"
            ),
            &[&snapshot, &kind, &after, &limit],
        )?;
        self.read_resources(rows)
    }

    fn resources_by_uid(
        &mut self,
        snapshot: i64,
        uids: &[&str],
    ) -> Result<Vec<Resource>, StoreError> {
        let rows = self.client.query(
            &format!(
                "SELECT {RESOURCE_COLUMNS} FROM resources WHERE snapshot_id = $1 AND uid = ANY($2)"
            ),
            &[&snapshot, &uids],
        )?;
        self.read_resources(rows)
    }

    fn load_meta(&mut self, snapshot: SnapshotRef) -> Result<Snapshot, StoreError> {
        let summary = self.summary(snapshot)?;
        let id = summary.id;
        let edges = self.client.query(
            "SELECT from_uid, to_uid, relation FROM edges WHERE snapshot_id = $1 ORDER BY from_uid, relation, to_uid",
            &[&id],
        )?;
        Ok(Snapshot {
            id,
            started_at: summary.started_at,
            finished_at: summary.finished_at,
            scope: summary.scope,
            coverage: summary.coverage,
            resources: Vec::new(),
            edges: Self::read_edges(edges)?,
        })
    }

    fn query(&mut self, sql: &str) -> Result<QueryResult, StoreError> {
        // A read-only transaction, rolled back: the server refuses writes.
        let mut tx = self.client.build_transaction().read_only(true).start()?;
        let messages = tx
            .simple_query(sql)
            .map_err(|e| StoreError::Query(db_message(&e)))?;
        let mut result = QueryResult::default();
        for m in messages {
            if let SimpleQueryMessage::Row(row) = m {
                if result.columns.is_empty() {
                    result.columns = row.columns().iter().map(|c| c.name().to_string()).collect();
                }
                result.rows.push(
                    (0..row.len())
                        .map(|i| {
                            row.get(i)
                                .map(|v| Value::String(v.to_string()))
                                .unwrap_or(Value::Null)
                        })
                        .collect(),
                );
            }
        }
        tx.rollback()?;
        Ok(result)
    }

    fn location(&self) -> String {
        self.location.clone()
    }

    fn save_findings(
        &mut self,
        snapshot: i64,
        findings: &[plumb_model::Finding],
    ) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        tx.execute("DELETE FROM findings WHERE snapshot_id = $1", &[&snapshot])?;
        let mut buf = Vec::with_capacity(1 << 20);
        let id = snapshot.to_string();
        {
            let mut writer =
                tx.copy_in("COPY findings (snapshot_id, check_id, status, severity, resource_uid, finding) FROM STDIN")?;
            for f in findings {
                let json = json_text(f, "finding")?;
                copy_row(
                    &mut buf,
                    &[
                        Some(&id),
                        Some(f.check_id()),
                        Some(f.status.as_str()),
                        Some(f.severity().as_str()),
                        Some(f.resource_uid()),
                        Some(&json),
                    ],
                );
                if buf.len() > 1 << 20 {
                    writer.write_all(&buf).map_err(copy_error)?;
                    buf.clear();
                }
            }
            writer.write_all(&buf).map_err(copy_error)?;
            writer.finish()?;
        }
        tx.commit()?;
        Ok(())
    }

    fn save_context(&mut self, snapshot: i64, context: &Value) -> Result<(), StoreError> {
        self.client.execute(
            "INSERT INTO context (snapshot_id, context) VALUES ($1, $2)
             ON CONFLICT (snapshot_id) DO UPDATE SET context = excluded.context",
            &[&snapshot, context],
        )?;
        Ok(())
    }

    fn append_fix_log(&mut self, entry: &crate::FixLogEntry) -> Result<i64, StoreError> {
        let doc = serde_json::to_value(entry).map_err(|e| crate::corrupt("fix log entry", e))?;
        let row = self.client.query_one(
            "INSERT INTO fix_log (entry) VALUES ($1) RETURNING id",
            &[&doc],
        )?;
        Ok(row.get(0))
    }

    fn update_fix_log(&mut self, id: i64, entry: &crate::FixLogEntry) -> Result<(), StoreError> {
        let doc = serde_json::to_value(entry).map_err(|e| crate::corrupt("fix log entry", e))?;
        self.client
            .execute("UPDATE fix_log SET entry = $1 WHERE id = $2", &[&doc, &id])?;
        Ok(())
    }

    fn fix_log(&mut self) -> Result<Vec<(i64, crate::FixLogEntry)>, StoreError> {
        let rows = self
            .client
            .query("SELECT id, entry FROM fix_log ORDER BY id", &[])?;
        rows.into_iter()
            .map(|r| {
                let entry = serde_json::from_value(r.get::<_, Value>(1))
                    .map_err(|e| crate::corrupt("fix log", e))?;
                Ok((r.get::<_, i64>(0), entry))
            })
            .collect()
    }

    fn context(&mut self, snapshot: i64) -> Result<Option<Value>, StoreError> {
        let row = self.client.query_opt(
            "SELECT context FROM context WHERE snapshot_id = $1",
            &[&snapshot],
        )?;
        Ok(row.map(|r| r.get::<_, Value>(0)))
    }

    fn tickets(&mut self, system: &str) -> Result<Vec<Ticket>, StoreError> {
        let rows = self.client.query(
            "SELECT system, fingerprint, check_id, resource_uid, ticket_id, url, state,
                    snapshot_id, updated_at
             FROM tickets WHERE system = $1 ORDER BY fingerprint",
            &[&system],
        )?;
        rows.into_iter()
            .map(|r| {
                Ok(Ticket {
                    system: r.get(0),
                    fingerprint: r.get(1),
                    check_id: r.get(2),
                    resource_uid: r.get(3),
                    ticket_id: r.get(4),
                    url: r.get(5),
                    state: TicketState::parse(r.get::<_, &str>(6))?,
                    snapshot_id: r.get(7),
                    updated_at: r.get(8),
                })
            })
            .collect()
    }

    fn save_ticket(&mut self, t: &Ticket) -> Result<(), StoreError> {
        self.client.execute(
            "INSERT INTO tickets (system, fingerprint, check_id, resource_uid, ticket_id, url,
                                  state, snapshot_id, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (system, fingerprint) DO UPDATE SET
                 check_id = excluded.check_id, resource_uid = excluded.resource_uid,
                 ticket_id = excluded.ticket_id, url = excluded.url, state = excluded.state,
                 snapshot_id = excluded.snapshot_id, updated_at = excluded.updated_at",
            &[
                &t.system,
                &t.fingerprint,
                &t.check_id,
                &t.resource_uid,
                &t.ticket_id,
                &t.url,
                &t.state.as_str(),
                &t.snapshot_id,
                &t.updated_at,
            ],
        )?;
        Ok(())
    }

    fn findings(&mut self, snapshot: i64) -> Result<Vec<plumb_model::Finding>, StoreError> {
        let rows = self.client.query(
            "SELECT finding FROM findings WHERE snapshot_id = $1 ORDER BY check_id, resource_uid",
            &[&snapshot],
        )?;
        rows.into_iter()
            .map(|r| crate::finding_from_json(r.get::<_, Value>(0)))
            .collect()
    }
}

fn db_message(e: &postgres::Error) -> String {
    e.as_db_error()
        .map(|d| d.message().to_string())
        .unwrap_or_else(|| e.to_string())
}
