//! Plan drafts for the route tests: one in county A, one in county B and one in the city,
//! made through the use case as each office's upload would be.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "shared by several test binaries; a failed set-up fails the test"
)]

use super::objects::{Instance, Scope};
use super::{A, B, CITY, World};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use std::collections::BTreeMap;
use tower::ServiceExt;

/// region code → draft id
pub type Fixture = BTreeMap<String, i64>;

/// A draft of a small plan in each of A, B and the city.
pub async fn fixture(w: &World) -> Fixture {
    let mut out = Fixture::new();
    let ctx = kesu_app::Ctx::new(w.db.clone());
    for region in [A, B, CITY] {
        let text = format!(
            "草稿{region}科学素质工作要点\n一、重点任务\n1.开展科普活动10场以上。（区科协负责）\n2.建设科普基地。（区教育局牵头）\n"
        );
        let upload = kesu_app::plans::read::read_upload(text.as_bytes(), "要点.txt").unwrap();
        let v = kesu_app::plans::drafts::create(
            &ctx,
            &kesu_app::Caller::operator(),
            upload,
            Some(region),
        )
        .await
        .unwrap();
        out.insert(region.to_string(), v.id);
    }
    out
}

/// The drafts as objects of a route: an office admin covering the region works on one.
pub fn instances(f: &Fixture) -> Vec<Instance> {
    f.iter()
        .map(|(region, id)| Instance {
            label: format!("draft of {region}"),
            params: BTreeMap::from([("id", id.to_string()), ("index", "0".to_string())]),
            plan_in_body: None,
            form: BTreeMap::new(),
            scope: Scope::Owned {
                region: region.clone(),
                units: Vec::new(),
            },
        })
        .collect()
}

// ------------------------------------------------------------------ requests of the draft tests

/// A new plan of county A: one unit name misspelt (区教肓局), one task without units.
pub const NEW_PLAN: &str = "娄星区2025年科普工作要点\n\
    一、重点工作\n\
    1.开展科技活动周活动，全年不少于20场次。（区科协牵头，区教肓局配合）\n\
    2.建设科普e站10个以上。（区科协负责）\n\
    3.组织科普讲解大赛。\n";

/// A minimal Word document with one paragraph per line.
pub fn docx_of(text: &str) -> Vec<u8> {
    use std::io::Write;
    let body: String = text
        .lines()
        .map(|l| format!("<w:p><w:r><w:t xml:space=\"preserve\">{l}</w:t></w:r></w:p>"))
        .collect();
    let xml = format!(
        "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(xml.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

/// A multipart body: text fields, then the file.
pub fn multipart(fields: &[(&str, &str)], file: (&str, &[u8])) -> (String, Vec<u8>) {
    let b = "kesuDRAFT";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            file.0
        )
        .as_bytes(),
    );
    body.extend_from_slice(file.1);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

pub struct Answer {
    pub status: StatusCode,
    pub location: String,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub async fn send(
    w: &World,
    cookie: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Answer {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, cookie);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = kesu_web::router(w.state.clone())
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer {
        status,
        location,
        body,
    }
}

/// Upload through the API; the answer.
pub async fn upload(
    w: &World,
    cookie: &str,
    name: &str,
    bytes: &[u8],
    region: Option<&str>,
) -> Answer {
    let fields: Vec<(&str, &str)> = region.map(|r| ("region", r)).into_iter().collect();
    let (ct, body) = multipart(&fields, (name, bytes));
    send(
        w,
        cookie,
        "POST",
        "/api/v1/plan-drafts",
        &[("content-type", &ct)],
        body,
    )
    .await
}

pub async fn put_plan(w: &World, cookie: &str, id: i64, plan: &Value) -> Answer {
    send(
        w,
        cookie,
        "PUT",
        &format!("/api/v1/plan-drafts/{id}"),
        &[("content-type", "application/json")],
        plan.to_string().into_bytes(),
    )
    .await
}

/// The session's form token, from a page's hidden field.
pub async fn csrf(w: &World, cookie: &str) -> String {
    let (_, html) = w.page(cookie, "/account/password").await;
    let at = html.find("name=\"_csrf\" value=\"").unwrap() + "name=\"_csrf\" value=\"".len();
    html[at..at + 64].to_string()
}

pub fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", kesu_web::pages::percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

pub async fn post_form(w: &World, cookie: &str, path: &str, pairs: &[(&str, &str)]) -> Answer {
    send(
        w,
        cookie,
        "POST",
        path,
        &[("content-type", "application/x-www-form-urlencoded")],
        form(pairs),
    )
    .await
}

pub async fn world(db: kesu_store::Db) -> World {
    let w = super::world(db).await;
    super::scope::store_regions(&w.db).await;
    w
}

pub fn messages(draft: &Value) -> Vec<String> {
    draft["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            format!(
                "{} @ {}",
                w["message"].as_str().unwrap(),
                w["path"].as_str().unwrap()
            )
        })
        .collect()
}

/// The units of a stored task by role: role → names.
pub fn units_by_role(task: &Value, role: &str) -> Vec<String> {
    task["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["role"] == role)
        .map(|u| u["unit_name"].as_str().unwrap().to_string())
        .collect()
}
