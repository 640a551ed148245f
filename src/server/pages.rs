//! Server-rendered pages from `frontend/templates`, embedded in the binary.

use std::sync::LazyLock;

use minijinja::Environment;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // Pages rendered without the site's context (errors, mail links) still render.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    env.add_filter("date", date);
    for (name, source) in [
        (
            "layout.html",
            include_str!("../../frontend/templates/layout.html"),
        ),
        (
            "authorize.html",
            include_str!("../../frontend/templates/authorize.html"),
        ),
        (
            "oob_code.html",
            include_str!("../../frontend/templates/oob_code.html"),
        ),
        (
            "error.html",
            include_str!("../../frontend/templates/error.html"),
        ),
        (
            "profile.html",
            include_str!("../../frontend/templates/profile.html"),
        ),
        (
            "status.html",
            include_str!("../../frontend/templates/status.html"),
        ),
        (
            "message.html",
            include_str!("../../frontend/templates/message.html"),
        ),
        (
            "password_new.html",
            include_str!("../../frontend/templates/password_new.html"),
        ),
        (
            "password_edit.html",
            include_str!("../../frontend/templates/password_edit.html"),
        ),
        (
            "macros.html",
            include_str!("../../frontend/templates/macros.html"),
        ),
        (
            "sign_in.html",
            include_str!("../../frontend/templates/sign_in.html"),
        ),
        (
            "sign_up.html",
            include_str!("../../frontend/templates/sign_up.html"),
        ),
        (
            "settings_nav.html",
            include_str!("../../frontend/templates/settings_nav.html"),
        ),
        (
            "settings_profile.html",
            include_str!("../../frontend/templates/settings_profile.html"),
        ),
        (
            "settings_showcase.html",
            include_str!("../../frontend/templates/settings_showcase.html"),
        ),
        (
            "settings_password.html",
            include_str!("../../frontend/templates/settings_password.html"),
        ),
        (
            "home.html",
            include_str!("../../frontend/templates/home.html"),
        ),
        (
            "interaction.html",
            include_str!("../../frontend/templates/interaction.html"),
        ),
        (
            "about.html",
            include_str!("../../frontend/templates/about.html"),
        ),
        (
            "timeline.html",
            include_str!("../../frontend/templates/timeline.html"),
        ),
        (
            "settings_apps.html",
            include_str!("../../frontend/templates/settings_apps.html"),
        ),
        (
            "settings_data.html",
            include_str!("../../frontend/templates/settings_data.html"),
        ),
        (
            "settings_delete.html",
            include_str!("../../frontend/templates/settings_delete.html"),
        ),
        (
            "admin_nav.html",
            include_str!("../../frontend/templates/admin_nav.html"),
        ),
        (
            "admin_reports.html",
            include_str!("../../frontend/templates/admin_reports.html"),
        ),
        (
            "admin_domain_blocks.html",
            include_str!("../../frontend/templates/admin_domain_blocks.html"),
        ),
        (
            "notifications.html",
            include_str!("../../frontend/templates/notifications.html"),
        ),
        ("rss.xml", include_str!("../../frontend/templates/rss.xml")),
        (
            "atom.xml",
            include_str!("../../frontend/templates/atom.xml"),
        ),
    ] {
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "template does not parse");
        }
    }
    env
});

/// An ISO 8601 time as a short date ("3 Dec 2026"); anything else as it is.
fn date(value: String) -> String {
    chrono::DateTime::parse_from_rfc3339(&value)
        .map(|t| t.format("%-d %b %Y").to_string())
        .unwrap_or(value)
}

/// Render a template; a template fault is logged and shown as a plain message.
pub fn render(name: &str, ctx: minijinja::Value) -> String {
    TEMPLATES
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|e| {
            tracing::error!(template = name, error = %e, "template failed to render");
            "<!doctype html><title>Error</title><p>This page could not be shown.</p>".to_string()
        })
}

pub fn message_page(title: &str, message: &str) -> String {
    render(
        "message.html",
        minijinja::context! { title => title, message => message },
    )
}

pub fn error_page(title: &str, message: &str) -> String {
    render(
        "error.html",
        minijinja::context! { title => title, message => message },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_and_escapes() {
        let html = error_page("Oops", "<script>alert(1)</script>");
        assert!(html.contains("Oops"));
        assert!(html.contains("&lt;script&gt;"));
        let html = render("oob_code.html", minijinja::context! { code => "abc" });
        assert!(html.contains(r#"<code id="authorization-code">abc</code>"#));
    }
}
