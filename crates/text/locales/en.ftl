# roundtrip's sentences in English. Every id here is in ko.ftl too, with the same variables
# (the text crate's tests check it). Protocol tokens are passed in as variables, as on the wire.

## Choosing the language

lang-unknown = unknown language "{ $value }": use en or ko

## The five steps of THE-FLOW.md

step-1 = The browser checks its own DNS cache
step-2 = The nearest DNS server resolves the name (a recursive query, answered with iterative ones)
step-3 = The browser sends an HTTP request over TCP/IP
step-4 = The web server, the WAS and the database do the work
step-5 = The response comes back with a status code, and the connection closes

## The story's frame: title, legend, notes, waterfall, glossary

story-title = The journey of { $url }
story-legend = How each line is known: { $wire } = a captured packet says it; { $said } = a part of the lab reports it about itself (the browser, a server, the kernel's socket table); { $inferred } = concluded from captured packets, though no single packet says it. Within a step the lines are in time order; steps can overlap in time (a second request may go through steps 3 to 5 while the first one's connection is still open).
tag-wire = wire
tag-said = said
tag-inferred = inferred
waterfall-title = Waterfall
note = note: { $note }
note-no-capture = no packets were captured ({ $reason }); the story is told from what the browser and the servers reported, and no packet is shown that was not seen. Run as root (or with CAP_NET_RAW) to see the packets.
note-capture-unavailable = capture unavailable
note-dropped = the kernel dropped { $count } packets of the capture: some messages may be missing
host-browser = browser
host-database = database
visit-prefix = visit { $n }

## Faults (--fault)

fault-injected = fault injected: { $fault } ({ $meaning })
fault-root-down = the first root server is not running; the resolver must try the other
fault-nxdomain = the name does not exist; the answer is negative and cached
fault-was-down = the WAS is not running; the web server cannot reach it
fault-was-slow = the WAS accepts connections but never answers
fault-db-down = the WAS's database cannot be opened
fault-cert-expired = the web server presents a certificate that expired yesterday (issued by the lab's own CA for this tour only); the browser must refuse it
fault-cert-wrong-name = the web server presents a valid certificate, but for another name ({ $other }); the browser must refuse it
fault-loss = a router loses the browser's first request segment, and another the resolver's first query: TCP must retransmit, and the resolver must ask again
dns-query-lost = LOST: no answer ever came. The query was seen leaving { $from } and never leaving { $router }: it was lost there. UDP has no acknowledgement and no retransmission: the sender is not told.
dns-query-retry = a RETRY by the resolver itself: { $ms } ms after the lost query, with no answer in that time (the resolver's timeout), it asks again.
dns-query-retry-elsewhere = This time it asks { $now } instead of { $before }.
lost-by-the-fault = (This tour's fault: the router's packet filter drops it.)
hsts-preload = { $prefix }HSTS: { $domain } is on the browser's built-in preload list of HTTPS-only sites, so { $from } becomes { $to } before any packet: no plain HTTP request is ever sent
hsts-stored = { $prefix }HSTS: { $domain } sent Strict-Transport-Security in an earlier response ({ $seconds } s of it left), so { $from } becomes { $to } before any packet
hsts-header-stored = { $prefix }the response's Strict-Transport-Security ({ $value }) is remembered: for { $seconds } s this host is reached over https only
tls-client-hello = ClientHello  { $from } -> { $to }, in the clear: "let us speak TLS"; the name it wants (SNI) { $sni }, application protocols offered (ALPN) { $alpn }, versions { $versions }, a key share for { $groups }
tls-server-hello = ServerHello  { $from } -> { $to }, in the clear: { $version }, cipher suite { $suite }, key exchange { $group }; from here on every record is encrypted
tls-encrypted-extensions = EncryptedExtensions from { $from } (decrypted): the application protocol chosen by ALPN is { $alpn }
tls-certificate = Certificate from { $from } (decrypted): a chain of { $count }, the server's own first
tls-certificate-entry = { $subject }, issued by { $issuer }, valid from { $since } until { $until }, names { $san }
tls-certificate-verify = CertificateVerify from { $from } (decrypted): a signature ({ $scheme }) over the handshake so far, made with the certificate's private key: proof that the server holds it
tls-finished = Finished  { $from } -> { $to } (decrypted): a MAC over the whole handshake; the other side checks it, so nothing in the handshake was changed on the way
tls-session-ticket = NewSessionTicket from { $from } (decrypted): a ticket to resume the session later, valid { $seconds } s
tls-handshake-other = { $name } from { $from } (decrypted)
tls-alert = alert { $from } -> { $to } ({ $keys }): { $name }: { $meaning }
tls-alert-clear = in the clear
tls-alert-handshake-keys = decrypted with the sender's handshake traffic secret: in TLS 1.3 an alert during the handshake is encrypted too
tls-alert-decrypted = decrypted
tls-alert-close-notify = "I will send nothing more over TLS", said before the TCP FIN
tls-alert-certificate-expired = the certificate's validity period is over; { $from } refuses it and abandons the handshake (a fatal alert)
tls-alert-bad-certificate = the certificate cannot be accepted (rustls sends this one when the certificate is not for the name asked for); { $from } abandons the handshake (a fatal alert)
tls-alert-unknown-ca = the certificate was issued by an authority { $from } does not trust; it abandons the handshake (a fatal alert)
tls-alert-certificate-unknown = the certificate is refused for another reason; { $from } abandons the handshake (a fatal alert)
tls-alert-certificate-revoked = the certificate has been revoked by its issuer; { $from } abandons the handshake (a fatal alert)
tls-alert-fatal = a fatal alert: { $from } abandons the connection
tls-alert-warning = a warning: the connection may go on
tls-undecryptable = { $from } -> { $to }: a TLS record of { $bytes } bytes that cannot be decrypted ({ $why }): shown as encrypted, not guessed
tls-handshake-done = the TLS handshake is done: { $version }, { $alpn } over it; { $trips } round trip(s), { $ms } ms from ClientHello to the client's Finished (curl's time_appconnect)
h2-preface = HTTP/2 from { $from }: the connection preface (PRI * HTTP/2.0), which says HTTP/2 from the first byte
h2-settings = HTTP/2 SETTINGS from { $from }: { $values }
h2-settings-ack = HTTP/2 SETTINGS ACK { $from } -> { $to }: settings received
h2-headers = HTTP/2 HEADERS { $from } -> { $to } on stream { $stream }, decoded from HPACK:
h2-data = HTTP/2 DATA { $from } -> { $to } on stream { $stream }: { $bytes } bytes
h2-data-end = HTTP/2 DATA { $from } -> { $to } on stream { $stream }: { $bytes } bytes, END_STREAM (the last of this stream)
h2-window-update = HTTP/2 WINDOW_UPDATE from { $from } on stream { $stream }: { $bytes } more bytes may be sent (flow control)
h2-goaway = HTTP/2 GOAWAY from { $from }: no new streams after { $last } ({ $error }); the connection is closing in order
h2-rst-stream = HTTP/2 RST_STREAM from { $from } on stream { $stream }: { $error }
h2-ping = HTTP/2 PING from { $from }
h2-ping-ack = HTTP/2 PING ACK from { $from }
tcp-retransmission = RETRANSMISSION { $from } -> { $to }: the same { $bytes } bytes again (seq { $seq }), { $ms } ms after the first copy. No ACK had come for them, so { $from }'s kernel sent them again by itself (its retransmission timer); the application wrote them once
tcp-segment-lost = LOST: seen leaving { $from }, never leaving { $router }: the segment was lost there. IP delivers at best effort and tells no one; TCP will notice the missing ACK.
tcp-retransmission-acked = ACK      { $from } -> { $to }: ack { $ack }: every byte before it has arrived, so the retransmitted bytes got through, { $ms } ms after their first copy was sent

## Step 1: the browser's caches

cache-keep-alive = { $prefix }{ $url }: the connection to { $remote } is still open (keep-alive): no lookup
cache-hit = { $prefix }host cache HIT: { $host } -> { $addrs }, { $ttl } s of its TTL left; no DNS query is sent
cache-miss = { $prefix }host cache MISS: { $host } is neither in /etc/hosts nor in the browser's cache, so the browser asks its DNS server { $server }
cache-hosts-file = { $prefix }/etc/hosts has { $host } -> { $addrs }: the operating system's answer, no DNS query
cache-literal = { $prefix }{ $host } is an address: nothing to look up
cache-recursive = { $prefix }host cache MISS: { $host } resolved in-process from the root hints

## Step 2: DNS

dns-recursive-query = recursive query (RD=1)
dns-iterative-query = iterative query (RD=0)
dns-nxdomain = negative answer: no such name
dns-error = error
dns-answer = answer
dns-cname-only = an alias (CNAME), but no record of the asked type behind it (NODATA)
dns-referral = referral
dns-nodata = no record of that type, though the name exists (NODATA)
label-referral = referral to { $zone }
dns-query-line = { $from } -> { $to } ({ $addr }): { $kind } { $question }
dns-response-line = { $from } -> { $to }: { $kind } for { $question }
dns-response-line-aa = { $from } -> { $to }: { $kind } for { $question } (authoritative, AA)
dns-section-answer = answer
dns-section-authority = authority
dns-section-glue = glue
dns-negative-cache = the SOA above says how long this negative answer may be cached (RFC 2308: the smaller of its TTL and its MINIMUM)
dns-icmp-unreachable = { $from } -> { $to }: { $icmp }: nothing listens there, so the sender learns at once that this server is down
resolver-cached-delegation = resolver: the delegation for { $layer } is in its cache: no query to that layer
resolver-some-server = a server
resolver-asked = resolver asked { $server } (for zone { $layer }) { $question }: { $outcome }
resolver-asked-rtt = resolver asked { $server } (for zone { $layer }) { $question }: { $outcome } in { $ms } ms
resolver-shared-query = resolver: this walk needed { $question } from { $server } (for zone { $layer }), which another walk going on at the same moment had already asked and was still waiting for; it waited for that answer instead of asking again (resolvers share identical queries in flight, so only one packet crossed the wire; the browser asks for A and AAAA at once)
resolver-shared-query-again = resolver: { $question } from { $server } (for zone { $layer }) was shared the same way: one query, two walks waiting for it
outcome-referral = referral
outcome-answer = answer
outcome-nxdomain = no such name (NXDOMAIN)
outcome-nodata = no record of that type (NODATA)
outcome-lame = lame (the server is not authoritative for the zone it was named for)
outcome-timeout = no answer in time
outcome-error = error
resolver-cache-expired = the resolver's cache has no complete answer for { $host } (it has expired)
resolver-cache-would-answer = the browser's own cache answered, so the resolver was not asked; its cache would have answered { $host } without a single iterative query:
resolver-cache-ttl = TTL counting down

## ICMP, ICMPv6 and neighbour discovery

icmp-port-unreachable = destination unreachable (port unreachable)
icmp-host-unreachable = destination unreachable (host unreachable)
icmp-net-unreachable = destination unreachable (net unreachable)
icmp-time-exceeded = time exceeded
nd-router-solicitation = router solicitation
nd-router-advertisement = router advertisement
nd-solicitation = neighbour solicitation: who has { $target }?
nd-advertisement = neighbour advertisement: { $target } is at { $mac }
nd-advertisement-bare = neighbour advertisement: { $target }
link-arp-first = { $what }{ $on }: a host knows its neighbours' IP addresses, not their Ethernet (MAC) addresses: the first packet to a neighbour waits for this answer, which is then kept in the host's neighbour cache
link-nd-first = { $what }{ $on }: IPv6 neighbour discovery, IPv6's ARP over ICMPv6
link-path = the SYN crossed { $links } links through { $routers }: each router took one from its { $field } ({ $ttls }), so a packet caught in a routing loop dies instead of circling forever
link-happy-eyeballs-v6 = Happy Eyeballs (RFC 8305): the name has IPv6 and IPv4 addresses; the browser tries IPv6 first and would start IPv4 250 ms later, but IPv6 answered first, so this connection is IPv6
link-happy-eyeballs-v4 = Happy Eyeballs (RFC 8305): the name has IPv6 and IPv4 addresses; the browser tried IPv6 first, IPv6 did not answer in time and IPv4 did, so this connection is IPv4
link-browser-host = the browser's host
link-server-no-time-wait = { $server }'s own socket table holds nothing for { $local } <-> { $remote }: it closed second (LAST-ACK -> CLOSED), so only { $browser }, which closed first, keeps TIME_WAIT. Each host has its own table: TIME_WAIT lives where the close began
link-server-time-wait = { $server }'s own socket table also shows TIME_WAIT ({ $holder }): it closed first

## Step 3: TCP and the request

tcp-connected-uncaptured = { $prefix }connected { $local } -> { $remote } in { $ms } ms (the kernel's 3 way handshake; its packets were not captured)
tcp-syn = SYN      { $client } { $client_addr } -> { $server } { $server_addr }: "let us talk"; initial sequence number { $isn } (shown relative: 0)
tcp-syn-ack = SYN-ACK  { $server } -> { $client }: "yes, and let us talk"; its own ISN { $isn }, ack { $ack } (relative 1: the SYN counts as one byte)
tcp-ack = ACK      { $client } -> { $server }: seq { $seq } ack { $ack }: established
tcp-ack-took = ACK      { $client } -> { $server }: seq { $seq } ack { $ack }: established; the three packets took { $ms } ms on the wire
tcp-http-segment = { $from } -> { $to }: { $line } ({ $bytes } bytes in this segment, seq { $seq })
tcp-data-segment = { $from } -> { $to }: a segment of { $bytes } bytes (seq { $seq }), carrying the TLS record told at the same moment
request-sends = { $prefix }the browser sends, on connection { $local } -> { $remote }:
request-sends-reused = { $prefix }the browser sends, on connection { $local } -> { $remote } (reused: keep-alive):

## Step 4: the web server, the WAS and the database

web-served = web server: { $request } (Host: { $host }) -> { $what }; { $status }, { $bytes } bytes, { $ms } ms
web-static = a static file, served by the web server itself: { $file }
web-proxied = dynamic: handed to the WAS at { $upstream }
web-redirect = a redirect rule of this virtual host
web-502 = dynamic, for the WAS at { $upstream }, which could not be reached (connection refused): 502 Bad Gateway, the fault is upstream
web-504 = dynamic, for the WAS at { $upstream }, which did not answer in time: 504 Gateway Timeout
web-not-found = no such file under the document root
was-handled = WAS: { $request } -> handler `{ $handler }`: { $status } in { $ms } ms, of which { $db_ms } ms waiting on the database (taking a connection from the pool included)
was-503 = WAS: { $request } -> handler `{ $handler }`: 503 Service Unavailable in { $ms } ms. Its database cannot be opened, so the WAS answers at once, without reaching the database, instead of failing the request later
sql-database = database ({ $database }):
sql-rows-in = { $rows } rows in { $ms } ms
sql-failed = failed after { $ms } ms: { $error }
sql-error = error: { $error }
sql-label-error = error
sql-label-rows = { $rows } rows

## Step 5: the response and the close

response-none = { $prefix }no response for { $url }: { $why }
response-failed = failed
response-timing = { $bytes } body bytes; first byte { $first } ms after the request was sent, all of it after { $all } ms
response-follows-redirect = the browser follows the redirect to { $to }
response-redirect-why = why: a site answers under one host name (here www), so that links, cookies and caches are not split between two names; the new name may have other addresses, so the browser looks it up (step 1 again) and connects again
response-redirect-https-why = why: the site is served over https only. This first request went out in plain HTTP, which anyone on the path could read or change (even this redirect); HSTS is how a browser skips it: a preload list, or the Strict-Transport-Security header remembered from an earlier visit
status-class =
    { $class ->
        [1] 1xx: informational
        [2] 2xx: success
        [3] 3xx: redirection, the client is sent to another URL
        [4] 4xx: an error on the client's side
        [5] 5xx: an error on the server's side
       *[other] an unknown class of status code
    }
close-first-fin = FIN: "I have nothing more to send" (the active close)
close-ack-of-fin = ACK of the FIN
close-second-fin = FIN: the other side is done too
close-ack-and-fin = ACK of the FIN and the server's own FIN, in one segment: it had nothing left to send
close-last-ack = the last ACK: the FIN is acknowledged, and the side that closed first enters TIME_WAIT
close-three-for-four = the seed's 4 way handshake took three packets here: the server had nothing left to send, so its ACK (step 2) and its FIN (step 3) travelled together in one segment; all four steps happened
close-four-for-four = the seed's 4 way handshake took four packets here, one per step: the server acknowledged the browser's FIN at once (step 2) and sent its own FIN a moment later (step 3), once it had finished on its side
close-reset = { $from } -> { $to }: RST: the connection was reset, not closed in order
close-active-closer = { $host } sent the first FIN, so it closed actively and is the side that must hold TIME_WAIT
time-wait-seen = the kernel's socket table (sock_diag): { $host } { $holder } <-> { $peer } is in TIME_WAIT, { $left } s left. Linux keeps it 60 s, for two reasons: a late segment of this connection is absorbed instead of being taken for part of a new one with the same ports, and if the last ACK was lost, the server's FIN comes again and can still be acknowledged
time-wait-none = the kernel's socket table shows no TIME_WAIT for { $local } <-> { $remote } (the other side closed first, or the connection was reset)

## The waterfall's phases

phase-dns = dns
phase-connect = connect
phase-connect-wire = connect (SYN to ACK)
phase-tls = tls handshake
phase-request = request
phase-wait = wait (server)
phase-download = download
phase-close = close (FIN to last ACK)
phase-close-reported = close, until TIME_WAIT was seen

## The glossary: each term the story uses, explained once

glossary-title = Glossary
glossary-recursive = recursive and iterative queries: the browser asks its resolver once, with RD=1 (recursion desired: "find the whole answer for me"); that is what THE-FLOW.md calls the recursive query. The resolver then walks the hierarchy itself, asking each server with RD=0, and each answers only what it knows (iterative queries). So the seed's "recursive query" is the browser's one question, and the walk . -> com. -> google.com. it sets off is made of iterative ones
glossary-qname-minimisation = query-name minimisation (RFC 9156): the resolver tells each server only as much of the name as that server needs. The root only has to say who serves com., so it hears "A? com.", not the whole name
glossary-referral = referral: a server that does not hold the name answers with the servers to ask next (NS records in the authority section), without the AA flag
glossary-glue = glue: the addresses of those next servers, sent along in the additional section when their names lie inside the zone they serve (ns1.google.com for google.com.); without them the resolver could not reach them
glossary-cname = CNAME: an alias; the name stands for another (canonical) name, and the resolver follows it to that name's records
glossary-aa = AA (authoritative answer): the reply comes from a server that holds the zone itself, not from a cache or a referral
glossary-nodata = NODATA: the name exists but has no record of the type asked (an AAAA question where only A exists): NOERROR with an empty answer section and the SOA in the authority section
glossary-nxdomain = NXDOMAIN: the name does not exist at all
glossary-soa = SOA (start of authority): the record at the top of a zone; in a negative answer it says how long the "no" may be cached
glossary-ttl = TTL (time to live): in DNS, how many seconds a record may be cached; in an IP header, how many routers the packet may still cross
glossary-arp = ARP: how a host learns the Ethernet (MAC) address of a neighbour whose IP address it knows; IPv6 does the same with neighbour discovery
glossary-handshake = 3 way handshake: SYN, SYN-ACK, ACK. Each side picks an initial sequence number (ISN) and the other acknowledges it, so both know where the other's byte count starts
glossary-seq-ack = seq and ack: every byte TCP sends is numbered (seq), and the receiver answers with the next number it expects (ack). A segment that carries only an ACK and no data (a pure ACK) tells the sender its data arrived; what is not acknowledged in time is sent again. That is how TCP makes IP's unreliable delivery reliable
glossary-close = 4 way handshake: FIN, ACK, FIN, ACK. Each side says it has nothing more to send, and the other acknowledges it. When the second side has nothing left to send either, its ACK and its FIN can travel in one segment: three packets, four steps
glossary-time-wait = TIME_WAIT: the state of the side that closed first, after its last ACK. It waits (60 s on Linux) so that late packets of the old connection are not taken for a new one with the same ports, and so that it can acknowledge the other side's FIN again if the last ACK was lost
glossary-was = WAS (web application server): the server that runs the application and builds dynamic pages, reading and writing the database; the web server hands it what it cannot serve from files
glossary-status = status code: the three digits of the status line. 1xx informational, 2xx success, 3xx redirection, 4xx an error on the client's side, 5xx an error on the server's side
glossary-hsts = HSTS (HTTP Strict Transport Security, RFC 6797): a site's promise, sent over https in a Strict-Transport-Security header, to be reached over https only for max-age seconds; browsers also carry a preload list of such sites. The browser then rewrites http:// to https:// itself, before any packet, so no plain request is ever there to be read or changed on the way
glossary-tls = TLS handshake: before any HTTP byte, the browser and the server agree on a version, a cipher suite and a shared key (ClientHello and ServerHello, in the clear; TLS 1.3 needs one round trip for it), the server proves with its certificate chain that it holds the name asked for, and each side checks a MAC over the whole handshake (Finished). Everything after it is encrypted; the tour reads it with the secrets its own browser logged
glossary-sni-alpn = SNI and ALPN: two fields of the ClientHello. SNI names the site wanted, so that one address can serve many names, each with its own certificate; ALPN offers the protocols the browser can speak over TLS (h2, http/1.1), and the server picks one
glossary-http2 = HTTP/2: the same requests and responses as HTTP/1.1, sent as binary frames (HEADERS, DATA, SETTINGS, WINDOW_UPDATE, GOAWAY) on numbered streams, many at once over one connection; header lists are compressed with HPACK, so a header sent again costs a byte or two
glossary-certificate-check = certificate check: before it trusts the server, the browser checks its certificate chain: each certificate is signed by the next, up to a root the browser trusts; each is within its validity period (notBefore to notAfter); and the server's own certificate carries the host asked for among its names (subjectAltName). If any check fails, it sends a fatal alert (certificate_expired, bad_certificate, unknown_ca) and closes the connection without sending a single HTTP byte: going on anyway is exactly what an attacker in the middle would need
glossary-close-notify = close_notify: a TLS alert that says "I will send nothing more", sent before the TCP FIN, so that a connection cut short on the way cannot pass for a complete response

## The HTML page

html-final-status = Final status:
html-no-response = No response
html-diagram = Sequence diagram
html-diagram-help = One lane per host, one arrow per message; solid arrows were captured on the wire, dashed ones were reported by the part itself. Click an arrow for its detail.
html-detail = Detail
html-click = Click an arrow.
html-steps = The five steps
html-captured = captured
html-reported = reported
html-inferred = inferred from packets
html-switch = Read in English
html-language-name = English

## roundtrip tour

tour-summary = { $packets } packets captured, { $connections } TCP connections; the tour took { $ms } ms.
tour-pcap-written = packets written to { $path } (tshark -r { $path })
tour-html-written = sequence diagram written to { $path } (English and Korean, with a switch)
tour-loss-needs-network = --fault loss drops packets in a router of the lab's own network, and this lab has none: { $why }
tour-loss-loopback-config = the config places the lab on this machine's loopback (placement = loopback)
tour-lab-failed = the lab could not start: { $error }
cannot-write = cannot write { $path }: { $error }
tour-visits-zero = --visits must be at least 1
tour-browser-runtime = the browser's runtime could not start (an error of this machine): { $error }

## The lanes' roles on the page

role-browser = browser
role-resolver = resolver (the ISP's DNS)
role-root = root server
role-tld = TLD server
role-authoritative = authoritative server
role-web = web server
role-was = WAS
role-db = database

## Why a visit failed (the browser), and whose fault it was

fetch-bad-url = { $url }: not a valid URL ({ $why }): check the URL you gave
fetch-unsupported-scheme = { $url }: { $scheme }:// is not supported (only http:// and https://)
fetch-connect = { $host }: cannot connect: { $attempts }
cert-expired = the server's certificate has expired
cert-expired-at = the server's certificate expired at { $until } (now { $now })
cert-not-yet-valid = the server's certificate is not valid yet
cert-wrong-name = the server's certificate is not valid for the name { $name }
cert-unknown-issuer = the server's certificate was issued by an authority this client does not trust (--cacert FILE adds one)
cert-revoked = the server's certificate has been revoked
fetch-tls = { $host }: TLS handshake failed: { $why }
fetch-http = { $url }: { $why }
fetch-timeout = { $url }: no complete response within { $secs } s: the server is too slow or stuck
fetch-bad-redirect = { $url }: the server redirects to an invalid location { $location }
fetch-too-many-redirects = more than { $limit } redirects (the last to { $url })
fetch-after-hsts = { $error } (HSTS had made { $from } https://: { $domain } is HTTPS-only; --no-hsts asks for plain HTTP)
fetch-redirect-loop = redirect loop: { $request } was already requested in this visit
name-bad = { $host }: not a valid host name ({ $why })
name-nxdomain = { $host }: no such host (NXDOMAIN from { $by })
name-no-address = { $host }: the name has no address (no A or AAAA record)
name-failed = { $host }: { $by } failed: { $why }
name-by-resolver = the resolver { $server }
name-by-iteration = the iterative resolution
attempt-refused = connection refused
attempt-timed-out = timed out
attempt-unreachable = unreachable
attempt-skipped = skipped (other family than --bind)
attempt-failed = failed
attempt-connect-timeout = connect timeout
attempt-no-address = no address to try

## roundtrip get: the report on stderr, and its errors

get-no-cache-to-manage = --no-cache: there is no host cache to list or clear
get-cannot-save-cache = cannot save the host cache { $path }: { $error }
get-fail-status = the server answered { $status } (--fail)
get-no-cache-home = no HOME or XDG_CACHE_HOME for the host cache; give --cache-file or --no-cache
get-bad-resolver = --resolver { $value }: not ADDR or ADDR:PORT ([ADDR]:PORT for IPv6)
get-bad-seconds = { $option } { $value }: not a positive number of seconds
get-bad-method = -X { $value }: not a method token
get-no-nameserver = no nameserver in { $file }: asking 127.0.0.1:53, as the C library does
get-service-recursive = recursive from the root hints (port { $port })
get-cache-empty = the host cache is empty
get-cannot-write-cache = cannot write the host cache
get-cannot-write-hsts = cannot write the HSTS store
get-cache-cleared = host cache cleared ({ $count } entries)
get-leg = { $request } -> { $status } ({ $class }); { $bytes } body bytes
get-closed-client-first = the client sent the first FIN, so the client holds TIME_WAIT
get-closed-server-first = the server sent the first FIN, so the server holds TIME_WAIT
get-closed-error = ended in an error
get-closed = Connection #{ $id } { $local } -> { $remote } closed after { $requests } request(s): { $how }
get-phases = phases: lookup { $lookup }, TCP connect { $connect }, TLS { $tls }, waiting for the first byte { $wait }, reading the rest { $rest }
get-no-lookup = No lookup: re-using connection #{ $id } to { $remote }
get-by-literal = the URL (an address literal)
get-by-hosts-file = the hosts file
get-by-host-cache = the host cache ({ $ttl } s of TTL left)
get-by-resolver = the resolver { $server } (no cache had it)
get-by-recursive = an iterative walk from the root (no cache had it)
get-resolved = { $host } resolved by { $by } in { $ms } ms: { $addresses }
get-attempt-connected = connected
get-attempt-cancelled = cancelled (another attempt won)
get-attempt-refused = refused (RST: nothing listens there)
get-attempt-timed-out = no answer (timed out)
get-attempt = Trying { $remote } at { $started } ms ... { $outcome } at { $ended } ms
get-connected = Connected to { $remote } from { $local } (connection #{ $id })
get-tls-connection = TLS connection using { $version } / { $cipher } / { $group }
get-alpn-accepted = ALPN: the server accepted { $alpn }
get-alpn-none = ALPN: the server chose no protocol (HTTP/1.1)
get-cert-server = Server certificate:
get-cert-verified = certificate verify ok: the chain of { $chain } leads to a trusted root and names { $name }
get-hsts-upgrade = HSTS: { $from } becomes { $to } before any packet: { $why }
get-hsts-why-preload = { $domain } is on the browser's HSTS preload list
get-hsts-why-stored = { $domain } sent Strict-Transport-Security on an earlier visit ({ $seconds } s left)
get-hsts-stored = HSTS: remembered: this host is https only for { $seconds } s ({ $value })
get-hsts-removed = HSTS: max-age=0: this host is forgotten
get-hsts-ignored = HSTS: the header is ignored: { $why }
get-hsts-preloaded = preloaded
get-hsts-left = { $seconds } s left
get-hsts-scope-subdomains = https only, with its subdomains
get-hsts-scope-host = https only, this host alone
get-hsts-cleared = HSTS store cleared ({ $count } entries; the preload list is built in and stays)
get-cannot-save-hsts = cannot save the HSTS store: { $error }
cannot-start-runtime = cannot start the runtime (an error of this machine, not of the request)
cannot-write-stdout = cannot write to stdout

## roundtrip lab and roundtrip zone

netns-not-entered = this process did not enter a user namespace at its start (only the roundtrip command does), so it cannot make network namespaces
netns-forced = { $variable } is set, so the lab does not use namespaces
netns-network-not-built = the lab's network could not be built: { $error }
netns-refused = user namespaces are refused ({ $step }: { $error }): { $setting }
netns-step-unshare = unshare(CLONE_NEWUSER)
netns-step-write = writing { $path }
netns-by-apparmor = AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1); an AppArmor profile for roundtrip with `userns,` allows it, or `sysctl kernel.apparmor_restrict_unprivileged_userns=0`
netns-by-userns-clone = kernel.unprivileged_userns_clone=0 forbids them; `sysctl kernel.unprivileged_userns_clone=1` allows it
netns-by-max-user-namespaces = user.max_user_namespaces=0 forbids them; `sysctl user.max_user_namespaces=15000` allows it
netns-by-threads = the process already had several threads (a user namespace must be entered first thing)
netns-by-seccomp = no sysctl forbids them, so a seccomp profile (a container's) or a security module does; run the lab outside the container or allow unshare(CLONE_NEWUSER)
netns-by-unknown = the kernel gave no further reason
placement-loopback = loopback addresses of this machine
placement-user-namespace = network namespaces in a user namespace (uid { $uid } as root inside)
placement-root = network namespaces (as root)
lab-bad-config = bad lab config: { $error }
lab-placement = The lab's hosts: { $how }.
lab-not-in-namespaces = Not in namespaces: { $reason }.
lab-column-host = host
lab-column-role = role
lab-column-address = address
lab-column-serves = serves
lab-browser-serves = the tour's browser; `roundtrip lab exec -- COMMAND` runs here
lab-cannot-publish = cannot publish the lab for `lab exec`: { $error }
lab-try = Try:
lab-try-exec-dig = the laptop asks the ISP's resolver
lab-try-exec-curl = any tool, from the laptop
lab-try-exec-resolver = from the resolver's host
lab-try-dig = a recursive query to the ISP's resolver
lab-try-dig-norec = the root's referral to com.
lab-try-trace = the iterative walk, hop by hop
lab-try-get = the web server, the WAS, the database
lab-https = HTTPS: { $name } on port { $port } with a certificate for { $names } from the lab's own CA ({ $made }); nothing on this machine trusts it: give its root to a client yourself, e.g. curl --cacert { $root }
lab-try-exec-curl-https = TLS 1.3, HTTP/2
lab-publish-on-loopback = Publish: nothing to forward, the lab already runs on this machine's loopback (the resolver on { $resolver }, the web server on { $web }).
lab-publish-failed = cannot publish the lab: { $error }
lab-publish-binding = publishing { $service } on { $addr }: { $error }
lab-published = Published on this machine (each connection enters the lab from { $host }):
lab-ctrl-c = Ctrl-C stops the lab.
lab-stopped = lab stopped
lab-no-such-host = the lab has no host { $name }; its hosts: { $hosts }
lab-cannot-enter = cannot enter { $name }: { $error }
lab-cannot-run = cannot run { $command }: { $error }
zone-bad-origin = bad origin { $origin }: { $error }

## roundtrip dig: its own lines (dig's layout itself stays dig's)

dig-cannot-build = cannot build a query for { $name }
dig-malformed = malformed response from { $server }: the server's fault, not yours
dig-trace-header = iterative queries (RD=0), from the root down; one line per server asked
dig-trace-count =
    { $count ->
        [one] 1 iterative query
       *[other] { $count } iterative queries
    }

## SQL's bound values

sql-bound = bound values: { $values }

## Pure ACKs, and why a second request

tcp-pure-ack = ACK      { $from } -> { $to }: seq { $seq } ack { $ack }: "got your { $bytes } bytes" (a pure ACK: no data; see seq and ack below)
cache-next-request = { $prefix }the page has loaded; now the person searches, as one does after it: { $url }. That page is made for this request (dynamic), so it goes through the web server to the WAS and the database

## The operating system's errors (English shows the system's own wording; these ids are what
## other languages show instead, by the error's kind, with its number)

io-error-numbered = { $what } (os error { $code })
io-error-addr-in-use = address already in use
io-error-addr-not-available = cannot assign requested address
io-error-permission-denied = permission denied
io-error-not-found = no such file or directory
io-error-connection-refused = connection refused
io-error-connection-reset = connection reset by peer
io-error-timed-out = timed out
io-error-unreachable = unreachable
io-error-invalid-input = invalid argument
io-error-other = an error of the operating system

## roundtrip serve: the servers on their own

serve-cannot-bind = cannot bind { $protocol } { $addr }: { $error }
serve-worker-stopped = the server's { $worker } stopped: { $error }; without it the server cannot serve as started, so it ends
serve-worker-udp = UDP worker { $n }
serve-worker-tcp = TCP listener
serve-bad-zone-origin = bad origin in --zone { $spec }: { $error }
serve-bad-zone = { $error }
serve-zone-warning = warning: { $warning }
serve-zone-loaded = zone { $zone } loaded from { $file }: { $count } names
serve-auth-serving = serving on { $addr } (UDP and TCP)
serve-bad-root-hints = { $error }
serve-bad-allow = --allow { $why }
serve-resolver-serving = resolving on { $addr } (UDP and TCP) from { $roots } root servers, asking upstream servers on port { $port }
serve-bad-config = { $error }
serve-bad-proxy = --proxy { $why }
serve-bad-seconds = --{ $flag } { $value }: expected a positive number of seconds
serve-max-header-bytes = --max-header-bytes must be at least 1024
serve-bad-tls = { $error }
serve-web-serving =
    { $workers ->
        [one] web: serving { $root } on { $url } ({ $workers } worker)
       *[other] web: serving { $root } on { $url } ({ $workers } workers)
    }
serve-web-stopping = web: shutting down
serve-was-header-timeout = --header-timeout must be a positive number of seconds
serve-cannot-start-runtime = cannot start the tokio runtime
serve-was-bad-db = --db: { $error }
serve-was-serving = application server on { $url } with { $kind } ({ $db })
serve-was-stopping = stopping: finishing requests in flight

## roundtrip dig: usage errors (the user's) and why no response came (the server's, the
## network's or this machine's)

dig-usage = usage: roundtrip dig NAME [TYPE] [@SERVER[:PORT]] [-p PORT] [+tcp] [+norec] [+short] [+time=SECS] [+tries=N] [--json]
dig-unknown-option = unknown option '{ $option }'
dig-zone-transfers = zone transfers (AXFR, IXFR) are not supported yet
dig-missing-value = option '{ $option }' needs a value
dig-bad-port = bad port '{ $port }': expected a number 0-65535
dig-bad-server = bad server '@{ $server }': expected an IP address, as @192.0.2.1, @192.0.2.1:53, @::1 or @[::1]:53 (host names are not resolved)
dig-bad-type = unknown record type '{ $rtype }'
dig-bad-class = unknown class '{ $class }'
dig-bad-name = bad name '{ $name }': { $reason }
dig-name-empty = empty name
dig-name-empty-label = empty label
dig-name-long-label = long label
dig-name-long = long domain name
dig-bad-number = bad value '{ $value }' for +{ $option }: expected a positive number
dig-extra-argument = extra argument '{ $word }': name, type and class are already given
dig-closed-early = connection closed before a whole response arrived
dig-mismatched-responses = ignored { $ignored } response(s) whose ID or question did not match the query
dig-local-socket = cannot { $action }: { $error }
dig-action-open = open a UDP socket
dig-action-peer = set the UDP socket's peer
dig-action-timeout = set the UDP read timeout
dig-no-response =
    { $tries ->
        [one] no response from { $server } after { $tries } try
       *[other] no response from { $server } after { $tries } tries
    }
dig-no-response-tcp =
    { $tries ->
        [one] no response from { $server } after { $tries } try over TCP
       *[other] no response from { $server } after { $tries } tries over TCP
    }
dig-tcp-retry-failed = UDP response was truncated and the TCP retry failed: { $error }
dig-connection-reset = connection reset

## The resolver's hops, as dig +trace and get -v show them (names, records and RCODEs as on
## the wire)

hop-from-cache = (cache)
hop-referral = referral to { $zone } NS { $servers } glue { $glue }
hop-referral-no-glue = referral to { $zone } NS { $servers } (no glue)
hop-answer = answer { $records }
hop-lame = lame: { $why }
hop-timeout = timeout
hop-error = error: { $why }
hop-shared = [shared: the same question to the same server was already in flight]
lame-nxdomain-without-aa = NXDOMAIN without AA
lame-rcode = { $rcode }
lame-no-referral = not authoritative, and no referral below the zone
upstream-timeout = timed out after { $after }
upstream-malformed = malformed response: { $why }
malformed-short = shorter than a header
malformed-id = not a response to our query ID
malformed-question-count = not exactly our one question
malformed-other-question = a different question
malformed-question-section = bad question section
malformed-record = a record does not parse
malformed-section = a section does not parse
get-via-cname = via CNAME { $chain }

## The browser's profile files, and why an HSTS header was ignored

profile-host-cache = host cache
profile-hsts-store = HSTS store
profile-unreadable = { $path }: cannot read the { $what }: { $error }
profile-version = { $path }: { $what } version { $found } is not { $expected }; starting empty
profile-corrupt = { $path }: not a { $what } ({ $error }); moved to { $aside } and starting empty
hsts-no-store = this browser keeps no HSTS store
hsts-plain-http = received over plain http://, where anyone on the path could have added it (RFC 6797 §8.1)
hsts-ip-literal = { $host } is an IP address: HSTS applies to names only
hsts-not-a-directive = { $directive } is not a directive
hsts-twice = the directive { $name } appears twice
hsts-max-age-no-value = max-age has no value
hsts-max-age-not-seconds = max-age={ $value } is not a number of seconds
hsts-include-subdomains-value = includeSubDomains takes no value
hsts-no-max-age = no max-age directive
hsts-not-token = { $value } is neither a token nor a quoted string
hsts-quote-not-closed = { $value }: the quoted string is not closed
hsts-ends-in-backslash = a quoted string ends in a backslash
hsts-quote-inside = { $value }: a quote inside the quoted string

## Each leg's status class (get --json, tour --json: the leg's "status_class")

leg-status-class =
    { $class ->
        [1] 1xx informational: the request was received, continuing
        [2] 2xx success: the request was received, understood and accepted
        [3] 3xx redirection: further action is needed to complete the request
        [4] 4xx client error: the request is wrong or cannot be fulfilled
        [5] 5xx server error: the server failed to fulfil a valid request
       *[other] not a standard status class
    }

## roundtrip lab up: the address table's roles and what each host serves

lab-role = { $role }
serves-down = DOWN (fault): nothing listens
serves-resolver = recursive, from the lab's root hints
serves-stalled = STALLED (fault): accepts connections, never answers
serves-database = database { $url }
serves-database-fault = database { $url } (fault: cannot be opened)
serves-web = static { $site }; { $proxies } -> WAS; https on port { $https_port } (TLS 1.3/1.2, h2) with the lab CA's certificate for { $names }; port { $http_port } { $port_80 }
serves-web-redirects = answers 301 to https://
serves-web-plain-too = serves plain HTTP too
serves-router = forwards between { $addresses }
serves-loses = LOSES (fault) { $what } from { $host } ({ $interface })
serves-loses-tcp = the first TCP data segment to port { $port }
serves-loses-udp = the first UDP query to port { $port }

## Why packets could not be captured

capture-not-permitted = capturing packets needs root or CAP_NET_RAW (the kernel refused an AF_PACKET socket: { $error }); going on without packets
capture-filter = capture filter: { $error }
capture-filter-no-addresses = the capture filter needs at least one address
capture-filter-too-many = the capture filter takes at most { $max } addresses, { $given } were given
capture-socket = capture: cannot { $step }: { $error }
capture-step-find-lo = find the lo interface
capture-step-bind-lo = bind to lo
capture-step-list-interfaces = list the interfaces
capture-step-bind-all = bind to all interfaces
capture-step-thread = start the capture thread
capture-step-open = open an AF_PACKET socket
capture-step-attach = attach the filter
capture-step-ring = set up the receive ring
capture-enter-host = cannot enter { $host }'s network namespace to capture there: { $error }

## The command line: clap's help (the doc comments of the argument structs, word for word: a
## test in the cli crate checks them; ids from the command's path and the argument's id)

cli-heading-usage = Usage
cli-heading-arguments = Arguments
cli-heading-options = Options
cli-heading-commands = Commands
cli-default = [default: { $value }]
cli-possible-values = [possible values: { $values }]

cli-about = The whole journey of a web request, for real
cli-about-dig = Ask a DNS server a question and print the answer in dig's layout
cli-about-get = Fetch a URL as a browser does and show where the time went (lookup, connect, first byte)
cli-about-help = Print this message or the help of the given subcommand(s)
cli-about-lab = The lab internet: its hosts, links and servers, on this machine
cli-about-lab-config = Print the default lab config (TOML), to save and edit
cli-about-lab-exec = Run a command inside a running lab's host (default: the browser's machine), as a program on that host: its network, and the lab's resolver in /etc/resolv.conf
cli-about-lab-up = Start the lab's servers, print the address table, and run until interrupted
cli-about-serve = Run one of the lab's servers on its own
cli-about-serve-auth = An authoritative DNS server for one or more zones, over UDP and TCP
cli-about-serve-resolver = A recursive, caching resolver: takes recursive queries (RD=1) and resolves them with iterative queries from the root hints down
cli-about-serve-was = An application server: the lab's search engine on SQLite or PostgreSQL
cli-about-serve-web = A web server: static files, reverse proxy of dynamic paths, virtual hosts, limits
cli-about-tour = Start the lab, browse a URL through it, and tell what really happened, step by step
cli-about-zone = Zone files: check them as BIND's named-checkzone does
cli-about-zone-check = Check a zone file: exit 0 if it loads, 1 with `file:line: reason` if not
cli-after-help-get =
    Host cache: the browser keeps the addresses DNS gave, each for its TTL, in a file between runs (default ~/.cache/roundtrip/hosts.json). --cache-list prints it, --cache-clear empties it; --no-cache neither reads nor writes it.

    Exit codes: 0 a response arrived (whatever its status; with --fail, 1 for 400 and above), 1 the request failed (name, connection, timeout, redirects), 2 bad usage.
cli-help-dig-json = Print the response as one JSON document
cli-help-dig-words = Arguments in dig's own order: NAME [TYPE] [CLASS] [@SERVER[:PORT]] [-p PORT] [-t TYPE] [-c CLASS] [-q NAME] [+tcp] [+norec] [+short] [+time=SECS] [+tries=N]
cli-help-get-bind = The source address of the connections and the DNS queries
cli-help-get-cacert = Also trust the CA certificates in this PEM file for https:// (the web PKI's roots, Mozilla's, are always trusted; the system's store is not read)
cli-help-get-cache-clear = Empty the host cache
cli-help-get-cache-file = The host cache file
cli-help-get-cache-list = Print the host cache's unexpired entries
cli-help-get-connect-timeout = Seconds allowed to connect (all Happy Eyeballs attempts together)
cli-help-get-data = Send DATA as the body (application/x-www-form-urlencoded, as curl -d)
cli-help-get-dns-port = The port every name server is asked on with --recursive (the lab's is 1053 unless root)
cli-help-get-fail = Exit 1 when the final status is 400 or more (the body is not written)
cli-help-get-hosts-file = The hosts file consulted before the cache and DNS
cli-help-get-hsts-clear = Empty the HSTS store (the preload list is built in and stays)
cli-help-get-hsts-file = The HSTS store file (default: hsts.json beside the host cache)
cli-help-get-hsts-list = Print the HSTS store's unexpired entries and the built-in preload list
cli-help-get-http1-1 = For https://, offer HTTP/1.1 only in ALPN
cli-help-get-http2 = For https://, offer HTTP/2 and HTTP/1.1 in ALPN, the server choosing (the default, as curl's; http:// stays HTTP/1.1)
cli-help-get-json = Print one JSON document describing every leg instead of the body and the report
cli-help-get-max-redirs = Follow at most N redirects (the Fetch standard's limit by default)
cli-help-get-max-time = Seconds allowed for each request, from sending it to the end of the body
cli-help-get-method = The request method (default GET, or POST with -d)
cli-help-get-no-cache = Neither read nor write the host cache
cli-help-get-no-hsts = No HSTS: neither the preload list nor the store turns http:// into https://, and Strict-Transport-Security headers are not remembered
cli-help-get-output = Write the body to FILE instead of stdout
cli-help-get-recursive = Resolve in-process from the root hints, iteratively, instead of asking a resolver
cli-help-get-resolver = Ask this recursive resolver (default: the first nameserver of /etc/resolv.conf)
cli-help-get-root-hints = Root hints for --recursive (named.root format; default: IANA's)
cli-help-get-silent = No report on stderr, only the body (or errors)
cli-help-get-url = The URL to fetch (http:// or https://)
cli-help-get-verbose = Show the connection attempts and the request and response headers, as curl -v
cli-help-help = Print help
cli-help-lab-exec-command = The command and its arguments, after `--`
cli-help-lab-exec-host = The host (`roundtrip lab up` lists them)
cli-help-lab-up-config = The lab's config (TOML); default: the default lab (`roundtrip lab config`)
cli-help-lab-up-dns-port = The port the lab's DNS servers share (overrides the config; default: 53 as root, 1053 otherwise)
cli-help-lab-up-publish = Also forward the resolver and the web server to loopback addresses of this machine (the config's [publish]: 127.0.0.1:1053, 127.0.0.1:8080 and 127.0.0.1:8443 by default), for tools that cannot run inside the lab
cli-help-lang = The language of every sentence: en or ko (default: as gettext reads LANGUAGE, LC_ALL, LC_MESSAGES and LANG; ko_KR.UTF-8 gives Korean; otherwise English)
cli-help-serve-auth-listen = Address and port to listen on, e.g. 127.0.0.2:1053
cli-help-serve-auth-no-packet-cache = Answer every query from the zones, never from the packet cache of earlier answers
cli-help-serve-auth-udp-workers = UDP worker threads
cli-help-serve-auth-zones = A zone: `[ORIGIN=]FILE`; without ORIGIN, the file's $ORIGIN or SOA owner. Repeatable
cli-help-serve-resolver-allow = Networks whose clients may ask, in CIDR form, besides loopback. Repeatable
cli-help-serve-resolver-cache-size = Cache entries (RRsets and negative answers) at most
cli-help-serve-resolver-listen = Address and port to listen on, e.g. 127.0.0.53:1053
cli-help-serve-resolver-max-ttl = The longest a record is cached, whatever its TTL, in seconds
cli-help-serve-resolver-no-qname-minimisation = Send every server the whole name instead of one label at a time (RFC 9156 off)
cli-help-serve-resolver-root-hints = Root hints in IANA named.root form (default: the real root servers)
cli-help-serve-resolver-upstream-port = The port every upstream server is asked on (the lab's servers share one port)
cli-help-serve-was-db = The database: `sqlite://FILE` or `postgres://USER@HOST/DB`
cli-help-serve-was-header-timeout = Seconds a client has to send a whole request head; the connection is closed after
cli-help-serve-was-listen = Address and port to listen on, e.g. 127.0.0.81:8080
cli-help-serve-was-log-level = What goes to stderr: `error`, `warn`, `info` (one access line per request) or `debug`
cli-help-serve-was-max-body-bytes = The largest request body, in bytes: 413 above
cli-help-serve-was-max-connections = Database connections in the pool at most
cli-help-serve-web-access-log = The access log: `off`, `stderr` or a file (default: the config's, else stderr)
cli-help-serve-web-config = A TOML config (virtual hosts, redirects, limits); flags override it
cli-help-serve-web-header-timeout = Seconds a client has to send a whole request head (slowloris guard): 408 after
cli-help-serve-web-listen = Address and port to listen on, e.g. 127.0.0.80:8080
cli-help-serve-web-max-body-bytes = The largest request body, in bytes: 413 above
cli-help-serve-web-max-header-bytes = The largest request head, in bytes: 431 above
cli-help-serve-web-proxies = Proxy a path prefix to an upstream: `PATH_PREFIX=http://HOST:PORT`. Repeatable; the same prefix given twice balances over both upstreams
cli-help-serve-web-root = The document root: static files are served from here
cli-help-serve-web-tls-cert = HTTPS: the certificate chain (PEM, leaf first); needs --tls-key. TLS 1.3 and 1.2, and HTTP/2 when the client's ALPN chooses it
cli-help-serve-web-tls-key = HTTPS: the certificate's private key (PEM); needs --tls-cert
cli-help-serve-web-upstream-timeout = Seconds an upstream has to answer a proxied request: 504 after
cli-help-serve-web-workers = Runtime threads (0 = one per core; 1 = a single-threaded runtime, the cheapest per request when the server is pinned to one core)
cli-help-tour-config = The lab's config (default: `roundtrip lab config`)
cli-help-tour-fault = Break one part of the lab: root-down, nxdomain, was-down, was-slow, db-down, loss (a router loses a request segment and a resolver query; needs the lab's own network), cert-expired, cert-wrong-name (the web server's certificate; the browser refuses it)
cli-help-tour-html = Also write the journey as a self-contained HTML page with a sequence diagram
cli-help-tour-json = Print the whole journey as one JSON document (its shape: `lab::tour::Tour`)
cli-help-tour-keylog = Also write the browser's TLS secrets in the NSS key-log format (SSLKEYLOGFILE's)
cli-help-tour-no-hsts = A browser without HSTS (no preload list, no store): http:// goes out as plain HTTP, and the web server's 301 sends it to https://
cli-help-tour-no-search = Do not search after the home page
cli-help-tour-pcap = Also write the captured frames as a pcapng file, one interface per host and link, with the browser's TLS secrets in a Decryption Secrets Block (Wireshark and tshark -r show the decrypted HTTP/2 with no setup)
cli-help-tour-search = After the home page, search for this, as a person would (dynamic: web -> WAS -> DB)
cli-help-tour-url = The URL to browse (default: the lab's home page, http://www.google.com/, which the browser's HSTS preload list makes https://; on the loopback fallback an ordinary user's is https://www.google.com:8443/)
cli-help-tour-visits = Browse this many times: the second visit shows the caches at work
cli-help-version = Print version
cli-help-zone-check-file = The zone file
cli-help-zone-check-origin = The zone's origin, e.g. `google.com.` or `.` for the root
cli-help-zone-check-print = Print the zone in canonical form: one record per line, absolute names, TTL and class

## The command line: clap's usage errors (exit 2), laid out as clap lays them out; the English
## is clap's own wording (a test renders each kind both ways)

clap-error = error:
clap-tip = tip:
clap-try-help = For more information, try '{ $help }'.
clap-error-other = the command line cannot be used ({ $detail })
clap-unknown-argument = unexpected argument '{ $arg }' found
clap-unrecognized-subcommand = unrecognized subcommand '{ $subcommand }'
clap-missing-required = the following required arguments were not provided:
clap-missing-subcommand = '{ $command }' requires a subcommand but one was not provided
clap-subcommands = [subcommands: { $values }]
clap-value-required = a value is required for '{ $arg }' but none was supplied
clap-invalid-value = invalid value '{ $value }' for '{ $arg }'
clap-invalid-value-because = invalid value '{ $value }' for '{ $arg }': { $reason }
clap-possible-values = [possible values: { $values }]
clap-no-equals = equal sign is needed when assigning values to '{ $arg }'
clap-too-many-values = unexpected value '{ $value }' for '{ $arg }' found; no more were expected
clap-too-few-values = { $min } values required by '{ $arg }'; only { $actual } { $actual ->
        [0] was
        [1] was
       *[other] were
    } provided
clap-wrong-number-of-values = { $expected } values required for '{ $arg }' but { $actual } { $actual ->
        [0] was
        [1] was
       *[other] were
    } provided
clap-invalid-utf8 = invalid UTF-8 was detected in one or more arguments
clap-conflict-repeated = the { $kind } '{ $name }' cannot be used multiple times
clap-conflict-with = the { $kind } '{ $name }' cannot be used with '{ $other }'
clap-conflict-with-these = the { $kind } '{ $name }' cannot be used with:
clap-conflict-with-others = the { $kind } '{ $name }' cannot be used with one or more of the other specified arguments
clap-tip-similar = { $count ->
        [1] a similar { $what } exists: { $names }
       *[other] some similar { $what }s exist: { $names }
    }
clap-tip-pass-as-value = to pass '{ $value }' as a value, use '{ $usage }'
clap-tip-exists = '{ $usage }' exists
clap-tip-remove-double-dash = subcommand '{ $subcommand }' exists; to use it, remove the '{ $dashes }' before it

## Why a value of the command line was refused (clap's value parsers; English shows the
## parser's own words, these ids are what other languages show instead, by the error's class)

value-empty = the value is empty
value-not-a-number = not a number
value-too-large = the number is too large
value-too-small = the number is too small
value-out-of-range = not between { $min } and { $max }
value-not-an-ip-address = not an IP address (e.g. 192.0.2.1 or 2001:db8::1)
value-not-a-socket-address = not an address and port (e.g. 127.0.0.1:8080 or [::1]:8080)
value-not-a-log-level = not a log level: error, warn, info, debug or trace (or a number 1-5)
value-other = a value this argument cannot take ({ $detail })
fault-unknown = unknown fault { $value }: one of { $names }


## Why another crate's parser refused a file or a URL (English shows the parser's own words;
## these ids are what other languages show instead, by the error's class; a parser's free text is
## quoted and attributed, not translated)

config-unreadable = cannot read the file { $file }: { $error }
config-toml = { $place }: not valid TOML for this file (toml: "{ $detail }")
tls-certificate-not-pem = not a PEM certificate file: { $why }
tls-no-certificate = no certificate (BEGIN CERTIFICATE) in the file
tls-key-not-pem = not a PEM private key file: { $why }
tls-no-key = no private key (BEGIN PRIVATE KEY) in the file
tls-key-mismatch = the private key does not match the certificate's public key
tls-bad-certificate = bad certificate: { $why }
tls-unusable-key = unusable private key: { $why }
tls-certificate-bad-encoding = its DER encoding is malformed
tls-rustls-said = rustls: "{ $detail }"
pem-missing-end = a section has no -----END { $marker }----- line
pem-illegal-start = a section's first line is malformed ({ $line })
pem-base64 = the base64 inside does not decode (pem: "{ $detail }")
pem-nothing = nothing of the kind in it
pem-too-large = a section over 256 MB
pem-other = the PEM reader refused it (pem: "{ $detail }")
db-url-bad = bad database URL { $url }: { $why }
db-url-sqlite-needs-file = a SQLite URL needs a file: sqlite://FILE
db-url-unknown-scheme = expected sqlite://FILE or postgres://...
db-url-driver = the driver refused it (sqlx: "{ $detail }")
was-listener = cannot serve on the listener: { $error }
url-empty-host = empty host
url-idna = invalid international domain name
url-invalid-port = invalid port number
url-invalid-ipv4 = invalid IPv4 address
url-invalid-ipv6 = invalid IPv6 address
url-invalid-domain-character = invalid domain character
url-relative = relative URL without a base
url-too-long = URLs more than 4 GB are not supported
url-other = the URL parser refused it (url: "{ $detail }")
url-no-host = no host
url-header-value = { $name } header value { $value } is not valid
url-request = the request cannot be made (http: "{ $detail }")


## Why the lab's config refuses a value (lab::config, after the file, the line and the key;
## English is also the config error's Display)

lab-config-not-ipv4 = { $value } is not an IPv4 address
lab-config-real-internet = { $addr } is neither in the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) nor on loopback (127.0.0.0/8): the lab never uses addresses of the real internet
lab-config-mixed-placement = { $addr } mixes loopback and documentation addresses: a lab is either a network of namespaces or all on loopback
lab-config-address-taken = { $addr } is already { $by }'s: every host has its own address
lab-config-not-ipv6 = { $value } is not an IPv6 address
lab-config-not-documentation-v6 = { $addr } is not in the documentation range 2001:db8::/32
lab-config-unknown-role = { $role } is not one of root, tld, authoritative
lab-config-not-origin-file = { $zone } is not ORIGIN=FILE
lab-config-origin-not-a-name = { $origin } is not a domain name
lab-config-no-zone-file = zone file { $path } does not exist
lab-config-no-root = no server has role "root": the resolver would have no root hints
lab-config-not-host-url = { $rule } is not HOST=URL
lab-config-not-positive-seconds = { $value } is not a positive number of seconds
lab-config-bad-hsts = { $value }: expected max-age=SECONDS[; includeSubDomains]
lab-config-bad-database = { $url } is neither sqlite://FILE nor postgres://...
lab-config-not-subnet = { $value } is not ADDRESS/PREFIX
lab-config-not-ip-address = { $value } is not an IP address
lab-config-not-prefix-length = { $value } is not a prefix length
lab-config-bad-prefix-length = /{ $len } is not a prefix length for { $addr }
lab-config-not-documentation-subnet = not an IPv4 subnet of the documentation ranges
lab-config-no-ipv6-subnet = missing: every link has an IPv6 subnet too (the lab is dual-stack)
lab-config-not-documentation-subnet-v6 = not an IPv6 subnet of 2001:db8::/32
lab-config-router-without-addresses = missing: a router needs its addresses
lab-config-not-socket-address = { $value } is not an address and port (127.0.0.1:1053)
lab-config-not-loopback = { $ip } is not a loopback address: the lab is published to this machine only, never to a network
topology-address-on-links = { $node }'s address { $addr } is on { $links } links: every address must be in the subnet of exactly one [[link]]
topology-not-dual-stack = { $node } needs an IPv4 and an IPv6 address: the lab is dual-stack
topology-link-joins-nothing = link { $link } has fewer than two hosts on it: it joins nothing
topology-not-a-router = { $node } is on several links but is not a router
topology-links-unreached = { $node } cannot reach every link: the routers do not join them all


## Why a zone file or a zone is refused (the dns crate; after the file and the line). English is
## also the errors' Display, as `zone check` prints them.

zone-io = cannot read the file: { $error }
zone-not-utf8 = the file is not UTF-8 text
zone-unopened-parenthesis = unbalanced parentheses: ')' without '('
zone-unclosed-parenthesis = unbalanced parentheses: '(' is never closed
zone-unterminated-quote = unterminated quoted string
zone-unknown-directive = unknown directive { $directive }
zone-directive-needs-name = { $directive } needs exactly one domain name
zone-directive-needs-ttl = { $directive } needs exactly one TTL
zone-directive-needs-file = { $directive } needs a file name and an optional origin
zone-include-too-deep = $INCLUDE nests deeper than { $depth } files (an include loop?)
zone-bad-ttl = bad TTL { $text }: { $why }
zone-bad-name = invalid name { $text }: { $why }
zone-no-origin = relative name { $text } but no origin is known (use $ORIGIN or give the zone's origin)
zone-no-owner = no owner: the first record of the file starts with white space
zone-no-ttl = no TTL: the record has none, there is no $TTL and no TTL was given before
zone-class-mismatch = class { $found } differs from the zone's class { $zone }
zone-unknown-type = unknown type or class { $word }
zone-missing-type = record has no type
zone-obsolete-type = type { $rtype } is obsolete (RFC 973: use MX)
zone-bad-rdata = bad { $rtype } data: { $why }
zone-out-of-zone = { $owner } is outside the zone { $origin }
zone-no-soa = no SOA record at the zone apex { $origin }
zone-no-soa-no-origin = no SOA record at the zone apex (unknown: no $ORIGIN and no SOA)
zone-soa-not-at-apex = SOA record at { $owner }, which is not the zone apex { $origin }
zone-multiple-soa = more than one SOA record at the apex
zone-no-apex-ns = no NS records at the zone apex { $origin }
zone-cname-and-other-data = CNAME and other data at { $owner } (RFC 1034 §3.6.2)
zone-multiple-cnames = more than one CNAME record at { $owner } (RFC 2181 §10.1)
zone-multiple-dnames = more than one DNAME record at { $owner } (RFC 6672 §2.4)
zone-missing-glue = NS target { $target } is inside the zone but has no address records (A or AAAA)
zone-empty = the zone has no records
zone-duration-empty = empty
zone-duration-not-a-duration = not a number of seconds or a duration like 1h30m
zone-duration-unit-without-number = a unit without a number
zone-duration-number-after-unit = a number without a unit after one with a unit (write 1h30m, not 1h30)
zone-duration-too-large-ttl = larger than 2147483647 (RFC 2181 §8)
zone-duration-too-large = larger than 4294967295
zone-rdata-ends-too-soon = the data ends too soon
zone-rdata-too-long = the data is too long
zone-rdata-trailing = unexpected data after the end
zone-rdata-no-origin = a relative name but no origin is known
zone-rdata-bad-name = invalid domain name: { $why }
zone-rdata-invalid-name = invalid domain name
zone-rdata-bad-escape = bad escape sequence
zone-rdata-bad-symbol = bad symbol
zone-rdata-non-ascii = non-ASCII characters
zone-rdata-charstr-too-long = character string longer than 255 octets
zone-rdata-not-utf8 = not UTF-8
zone-rdata-expected-ipv4 = expected IPv4 address
zone-rdata-expected-ipv6 = expected IPv6 address
zone-rdata-expected-number = expected decimal number
zone-rdata-number-overflow = decimal number overflow
zone-rdata-expected-hex = expected hex digits
zone-rdata-uneven-hex = uneven number of hex digits
zone-rdata-bad-base64 = illegal Base 64 data
zone-rdata-end-of-entry = unexpected end of entry
zone-rdata-domain-said = { $detail }
zone-rdata-unexpected = unexpected { $word } after the data
zone-rdata-generic-invalid = the \# data is not valid for this type
zone-rdata-generic-names = cannot read the names in the \# data
zone-rdata-generic-too-long = the \# data is longer than the record
zone-rdata-soa-timer = { $field } { $text }: { $why }
zone-rdata-no-root-servers = no root server with an address: hints need `. NS name` and `name A address`
zone-warning-ttl-differs = { $owner } { $rtype }: TTL { $ttl } differs from the RRset's TTL { $kept }; using { $kept } (RFC 2181 §5.2)
zone-warning-below-delegation = { $name } { $rtype } is below the delegation to { $cut } and will not be served
name-invalid = invalid domain name { $text }: { $why }
name-empty-label = empty label
name-long-label = a label is longer than 63 octets
name-long = the name is longer than 255 octets
name-domain-said = { $detail }


## Why a network cannot be allowed to ask the resolver (--allow)

allow-not-a-network = { $cidr } is not an address or network
allow-bad-prefix = { $cidr }: prefix length must be 0-{ $max }


## Why the lab could not start, or be found or joined (the lab crate; English is the errors'
## Display)

lab-cannot-listen = cannot listen on { $addr }: { $error }
lab-part-failed = { $what }: { $error }
lab-part-host-namespace = entering a host's namespace
lab-part-zone-file = the zone file { $path }
lab-part-runtime = the lab's runtime
lab-part-database-directory = the database directory { $path }
lab-part-loss-filter = the loss fault's filter in { $router }
lab-loss-on-loopback = the loss fault: it drops packets in a router of the lab's own network, and this lab runs on loopback ({ $why })
lab-loss-placement-loopback = placement = "loopback" in the config
lab-loss-no-router = the loss fault: { $host } has no router to lose its packets
lab-access-list = the resolver's access list: { $why }
lab-was-failed = the WAS on { $addr }: { $error }
lab-ca-failed = the lab's certificate authority: { $error }
lab-web-certificate = the web server's certificate in { $path }: { $detail }
ca-pem = { $detail }
ca-no-intermediate = no intermediate in the chain
ca-make = making the lab's certificates: { $detail }
lab-none-nothing-in = no lab is running (nothing in { $dir })
lab-none-alive = no lab is running (start one with `roundtrip lab up`; looked in { $dir })
lab-join-user-namespaces = cannot tell which user namespaces this process and the lab are in: { $error }
lab-join-user-namespace = cannot join the lab's user namespace: { $error }
lab-join-network-namespace = cannot join the host's network namespace: { $error }
lab-join-mount-namespace = cannot make a mount namespace of this process's own: { $error }
lab-join-nul-in-path = the lab's resolv.conf has a NUL byte in its path
lab-join-resolv-conf = cannot put the lab's resolv.conf on /etc/resolv.conf: { $error }


## Why the web server's config refuses a value (after the file, the line and the column), or a
## flag that sets one (--proxy); English is also their Display

web-config-not-positive-seconds = { $value }: expected a positive number of seconds
web-config-header-bytes-too-small = max_header_bytes must be at least 1024
web-config-uri-bytes-too-small = max_uri_bytes must be at least 16
web-config-proxy-without-upstream = a proxy needs at least one upstream
web-config-vhost-without-name = a vhost needs at least one name
web-config-bad-redirect-target = { $to }: expected http(s)://HOST[:PORT], without a path
web-config-bad-redirect-status = redirect status { $status } is not 301, 302, 307 or 308
web-config-cert-without-key = tls_cert needs tls_key too
web-config-key-without-cert = tls_key needs tls_cert too
web-config-bad-hsts = { $value }: expected max-age=SECONDS[; includeSubDomains][; preload]
web-config-redirect-port-zero = https_redirect is a port, 1 to 65535
web-config-http2-out-of-range = http2.{ $name } must be between { $min } and { $max }
web-config-prefix-not-absolute = proxy prefix { $prefix } must start with /
web-config-prefix-not-plain = proxy prefix { $prefix } must be a plain path
web-config-upstream-https = { $upstream }: upstreams speak plain HTTP (http://)
web-config-upstream-with-path = { $upstream }: an upstream is HOST:PORT, without a path
web-config-upstream-unresolved = { $upstream }: { $why }
web-config-upstream-not-host-port = not HOST:PORT
web-config-upstream-lookup = the name cannot be looked up ({ $detail })
web-config-upstream-no-address = { $upstream }: the name has no address
web-config-not-proxy-spec = { $spec }: expected PATH_PREFIX=http://HOST:PORT


## Why an exchange or a TLS handshake failed, by class (English shows hyper's and rustls's own
## lines, as curl does; these ids are what other languages show instead)

http-fail-reading-body = reading the body: { $why }
http-fail-closed-mid-message = the server closed the connection before the message was complete
http-fail-closed = the connection was closed
http-fail-timeout = timed out
http-fail-head-too-large = the response's head is too large
http-fail-bad-status = the status line has no valid status code
http-fail-bad-response = the response is not valid HTTP (hyper: "{ $detail }")
http-fail-canceled = the request was canceled
http-fail-goaway = HTTP/2: the connection was closed with GOAWAY { $reason } { $by }
http-fail-reset = HTTP/2: the stream was reset with RST_STREAM { $reason } { $by }
http-fail-by-server = sent by the server
http-fail-by-client = sent by this client
http-fail-other = the exchange failed (hyper: "{ $detail }")
tls-fail-alert = the server refused the handshake: alert { $alert }
tls-fail-no-shared-version = the server and this client share no TLS version or cipher suite ({ $detail })
tls-fail-no-alpn = the server accepts none of the offered application protocols (ALPN)
tls-fail-closed = the server closed the connection during the handshake
tls-fail-timeout = no handshake within { $secs } s
tls-fail-not-a-name = { $host } is not a name TLS can check
tls-fail-setup = cannot set up TLS (rustls: "{ $detail }")
tls-fail-other = the handshake failed (rustls: "{ $detail }")


## The step at which the lab's network could not be built (before the system's error)

network-step-namespace = cannot make a network namespace for { $node }
network-step-veth = link { $link }: veth
network-step-bridge = link { $link }: bridge
network-step-port = link { $link }: port { $port }
network-step-configure = configuring { $node }
network-step-bring-up = bringing { $node } up
network-step-bring-link-up = bringing link { $link } up
network-step-sysctl = { $path }


## Why the web server could not start

serve-web-cannot-start = { $error }
web-start-root = document root { $path }: { $error }
web-start-cache-control = cache_control is not a valid header value
web-start-access-log = { $path }: { $error }
lab-web-failed = the web server: { $error }
