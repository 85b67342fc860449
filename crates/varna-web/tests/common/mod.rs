//! What the web tests share: an app (store, application layer, demo people) and a
//! minimal browser — a cookie jar that GETs pages and POSTs their forms
//! through the router (`tower::oneshot`).
#![allow(unreachable_pub, dead_code)] // shared by the test files; each uses its own part

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;
use varna_store::{NewUser, Store};
use varna_web::{DemoPerson, WebConfig, router};
use varna_workflow::Role;

pub const KEY: &[u8] = b"web-test-key-web-test-key-web-te";

pub struct App {
    pub router: Router,
    pub store: Arc<Store>,
    _dir: tempfile::TempDir,
}

impl App {
    /// The folder the database file is in.
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }
}

pub fn person(id: &str, name: &str, role: Role, units: &[&str]) -> DemoPerson {
    DemoPerson {
        user_id: id.into(),
        name: name.into(),
        title: "Titel".into(),
        role,
        units: units.iter().map(|u| (*u).to_owned()).collect(),
    }
}

/// A store with two units and demo people for the roles the tests need.
pub async fn app() -> App {
    app_with(None).await
}

/// The same, with sign-in through `oidc` configured.
pub async fn app_with(oidc: Option<varna_web::oidc::Oidc>) -> App {
    app_on(oidc, &varna_testkit::shipped_catalog()).await
}

/// The same, with sign-in through `oidc` and the lifecycles of `catalog`.
pub async fn app_on(oidc: Option<varna_web::oidc::Oidc>, catalog: &varna_workflow::Catalog) -> App {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = varna_testkit::org::sqlite_store_with(
        dir.path(),
        "web.db",
        &[("linden", "aldreomsorg"), ("norr", "hemtjanst")],
        catalog,
    )
    .await;
    let people = vec![
        person("rep-linden", "Maja Lind", Role::Reporter, &["linden"]),
        person("um-linden", "Eva Berg", Role::UnitManager, &["linden"]),
        person("sas", "Karin Sand", Role::Sas, &[]),
        person("sas-utredare", "Nils Utred", Role::Sas, &[]),
        person("mas", "Mona Ahl", Role::Mas, &[]),
        person("namnd", "Lars Ordf", Role::Committee, &[]),
        person("granskare", "Greta Gran", Role::Auditor, &[]),
        person("systemforvaltare", "Sara Förvalt", Role::Admin, &[]),
    ];
    for p in &people {
        store
            .upsert_user(NewUser {
                id: p.user_id.clone(),
                name: p.name.clone(),
                title: p.title.clone(),
                roles: if p.units.is_empty() {
                    vec![(p.role, None)]
                } else {
                    p.units.iter().map(|u| (p.role, Some(u.clone()))).collect()
                },
            })
            .await
            .expect("user");
    }
    let router = router(WebConfig {
        app: Arc::new(varna_app::App::new(Arc::clone(&store), 60)),
        session_key: KEY.to_vec(),
        demo_people: people,
        secure_cookies: false,
        oidc,
        revocations: Arc::new(varna_api::auth::Revocations::backed_by(Arc::clone(&store))),
        public_form: true,
        trust_forwarded_for: false,
    });
    App {
        router,
        store,
        _dir: dir,
    }
}

/// A browser: a cookie jar and the last page.
pub struct Browser<'a> {
    pub app: &'a App,
    pub cookies: BTreeMap<String, String>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub headers: axum::http::HeaderMap,
    /// The body as text (pages); `bytes` holds it as sent (files).
    pub html: String,
    pub bytes: Vec<u8>,
}

impl Page {
    /// The value of the first `name="csrf"` hidden input.
    pub fn csrf(&self) -> String {
        hidden(&self.html, "csrf").expect("the page has a form with a CSRF token")
    }
}

pub fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

pub fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a App) -> Self {
        Browser {
            app,
            cookies: BTreeMap::new(),
        }
    }

    /// Sends `request` as a browser on this machine would: to the host
    /// `varna.test`, from a loopback address, a form post with its page's
    /// `Origin` (unless the request names another, or only a `Referer`).
    pub async fn send(&mut self, request: Request<Body>) -> Page {
        let (mut parts, body) = request.into_parts();
        parts
            .headers
            .entry(header::HOST)
            .or_insert(header::HeaderValue::from_static("varna.test"));
        if parts.method == axum::http::Method::POST && !parts.headers.contains_key(header::REFERER)
        {
            parts
                .headers
                .entry(header::ORIGIN)
                .or_insert(header::HeaderValue::from_static("http://varna.test"));
        }
        if parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .is_none()
        {
            parts
                .extensions
                .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                    [127, 0, 0, 1],
                    40_000,
                ))));
        }
        let request = Request::from_parts(parts, body);
        let response = self
            .app
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let set_cookies: Vec<String> = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().expect("ASCII").to_owned())
            .collect();
        for c in &set_cookies {
            let pair = c.split(';').next().expect("a pair");
            let (name, value) = pair.split_once('=').expect("name=value");
            if c.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let location = headers
            .get(header::LOCATION)
            .map(|v| v.to_str().expect("ASCII").to_owned());
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        Page {
            status,
            location,
            set_cookies,
            headers,
            html: String::from_utf8_lossy(&body).into_owned(),
            bytes: body.to_vec(),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .expect("request");
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_with(path, fields, &[]).await
    }

    /// A form post with extra headers (another `Origin`, a proxy's …).
    pub async fn post_with(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let mut request = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Body::from(form_body(fields)))
            .expect("request");
        self.send(request).await
    }

    /// Files a complete avvikelse at Linden; the new case's id.
    pub async fn file_avvikelse(&mut self) -> String {
        self.file(
            "/cases/new",
            &[
                ("what_happened", "Brukaren fick inte sin insats på kvällen"),
                ("occurred_on", "2026-11-20"),
                ("category", "brist_vid_genomforande_av_insats"),
            ],
        )
        .await
    }

    /// Files a lex Sarah (SoL) or lex Maria (HSL) report at Linden, as far
    /// as the person knows it: what happened, when it happened and was
    /// noticed, and the person's gender; the new case's id.
    pub async fn file_report(&mut self, workflow: &str) -> String {
        let lagrum = if workflow == "lex-maria" {
            "HSL"
        } else {
            "SoL"
        };
        self.file(
            &format!("/cases/new/{workflow}"),
            &[
                ("lagrum", lagrum),
                (
                    "what_happened",
                    "Brukaren lämnades ensam utan larm under natten",
                ),
                ("occurred_on", "2026-11-20"),
                ("noticed_on", "2026-11-21"),
                ("affected_gender", "kvinna"),
            ],
        )
        .await
    }

    /// Sends the filing form at `path` for Linden with `fields`; the new
    /// case's id.
    pub async fn file(&mut self, path: &str, fields: &[(&str, &str)]) -> String {
        let form = self.get(path).await;
        assert_eq!(form.status, StatusCode::OK, "{path}: {}", form.html);
        let csrf = form.csrf();
        let mut all = vec![
            ("csrf", csrf.as_str()),
            ("unit", "linden"),
            ("lagrum", "SoL"),
        ];
        for (name, value) in fields {
            all.retain(|(n, _)| n != name);
            all.push((*name, *value));
        }
        let filed = self.post(path, &all).await;
        assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.html);
        let location = filed.location.expect("to the receipt");
        location
            .strip_prefix("/cases/")
            .and_then(|r| r.strip_suffix("/receipt"))
            .expect("/cases/{id}/receipt")
            .to_owned()
    }

    /// Opens the case page and sends the form of `transition` with `fields`.
    pub async fn act(&mut self, case: &str, transition: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(&format!("/cases/{case}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        assert!(
            page.html
                .contains(&format!("name=\"transition\" value=\"{transition}\"")),
            "{transition} is offered: {}",
            page.html
        );
        let csrf = page.csrf();
        let version = hidden(&page.html, "version").expect("the case version");
        let mut all = vec![
            ("csrf", csrf.as_str()),
            ("transition", transition),
            ("version", version.as_str()),
        ];
        all.extend_from_slice(fields);
        self.post(&format!("/cases/{case}/act"), &all).await
    }

    /// Adds a journal entry (a fact) on `topic` through the case page's form.
    pub async fn journal(&mut self, case: &str, topic: &str, text: &str) -> Page {
        self.journal_with(case, topic, text, &[]).await
    }

    /// The same, with `more` of the form's inputs (a structured entry's
    /// cause, owner, date or action).
    pub async fn journal_with(
        &mut self,
        case: &str,
        topic: &str,
        text: &str,
        more: &[(&str, &str)],
    ) -> Page {
        let page = self.get(&format!("/cases/{case}")).await;
        let csrf = page.csrf();
        let today = chrono::Utc::now().date_naive().to_string();
        let mut all = vec![
            ("csrf", csrf.as_str()),
            ("topic", topic),
            ("kind", "FACT"),
            ("text", text),
            ("source", "Samtal med personal"),
            ("documented_on", today.as_str()),
            ("author_name", "Karin Sand"),
            ("author_title", "SAS"),
        ];
        all.extend_from_slice(more);
        self.post(&format!("/cases/{case}/journal"), &all).await
    }

    /// Opens the sign-in page and picks `user`.
    pub async fn sign_in(&mut self, user: &str) {
        let page = self.get("/signin").await;
        assert_eq!(page.status, StatusCode::OK);
        let done = self
            .post("/signin", &[("csrf", &page.csrf()), ("user", user)])
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
        assert_eq!(done.location.as_deref(), Some("/"));
    }
}
