//! What the steps share. A step is a list of changes (tables created, columns added, SQL run),
//! applied in order; its `down` drops the tables and columns it added, newest first, unless the
//! step says otherwise. Indexes are SQL that SQLite and PostgreSQL share, written out unquoted:
//! SQLite keeps a statement's text in its schema, so what a released step runs never changes.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend, util::get_file_stem};

/// One migration step, named after its file (`Step::new(file!())`).
pub(super) struct Step {
    name: &'static str,
    changes: Vec<Change>,
    undo: Undo,
    unbounded: bool,
}

/// One change of a step.
enum Change {
    /// `CREATE TABLE`, undone by dropping the table (and with it its indexes).
    Table(TableCreateStatement),
    /// `ALTER TABLE … ADD COLUMN`, one column a statement (all SQLite takes), undone by
    /// dropping the column.
    Column(&'static str, ColumnDef),
    /// A statement run as written: an index, a data fix. Dropping its table undoes it.
    Sql(String),
}

/// What a step's `down` does.
enum Undo {
    /// Drops the tables and columns the step added, the newest first.
    Drop,
    /// Runs these statements.
    Sql(Vec<String>),
    /// Refuses, saying why.
    Refuse(&'static str),
}

impl Step {
    /// A step with no change yet, named after `file` (the step's `file!()`).
    pub(super) fn new(file: &'static str) -> Self {
        Self {
            name: get_file_stem(file),
            changes: Vec::new(),
            undo: Undo::Drop,
            unbounded: false,
        }
    }

    /// Creates a table.
    pub(super) fn table(mut self, table: &mut TableCreateStatement) -> Self {
        self.changes.push(Change::Table(table.take()));
        self
    }

    /// Adds columns to `table`, one `ALTER TABLE` each.
    pub(super) fn columns(
        mut self,
        table: &'static str,
        columns: impl IntoIterator<Item = ColumnDef>,
    ) -> Self {
        let added = columns.into_iter().map(|c| Change::Column(table, c));
        self.changes.extend(added);
        self
    }

    /// Runs a statement (`index(…)`, a data fix).
    pub(super) fn run(mut self, sql: impl Into<String>) -> Self {
        self.changes.push(Change::Sql(sql.into()));
        self
    }

    /// `down` runs `sql` (each call adds one statement) instead of dropping what was added.
    pub(super) fn undo(mut self, sql: impl Into<String>) -> Self {
        match &mut self.undo {
            Undo::Sql(statements) => statements.push(sql.into()),
            undo => *undo = Undo::Sql(vec![sql.into()]),
        }
        self
    }

    /// `down` refuses with `reason`: the step cannot be undone.
    pub(super) fn irreversible(mut self, reason: &'static str) -> Self {
        self.undo = Undo::Refuse(reason);
        self
    }

    /// On PostgreSQL the step runs without the pool's statement timeout (`SET LOCAL`: its
    /// transaction alone), for work that may take longer, such as indexing a large table.
    pub(super) fn without_statement_timeout(mut self) -> Self {
        self.unbounded = true;
        self
    }
}

impl MigrationName for Step {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Step {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if self.unbounded && m.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("SET LOCAL statement_timeout = 0")
                .await?;
        }
        for change in &self.changes {
            match change {
                Change::Table(table) => m.create_table(table.clone()).await?,
                Change::Column(table, column) => {
                    let mut column = column.clone();
                    let add = Table::alter().table(*table).add_column(&mut column).take();
                    m.alter_table(add).await?;
                }
                Change::Sql(sql) => {
                    db.execute_unprepared(sql).await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match &self.undo {
            Undo::Refuse(reason) => Err(DbErr::Migration((*reason).into())),
            Undo::Sql(statements) => {
                for sql in statements {
                    m.get_connection().execute_unprepared(sql).await?;
                }
                Ok(())
            }
            Undo::Drop => {
                for change in self.changes.iter().rev() {
                    match change {
                        Change::Table(table) => {
                            if let Some(name) = table.get_table_name() {
                                m.drop_table(Table::drop().table(name.clone()).take())
                                    .await?;
                            }
                        }
                        Change::Column(table, column) => {
                            let name = column.get_column_name();
                            m.alter_table(Table::alter().table(*table).drop_column(name).take())
                                .await?;
                        }
                        Change::Sql(_) => {}
                    }
                }
                Ok(())
            }
        }
    }
}

/// `CREATE INDEX name ON on`, `on` being `table (columns)`.
pub(super) fn index(name: &str, on: &str) -> String {
    format!("CREATE INDEX {name} ON {on}")
}

/// `CREATE UNIQUE INDEX name ON on`, `on` being `table (columns)`.
pub(super) fn unique_index(name: &str, on: &str) -> String {
    format!("CREATE UNIQUE INDEX {name} ON {on}")
}

/// `index`, partial: only over the rows where `condition` holds.
pub(super) fn partial(index: String, condition: &str) -> String {
    format!("{index} WHERE {condition}")
}

/// `DROP INDEX name`.
pub(super) fn drop_index(name: &str) -> String {
    format!("DROP INDEX {name}")
}

/// A foreign key from `table (column)` to `target (target_column)`.
pub(super) fn foreign_key(
    table: &'static str,
    column: &'static str,
    target: &'static str,
    target_column: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(target, target_column)
        .take()
}
