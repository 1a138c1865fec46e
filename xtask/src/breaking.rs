//! `cargo xtask openapi breaking [--base REV]`: compares `openapi/rollcall.yaml` as it is in the
//! work tree with the document at a git revision, prints every difference as breaking or
//! compatible for a client (`contract::changes`), and a verdict. It fails (exit 1) only when a
//! difference is breaking and `info.version`'s major did not change; 2 when a document cannot be
//! read.
//!
//! The default base is meaningful on a clean clone of main, where CI runs it: the last release
//! tag (`v*`, reachable from HEAD) if there is one, else the document as it was before the last
//! commit that changed it (when the work tree's document differs from HEAD's, HEAD's).

use std::process::{Command, ExitCode};

use serde_json::Value;

use crate::fail;

pub fn run(args: &[String]) -> ExitCode {
    let base = match args {
        [] => None,
        [flag, rev] if flag == "--base" => Some(rev.clone()),
        _ => return fail(2, "usage: cargo xtask openapi breaking [--base REV]"),
    };
    let head = match contract::parse(&read_head()) {
        Ok(d) => d,
        Err(e) => return fail(2, &e),
    };
    let (rev, why) = match base {
        Some(rev) => (rev, "given with --base".to_owned()),
        None => match default_base(&head) {
            Ok(Some(found)) => found,
            Ok(None) => {
                println!(
                    "openapi breaking: {} has no earlier version in this clone to compare with; nothing to judge",
                    contract::DOCUMENT_PATH
                );
                return ExitCode::SUCCESS;
            }
            Err(e) => return fail(2, &e),
        },
    };
    let base = match show(&rev).and_then(|text| contract::parse(&text)) {
        Ok(d) => d,
        Err(e) => return fail(2, &format!("the base {rev}: {e}")),
    };
    verdict(&rev, &why, &base, &head)
}

fn verdict(rev: &str, why: &str, base: &Value, head: &Value) -> ExitCode {
    let changes = contract::changes(base, head);
    let breaking = changes.iter().filter(|c| c.breaking).count();
    println!(
        "openapi breaking: {} against {rev} ({why}): {} difference(s), {breaking} breaking",
        contract::DOCUMENT_PATH,
        changes.len()
    );
    for c in &changes {
        println!("  {c}");
    }
    let version = |d: &Value| d.pointer("/info/version").cloned().unwrap_or(Value::Null);
    match judge(breaking, contract::major(base), contract::major(head)) {
        Verdict::Compatible => {
            println!("verdict: compatible — no client written against {rev} breaks");
            ExitCode::SUCCESS
        }
        Verdict::Announced => {
            println!(
                "verdict: breaking, announced — info.version went from {} to {} (a new major)",
                version(base),
                version(head)
            );
            ExitCode::SUCCESS
        }
        Verdict::Unannounced => {
            println!(
                "verdict: breaking, unannounced — info.version is {} (was {}): raise its major, or keep the old behaviour beside the new",
                version(head),
                version(base)
            );
            ExitCode::from(1)
        }
    }
}

#[derive(Debug, PartialEq)]
enum Verdict {
    Compatible,
    /// Breaking, with a new major version.
    Announced,
    /// Breaking, under the same major version: CI fails.
    Unannounced,
}

fn judge(breaking: usize, was: Option<String>, is: Option<String>) -> Verdict {
    match (breaking, was == is) {
        (0, _) => Verdict::Compatible,
        (_, false) => Verdict::Announced,
        (_, true) => Verdict::Unannounced,
    }
}

/// The work tree's document (not the compiled-in copy, which may be older).
fn read_head() -> String {
    std::fs::read_to_string(contract::DOCUMENT_PATH)
        .unwrap_or_else(|_| contract::DOCUMENT_YAML.into())
}

/// The last `v*` tag reachable from HEAD, else the document before its last change.
fn default_base(head: &Value) -> Result<Option<(String, String)>, String> {
    if let Some(tag) = git(&["describe", "--tags", "--abbrev=0", "--match", "v*", "HEAD"]) {
        return Ok(Some((tag, "the last release tag".into())));
    }
    let Some(last) = git(&[
        "log",
        "-n",
        "1",
        "--format=%H",
        "--",
        contract::DOCUMENT_PATH,
    ]) else {
        return Ok(None);
    };
    let at_last = contract::parse(&show(&last)?)?;
    if &at_last != head {
        return Ok(Some((
            "HEAD".into(),
            "the work tree's document differs from the last commit's".into(),
        )));
    }
    let short = &last[..last.len().min(12)];
    let before = format!("{short}^");
    if git(&[
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("{before}^{{commit}}"),
    ])
    .is_none()
    {
        return Ok(None); // the document was born in the first commit, or the clone is shallow
    }
    Ok(Some((
        before,
        format!("no v* tag: the document before {short}, the last commit that changed it"),
    )))
}

/// The document's text at `rev`.
fn show(rev: &str) -> Result<String, String> {
    git(&["show", &format!("{rev}:{}", contract::DOCUMENT_PATH)])
        .ok_or_else(|| format!("git has no {} at {rev}", contract::DOCUMENT_PATH))
}

/// The trimmed output of a git command that succeeded and printed something.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn major(v: &str) -> Option<String> {
        contract::major(&serde_json::json!({"info": {"version": v}}))
    }

    #[test]
    fn a_breaking_difference_fails_only_under_the_same_major_version() {
        assert_eq!(
            judge(0, major("1.2.0"), major("1.3.0")),
            Verdict::Compatible
        );
        assert_eq!(
            judge(2, major("1.2.0"), major("1.3.0")),
            Verdict::Unannounced
        );
        assert_eq!(
            judge(2, major("0.1.0"), major("0.2.0")),
            Verdict::Unannounced
        );
        assert_eq!(judge(2, major("1.2.0"), major("2.0.0")), Verdict::Announced);
    }
}
