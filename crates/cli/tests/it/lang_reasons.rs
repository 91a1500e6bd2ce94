//! Our own reasons in the chosen language (issue 11), from the binary and with the real bytes
//! that cause them: a lab config's and a web config's values, `--proxy`, `--allow`, a zone file
//! served by `serve auth` (file:line), root hints, `lab exec` with no lab running, a lab that
//! cannot start, and `get` against a server that closes the connection mid-response. Each in
//! Korean with no English outside the tokens, and in English as it has always been said.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use test_support::LoopbackBlock;
use test_support::korean::assert_korean;

use super::{run_in_locale as run, stderr};

/// `args` with `--lang LANG` after them: the exit code and stderr.
fn said(args: &[&str], lang: &str) -> (Option<i32>, String) {
    let mut line = args.to_vec();
    line.extend(["--lang", lang]);
    let out = run(&line, &[]);
    (out.status.code(), stderr(&out))
}

/// A scratch directory of this test's own.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rt-reasons-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The default lab's config, its zones and site found where they are in this tree.
fn default_config() -> String {
    let lab = repo().join("lab");
    std::fs::read_to_string(lab.join("lab.toml"))
        .unwrap()
        .replace(
            "zones = \"zones\"",
            &format!("zones = {:?}", lab.join("zones").display().to_string()),
        )
        .replace(
            "site = \"site\"",
            &format!("site = {:?}", lab.join("site").display().to_string()),
        )
}

/// The words of a command line and of its files that stay as typed.
const TOKENS: &[&str] = &[
    "roundtrip",
    "lab",
    "up",
    "exec",
    "serve",
    "auth",
    "web",
    "resolver",
    "allow",
    "proxy",
    "max_uri_bytes",
    "tls_cert",
    "tls_key",
    "HOST",
    "PORT",
    "PATH_PREFIX",
    "ORIGIN",
    "FILE",
    "ADDRESS",
    "PREFIX",
    "root",
    "tld",
    "authoritative",
    "was",
    "dns",
    "hyper",
];

#[test]
fn a_lab_config_s_value_is_refused_in_korean_at_its_line() {
    let dir = scratch("lab");
    let file = dir.join("lab.toml");
    let text = default_config().replace("address = \"203.0.113.80\"", "address = \"8.8.8.8\"");
    let line = text
        .lines()
        .position(|l| l == "address = \"8.8.8.8\"")
        .unwrap()
        + 1;
    std::fs::write(&file, text).unwrap();
    let file = file.display().to_string();
    for command in [&["lab", "up"][..], &["tour"]] {
        let args = [command, &["--config", &file]].concat();
        let (code, ko) = said(&args, "ko");
        assert_eq!(code, Some(2), "{ko}");
        assert_eq!(
            ko,
            format!(
                "roundtrip: 랩 설정이 잘못되었습니다: {file}:{line}: web.address: 8.8.8.8 주소는 \
                 문서용 주소 범위(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24)에도 \
                 루프백(127.0.0.0/8)에도 들지 않습니다. 랩은 실제 인터넷의 주소를 쓰지 않습니다\n"
            )
        );
        assert_korean(&ko, TOKENS);
        let (_, en) = said(&args, "en");
        assert_eq!(
            en,
            format!(
                "roundtrip: bad lab config: {file}:{line}: web.address: 8.8.8.8 is neither in \
                 the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) nor on \
                 loopback (127.0.0.0/8): the lab never uses addresses of the real internet\n"
            )
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_lab_that_cannot_start_says_why_in_korean() {
    // A zone file the config names, broken at its line 3: the lab refuses it before serving.
    let dir = scratch("labzone");
    let zones = dir.join("zones");
    std::fs::create_dir_all(&zones).unwrap();
    for entry in std::fs::read_dir(repo().join("lab/zones")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), zones.join(entry.file_name())).unwrap();
    }
    let root = zones.join("root.zone");
    let mut lines: Vec<String> = std::fs::read_to_string(&root)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines.insert(2, "broken 60 IN A 192.0.2.999".to_owned());
    std::fs::write(&root, lines.join("\n") + "\n").unwrap();
    let config = default_config().replace(
        &format!("{:?}", repo().join("lab/zones").display().to_string()),
        &format!("{:?}", zones.display().to_string()),
    );
    let file = dir.join("lab.toml");
    std::fs::write(&file, config).unwrap();
    let file = file.display().to_string();
    let root = root.display().to_string();
    let (code, ko) = said(&["lab", "up", "--config", &file], "ko");
    assert_eq!(code, Some(1), "{ko}");
    assert_eq!(
        ko,
        format!(
            "roundtrip: 랩을 시작하지 못했습니다: {root}:3: A 레코드의 데이터가 잘못되었습니다: \
             IPv4 주소가 와야 합니다\n"
        )
    );
    assert_korean(&ko, TOKENS);
    let (code, en) = said(&["lab", "up", "--config", &file], "en");
    assert_eq!(code, Some(1));
    assert_eq!(
        en,
        format!("roundtrip: {root}:3: bad A data: expected IPv4 address\n")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_web_config_s_value_and_a_proxy_flag_are_refused_in_korean() {
    let dir = scratch("web");
    let file = dir.join("web.toml");
    std::fs::write(&file, "workers = 1\n[limits]\nmax_uri_bytes = 8\n").unwrap();
    let file = file.display().to_string();
    let serve = ["serve", "web", "--listen", "127.0.0.1:1", "--root", "/tmp"];
    let args = [&serve[..], &["--config", &file]].concat();
    let (code, ko) = said(&args, "ko");
    assert_eq!(code, Some(1));
    assert_eq!(
        ko,
        format!(
            "roundtrip: 설정 파일이 잘못되었습니다: {file}:3:17: max_uri_bytes는 16 이상이어야 \
             합니다\n"
        )
    );
    assert_korean(&ko, TOKENS);
    let (_, en) = said(&args, "en");
    assert_eq!(
        en,
        format!("roundtrip: {file}:3:17: max_uri_bytes must be at least 16\n")
    );

    let args = [&serve[..], &["--proxy", "/api=https://127.0.0.1:9000"]].concat();
    let (code, ko) = said(&args, "ko");
    assert_eq!(code, Some(2));
    assert_eq!(
        ko,
        "roundtrip: --proxy 값이 잘못되었습니다: https://127.0.0.1:9000: 업스트림과는 평문 \
         HTTP(http://)로 이야기합니다\n"
    );
    assert_korean(&ko, TOKENS);
    let (_, en) = said(&args, "en");
    assert_eq!(
        en,
        "roundtrip: --proxy https://127.0.0.1:9000: upstreams speak plain HTTP (http://)\n"
    );

    // A document root that is not there: the web server cannot start.
    let args = [
        "serve",
        "web",
        "--listen",
        "127.0.0.1:0",
        "--root",
        "/nonexistent-rt-root",
    ];
    let (code, ko) = said(&args, "ko");
    assert_eq!(code, Some(1));
    assert_eq!(
        ko,
        "roundtrip: 웹 서버를 시작할 수 없습니다: 문서 루트를 쓸 수 없습니다: \
         /nonexistent-rt-root: 그런 파일이나 디렉터리가 없습니다 (오류 번호 2)\n"
    );
    assert_korean(&ko, TOKENS);
    assert_eq!(
        said(&args, "en").1,
        "roundtrip: document root /nonexistent-rt-root: No such file or directory (os error 2)\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_allow_is_refused_in_korean() {
    let base = ["serve", "resolver", "--listen", "127.0.0.1:1"];
    for (cidr, korean, english) in [
        (
            "nope",
            "roundtrip: --allow 값이 잘못되었습니다: 주소도 네트워크도 아닙니다: \"nope\"\n",
            "roundtrip: --allow \"nope\" is not an address or network\n",
        ),
        (
            "192.0.2.0/33",
            "roundtrip: --allow 값이 잘못되었습니다: \"192.0.2.0/33\": 프리픽스 길이는 0부터 \
             32까지여야 합니다\n",
            "roundtrip: --allow \"192.0.2.0/33\": prefix length must be 0-32\n",
        ),
    ] {
        let args = [&base[..], &["--allow", cidr]].concat();
        let (code, ko) = said(&args, "ko");
        assert_eq!(code, Some(2), "{ko}");
        assert_eq!(ko, korean);
        assert_korean(&ko, TOKENS);
        assert_eq!(said(&args, "en").1, english);
    }
}

#[test]
fn a_refused_zone_file_is_said_in_korean_with_its_line() {
    let dir = scratch("zone");
    let zone = dir.join("example.zone");
    std::fs::write(
        &zone,
        "$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n\
         www CNAME a..b.\n",
    )
    .unwrap();
    let spec = format!("example.com.={}", zone.display());
    let args = ["serve", "auth", "--listen", "127.0.0.1:1", "--zone", &spec];
    let (code, ko) = said(&args, "ko");
    assert_eq!(code, Some(1));
    assert_eq!(
        ko,
        format!(
            "roundtrip: 존 파일을 읽을 수 없습니다: {}:5: CNAME 레코드의 데이터가 \
             잘못되었습니다: 잘못된 도메인 이름입니다: 빈 레이블이 있습니다 (점 두 개가 연달아 \
             있는 경우 등)\n",
            zone.display()
        )
    );
    assert_korean(&ko, &["CNAME"]);
    let (_, en) = said(&args, "en");
    assert_eq!(
        en,
        format!(
            "roundtrip: {}:5: bad CNAME data: invalid domain name: empty label\n",
            zone.display()
        )
    );
    // A file that is not there: the system's error by its kind.
    let spec = format!("example.com.={}", dir.join("nope.zone").display());
    let args = ["serve", "auth", "--listen", "127.0.0.1:1", "--zone", &spec];
    let (_, ko) = said(&args, "ko");
    assert!(
        ko.ends_with(
            ":1: 파일을 읽을 수 없습니다: 그런 파일이나 디렉터리가 없습니다 (오류 번호 2)\n"
        ),
        "{ko}"
    );

    // Root hints with no server that has an address.
    let hints = dir.join("root.hints");
    std::fs::write(&hints, ". 3600000 NS a.root-servers.net.\n").unwrap();
    let hints = hints.display().to_string();
    let args = [
        "serve",
        "resolver",
        "--listen",
        "127.0.0.1:1",
        "--root-hints",
        &hints,
    ];
    let (code, ko) = said(&args, "ko");
    assert_eq!(code, Some(1));
    assert_eq!(
        ko,
        format!(
            "roundtrip: 루트 힌트 파일을 읽을 수 없습니다: {hints}:1: NS 레코드의 데이터가 \
             잘못되었습니다: 주소가 있는 루트 서버가 없습니다. 힌트 파일에는 `. NS 이름`과 `이름 \
             A 주소` 꼴의 레코드가 있어야 합니다\n"
        )
    );
    assert_korean(&ko, &[]);
    assert_eq!(
        said(&args, "en").1,
        format!(
            "roundtrip: {hints}:1: bad NS data: no root server with an address: hints need `. NS \
             name` and `name A address`\n"
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lab_exec_with_no_lab_running_says_so_in_korean() {
    let dir = scratch("nolab");
    let runtime = dir.display().to_string();
    let env = [("XDG_RUNTIME_DIR", runtime.as_str())];
    let looked = dir.join("roundtrip").display().to_string();
    let out = run(&["lab", "exec", "--lang", "ko", "--", "true"], &env);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!("roundtrip: 돌고 있는 랩이 없습니다 ({looked}에 아무것도 없습니다)\n")
    );
    assert_korean(&stderr(&out), TOKENS);
    let out = run(&["lab", "exec", "--", "true"], &env);
    assert_eq!(
        stderr(&out),
        format!("roundtrip: no lab is running (nothing in {looked})\n")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_server_that_closes_mid_response_is_said_in_korean() {
    let block = LoopbackBlock::claim();
    let listener = TcpListener::bind(block.addr(80, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    // Two requests (one per language), each answered with half a body, then the close.
    std::thread::spawn(move || {
        for stream in listener.incoming().take(2) {
            let mut stream = stream.unwrap();
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: text/plain\r\n\r\nhalf",
            );
        }
    });
    let url = format!("http://{addr}/cut");
    let (code, ko) = said(&["get", "--no-cache", &url], "ko");
    assert_eq!(code, Some(1), "{ko}");
    assert_eq!(
        ko,
        format!(
            "roundtrip: get: {url}: 본문을 읽는 중에: 메시지가 다 오기 전에 서버가 연결을 \
             닫았습니다\n"
        )
    );
    assert_korean(&ko, TOKENS);
    let (_, en) = said(&["get", "--no-cache", &url], "en");
    assert_eq!(
        en,
        format!(
            "roundtrip: get: {url}: reading the body: error reading a body from connection: end \
             of file before message length reached\n"
        )
    );
}
