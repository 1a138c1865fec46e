//! Email templates: a subject, a text body and an HTML body per kind of email (`invitation`,
//! `added`), rendered with minijinja. Built-in English templates are compiled in
//! (`templates/en/`); `ROLLCALL_EMAIL_TEMPLATES` names a folder whose `<locale>/<kind>.subject`,
//! `.txt` and `.html` files override them, per locale, falling back from `pt-BR` to `pt` to `en`.
//! The HTML part escapes every value (an organization named `<script>` arrives as text).

use std::path::{Path, PathBuf};

use domain::{Locale, model::MailKind};
use minijinja::{AutoEscape, Environment, Value};

/// The parts of one email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

const PARTS: [&str; 3] = ["subject", "txt", "html"];

/// The built-in English template of `kind`'s `part`.
fn built_in(kind: MailKind, part: &str) -> Option<&'static str> {
    Some(match (kind, part) {
        (MailKind::Invitation, "subject") => include_str!("../templates/en/invitation.subject"),
        (MailKind::Invitation, "txt") => include_str!("../templates/en/invitation.txt"),
        (MailKind::Invitation, "html") => include_str!("../templates/en/invitation.html"),
        (MailKind::Added, "subject") => include_str!("../templates/en/added.subject"),
        (MailKind::Added, "txt") => include_str!("../templates/en/added.txt"),
        (MailKind::Added, "html") => include_str!("../templates/en/added.html"),
        _ => return None,
    })
}

/// The templates, built in and overridden.
pub struct Templates {
    env: Environment<'static>,
    overrides: Option<PathBuf>,
}

impl Templates {
    /// The built-in templates, overridden by the files under `overrides` when given. Every
    /// override there is read and checked now, so a broken one stops the start, not a send.
    pub fn new(overrides: Option<&Path>) -> Result<Self, String> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.set_keep_trailing_newline(false);
        for kind in [MailKind::Invitation, MailKind::Added] {
            for part in PARTS {
                let name = format!("en/{}.{part}", kind.as_str());
                let source = built_in(kind, part).unwrap_or_default();
                env.add_template_owned(name.clone(), source.to_owned())
                    .map_err(|e| format!("the built-in template {name} does not compile: {e}"))?;
            }
        }
        if let Some(dir) = overrides {
            add_overrides(&mut env, dir)?;
        }
        Ok(Self {
            env,
            overrides: overrides.map(Path::to_path_buf),
        })
    }

    /// Renders `kind` in `locale` (or the nearest language it has, else English) with `context`.
    pub fn render(
        &self,
        kind: MailKind,
        locale: Option<&Locale>,
        context: &Value,
    ) -> Result<Rendered, String> {
        let mut candidates = locale.map(Locale::fallbacks).unwrap_or_default();
        candidates.push("en".to_owned());
        let part = |ext: &str| -> Result<String, String> {
            let name = candidates
                .iter()
                .map(|l| format!("{l}/{}.{ext}", kind.as_str()))
                .find(|n| self.env.get_template(n).is_ok())
                .ok_or_else(|| format!("no template for {} {ext}", kind.as_str()))?;
            self.env
                .get_template(&name)
                .and_then(|t| t.render(context))
                .map_err(|e| format!("the template {name} did not render: {e}"))
        };
        Ok(Rendered {
            subject: part("subject")?
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            text: part("txt")?,
            html: part("html")?,
        })
    }

    /// The folder overrides come from, if any.
    pub fn overrides(&self) -> Option<&Path> {
        self.overrides.as_deref()
    }
}

/// Adds every `<locale>/<kind>.<part>` file under `dir`.
fn add_overrides(env: &mut Environment<'static>, dir: &Path) -> Result<(), String> {
    let locales = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "ROLLCALL_EMAIL_TEMPLATES={}: cannot read the folder ({e}); it holds one folder per locale (en, fr, pt-br…)",
            dir.display()
        )
    })?;
    for locale in locales.flatten().filter(|e| e.path().is_dir()) {
        let tag = locale.file_name().to_string_lossy().to_ascii_lowercase();
        for kind in [MailKind::Invitation, MailKind::Added] {
            for part in PARTS {
                let path = locale.path().join(format!("{}.{part}", kind.as_str()));
                let Ok(source) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let name = format!("{tag}/{}.{part}", kind.as_str());
                env.add_template_owned(name, source)
                    .map_err(|e| format!("{} does not compile: {e}", path.display()))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(org: &str) -> Value {
        Value::from_serialize(serde_json::json!({
            "organization": org, "role": "member", "expires_at": "2026-12-07",
            "link": "https://app.example/accept?token=abc", "inviter_name": "Ann",
        }))
    }

    #[test]
    fn the_html_part_escapes_names_and_the_text_part_keeps_them() {
        let t = Templates::new(None).unwrap();
        let r = t
            .render(
                MailKind::Invitation,
                None,
                &context("<script>alert(1)</script>"),
            )
            .unwrap();
        assert!(r.html.contains("&lt;script&gt;alert(1)&lt;"), "{}", r.html);
        assert!(!r.html.contains("<script>"));
        assert!(r.text.contains("<script>alert(1)</script>"));
        assert!(r.text.contains("https://app.example/accept?token=abc"));
        assert_eq!(
            r.subject,
            "Ann invited you to join <script>alert(1)</script> on Rollcall"
        );
    }

    #[test]
    fn a_locale_override_wins_and_falls_back_to_its_language_then_english() {
        let dir = std::env::temp_dir().join(format!("rollcall-templates-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("fr")).unwrap();
        std::fs::write(
            dir.join("fr/invitation.subject"),
            "Invitation à {{ organization }}",
        )
        .unwrap();
        let t = Templates::new(Some(&dir)).unwrap();
        let fr_ca = Locale::parse("fr-CA").unwrap();
        let r = t
            .render(MailKind::Invitation, Some(&fr_ca), &context("Acme"))
            .unwrap();
        assert_eq!(r.subject, "Invitation à Acme");
        assert!(
            r.text.starts_with("Hello"),
            "the text part falls back to English"
        );
        let de = Locale::parse("de").unwrap();
        assert!(
            t.render(MailKind::Invitation, Some(&de), &context("Acme"))
                .unwrap()
                .subject
                .starts_with("Ann invited you")
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_broken_override_stops_the_start_with_its_path() {
        let dir = std::env::temp_dir().join(format!("rollcall-broken-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("en")).unwrap();
        std::fs::write(dir.join("en/added.txt"), "{% if %}").unwrap();
        let error = Templates::new(Some(&dir)).err().expect("refused");
        assert!(error.contains("added.txt"), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
