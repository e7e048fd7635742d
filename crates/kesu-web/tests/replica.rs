//! Read replicas, against a real PostgreSQL primary and streaming standby: `scripts/replica.sh`
//! starts both and runs this file one test at a time (one test pauses the standby's replay).
//! Without `KESU_TEST_PG_REPLICA_URL` the tests say so and pass.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

mod common;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use common::{A, World};
use http_body_util::BodyExt;
use kesu_store::replica::Replicas;
use kesu_store::testing::{PG_URL_VAR, TestDb};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

const REPLICA_VAR: &str = "KESU_TEST_PG_REPLICA_URL";

/// A world on a fresh schema of the primary, with the standby as its read replica, caught up.
struct Setup {
    t: TestDb,
    w: World,
    set: Arc<Replicas>,
    /// The standby, reached directly (to look at it and to pause it).
    standby: sqlx::PgPool,
}

async fn setup() -> Option<Setup> {
    let primary = std::env::var(PG_URL_VAR).ok().filter(|u| !u.is_empty())?;
    let Some(replica) = std::env::var(REPLICA_VAR).ok().filter(|u| !u.is_empty()) else {
        eprintln!("{REPLICA_VAR} not set (scripts/replica.sh sets it): skipped");
        return None;
    };
    let t = TestDb::postgres(&primary).await.unwrap();
    // The same schema on the standby.
    let replica_url = t.url().replacen(&primary, &replica, 1);
    let mut w = common::world(t.db.clone()).await;
    let set = Arc::new(Replicas::new(&t.db, std::slice::from_ref(&replica_url)).unwrap());
    w.state.replicas = Some(set.clone());
    let standby = sqlx::PgPool::connect(&replica_url).await.unwrap();
    let _ = sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(&standby)
        .await;
    caught_up(&set).await;
    Some(Setup { t, w, set, standby })
}

/// Wait until the standby has replayed everything the primary has now.
async fn caught_up(set: &Replicas) {
    let lsn = set.primary_lsn().await.unwrap();
    for _ in 0..400 {
        if set.pick(Some(lsn)).await.is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the standby did not reach {lsn}");
}

async fn send(w: &World, req: Request<Body>) -> Response<Body> {
    kesu_web::router(w.state.clone())
        .oneshot(req)
        .await
        .unwrap()
}

fn read_from(res: &Response<Body>) -> Option<String> {
    res.headers()
        .get("x-kesu-read")
        .map(|v| v.to_str().unwrap().to_string())
}

/// The `kesu_lsn` cookie a write answered with.
fn lsn_cookie(res: &Response<Body>) -> String {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("kesu_lsn="))
        .expect("a write answers with the primary's WAL position")
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

async fn json_of(res: Response<Body>) -> Value {
    let b = res.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&b).unwrap_or(Value::Null)
}

fn get(path: &str, cookies: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookies)
        .body(Body::empty())
        .unwrap()
}

fn put_report(id: i64, cookies: &str, version: i64, content: &str) -> Request<Body> {
    Request::put(format!("/api/v1/reports/{id}"))
        .header(header::COOKIE, cookies)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"version": version, "content": content}).to_string(),
        ))
        .unwrap()
}

/// A reporter's sign-in and the lead report of its unit.
async fn reporter(w: &World) -> (String, i64) {
    let slot = w
        .slots(A)
        .await
        .into_iter()
        .find(|s| s.role == "lead")
        .unwrap();
    let user = w.reporter_of(slot.unit_id);
    (w.login(&user).await, slot.id)
}

#[tokio::test]
async fn a_dashboard_is_read_from_the_replica_while_a_save_goes_to_the_primary() {
    let Some(s) = setup().await else { return };
    let admin = s.w.login("a_admin").await;
    let (rep, report) = reporter(&s.w).await;
    caught_up(&s.set).await;
    let res = send(&s.w, get("/dashboard", &admin)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(read_from(&res).as_deref(), Some("replica"));
    // Its connections show there: the replica pool's sessions on the standby, in this schema.
    let on_standby: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'kesu-read'",
    )
    .fetch_one(&s.standby)
    .await
    .unwrap();
    assert!(on_standby > 0, "no kesu-read connection on the standby");
    // A save goes to the primary (the standby could not take it) and says where it got to.
    let res = send(&s.w, put_report(report, &rep, 0, "草稿一")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(read_from(&res).is_none(), "writes are not routed");
    assert!(lsn_cookie(&res).starts_with("kesu_lsn="));
    let kesu_store::Db::Postgres(primary) = &s.w.db else {
        unreachable!()
    };
    let saved: String = sqlx::query_scalar("SELECT content FROM report WHERE id = $1")
        .bind(report)
        .fetch_one(primary)
        .await
        .unwrap();
    assert_eq!(saved, "草稿一");
    // A page that is the user's own work reads the primary.
    let res = send(&s.w, get(&format!("/reports/{report}"), &rep)).await;
    assert_eq!(read_from(&res).as_deref(), Some("primary"));
    s.set.close().await;
    s.standby.close().await;
    s.t.cleanup().await;
}

#[tokio::test]
async fn a_users_own_save_is_read_back_even_while_the_replica_lags() {
    let Some(s) = setup().await else { return };
    let (rep, report) = reporter(&s.w).await;
    caught_up(&s.set).await;
    sqlx::query("SELECT pg_wal_replay_pause()")
        .execute(&s.standby)
        .await
        .unwrap();
    let res = send(&s.w, put_report(report, &rep, 0, "刚刚保存")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let lsn = lsn_cookie(&res);
    let with_lsn = format!("{rep}; {lsn}");
    let path = format!("/api/v1/reports/{report}");
    // With the write's position: the primary, and the save is there.
    let res = send(&s.w, get(&path, &with_lsn)).await;
    assert_eq!(read_from(&res).as_deref(), Some("primary"));
    assert_eq!(json_of(res).await["content"], "刚刚保存");
    // Without it (another client of the same account): the lagging standby, without the save.
    // This is what the cookie prevents.
    let res = send(&s.w, get(&path, &rep)).await;
    assert_eq!(read_from(&res).as_deref(), Some("replica"));
    assert_ne!(json_of(res).await["content"], "刚刚保存");
    sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(&s.standby)
        .await
        .unwrap();
    caught_up(&s.set).await;
    // Once replayed, the replica serves it, with the save.
    let res = send(&s.w, get(&path, &with_lsn)).await;
    assert_eq!(read_from(&res).as_deref(), Some("replica"));
    assert_eq!(json_of(res).await["content"], "刚刚保存");
    s.set.close().await;
    s.standby.close().await;
    s.t.cleanup().await;
}

#[tokio::test]
async fn with_the_primary_gone_reads_go_on_and_writes_answer_503() {
    let Some(s) = setup().await else { return };
    let admin = s.w.login("a_admin").await;
    let (rep, report) = reporter(&s.w).await;
    caught_up(&s.set).await;
    // The primary goes away (its pool closes: every query to it fails). Its health is
    // remembered for a second; a request that fails on it makes the server ask again at once,
    // as this does.
    s.w.db.close().await;
    s.set.recheck_primary();
    for (who, path) in [
        (&admin, "/dashboard".to_string()),
        (&admin, format!("/dashboard/plans/{}", s.w.plans[A])),
        (&admin, format!("/dashboard/regions/{A}")),
        (&rep, format!("/reports/{report}")),
        (&rep, format!("/api/v1/reports/{report}")),
    ] {
        let res = send(&s.w, get(&path, who)).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(read_from(&res).as_deref(), Some("replica"), "{path}");
    }
    let res = send(&s.w, put_report(report, &rep, 0, "保存不了")).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = json_of(res).await;
    assert!(
        body["error"]["message"].as_str().unwrap().contains("只读"),
        "{body}"
    );
    let res = send(&s.w, get("/readyz", "")).await;
    let status = res.status();
    let body = json_of(res).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "read-only");
    s.set.close().await;
    s.standby.close().await;
    // The primary's pool is closed; the schema is dropped through a new connection.
    s.t.cleanup().await;
}
