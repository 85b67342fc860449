//! The web interface in a real browser: headless Chromium, driven through
//! chromedriver (WebDriver), against `varna serve --demo` on a loopback
//! port. One case is walked from avvikelse to the committee's IVO decision
//! by the people who do each step, the auditor then reads it, and every
//! page is photographed (target/browser-artifacts/*.png) and checked with
//! axe-core for serious accessibility violations (WCAG 2.1 A/AA rules).
//!
//! Needs Debian's `chromium` and `chromium-driver`, and axe-core from npm
//! (`.ci/run` installs all three; see the README). Without them the test
//! says loudly that it is skipped, unless `CI=true` (as in `.ci/run`) or
//! `VARNA_REQUIRE_BROWSER=1`, where a missing browser is a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Server;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const CHROMIUM: &[&str] = &["/usr/bin/chromium", "/usr/bin/chromium-browser"];
const DRIVER: &[&str] = &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];

fn first_existing(paths: &[&str]) -> Option<PathBuf> {
    paths.iter().map(PathBuf::from).find(|p| p.exists())
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// axe-core's browser bundle: `VARNA_AXE_JS`, or where `.ci/run` installs it.
fn axe_source() -> Option<String> {
    let candidates = [
        std::env::var_os("VARNA_AXE_JS").map(PathBuf::from),
        Some(target_dir().join("axe/node_modules/axe-core/axe.min.js")),
        Some(root().join("target/axe/node_modules/axe-core/axe.min.js")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find_map(|p| std::fs::read_to_string(p).ok())
}

/// Skips (loudly), or fails where skipping is not allowed.
fn missing(what: &str) {
    let message = format!(
        "SKIPPED browser test: {what} is not installed (apt-get install chromium chromium-driver; npm install --prefix target/axe axe-core)"
    );
    let required = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
        || std::env::var("VARNA_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{message}, and CI=true or VARNA_REQUIRE_BROWSER=1"
    );
    eprintln!("\n*** {message} ***\n");
}

/// chromedriver on a free loopback port, ended when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(binary: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A photo to attach: the smallest PNG, one transparent pixel.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82";

/// One browser session with the helpers the walk needs.
struct Browser {
    c: Client,
    base: String,
    artifacts: PathBuf,
    axe: String,
    shots: usize,
}

impl Browser {
    async fn css(&self, selector: &str) -> Element {
        match self
            .c
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(selector))
            .await
        {
            Ok(element) => element,
            Err(e) => panic!("no element {selector}: {e}\n{}", self.text().await),
        }
    }

    /// Every `<time datetime>` on the page shows its instant on Swedish
    /// clocks; the offsets from UTC seen, in hours.
    async fn times_are_swedish(&self) -> std::collections::BTreeSet<i32> {
        let pairs = self
            .c
            .execute(
                "return Array.from(document.querySelectorAll('time[datetime]'))
                    .map(t => [t.getAttribute('datetime'), t.textContent.trim()]);",
                vec![],
            )
            .await
            .expect("reads the times");
        let pairs: Vec<(String, String)> = serde_json::from_value(pairs).expect("pairs");
        assert!(!pairs.is_empty(), "no times on {}", self.path().await);
        let mut offsets = std::collections::BTreeSet::new();
        for (instant, shown) in pairs {
            let utc = chrono::DateTime::parse_from_rfc3339(&instant)
                .expect("an RFC 3339 instant")
                .with_timezone(&chrono::Utc);
            let local = varna_workflow::local::local(utc);
            assert_eq!(
                shown,
                local.format("%Y-%m-%d %H:%M").to_string(),
                "{instant} on {}",
                self.path().await
            );
            use chrono::Offset;
            offsets.insert(local.offset().fix().local_minus_utc() / 3600);
        }
        offsets
    }

    async fn text(&self) -> String {
        match self.c.find(Locator::Css("main")).await {
            Ok(main) => main.text().await.unwrap_or_default(),
            Err(_) => self.c.source().await.unwrap_or_default(),
        }
    }

    async fn path(&self) -> String {
        self.c.current_url().await.expect("a URL").path().to_owned()
    }

    async fn goto(&self, path: &str) {
        self.c
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }

    /// Clicks a submit button and waits for the next page to load.
    async fn submit(&self, button: &str) {
        let old = self.css("html").await;
        self.css(button).await.click().await.expect("clicks");
        let deadline = Instant::now() + Duration::from_secs(20);
        // The old document goes stale once the browser navigates.
        while old.tag_name().await.is_ok() {
            assert!(Instant::now() < deadline, "{button}: no new page");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.css("main").await;
    }

    async fn type_into(&self, selector: &str, text: &str) {
        self.css(selector)
            .await
            .send_keys(text)
            .await
            .expect("types");
    }

    async fn choose(&self, selector: &str, value: &str) {
        self.css(selector)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("{selector} = {value}: {e}"));
    }

    /// Date inputs take their keys in the browser's locale; set the value.
    async fn set_date(&self, selector: &str, date: &str) {
        self.css(selector).await;
        self.c
            .execute(
                "document.querySelector(arguments[0]).value = arguments[1];",
                vec![json!(selector), json!(date)],
            )
            .await
            .expect("sets the date");
    }

    /// A full-page screenshot in the artifacts folder.
    async fn shot(&mut self, name: &str) {
        self.shots += 1;
        let png = self.c.screenshot().await.expect("a screenshot");
        let path = self.artifacts.join(format!("{:02}-{name}.png", self.shots));
        std::fs::write(&path, png).expect("writes the screenshot");
    }

    /// Runs axe-core in the page; fails on any serious or critical violation.
    async fn accessible(&self, page: &str) {
        self.c
            .execute(&format!("{}\nreturn true;", self.axe), vec![])
            .await
            .expect("loads axe-core");
        let result = self
            .c
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                    .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5) }))))
                    .catch(e => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));",
                vec![],
            )
            .await
            .expect("axe-core runs");
        let serious: Vec<&Value> = result
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(
            serious.is_empty(),
            "{page}: accessibility violations: {serious:#?}"
        );
    }

    async fn sign_in(&mut self, user: &str) {
        self.goto("/signin").await;
        self.submit(&format!(
            "form:has(input[name=user][value='{user}']) button"
        ))
        .await;
        assert_eq!(self.path().await, "/", "signed in as {user}");
    }

    async fn sign_out(&self) {
        self.submit("form[action='/signout'] button").await;
        assert_eq!(self.path().await, "/signin");
    }

    /// Opens the form of `transition` on the current case page.
    async fn open_action(&self, transition: &str) {
        let details = format!("details:has(input[name=transition][value='{transition}'])");
        let open = self
            .css(&details)
            .await
            .attr("open")
            .await
            .expect("reads open");
        if open.is_none() {
            self.css(&format!("{details} > summary"))
                .await
                .click()
                .await
                .expect("opens");
        }
    }

    async fn act(&self, transition: &str) {
        self.submit(&format!(
            "details:has(input[name=transition][value='{transition}']) button[type=submit]"
        ))
        .await;
    }

    async fn add_entry(&self, topic: &str, text: &str) {
        self.open_journal().await;
        self.choose("#j-topic", topic).await;
        self.type_into("#j-text", text).await;
        self.type_into("#j-source", "Samtal med personal").await;
        self.submit("form[action$='/journal'] button[type=submit]")
            .await;
        assert!(
            self.text().await.contains(text),
            "the entry is in the journal"
        );
    }

    /// Opens the utredning journal's form, if it is closed.
    async fn open_journal(&self) {
        let details = "details:has(form[action$='/journal'])";
        if self
            .css(details)
            .await
            .attr("open")
            .await
            .expect("reads")
            .is_none()
        {
            self.css(&format!("{details} > summary"))
                .await
                .click()
                .await
                .expect("opens");
        }
    }
}

/// The demo server, chromedriver and a browser on it; `None` (skipped
/// loudly, or a failure in CI) without chromium, its driver or axe-core.
async fn open() -> Option<(Server, Driver, Browser)> {
    let Some(chromium) = first_existing(CHROMIUM) else {
        missing("chromium");
        return None;
    };
    let Some(driver_binary) = first_existing(DRIVER) else {
        missing("chromium-driver");
        return None;
    };
    let Some(axe) = axe_source() else {
        missing("axe-core");
        return None;
    };
    let server = Server::demo(None);
    let driver = Driver::start(&driver_binary);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1400", "--lang=sv-SE", "--no-first-run"],
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a browser session");
    let artifacts = target_dir().join("browser-artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifacts folder");
    let b = Browser {
        c: client,
        base: format!("http://127.0.0.1:{}", server.port),
        artifacts,
        axe,
        shots: 0,
    };
    Some((server, driver, b))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_work_a_case_from_avvikelse_to_the_ivo_decision_in_chromium() {
    let Some((server, driver, mut b)) = open().await else {
        return;
    };

    // Signed out, / leads to the demo sign-in page.
    b.goto("/").await;
    assert_eq!(b.path().await, "/signin");
    assert!(b.text().await.contains("Eva Berg"));
    b.shot("sign-in").await;
    b.accessible("sign-in").await;

    // The unit manager files an avvikelse; a missing date is shown at its field.
    b.sign_in("um-linden").await;
    b.shot("my-work-unit-manager").await;
    b.accessible("my work").await;
    b.submit_link("Rapportera avvikelse").await;
    b.choose("#unit", "linden").await;
    b.choose("#lagrum", "SoL").await;
    let what = "Brukaren fick inte sin kvällsinsats och satt uppe hela natten";
    b.type_into("#f-what_happened", what).await;
    b.choose("#f-category", "brist_vid_genomforande_av_insats")
        .await;
    b.type_into(
        "#f-immediate_actions",
        "Nattpersonal hjälpte brukaren i säng",
    )
    .await;
    b.submit("form[action='/cases/new'] button[type=submit]")
        .await;
    b.css("#f-occurred_on-error").await;
    let kept = b
        .css("#f-what_happened")
        .await
        .prop("value")
        .await
        .expect("value");
    assert_eq!(kept.as_deref(), Some(what), "the typed text is kept");
    b.shot("file-avvikelse-error").await;
    b.accessible("filing form with an error").await;
    b.set_date("#f-occurred_on", "2026-11-20").await;
    b.submit("form[action='/cases/new'] button[type=submit]")
        .await;
    assert!(b.path().await.ends_with("/receipt"));
    b.shot("receipt").await;
    b.accessible("receipt").await;
    b.submit_link("Öppna ärendet").await;
    let avvikelse = b.path().await;

    // … and escalates it to lex Sarah.
    b.open_action("escalate_to_lex_sarah").await;
    b.type_into(
        "#escalate_to_lex_sarah-escalation_reason",
        "Brukaren lämnades utan hjälp; kan vara ett missförhållande",
    )
    .await;
    b.choose("#escalate_to_lex_sarah-affected_gender", "kvinna")
        .await;
    b.shot("case-escalate").await;
    b.accessible("case page").await;
    b.act("escalate_to_lex_sarah").await;
    assert_eq!(b.path().await, avvikelse);
    assert!(b.text().await.contains("Överförd till lex Sarah"));
    let sarah = b
        .css("section[aria-labelledby=h-links] a")
        .await
        .attr("href")
        .await
        .expect("href")
        .expect("a link to the lex Sarah case");
    assert!(
        uuid::Uuid::parse_str(sarah.trim_start_matches("/cases/")).is_ok(),
        "no personal data in URLs: {sarah}"
    );
    b.sign_out().await;

    // The SAS names a colleague handläggare, who alone is told; times on
    // the page are Swedish local time (with summer time), not UTC.
    b.sign_in("sas-1").await;
    b.goto(&sarah).await;
    let opened = b.css("time").await.text().await.expect("the filing time");
    let filed_at = chrono::NaiveDateTime::parse_from_str(&opened, "%Y-%m-%d %H:%M")
        .expect("a time the page shows as YYYY-MM-DD HH:MM");
    let stockholm = varna_workflow::local::local(chrono::Utc::now()).naive_local();
    assert!(
        (stockholm - filed_at).num_minutes().abs() <= 5,
        "the case page shows {opened}; Stockholm time is {stockholm}"
    );
    b.times_are_swedish().await;
    // Across the summer-time change: cases filed in the last summer (UTC+2)
    // and the last winter (UTC+1) each show Swedish clock time.
    let today = varna_workflow::local::date(chrono::Utc::now());
    let year_of = |last_month: u32| {
        use chrono::Datelike;
        if today.month() > last_month {
            today.year()
        } else {
            today.year() - 1
        }
    };
    let summer = year_of(8);
    b.goto(&format!("/cases?from={summer}-06-01&to={summer}-08-31"))
        .await;
    let offsets = b.times_are_swedish().await;
    assert!(offsets.contains(&2), "summer cases at UTC+2: {offsets:?}");
    let winter = year_of(2);
    b.goto(&format!("/cases?from={winter}-01-01&to={winter}-02-28"))
        .await;
    let offsets = b.times_are_swedish().await;
    assert!(offsets.contains(&1), "winter cases at UTC+1: {offsets:?}");
    b.goto(&sarah).await;
    b.css("#assign > summary")
        .await
        .click()
        .await
        .expect("opens the naming form");
    b.choose("#assign-person", "sas-2").await;
    b.submit("form[action$='/assign'] button[type=submit]")
        .await;
    assert!(
        b.text().await.contains("Nils Utredare"),
        "{}",
        b.text().await
    );
    b.sign_out().await;
    b.sign_in("sas-2").await;
    b.goto("/notifications").await;
    assert!(
        b.text().await.contains("Du är utsedd till handläggare"),
        "{}",
        b.text().await
    );
    b.shot("notifications-handlaggare").await;
    b.sign_out().await;

    // The SAS acknowledges, investigates and rules "allvarligt missförhållande".
    b.sign_in("sas-1").await;
    b.goto(&sarah).await;
    b.open_action("acknowledge").await;
    b.act("acknowledge").await;
    for (topic, text) in [
        ("what_happened", "Kvällspasset var underbemannat"),
        ("consequences", "Brukaren satt uppe hela natten"),
        ("noticed_how", "Nattpersonalen upptäckte det kl. 23"),
        ("causes", "Sjukfrånvaro ersattes inte"),
        ("earlier_similar_events", "Inga tidigare liknande händelser"),
        ("recurrence_risk", "Hög utan ändrade rutiner"),
        ("immediate_actions", "Extra personal insatt samma vecka"),
        ("affected_person_view", "Brukaren kände sig bortglömd"),
    ] {
        b.add_entry(topic, text).await;
    }
    // The action names the cause it addresses (entry 4), its owner and date.
    b.open_journal().await;
    b.choose("#j-topic", "actions").await;
    b.type_into("#j-text", "Ny rutin för ersättare vid sjukfrånvaro")
        .await;
    b.type_into("#j-source", "Enhetschefens plan").await;
    b.choose("#j-addresses", "4").await;
    b.type_into("#j-owner", "Enhetschef Linden").await;
    b.set_date("#j-due-on", "2026-12-01").await;
    b.submit("form[action$='/journal'] button[type=submit]")
        .await;
    let page = b.text().await;
    assert!(page.contains("Åtgärdar orsak nr 4"), "{page}");
    b.shot("utredning-journal").await;
    b.accessible("the utredning with an action").await;
    b.open_action("document_protective_measures").await;
    b.act("document_protective_measures").await;
    b.open_action("complete_utredning").await;
    if b.c
        .find(Locator::Css("#complete_utredning-occurred_on"))
        .await
        .is_ok()
    {
        b.set_date("#complete_utredning-occurred_on", "2026-11-20")
            .await;
    }
    b.act("complete_utredning").await;
    b.open_action("propose_anmalan").await;
    b.css("#propose_anmalan-outcome-serious_missforhallande")
        .await
        .click()
        .await
        .expect("chooses");
    b.type_into(
        "#propose_anmalan-conclusion",
        "Allvarligt missförhållande: brukaren utsattes för fara",
    )
    .await;
    b.type_into(
        "#propose_anmalan-seriousness_reasons",
        "Brukaren lämnades utan tillsyn en hel natt",
    )
    .await;
    b.shot("ruling").await;
    b.accessible("ruling").await;
    b.act("propose_anmalan").await;
    assert!(b.text().await.contains("Allvarligt missförhållande"));
    b.sign_out().await;

    // The committee decides on the anmälan to IVO: its list is what awaits
    // its decision.
    b.sign_in("committee-1").await;
    assert!(
        b.text().await.contains("Beslut om anmälan till IVO"),
        "the committee's list: {}",
        b.text().await
    );
    b.css(&format!("a[href='{sarah}']")).await;
    b.shot("my-work-committee").await;
    b.goto("/notifications").await;
    assert!(b.text().await.contains("Steg taget"), "{}", b.text().await);
    b.accessible("notifications").await;
    b.goto(&sarah).await;
    b.open_action("decide_ivo_anmalan").await;
    b.type_into(
        "#decide_ivo_anmalan-decision_motivation",
        "Allvarligt missförhållande enligt utredningen",
    )
    .await;
    b.shot("ivo-decision").await;
    b.act("decide_ivo_anmalan").await;
    b.sign_out().await;

    // The SAS records the day the anmälan was sent; IVO's number comes later.
    b.sign_in("sas-1").await;
    b.goto(&sarah).await;
    b.open_action("register_ivo_anmalan").await;
    let today = varna_workflow::local::date(chrono::Utc::now()).to_string();
    b.set_date("#register_ivo_anmalan-anmalan_sent_on", &today)
        .await;
    b.choose("#register_ivo_anmalan-anmalan_channel", "e_tjanst")
        .await;
    b.act("register_ivo_anmalan").await;
    assert!(b.text().await.contains("Anmäld till IVO"));
    b.open_action("record_ivo_diarienummer").await;
    b.type_into(
        "#record_ivo_diarienummer-ivo_diarienummer",
        "IVO 8.1-12345/2026",
    )
    .await;
    b.act("record_ivo_diarienummer").await;
    assert!(b.text().await.contains("IVO 8.1-12345/2026"));
    // The anmälan as sent is frozen, with its SHA-256.
    assert!(
        b.text().await.contains("Låst och sparat"),
        "{}",
        b.text().await
    );
    // A scanned letter (here a photo) is added to the case, and opened.
    let png = b.artifacts.join("rum-12.png");
    std::fs::write(&png, PNG).expect("writes the photo");
    b.css("#attachment-file")
        .await
        .send_keys(&png.display().to_string())
        .await
        .expect("chooses the file");
    b.submit("form[action$='/attachments'] button[type=submit]")
        .await;
    assert!(b.text().await.contains("rum-12.png"), "{}", b.text().await);
    b.c.execute(
        "document.getElementById('h-attachments').scrollIntoView();",
        vec![],
    )
    .await
    .expect("scrolls");
    b.shot("attachment").await;
    b.accessible("a case with an attachment").await;
    let href = b
        .css("section[aria-labelledby=h-attachments] li a")
        .await
        .attr("href")
        .await
        .expect("href")
        .expect("a link to the file");
    let opened =
        b.c.execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => r.arrayBuffer().then(body =>
                 done([r.status, body.byteLength, r.headers.get('x-varna-sha256')])));",
            vec![json!(href)],
        )
        .await
        .expect("opens the file");
    assert_eq!(opened[0], json!(200));
    assert_eq!(opened[1], json!(PNG.len()));
    assert!(opened[2].as_str().is_some_and(|d| d.starts_with("sha256:")));
    b.sign_out().await;

    // The auditor reads the history, the chain status and the access log.
    b.sign_in("auditor-1").await;
    b.goto(&sarah).await;
    let page = b.text().await;
    assert!(page.contains("Händelsekedjan är obruten"), "{page}");
    assert!(
        page.contains("Besluta om anmälan till IVO"),
        "the history shows the decision"
    );
    assert!(
        page.contains("sas-1") && page.contains("committee-1"),
        "the access log: {page}"
    );
    assert!(
        page.contains("Öppnade en bilaga"),
        "the opening is logged: {page}"
    );
    b.shot("auditor-case").await;
    b.accessible("auditor's case page").await;
    b.c.execute(
        "document.getElementById('h-audit').scrollIntoView();",
        vec![],
    )
    .await
    .expect("scrolls");
    b.shot("auditor-access-log").await;
    // The case as it stood after its first event, and the log review.
    b.goto(&format!("{sarah}?vid=1")).await;
    assert!(
        b.text()
            .await
            .contains("Så här såg ärendet ut efter händelse 1"),
        "the case as it stood"
    );
    b.shot("auditor-as-it-stood").await;
    b.accessible("a case as it stood").await;
    b.goto("/audit/access").await;
    b.accessible("who read what").await;
    b.goto("/audit/review").await;
    b.shot("log-review").await;
    b.accessible("the log review").await;
    b.goto("/cases?kind=lex-sarah").await;
    b.shot("search").await;
    b.accessible("search").await;
    // By the case number people quote, and by the words of the report.
    let number: String = sarah
        .chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .chars()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<String>()
        .to_uppercase();
    b.goto(&format!("/cases?number={number}")).await;
    b.css(&format!("a[href='{sarah}']")).await;
    b.goto("/cases?text=KV%C3%84LLSINSATS").await;
    b.css(&format!("a[href='{avvikelse}']")).await;
    b.accessible("search by free text").await;
    b.goto("/report").await;
    b.shot("report").await;
    b.accessible("report page").await;

    // A reporter hears back: what they reported, where it stands, and the
    // feedback written for them when it closes.
    b.sign_out().await;
    b.sign_in("rep-linden").await;
    b.submit_link("Rapportera avvikelse").await;
    b.choose("#unit", "linden").await;
    b.choose("#lagrum", "SoL").await;
    b.type_into(
        "#f-what_happened",
        "Larmet på rum 4 fungerade inte under natten",
    )
    .await;
    b.set_date("#f-occurred_on", "2026-11-28").await;
    b.choose("#f-category", "brist_vid_genomforande_av_insats")
        .await;
    b.submit("form[action='/cases/new'] button[type=submit]")
        .await;
    b.submit_link("Öppna ärendet").await;
    let reported = b.path().await;
    b.sign_out().await;
    b.sign_in("um-linden").await;
    b.goto(&reported).await;
    b.open_action("start_investigation").await;
    b.act("start_investigation").await;
    b.open_action("report_actions").await;
    b.type_into("#report_actions-causes", "Larmet hade fel batteri")
        .await;
    b.type_into("#report_actions-actions", "Batterierna byts varje månad")
        .await;
    b.act("report_actions").await;
    b.open_action("assess_effect").await;
    b.type_into("#assess_effect-result", "Batterierna är bytta")
        .await;
    b.type_into("#assess_effect-effect_assessment", "Larmen fungerar")
        .await;
    b.act("assess_effect").await;
    b.sign_out().await;
    b.sign_in("sas-1").await;
    b.goto(&reported).await;
    b.open_action("close_social").await;
    b.type_into(
        "#close_social-closing_assessment",
        "Åtgärden har haft effekt",
    )
    .await;
    b.type_into(
        "#close_social-escalation_answer",
        "Ingen brukare kom till skada",
    )
    .await;
    let feedback = "Tack för din rapport! Batterierna i larmen byts nu varje månad.";
    b.type_into("#close_social-reporter_feedback", feedback)
        .await;
    b.act("close_social").await;
    b.sign_out().await;
    b.sign_in("rep-linden").await;
    assert!(
        b.text().await.contains("Återkoppling finns"),
        "{}",
        b.text().await
    );
    b.shot("reporter-home").await;
    b.accessible("the reporter's home").await;
    b.goto(&reported).await;
    assert!(b.text().await.contains(feedback), "{}", b.text().await);
    assert!(
        !b.text().await.contains("Avslutad Avslutat"),
        "the closing said once: {}",
        b.text().await
    );
    assert!(
        !b.text().await.contains("Larmet hade fel batteri"),
        "the reporter reads nothing else of the investigation"
    );
    b.shot("reporter-feedback").await;
    b.accessible("the reporter's case").await;

    // A report being written when the sign-in ends is not lost: it is kept,
    // and signing in again leads back to it with the text.
    b.sign_out().await;
    b.sign_in("um-linden").await;
    // A complaint that came in by phone, and a direct lex Maria report,
    // each from the menu.
    b.submit_link("Registrera klagomål").await;
    b.choose("#unit", "linden").await;
    b.choose("#lagrum", "SoL").await;
    b.choose("#f-received_how", "telefon").await;
    b.choose("#f-feedback_kind", "klagomal").await;
    b.choose("#f-sender_kind", "narstaende").await;
    b.set_date("#f-received_on", "2026-11-20").await;
    // Whether the sender wants a reply is asked yes or no; here: no.
    b.css("#f-wants_aterkoppling-no")
        .await
        .click()
        .await
        .expect("answers no");
    b.type_into(
        "#f-what_happened",
        "Dottern ringde: mamman fick inte sin medicin i tid",
    )
    .await;
    b.accessible("the complaint form").await;
    b.submit("form[action='/cases/new/klagomal'] button[type=submit]")
        .await;
    assert!(b.path().await.ends_with("/receipt"), "{}", b.text().await);
    assert!(b.text().await.contains("Klagomål och synpunkter"));
    b.submit_link("Rapportera enligt lex Maria").await;
    b.choose("#unit", "linden").await;
    b.type_into(
        "#f-what_happened",
        "Fel dos insulin gavs vid kvällsmedicineringen",
    )
    .await;
    b.set_date("#f-occurred_on", "2026-11-27").await;
    b.set_date("#f-noticed_on", "2026-11-27").await;
    b.choose("#f-affected_gender", "man").await;
    b.accessible("the lex Maria form").await;
    b.submit("form[action='/cases/new/lex-maria'] button[type=submit]")
        .await;
    assert!(b.path().await.ends_with("/receipt"), "{}", b.text().await);
    assert!(b.text().await.contains("Lex Maria"), "{}", b.text().await);
    b.goto("/cases/new").await;
    let draft = "Brukaren vägrade ta sina läkemedel vid lunch";
    b.type_into("#f-what_happened", draft).await;
    b.c.delete_cookie("varna_session")
        .await
        .expect("the sign-in ends");
    b.submit("form[action='/cases/new'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/signin");
    assert!(b.text().await.contains("det du skrev är sparat"));
    b.shot("draft-kept").await;
    b.accessible("sign-in with a kept draft").await;
    b.submit("form:has(input[name=user][value='um-linden']) button")
        .await;
    assert_eq!(b.path().await, "/cases/new", "back at the form");
    let restored = b
        .css("#f-what_happened")
        .await
        .prop("value")
        .await
        .expect("value");
    assert_eq!(restored.as_deref(), Some(draft));
    b.shot("draft-restored").await;
    b.accessible("a restored draft").await;

    // The systemförvaltare keeps the units: adds one, then closes it.
    b.sign_out().await;
    b.sign_in("admin-1").await;
    b.submit_link("Enheter").await;
    assert_eq!(b.path().await, "/admin/units");
    b.accessible("the units page").await;
    b.type_into("#u-name", "Korttidsboendet Björken").await;
    b.type_into("#u-id", "bjorken").await;
    b.choose("#u-area", "aldreomsorg").await;
    b.submit("input[name=action][value=add_unit] ~ button[type=submit]")
        .await;
    let page = b.text().await;
    assert!(
        page.contains("Ändringen är sparad.") && page.contains("Enhet tillagd bjorken"),
        "{page}"
    );
    b.submit("form:has(input[name=id][value=bjorken]) input[value=close_unit] ~ button")
        .await;
    assert!(b.text().await.contains("Enhet stängd bjorken"));
    b.shot("units").await;
    b.accessible("the units page after a change").await;

    // On a phone: a unit manager's work, and a case.
    b.sign_out().await;
    b.c.set_window_size(390, 844).await.expect("resizes");
    b.sign_in("um-linden").await;
    assert!(b.text().await.contains("Försenad") || b.text().await.contains("Nästa tidsgräns"));
    b.shot("my-work-phone").await;
    b.accessible("my work on a phone").await;
    b.goto(&avvikelse).await;
    b.shot("case-phone").await;
    b.accessible("a case on a phone").await;

    b.c.close().await.expect("closes the browser");
    drop(driver);
    server.stop();
}

impl Browser {
    /// Follows the link with this exact text and waits for the page.
    async fn submit_link(&self, text: &str) {
        let old = self.css("html").await;
        self.c
            .find(Locator::LinkText(text))
            .await
            .unwrap_or_else(|e| panic!("no link {text}: {e}"))
            .click()
            .await
            .expect("clicks");
        let deadline = Instant::now() + Duration::from_secs(20);
        while old.tag_name().await.is_ok() {
            assert!(Instant::now() < deadline, "{text}: no new page");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.css("main").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_sender_is_answered_through_the_receipt_code_in_chromium() {
    let Some((server, driver, mut b)) = open().await else {
        return;
    };
    let what = "Pappa fick vänta en timme på hjälp när han larmade i natt";
    let response = "Vi har gått igenom larmrutinen med nattpersonalen";
    let reply = "Tack. Det var natten mot söndag";

    // Without an account, on a phone: from the sign-in page to the form.
    b.c.set_window_size(390, 844).await.expect("resizes");
    b.goto("/signin").await;
    b.submit_link("Lämna ett klagomål eller en synpunkt utan att logga in")
        .await;
    assert_eq!(b.path().await, "/anonym");
    b.accessible("the public start page").await;
    b.submit_link("Lämna ett klagomål eller en synpunkt utan att ange ditt namn")
        .await;
    assert_eq!(b.path().await, "/anonym/klagomal");
    b.shot("public-form-phone").await;
    b.accessible("the public form").await;
    b.choose("#unit", "linden").await;
    b.css("#lagrum-SoL").await.click().await.expect("chooses");
    b.choose("#f-feedback_kind", "klagomal").await;
    b.css("#f-wants_aterkoppling")
        .await
        .click()
        .await
        .expect("chooses");
    // Sent without the text: the problem at its field, the choices kept.
    b.submit("form[action='/anonym/klagomal'] button[type=submit]")
        .await;
    b.css("#f-what_happened-error").await;
    b.accessible("the public form with an error").await;
    b.type_into("#f-what_happened", what).await;
    b.choose("#f-sender_says_they_are", "narstaende").await;
    // A form is taken no sooner than two seconds after it was served.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    b.submit("form[action='/anonym/klagomal'] button[type=submit]")
        .await;
    let code = b.css("#receipt-code").await.text().await.expect("the code");
    assert_eq!(code.len(), 24, "{code}");
    assert_eq!(b.path().await, "/anonym/klagomal", "no code in the address");
    b.shot("public-receipt").await;
    b.accessible("the receipt code").await;

    // The unit manager finds it and answers.
    b.c.set_window_size(1280, 1400).await.expect("resizes");
    b.sign_in("um-linden").await;
    b.goto("/cases?kind=klagomal&unit=linden").await;
    b.css("a.case-number").await.click().await.expect("opens");
    b.css("main").await;
    assert!(
        b.text().await.contains(what),
        "the newest complaint is ours"
    );
    b.open_action("ask_sender").await;
    b.type_into("#ask_sender-question_to_sender", "Vilken natt var det?")
        .await;
    b.act("ask_sender").await;
    b.open_action("start_investigation").await;
    b.act("start_investigation").await;
    b.open_action("answer").await;
    b.type_into(
        "#answer-investigation_result",
        "Larmet var felkopplat i rum 4",
    )
    .await;
    b.type_into("#answer-response", response).await;
    let today = varna_workflow::local::date(chrono::Utc::now()).to_string();
    b.set_date("#answer-response_sent_on", &today).await;
    b.act("answer").await;
    assert!(b.text().await.contains("Återkoppling given"));
    b.shot("public-case-staff").await;
    b.accessible("the complaint on the staff's case page").await;
    let case = b.path().await;
    b.sign_out().await;

    // Back with a guessed code: nothing. With the right one: the answer.
    b.goto("/anonym/folj").await;
    b.type_into("#code", "AAAA-BBBB-CCCC-DDDD-EEEE").await;
    b.submit("form[action='/anonym/folj'] button[type=submit]")
        .await;
    assert!(b.text().await.contains("Vi hittar inget ärende"));
    b.accessible("a wrong code").await;
    b.type_into("#code", &code.to_lowercase()).await;
    b.submit("form[action='/anonym/folj'] button[type=submit]")
        .await;
    let page = b.text().await;
    assert!(
        page.contains(response) && page.contains("Vilken natt var det?"),
        "{page}"
    );
    assert!(!page.contains("felkopplat"), "not the investigation");
    b.shot("public-answer").await;
    b.accessible("the sender's case").await;
    b.type_into("#text", reply).await;
    b.submit("form[action='/anonym/folj/lagg-till'] button[type=submit]")
        .await;
    let page = b.text().await;
    assert!(page.contains("tillagt") && page.contains(reply), "{page}");
    b.accessible("the sender's case after adding").await;

    // The auditor sees the sender's reads in the access log.
    b.sign_in("auditor-1").await;
    b.goto(&case).await;
    let page = b.text().await;
    assert!(page.contains("Läste med kvittokoden"), "{page}");
    assert!(page.contains(reply));

    b.c.close().await.expect("closes the browser");
    drop(driver);
    server.stop();
}
