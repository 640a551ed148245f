//! The web in a real browser: Debian's headless Chromium driven over WebDriver
//! (chromedriver, `thirtyfour`). A new professional signs up, confirms by the mailed link,
//! signs in, edits the profile and headline, uploads an avatar, posts with an image,
//! features three posts and reorders them; a visitor then sees them in that order. Pages
//! are checked with axe-core (from npm, `tests/browser`) for serious or critical WCAG 2.1
//! A/AA violations, and screenshots at 1280 and 390 px wide are kept under
//! `target/screenshots/` as CI artefacts.
//!
//! Needs `chromium` and `chromium-driver` (Debian) and `npm ci` in `tests/browser`;
//! `.ci/run` installs both.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use thirtyfour::prelude::*;

use crate::mail::mailed_link;
use crate::support::*;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const PASSWORD: &str = "a long and careful passphrase";

/// chromedriver as a child process in a process group of its own, so that the Chromium it
/// starts goes with it even when a failing test never quits the session.
struct ChromeDriver {
    child: Child,
    url: String,
}

impl ChromeDriver {
    async fn start() -> ChromeDriver {
        assert!(
            Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists(),
            "the browser tests need Debian's chromium and chromium-driver: run .ci/run, or apt-get install chromium chromium-driver"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::os::unix::process::CommandExt::process_group(
            Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
            0,
        )
        .spawn()
        .unwrap();
        let driver = ChromeDriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        let status = format!("{}/status", driver.url);
        wait_until("chromedriver is ready", Duration::from_secs(20), || {
            let request = http.get(&status).timeout(Duration::from_secs(2)).send();
            async move {
                match request.await {
                    Ok(r) => r.text().await.is_ok_and(|t| t.contains("\"ready\":true")),
                    Err(_) => false,
                }
            }
        })
        .await;
        driver
    }

    async fn browser(&self) -> WebDriver {
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM).unwrap();
        for arg in [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
        ] {
            caps.add_arg(arg).unwrap();
        }
        WebDriver::new(&self.url, caps).await.unwrap()
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

fn png_width(png: &[u8]) -> u32 {
    assert_eq!(&png[1..4], b"PNG", "a PNG screenshot");
    u32::from_be_bytes(png[16..20].try_into().unwrap())
}

/// The page at 1280 and at 390 px wide (a phone: headless Chromium will not make its
/// window that narrow, so the device metrics are overridden), kept as CI artefacts.
async fn screenshots(driver: &WebDriver, name: &str) {
    let dir = target_dir().join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let wide = driver.screenshot_as_png().await.unwrap();
    assert_eq!(png_width(&wide), 1280);
    std::fs::write(dir.join(format!("{name}-1280.png")), &wide).unwrap();
    driver
        .cdp()
        .emulation()
        .set_device_metrics_override(390, 844, 1.0, true)
        .await
        .unwrap();
    let narrow = driver.screenshot_as_png().await.unwrap();
    assert_eq!(png_width(&narrow), 390);
    std::fs::write(dir.join(format!("{name}-390.png")), &narrow).unwrap();
    // Nothing may stick out sideways on a phone.
    let overflow: i64 = driver
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth",
            Vec::<Value>::new(),
        )
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert!(overflow <= 0, "{name} is {overflow} px too wide at 390 px");
    driver
        .cdp()
        .send_raw("Emulation.clearDeviceMetricsOverride", json!({}))
        .await
        .unwrap();
}

/// axe-core's serious and critical WCAG 2.1 A/AA violations on the current page. The
/// script is injected by WebDriver, which the page's Content-Security-Policy does not
/// govern (the page itself runs no inline script).
async fn accessibility_violations(driver: &WebDriver) -> Vec<String> {
    let axe = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&axe).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `npm ci` in tests/browser (.ci/run does)",
            axe.display()
        )
    });
    let loaded = driver
        .execute(
            format!("{source}\n;return typeof window.axe;"),
            Vec::<Value>::new(),
        )
        .await
        .unwrap();
    assert_eq!(loaded.json(), &json!("object"), "axe-core did not load");
    let result = driver
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, {
                   runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
                   resultTypes: ['violations']
               }).then(r => done({ ok: true, violations: r.violations }),
                       e => done({ ok: false, error: String(e) }));"#,
            Vec::<Value>::new(),
        )
        .await
        .unwrap();
    let result = result.json().clone();
    assert_eq!(result["ok"], true, "axe failed: {}", result["error"]);
    result["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .map(|v| {
            let nodes: Vec<String> = v["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["html"].as_str().unwrap_or_default().to_string())
                .collect();
            format!("{} [{}]: {} {nodes:?}", v["id"], v["impact"], v["help"])
        })
        .collect()
}

async fn assert_accessible(driver: &WebDriver, page: &str) {
    let violations = accessibility_violations(driver).await;
    assert!(violations.is_empty(), "{page}:\n{}", violations.join("\n"));
}

async fn fill(driver: &WebDriver, css: &str, text: &str) {
    let field = driver.find(By::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn submit(driver: &WebDriver, css: &str) {
    let button = driver.find(By::Css(css)).await.unwrap();
    click_and_load(driver, &button).await;
}

/// Press a button that sends a form, and wait for the page it leads to.
async fn click_and_load(driver: &WebDriver, button: &WebElement) {
    let page = driver.find(By::Tag("html")).await.unwrap();
    button.click().await.unwrap();
    page.wait_until().stale().await.unwrap();
}

async fn text_of(driver: &WebDriver, css: &str) -> String {
    driver
        .query(By::Css(css))
        .first()
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// A small PNG to upload, made here so the test needs no binary fixture.
fn picture(dir: &Path, name: &str, rgb: [u8; 3]) -> PathBuf {
    let path = dir.join(name);
    image::RgbImage::from_fn(96, 64, |x, y| {
        let shade = ((x + y) % 32) as u8;
        image::Rgb([
            rgb[0].saturating_add(shade),
            rgb[1],
            rgb[2].saturating_sub(shade),
        ])
    })
    .save(&path)
    .unwrap();
    path
}

async fn post_from_home(
    driver: &WebDriver,
    server: &TestServer,
    text: &str,
    image: Option<(&Path, &str)>,
) {
    driver.goto(server.url("/home")).await.unwrap();
    fill(driver, "#status", text).await;
    if let Some((path, description)) = image {
        driver
            .find(By::Css("#media"))
            .await
            .unwrap()
            .send_keys(path.to_string_lossy().as_ref())
            .await
            .unwrap();
        fill(driver, "#description", description).await;
    }
    submit(driver, "#compose button[type=submit]").await;
    assert_eq!(text_of(driver, "main .notice").await, "Posted.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_professional_builds_a_profile_and_showcase_that_a_visitor_sees() {
    let server = TestServer::start_with(&[("TESSERA_EMAIL_CONFIRMATION", "true")]).await;
    let chromedriver = ChromeDriver::start().await;
    let driver = chromedriver.browser().await;
    let started = Instant::now();
    let flow = async {
        // Sign up, with the rules' agreement.
        driver.goto(server.url("/auth/sign_up")).await?;
        assert_accessible(&driver, "sign-up").await;
        fill(&driver, "#username", "maya").await;
        fill(&driver, "#email", "maya@example.com").await;
        fill(&driver, "#password", PASSWORD).await;
        fill(&driver, "#password_confirmation", PASSWORD).await;
        driver.find(By::Css("#agreement")).await?.click().await?;
        submit(&driver, "main form button[type=submit]").await;
        assert_eq!(text_of(&driver, "main h1").await, "Check your e-mail");

        // Confirm by the link the mail queue wrote.
        let link = mailed_link(&server, &format!("{}/auth/confirmation?confirmation_token=", server.base)).await;
        driver.goto(&link).await?;
        assert_eq!(text_of(&driver, "main h1").await, "Address confirmed");

        // Sign in.
        driver.goto(server.url("/auth/sign_in")).await?;
        assert_accessible(&driver, "sign-in").await;
        screenshots(&driver, "sign-in").await;
        fill(&driver, "#login", "maya").await;
        fill(&driver, "#password", PASSWORD).await;
        submit(&driver, "main form button[type=submit]").await;
        assert_eq!(driver.current_url().await?.path(), "/home");
        let session = driver.get_named_cookie("tessera_session").await?;
        assert!(session.http_only.unwrap_or(false), "the session cookie is HttpOnly");

        // Edit the profile: name, headline, bio, a field, and an avatar.
        let pictures = tempfile::tempdir().unwrap();
        let avatar = picture(pictures.path(), "avatar.png", [40, 90, 160]);
        driver.goto(server.url("/settings/profile")).await?;
        fill(&driver, "#display_name", "Maya Okafor").await;
        fill(&driver, "#headline", "Sound designer at Harbour Studio").await;
        fill(&driver, "#note", "I design sound for film and games.").await;
        fill(&driver, "#field-name-0", "Studio").await;
        fill(&driver, "#field-value-0", "Harbour Studio, Lisbon").await;
        driver
            .find(By::Css("#avatar"))
            .await?
            .send_keys(avatar.to_string_lossy().as_ref())
            .await?;
        submit(&driver, "main form button[type=submit]").await;
        assert_eq!(text_of(&driver, "main .notice").await, "Your profile is saved.");
        assert_accessible(&driver, "settings").await;
        screenshots(&driver, "settings-profile").await;

        // Three posts, the first with an image and its description.
        let still = picture(pictures.path(), "still.png", [200, 120, 40]);
        post_from_home(&driver, &server, "Harbour: the film score", Some((&still, "Mixing desk at dusk"))).await;
        post_from_home(&driver, &server, "Lisbon sound walk", None).await;
        post_from_home(&driver, &server, "Foley session for a short", None).await;
        assert_accessible(&driver, "home").await;
        screenshots(&driver, "home").await;

        // Feature all three (each goes first), then move the film score to the top.
        driver.goto(server.url("/settings/showcase")).await?;
        for title in ["Harbour: the film score", "Lisbon sound walk", "Foley session for a short"] {
            let add = driver
                .find(By::XPath(format!("//ul[@id='showcase-candidates']/li[contains(., '{title}')]//button")))
                .await?;
            click_and_load(&driver, &add).await;
            driver.query(By::XPath(format!("//ol[@id='showcase-order']/li[contains(., '{title}')]"))).first().await?;
        }
        for _ in 0..2 {
            let up = driver
                .find(By::XPath("//ol[@id='showcase-order']/li[contains(., 'Harbour')]//button[text()='Move up']"))
                .await?;
            click_and_load(&driver, &up).await;
        }
        assert_accessible(&driver, "showcase settings").await;
        screenshots(&driver, "settings-showcase").await;
        driver.goto(server.url("/settings/delete")).await?;
        assert_accessible(&driver, "delete account settings").await;

        // A visitor (no cookies) sees the profile with the showcase in the chosen order.
        driver.delete_all_cookies().await?;
        driver.goto(server.url("/@maya")).await?;
        assert_eq!(text_of(&driver, "#profile-name").await, "Maya Okafor");
        assert_eq!(text_of(&driver, ".headline").await, "Sound designer at Harbour Studio");
        let avatar_src = driver.find(By::Css(".avatar-large")).await?.attr("src").await?.unwrap_or_default();
        assert!(avatar_src.contains("/system/"), "the uploaded avatar is shown: {avatar_src}");
        let mut titles = Vec::new();
        for card in driver.find_all(By::Css("#showcase h3")).await? {
            titles.push(card.text().await?);
        }
        assert_eq!(titles, ["Harbour: the film score", "Foley session for a short", "Lisbon sound walk"]);
        let cover = driver.find(By::Css("#showcase .card img")).await?;
        assert_eq!(cover.attr("alt").await?.as_deref(), Some("Mixing desk at dusk"));
        assert_accessible(&driver, "profile").await;
        screenshots(&driver, "profile").await;

        // The permalink of the post with the image, as a visitor.
        let link = driver.find(By::Css("#showcase h3 a")).await?;
        click_and_load(&driver, &link).await;
        assert!(driver.current_url().await?.path().starts_with("/@maya/"));
        let figure = driver.find(By::Css(".post.focus .media img")).await?;
        assert_eq!(figure.attr("alt").await?.as_deref(), Some("Mixing desk at dusk"));
        assert_accessible(&driver, "permalink").await;
        screenshots(&driver, "permalink").await;
        for page in ["/explore", "/about", "/tags/nothing"] {
            driver.goto(server.url(page)).await?;
            assert_accessible(&driver, page).await;
        }
        WebDriverResult::Ok(())
    }
    .await;
    let quit = driver.quit().await;
    flow.unwrap();
    quit.unwrap();
    eprintln!("browser flow took {:?}", started.elapsed());
    server.stop().await;
}
