use std::path::{Path, PathBuf};

use serde_json::json;

use super::roots::{path_of_file_uri, read_capped, read_under_roots, resolve_under_roots};
use super::*;

fn modes(m: &[&str]) -> Vec<String> {
    m.iter().map(|s| (*s).to_owned()).collect()
}

fn policy(accepted: &[String], local: LocalFiles) -> FilePolicy<'_> {
    FilePolicy {
        max_bytes: 16,
        accepted,
        taker: "skill \"files\"".into(),
        skills: Vec::new(),
        local,
    }
}

fn run(files: Vec<FileArg>, policy: &FilePolicy<'_>) -> Result<Vec<Part>, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(file_parts(files, policy))
}

fn one_file(part: &Part) -> (Option<&str>, Option<&str>, Option<&str>, Option<&str>) {
    match part {
        Part::File {
            bytes,
            uri,
            media_type,
            name,
        } => (
            bytes.as_deref(),
            uri.as_deref(),
            media_type.as_deref(),
            name.as_deref(),
        ),
        other => panic!("not a file part: {other:?}"),
    }
}

#[test]
fn media_types_match_input_modes_with_wildcards_and_parameters() {
    let accepted = modes(&["text/plain", "image/*", "Application/PDF"]);
    assert!(accepts(&accepted, "image/png"));
    assert!(accepts(&accepted, "application/pdf; name=x"));
    assert!(accepts(&accepted, "text/plain; charset=utf-8"));
    assert!(!accepts(&accepted, "text/markdown"));
    assert!(!accepts(&accepted, "application/zip"));
    assert!(accepts(&modes(&["*/*"]), "application/zip"));
    assert!(accepts(&modes(&["text"]), "text/markdown"));
    assert!(!accepts(&modes(&["text"]), "image/png"));
    // A card that lists nothing accepts anything.
    assert!(accepts(&[], "application/zip"));
}

#[test]
fn only_skills_taking_more_than_plain_text_get_the_files_argument() {
    assert!(!takes_files(&modes(&["text/plain"])));
    assert!(!takes_files(&modes(&["text", "TEXT/plain; charset=utf-8"])));
    assert!(!takes_files(&[]));
    assert!(takes_files(&modes(&["text/plain", "image/png"])));
    assert!(takes_files(&modes(&["*/*"])));
    assert!(takes_files(&modes(&["application/json"])));
}

#[test]
fn the_files_property_is_one_plain_array_of_objects() {
    let mut empty = JsonObject::new();
    empty.insert("type".into(), json!("object"));
    empty.insert("properties".into(), json!({}));
    let with = with_files(&empty);
    let files = &with["properties"]["files"];
    assert_eq!(files["type"], "array");
    assert_eq!(files["description"], FILES_DESCRIPTION);
    let items = &files["items"];
    assert_eq!(items["type"], "object");
    assert!(items.get("description").is_none(), "{items}");
    let keys: Vec<&str> = items["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["bytes", "mime_type", "name", "uri"]);
    let text = serde_json::to_string(files).unwrap();
    assert!(
        !text.contains("$ref") && !text.contains("null") && !text.contains("anyOf"),
        "{text}"
    );
}

#[test]
fn files_are_read_leniently_from_hosts() {
    #[derive(Deserialize)]
    struct A {
        #[serde(default, deserialize_with = "opt_files")]
        files: Vec<FileArg>,
    }
    let read = |v: Value| serde_json::from_value::<A>(v).map(|a| a.files);
    assert_eq!(read(json!({})).unwrap(), vec![]);
    assert_eq!(read(json!({"files": null})).unwrap(), vec![]);
    assert_eq!(
        read(json!({"files": {"uri": "https://x/a.pdf"}})).unwrap(),
        vec![FileArg::by_uri("https://x/a.pdf")]
    );
    assert_eq!(
        read(json!({"files": "[{\"name\": \"a\", \"mimeType\": \"text/plain\", \"bytes\": \"YQ==\"}]"})).unwrap(),
        vec![FileArg::by_bytes(Some("a"), Some("text/plain"), "YQ==")]
    );
    let e = read(json!({"files": [{"uri": "x", "size": 3}]}))
        .unwrap_err()
        .to_string();
    assert!(e.contains("[0]: unknown field \"size\""), "{e}");
    let e = read(json!({"files": 3})).unwrap_err().to_string();
    assert!(e.contains("expected a list of files"), "{e}");
}

#[test]
fn bytes_become_file_parts_with_a_guessed_media_type() {
    let accepted = modes(&["image/*", "text/plain"]);
    let p = policy(&accepted, LocalFiles::Refused);
    let parts = run(
        vec![
            FileArg::by_bytes(Some("dot.png"), None, "iVBO\nRw=="),
            FileArg::by_bytes(Some("notes"), Some("text/plain; charset=utf-8"), "aGk"),
            FileArg::by_bytes(Some("dot.png"), None, "data:image/png;base64,AAE="),
        ],
        &p,
    )
    .unwrap();
    assert_eq!(
        one_file(&parts[0]),
        (Some("iVBORw=="), None, Some("image/png"), Some("dot.png"))
    );
    assert_eq!(
        one_file(&parts[1]),
        (
            Some("aGk="),
            None,
            Some("text/plain; charset=utf-8"),
            Some("notes")
        )
    );
    assert_eq!(one_file(&parts[2]).0, Some("AAE="));
    // Without a name or type: octet-stream, which this skill does not take.
    let e = run(vec![FileArg::by_bytes(None, None, "AAE=")], &p).unwrap_err();
    assert_eq!(
        e,
        "files[0] is application/octet-stream, which skill \"files\" does not accept; it takes image/*, \
         text/plain (set mime_type if the file's type is not application/octet-stream)"
    );
}

#[test]
fn bad_base64_bad_types_and_oversize_files_are_refused_naming_the_file() {
    let any = modes(&["*/*"]);
    let p = policy(&any, LocalFiles::Refused);
    let e = run(
        vec![FileArg::by_bytes(Some("a.bin"), None, "not base64!")],
        &p,
    )
    .unwrap_err();
    assert!(
        e.starts_with("files[0] (\"a.bin\"): bytes is not valid base64"),
        "{e}"
    );
    let e = run(vec![FileArg::by_bytes(Some("a"), Some("png"), "AAE=")], &p).unwrap_err();
    assert!(e.contains("mime_type \"png\" is not a media type"), "{e}");
    // 17 bytes: one more than the cap.
    let seventeen = general_purpose::STANDARD.encode([7u8; 17]);
    let e = run(vec![FileArg::by_bytes(Some("big"), None, &seventeen)], &p).unwrap_err();
    assert_eq!(
        e,
        "files[0] (\"big\"): too large (17 bytes): at most max_file_bytes (16 bytes) per file"
    );
    // Far too large: refused before decoding.
    let huge = "A".repeat(1000);
    let e = run(vec![FileArg::by_bytes(Some("huge"), None, &huge)], &p).unwrap_err();
    assert!(
        e.starts_with("files[0] (\"huge\"): too large (750 bytes): at most"),
        "{e}"
    );
    // Ten and ten bytes: each fits, together they do not.
    let ten = general_purpose::STANDARD.encode([1u8; 10]);
    let e = run(
        vec![
            FileArg::by_bytes(Some("a"), None, &ten),
            FileArg::by_bytes(Some("b"), None, &ten),
        ],
        &p,
    )
    .unwrap_err();
    assert!(e.starts_with("files[1] (\"b\"): too large (10 bytes): the files of one call may hold at most max_file_bytes (16 bytes) together, and 6 are left"), "{e}");
    let e = run(vec![FileArg::default()], &p).unwrap_err();
    assert!(e.starts_with("files[0]: give uri"), "{e}");
}

/// Without a skill named, a refusal by the agent's default modes names the skills that take the file.
#[test]
fn a_refusal_by_the_agent_names_the_skills_taking_the_file() {
    let text = modes(&["text/plain"]);
    let images = modes(&["image/*"]);
    let none: Vec<String> = Vec::new();
    let mut p = policy(&text, LocalFiles::Refused);
    p.taker = "the agent".into();
    p.skills = vec![("echo", &text), ("ocr", &images), ("any", &none)];
    let e = run(vec![FileArg::by_bytes(Some("a.png"), None, "AAE=")], &p).unwrap_err();
    assert_eq!(
        e,
        "files[0] (\"a.png\") is image/png, which the agent does not accept; it takes text/plain (set mime_type \
         if the file's type is not image/png); the agent's skill \"ocr\" takes it: name it in `skill`"
    );
    // No skill takes it: no hint.
    p.skills = vec![("echo", &text)];
    let e = run(vec![FileArg::by_bytes(Some("a.png"), None, "AAE=")], &p).unwrap_err();
    assert!(e.ends_with("is not image/png)"), "{e}");
}

#[test]
fn links_go_by_uri_and_data_uris_as_bytes() {
    let accepted = modes(&["application/pdf", "text/plain"]);
    let p = policy(&accepted, LocalFiles::Refused);
    let parts = run(
        vec![
            FileArg::by_uri("https://example.com/r%20one.pdf?x=1"),
            FileArg::by_uri("data:text/plain,a%20b+c"),
        ],
        &p,
    )
    .unwrap();
    assert_eq!(
        one_file(&parts[0]),
        (
            None,
            Some("https://example.com/r%20one.pdf?x=1"),
            Some("application/pdf"),
            Some("r one.pdf")
        )
    );
    assert_eq!(
        one_file(&parts[1]),
        (Some("YSBiK2M="), None, Some("text/plain"), Some("file.txt"))
    );
    // A data URL gets a name from its media type; one given is kept.
    let accepted = modes(&["*/*"]);
    let any = policy(&accepted, LocalFiles::Refused);
    let parts = run(
        vec![
            FileArg::by_uri("data:application/pdf;base64,JVBE"),
            FileArg::by_uri("data:application/x-unheard-of;base64,AAE="),
            FileArg::by_bytes(Some("scan.png"), None, "data:image/png;base64,AAE="),
        ],
        &any,
    )
    .unwrap();
    assert_eq!(one_file(&parts[0]).3, Some("file.pdf"));
    assert_eq!(default_name("image/jpeg; q=1"), "file.jpeg");
    assert_eq!(default_name("image/png"), "file.png");
    assert_eq!(one_file(&parts[1]).3, Some("file"));
    assert_eq!(one_file(&parts[2]).3, Some("scan.png"));
    let e = run(vec![FileArg::by_uri("C:\\x\\a.pdf")], &p).unwrap_err();
    assert!(e.contains("is a path, not a URI"), "{e}");
    let e = run(vec![FileArg::by_uri("a.pdf")], &p).unwrap_err();
    assert!(e.contains("is not a URI"), "{e}");
    let e = run(vec![FileArg::by_uri("file:///etc/hostname")], &p).unwrap_err();
    assert!(e.contains("file:// URIs are refused over HTTP"), "{e}");
}

/// A root with `inside.txt`, a sibling `root2/secret.txt` and a symlink from the root to it.
struct Tree {
    _dir: tempfile::TempDir,
    base: PathBuf,
    root: PathBuf,
}

fn tree() -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().canonicalize().unwrap();
    let root = base.join("root");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::create_dir_all(base.join("root2")).unwrap();
    std::fs::write(root.join("inside.txt"), b"inside").unwrap();
    std::fs::write(root.join("sub").join("a b%.txt"), b"spaced").unwrap();
    std::fs::write(base.join("root2").join("secret.txt"), b"secret").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(base.join("root2").join("secret.txt"), root.join("link.txt"))
            .unwrap();
        std::os::unix::fs::symlink(base.join("root2"), root.join("dirlink")).unwrap();
    }
    Tree {
        _dir: dir,
        base,
        root,
    }
}

fn uri_path(uri: &str) -> PathBuf {
    path_of_file_uri(&url::Url::parse(uri).unwrap()).unwrap()
}

#[test]
fn files_inside_a_root_are_read() {
    let t = tree();
    let roots = vec![t.root.clone()];
    assert_eq!(
        read_under_roots(&t.root.join("inside.txt"), &roots, 100).unwrap(),
        b"inside"
    );
    // Percent-encoded names are decoded before the check.
    let uri = format!("file://{}/sub/a%20b%25.txt", t.root.display());
    assert_eq!(
        read_under_roots(&uri_path(&uri), &roots, 100).unwrap(),
        b"spaced"
    );
    // A root given through a `..` or a symlink still holds what is really inside it.
    let roundabout = vec![t.base.join("root2").join("..").join("root")];
    assert_eq!(
        read_under_roots(&t.root.join("inside.txt"), &roundabout, 100).unwrap(),
        b"inside"
    );
    // localhost is this machine.
    let uri = format!("file://localhost{}/inside.txt", t.root.display());
    assert_eq!(
        read_under_roots(&uri_path(&uri), &roots, 100).unwrap(),
        b"inside"
    );
}

#[test]
fn nothing_outside_the_roots_is_read() {
    let t = tree();
    let roots = vec![t.root.clone()];
    let outside = |p: &Path| {
        matches!(
            read_under_roots(p, &roots, 100),
            Err(RootError::Outside { .. })
        )
    };
    // A sibling whose name starts like the root's.
    assert!(outside(&t.base.join("root2").join("secret.txt")));
    // `..` in the path, as a URI (lexically resolved by URL parsing) and as a path (resolved on disk).
    let uri = format!("file://{}/../root2/secret.txt", t.root.display());
    assert!(outside(&uri_path(&uri)));
    let uri = format!("file://{}/%2e%2e/root2/secret.txt", t.root.display());
    assert!(outside(&uri_path(&uri)));
    assert!(outside(
        &t.root
            .join("sub")
            .join("..")
            .join("..")
            .join("root2")
            .join("secret.txt")
    ));
    // Symlinks out of the root, to a file or through a directory.
    #[cfg(unix)]
    {
        assert!(outside(&t.root.join("link.txt")));
        assert!(outside(&t.root.join("dirlink").join("secret.txt")));
    }
    // A missing file outside says only that it is outside; inside, why it cannot be read.
    assert!(outside(&t.base.join("nope.txt")));
    let e = read_under_roots(&t.root.join("nope.txt"), &roots, 100).unwrap_err();
    assert!(matches!(e, RootError::Io { .. }), "{e:?}");
    // A missing file reached through a percent-encoded `/` and `..`, or a symlink out of the root, is only
    // outside: the model cannot probe what exists elsewhere.
    let uri = format!("file://{}/sub%2F..%2F..%2Fnope.txt", t.root.display());
    assert!(outside(&uri_path(&uri)), "{:?}", uri_path(&uri));
    #[cfg(unix)]
    assert!(outside(&t.root.join("dirlink").join("nope.txt")));
    // No roots: nothing at all.
    assert_eq!(
        read_under_roots(&t.root.join("inside.txt"), &[], 100),
        Err(RootError::NoRoots)
    );
    // A root that does not exist allows nothing.
    assert!(matches!(
        read_under_roots(&t.root.join("inside.txt"), &[t.base.join("gone")], 100),
        Err(RootError::Outside { .. })
    ));
    // Another host is not this machine.
    let e = path_of_file_uri(&url::Url::parse("file://server/share/a.txt").unwrap()).unwrap_err();
    assert!(e.contains("names the host \"server\""), "{e}");
}

/// A directory swapped for a symlink out of the root between the check and the open: the file opened is not
/// the one checked, and nothing is read.
#[cfg(unix)]
#[test]
fn a_directory_swapped_for_a_symlink_after_the_check_is_refused() {
    let t = tree();
    let roots = vec![t.root.clone()];
    std::fs::write(t.root.join("sub").join("secret.txt"), b"decoy").unwrap();
    let path = t.root.join("sub").join("secret.txt");
    let resolved = resolve_under_roots(&path, &roots).unwrap();
    std::fs::rename(t.root.join("sub"), t.base.join("sub-moved")).unwrap();
    std::os::unix::fs::symlink(t.base.join("root2"), t.root.join("sub")).unwrap();
    let read = read_capped(&path, &resolved, 100);
    assert!(matches!(read, Err(RootError::Outside { .. })), "{read:?}");
}

#[test]
fn local_files_are_capped_and_must_be_regular_files() {
    let t = tree();
    let roots = vec![t.root.clone()];
    assert_eq!(
        read_under_roots(&t.root.join("inside.txt"), &roots, 5),
        Err(RootError::TooLarge(Some(6)))
    );
    assert_eq!(
        read_under_roots(&t.root.join("sub"), &roots, 100),
        Err(RootError::NotAFile(t.root.join("sub")))
    );
}

#[test]
fn file_uris_over_stdio_become_bytes_with_the_file_name() {
    let t = tree();
    let accepted = modes(&["text/*"]);
    let p = policy(&accepted, LocalFiles::Under(vec![t.root.clone()]));
    let uri = format!("file://{}/inside.txt", t.root.display());
    let parts = run(vec![FileArg::by_uri(&uri)], &p).unwrap();
    assert_eq!(
        one_file(&parts[0]),
        (
            Some("aW5zaWRl"),
            None,
            Some("text/plain"),
            Some("inside.txt")
        )
    );
    let uri = format!("file://{}/root2/secret.txt", t.base.display());
    let e = run(vec![FileArg::by_uri(&uri)], &p).unwrap_err();
    assert!(
        e.contains("is outside the directories allowed for file:// URIs"),
        "{e}"
    );
    // Where a file is is checked before what it is: outside, its type is not the point.
    let e = run(vec![FileArg::by_uri("file:///etc/passwd")], &p).unwrap_err();
    assert!(
        e.contains("/etc/passwd is outside the directories allowed"),
        "{e}"
    );
    // A relative file URI is not taken for an absolute one (`file:roots/x` parses as `file:///roots/x`).
    for relative in [
        "file:inside.txt",
        "file:root/inside.txt",
        "FILE:./inside.txt",
    ] {
        let e = run(vec![FileArg::by_uri(relative)], &p).unwrap_err();
        assert!(e.contains("is not an absolute file URI"), "{e}");
    }
    let p = policy(&accepted, LocalFiles::Under(Vec::new()));
    let uri = format!("file://{}/inside.txt", t.root.display());
    let e = run(vec![FileArg::by_uri(&uri)], &p).unwrap_err();
    assert!(
        e.contains("no directory is allowed for file:// URIs"),
        "{e}"
    );
}

#[test]
fn client_roots_are_read_from_file_uris_only() {
    assert_eq!(
        roots_of([
            "file:///home/u/work",
            "https://x/",
            "not a uri",
            "file:///a%20b"
        ]),
        vec![PathBuf::from("/home/u/work"), PathBuf::from("/a b")]
    );
}

#[test]
fn the_files_description_fits_the_transport_and_skills_name_their_types() {
    let schema = with_files(&crate::bridge::handlers::skill_input_schema());
    let description = |s: &JsonObject| s["properties"]["files"]["description"].clone();
    assert!(!description(&schema).to_string().contains("file://"));
    assert_eq!(for_transport(&schema, false), schema);
    assert!(
        description(&for_transport(&schema, true))
            .to_string()
            .contains("file://… on this machine")
    );
    assert_eq!(files_line(&modes(&["text/plain"])), None);
    assert_eq!(files_line(&[]), None);
    assert_eq!(
        files_line(&modes(&["text/plain", "image/*", "application/pdf"])).as_deref(),
        Some("Files: image/*, application/pdf.")
    );
    let many: Vec<String> = (0..9).map(|i| format!("application/x-{i}")).collect();
    assert_eq!(
        files_line(&many).as_deref(),
        Some("Files: application/x-0, application/x-1, application/x-2, application/x-3, 5 more.")
    );
    let long = format!("image/{}", "x".repeat(500));
    assert!(files_line(&[long]).unwrap().len() < 60);
}
