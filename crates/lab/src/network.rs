//! The lab's network: one namespace per host, joined by veth links and bridges, with
//! addresses and routes, built over rtnetlink as `ip link`, `ip addr` and `ip route` would.
//!
//! A [`Topology`] (from the lab config) names the links — each an IPv4 and an IPv6 subnet, one
//! Ethernet segment — and the nodes: hosts and routers, each with its addresses. A node is on
//! every link whose subnet holds one of its addresses. [`Network::build`] then:
//! 1. makes a namespace per node (and a "switch" namespace per link of three or more members,
//!    holding its bridge), with IPv6 duplicate address detection and router solicitations off
//!    (so addresses work at once and the capture holds no set-up chatter) and forwarding on in
//!    routers;
//! 2. joins the two members of a point-to-point link with a veth pair, and each member of a
//!    shared link to its bridge with a veth pair; a node's interfaces are `eth0`, `eth1`, ...
//!    in link order, with locally administered MAC addresses `02:00:LL:NN:00:00` (link, node),
//!    so a story reads the same on every run;
//! 3. gives every interface its addresses and brings it up;
//! 4. routes: a host sends everything not on its link to the first router on it (its default
//!    gateway); a router reaches every subnet it is not on through the neighbour router on the
//!    shortest path (breadth-first over the links), as static routes would be configured.
//!
//! Nothing is mounted and nothing is named under /run/netns: the namespaces live as long as
//! the [`Network`] does.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage,
    NetlinkPayload,
};
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressMessage};
use netlink_packet_route::link::{
    InfoBridge, InfoData, InfoKind, InfoVeth, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use crate::netns::{Netns, set_link_up_by_name, wait_running};

/// How long a built network may take to have every interface running.
const LINKS_UP_WITHIN: std::time::Duration = std::time::Duration::from_secs(3);

/// One Ethernet segment of the lab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Its name (`home`, `ix`, ...); a shared link's switch namespace is named after it.
    pub name: String,
    /// Its IPv4 subnet.
    pub ipv4: (Ipv4Addr, u8),
    /// Its IPv6 subnet.
    pub ipv6: (Ipv6Addr, u8),
}

impl Link {
    /// Whether `addr` is in one of the link's subnets.
    pub fn contains(&self, addr: IpAddr) -> bool {
        match addr {
            IpAddr::V4(a) => {
                let (net, len) = self.ipv4;
                let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
                u32::from(a) & mask == u32::from(net) & mask
            }
            IpAddr::V6(a) => {
                let (net, len) = self.ipv6;
                let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
                u128::from(a) & mask == u128::from(net) & mask
            }
        }
    }
}

/// A host or a router of the lab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Its host name.
    pub name: String,
    /// Its role: `browser`, `resolver`, `root`, `tld`, `authoritative`, `web`, `was`, `router`.
    pub role: String,
    /// Its addresses, IPv4 and IPv6, on one or more links.
    pub addresses: Vec<IpAddr>,
}

impl Node {
    /// Whether it forwards packets between its links.
    pub fn is_router(&self) -> bool {
        self.role == "router"
    }
}

/// The lab's network as the config draws it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// The links, in config order.
    pub links: Vec<Link>,
    /// The nodes, in config order.
    pub nodes: Vec<Node>,
}

/// Why a topology cannot be built ([`Topology::check`]). `Display` is English; [`describe`]
/// says it in a language.
///
/// [`describe`]: TopologyProblem::describe
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopologyProblem {
    /// An address in no link's subnet, or in several.
    AddressOnLinks {
        /// The node.
        node: String,
        /// The address.
        addr: IpAddr,
        /// How many links' subnets hold it.
        links: usize,
    },
    /// A node without both an IPv4 and an IPv6 address.
    NotDualStack {
        /// The node.
        node: String,
    },
    /// A link with fewer than two members.
    LinkJoinsNothing {
        /// The link.
        link: String,
    },
    /// A host (not a router) on more than one link.
    NotARouter {
        /// The node.
        node: String,
    },
    /// A node from which some link cannot be reached through the routers.
    LinksUnreached {
        /// The node.
        node: String,
    },
}

impl TopologyProblem {
    /// The problem in `lang`.
    pub fn describe(&self, lang: text::Lang) -> String {
        use text::t;
        match self {
            TopologyProblem::AddressOnLinks { node, addr, links } => t!(
                lang,
                "topology-address-on-links",
                node = node,
                addr = addr.to_string(),
                links = *links
            ),
            TopologyProblem::NotDualStack { node } => {
                t!(lang, "topology-not-dual-stack", node = node)
            }
            TopologyProblem::LinkJoinsNothing { link } => {
                t!(lang, "topology-link-joins-nothing", link = link)
            }
            TopologyProblem::NotARouter { node } => t!(lang, "topology-not-a-router", node = node),
            TopologyProblem::LinksUnreached { node } => {
                t!(lang, "topology-links-unreached", node = node)
            }
        }
    }
}

impl std::fmt::Display for TopologyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(text::Lang::En))
    }
}

impl std::error::Error for TopologyProblem {}

impl Topology {
    /// The nodes on link `link`, with their addresses on it, in node order.
    pub fn members(&self, link: usize) -> Vec<(usize, Vec<IpAddr>)> {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(n, node)| {
                let on: Vec<IpAddr> = node
                    .addresses
                    .iter()
                    .copied()
                    .filter(|a| self.links[link].contains(*a))
                    .collect();
                (!on.is_empty()).then_some((n, on))
            })
            .collect()
    }

    /// The links node `node` is on, in link order.
    pub fn links_of(&self, node: usize) -> Vec<usize> {
        (0..self.links.len())
            .filter(|l| self.members(*l).iter().any(|(n, _)| *n == node))
            .collect()
    }

    /// Checks what [`Network::build`] relies on: every address on exactly one link, every link
    /// with two members or more, every node reachable, every host with a router unless it
    /// shares its only link with everyone it talks to. Returns the first problem.
    pub fn check(&self) -> Result<(), TopologyProblem> {
        for node in &self.nodes {
            for addr in &node.addresses {
                let on = self.links.iter().filter(|l| l.contains(*addr)).count();
                if on != 1 {
                    return Err(TopologyProblem::AddressOnLinks {
                        node: node.name.clone(),
                        addr: *addr,
                        links: on,
                    });
                }
            }
            if !node.addresses.iter().any(IpAddr::is_ipv4)
                || !node.addresses.iter().any(IpAddr::is_ipv6)
            {
                return Err(TopologyProblem::NotDualStack {
                    node: node.name.clone(),
                });
            }
        }
        for (l, link) in self.links.iter().enumerate() {
            if self.members(l).len() < 2 {
                return Err(TopologyProblem::LinkJoinsNothing {
                    link: link.name.clone(),
                });
            }
        }
        for (n, node) in self.nodes.iter().enumerate() {
            if !node.is_router() && self.links_of(n).len() > 1 {
                return Err(TopologyProblem::NotARouter {
                    node: node.name.clone(),
                });
            }
        }
        let routes = self.routes();
        for (n, node) in self.nodes.iter().enumerate() {
            let reach = self.reachable_links(n);
            if reach.len() != self.links.len() && !routes[n].is_empty() {
                return Err(TopologyProblem::LinksUnreached {
                    node: node.name.clone(),
                });
            }
        }
        Ok(())
    }

    fn reachable_links(&self, start: usize) -> Vec<usize> {
        let mut seen = vec![false; self.links.len()];
        let mut queue: VecDeque<usize> = self.links_of(start).into();
        for l in &queue {
            seen[*l] = true;
        }
        while let Some(l) = queue.pop_front() {
            for (n, _) in self.members(l) {
                if !self.nodes[n].is_router() {
                    continue;
                }
                for next in self.links_of(n) {
                    if !seen[next] {
                        seen[next] = true;
                        queue.push_back(next);
                    }
                }
            }
        }
        (0..self.links.len()).filter(|l| seen[*l]).collect()
    }

    /// Every node's routes: (destination link, gateway), one per address family. A host gets
    /// default routes (destination `None`) through the first router on its link; a router
    /// gets a route to each link it is not on, through the neighbour router on the shortest
    /// path there.
    pub fn routes(&self) -> Vec<Vec<Route>> {
        let mut all = Vec::new();
        for (n, node) in self.nodes.iter().enumerate() {
            let mut routes = Vec::new();
            let own = self.links_of(n);
            if !node.is_router() {
                let Some(&link) = own.first() else {
                    all.push(routes);
                    continue;
                };
                if let Some((_, gateway)) = self
                    .members(link)
                    .into_iter()
                    .find(|(m, _)| *m != n && self.nodes[*m].is_router())
                {
                    for via in gateway {
                        routes.push(Route {
                            destination: None,
                            via,
                        });
                    }
                }
                all.push(routes);
                continue;
            }
            // Breadth-first from this router's links; each link found remembers the first
            // neighbour router that led there.
            let mut first_hop: HashMap<usize, (usize, usize)> = HashMap::new(); // link -> (router, via link)
            let mut queue = VecDeque::new();
            let mut seen = vec![false; self.links.len()];
            for l in &own {
                seen[*l] = true;
                for (m, _) in self.members(*l) {
                    if m != n && self.nodes[m].is_router() {
                        queue.push_back((m, (m, *l)));
                    }
                }
            }
            let mut visited = vec![false; self.nodes.len()];
            visited[n] = true;
            while let Some((router, hop)) = queue.pop_front() {
                if visited[router] {
                    continue;
                }
                visited[router] = true;
                for l in self.links_of(router) {
                    if !seen[l] {
                        seen[l] = true;
                        first_hop.insert(l, hop);
                    }
                    for (m, _) in self.members(l) {
                        if !visited[m] && self.nodes[m].is_router() {
                            queue.push_back((m, hop));
                        }
                    }
                }
            }
            let mut destinations: Vec<_> = first_hop.into_iter().collect();
            destinations.sort();
            for (dest, (neighbour, via_link)) in destinations {
                let gateways = self.nodes[neighbour]
                    .addresses
                    .iter()
                    .filter(|a| self.links[via_link].contains(**a));
                for via in gateways {
                    routes.push(Route {
                        destination: Some(dest),
                        via: *via,
                    });
                }
            }
            all.push(routes);
        }
        all
    }
}

/// One static route: to a link's subnet of `via`'s family (or everywhere), through `via`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The destination link; `None` is the default route.
    pub destination: Option<usize>,
    /// The gateway.
    pub via: IpAddr,
}

/// One interface of a built host.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Interface {
    /// Its name in the host: `eth0`.
    pub name: String,
    /// The link it is on.
    pub link: String,
    /// Its MAC address.
    pub mac: String,
    /// Its addresses.
    pub addresses: Vec<IpAddr>,
}

/// A built node: its namespace and interfaces.
#[derive(Debug)]
pub struct NetHost {
    /// The node as configured.
    pub node: Node,
    /// Its namespace.
    pub netns: Arc<Netns>,
    /// Its interfaces.
    pub interfaces: Vec<Interface>,
}

/// The lab's network, built; dropping it removes every namespace, interface and route.
#[derive(Debug)]
pub struct Network {
    /// Every host and router, in config order.
    pub hosts: Vec<NetHost>,
    // The bridges' namespaces; never captured (a switch has no IP stack of its own to show).
    _switches: Vec<Netns>,
}

/// Why the lab's network could not be built ([`Network::build`]): the step, and the system's
/// error. `Display` is English, as before; [`BuildError::describe`] says it in a language.
#[derive(Debug)]
pub struct BuildError {
    /// Which step failed.
    pub step: BuildStep,
    /// The system's error (none when the topology itself is refused).
    pub error: Option<io::Error>,
}

/// A step of building the lab's network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildStep {
    /// The topology is refused before anything is made.
    Topology(TopologyProblem),
    /// Making a host's network namespace.
    Namespace(String),
    /// The veth pair of a point-to-point link.
    Veth(String),
    /// The bridge of a shared link.
    Bridge(String),
    /// A port of a shared link's bridge.
    Port {
        /// The link.
        link: String,
        /// The port's number.
        port: usize,
    },
    /// A host's addresses and routes.
    Configure(String),
    /// A host's interfaces coming up.
    BringUp(String),
    /// A shared link's ports coming up.
    BringLinkUp(String),
    /// Writing a sysctl in a namespace: its file under /proc/sys.
    Sysctl(String),
    /// Another of the system's refusals (a sysctl, a namespace's thread).
    Other,
}

impl BuildError {
    fn new(step: BuildStep, error: Option<io::Error>) -> BuildError {
        BuildError { step, error }
    }

    /// The error in `lang`: the step, then the system's error by its kind.
    pub fn describe(&self, lang: text::Lang) -> String {
        if lang == text::Lang::En {
            return self.to_string();
        }
        let error = self.error.as_ref().map(|e| text::io_error(lang, e));
        match (self.step.describe(lang), error) {
            (Some(step), Some(error)) => format!("{step}: {error}"),
            (Some(step), None) => step,
            (None, Some(error)) => error,
            (None, None) => String::new(),
        }
    }
}

impl BuildStep {
    /// The step, in `lang` (`None` when the system's error says it all).
    pub fn describe(&self, lang: text::Lang) -> Option<String> {
        use text::t;
        Some(match self {
            BuildStep::Topology(problem) => problem.describe(lang),
            BuildStep::Namespace(node) => t!(lang, "network-step-namespace", node = node),
            BuildStep::Veth(link) => t!(lang, "network-step-veth", link = link),
            BuildStep::Bridge(link) => t!(lang, "network-step-bridge", link = link),
            BuildStep::Port { link, port } => t!(
                lang,
                "network-step-port",
                link = link,
                port = port.to_string()
            ),
            BuildStep::Configure(node) => t!(lang, "network-step-configure", node = node),
            BuildStep::BringUp(node) => t!(lang, "network-step-bring-up", node = node),
            BuildStep::BringLinkUp(link) => t!(lang, "network-step-bring-link-up", link = link),
            BuildStep::Sysctl(path) => t!(lang, "network-step-sysctl", path = path),
            BuildStep::Other => return None,
        })
    }
}

/// Writes sysctl `key` in `netns`; a refusal names the file.
fn sysctl(netns: &Netns, key: &str, value: &str) -> Result<(), BuildError> {
    netns
        .sysctl(key, value)
        .map_err(|err| BuildError::new(BuildStep::Sysctl(format!("/proc/sys/{key}")), Some(err)))
}

impl From<io::Error> for BuildError {
    fn from(error: io::Error) -> BuildError {
        BuildError::new(BuildStep::Other, Some(error))
    }
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.step.describe(text::Lang::En), &self.error) {
            (Some(step), Some(error)) => write!(f, "{step}: {error}"),
            (Some(step), None) => f.write_str(&step),
            (None, Some(error)) => write!(f, "{error}"),
            (None, None) => Ok(()),
        }
    }
}

impl std::error::Error for BuildError {}

impl Network {
    /// Builds `topology` (see the module doc).
    pub fn build(topology: &Topology) -> Result<Network, BuildError> {
        topology
            .check()
            .map_err(|problem| BuildError::new(BuildStep::Topology(problem), None))?;
        let context = |step: BuildStep| move |err: io::Error| BuildError::new(step, Some(err));
        let mut spaces = Vec::new();
        for node in &topology.nodes {
            let netns = Netns::create(&node.name)
                .map_err(context(BuildStep::Namespace(node.name.clone())))?;
            // Before any interface arrives: these are the defaults new interfaces copy.
            for key in ["all", "default"] {
                sysctl(&netns, &format!("net/ipv6/conf/{key}/accept_dad"), "0")?;
                sysctl(
                    &netns,
                    &format!("net/ipv6/conf/{key}/router_solicitations"),
                    "0",
                )?;
            }
            if node.is_router() {
                sysctl(&netns, "net/ipv4/ip_forward", "1")?;
                sysctl(&netns, "net/ipv6/conf/all/forwarding", "1")?;
            }
            spaces.push(Arc::new(netns));
        }

        let mut interfaces: Vec<Vec<Interface>> = vec![Vec::new(); topology.nodes.len()];
        let mut switches = Vec::new();
        // Every veth end gets an interface index of its own across the whole lab. The kernel
        // brings a veth's carrier up at once only when its index differs from its peer's
        // (linkwatch's "urgent" test); two fresh namespaces both numbering their first
        // interface 2 would otherwise wait out linkwatch's one-second rate limit.
        let mut next_index = 100u32..;
        let mut indexes = || {
            let a = next_index.next().expect("an unbounded range");
            (a, next_index.next().expect("an unbounded range"))
        };
        for (l, link) in topology.links.iter().enumerate() {
            let members = topology.members(l);
            let mac = |n: usize| format!("02:00:{:02x}:{:02x}:00:00", l + 1, n + 1);
            let mac_bytes = |n: usize| [0x02, 0x00, (l + 1) as u8, (n + 1) as u8, 0, 0];
            let mut named = |n: usize, addresses: &[IpAddr]| {
                let name = format!("eth{}", interfaces[n].len());
                interfaces[n].push(Interface {
                    name: name.clone(),
                    link: link.name.clone(),
                    mac: mac(n),
                    addresses: addresses.to_vec(),
                });
                name
            };
            if members.len() == 2 {
                let (a, a_addrs) = &members[0];
                let (b, b_addrs) = &members[1];
                let a_name = named(*a, a_addrs);
                let b_name = named(*b, b_addrs);
                let peer_fd = spaces[*b].raw_fd();
                let (a_mac, b_mac) = (mac_bytes(*a), mac_bytes(*b));
                let ends = indexes();
                spaces[*a]
                    .run(|| new_veth((&a_name, a_mac), (&b_name, b_mac), ends, peer_fd))?
                    .map_err(context(BuildStep::Veth(link.name.clone())))?;
            } else {
                let switch = Netns::create(&link.name)?;
                switch
                    .run(|| -> io::Result<()> {
                        new_bridge("br0")?;
                        set_link_up_by_name("br0")
                    })?
                    .map_err(context(BuildStep::Bridge(link.name.clone())))?;
                for (port, (n, addrs)) in members.iter().enumerate() {
                    let name = named(*n, addrs);
                    let port_name = format!("port{port}");
                    let peer_fd = spaces[*n].raw_fd();
                    let port_mac = [0x02, 0x01, (l + 1) as u8, (n + 1) as u8, 0, 0];
                    let node_mac = mac_bytes(*n);
                    let ends = indexes();
                    switch
                        .run(|| -> io::Result<()> {
                            new_veth((&port_name, port_mac), (&name, node_mac), ends, peer_fd)?;
                            set_master(&port_name, "br0")?;
                            set_link_up_by_name(&port_name)
                        })?
                        .map_err(context(BuildStep::Port {
                            link: link.name.clone(),
                            port,
                        }))?;
                }
                switches.push(switch);
            }
        }

        let routes = topology.routes();
        let mut hosts = Vec::new();
        for (n, node) in topology.nodes.iter().enumerate() {
            let netns = spaces[n].clone();
            let ifaces = interfaces[n].clone();
            let node_routes = routes[n].clone();
            netns
                .run(|| -> io::Result<()> {
                    for iface in &ifaces {
                        let index = if_index(&iface.name)?;
                        for addr in &iface.addresses {
                            let link = topology
                                .links
                                .iter()
                                .find(|l| l.contains(*addr))
                                .expect("checked: every address is on a link");
                            let prefix = match addr {
                                IpAddr::V4(_) => link.ipv4.1,
                                IpAddr::V6(_) => link.ipv6.1,
                            };
                            add_address(index, *addr, prefix)?;
                        }
                        set_link_up_by_name(&iface.name)?;
                    }
                    for route in &node_routes {
                        let destination = route.destination.map(|l| {
                            let link = &topology.links[l];
                            match route.via {
                                IpAddr::V4(_) => (IpAddr::V4(link.ipv4.0), link.ipv4.1),
                                IpAddr::V6(_) => (IpAddr::V6(link.ipv6.0), link.ipv6.1),
                            }
                        });
                        add_route(destination, route.via)?;
                    }
                    Ok(())
                })?
                .map_err(context(BuildStep::Configure(node.name.clone())))?;
            hosts.push(NetHost {
                node: node.clone(),
                netns,
                interfaces: ifaces,
            });
        }
        // Every interface running before anyone sends: hosts' and switches' ports.
        for host in &hosts {
            host.netns
                .run(|| {
                    host.interfaces
                        .iter()
                        .try_for_each(|iface| wait_running(&iface.name, LINKS_UP_WITHIN))
                })?
                .map_err(context(BuildStep::BringUp(host.node.name.clone())))?;
        }
        for (switch, link) in switches
            .iter()
            .zip((0..topology.links.len()).filter(|l| topology.members(*l).len() > 2))
        {
            let ports = topology.members(link).len();
            switch
                .run(|| {
                    (0..ports).try_for_each(|p| wait_running(&format!("port{p}"), LINKS_UP_WITHIN))
                })?
                .map_err(context(BuildStep::BringLinkUp(
                    topology.links[link].name.clone(),
                )))?;
        }
        Ok(Network {
            hosts,
            _switches: switches,
        })
    }

    /// The host named `name`.
    pub fn host(&self, name: &str) -> Option<&NetHost> {
        self.hosts.iter().find(|h| h.node.name == name)
    }

    /// The router host `name` sends through — the first router on its first link, as
    /// [`Topology::routes`] chooses — and that router's interface on the link.
    pub fn gateway(&self, name: &str) -> Option<(&NetHost, &Interface)> {
        let link = &self.host(name)?.interfaces.first()?.link;
        self.hosts
            .iter()
            .filter(|h| h.node.is_router())
            .find_map(|router| {
                let interface = router.interfaces.iter().find(|i| &i.link == link)?;
                Some((router, interface))
            })
    }
}

/// The index of interface `name` in the calling thread's namespace.
fn if_index(name: &str) -> io::Result<u32> {
    let c_name = std::ffi::CString::new(name).map_err(io::Error::other)?;
    // SAFETY: c_name is a valid NUL-terminated string.
    let index = unsafe { libc::if_nametoindex(c_name.as_ptr()) };
    if index == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(index)
}

/// Sends one rtnetlink request on a socket of the calling thread's namespace and waits for
/// its acknowledgement.
fn request(message: RouteNetlinkMessage, flags: u16) -> io::Result<()> {
    let mut socket = netlink_sys::Socket::new(netlink_sys::protocols::NETLINK_ROUTE)?;
    socket.bind_auto()?;
    socket.connect(&netlink_sys::SocketAddr::new(0, 0))?;
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    header.sequence_number = 1;
    let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(message));
    packet.finalize();
    let mut bytes = vec![0; packet.buffer_len()];
    packet.serialize(&mut bytes);
    socket.send(&bytes, 0)?;
    let mut buf = vec![0u8; 8192];
    let n = socket.recv(&mut &mut buf[..], 0)?;
    let reply = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&buf[..n])
        .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err.to_string()))?;
    match reply.payload {
        NetlinkPayload::Error(err) => match err.code {
            None => Ok(()),
            Some(code) => Err(io::Error::from_raw_os_error(-code.get())),
        },
        _ => Ok(()),
    }
}

/// `ip link add NAME address MAC index I type veth peer name PEER address PEER_MAC index J
/// netns PEER_NS`.
fn new_veth(
    (name, mac): (&str, [u8; 6]),
    (peer, peer_mac): (&str, [u8; 6]),
    (index, peer_index): (u32, u32),
    peer_netns_fd: i32,
) -> io::Result<()> {
    let mut peer_message = LinkMessage::default();
    peer_message.header.index = peer_index;
    peer_message.attributes = vec![
        LinkAttribute::IfName(peer.to_owned()),
        LinkAttribute::Address(peer_mac.to_vec()),
        LinkAttribute::NetNsFd(peer_netns_fd),
    ];
    let mut message = LinkMessage::default();
    message.header.index = index;
    message.attributes = vec![
        LinkAttribute::IfName(name.to_owned()),
        LinkAttribute::Address(mac.to_vec()),
        LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::Veth),
            LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(peer_message))),
        ]),
    ];
    request(
        RouteNetlinkMessage::NewLink(message),
        NLM_F_CREATE | NLM_F_EXCL,
    )
}

/// `ip link add NAME type bridge mcast_snooping 0` (no STP: the lab's links have no loops;
/// no multicast snooping: with no MLD querier on the link, a switch that snoops may hold back
/// neighbour solicitations until it has heard each host's report).
fn new_bridge(name: &str) -> io::Result<()> {
    let mut message = LinkMessage::default();
    message.attributes = vec![
        LinkAttribute::IfName(name.to_owned()),
        LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::Bridge),
            LinkInfo::Data(InfoData::Bridge(vec![InfoBridge::MulticastSnooping(false)])),
        ]),
    ];
    request(
        RouteNetlinkMessage::NewLink(message),
        NLM_F_CREATE | NLM_F_EXCL,
    )
}

/// `ip link set PORT master BRIDGE`.
fn set_master(port: &str, bridge: &str) -> io::Result<()> {
    let mut message = LinkMessage::default();
    message.header.index = if_index(port)?;
    message.header.flags = LinkFlags::empty();
    message.attributes = vec![LinkAttribute::Controller(if_index(bridge)?)];
    request(RouteNetlinkMessage::SetLink(message), 0)
}

/// `ip addr add ADDR/PREFIX dev INDEX` (IPv6: `nodad`, so it is usable at once).
fn add_address(index: u32, addr: IpAddr, prefix: u8) -> io::Result<()> {
    let mut message = AddressMessage::default();
    message.header.index = index;
    message.header.prefix_len = prefix;
    match addr {
        IpAddr::V4(v4) => {
            message.header.family = AddressFamily::Inet;
            message.attributes = vec![
                AddressAttribute::Local(addr),
                AddressAttribute::Address(addr),
                AddressAttribute::Broadcast(broadcast(v4, prefix)),
            ];
        }
        IpAddr::V6(_) => {
            message.header.family = AddressFamily::Inet6;
            message.attributes = vec![
                AddressAttribute::Address(addr),
                AddressAttribute::Flags(AddressFlags::Nodad),
            ];
        }
    }
    request(
        RouteNetlinkMessage::NewAddress(message),
        NLM_F_CREATE | NLM_F_EXCL,
    )
}

fn broadcast(addr: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    let host_bits = u32::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
    Ipv4Addr::from(u32::from(addr) | host_bits)
}

/// `ip route add DEST/PREFIX via GATEWAY` (or `default via GATEWAY`).
fn add_route(destination: Option<(IpAddr, u8)>, via: IpAddr) -> io::Result<()> {
    let mut message = RouteMessage::default();
    message.header.address_family = match via {
        IpAddr::V4(_) => AddressFamily::Inet,
        IpAddr::V6(_) => AddressFamily::Inet6,
    };
    message.header.table = libc::RT_TABLE_MAIN;
    message.header.protocol = RouteProtocol::Static;
    message.header.scope = RouteScope::Universe;
    message.header.kind = RouteType::Unicast;
    let address = |ip: IpAddr| match ip {
        IpAddr::V4(v4) => RouteAddress::Inet(v4),
        IpAddr::V6(v6) => RouteAddress::Inet6(v6),
    };
    if let Some((dest, prefix)) = destination {
        message.header.destination_prefix_length = prefix;
        message
            .attributes
            .push(RouteAttribute::Destination(address(dest)));
    }
    message
        .attributes
        .push(RouteAttribute::Gateway(address(via)));
    request(
        RouteNetlinkMessage::NewRoute(message),
        NLM_F_CREATE | NLM_F_EXCL,
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn link(name: &str, v4: &str, v6: &str) -> Link {
        let (a, b) = v4.split_once('/').unwrap();
        let (c, d) = v6.split_once('/').unwrap();
        Link {
            name: name.into(),
            ipv4: (a.parse().unwrap(), b.parse().unwrap()),
            ipv6: (c.parse().unwrap(), d.parse().unwrap()),
        }
    }

    fn node(name: &str, role: &str, addrs: &[&str]) -> Node {
        Node {
            name: name.into(),
            role: role.into(),
            addresses: addrs.iter().map(|a| ip(a)).collect(),
        }
    }

    /// laptop - r1 - r2 - server: the routers find each other's links.
    pub(crate) fn chain() -> Topology {
        Topology {
            links: vec![
                link("home", "192.0.2.0/24", "2001:db8:1::/64"),
                link("core", "198.51.100.0/24", "2001:db8:2::/64"),
                link("dc", "203.0.113.0/24", "2001:db8:3::/64"),
            ],
            nodes: vec![
                node("laptop", "browser", &["192.0.2.10", "2001:db8:1::10"]),
                node(
                    "r1",
                    "router",
                    &[
                        "192.0.2.1",
                        "2001:db8:1::1",
                        "198.51.100.1",
                        "2001:db8:2::1",
                    ],
                ),
                node(
                    "r2",
                    "router",
                    &[
                        "198.51.100.2",
                        "2001:db8:2::2",
                        "203.0.113.1",
                        "2001:db8:3::1",
                    ],
                ),
                node("web", "web", &["203.0.113.80", "2001:db8:3::80"]),
            ],
        }
    }

    #[test]
    fn hosts_route_through_their_router_and_routers_through_each_other() {
        let topology = chain();
        topology.check().expect("a valid chain");
        let routes = topology.routes();
        assert_eq!(
            routes[0],
            vec![
                Route {
                    destination: None,
                    via: ip("192.0.2.1")
                },
                Route {
                    destination: None,
                    via: ip("2001:db8:1::1")
                }
            ]
        );
        // r1 reaches dc through r2's core address; r2 reaches home through r1's.
        assert!(routes[1].contains(&Route {
            destination: Some(2),
            via: ip("198.51.100.2")
        }));
        assert!(routes[2].contains(&Route {
            destination: Some(0),
            via: ip("2001:db8:2::1")
        }));
        assert_eq!(routes[3][0].via, ip("203.0.113.1"));
    }

    #[test]
    fn an_address_on_no_link_is_refused() {
        let mut topology = chain();
        topology.nodes[3].addresses[0] = ip("192.0.3.80");
        let err = topology.check().unwrap_err();
        assert_eq!(
            err.to_string(),
            "web's address 192.0.3.80 is on 0 links: every address must be in the subnet of \
             exactly one [[link]]"
        );
    }

    #[test]
    fn a_single_stack_host_is_refused() {
        let mut topology = chain();
        topology.nodes[3].addresses.pop();
        let err = topology.check().unwrap_err();
        assert_eq!(
            err.to_string(),
            "web needs an IPv4 and an IPv6 address: the lab is dual-stack"
        );
    }

    #[test]
    fn why_a_network_is_not_built_is_said_in_english_as_before_and_in_korean() {
        use text::Lang;
        // A refused topology: nothing is made.
        let mut topology = chain();
        topology.nodes[3].addresses.pop();
        let err = Network::build(&topology).unwrap_err();
        assert_eq!(
            err.to_string(),
            "web needs an IPv4 and an IPv6 address: the lab is dual-stack"
        );
        test_support::korean::assert_korean(&err.describe(Lang::Ko), &["web"]);
        // A step the system refused: the step, then the system's error by its kind.
        let err = BuildError::new(
            BuildStep::Namespace("laptop".into()),
            Some(io::Error::from_raw_os_error(libc::EPERM)),
        );
        assert_eq!(
            err.to_string(),
            "cannot make a network namespace for laptop: Operation not permitted (os error 1)"
        );
        assert_eq!(
            err.describe(Lang::Ko),
            "laptop의 네트워크 네임스페이스를 만들 수 없습니다: 권한이 없습니다 (오류 번호 1)"
        );
        let refusal = crate::netns::Refusal::NetworkNotBuilt {
            error: err.to_string(),
            step: err.step.clone(),
            os_code: Some(libc::EPERM),
        };
        assert!(
            refusal.text(Lang::Ko).ends_with(
                "laptop의 네트워크 네임스페이스를 만들 수 없습니다: 권한이 없습니다 (오류 번호 1)"
            ),
            "{}",
            refusal.text(Lang::Ko)
        );
        assert!(refusal.text(Lang::En).ends_with(&err.to_string()));
        let err = BuildError::new(
            BuildStep::Sysctl("/proc/sys/net/ipv4/ip_forward".into()),
            Some(io::Error::from_raw_os_error(libc::EACCES)),
        );
        assert_eq!(
            err.to_string(),
            "/proc/sys/net/ipv4/ip_forward: Permission denied (os error 13)"
        );
        for step in [
            BuildStep::Veth("home".into()),
            BuildStep::Bridge("ix".into()),
            BuildStep::Port {
                link: "ix".into(),
                port: 2,
            },
            BuildStep::Configure("laptop".into()),
            BuildStep::BringUp("laptop".into()),
            BuildStep::BringLinkUp("ix".into()),
            BuildStep::Sysctl("/proc/sys/net/ipv4/ip_forward".into()),
        ] {
            let said = step.describe(Lang::Ko).unwrap();
            test_support::korean::assert_korean(&said, &["home", "ix", "laptop", "veth"]);
        }
    }

    #[test]
    fn a_built_chain_forwards_across_routers() {
        if !crate::netns::isolation().namespaces() {
            eprintln!("SKIP: no namespaces here: {:?}", crate::netns::isolation());
            return;
        }
        let network = Network::build(&chain()).expect("the chain builds");
        let web = network.host("web").unwrap();
        let laptop = network.host("laptop").unwrap();
        let listener = web
            .netns
            .run(|| std::net::TcpListener::bind("[::]:80"))
            .unwrap()
            .expect("port 80 on web");
        for target in ["203.0.113.80:80", "[2001:db8:3::80]:80"] {
            let stream = laptop
                .netns
                .run(|| std::net::TcpStream::connect(target))
                .unwrap()
                .unwrap_or_else(|err| panic!("laptop -> {target}: {err}"));
            let (_, peer) = listener.accept().unwrap();
            assert_eq!(
                peer.ip().to_canonical(),
                stream.local_addr().unwrap().ip().to_canonical()
            );
        }
    }
}
