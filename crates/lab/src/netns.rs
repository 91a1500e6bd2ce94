//! Network namespaces for the lab's hosts, and the user namespace that lets an ordinary user
//! make them.
//!
//! Each lab host is a network namespace of its own: its own interfaces, addresses, routes,
//! neighbour cache and socket table (`ip netns` without the mounts). A [`Netns`] is held by a
//! parked "anchor" thread that created it and stays in it, so the namespace lives exactly as
//! long as the [`Netns`] value (nothing is left on the host when the process ends) and another
//! process of the same user can find it at `/proc/PID/task/TID/ns/net` (`roundtrip lab exec`).
//!
//! `setns` moves only the calling thread, and a thread inherits its creator's namespace. So
//! work for a host runs through [`Netns::run`]: a fresh thread enters the namespace, and the
//! sockets, threads and runtimes it makes belong to that host for life.
//!
//! An ordinary user may create network namespaces only inside a user namespace of their own.
//! [`enter_user_namespace`] must run first thing in `main`, while the process still has one
//! thread (the kernel refuses `unshare(CLONE_NEWUSER)` to a multi-threaded process): the user
//! becomes root inside it, with capabilities over the namespaces it owns and nothing else.
//! Where that is refused (a sysctl, AppArmor, a container's seccomp profile), [`isolation`]
//! says which check refused and the lab falls back to loopback addresses.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::thread::JoinHandle;

/// Set to force the loopback fallback, as if user namespaces were refused (for tests, and for
/// users who want the old single-host lab).
pub const NO_NAMESPACES_ENV: &str = "ROUNDTRIP_LAB_NO_NAMESPACES";

/// What the process may do to build a lab of namespaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Isolation {
    /// Running as root: network namespaces directly.
    Root,
    /// An ordinary user (`uid` outside) mapped to root inside a user namespace of its own.
    UserNamespace {
        /// The user's id outside.
        uid: u32,
        /// The user's group outside.
        gid: u32,
    },
    /// No namespaces: the lab runs on loopback addresses. `reason` says which check refused
    /// and which setting allows it.
    Refused {
        /// Why, in one sentence (English, for logs and `--json`).
        reason: String,
        /// Why, to be told in any language ([`Refusal::text`]).
        refusal: Refusal,
    },
}

/// Why the lab cannot have namespaces of its own.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    /// The process did not enter a user namespace at its start.
    NotEnteredAtStart,
    /// [`NO_NAMESPACES_ENV`] asks for the loopback lab.
    Forced,
    /// The kernel refused a step; `by` names the setting that did, when one can be read.
    Refused {
        /// The step: `unshare(CLONE_NEWUSER)`, `writing /proc/self/uid_map` (English in JSON).
        #[serde(serialize_with = "in_english")]
        step: RefusedStep,
        /// The kernel's error (English).
        error: String,
        /// The kernel's error number, when it gave one: the error said in any language.
        #[serde(skip)]
        os_code: Option<i32>,
        /// Which setting refused it.
        by: RefusedBy,
    },
    /// The namespaces were made but the network could not be built in them.
    NetworkNotBuilt {
        /// Why (English).
        error: String,
        /// The step that failed, to be told in any language.
        #[serde(skip)]
        step: crate::network::BuildStep,
        /// The system's error number, when it gave one.
        #[serde(skip)]
        os_code: Option<i32>,
    },
}

/// The step of making a user namespace that the kernel refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefusedStep {
    /// `unshare(CLONE_NEWUSER)`.
    Unshare,
    /// Writing one of the namespace's files (`/proc/self/uid_map`).
    Write(String),
}

impl RefusedStep {
    /// The step in `lang`.
    pub fn describe(&self, lang: text::Lang) -> String {
        match self {
            RefusedStep::Unshare => text::t!(lang, "netns-step-unshare"),
            RefusedStep::Write(path) => text::t!(lang, "netns-step-write", path = path),
        }
    }
}

fn in_english<S: serde::Serializer>(step: &RefusedStep, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&step.describe(text::Lang::En))
}

/// The setting that refuses user namespaces, as read from the sysctls that can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusedBy {
    /// kernel.apparmor_restrict_unprivileged_userns=1 (Ubuntu 24.04).
    AppArmor,
    /// kernel.unprivileged_userns_clone=0 (older Debian).
    UnprivilegedUsernsClone,
    /// user.max_user_namespaces=0.
    MaxUserNamespaces,
    /// EINVAL: the process had threads already.
    Threads,
    /// EPERM with no sysctl against it: seccomp (a container) or a security module.
    SeccompOrModule,
    /// The kernel said no more.
    Unknown,
}

impl Refusal {
    /// The refusal in `lang`, one sentence that names the setting and how to allow it.
    pub fn text(&self, lang: text::Lang) -> String {
        use text::t;
        match self {
            Refusal::NotEnteredAtStart => t!(lang, "netns-not-entered"),
            Refusal::Forced => t!(lang, "netns-forced", variable = NO_NAMESPACES_ENV),
            Refusal::NetworkNotBuilt {
                error,
                step,
                os_code,
            } => {
                let error = if lang == text::Lang::En {
                    error.clone()
                } else {
                    let system = os_code
                        .map(|code| text::io_error(lang, &std::io::Error::from_raw_os_error(code)));
                    match (step.describe(lang), system) {
                        (Some(step), Some(system)) => format!("{step}: {system}"),
                        (Some(step), None) => step,
                        (None, Some(system)) => system,
                        // An error the system gave no number for: its own words.
                        (None, None) => error.clone(),
                    }
                };
                t!(lang, "netns-network-not-built", error = error)
            }
            Refusal::Refused {
                step,
                error,
                os_code,
                by,
            } => {
                let setting = match by {
                    RefusedBy::AppArmor => t!(lang, "netns-by-apparmor"),
                    RefusedBy::UnprivilegedUsernsClone => t!(lang, "netns-by-userns-clone"),
                    RefusedBy::MaxUserNamespaces => t!(lang, "netns-by-max-user-namespaces"),
                    RefusedBy::Threads => t!(lang, "netns-by-threads"),
                    RefusedBy::SeccompOrModule => t!(lang, "netns-by-seccomp"),
                    RefusedBy::Unknown => t!(lang, "netns-by-unknown"),
                };
                let error = match os_code {
                    Some(code) if lang != text::Lang::En => {
                        text::io_error(lang, &io::Error::from_raw_os_error(*code))
                    }
                    _ => error.clone(),
                };
                t!(
                    lang,
                    "netns-refused",
                    step = step.describe(lang),
                    error = error,
                    setting = setting
                )
            }
        }
    }

    fn isolation(self) -> Isolation {
        Isolation::Refused {
            reason: self.text(text::Lang::En),
            refusal: self,
        }
    }
}

impl Isolation {
    /// Whether the lab can build its hosts as namespaces.
    pub fn namespaces(&self) -> bool {
        !matches!(self, Isolation::Refused { .. })
    }
}

static ISOLATION: OnceLock<Isolation> = OnceLock::new();

/// Enters a user namespace when the process is not root, so that it may build the lab's
/// network. Call it first thing in `main`, before any thread starts; later calls return the
/// first answer.
pub fn enter_user_namespace() -> &'static Isolation {
    ISOLATION.get_or_init(decide)
}

/// What [`enter_user_namespace`] decided, or — when it was never called — what this process can
/// do without it: namespaces as root, the loopback fallback otherwise.
pub fn isolation() -> &'static Isolation {
    ISOLATION.get_or_init(|| {
        decided_without_entering().unwrap_or_else(|| Refusal::NotEnteredAtStart.isolation())
    })
}

/// What is decided before any namespace is entered: the refusal forced by
/// [`NO_NAMESPACES_ENV`], or root, which needs no user namespace. `None`: an ordinary user.
fn decided_without_entering() -> Option<Isolation> {
    if std::env::var_os(NO_NAMESPACES_ENV).is_some_and(|v| !v.is_empty() && v != "0") {
        return Some(Refusal::Forced.isolation());
    }
    // SAFETY: geteuid has no preconditions.
    (unsafe { libc::geteuid() } == 0).then_some(Isolation::Root)
}

fn decide() -> Isolation {
    if let Some(decided) = decided_without_entering() {
        return decided;
    }
    // SAFETY: getuid and getgid have no preconditions.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    // SAFETY: unshare has no memory preconditions; it fails with EINVAL when threaded.
    if unsafe { libc::unshare(libc::CLONE_NEWUSER) } != 0 {
        let err = io::Error::last_os_error();
        return explain_refusal(RefusedStep::Unshare, &err).isolation();
    }
    // The order the kernel requires: setgroups must be denied before an unprivileged gid_map.
    let maps = [
        ("/proc/self/setgroups", "deny".to_owned()),
        ("/proc/self/uid_map", format!("0 {uid} 1")),
        ("/proc/self/gid_map", format!("0 {gid} 1")),
    ];
    for (path, text) in maps {
        if let Err(err) = std::fs::write(path, text) {
            return explain_refusal(RefusedStep::Write(path.to_owned()), &err).isolation();
        }
    }
    Isolation::UserNamespace { uid, gid }
}

/// Which setting refused a user namespace; read from the sysctls that do.
fn explain_refusal(step: RefusedStep, err: &io::Error) -> Refusal {
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .ok()
            .map(|s| s.trim().to_owned())
    };
    let by =
        if read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").as_deref() == Some("1") {
            RefusedBy::AppArmor
        } else if read("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0") {
            RefusedBy::UnprivilegedUsernsClone
        } else if read("/proc/sys/user/max_user_namespaces").as_deref() == Some("0") {
            RefusedBy::MaxUserNamespaces
        } else if err.raw_os_error() == Some(libc::EINVAL) {
            RefusedBy::Threads
        } else if err.raw_os_error() == Some(libc::EPERM) {
            RefusedBy::SeccompOrModule
        } else {
            RefusedBy::Unknown
        };
    Refusal::Refused {
        step,
        error: err.to_string(),
        os_code: err.raw_os_error(),
        by,
    }
}

/// One network namespace, held open by its anchor thread.
pub struct Netns {
    fd: OwnedFd,
    tid: i32,
    anchor: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

impl std::fmt::Debug for Netns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Netns")
            .field("fd", &self.fd.as_raw_fd())
            .field("tid", &self.tid)
            .finish()
    }
}

impl Netns {
    /// A new, empty network namespace (only `lo`, down), owned by this process's user
    /// namespace.
    pub fn create(name: &str) -> io::Result<Netns> {
        let (ready_tx, ready_rx) = mpsc::channel::<io::Result<(OwnedFd, i32)>>();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let anchor = std::thread::Builder::new()
            .name(format!("netns-{name}"))
            .stack_size(64 * 1024)
            .spawn(move || {
                let made = (|| {
                    // SAFETY: unshare on this thread only (CLONE_NEWNET is per thread).
                    if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
                        return Err(io::Error::last_os_error());
                    }
                    let file = File::open("/proc/thread-self/ns/net")?;
                    // SAFETY: gettid has no preconditions.
                    let tid = unsafe { libc::gettid() };
                    Ok((OwnedFd::from(file), tid))
                })();
                let ok = made.is_ok();
                let _ = ready_tx.send(made);
                if ok {
                    // Parked until the Netns drops: its /proc/PID/task/TID/ns/net is the
                    // namespace's address for other processes.
                    let _ = stop_rx.recv();
                }
            })?;
        let (fd, tid) = ready_rx
            .recv()
            .map_err(|_| io::Error::other("the namespace's thread ended early"))??;
        let netns = Netns {
            fd,
            tid,
            anchor: Some((stop_tx, anchor)),
        };
        netns.run(|| set_link_up_by_name("lo"))??;
        Ok(netns)
    }

    /// The thread id that holds the namespace: `/proc/PID/task/TID/ns/net`.
    pub fn anchor_tid(&self) -> i32 {
        self.tid
    }

    /// A file descriptor of the namespace (for netlink's IFLA_NET_NS_FD).
    pub fn raw_fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }

    /// Moves the calling thread into this namespace. Prefer [`Netns::run`], which leaves the
    /// caller where it was.
    pub fn enter(&self) -> io::Result<()> {
        // SAFETY: the fd is a namespace fd we own; setns affects only this thread.
        if unsafe { libc::setns(self.fd.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Runs `work` on a new thread inside this namespace and returns its result. Sockets,
    /// threads and runtimes made by `work` belong to this namespace.
    pub fn run<T: Send>(&self, work: impl FnOnce() -> T + Send) -> io::Result<T> {
        std::thread::scope(|scope| {
            let handle = std::thread::Builder::new()
                .name("netns-run".into())
                .spawn_scoped(scope, || {
                    self.enter()?;
                    Ok(work())
                })?;
            handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    /// Writes a sysctl of this namespace (`net/ipv4/ip_forward`), as `sysctl -w` run inside it:
    /// `/proc/sys/KEY`. The system's error is returned as it is (the caller names the file).
    pub fn sysctl(&self, key: &str, value: &str) -> io::Result<()> {
        let path = format!("/proc/sys/{key}");
        self.run(|| std::fs::write(&path, value))?
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Some((stop, anchor)) = self.anchor.take() {
            drop(stop);
            let _ = anchor.join();
        }
    }
}

/// Joins host `tid` of the lab run by process `pid`, as `ip netns exec` does, so that the
/// command this process then executes talks to the lab as that host: its network namespace
/// (entered through the lab's user namespace when the lab runs in one), and a mount namespace
/// of its own where `/etc/resolv.conf` is `resolv_conf` (the lab's resolver). Must be called
/// while the process has one thread; nothing outside this process changes.
pub fn join_lab_host(pid: i32, tid: i32, resolv_conf: &std::path::Path) -> Result<(), JoinError> {
    let fail = |step: JoinStep| move |error: io::Error| JoinError { step, error };
    let open = |path: String| File::open(&path).map_err(fail(JoinStep::Open(path.clone())));
    let netns = open(format!("/proc/{pid}/task/{tid}/ns/net"))?;
    let own_user =
        std::fs::read_link("/proc/self/ns/user").map_err(fail(JoinStep::UserNamespaces))?;
    let lab_user = std::fs::read_link(format!("/proc/{pid}/ns/user"))
        .map_err(fail(JoinStep::UserNamespaces))?;
    if own_user != lab_user {
        let userns = open(format!("/proc/{pid}/ns/user"))?;
        // SAFETY: a namespace fd we own; the process is single-threaded (the caller's duty).
        if unsafe { libc::setns(userns.as_raw_fd(), libc::CLONE_NEWUSER) } != 0 {
            return Err(fail(JoinStep::UserNamespace)(io::Error::last_os_error()));
        }
    }
    // SAFETY: as above, for the network namespace.
    if unsafe { libc::setns(netns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(fail(JoinStep::NetworkNamespace)(io::Error::last_os_error()));
    }
    // SAFETY: unshare/mount with valid NUL-terminated strings; they affect only this process's
    // new mount namespace (made private first, so nothing propagates back to the host).
    unsafe {
        if libc::unshare(libc::CLONE_NEWNS) != 0 {
            return Err(fail(JoinStep::MountNamespace)(io::Error::last_os_error()));
        }
        let root = c"/";
        if libc::mount(
            std::ptr::null(),
            root.as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        ) != 0
        {
            return Err(fail(JoinStep::MountNamespace)(io::Error::last_os_error()));
        }
        let source = std::ffi::CString::new(resolv_conf.as_os_str().as_encoded_bytes())
            .map_err(|err| fail(JoinStep::NulInPath)(io::Error::other(err)))?;
        let target = c"/etc/resolv.conf";
        if libc::mount(
            source.as_ptr(),
            target.as_ptr(),
            std::ptr::null(),
            libc::MS_BIND,
            std::ptr::null(),
        ) != 0
        {
            return Err(fail(JoinStep::ResolvConf)(io::Error::last_os_error()));
        }
    }
    Ok(())
}

/// Why a lab's host could not be joined ([`join_lab_host`]): the step, and the system's error.
/// `Display` is English; [`JoinError::describe`] says it in a language.
#[derive(Debug)]
pub struct JoinError {
    /// Which step failed.
    pub step: JoinStep,
    /// The system's error.
    pub error: io::Error,
}

/// A step of joining a lab's host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinStep {
    /// Opening a namespace's file under /proc.
    Open(String),
    /// Reading which user namespaces this process and the lab are in.
    UserNamespaces,
    /// Entering the lab's user namespace.
    UserNamespace,
    /// Entering the host's network namespace.
    NetworkNamespace,
    /// Making a mount namespace of this process's own.
    MountNamespace,
    /// The resolv.conf's path has a NUL byte.
    NulInPath,
    /// Mounting the lab's resolv.conf on /etc/resolv.conf.
    ResolvConf,
}

impl JoinError {
    /// The error in `lang`: the step, then the system's error by its kind.
    pub fn describe(&self, lang: text::Lang) -> String {
        use text::t;
        if lang == text::Lang::En {
            return self.to_string();
        }
        let error = text::io_error(lang, &self.error);
        match &self.step {
            JoinStep::Open(path) => format!("{path}: {error}"),
            JoinStep::UserNamespaces => t!(lang, "lab-join-user-namespaces", error = error),
            JoinStep::UserNamespace => t!(lang, "lab-join-user-namespace", error = error),
            JoinStep::NetworkNamespace => t!(lang, "lab-join-network-namespace", error = error),
            JoinStep::MountNamespace => t!(lang, "lab-join-mount-namespace", error = error),
            JoinStep::NulInPath => t!(lang, "lab-join-nul-in-path"),
            JoinStep::ResolvConf => t!(lang, "lab-join-resolv-conf", error = error),
        }
    }
}

impl std::fmt::Display for JoinError {
    /// As it has always been said: the step where the error alone would not tell it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let error = &self.error;
        match &self.step {
            JoinStep::Open(path) => write!(f, "{path}: {error}"),
            JoinStep::UserNamespace => {
                write!(f, "cannot join the lab's user namespace: {error}")
            }
            JoinStep::NetworkNamespace => {
                write!(f, "cannot join the host's network namespace: {error}")
            }
            JoinStep::ResolvConf => write!(
                f,
                "cannot put the lab's resolv.conf on /etc/resolv.conf: {error}"
            ),
            JoinStep::UserNamespaces | JoinStep::MountNamespace | JoinStep::NulInPath => {
                write!(f, "{error}")
            }
        }
    }
}

impl std::error::Error for JoinError {}

/// Brings an interface of the calling thread's namespace up (SIOCSIFFLAGS), as `ip link set
/// NAME up`.
pub(crate) fn set_link_up_by_name(name: &str) -> io::Result<()> {
    interface_flags(name, Some(libc::IFF_UP as libc::c_short)).map(drop)
}

/// Waits (up to `within`) until interface `name` of the calling thread's namespace is
/// running: the kernel has seen its carrier and given it a queue. Until then a veth drops
/// what it is asked to send, so a lab that is used at once would lose its first packets.
pub(crate) fn wait_running(name: &str, within: std::time::Duration) -> io::Result<()> {
    let deadline = std::time::Instant::now() + within;
    loop {
        let flags = interface_flags(name, None)?;
        if flags & libc::IFF_RUNNING as libc::c_short != 0 {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{name} did not come up"),
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// An interface's flags (SIOCGIFFLAGS), after setting `add` when given (SIOCSIFFLAGS).
fn interface_flags(name: &str, add: Option<libc::c_short>) -> io::Result<libc::c_short> {
    // SAFETY: a plain datagram socket used only for the interface ioctls below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd was just returned by socket and is owned here.
    let socket = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    // SAFETY: ifreq is plain data; all-zero is a valid value.
    let mut request: libc::ifreq = unsafe { std::mem::zeroed() };
    if name.len() >= request.ifr_name.len() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "interface name too long",
        ));
    }
    for (slot, byte) in request.ifr_name.iter_mut().zip(name.bytes()) {
        *slot = byte as libc::c_char;
    }
    // SAFETY: SIOCGIFFLAGS/SIOCSIFFLAGS read and write the ifreq we own.
    unsafe {
        if libc::ioctl(socket.as_raw_fd(), libc::SIOCGIFFLAGS, &mut request) != 0 {
            return Err(io::Error::last_os_error());
        }
        if let Some(add) = add {
            request.ifr_ifru.ifru_flags |= add;
            if libc::ioctl(socket.as_raw_fd(), libc::SIOCSIFFLAGS, &request) != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(request.ifr_ifru.ifru_flags)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_refusal_names_its_setting_in_both_languages() {
        use text::Lang;
        for (by, setting) in [
            (
                RefusedBy::AppArmor,
                "kernel.apparmor_restrict_unprivileged_userns",
            ),
            (
                RefusedBy::UnprivilegedUsernsClone,
                "kernel.unprivileged_userns_clone",
            ),
            (RefusedBy::MaxUserNamespaces, "user.max_user_namespaces"),
            (RefusedBy::Threads, ""),
            (RefusedBy::SeccompOrModule, "unshare(CLONE_NEWUSER)"),
            (RefusedBy::Unknown, ""),
        ] {
            let refusal = Refusal::Refused {
                step: RefusedStep::Write("/proc/self/uid_map".into()),
                error: "Operation not permitted (os error 1)".into(),
                os_code: Some(libc::EPERM),
                by,
            };
            let (en, ko) = (refusal.text(Lang::En), refusal.text(Lang::Ko));
            assert!(
                en.contains("(writing /proc/self/uid_map: Operation not permitted (os error 1))"),
                "{en}"
            );
            assert!(
                ko.contains("(/proc/self/uid_map에 쓰기: 권한이 없습니다 (오류 번호 1))"),
                "{ko}"
            );
            for text in [&en, &ko] {
                assert!(text.contains(setting), "{by:?}: {text}");
            }
            assert_eq!(
                serde_json::to_value(&refusal).unwrap()["step"],
                "writing /proc/self/uid_map"
            );
            assert!(en.starts_with("user namespaces are refused"), "{en}");
            assert!(ko.contains("사용자 네임스페이스"), "{ko}");
        }
        let Isolation::Refused { reason, refusal } = Refusal::Forced.isolation() else {
            panic!("a refusal");
        };
        assert_eq!(
            reason,
            refusal.text(Lang::En),
            "the English reason is the catalogue's"
        );
        assert!(reason.contains(NO_NAMESPACES_ENV));
    }

    use super::*;

    #[test]
    fn a_namespace_has_its_own_socket_table() {
        if !isolation().namespaces() {
            eprintln!("SKIP: no namespaces here: {:?}", isolation());
            return;
        }
        let a = Netns::create("a").expect("a namespace");
        let b = Netns::create("b").expect("another");
        // The same address and port in both: two hosts, two socket tables.
        let bind = || std::net::TcpListener::bind("127.0.0.1:80").map(drop);
        a.run(bind).unwrap().expect("port 80 in a");
        let kept = a
            .run(|| std::net::TcpListener::bind("127.0.0.1:80"))
            .unwrap()
            .expect("port 80 in a again");
        b.run(bind)
            .unwrap()
            .expect("port 80 in b, while a holds its own");
        drop(kept);
        assert!(
            std::path::Path::new(&format!("/proc/self/task/{}/ns/net", a.anchor_tid())).exists()
        );
    }
}
