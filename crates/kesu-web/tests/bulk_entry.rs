//! Bulk entry: a unit downloads its template, fills it offline and uploads it; a clean file is
//! applied whole, a file with any bad row changes nothing and names every bad row.
#![allow(
    clippy::unwrap_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{A, World};
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn get_bytes(w: &World, cookie: &str, path: &str) -> (StatusCode, Vec<u8>) {
    let req = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let res = kesu_web::router(w.state.clone())
        .oneshot(req)
        .await
        .unwrap();
    let s = res.status();
    (
        s,
        res.into_body().collect().await.unwrap().to_bytes().to_vec(),
    )
}

async fn csrf(w: &World, cookie: &str) -> String {
    let (_, html) = w.page(cookie, "/").await;
    let i = html.find("name=\"_csrf\" value=\"").unwrap() + 20;
    html[i..i + 64].to_string()
}

async fn upload(
    w: &World,
    cookie: &str,
    round: i64,
    bytes: &[u8],
    dry_run: bool,
) -> (StatusCode, String) {
    let token = csrf(w, cookie).await;
    let b = "BOUNDARYkesu";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{b}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n")
            .as_bytes(),
    );
    if dry_run {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n1\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.xlsx\"\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    let req = Request::post(format!("/rounds/{round}/upload"))
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={b}"),
        )
        .body(Body::from(body))
        .unwrap();
    let res = kesu_web::router(w.state.clone())
        .oneshot(req)
        .await
        .unwrap();
    let s = res.status();
    let loc = res
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text =
        String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes()).into_owned();
    (s, if loc.is_empty() { text } else { loc })
}

/// Fill the template's 工作进展 column for every row, and mark the first row 提交.
fn fill(template: &[u8], bad_value: bool) -> Vec<u8> {
    use calamine::{Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(template)).unwrap();
    let reports = wb.worksheet_range("填报").unwrap();
    let values = wb.worksheet_range("量化指标").unwrap();
    let mut out = rust_xlsxwriter::Workbook::new();
    let copy = |ws: &mut rust_xlsxwriter::Worksheet, range: &calamine::Range<Data>| {
        for (r, row) in range.rows().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Data::Float(f) => {
                        ws.write_number(r as u32, c as u16, *f).unwrap();
                    }
                    Data::Empty => {}
                    other => {
                        ws.write_string(r as u32, c as u16, other.to_string())
                            .unwrap();
                    }
                }
            }
        }
    };
    let ws = out.add_worksheet();
    ws.set_name("填报").unwrap();
    copy(ws, &reports);
    for r in 1..reports.height() as u32 {
        ws.write_string(r, 6, "线下填写的进展").unwrap();
    }
    ws.write_string(1, 7, "提交").unwrap();
    let ws = out.add_worksheet();
    ws.set_name("量化指标").unwrap();
    copy(ws, &values);
    if values.height() > 1 {
        if bad_value {
            ws.write_string(1, 5, "很多").unwrap();
        } else {
            ws.write_number(1, 5, 12.0).unwrap();
        }
    } else if bad_value {
        // No targets for this unit: make a bad row in the first sheet instead.
        let ws = out.worksheet_from_name("填报").unwrap();
        ws.write_string(1, 7, "删除").unwrap();
    }
    out.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_clean_template_is_applied_whole_after_a_dry_run() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let user = "a_reporter0";
        let unit = w.users[user].2.unwrap();
        let c = w.login(user).await;
        let round = w.rounds[A];
        let (s, template) = get_bytes(&w, &c, &format!("/rounds/{round}/template.xlsx")).await;
        assert_eq!(s, StatusCode::OK);
        let filled = fill(&template, false);
        let (s, msg) = upload(&w, &c, round, &filled, true).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{msg}");
        let mine = |slots: Vec<kesu_store::reporting::Slot>| {
            slots
                .into_iter()
                .filter(|s| s.unit_id == unit)
                .collect::<Vec<_>>()
        };
        assert!(
            mine(w.slots(A).await)
                .iter()
                .all(|s| s.state == "not_started"),
            "a dry run changes nothing"
        );
        let (s, _) = upload(&w, &c, round, &filled, false).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let after = mine(w.slots(A).await);
        assert_eq!(after[0].state, "submitted");
        assert!(after[1..].iter().all(|s| s.state == "draft"));
    })
    .await;
}

#[tokio::test]
async fn a_template_with_a_bad_row_changes_nothing_and_names_the_row() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let user = "a_reporter0";
        let unit = w.users[user].2.unwrap();
        let c = w.login(user).await;
        let round = w.rounds[A];
        let (_, template) = get_bytes(&w, &c, &format!("/rounds/{round}/template.xlsx")).await;
        let (s, page) = upload(&w, &c, round, &fill(&template, true), false).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("第 2 行"), "{page}");
        let slots: Vec<_> = w
            .slots(A)
            .await
            .into_iter()
            .filter(|s| s.unit_id == unit)
            .collect();
        assert!(
            slots
                .iter()
                .all(|s| s.state == "not_started" && s.version == 0)
        );
    })
    .await;
}
