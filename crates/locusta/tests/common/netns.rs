//! Network namespaces for tests of faults between a master and its workers:
//! a hub namespace (the master's) linked to one namespace per worker by a
//! veth pair, point-to-point addresses in 10.77.0.0/24 (each test has its own
//! namespaces, so every test may use the same addresses), and the faults:
//! a link cut (every packet dropped by the hub's packet filter), and delay
//! with random loss (packets held and dropped by a queue this process
//! serves, NFQUEUE, for kernels without `netem`).
//!
//! Everything made here is removed by `Drop`, also when the test fails; a
//! test process killed before its guards ran leaves namespaces that the next
//! run removes (their names carry the process id).
//! Only loopback and the links made here carry traffic.

use std::collections::VecDeque;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use locusta_demo_target::{Target, TargetConfig};

/// The hub's address on every link.
pub const HUB_ADDR: &str = "10.77.0.1";

/// Worker `k`'s address (1-based).
pub fn worker_addr(k: usize) -> String {
    format!("10.77.0.{}", k + 1)
}

/// Why network namespaces cannot be made here, or `None` when they can
/// (probed once by making and removing one).
pub fn unavailable() -> Option<String> {
    static PROBE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    PROBE
        .get_or_init(|| {
            let name = format!("lt-probe-{}", std::process::id());
            match Command::new("ip").args(["netns", "add", &name]).output() {
                Ok(out) if out.status.success() => {
                    let _ = Command::new("ip").args(["netns", "del", &name]).output();
                    None
                }
                Ok(out) => Some(format!(
                    "`ip netns add` failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                )),
                Err(e) => Some(format!("`ip` cannot run: {e}")),
            }
        })
        .clone()
}

/// Prints a banner saying the test is skipped, and why. Returns true when
/// the test must skip (namespaces cannot be made here).
pub fn skip(test: &str) -> bool {
    let Some(why) = unavailable() else {
        return false;
    };
    let line = "!".repeat(78);
    // Straight to the process's stderr: the test harness captures
    // `eprintln!` of passing tests, and this must be seen.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\n{line}\n!! SKIPPED {test}: network namespaces cannot be created here.\n!! {why}\n!! (root and iproute2 are needed: scripts/setup.sh test installs iproute2)\n{line}\n"
    );
    true
}

/// Runs a command (which must succeed); its output.
#[track_caller]
fn run(command: &mut Command) -> Output {
    let out = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{command:?} cannot run: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `ip ARGS`, which must succeed.
#[track_caller]
fn ip(args: &[&str]) {
    run(Command::new("ip").args(args));
}

/// Removes the namespaces of test processes that no longer exist (killed
/// before their `Drop` guards ran), once per process.
fn sweep() {
    static SWEPT: std::sync::Once = std::sync::Once::new();
    SWEPT.call_once(|| {
        let Ok(list) = Command::new("ip").args(["netns", "list"]).output() else {
            return;
        };
        for line in String::from_utf8_lossy(&list.stdout).lines() {
            let name = line.split_whitespace().next().unwrap_or_default();
            // lt-TEST-PID-N-hub or lt-TEST-PID-N-wK (TEST has no dash).
            let parts: Vec<&str> = name.split('-').collect();
            let gone = parts.len() == 5
                && parts[0] == "lt"
                && parts[2]
                    .parse::<u32>()
                    .is_ok_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
            if gone {
                let _ = Command::new("ip").args(["netns", "del", name]).output();
            }
        }
    });
}

/// A hub namespace and `workers` worker namespaces, each linked to the hub.
pub struct Net {
    hub: String,
    workers: Vec<String>,
    delayers: Vec<Delayer>,
}

impl Net {
    /// Makes the namespaces and links; `test` makes the names unique
    /// (with this process's id and a counter).
    pub fn new(test: &str, workers: usize) -> Net {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        sweep();
        let base = format!("lt-{test}-{}-{n}", std::process::id());
        let mut net = Net {
            hub: format!("{base}-hub"),
            workers: Vec::new(),
            delayers: Vec::new(),
        };
        // Created one by one and pushed at once: Drop removes what exists.
        ip(&["netns", "add", &net.hub]);
        ip(&["-n", &net.hub, "link", "set", "lo", "up"]);
        for k in 1..=workers {
            let ns = format!("{base}-w{k}");
            ip(&["netns", "add", &ns]);
            net.workers.push(ns.clone());
            ip(&["-n", &ns, "link", "set", "lo", "up"]);
            let (hub_end, worker_end) = (format!("h{k}"), format!("w{k}"));
            // Made in the hub with its peer in the worker's namespace: no
            // interface ever appears in the namespace the tests run in.
            ip(&[
                "-n",
                &net.hub,
                "link",
                "add",
                &hub_end,
                "type",
                "veth",
                "peer",
                "name",
                &worker_end,
                "netns",
                &ns,
            ]);
            let worker = worker_addr(k);
            ip(&[
                "-n", &net.hub, "addr", "add", HUB_ADDR, "peer", &worker, "dev", &hub_end,
            ]);
            ip(&[
                "-n",
                &ns,
                "addr",
                "add",
                &worker,
                "peer",
                HUB_ADDR,
                "dev",
                &worker_end,
            ]);
            ip(&["-n", &net.hub, "link", "set", &hub_end, "up"]);
            ip(&["-n", &ns, "link", "set", &worker_end, "up"]);
        }
        net
    }

    /// The hub's namespace.
    pub fn hub(&self) -> &str {
        &self.hub
    }

    /// Worker `k`'s namespace (1-based).
    pub fn worker(&self, k: usize) -> &str {
        &self.workers[k - 1]
    }

    /// Runs `iptables ARGS` in the hub.
    #[track_caller]
    fn hub_iptables(&self, args: &[&str]) {
        run(in_namespace_command(&self.hub, "iptables").args(args));
    }

    /// Cuts worker `k`'s link: the hub drops every packet to and from it.
    /// Connections stay open (nothing tells either end), as when a cable
    /// or a router between them fails.
    pub fn cut(&self, k: usize) {
        let dev = format!("h{k}");
        self.hub_iptables(&["-I", "INPUT", "-i", &dev, "-j", "DROP"]);
        self.hub_iptables(&["-I", "OUTPUT", "-o", &dev, "-j", "DROP"]);
    }

    /// Heals worker `k`'s link.
    pub fn heal(&self, k: usize) {
        let dev = format!("h{k}");
        self.hub_iptables(&["-D", "INPUT", "-i", &dev, "-j", "DROP"]);
        self.hub_iptables(&["-D", "OUTPUT", "-o", &dev, "-j", "DROP"]);
    }

    /// Delays every packet between the hub and each worker by `delay` in
    /// each direction and drops `loss` (0–1) of them at random, until the
    /// namespaces are removed. Returns counters of the packets seen and
    /// dropped.
    pub fn delay_and_loss(&mut self, delay: Duration, loss: f64) -> Arc<DelayCounters> {
        let queue = 7;
        let delayer = Delayer::start(&self.hub, queue, delay, loss);
        let counters = delayer.counters.clone();
        self.delayers.push(delayer);
        let queue = queue.to_string();
        for k in 1..=self.workers.len() {
            let dev = format!("h{k}");
            for (chain, dir) in [("INPUT", "-i"), ("OUTPUT", "-o")] {
                self.hub_iptables(&[
                    "-A",
                    chain,
                    dir,
                    &dev,
                    "-j",
                    "NFQUEUE",
                    "--queue-num",
                    &queue,
                ]);
            }
        }
        counters
    }

    /// A command that runs `program` in namespace `ns`.
    pub fn command(&self, ns: &str, program: impl AsRef<std::ffi::OsStr>) -> Command {
        in_namespace_command(ns, program)
    }

    /// Starts a demo target on 127.0.0.1:`port` inside worker `k`'s
    /// namespace (reachable only from there).
    pub fn target(&self, k: usize, port: u16) -> NsTarget {
        NsTarget::start(self.worker(k), port)
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        // The queue's server first: the rules that feed it go with the hub.
        self.delayers.clear();
        for ns in self.workers.iter().chain([&self.hub]) {
            // Removing a namespace removes its interfaces, the veth peers
            // with them, and its packet filter rules.
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stdin(Stdio::null())
                .output();
        }
    }
}

/// The namespace's file under /run/netns.
fn namespace_file(ns: &str) -> File {
    File::open(format!("/run/netns/{ns}"))
        .unwrap_or_else(|e| panic!("namespace {ns} cannot be opened: {e}"))
}

/// A command whose process enters namespace `ns` before it runs (its id is
/// the program's own: signals reach the program).
fn in_namespace_command(ns: &str, program: impl AsRef<std::ffi::OsStr>) -> Command {
    let file = namespace_file(ns);
    let mut command = Command::new(program);
    // SAFETY: setns is async-signal-safe; the file stays open (moved into
    // the closure) until the command is dropped.
    unsafe {
        command.pre_exec(move || {
            if libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command
}

/// Runs `f` on a thread of its own that entered namespace `ns`: sockets
/// made by `f` belong to that namespace for their whole life.
fn in_namespace<T: Send>(ns: &str, f: impl FnOnce() -> T + Send) -> T {
    let file = namespace_file(ns);
    std::thread::scope(|scope| {
        scope
            .spawn(move || {
                // SAFETY: a plain system call on an open descriptor; only
                // this short-lived thread changes namespace.
                let entered = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
                assert_eq!(entered, 0, "setns: {}", std::io::Error::last_os_error());
                f()
            })
            .join()
            .expect("the namespace thread")
    })
}

/// A demo target listening inside a namespace, served by this process (so
/// its own count of requests is at hand); stops when dropped.
pub struct NsTarget {
    target: Target,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl NsTarget {
    fn start(ns: &str, port: u16) -> NsTarget {
        let listener = in_namespace(ns, || {
            std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind the target's port")
        });
        listener.set_nonblocking(true).unwrap();
        let target = Target::new(TargetConfig::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = target.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                tokio::select! {
                    _ = serving.serve(listener) => {}
                    _ = stopped => {}
                }
            });
        });
        NsTarget {
            target,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Requests served so far.
    pub fn requests_served(&self) -> u64 {
        self.target.requests_served()
    }
}

impl Drop for NsTarget {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the delaying queue saw.
#[derive(Default)]
pub struct DelayCounters {
    /// Packets that went through the queue.
    pub packets: AtomicU64,
    /// Packets it dropped.
    pub dropped: AtomicU64,
}

/// Serves an NFQUEUE queue in a namespace: every packet queued is accepted
/// `delay` after it arrived, or dropped with probability `loss` (what
/// `tc … netem delay D loss L` does, on kernels built without netem).
struct Delayer {
    stop: Arc<AtomicBool>,
    counters: Arc<DelayCounters>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Delayer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// Netlink and nfnetlink_queue constants (linux/netfilter/nfnetlink_queue.h).
const NETLINK_NETFILTER: libc::c_int = 12;
const NFNL_SUBSYS_QUEUE: u16 = 3;
const NFQNL_MSG_PACKET: u16 = 0;
const NFQNL_MSG_VERDICT: u16 = 1;
const NFQNL_MSG_CONFIG: u16 = 2;
const NFQA_CFG_CMD: u16 = 1;
const NFQA_CFG_PARAMS: u16 = 2;
const NFQNL_CFG_CMD_BIND: u8 = 1;
const NFQNL_COPY_META: u8 = 1;
const NFQA_PACKET_HDR: u16 = 1;
const NFQA_VERDICT_HDR: u16 = 2;
const NF_DROP: u32 = 0;
const NF_ACCEPT: u32 = 1;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_ACK: u16 = 4;
const NLMSG_ERROR: u16 = 2;

/// One netlink message to nfnetlink_queue: header, nfgenmsg, attributes.
fn nfq_message(kind: u16, flags: u16, queue: u16, attributes: &[(u16, &[u8])]) -> Vec<u8> {
    let mut body = vec![0u8 /* AF_UNSPEC */, 0 /* NFNETLINK_V0 */];
    body.extend_from_slice(&queue.to_be_bytes());
    for (kind, value) in attributes {
        let len = 4 + value.len();
        body.extend_from_slice(&(len as u16).to_ne_bytes());
        body.extend_from_slice(&kind.to_ne_bytes());
        body.extend_from_slice(value);
        body.resize(body.len().next_multiple_of(4), 0);
    }
    let mut message = Vec::with_capacity(16 + body.len());
    message.extend_from_slice(&((16 + body.len()) as u32).to_ne_bytes());
    message.extend_from_slice(&((NFNL_SUBSYS_QUEUE << 8) | kind).to_ne_bytes());
    message.extend_from_slice(&(flags | NLM_F_REQUEST).to_ne_bytes());
    message.extend_from_slice(&0u32.to_ne_bytes()); // sequence
    message.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel
    message.extend_from_slice(&body);
    message
}

fn send_netlink(fd: libc::c_int, message: &[u8]) {
    // SAFETY: the buffer is valid for its length; the kernel is the peer
    // (a zeroed sockaddr_nl with the family set).
    let sent = unsafe {
        let mut to: libc::sockaddr_nl = std::mem::zeroed();
        to.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        libc::sendto(
            fd,
            message.as_ptr().cast(),
            message.len(),
            0,
            (&to as *const libc::sockaddr_nl).cast(),
            std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
        )
    };
    assert_eq!(
        sent,
        message.len() as isize,
        "netlink send: {}",
        std::io::Error::last_os_error()
    );
}

/// Reads one datagram of netlink messages; waits at most `wait`.
fn receive_netlink(fd: libc::c_int, buffer: &mut [u8], wait: Duration) -> usize {
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let millis = wait.as_millis().clamp(0, 50) as libc::c_int;
    // SAFETY: one valid pollfd; a valid buffer for recv.
    unsafe {
        if libc::poll(&mut poll, 1, millis) <= 0 {
            return 0;
        }
        let got = libc::recv(fd, buffer.as_mut_ptr().cast(), buffer.len(), 0);
        got.max(0) as usize
    }
}

/// The packet ids in a datagram of nfnetlink_queue messages; panics on a
/// netlink error (other than an acknowledgement).
fn packet_ids(datagram: &[u8]) -> Vec<u32> {
    let mut ids = Vec::new();
    let mut at = 0;
    while at + 16 <= datagram.len() {
        let len = u32::from_ne_bytes(datagram[at..at + 4].try_into().unwrap()) as usize;
        let kind = u16::from_ne_bytes(datagram[at + 4..at + 6].try_into().unwrap());
        if len < 16 || at + len > datagram.len() {
            break;
        }
        let message = &datagram[at..at + len];
        if kind == NLMSG_ERROR {
            let code = i32::from_ne_bytes(message[16..20].try_into().unwrap());
            assert_eq!(
                code,
                0,
                "nfnetlink_queue refused a request: {}",
                std::io::Error::from_raw_os_error(-code)
            );
        } else if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET {
            // Attributes after the 16-byte header and the 4-byte nfgenmsg.
            let mut a = 20;
            while a + 4 <= message.len() {
                let alen = u16::from_ne_bytes(message[a..a + 2].try_into().unwrap()) as usize;
                let akind = u16::from_ne_bytes(message[a + 2..a + 4].try_into().unwrap()) & 0x3fff;
                if alen < 4 || a + alen > message.len() {
                    break;
                }
                if akind == NFQA_PACKET_HDR && alen >= 8 {
                    ids.push(u32::from_be_bytes(
                        message[a + 4..a + 8].try_into().unwrap(),
                    ));
                }
                a += alen.next_multiple_of(4);
            }
        }
        at += len.next_multiple_of(4);
    }
    ids
}

impl Delayer {
    fn start(ns: &str, queue: u16, delay: Duration, loss: f64) -> Delayer {
        // The socket belongs to the namespace it was made in.
        let fd = in_namespace(ns, || {
            // SAFETY: plain socket creation and bind with a zeroed address.
            unsafe {
                let fd = libc::socket(libc::AF_NETLINK, libc::SOCK_RAW, NETLINK_NETFILTER);
                assert!(
                    fd >= 0,
                    "netlink socket: {}",
                    std::io::Error::last_os_error()
                );
                let mut local: libc::sockaddr_nl = std::mem::zeroed();
                local.nl_family = libc::AF_NETLINK as libc::sa_family_t;
                let bound = libc::bind(
                    fd,
                    (&local as *const libc::sockaddr_nl).cast(),
                    std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
                );
                assert_eq!(
                    bound,
                    0,
                    "netlink bind: {}",
                    std::io::Error::last_os_error()
                );
                fd
            }
        });
        let bind = [NFQNL_CFG_CMD_BIND, 0, 0, 0];
        send_netlink(
            fd,
            &nfq_message(NFQNL_MSG_CONFIG, NLM_F_ACK, queue, &[(NFQA_CFG_CMD, &bind)]),
        );
        let mut params = 0xffffu32.to_be_bytes().to_vec();
        params.push(NFQNL_COPY_META);
        send_netlink(
            fd,
            &nfq_message(
                NFQNL_MSG_CONFIG,
                NLM_F_ACK,
                queue,
                &[(NFQA_CFG_PARAMS, &params)],
            ),
        );
        let mut buffer = vec![0u8; 1 << 16];
        for _ in 0..2 {
            let got = receive_netlink(fd, &mut buffer, Duration::from_millis(50));
            assert!(got > 0, "nfnetlink_queue did not acknowledge its set-up");
            packet_ids(&buffer[..got]);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let counters = Arc::new(DelayCounters::default());
        let thread = {
            let (stop, counters) = (stop.clone(), counters.clone());
            std::thread::spawn(move || {
                let mut pending: VecDeque<(Instant, u32, u32)> = VecDeque::new();
                let mut seed: u64 = 0x9e37_79b9_7f4a_7c15 ^ u64::from(std::process::id());
                let mut random = move || {
                    // xorshift64*: enough for a loss rate.
                    seed ^= seed >> 12;
                    seed ^= seed << 25;
                    seed ^= seed >> 27;
                    (seed.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
                };
                while !stop.load(Ordering::Relaxed) {
                    let now = Instant::now();
                    while pending.front().is_some_and(|(due, _, _)| *due <= now) {
                        let (_, id, verdict) = pending.pop_front().unwrap();
                        let mut header = verdict.to_be_bytes().to_vec();
                        header.extend_from_slice(&id.to_be_bytes());
                        send_netlink(
                            fd,
                            &nfq_message(
                                NFQNL_MSG_VERDICT,
                                0,
                                queue,
                                &[(NFQA_VERDICT_HDR, &header)],
                            ),
                        );
                    }
                    let wait = pending
                        .front()
                        .map_or(Duration::from_millis(50), |(due, _, _)| {
                            due.saturating_duration_since(now)
                        });
                    let got = receive_netlink(fd, &mut buffer, wait);
                    let arrived = Instant::now();
                    for id in packet_ids(&buffer[..got]) {
                        counters.packets.fetch_add(1, Ordering::Relaxed);
                        let verdict = if random() < loss {
                            counters.dropped.fetch_add(1, Ordering::Relaxed);
                            NF_DROP
                        } else {
                            NF_ACCEPT
                        };
                        pending.push_back((arrived + delay, id, verdict));
                    }
                }
                // SAFETY: the descriptor is this thread's alone.
                unsafe { libc::close(fd) };
            })
        };
        Delayer {
            stop,
            counters,
            thread: Some(thread),
        }
    }
}
