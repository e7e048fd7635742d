//! Dispatch over the two backends, and row mapping without sqlx's derive (which would build the
//! SQLite driver a second time for the proc-macro crate).

/// Run `$body` with `$p` bound to the pool of whichever backend `$db` is. The body is compiled
/// once per backend, so `sqlx::query(..)` infers the database from the pool it is used with.
/// On PostgreSQL, inside a read replica's [`crate::replica::scope`], the pool is the replica's.
macro_rules! on_db {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite($p, _) => $body,
            $crate::Db::Postgres(primary) => {
                let routed = $crate::replica::reader(primary);
                let $p = &routed;
                $body
            }
        }
    };
}

/// Run `$body` with `$c` bound to `&mut Connection` of the transaction `$tx` (a `&mut Tx`).
/// Use `&mut *$c` for each query inside the body.
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t, _) => {
                let $c: &mut sqlx::SqliteConnection = &mut *t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $c: &mut sqlx::PgConnection = &mut *t;
                $body
            }
        }
    };
}

/// `impl FromRow` for both row types: each field is read from the column of the same name.
///
/// ```ignore
/// from_row!(Region { code: String, name: String, level: i32 });
/// ```
macro_rules! from_row {
    ($t:ident { $($f:ident : $ty:ty),* $(,)? }) => {
        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $t {
            fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row as _;
                Ok(Self { $($f: row.try_get::<$ty, _>(stringify!($f))?),* })
            }
        }
        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $t {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row as _;
                Ok(Self { $($f: row.try_get::<$ty, _>(stringify!($f))?),* })
            }
        }
    };
}
