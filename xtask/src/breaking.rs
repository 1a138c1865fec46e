//! `cargo xtask openapi breaking [--base REV]`: compares `openapi/rollcall.yaml` as it is in the
//! work tree with the document at a git revision, prints every difference as breaking or
//! compatible for a client (`contract::changes`), and a verdict. It fails (exit 1) only when a
//! difference is breaking and `info.version`'s major did not change; 2 when a document cannot be
//! read.
//!
//! The default base is meaningful on a clean clone of main, where CI runs it: the last release
//! tag (`v*`, reachable from HEAD) if there is one, else the document as it was before the last
//! commit that changed it (when the work tree's document differs from HEAD's, HEAD's).

use std::{
    path::Path,
    process::{Command, ExitCode},
};

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
    let repo = Path::new(".");
    let (rev, why) = match base {
        Some(rev) => (rev, "given with --base".to_owned()),
        None => match default_base(repo, &head) {
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
    let base = match show(repo, &rev).and_then(|text| contract::parse(&text)) {
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

/// In the git work tree `repo`: the last `v*` tag reachable from HEAD, else the document
/// before its last change (HEAD when the work tree's document is not HEAD's).
fn default_base(repo: &Path, head: &Value) -> Result<Option<(String, String)>, String> {
    if let Some(tag) = git(
        repo,
        &["describe", "--tags", "--abbrev=0", "--match", "v*", "HEAD"],
    ) {
        return Ok(Some((tag, "the last release tag".into())));
    }
    let Some(last) = git(
        repo,
        &[
            "log",
            "-n",
            "1",
            "--format=%H",
            "--",
            contract::DOCUMENT_PATH,
        ],
    ) else {
        return Ok(None);
    };
    let at_last = contract::parse(&show(repo, &last)?)?;
    if &at_last != head {
        return Ok(Some((
            "HEAD".into(),
            "the work tree's document differs from the last commit's".into(),
        )));
    }
    let short = &last[..last.len().min(12)];
    let before = format!("{short}^");
    if git(
        repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{before}^{{commit}}"),
        ],
    )
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
fn show(repo: &Path, rev: &str) -> Result<String, String> {
    git(
        repo,
        &["show", &format!("{rev}:{}", contract::DOCUMENT_PATH)],
    )
    .ok_or_else(|| format!("git has no {} at {rev}", contract::DOCUMENT_PATH))
}

/// The trimmed output of a git command in `repo` that succeeded and printed something.
fn git(repo: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn major(v: &str) -> Option<String> {
        contract::major(&serde_json::json!({"info": {"version": v}}))
    }

    /// A throwaway repository whose document went through `versions`, one commit each.
    fn repository(name: &str, versions: &[&str]) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("rollcall-breaking-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("openapi")).unwrap();
        for v in versions {
            write(&dir, v);
            git_ok(&dir, &["add", "."]);
            git_ok(&dir, &["commit", "-q", "-m", v]);
        }
        dir
    }

    fn git_ok(dir: &Path, args: &[&str]) {
        if !dir.join(".git").exists() {
            assert!(
                Command::new("git")
                    .arg("-C")
                    .arg(dir)
                    .args(["init", "-q"])
                    .status()
                    .unwrap()
                    .success()
            );
        }
        let ok = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    }

    fn write(dir: &Path, version: &str) {
        std::fs::write(
            dir.join(contract::DOCUMENT_PATH),
            format!("openapi: 3.0.3\ninfo: {{title: T, version: '{version}'}}\npaths: {{}}\n"),
        )
        .unwrap();
    }

    /// The default base's revision and the version its document has.
    fn base_version(dir: &Path) -> Option<(String, String)> {
        let text = std::fs::read_to_string(dir.join(contract::DOCUMENT_PATH)).unwrap();
        let (rev, _) = default_base(dir, &contract::parse(&text).unwrap()).unwrap()?;
        let base = contract::parse(&show(dir, &rev).unwrap()).unwrap();
        Some((rev, base["info"]["version"].as_str().unwrap().to_owned()))
    }

    #[test]
    fn the_default_base_is_the_document_before_its_last_change_or_the_last_release_tag() {
        let dir = repository("one", &["1.0.0"]);
        assert_eq!(
            base_version(&dir),
            None,
            "a document with no history has no base"
        );
        write(&dir, "1.1.0");
        assert_eq!(
            base_version(&dir),
            Some(("HEAD".into(), "1.0.0".into())),
            "an uncommitted change is judged against HEAD"
        );
        let _ = std::fs::remove_dir_all(&dir);

        let dir = repository("three", &["1.0.0", "1.1.0", "1.2.0"]);
        assert_eq!(base_version(&dir).map(|(_, v)| v), Some("1.1.0".into()));
        git_ok(&dir, &["tag", "v1.0.0", "HEAD~2"]);
        assert_eq!(base_version(&dir), Some(("v1.0.0".into(), "1.0.0".into())));
        let _ = std::fs::remove_dir_all(&dir);
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
