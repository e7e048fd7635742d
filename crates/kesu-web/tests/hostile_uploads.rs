//! Hostile files posted to a running server (a real listener on 127.0.0.1): each is refused with
//! a 4xx naming the problem, nothing is saved, and the server goes on answering.
#![allow(
    clippy::unwrap_used,
    reason = "test fixtures: a failed set-up fails the test"
)]

mod common;

use common::{A, World};
use std::io::{Read, Write};
use std::net::SocketAddr;

/// One HTTP/1.1 request over a fresh connection; the status and the whole response.
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

/// Post `file` as the multipart form of an upload page (with the form token).
async fn post_file(
    addr: SocketAddr,
    cookie: &str,
    path: &str,
    file_name: &str,
    file: &[u8],
) -> (u16, String) {
    let (_, home) = get(addr, cookie, "/").await;
    let i = home.find("name=\"_csrf\" value=\"").unwrap() + 20;
    let token = &home[i..i + 64];
    let b = "BOUNDARYkesu";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{b}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n")
            .as_bytes(),
    );
    // The version the page showed (a fresh report's is 0): evidence changes the report, so it
    // carries the stale-tab check like a save.
    body.extend_from_slice(
        format!("--{b}\r\nContent-Disposition: form-data; name=\"version\"\r\n\r\n0\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={b}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    http(addr, head, body).await
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

/// The bulk-entry template's sheet with one cell in A1 and one in XFD1048576 (a few KB). Read
/// as a range it asks for 17 billion cells, 550 GB: before the bounded reader, the process
/// aborted and every user was cut off.
fn a1_and_xfd1048576() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("填报").unwrap();
    ws.write_string(0, 0, "报告编号").unwrap();
    ws.write_number(1_048_575, 16_383, 1.0).unwrap();
    wb.save_to_buffer().unwrap()
}

/// A workbook whose one extra part inflates 16 MB of spaces from a few KB.
fn zip_bomb(inner_name: &str) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in [
        ("[Content_Types].xml", b"<Types/>".to_vec()),
        (inner_name, vec![b' '; 16 << 20]),
    ] {
        w.start_file(name, opts).unwrap();
        w.write_all(&bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_a1_xfd1048576_workbook_gets_a_4xx_and_the_server_keeps_answering() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let (addr, stop) = start(&w).await;
        let cookie = w.login("a_reporter0").await;
        let round = w.rounds[A];
        let bytes = a1_and_xfd1048576();
        assert!(bytes.len() < 10_000, "{}", bytes.len());
        let (status, page) = post_file(
            addr,
            &cookie,
            &format!("/rounds/{round}/upload"),
            "填报.xlsx",
            &bytes,
        )
        .await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("XFD1048576"), "{page}");
        let (status, _) = get(addr, &cookie, &format!("/rounds/{round}")).await;
        assert_eq!(status, 200, "the server still answers");
        assert!(
            w.slots(A).await.iter().all(|s| s.version == 0),
            "nothing saved"
        );
        let _ = stop.send(());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zip_bomb_is_refused_at_bulk_entry_and_as_evidence() {
    kesu_store::testing::each_backend(|db| async move {
        let w = common::world(db).await;
        let (addr, stop) = start(&w).await;
        let cookie = w.login("a_reporter0").await;
        let round = w.rounds[A];
        let bomb = zip_bomb("xl/worksheets/sheet1.xml");
        assert!(bomb.len() < 200_000);
        let (status, page) = post_file(
            addr,
            &cookie,
            &format!("/rounds/{round}/upload"),
            "填报.xlsx",
            &bomb,
        )
        .await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("压缩炸弹"), "{page}");

        let unit = w.users["a_reporter0"].2.unwrap();
        let report = w
            .slots(A)
            .await
            .into_iter()
            .find(|s| s.unit_id == unit)
            .unwrap()
            .id;
        let (status, page) = post_file(
            addr,
            &cookie,
            &format!("/reports/{report}/attachments"),
            "证明材料.docx",
            &zip_bomb("word/document.xml"),
        )
        .await;
        assert_eq!(status, 422, "{page}");
        assert!(
            page.contains("证明材料.docx") && page.contains("压缩炸弹"),
            "{page}"
        );
        let stored = kesu_store::reporting::attachments(&w.db, report)
            .await
            .unwrap();
        assert!(stored.is_empty(), "nothing stored");
        let (status, _) = get(addr, &cookie, &format!("/reports/{report}")).await;
        assert_eq!(status, 200, "the server still answers");
        let _ = stop.send(());
    })
    .await;
}
