//! `/etc/hosts` (hosts(5)): `ADDRESS NAME [ALIAS...]` per line, `#` to the end of a line is a
//! comment. Read as glibc reads it: names compared without regard to case, a line whose address
//! does not parse is skipped, and every address of a name is kept, in file order.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

/// The system's hosts file.
pub const SYSTEM_HOSTS: &str = "/etc/hosts";

/// Host names and their addresses from a hosts file.
#[derive(Debug, Default, Clone)]
pub struct HostsFile {
    names: HashMap<String, Vec<IpAddr>>,
}

impl HostsFile {
    /// Reads `path`; a missing or unreadable file is an empty one, as for the resolver library.
    pub fn load(path: &Path) -> Self {
        std::fs::read_to_string(path)
            .map(|text| Self::parse(&text))
            .unwrap_or_default()
    }

    /// Parses hosts-file text.
    pub fn parse(text: &str) -> Self {
        let mut names: HashMap<String, Vec<IpAddr>> = HashMap::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut fields = line.split_whitespace();
            let Some(address) = fields.next().and_then(|a| a.parse::<IpAddr>().ok()) else {
                continue;
            };
            for name in fields {
                let addresses = names.entry(normalise(name)).or_default();
                if !addresses.contains(&address) {
                    addresses.push(address);
                }
            }
        }
        HostsFile { names }
    }

    /// The addresses of `name`, if the file has it.
    pub fn get(&self, name: &str) -> Option<&[IpAddr]> {
        self.names.get(&normalise(name)).map(Vec::as_slice)
    }
}

/// Lower case, without the final dot: `WWW.Example.com.` and `www.example.com` are one name.
pub fn normalise(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_aliases_comments_and_both_families() {
        let hosts = HostsFile::parse(
            "127.0.0.1\tlocalhost\n::1 localhost ip6-localhost # both\n# 10.0.0.1 commented\n\
             192.0.2.7 Web.Example.  web  alias\nnot-an-address name\n",
        );
        assert_eq!(
            hosts.get("localhost").unwrap(),
            [
                "127.0.0.1".parse::<IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
        assert_eq!(
            hosts.get("WEB.example").unwrap(),
            ["192.0.2.7".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(
            hosts.get("alias").unwrap(),
            ["192.0.2.7".parse::<IpAddr>().unwrap()]
        );
        assert!(hosts.get("commented").is_none());
        assert!(hosts.get("name").is_none());
    }
}
