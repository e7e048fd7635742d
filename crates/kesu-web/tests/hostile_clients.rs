//! No client can hold the others up, and nobody can keep an account out: slow bodies do not
//! stall writes, sign-in is throttled per address with one neutral answer, the owner signs in
//! while a stranger hammers the account, parallel guesses do not overrun the count, a password
//! change signs out every other session.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::{A, PASSWORD, World};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tokio::io::AsyncWriteExt;
use tower::ServiceExt;

const STRANGER: &str = "198.51.100.66:40000";
const OWNER: &str = "203.0.113.10:50000";

/// POST /api/v1/login from `peer`, with extra headers; status, headers and body.
async fn login_as(
    w: &World,
    peer: &str,
    extra: &[(&str, &str)],
    username: &str,
    password: &str,
) -> (StatusCode, HeaderMap, Value) {
    let peer: SocketAddr = peer.parse().unwrap();
    let mut req = Request::post("/api/v1/login")
        .header(header::CONTENT_TYPE, "application/json")
        .extension(ConnectInfo(peer));
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let body = json!({"username": username, "password": password}).to_string();
    let res = kesu_web::router(w.state.clone())
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let (parts, body) = res.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (parts.status, parts.headers, v)
}

async fn login_from(
    w: &World,
    peer: &str,
    username: &str,
    password: &str,
) -> (StatusCode, HeaderMap, Value) {
    login_as(w, peer, &[], username, password).await
}

fn cookie_of(h: &HeaderMap) -> String {
    let c = h.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    c.split(';').next().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_signed_in_write_completes_while_three_strangers_trickle_login_bodies() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let slot = w.slots(A).await.into_iter().next().unwrap();
        let reporter = w
            .users
            .iter()
            .find(|(_, (_, _, u))| *u == Some(slot.unit_id))
            .unwrap()
            .0
            .clone();
        let me = w.login(&reporter).await;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop_server, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(kesu_web::serve(listener, w.state.clone(), async {
            let _ = stopped.await;
        }));

        // Each stranger sends the headers of a login form and then its body a byte at a time,
        // until told to stop (or for at most 15 s, within the body deadline).
        let stop = Arc::new(AtomicBool::new(false));
        let started = Arc::new(AtomicUsize::new(0));
        let mut strangers = Vec::new();
        for _ in 0..3 {
            let (stop, started) = (stop.clone(), started.clone());
            strangers.push(tokio::spawn(async move {
                let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
                let head = "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                            Content-Type: application/x-www-form-urlencoded\r\n\
                            Content-Length: 200\r\n\r\n";
                s.write_all(head.as_bytes()).await.unwrap();
                for i in 0..50 {
                    if stop.load(Ordering::SeqCst) {
                        return true; // still trickling when told to stop
                    }
                    s.write_all(b"u").await.unwrap();
                    if i == 2 {
                        started.fetch_add(1, Ordering::SeqCst);
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                }
                false // the trickle ran to its end
            }));
        }
        while started.load(Ordering::SeqCst) < 3 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }

        let (s, v) = w
            .call(
                &me,
                "PUT",
                &format!("/api/v1/reports/{}", slot.id),
                Some(json!({"version": slot.version, "content": "不受慢速请求影响"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");

        stop.store(true, Ordering::SeqCst);
        for t in strangers {
            assert!(
                t.await.unwrap(),
                "the write waited until a stranger's trickle ended"
            );
        }
        let _ = stop_server.send(());
        server.await.unwrap().unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_stranger_guessing_is_throttled_with_a_neutral_answer_while_the_owner_signs_in() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        for _ in 0..5 {
            let (s, _, v) = login_from(&w, STRANGER, "a_viewer", "guess").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
            assert_eq!(v["error"]["code"], "bad_credentials");
        }
        // Even the right password from the stranger's address now waits: guessing from there
        // is over for the window, and the answer does not say whether the guess was right.
        let (s, h, v) = login_from(&w, STRANGER, "a_viewer", PASSWORD).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
        assert_eq!(v["error"]["code"], "throttled");
        let wait: u64 = h[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
        assert!((1..=15 * 60).contains(&wait), "{wait}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("分钟后再试")
        );

        // The owner, elsewhere, is not locked out.
        let (s, h, v) = login_from(&w, OWNER, "a_viewer", PASSWORD).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, _) = w.call(&cookie_of(&h), "GET", "/api/v1/me", None).await;
        assert_eq!(s, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn unknown_names_are_answered_and_throttled_exactly_like_known_ones() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let mut answers = Vec::new();
        for name in ["a_viewer", "no_such_user"] {
            let mut seen = Vec::new();
            for _ in 0..6 {
                let (s, _, v) = login_from(&w, STRANGER, name, "guess").await;
                seen.push((s, v["error"]["message"].clone()));
            }
            answers.push(seen);
        }
        assert_eq!(answers[0], answers[1]);
        assert_eq!(answers[0][5].0, StatusCode::TOO_MANY_REQUESTS);
    })
    .await;
}

#[tokio::test]
async fn the_login_page_answers_a_throttled_address_with_429_and_retry_after() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        for _ in 0..5 {
            login_from(&w, STRANGER, "a_admin", "guess").await;
        }
        let peer: SocketAddr = STRANGER.parse().unwrap();
        let req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .extension(ConnectInfo(peer))
            .body(Body::from("username=a_admin&password=x"))
            .unwrap();
        let res = kesu_web::router(w.state.clone())
            .oneshot(req)
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(res.headers().contains_key(header::RETRY_AFTER));
        let html = res.into_body().collect().await.unwrap().to_bytes();
        assert!(String::from_utf8_lossy(&html).contains("登录尝试过于频繁"));
    })
    .await;
}

#[tokio::test]
async fn an_address_failing_at_many_names_is_throttled_for_all_of_them() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        for i in 0..30 {
            let (s, _, _) = login_from(&w, STRANGER, &format!("spray{i}"), "123456").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        let (s, _, _) = login_from(&w, STRANGER, "b_viewer", PASSWORD).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        let (s, _, _) = login_from(&w, OWNER, "b_viewer", PASSWORD).await;
        assert_eq!(s, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_throttled_and_a_forged_header_does_not_help()
 {
    kesu_store::testing::each_backend(|db| async move {
        let mut w = common::world(db).await;
        w.state.trusted_proxies =
            Arc::new(kesu_web::client_ip::TrustedProxies::parse(&["10.0.0.0/8"]).unwrap());
        const PROXY: &str = "10.0.0.2:443";
        // The stranger rotates what it writes into X-Forwarded-For; the proxy appends the
        // address it really saw, which is the one counted.
        for i in 0..5 {
            let forged = format!("192.0.2.{i}, 198.51.100.66");
            let (s, _, _) = login_as(
                &w,
                PROXY,
                &[("x-forwarded-for", &forged)],
                "a_viewer",
                "guess",
            )
            .await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        let xff = [("x-forwarded-for", "192.0.2.99, 198.51.100.66")];
        let (s, _, _) = login_as(&w, PROXY, &xff, "a_viewer", PASSWORD).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        // Another client behind the same proxy is another address.
        let xff = [("x-forwarded-for", "203.0.113.10")];
        let (s, _, _) = login_as(&w, PROXY, &xff, "a_viewer", PASSWORD).await;
        assert_eq!(s, StatusCode::OK);
        let log = kesu_store::accounts::login_log(&w.db, Some("a_viewer"), 1)
            .await
            .unwrap();
        assert_eq!(log[0].ip.as_deref(), Some("203.0.113.10"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_twenty_parallel_wrong_passwords_exactly_five_are_checked() {
    kesu_store::testing::each_backend(|db| async move {
        let w = Arc::new(common::world(db).await);
        let guesses: Vec<_> = (0..20)
            .map(|i| {
                let w = w.clone();
                tokio::spawn(async move {
                    login_from(&w, STRANGER, "a_reviewer", &format!("guess{i}"))
                        .await
                        .0
                })
            })
            .collect();
        let mut checked = 0;
        for g in guesses {
            match g.await.unwrap() {
                StatusCode::UNAUTHORIZED => checked += 1,
                StatusCode::TOO_MANY_REQUESTS => {}
                other => panic!("unexpected {other}"),
            }
        }
        assert_eq!(checked, 5);
        let log = kesu_store::accounts::login_log(&w.db, Some("a_reviewer"), 100)
            .await
            .unwrap();
        let bad = log.iter().filter(|e| e.outcome == "bad_password").count();
        assert_eq!(bad, 5);
    })
    .await;
}

#[tokio::test]
async fn a_password_change_signs_out_every_other_session_of_the_account() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let (_, h, _) = login_from(&w, OWNER, "a_admin", PASSWORD).await;
        let mine = cookie_of(&h);
        let (_, h, _) = login_from(&w, STRANGER, "a_admin", PASSWORD).await;
        let theirs = cookie_of(&h);
        let (_, me) = w.call(&mine, "GET", "/api/v1/me", None).await;
        assert_eq!(me["username"], "a_admin");

        // The form needs the session's CSRF token, found on the page.
        let (_, page) = w.page(&mine, "/account/password").await;
        let csrf = page
            .split("name=\"_csrf\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap()
            .to_string();
        let form =
            format!("_csrf={csrf}&current={PASSWORD}&new=another-horse-2&confirm=another-horse-2");
        let req = Request::post("/account/password")
            .header(header::COOKIE, &mine)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap();
        let res = kesu_web::router(w.state.clone())
            .oneshot(req)
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        let (s, _) = w.call(&theirs, "GET", "/api/v1/me", None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "the other session ended");
        let (s, _) = w.call(&mine, "GET", "/api/v1/me", None).await;
        assert_eq!(s, StatusCode::OK, "the one that changed it goes on");
        let (s, _, _) = login_from(&w, OWNER, "a_admin", "another-horse-2").await;
        assert_eq!(s, StatusCode::OK);
    })
    .await;
}
