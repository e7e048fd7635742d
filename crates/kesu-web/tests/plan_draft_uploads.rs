//! Hostile files brought as plans, to a running server (a real listener on 127.0.0.1): the
//! upload page and `POST /api/v1/plan-drafts` each answer a 4xx naming the file and the problem,
//! no draft is made, and the server goes on answering.
#![allow(
    clippy::unwrap_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

mod common;

use common::World;
use std::io::{Read, Write};
use std::net::SocketAddr;

/// One HTTP/1.1 request over a fresh connection: the status and the whole response.
async fn http(addr: SocketAddr, head: String, body: Vec<u8>) -> (u16, String) {
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(&body).unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        let text = String::from_utf8_lossy(&out).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (status, text)
    })
    .await
    .unwrap()
}

async fn get(addr: SocketAddr, cookie: &str, path: &str) -> (u16, String) {
    let head = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    );
    http(addr, head, Vec::new()).await
}

/// A multipart body with the form token (when given) and the file.
fn multipart(csrf: Option<&str>, file_name: &str, file: &[u8]) -> (String, Vec<u8>) {
    let b = "BOUNDARYkesuDraft";
    let mut body = Vec::new();
    if let Some(token) = csrf {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

async fn post(
    addr: SocketAddr,
    cookie: &str,
    path: &str,
    ct: &str,
    body: Vec<u8>,
) -> (u16, String) {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    http(addr, head, body).await
}

/// The file posted to the upload page (with the session's form token) and to the API.
async fn both(addr: SocketAddr, cookie: &str, name: &str, file: &[u8]) -> [(u16, String); 2] {
    let (_, page) = get(addr, cookie, "/plans/drafts").await;
    let i = page.find("name=\"_csrf\" value=\"").unwrap() + 20;
    let token = page[i..i + 64].to_string();
    let (ct, body) = multipart(Some(&token), name, file);
    let from_page = post(addr, cookie, "/plans/drafts", &ct, body).await;
    let (ct, body) = multipart(None, name, file);
    let from_api = post(addr, cookie, "/api/v1/plan-drafts", &ct, body).await;
    [from_page, from_api]
}

async fn start(w: &World) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = w.state.clone();
    tokio::spawn(async move {
        kesu_web::serve(listener, state, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    (addr, stop)
}

/// A .docx archive of the given parts, deflated.
fn docx_with(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const W: &str = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"";

/// A Word body whose document.xml inflates to 64 MB of spaces from a few tens of KB.
fn zip_bomb() -> Vec<u8> {
    let mut xml = format!("<w:document {W}><w:body>").into_bytes();
    xml.extend(std::iter::repeat_n(b' ', 64 << 20));
    xml.extend_from_slice(b"</w:body></w:document>");
    docx_with(&[("word/document.xml", xml)])
}

/// Tables nested in cells 20,000 deep around one paragraph.
fn deep_tables() -> Vec<u8> {
    let depth = 20_000;
    let xml = format!(
        "<w:document {W}><w:body>{}<w:p><w:r><w:t>1.开展科普活动。</w:t></w:r></w:p>{}</w:body></w:document>",
        "<w:tbl><w:tr><w:tc>".repeat(depth),
        "</w:tc></w:tr></w:tbl>".repeat(depth)
    );
    docx_with(&[("word/document.xml", xml.into_bytes())])
}

/// The billion laughs: an entity defined as ten of the one before, nine times over.
fn billion_laughs() -> Vec<u8> {
    let mut dtd = String::from("<!DOCTYPE w:document [<!ENTITY lol0 \"lol\">");
    for i in 1..10 {
        dtd.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&lol{};", i - 1).repeat(10)
        ));
    }
    dtd.push(']');
    dtd.push('>');
    let xml = format!(
        "<?xml version=\"1.0\"?>{dtd}<w:document {W}><w:body><w:p><w:r><w:t>1.&lol9;</w:t></w:r></w:p></w:body></w:document>"
    );
    docx_with(&[("word/document.xml", xml.into_bytes())])
}

/// A PNG image's first bytes.
fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend_from_slice(&[0u8; 200]);
    b
}

/// A task table whose sheet has one cell in A1 and one in XFD1048576: as a range, 17 billion
/// cells.
fn a1_and_xfd1048576() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "序号").unwrap();
    ws.write_number(1_048_575, 16_383, 1.0).unwrap();
    wb.save_to_buffer().unwrap()
}

/// What an answer says: the refusal above the upload form of a page, else the whole body (an
/// error page, the API's JSON).
fn message(answer: &str) -> &str {
    match answer.find("id=\"form-error\"") {
        Some(i) => &answer[i..i + answer[i..].find("</p>").unwrap_or(0)],
        None => answer,
    }
}

async fn no_draft_was_made(w: &World) {
    assert!(
        kesu_store::plan_drafts::list(&w.db, "", 10)
            .await
            .unwrap()
            .is_empty(),
        "no draft made"
    );
}

/// Each hostile file gets a 4xx on the page and from the API, naming the file and the problem;
/// the server answers the next request, and no draft is made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_plan_files_get_a_4xx_naming_the_file_and_the_server_keeps_answering() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let (addr, stop) = start(&w).await;
        let cookie = w.login("a_admin").await;
        let bomb = zip_bomb();
        assert!(bomb.len() < 200_000, "{}", bomb.len());
        let cases: [(&str, Vec<u8>, &str); 6] = [
            ("压缩炸弹.docx", bomb, "压缩"),
            ("嵌套表格.docx", deep_tables(), "嵌套"),
            ("实体膨胀.docx", billion_laughs(), "未找到方案内容"),
            ("图片改名.docx", png(), "PNG"),
            ("假的.pdf", b"%PDF-1.4\nnot really a pdf\n".to_vec(), "PDF"),
            ("任务分解表.xlsx", a1_and_xfd1048576(), "任务分解表.xlsx"),
        ];
        for (name, bytes, why) in cases {
            for (status, answer) in both(addr, &cookie, name, &bytes).await {
                assert!(
                    (400..500).contains(&status),
                    "{name}: {status} {}",
                    &answer[..answer.len().min(2000)]
                );
                let said = message(&answer);
                assert!(
                    said.contains(name) && said.contains(why),
                    "{name}: {}",
                    &answer[..answer.len().min(4000)]
                );
            }
            let (status, _) = get(addr, &cookie, "/plans/drafts").await;
            assert_eq!(status, 200, "the server still answers after {name}");
        }
        no_draft_was_made(&w).await;
        let _ = stop.send(());
    })
    .await;
}

/// A file over the upload limit is 413 naming it, on the page and from the API.
#[tokio::test]
async fn a_file_over_the_limit_is_413_naming_it() {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let cookie = w.login("a_admin").await;
        let (_, page) = w.page(&cookie, "/plans/drafts").await;
        let i = page.find("name=\"_csrf\" value=\"").unwrap() + 20;
        let token = page[i..i + 64].to_string();
        let huge = vec![b'x'; kesu_web::MAX_UPLOAD + 1024];
        for (path, csrf) in [
            ("/plans/drafts", Some(token.as_str())),
            ("/api/v1/plan-drafts", None),
        ] {
            let (ct, body) = multipart(csrf, "巨大方案.docx", &huge);
            let req = Request::post(path)
                .header("cookie", &cookie)
                .header("content-type", ct)
                .body(Body::from(body))
                .unwrap();
            let res = kesu_web::router(w.state.clone())
                .oneshot(req)
                .await
                .unwrap();
            let status = res.status();
            let body = res.into_body().collect().await.unwrap().to_bytes();
            let text = String::from_utf8_lossy(&body);
            assert_eq!(status, 413, "{path}: {text}");
            assert!(
                text.contains("巨大方案.docx") && text.contains("20 MB"),
                "{path}: {text}"
            );
        }
        no_draft_was_made(&w).await;
    })
    .await;
}
