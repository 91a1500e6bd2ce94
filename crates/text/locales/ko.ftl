# roundtrip의 문장들, 한국어판. en.ftl과 같은 id, 같은 변수를 씁니다(text 크레이트의 테스트가
# 확인합니다). 프로토콜 토큰(SYN, A?, NXDOMAIN, HTTP/1.1 200 OK, 헤더 줄, SQL)은 선 위에 있던
# 그대로 변수로 들어옵니다.

## 언어 고르기

lang-unknown = 알 수 없는 언어 "{ $value }": en 또는 ko를 쓰세요

## THE-FLOW.md의 다섯 단계

step-1 = 브라우저가 자신의 DNS 캐시를 확인한다
step-2 = 가장 가까운 DNS 서버가 이름을 찾는다 (재귀적 질의, 그 뒤는 반복적 질의)
step-3 = 브라우저가 TCP/IP 위에서 HTTP 요청을 보낸다
step-4 = 웹 서버와 WAS, 데이터베이스가 일을 한다
step-5 = 상태 코드와 함께 응답이 돌아오고, 연결을 닫는다

## 이야기의 틀: 제목, 범례, 참고, 워터폴, 용어 정리

story-title = { $url } 요청의 여정
story-legend = 각 줄을 어떻게 알았는지: { $wire } = 캡처한 패킷에 그렇게 적혀 있습니다. { $said } = 랩의 구성 요소(브라우저, 서버, 커널의 소켓 테이블)가 자기 일을 스스로 보고했습니다. { $inferred } = 패킷 하나가 말해 주지는 않지만, 캡처한 패킷들에서 이끌어 낸 결론입니다. 한 단계 안의 줄은 시간 순서이고, 단계끼리는 시간이 겹칠 수 있습니다(첫 요청의 연결이 아직 열려 있는 동안 두 번째 요청이 3~5단계를 지나가기도 합니다).
tag-wire = 패킷
tag-said = 보고
tag-inferred = 추론
waterfall-title = 워터폴 (구간별 시간)
note = 참고: { $note }
note-no-capture = 패킷을 캡처하지 못했습니다({ $reason }). 그래서 이 이야기는 브라우저와 서버들이 스스로 보고한 내용으로만 전하고, 보지 못한 패킷은 하나도 보여 주지 않습니다. 패킷까지 보려면 root로(또는 CAP_NET_RAW 권한을 주고) 실행하세요.
note-capture-unavailable = 캡처를 쓸 수 없음
note-dropped = 커널이 캡처한 패킷 중 { $count }개를 버렸습니다. 빠진 메시지가 있을 수 있습니다
host-browser = 브라우저
host-database = 데이터베이스
visit-prefix = { $n }번째 방문

## 장애 주입 (--fault)

fault-injected = 주입한 장애: { $fault } ({ $meaning })
fault-root-down = 첫 번째 루트 서버가 꺼져 있어서, 리졸버는 다른 루트 서버에 다시 물어야 합니다
fault-nxdomain = 존재하지 않는 이름입니다. 부정 응답이 돌아오고, 그 응답도 캐시에 남습니다
fault-was-down = WAS가 실행되고 있지 않아서 웹 서버가 WAS에 닿지 못합니다
fault-was-slow = WAS가 연결은 받지만 끝내 응답하지 않습니다
fault-db-down = WAS가 데이터베이스를 열 수 없습니다
fault-cert-expired = 웹 서버가 어제 만료된 인증서를 제시합니다(랩의 자체 인증 기관(CA)이 이번 투어에서만 쓰도록 발급한 것). 브라우저는 이 인증서를 거부해야 합니다
fault-cert-wrong-name = 웹 서버가 유효하긴 하지만 다른 이름({ $other })으로 발급된 인증서를 제시합니다. 브라우저는 이 인증서를 거부해야 합니다
fault-loss = 라우터 하나가 브라우저의 첫 요청 세그먼트를, 다른 라우터가 리졸버의 첫 질의를 잃어버립니다. TCP는 재전송해야 하고, 리졸버는 다시 물어야 합니다
dns-query-lost = 유실: 응답이 끝내 오지 않았습니다. 이 질의는 { $from }에서 나가는 모습까지만 보였고 { $router }에서 나가는 모습은 없습니다. 거기서 사라진 것입니다. UDP에는 확인 응답도 재전송도 없어서 보낸 쪽은 이 사실을 모릅니다.
dns-query-retry = 리졸버의 재시도: 유실된 질의 뒤 { $ms } ms 동안 응답이 없자(리졸버의 타임아웃) 리졸버가 스스로 다시 묻습니다.
dns-query-retry-elsewhere = 이번에는 { $before } 대신 { $now }에 묻습니다.
lost-by-the-fault = (이번 투어의 장애: 라우터의 패킷 필터가 버립니다.)
hsts-preload = { $prefix }HSTS: { $domain }은 브라우저에 내장된 HTTPS 전용 사이트 목록(프리로드 목록)에 있어서, 패킷을 보내기 전에 { $from }을 { $to }로 바꿉니다. 평문 HTTP 요청은 한 번도 나가지 않습니다
hsts-stored = { $prefix }HSTS: { $domain }이 앞선 응답에서 Strict-Transport-Security를 보냈으므로({ $seconds }초 남음), 패킷을 보내기 전에 { $from }을 { $to }로 바꿉니다
hsts-header-stored = { $prefix }응답의 Strict-Transport-Security({ $value })를 기억합니다. { $seconds }초 동안 이 호스트에는 https로만 접속합니다
tls-client-hello = ClientHello  { $from } -> { $to }, 암호화 전: "TLS로 이야기하자". 원하는 이름(SNI) { $sni }, 제안하는 애플리케이션 프로토콜(ALPN) { $alpn }, 버전 { $versions }, 키 공유 그룹 { $groups }
tls-server-hello = ServerHello  { $from } -> { $to }, 암호화 전: { $version }, 암호 스위트 { $suite }, 키 교환 { $group }. 이 뒤로 모든 레코드가 암호화됩니다
tls-encrypted-extensions = { $from }의 EncryptedExtensions (복호화함): ALPN으로 고른 애플리케이션 프로토콜은 { $alpn }입니다
tls-certificate = { $from }의 Certificate (복호화함): 인증서 { $count }개짜리 체인, 서버 자신의 인증서가 맨 앞
tls-certificate-entry = { $subject }, 발급자 { $issuer }, 유효 기간 { $since }부터 { $until }까지, 이름 { $san }
tls-certificate-verify = { $from }의 CertificateVerify (복호화함): 지금까지의 핸드셰이크에 인증서의 개인 키로 만든 서명({ $scheme }). 서버가 그 키를 가졌다는 증거입니다
tls-finished = Finished  { $from } -> { $to } (복호화함): 핸드셰이크 전체에 대한 MAC. 상대가 이것을 확인하므로, 핸드셰이크가 도중에 바뀌지 않았음을 압니다
tls-session-ticket = { $from }의 NewSessionTicket (복호화함): 나중에 세션을 다시 이어 쓸 티켓, { $seconds }초 동안 유효
tls-handshake-other = { $from }의 { $name } (복호화함)
tls-alert = 경고(alert) { $from } -> { $to } ({ $keys }): { $name }: { $meaning }
tls-alert-clear = 암호화 전
tls-alert-handshake-keys = 보낸 쪽의 핸드셰이크 트래픽 시크릿으로 복호화함. TLS 1.3에서는 핸드셰이크 도중의 경고도 암호화됩니다
tls-alert-decrypted = 복호화함
tls-alert-close-notify = "TLS로는 더 보낼 것이 없다"는 뜻으로, TCP FIN보다 먼저 보냅니다
tls-alert-certificate-expired = 인증서의 유효 기간이 끝났다는 뜻입니다. 보낸 쪽({ $from })은 인증서를 거부하고 핸드셰이크를 그만둡니다(치명적 경고)
tls-alert-bad-certificate = 인증서를 받아들일 수 없다는 뜻입니다(rustls는 인증서가 요청한 이름과 맞지 않을 때 이 경고를 보냅니다). 보낸 쪽({ $from })은 핸드셰이크를 그만둡니다(치명적 경고)
tls-alert-unknown-ca = 보낸 쪽({ $from })이 신뢰하지 않는 기관이 인증서를 발급했다는 뜻입니다. 핸드셰이크를 그만둡니다(치명적 경고)
tls-alert-certificate-unknown = 다른 이유로 인증서를 거부한다는 뜻입니다. 보낸 쪽({ $from })은 핸드셰이크를 그만둡니다(치명적 경고)
tls-alert-certificate-revoked = 발급 기관이 인증서를 폐기했다는 뜻입니다. 보낸 쪽({ $from })은 핸드셰이크를 그만둡니다(치명적 경고)
tls-alert-fatal = 치명적 경고입니다. 보낸 쪽({ $from })은 연결을 그만둡니다
tls-alert-warning = 단순 경고입니다. 연결은 계속될 수 있습니다
tls-undecryptable = { $from } -> { $to }: 복호화할 수 없는 { $bytes }바이트짜리 TLS 레코드 ({ $why }): 추측하지 않고 암호화된 채로 보여 줍니다
tls-handshake-done = TLS 핸드셰이크 완료: { $version }, 그 위에서 { $alpn }. 왕복 { $trips }번, ClientHello부터 클라이언트의 Finished까지 { $ms } ms (curl의 time_appconnect)
h2-preface = { $from }의 HTTP/2: 연결 프리페이스(PRI * HTTP/2.0). 첫 바이트부터 HTTP/2라는 표시입니다
h2-settings = { $from }의 HTTP/2 SETTINGS: { $values }
h2-settings-ack = HTTP/2 SETTINGS ACK { $from } -> { $to }: 설정을 받았다는 확인
h2-headers = HTTP/2 HEADERS { $from } -> { $to }, 스트림 { $stream }, HPACK을 풀어 보면:
h2-data = HTTP/2 DATA { $from } -> { $to }, 스트림 { $stream }: { $bytes }바이트
h2-data-end = HTTP/2 DATA { $from } -> { $to }, 스트림 { $stream }: { $bytes }바이트, END_STREAM (이 스트림의 마지막)
h2-window-update = { $from }의 HTTP/2 WINDOW_UPDATE, 스트림 { $stream }: { $bytes }바이트를 더 보내도 됩니다 (흐름 제어)
h2-goaway = { $from }의 HTTP/2 GOAWAY: { $last }번 뒤로는 새 스트림이 없습니다 ({ $error }). 연결을 차례대로 닫는 중입니다
h2-rst-stream = { $from }의 HTTP/2 RST_STREAM, 스트림 { $stream }: { $error }
h2-ping = { $from }의 HTTP/2 PING
h2-ping-ack = { $from }의 HTTP/2 PING ACK
tcp-retransmission = 재전송 { $from } -> { $to }: 같은 { $bytes }바이트(seq { $seq })를 첫 전송 { $ms } ms 뒤에 다시 보냅니다. ACK가 오지 않자 { $from }의 커널이 재전송 타이머에 따라 스스로 다시 보낸 것이고, 애플리케이션은 한 번만 썼습니다
tcp-segment-lost = 유실: { $from }에서 나가는 모습까지만 보였고 { $router }에서 나가는 모습은 없습니다. 세그먼트가 거기서 사라졌습니다. IP는 최선을 다해 전달할 뿐 잃어버려도 아무에게 알리지 않습니다. ACK가 오지 않는 것으로 TCP가 알아챕니다.
tcp-retransmission-acked = ACK      { $from } -> { $to }: ack { $ack }: 그 앞의 모든 바이트가 도착했으니, 재전송한 바이트가 건너갔습니다. 첫 전송 뒤 { $ms } ms 만입니다

## 1단계: 브라우저의 캐시

cache-keep-alive = { $prefix }{ $url }: 연결({ $remote })이 아직 열려 있어서(keep-alive) 이름을 다시 찾지 않습니다
cache-hit = { $prefix }브라우저 DNS 캐시 히트(HIT): { $host } -> { $addrs }, TTL이 { $ttl }초 남아 있어서 DNS 질의를 보내지 않습니다
cache-miss = { $prefix }브라우저 DNS 캐시 미스(MISS): { $host }: /etc/hosts에도 브라우저 캐시에도 없어서, 브라우저가 자기 DNS 서버 { $server }에 묻습니다
cache-hosts-file = { $prefix }/etc/hosts에 { $host } -> { $addrs }가 있습니다. 운영체제가 답하므로 DNS 질의는 보내지 않습니다
cache-literal = { $prefix }{ $host }: 이미 IP 주소라서 찾아볼 것이 없습니다
cache-recursive = { $prefix }브라우저 DNS 캐시 미스(MISS): { $host }: 프로세스 안에서 루트 힌트부터 직접 찾았습니다

## 2단계: DNS

dns-recursive-query = 재귀적 질의 (RD=1)
dns-iterative-query = 반복적 질의 (RD=0)
dns-nxdomain = 부정 응답: 그런 이름이 없습니다
dns-error = 오류
dns-answer = 응답
dns-cname-only = 별칭(CNAME)은 있지만 그 뒤에 물어본 타입의 레코드가 없습니다 (NODATA)
dns-referral = 위임(referral)
dns-nodata = 이름은 있지만 그 타입의 레코드가 없습니다 (NODATA)
label-referral = 위임: { $zone }
dns-query-line = { $from } -> { $to } ({ $addr }): { $kind } { $question }
dns-response-line = { $from } -> { $to }: { $question }: { $kind }
dns-response-line-aa = { $from } -> { $to }: { $question }: { $kind } (권한 있는 응답, AA)
dns-section-answer = 응답
dns-section-authority = 권한
dns-section-glue = 글루
dns-negative-cache = 위의 SOA가 이 부정 응답을 얼마 동안 캐시해도 되는지 알려 줍니다 (RFC 2308: SOA의 TTL과 MINIMUM 중 작은 값)
dns-icmp-unreachable = { $from } -> { $to }: { $icmp }: 그곳에서 기다리는 프로그램이 없으므로, 보낸 쪽은 이 서버가 죽어 있다는 것을 곧바로 압니다
resolver-cached-delegation = 리졸버: { $layer }의 위임 정보가 캐시에 있어서, 그 계층에는 묻지 않습니다
resolver-some-server = 어떤 서버
resolver-asked = 리졸버가 { $server }({ $layer } 영역 담당)에 { $question } 질의: { $outcome }
resolver-asked-rtt = 리졸버가 { $server }({ $layer } 영역 담당)에 { $question } 질의: { $outcome }, { $ms } ms
resolver-shared-query = 리졸버: 이 탐색에는 { $server }({ $layer } 영역 담당)에 보낼 { $question } 질의가 필요했는데, 동시에 진행 중인 다른 탐색이 같은 질의를 이미 보내 놓고 응답을 기다리고 있었습니다. 그래서 다시 묻지 않고 그 응답을 함께 기다렸습니다 (리졸버는 진행 중인 같은 질의를 공유하므로 실제로 오간 패킷은 하나입니다. 브라우저는 A와 AAAA를 동시에 묻습니다)
resolver-shared-query-again = 리졸버: { $server }({ $layer } 영역 담당)에 보낸 { $question } 질의도 같은 방식으로 공유했습니다: 질의는 하나, 기다린 탐색은 둘
outcome-referral = 위임
outcome-answer = 응답
outcome-nxdomain = 그런 이름 없음 (NXDOMAIN)
outcome-nodata = 그 타입의 레코드 없음 (NODATA)
outcome-lame = 레임 위임 (위임받은 영역에 대해 권한이 없는 서버)
outcome-timeout = 제때 응답이 없음
outcome-error = 오류
resolver-cache-expired = 리졸버의 캐시에는 { $host }에 대한 온전한 응답이 없습니다 (TTL이 지났습니다)
resolver-cache-would-answer = 브라우저 자신의 캐시가 답했기 때문에 리졸버에게는 묻지 않았습니다. 물었더라도 리졸버는 반복적 질의를 한 번도 하지 않고 캐시만으로 { $host }에 답했을 것입니다:
resolver-cache-ttl = TTL 줄어드는 중

## ICMP, ICMPv6, 이웃 탐색

icmp-port-unreachable = 목적지 도달 불가 (포트 도달 불가)
icmp-host-unreachable = 목적지 도달 불가 (호스트 도달 불가)
icmp-net-unreachable = 목적지 도달 불가 (네트워크 도달 불가)
icmp-time-exceeded = 시간 초과 (TTL 소진)
nd-router-solicitation = 라우터 요청
nd-router-advertisement = 라우터 광고
nd-solicitation = 이웃 요청: { $target } 주소를 가진 호스트는 누구인가요?
nd-advertisement = 이웃 광고: { $target }의 MAC 주소는 { $mac }입니다
nd-advertisement-bare = 이웃 광고: { $target }
link-arp-first = { $what }{ $on }: 호스트는 이웃의 IP 주소는 알아도 이더넷(MAC) 주소는 모릅니다. 그래서 이웃에게 가는 첫 패킷은 이 응답을 기다리고, 받은 응답은 호스트의 이웃 캐시(ARP 캐시)에 보관합니다
link-nd-first = { $what }{ $on }: IPv6의 이웃 탐색(neighbour discovery)으로, ICMPv6 위에서 하는 IPv6판 ARP입니다
link-path = SYN이 링크 { $links }개를 지났습니다(거친 라우터: { $routers }). 라우터마다 { $field } 값을 하나씩 줄였는데({ $ttls }), 라우팅 루프에 빠진 패킷이 영원히 돌지 않고 사라지게 하기 위해서입니다
link-happy-eyeballs-v6 = Happy Eyeballs (RFC 8305): 이 이름에는 IPv6와 IPv4 주소가 모두 있습니다. 브라우저는 IPv6를 먼저 시도하고 250 ms 뒤에 IPv4를 시작하려 했지만, IPv6가 먼저 답해서 이 연결은 IPv6입니다
link-happy-eyeballs-v4 = Happy Eyeballs (RFC 8305): 이 이름에는 IPv6와 IPv4 주소가 모두 있습니다. 브라우저는 IPv6를 먼저 시도했지만 IPv6는 제때 답하지 않고 IPv4가 답해서, 이 연결은 IPv4입니다
link-browser-host = 브라우저의 호스트
link-server-no-time-wait = { $server } 자신의 소켓 테이블에는 이 연결({ $local } <-> { $remote })이 남아 있지 않습니다. 나중에 닫았기 때문입니다(LAST-ACK -> CLOSED). 그래서 TIME_WAIT는 먼저 닫은 쪽({ $browser })에만 남습니다. 호스트마다 소켓 테이블이 따로 있고, TIME_WAIT는 종료를 시작한 쪽에 생깁니다
link-server-time-wait = { $server } 자신의 소켓 테이블에도 TIME_WAIT가 있습니다({ $holder }). 이쪽이 먼저 닫았습니다

## 3단계: TCP와 요청

tcp-connected-uncaptured = { $prefix }{ $local } -> { $remote } 연결, { $ms } ms (커널이 한 3 way handshake입니다. 그 패킷들은 캡처하지 못했습니다)
tcp-syn = SYN      { $client } { $client_addr } -> { $server } { $server_addr }: "연결하자". 초기 순서 번호(ISN) { $isn } (상대값으로는 0)
tcp-syn-ack = SYN-ACK  { $server } -> { $client }: "좋아, 나도 연결하자". 서버 자신의 ISN { $isn }, ack { $ack } (상대값 1: SYN도 1바이트로 칩니다)
tcp-ack = ACK      { $client } -> { $server }: seq { $seq } ack { $ack }: 연결 수립(ESTABLISHED)
tcp-ack-took = ACK      { $client } -> { $server }: seq { $seq } ack { $ack }: 연결 수립(ESTABLISHED). 세 패킷이 선 위에서 { $ms } ms 걸렸습니다
tcp-http-segment = { $from } -> { $to }: { $line } (이 세그먼트에 { $bytes }바이트, seq { $seq })
tcp-data-segment = { $from } -> { $to }: { $bytes }바이트짜리 세그먼트 (seq { $seq }), 같은 시각에 적은 TLS 레코드를 실어 나릅니다
request-sends = { $prefix }브라우저가 보내는 요청 (연결 { $local } -> { $remote }):
request-sends-reused = { $prefix }브라우저가 보내는 요청 (다시 쓰는 연결 { $local } -> { $remote }, keep-alive):

## 4단계: 웹 서버, WAS, 데이터베이스

web-served = 웹 서버: { $request } (Host: { $host }) -> { $what }; { $status }, { $bytes }바이트, { $ms } ms
web-static = 정적 파일이라 웹 서버가 직접 보냅니다: { $file }
web-proxied = 동적인 요청이라 { $upstream }의 WAS에 넘깁니다
web-redirect = 이 가상 호스트의 리다이렉트 규칙입니다
web-502 = { $upstream }의 WAS에 넘길 동적인 요청인데 WAS에 닿지 못했습니다(연결 거부): 502 Bad Gateway, 잘못은 뒤쪽(업스트림)에 있습니다
web-504 = { $upstream }의 WAS에 넘길 동적인 요청인데 WAS가 제때 답하지 않았습니다: 504 Gateway Timeout
web-not-found = 문서 루트 아래에 그런 파일이 없습니다
was-handled = WAS: { $request } -> 핸들러 `{ $handler }`: { $status }, { $ms } ms. 그중 { $db_ms } ms는 데이터베이스를 기다린 시간입니다 (풀에서 연결을 받아 오는 시간 포함)
was-503 = WAS: { $request } -> 핸들러 `{ $handler }`: 503 Service Unavailable, { $ms } ms. 데이터베이스를 열 수 없어서 WAS는 데이터베이스까지 가지 않고 곧바로 답합니다. 요청을 붙잡고 있다가 나중에 실패하는 것보다 낫기 때문입니다
sql-database = 데이터베이스({ $database }):
sql-rows-in = { $rows }행, { $ms } ms
sql-failed = { $ms } ms 만에 실패: { $error }
sql-error = 오류: { $error }
sql-label-error = 오류
sql-label-rows = { $rows }행

## 5단계: 응답과 연결 종료

response-none = { $prefix }{ $url }에 대한 응답이 없습니다: { $why }
response-failed = 실패
response-timing = 본문 { $bytes }바이트. 요청을 보내고 { $first } ms 뒤에 첫 바이트가, { $all } ms 뒤에 전부가 도착했습니다
response-follows-redirect = 브라우저가 리다이렉트를 따라갑니다: { $to }
response-redirect-why = 왜 그럴까요: 사이트는 호스트 이름 하나(여기서는 www)로만 답해야 링크와 쿠키, 캐시가 두 이름으로 갈라지지 않습니다. 새 이름은 주소가 다를 수 있으니, 브라우저는 그 이름을 다시 찾고(다시 1단계부터) 새로 연결합니다
response-redirect-https-why = 왜 그럴까요: 이 사이트는 https로만 서비스합니다. 이 첫 요청은 평문 HTTP로 나갔으므로 경로 위의 누구든 읽거나 바꿀 수 있었습니다(이 리다이렉트까지도). 브라우저가 이 단계를 건너뛰는 방법이 HSTS입니다. 프리로드 목록이나, 앞선 방문에서 기억해 둔 Strict-Transport-Security 헤더를 씁니다
status-class =
    { $class ->
        [1] 1xx: 정보
        [2] 2xx: 성공
        [3] 3xx: 리다이렉션, 클라이언트를 다른 URL로 보냅니다
        [4] 4xx: 클라이언트 쪽 오류
        [5] 5xx: 서버 쪽 오류
       *[other] 알 수 없는 부류의 상태 코드
    }
close-first-fin = FIN: "더 보낼 것이 없습니다" (먼저 닫기, active close)
close-ack-of-fin = FIN에 대한 ACK
close-second-fin = FIN: 상대편도 보낼 것을 다 보냈습니다
close-ack-and-fin = FIN에 대한 ACK과 서버 자신의 FIN을 한 세그먼트에 실었습니다. 서버도 더 보낼 것이 없었습니다
close-last-ack = 마지막 ACK: FIN을 확인했고, 먼저 닫은 쪽은 이제 TIME_WAIT에 들어갑니다
close-three-for-four = 글에서 말하는 4 way handshake가 여기서는 패킷 세 개로 끝났습니다. 서버가 더 보낼 것이 없어서 2단계(ACK)와 3단계(FIN)가 한 세그먼트에 함께 실려 갔기 때문입니다. 네 단계는 모두 일어났습니다
close-four-for-four = 글에서 말하는 4 way handshake가 여기서는 단계마다 패킷 하나씩, 네 개로 오갔습니다. 서버는 브라우저의 FIN에 곧바로 ACK하고(2단계), 자기 쪽 일을 마친 뒤 조금 늦게 자신의 FIN을 보냈습니다(3단계)
close-reset = { $from } -> { $to }: RST: 연결이 순서대로 닫히지 않고 리셋되었습니다
close-active-closer = 첫 FIN을 보낸 쪽이 { $host }이므로, 먼저 닫은 쪽(active close)이자 TIME_WAIT를 지켜야 하는 쪽입니다
time-wait-seen = 커널의 소켓 테이블(sock_diag): { $host } { $holder } <-> { $peer }: TIME_WAIT 상태, { $left }초 남음. 리눅스는 이 상태를 60초 동안 유지하는데, 이유는 두 가지입니다. 이 연결의 늦은 세그먼트가 같은 포트를 쓰는 새 연결의 것으로 오인되지 않도록 흡수하고, 마지막 ACK이 사라졌을 때 서버가 다시 보내는 FIN에 다시 ACK으로 답하기 위해서입니다
time-wait-none = 커널의 소켓 테이블에 { $local } <-> { $remote }의 TIME_WAIT가 없습니다 (상대가 먼저 닫았거나, 연결이 리셋되었습니다)

## 워터폴의 구간

phase-dns = DNS 조회
phase-connect = 연결
phase-connect-wire = 연결 (SYN부터 ACK까지)
phase-tls = TLS 핸드셰이크
phase-request = 요청
phase-wait = 대기 (서버)
phase-download = 내려받기
phase-close = 종료 (첫 FIN부터 마지막 ACK까지)
phase-close-reported = 종료, TIME_WAIT를 확인할 때까지

## 용어 정리: 이야기에 나온 용어를 한 번씩 풀이합니다

glossary-title = 용어 정리
glossary-recursive = 재귀적 질의와 반복적 질의: 브라우저는 리졸버에게 RD=1(recursion desired, "끝까지 찾아서 답을 달라")로 딱 한 번 묻습니다. 글에서 말하는 재귀적 질의가 바로 이것입니다. 리졸버는 그 답을 찾으려고 계층을 직접 따라 내려가며 각 서버에 RD=0으로 묻고, 각 서버는 자기가 아는 만큼만 답합니다(반복적 질의). 즉 글의 "재귀적 질의"는 브라우저의 질문 하나이고, 그 질문이 일으키는 . -> com. -> google.com. 순회는 반복적 질의로 이루어집니다
glossary-qname-minimisation = 질의 이름 최소화(QNAME minimisation, RFC 9156): 리졸버는 각 서버에 그 서버가 알아야 할 만큼만 이름을 알려 줍니다. 루트는 com.을 누가 맡는지만 알려 주면 되므로, 전체 이름이 아니라 "A? com."만 듣습니다
glossary-referral = 위임(referral): 이름을 갖고 있지 않은 서버가 다음에 물어볼 서버들(권한 영역의 NS 레코드)을 알려 주는 응답입니다. AA 플래그가 없습니다
glossary-glue = 글루(glue): 다음 서버의 이름이 그 서버가 맡은 영역 안에 있을 때(google.com.을 맡은 ns1.google.com처럼) 추가 영역에 함께 실어 보내는 그 서버의 주소입니다. 글루가 없으면 리졸버는 그 서버에 닿을 수 없습니다
glossary-cname = CNAME: 별칭입니다. 이 이름은 다른 이름(정식 이름)을 가리키고, 리졸버는 그 정식 이름의 레코드까지 따라갑니다
glossary-aa = AA(authoritative answer): 캐시나 위임이 아니라, 그 영역을 직접 가진 서버가 준 응답이라는 표시입니다
glossary-nodata = NODATA: 이름은 있지만 물어본 타입의 레코드가 없다는 응답입니다(A만 있는데 AAAA를 물은 경우). 응답 코드는 NOERROR이고 응답 영역은 비어 있으며, 권한 영역에 SOA가 들어 있습니다
glossary-nxdomain = NXDOMAIN: 그 이름 자체가 없다는 응답 코드입니다
glossary-soa = SOA(start of authority): 영역의 맨 위에 있는 레코드입니다. 부정 응답에서는 "없다"는 답을 얼마 동안 캐시해도 되는지 알려 줍니다
glossary-ttl = TTL(time to live): DNS에서는 레코드를 캐시해도 되는 초 수이고, IP 헤더에서는 패킷이 앞으로 더 지날 수 있는 라우터의 수입니다
glossary-arp = ARP: IP 주소를 아는 이웃의 이더넷(MAC) 주소를 알아내는 방법입니다. IPv6는 같은 일을 이웃 탐색(neighbour discovery)으로 합니다
glossary-handshake = 3 way handshake: SYN, SYN-ACK, ACK. 양쪽이 각자 초기 순서 번호(ISN)를 정하고 상대가 그것을 확인해 주므로, 서로 상대의 바이트 번호가 어디서 시작하는지 알게 됩니다
glossary-seq-ack = seq와 ack: TCP가 보내는 모든 바이트에는 번호(seq)가 붙고, 받는 쪽은 다음에 받을 번호(ack)로 답합니다. 데이터 없이 ACK만 실은 세그먼트(순수 ACK)로 보낸 쪽은 데이터가 도착했음을 알고, 제때 확인받지 못한 데이터는 다시 보냅니다. 신뢰할 수 없는 IP 위에서 TCP가 신뢰성을 만드는 방법이 바로 이것입니다
glossary-close = 4 way handshake: FIN, ACK, FIN, ACK. 양쪽이 각자 "더 보낼 것이 없다"고 말하고 상대가 그것을 확인합니다. 나중에 닫는 쪽도 더 보낼 것이 없으면 ACK과 FIN이 한 세그먼트에 함께 실릴 수 있어서, 패킷은 세 개여도 단계는 네 개입니다
glossary-time-wait = TIME_WAIT: 먼저 닫은 쪽이 마지막 ACK을 보낸 뒤 머무는 상태입니다. 리눅스에서는 60초 동안 기다리는데, 옛 연결의 늦은 패킷이 같은 포트를 쓰는 새 연결의 것으로 오인되지 않게 하고, 마지막 ACK이 사라졌을 때 상대가 다시 보내는 FIN에 다시 ACK으로 답하기 위해서입니다
glossary-was = WAS(web application server): 애플리케이션을 실행해 동적인 페이지를 만드는 서버로, 데이터베이스를 읽고 씁니다. 웹 서버는 파일로 줄 수 없는 요청을 WAS에 넘깁니다
glossary-status = 상태 코드: 상태 줄의 세 자리 숫자입니다. 1xx 정보, 2xx 성공, 3xx 리다이렉션, 4xx 클라이언트 쪽 오류, 5xx 서버 쪽 오류
glossary-hsts = HSTS(HTTP Strict Transport Security, RFC 6797): 사이트가 https 응답의 Strict-Transport-Security 헤더로 "max-age초 동안은 https로만 접속하라"고 약속하는 것입니다. 브라우저에는 이런 사이트의 목록(프리로드 목록)도 처음부터 들어 있습니다. 그러면 브라우저가 패킷을 보내기 전에 스스로 http://를 https://로 바꾸므로, 중간에서 읽히거나 바뀔 평문 요청이 아예 생기지 않습니다
glossary-tls = TLS 핸드셰이크: HTTP 바이트가 하나라도 오가기 전에 브라우저와 서버가 버전, 암호 스위트, 공유 키를 정합니다(ClientHello와 ServerHello는 암호화 전의 평문이고, TLS 1.3에서는 왕복 한 번이면 됩니다). 서버는 인증서 체인으로 요청받은 이름의 주인임을 증명하고, 양쪽은 핸드셰이크 전체에 대한 MAC(Finished)을 서로 확인합니다. 그 뒤로는 모두 암호화되며, 투어는 자기 브라우저가 남긴 비밀 값으로 그것을 읽습니다
glossary-sni-alpn = SNI와 ALPN: ClientHello에 들어 있는 두 필드입니다. SNI는 원하는 사이트의 이름을 알려 주어, 주소 하나로 여러 이름을 저마다 알맞은 인증서로 서비스할 수 있게 합니다. ALPN은 브라우저가 TLS 위에서 쓸 수 있는 프로토콜(h2, http/1.1)을 제안하고, 서버가 그중 하나를 고릅니다
glossary-http2 = HTTP/2: HTTP/1.1과 같은 요청과 응답을 이진 프레임(HEADERS, DATA, SETTINGS, WINDOW_UPDATE, GOAWAY)으로 나누어 번호가 붙은 스트림에 싣고, 연결 하나로 여러 스트림을 동시에 주고받습니다. 헤더 목록은 HPACK으로 압축하므로, 한 번 보낸 헤더를 다시 보낼 때는 한두 바이트면 됩니다
glossary-certificate-check = 인증서 검증: 브라우저는 서버를 믿기 전에 인증서 체인을 확인합니다. 각 인증서가 그다음 인증서로 서명되어 브라우저가 신뢰하는 루트까지 이어지는지, 각 인증서가 유효 기간(notBefore부터 notAfter까지) 안에 있는지, 서버 자신의 인증서가 요청한 호스트 이름을 자기 이름 목록(subjectAltName)에 담고 있는지 봅니다. 하나라도 어긋나면 치명적 경고(certificate_expired, bad_certificate, unknown_ca)를 보내고, HTTP 바이트는 하나도 보내지 않은 채 연결을 닫습니다. 그래도 그냥 진행하는 것이야말로 중간에 끼어든 공격자가 바라는 일입니다
glossary-close-notify = close_notify: "더 보낼 것이 없다"는 TLS 경고(alert)로, TCP FIN보다 먼저 보냅니다. 도중에 끊긴 연결이 완전한 응답처럼 보이지 않게 하기 위해서입니다

## HTML 페이지

html-final-status = 최종 상태 코드:
html-no-response = 응답 없음
html-diagram = 시퀀스 다이어그램
html-diagram-help = 호스트마다 세로줄 하나, 메시지마다 화살표 하나입니다. 실선 화살표는 선 위에서 캡처한 것이고, 점선 화살표는 구성 요소가 스스로 보고한 것입니다. 화살표를 누르면 자세한 내용이 보입니다.
html-detail = 자세히
html-click = 화살표를 눌러 보세요.
html-steps = 다섯 단계
html-captured = 캡처함
html-reported = 보고함
html-inferred = 패킷에서 추론함
html-switch = 한국어로 보기
html-language-name = 한국어

## roundtrip tour

tour-summary = 패킷 { $packets }개를 캡처했고 TCP 연결은 { $connections }개였습니다. 투어에 { $ms } ms 걸렸습니다.
tour-pcap-written = 패킷을 { $path }에 저장했습니다 (tshark -r { $path })
tour-html-written = 시퀀스 다이어그램을 { $path }에 저장했습니다 (한국어와 영어, 전환 버튼 있음)
tour-loss-needs-network = --fault loss는 랩 자체 네트워크의 라우터에서 패킷을 버리는데, 이 랩에는 그런 네트워크가 없습니다: { $why }
tour-loss-loopback-config = 설정이 랩을 이 컴퓨터의 루프백에 두었습니다 (placement = loopback)
tour-lab-failed = 랩을 시작하지 못했습니다: { $error }
cannot-write = { $path }에 쓸 수 없습니다: { $error }
tour-visits-zero = --visits는 1 이상이어야 합니다
tour-browser-runtime = 브라우저의 런타임을 시작할 수 없습니다 (이 컴퓨터의 문제입니다): { $error }

## 페이지에서 세로줄(호스트)의 역할

role-browser = 브라우저
role-resolver = 리졸버 (ISP의 DNS)
role-root = 루트 서버
role-tld = TLD 서버
role-authoritative = 권한 서버
role-web = 웹 서버
role-was = WAS
role-db = 데이터베이스

## 방문이 실패한 이유(브라우저)와 누구의 잘못인지

fetch-bad-url = { $url }: 올바른 URL이 아닙니다({ $why }). 입력한 URL을 확인하세요
fetch-unsupported-scheme = { $url }: { $scheme }://는 지원하지 않습니다 (http://와 https://만 됩니다)
fetch-connect = { $host }: 연결할 수 없습니다: { $attempts }
cert-expired = 서버의 인증서가 만료되었습니다
cert-expired-at = 서버의 인증서가 { $until }에 만료되었습니다(지금은 { $now })
cert-not-yet-valid = 서버의 인증서는 아직 유효 기간이 시작되지 않았습니다
cert-wrong-name = 서버의 인증서가 이름 { $name }에 대해 유효하지 않습니다
cert-unknown-issuer = 서버의 인증서를 이 클라이언트가 신뢰하지 않는 기관이 발급했습니다(--cacert FILE로 신뢰할 기관을 추가할 수 있습니다)
cert-revoked = 서버의 인증서가 폐기되었습니다
fetch-tls = { $host }: TLS 핸드셰이크에 실패했습니다: { $why }
fetch-http = { $url }: { $why }
fetch-timeout = { $url }: { $secs }초 안에 응답이 끝나지 않았습니다. 서버가 너무 느리거나 멈춰 있습니다
fetch-bad-redirect = { $url }: 서버가 올바르지 않은 위치로 리다이렉트합니다: { $location }
fetch-too-many-redirects = 리다이렉트가 { $limit }번을 넘었습니다 (마지막은 { $url })
fetch-after-hsts = { $error } (HSTS 때문에 { $from }을 https://로 바꿨습니다. { $domain }은 HTTPS 전용입니다. 평문 HTTP가 필요하면 --no-hsts)
fetch-redirect-loop = 리다이렉트 루프: 이번 방문에서 { $request } 요청을 이미 보냈습니다
name-bad = { $host }: 올바른 호스트 이름이 아닙니다({ $why })
name-nxdomain = { $host }: 그런 호스트가 없습니다 ({ $by }에게서 받은 NXDOMAIN)
name-no-address = { $host }: 이름은 있지만 주소가 없습니다 (A 레코드도 AAAA 레코드도 없음)
name-failed = { $host }: { $by }에서 실패했습니다: { $why }
name-by-resolver = 리졸버 { $server }
name-by-iteration = 반복적 질의로 직접 찾기
attempt-refused = 연결 거부
attempt-timed-out = 시간 초과
attempt-unreachable = 도달 불가
attempt-skipped = 건너뜀 (--bind와 다른 주소 체계)
attempt-failed = 실패
attempt-connect-timeout = 연결 시간 초과
attempt-no-address = 시도할 주소가 없음

## roundtrip get: stderr에 쓰는 보고와 오류

get-no-cache-to-manage = --no-cache: 보여 주거나 지울 호스트 캐시가 없습니다
get-cannot-save-cache = 호스트 캐시 { $path }를 저장하지 못했습니다: { $error }
get-fail-status = 서버의 답: { $status } (--fail)
get-no-cache-home = 호스트 캐시를 둘 HOME이나 XDG_CACHE_HOME이 없습니다. --cache-file이나 --no-cache를 주세요
get-bad-resolver = --resolver { $value }: ADDR이나 ADDR:PORT 꼴이 아닙니다 (IPv6는 [ADDR]:PORT)
get-bad-seconds = { $option } { $value }: 0보다 큰 초 수가 아닙니다
get-bad-method = -X { $value }: 메서드 토큰이 아닙니다
get-no-nameserver = { $file }에 nameserver가 없어서, C 라이브러리처럼 127.0.0.1:53에 묻습니다
get-service-recursive = 루트 힌트부터 직접 찾기 (포트 { $port })
get-cache-empty = 호스트 캐시가 비어 있습니다
get-cannot-write-cache = 호스트 캐시를 쓸 수 없습니다
get-cannot-write-hsts = HSTS 저장소를 쓸 수 없습니다
get-cache-cleared = 호스트 캐시를 비웠습니다 (항목 { $count }개)
get-leg = { $request } -> { $status } ({ $class }); 본문 { $bytes }바이트
get-closed-client-first = 클라이언트가 첫 FIN을 보냈으므로 TIME_WAIT는 클라이언트에 남습니다
get-closed-server-first = 서버가 첫 FIN을 보냈으므로 TIME_WAIT는 서버에 남습니다
get-closed-error = 오류로 끝났습니다
get-closed = 연결 #{ $id } { $local } -> { $remote }, 요청 { $requests }개 뒤에 닫힘: { $how }
get-phases = 구간: 이름 찾기 { $lookup }, TCP 연결 { $connect }, TLS { $tls }, 첫 바이트까지 기다림 { $wait }, 나머지 읽기 { $rest }
get-no-lookup = 이름을 찾지 않음: 연결 #{ $id }({ $remote })을 다시 씁니다
get-by-literal = URL (IP 주소 그대로)
get-by-hosts-file = hosts 파일
get-by-host-cache = 호스트 캐시 (TTL { $ttl }초 남음)
get-by-resolver = 리졸버 { $server } (어느 캐시에도 없었음)
get-by-recursive = 루트부터 반복적 질의로 직접 (어느 캐시에도 없었음)
get-resolved = { $host }: { $by }에서 { $ms } ms 만에 찾음: { $addresses }
get-attempt-connected = 연결됨
get-attempt-cancelled = 취소됨 (다른 시도가 먼저 연결됨)
get-attempt-refused = 거부됨 (RST: 그곳에서 기다리는 프로그램이 없음)
get-attempt-timed-out = 응답 없음 (시간 초과)
get-attempt = { $started } ms에 { $remote } 시도 ... { $ended } ms에 { $outcome }
get-connected = { $local }에서 { $remote }로 연결됨 (연결 #{ $id })
get-tls-connection = TLS 연결: { $version } / { $cipher } / { $group }
get-alpn-accepted = ALPN: 서버가 { $alpn }을 골랐습니다
get-alpn-none = ALPN: 서버가 프로토콜을 고르지 않았습니다 (HTTP/1.1)
get-cert-server = 서버 인증서:
get-cert-verified = 인증서 확인 완료: { $chain }개짜리 체인이 신뢰하는 루트로 이어지고, { $name } 이름이 들어 있습니다
get-hsts-upgrade = HSTS: 패킷을 보내기 전에 { $from }을 { $to }로 바꿉니다: { $why }
get-hsts-why-preload = { $domain }은 브라우저에 내장된 HSTS 프리로드 목록에 있습니다
get-hsts-why-stored = { $domain }이 지난 방문에서 Strict-Transport-Security를 보냈습니다 ({ $seconds }초 남음)
get-hsts-stored = HSTS: 기억했습니다. 이 호스트는 { $seconds }초 동안 https로만 접속합니다 ({ $value })
get-hsts-removed = HSTS: max-age=0이므로 이 호스트를 잊었습니다
get-hsts-ignored = HSTS: 헤더를 무시했습니다: { $why }
get-hsts-preloaded = 프리로드
get-hsts-left = { $seconds }초 남음
get-hsts-scope-subdomains = 하위 도메인까지 https로만
get-hsts-scope-host = 이 호스트만 https로만
get-hsts-cleared = HSTS 저장소를 비웠습니다 ({ $count }개 항목. 프리로드 목록은 내장이라 그대로 남습니다)
get-cannot-save-hsts = HSTS 저장소를 저장하지 못했습니다: { $error }
cannot-start-runtime = 런타임을 시작할 수 없습니다 (요청이 아니라 이 컴퓨터의 문제입니다)
cannot-write-stdout = 표준 출력에 쓸 수 없습니다

## roundtrip lab과 roundtrip zone

netns-not-entered = 이 프로세스는 시작할 때 사용자 네임스페이스에 들어가지 않았습니다(roundtrip 명령만 그렇게 합니다). 그래서 네트워크 네임스페이스를 만들 수 없습니다
netns-forced = { $variable }가 설정되어 있어서 랩이 네임스페이스를 쓰지 않습니다
netns-network-not-built = 랩의 네트워크를 만들지 못했습니다: { $error }
netns-refused = 사용자 네임스페이스가 거부되었습니다({ $step }: { $error }): { $setting }
netns-step-unshare = unshare(CLONE_NEWUSER) 호출
netns-step-write = { $path }에 쓰기
netns-by-apparmor = AppArmor가 권한 없는 사용자 네임스페이스를 막고 있습니다(kernel.apparmor_restrict_unprivileged_userns=1). roundtrip용 AppArmor 프로필에 `userns,`를 넣거나 `sysctl kernel.apparmor_restrict_unprivileged_userns=0`으로 허용할 수 있습니다
netns-by-userns-clone = kernel.unprivileged_userns_clone=0이 막고 있습니다. `sysctl kernel.unprivileged_userns_clone=1`로 허용할 수 있습니다
netns-by-max-user-namespaces = user.max_user_namespaces=0이 막고 있습니다. `sysctl user.max_user_namespaces=15000`으로 허용할 수 있습니다
netns-by-threads = 프로세스에 이미 스레드가 여럿 있었습니다(사용자 네임스페이스는 맨 먼저 들어가야 합니다)
netns-by-seccomp = 막는 sysctl은 없으니 seccomp 프로필(컨테이너의 것)이나 보안 모듈이 막고 있습니다. 랩을 컨테이너 밖에서 돌리거나 unshare(CLONE_NEWUSER)를 허용하세요
netns-by-unknown = 커널이 더 자세한 이유를 알려 주지 않았습니다
placement-loopback = 이 컴퓨터의 루프백 주소
placement-user-namespace = 사용자 네임스페이스 안의 네트워크 네임스페이스(uid { $uid }가 안에서는 root)
placement-root = 네트워크 네임스페이스(root로)
lab-bad-config = 랩 설정이 잘못되었습니다: { $error }
lab-placement = 랩의 호스트: { $how }.
lab-not-in-namespaces = 네임스페이스를 쓰지 못했습니다: { $reason }.
lab-column-host = 호스트
lab-column-role = 역할
lab-column-address = 주소
lab-column-serves = 하는 일
lab-browser-serves = 투어의 브라우저. `roundtrip lab exec -- COMMAND`가 여기서 실행됩니다
lab-cannot-publish = `lab exec`에 쓸 랩 정보를 내보내지 못했습니다: { $error }
lab-try = 해 보세요:
lab-try-exec-dig = 노트북이 ISP의 리졸버에 묻습니다
lab-try-exec-curl = 어떤 도구든, 노트북에서
lab-try-exec-resolver = 리졸버의 호스트에서
lab-try-dig = ISP의 리졸버에 보내는 재귀적 질의
lab-try-dig-norec = 루트가 com.으로 위임하는 응답
lab-try-trace = 반복적 질의로 한 단계씩 따라가기
lab-try-get = 웹 서버, WAS, 데이터베이스
lab-https = HTTPS: { $name }의 { $port }번 포트, 인증서는 랩의 자체 인증 기관(CA)이 { $names } 이름으로 발급했습니다({ $made }). 이 컴퓨터의 어떤 프로그램도 이 CA를 신뢰하지 않으니, 루트 인증서를 클라이언트에 직접 건네세요. 예: curl --cacert { $root }
lab-try-exec-curl-https = TLS 1.3과 HTTP/2로
lab-publish-on-loopback = 내보내기: 전달할 것이 없습니다. 랩이 이미 이 컴퓨터의 루프백에서 돌고 있습니다(리졸버 { $resolver }, 웹 서버 { $web }).
lab-publish-failed = 랩을 이 컴퓨터로 내보내지 못했습니다: { $error }
lab-publish-binding = { $addr }에 { $service }를 내보낼 수 없습니다: { $error }
lab-published = 이 컴퓨터로 내보냈습니다(모든 연결은 { $host }에서 랩으로 들어갑니다):
lab-ctrl-c = Ctrl-C를 누르면 랩이 멈춥니다.
lab-stopped = 랩을 멈췄습니다
lab-no-such-host = 랩에 { $name } 호스트가 없습니다. 있는 호스트: { $hosts }
lab-cannot-enter = { $name }에 들어갈 수 없습니다: { $error }
lab-cannot-run = { $command }: 실행할 수 없습니다: { $error }
zone-bad-origin = 잘못된 오리진 { $origin }: { $error }

## roundtrip dig: 자체 문장 (dig 형식의 출력은 dig 그대로)

dig-cannot-build = { $name }에 대한 질의를 만들 수 없습니다
dig-malformed = { $server }의 응답 형식이 잘못되었습니다. 서버의 잘못이지 사용자의 잘못이 아닙니다
dig-trace-header = 루트부터 내려가는 반복적 질의(RD=0), 물어본 서버마다 한 줄
dig-trace-count = 반복적 질의 { $count }번

## SQL에 바인딩한 값

sql-bound = 바인딩한 값: { $values }

## 순수 ACK, 그리고 두 번째 요청의 이유

tcp-pure-ack = ACK      { $from } -> { $to }: seq { $seq } ack { $ack }: "{ $bytes }바이트 잘 받았습니다" (데이터 없는 순수 ACK, 아래 용어 정리의 seq와 ack 참고)
cache-next-request = { $prefix }페이지를 다 받았습니다. 이제 사람이 하듯 검색을 합니다: { $url }. 이 페이지는 요청마다 새로 만드는 동적인 페이지라서, 웹 서버를 거쳐 WAS와 데이터베이스까지 갑니다

## 운영체제의 오류 (영어판은 시스템의 문구를 그대로 보여 주고, 한국어판은 오류의 종류와 번호로
## 보여 줍니다)

io-error-numbered = { $what } (오류 번호 { $code })
io-error-addr-in-use = 다른 소켓이 이미 쓰고 있는 주소입니다
io-error-addr-not-available = 이 컴퓨터에 없는 주소입니다
io-error-permission-denied = 권한이 없습니다
io-error-not-found = 그런 파일이나 디렉터리가 없습니다
io-error-connection-refused = 연결이 거부되었습니다
io-error-connection-reset = 상대가 연결을 리셋했습니다
io-error-timed-out = 시간이 초과되었습니다
io-error-unreachable = 도달할 수 없습니다
io-error-invalid-input = 잘못된 인자입니다
io-error-other = 운영체제 오류

## roundtrip serve: 서버를 따로 실행하기

serve-cannot-bind = { $protocol } { $addr }: 소켓을 바인드할 수 없습니다: { $error }
serve-worker-stopped = 서버의 { $worker } 스레드가 멈췄습니다: { $error }. 이 스레드 없이는 시작한 대로 응답할 수 없어 서버를 끝냅니다
serve-worker-udp = UDP 작업 { $n }번
serve-worker-tcp = TCP 수신
serve-bad-zone-origin = --zone { $spec }: 오리진이 잘못되었습니다: { $error }
serve-bad-zone = 존 파일을 읽을 수 없습니다: { $error }
serve-zone-warning = 경고: { $warning }
serve-zone-loaded = 존 { $zone }: 이름 { $count }개를 읽었습니다 (파일 { $file })
serve-auth-serving = 권한 서버가 질의를 받는 중입니다: { $addr } (UDP와 TCP)
serve-bad-root-hints = 루트 힌트 파일을 읽을 수 없습니다: { $error }
serve-bad-allow = --allow 값이 잘못되었습니다: { $why }
serve-resolver-serving = 리졸버가 질의를 받는 중입니다: { $addr } (UDP와 TCP). 루트 서버 { $roots }개부터 반복적 질의로 찾아 내려가며, 다른 서버에는 { $port }번 포트로 묻습니다
serve-bad-config = 설정 파일이 잘못되었습니다: { $error }
serve-bad-proxy = --proxy 값이 잘못되었습니다: { $why }
serve-bad-seconds = --{ $flag } { $value }: 0보다 큰 초 수여야 합니다
serve-max-header-bytes = --max-header-bytes는 1024 이상이어야 합니다
serve-bad-tls = TLS 인증서나 키를 쓸 수 없습니다: { $error }
serve-web-serving = 웹 서버가 { $root } 아래의 파일을 제공하는 중입니다: { $url } (워커 { $workers }개)
serve-web-stopping = 웹 서버를 종료하는 중입니다
serve-was-header-timeout = --header-timeout은 0보다 큰 초 수여야 합니다
serve-cannot-start-runtime = 런타임을 시작할 수 없습니다 (이 컴퓨터의 문제입니다)
serve-was-bad-db = --db 값이 잘못되었습니다: { $error }
serve-was-serving = 애플리케이션 서버(WAS)가 요청을 받는 중입니다: { $url }, 데이터베이스 { $kind } ({ $db })
serve-was-stopping = 종료하는 중입니다: 처리 중인 요청을 마저 끝냅니다

## roundtrip dig: 사용법 오류(사용자의 잘못)와 응답이 오지 않은 이유(서버, 네트워크, 이 컴퓨터)

dig-usage = 사용법: roundtrip dig 이름 [타입] [@서버[:포트]] [-p 포트] [+tcp] [+norec] [+short] [+time=초] [+tries=횟수] [--json]
dig-unknown-option = 알 수 없는 옵션 '{ $option }'
dig-zone-transfers = 영역 전송(AXFR, IXFR)은 아직 지원하지 않습니다
dig-missing-value = 옵션 '{ $option }'에 값이 없습니다
dig-bad-port = 잘못된 포트 '{ $port }': 0~65535 사이의 숫자여야 합니다
dig-bad-server = 잘못된 서버 '@{ $server }': @192.0.2.1, @192.0.2.1:53, @::1, @[::1]:53처럼 IP 주소를 주세요 (호스트 이름은 찾아 주지 않습니다)
dig-bad-type = 알 수 없는 레코드 타입 '{ $rtype }'
dig-bad-class = 알 수 없는 클래스 '{ $class }'
dig-bad-name = 잘못된 이름 '{ $name }': { $reason }
dig-name-empty = 이름이 비어 있습니다
dig-name-empty-label = 빈 레이블이 있습니다 (점 두 개가 연달아 있는 경우 등)
dig-name-long-label = 63바이트가 넘는 레이블이 있습니다
dig-name-long = 이름 전체가 255바이트를 넘습니다
dig-bad-number = 잘못된 값 '{ $value }' (+{ $option }): 0보다 큰 숫자여야 합니다
dig-extra-argument = 남는 인자 '{ $word }': 이름, 타입, 클래스가 이미 모두 주어졌습니다
dig-closed-early = 응답이 다 오기 전에 연결이 닫혔습니다
dig-mismatched-responses = ID나 질문이 질의와 맞지 않는 응답 { $ignored }개를 무시했습니다
dig-local-socket = { $action }: { $error } (이 컴퓨터의 문제입니다)
dig-action-open = UDP 소켓을 열 수 없습니다
dig-action-peer = UDP 소켓의 상대 주소를 정할 수 없습니다
dig-action-timeout = UDP 읽기 타임아웃을 정할 수 없습니다
dig-no-response = 질의를 { $tries }번 보냈지만 응답이 없습니다: { $server }
dig-no-response-tcp = TCP로 질의를 { $tries }번 보냈지만 응답이 없습니다: { $server }
dig-tcp-retry-failed = UDP 응답이 잘려서(TC=1) TCP로 다시 물었지만 실패했습니다: { $error }
dig-connection-reset = 연결이 리셋됨

## 리졸버의 단계(hop): dig +trace와 get -v가 보여 주는 줄 (이름, 레코드, 응답 코드는 선 위의 그대로)

hop-from-cache = (캐시)
hop-referral = 위임: { $zone } NS { $servers }, 글루 { $glue }
hop-referral-no-glue = 위임: { $zone } NS { $servers } (글루 없음)
hop-answer = 응답 { $records }
hop-lame = 레임 위임: { $why }
hop-timeout = 시간 초과
hop-error = 오류: { $why }
hop-shared = [공유: 같은 서버에 같은 질의가 이미 나가 있어 그 응답을 함께 받음]
lame-nxdomain-without-aa = AA 플래그가 없는 NXDOMAIN
lame-rcode = 응답 코드 { $rcode }
lame-no-referral = 권한 있는 응답도 아니고, 이 영역 아래로 위임하지도 않습니다
upstream-timeout = { $after } 동안 응답이 없음
upstream-malformed = 형식이 잘못된 응답: { $why }
malformed-short = DNS 헤더보다 짧습니다
malformed-id = 우리가 보낸 질의 ID에 대한 응답이 아닙니다
malformed-question-count = 질문이 정확히 하나(우리 질문)가 아닙니다
malformed-other-question = 다른 질문에 대한 응답입니다
malformed-question-section = 질문 영역을 해석할 수 없습니다
malformed-record = 해석할 수 없는 레코드가 있습니다
malformed-section = 해석할 수 없는 영역이 있습니다
get-via-cname = CNAME을 따라감: { $chain }

## 브라우저의 프로필 파일, 그리고 HSTS 헤더를 무시한 이유

profile-host-cache = 호스트 캐시
profile-hsts-store = HSTS 저장소
profile-unreadable = { $path }: { $what } 파일을 읽을 수 없습니다: { $error }
profile-version = { $path }: { $what } 파일의 버전이 { $found }입니다(이 프로그램은 { $expected }). 비어 있는 상태로 시작합니다
profile-corrupt = { $path }: { $what } 파일이 아닙니다 ({ $error }). 파일을 { $aside }(으)로 옮겨 두고 비어 있는 상태로 시작합니다
hsts-no-store = 이 브라우저는 HSTS 저장소를 두지 않습니다
hsts-plain-http = 평문 http://로 받은 헤더입니다. 경로 위의 누구라도 끼워 넣을 수 있으므로 따르지 않습니다 (RFC 6797 §8.1)
hsts-ip-literal = { $host }: IP 주소입니다. HSTS는 이름에만 적용됩니다
hsts-not-a-directive = { $directive }: 지시어가 아닙니다
hsts-twice = 같은 지시어가 두 번 나옵니다: { $name }
hsts-max-age-no-value = max-age에 값이 없습니다
hsts-max-age-not-seconds = max-age={ $value }: 초 단위의 숫자가 아닙니다
hsts-include-subdomains-value = includeSubDomains 지시어에는 값을 붙이지 않습니다
hsts-no-max-age = max-age 지시어가 없습니다
hsts-not-token = { $value }: 토큰도 아니고 따옴표로 묶은 문자열도 아닙니다
hsts-quote-not-closed = { $value }: 따옴표로 묶은 문자열이 닫히지 않았습니다
hsts-ends-in-backslash = 따옴표로 묶은 문자열이 백슬래시로 끝납니다
hsts-quote-inside = { $value }: 따옴표로 묶은 문자열 안에 따옴표가 있습니다

## 요청마다의 상태 코드 부류 (get --json, tour --json의 "status_class")

leg-status-class =
    { $class ->
        [1] 1xx: 정보. 요청을 받았고, 처리를 계속합니다
        [2] 2xx: 성공. 요청을 받아서 이해했고, 받아들였습니다
        [3] 3xx: 리다이렉션. 요청을 끝내려면 다른 URL로 가는 등 추가 동작이 필요합니다
        [4] 4xx: 클라이언트 쪽 오류. 요청이 잘못되었거나 들어줄 수 없습니다
        [5] 5xx: 서버 쪽 오류. 올바른 요청이지만 서버가 처리하지 못했습니다
       *[other] 표준에 없는 부류의 상태 코드
    }

## roundtrip lab up: 주소 표의 역할과 각 호스트가 하는 일

lab-role =
    { $role ->
        [browser] 브라우저
        [resolver] 리졸버
        [root] 루트 서버
        [tld] TLD 서버
        [authoritative] 권한 서버
        [web] 웹 서버
        [was] WAS
        [router] 라우터
       *[other] 역할 { $role }
    }
serves-down = 꺼짐 (장애 주입): 기다리는 프로그램이 없습니다
serves-resolver = 재귀적 질의를 받아 랩의 루트 힌트부터 찾습니다
serves-stalled = 멈춤 (장애 주입): 연결은 받지만 끝내 응답하지 않습니다
serves-database = 데이터베이스 { $url }
serves-database-fault = 데이터베이스 { $url } (장애 주입: 열 수 없음)
serves-web = 정적 파일 { $site }; { $proxies } -> WAS; HTTPS는 { $https_port }번 포트 (TLS 1.3/1.2, h2), 인증서는 랩의 자체 인증 기관(CA)이 { $names } 이름으로 발급; { $http_port }번 포트는 { $port_80 }
serves-web-redirects = https://로 301 응답
serves-web-plain-too = 평문 HTTP도 제공
serves-router = 패킷 전달: { $addresses } 사이
serves-loses = 유실 (장애 주입): { $host }에서 온 { $what } ({ $interface })
serves-loses-tcp = { $port }번 포트로 가는 첫 TCP 데이터 세그먼트
serves-loses-udp = { $port }번 포트로 가는 첫 UDP 질의

## 패킷을 캡처하지 못한 이유

capture-not-permitted = 패킷을 캡처하려면 root 권한이나 CAP_NET_RAW 권한이 필요합니다 (커널이 AF_PACKET 소켓을 거부했습니다: { $error }). 패킷 없이 계속합니다
capture-filter = 캡처 필터: { $error }
capture-filter-no-addresses = 캡처 필터에는 주소가 하나 이상 있어야 합니다
capture-filter-too-many = 캡처 필터에는 주소를 { $max }개까지만 넣을 수 있는데, { $given }개를 주었습니다
capture-socket = 캡처: { $step }: { $error }
capture-step-find-lo = 루프백 인터페이스(lo)를 찾을 수 없습니다
capture-step-bind-lo = 루프백 인터페이스(lo)에 바인드할 수 없습니다
capture-step-list-interfaces = 인터페이스 목록을 읽을 수 없습니다
capture-step-bind-all = 모든 인터페이스에 바인드할 수 없습니다
capture-step-thread = 캡처 스레드를 시작할 수 없습니다
capture-step-open = AF_PACKET 소켓을 열 수 없습니다
capture-step-attach = 필터를 붙일 수 없습니다
capture-step-ring = 수신 링 버퍼를 만들 수 없습니다
capture-enter-host = { $host }의 네트워크 네임스페이스에 들어가 캡처할 수 없습니다: { $error }

## 명령줄: clap의 도움말 (영어판은 인자 구조체의 문서 주석 그대로이고, cli 크레이트의 테스트가
## 확인합니다. id는 명령의 경로와 인자의 id로 만듭니다). 플래그, <URL> 같은 자리 표시자, 프로토콜
## 토큰은 영어 그대로 둡니다.

cli-heading-usage = 사용법
cli-heading-arguments = 인자
cli-heading-options = 옵션
cli-heading-commands = 명령
cli-default = [기본값: { $value }]
cli-possible-values = [가능한 값: { $values }]
cli-about = 웹 요청 하나가 실제로 거쳐 가는 여정 전체를 보여 줍니다
cli-about-dig = DNS 서버에 질문을 하나 보내고, 응답을 dig와 같은 모양으로 출력합니다
cli-about-get = 브라우저처럼 URL을 가져오고, 시간이 어디에 쓰였는지(이름 찾기, 연결, 첫 바이트) 보여 줍니다
cli-about-help = 이 도움말이나, 지정한 하위 명령의 도움말을 출력합니다
cli-about-lab = 랩 인터넷: 이 컴퓨터 위에 만든 호스트, 링크, 서버
cli-about-lab-config = 기본 랩 설정(TOML)을 출력합니다. 저장해서 고쳐 쓰세요
cli-about-lab-exec = 실행 중인 랩의 호스트(기본: 브라우저의 컴퓨터) 안에서 명령을 그 호스트의 프로그램으로 실행합니다. 그 호스트의 네트워크를 쓰고, /etc/resolv.conf에는 랩의 리졸버가 들어 있습니다
cli-about-lab-up = 랩의 서버들을 시작하고 주소 표를 출력한 뒤, 중단될 때까지 실행합니다
cli-about-serve = 랩의 서버 하나를 따로 실행합니다
cli-about-serve-auth = 존 하나 이상을 맡는 권한 DNS 서버 (UDP와 TCP)
cli-about-serve-resolver = 캐시를 가진 재귀 리졸버: 재귀적 질의(RD=1)를 받아 루트 힌트부터 반복적 질의로 답을 찾습니다
cli-about-serve-was = 애플리케이션 서버(WAS): SQLite나 PostgreSQL 위에서 도는 랩의 검색 엔진
cli-about-serve-web = 웹 서버: 정적 파일, 동적 경로의 리버스 프록시, 가상 호스트, 각종 제한
cli-about-tour = 랩을 시작하고, 그 안에서 URL 하나를 브라우저로 열고, 실제로 일어난 일을 단계별로 들려줍니다
cli-about-zone = 존 파일: BIND의 named-checkzone처럼 검사합니다
cli-about-zone-check = 존 파일을 검사합니다: 읽히면 0, 아니면 `파일:줄: 이유`를 출력하고 1로 끝납니다
cli-after-help-get =
    호스트 캐시: 브라우저는 DNS가 준 주소를 각각 TTL 동안, 실행과 실행 사이에도 파일에 보관합니다(기본 ~/.cache/roundtrip/hosts.json). --cache-list는 그 내용을 출력하고, --cache-clear는 비웁니다. --no-cache를 주면 읽지도 쓰지도 않습니다.

    종료 코드: 0 응답이 왔음(상태 코드와 상관없이. --fail을 주면 400 이상은 1), 1 요청이 실패함(이름, 연결, 타임아웃, 리다이렉트), 2 사용법이 잘못됨.
cli-help-dig-json = 응답을 JSON 문서 하나로 출력합니다
cli-help-dig-words = dig와 같은 순서의 인자: 이름 [타입] [클래스] [@서버[:포트]] [-p 포트] [-t 타입] [-c 클래스] [-q 이름] [+tcp] [+norec] [+short] [+time=초] [+tries=횟수]
cli-help-get-bind = 연결과 DNS 질의에 쓸 출발지 주소
cli-help-get-cacert = 이 PEM 파일의 CA 인증서도 https://에서 신뢰합니다 (웹 PKI의 루트 인증서인 Mozilla의 목록은 언제나 신뢰하고, 시스템의 인증서 저장소는 읽지 않습니다)
cli-help-get-cache-clear = 호스트 캐시를 비웁니다
cli-help-get-cache-file = 호스트 캐시 파일
cli-help-get-cache-list = 호스트 캐시에서 만료되지 않은 항목을 출력합니다
cli-help-get-connect-timeout = 연결에 허용하는 시간(초). Happy Eyeballs의 모든 시도를 합친 시간입니다
cli-help-get-data = DATA를 본문으로 보냅니다 (curl -d처럼 application/x-www-form-urlencoded로)
cli-help-get-dns-port = --recursive일 때 모든 네임 서버에 묻는 포트 (랩은 root가 아니면 1053)
cli-help-get-fail = 최종 상태 코드가 400 이상이면 1로 끝냅니다 (본문은 쓰지 않습니다)
cli-help-get-hosts-file = 캐시와 DNS보다 먼저 보는 hosts 파일
cli-help-get-hsts-clear = HSTS 저장소를 비웁니다 (프리로드 목록은 내장이라 그대로 남습니다)
cli-help-get-hsts-file = HSTS 저장소 파일 (기본: 호스트 캐시 옆의 hsts.json)
cli-help-get-hsts-list = HSTS 저장소에서 만료되지 않은 항목과 내장 프리로드 목록을 출력합니다
cli-help-get-http1-1 = https://에서 ALPN으로 HTTP/1.1만 제안합니다
cli-help-get-http2 = https://에서 ALPN으로 HTTP/2와 HTTP/1.1을 제안하고 서버가 고르게 합니다 (curl과 같은 기본값. http://는 HTTP/1.1 그대로)
cli-help-get-json = 본문과 보고 대신, 요청 하나하나(리다이렉트 포함)를 설명하는 JSON 문서 하나를 출력합니다
cli-help-get-max-redirs = 리다이렉트를 최대 N번까지 따라갑니다 (기본값은 Fetch 표준의 한도)
cli-help-get-max-time = 요청 하나에 허용하는 시간(초). 보낼 때부터 본문이 끝날 때까지입니다
cli-help-get-method = 요청 메서드 (기본 GET, -d가 있으면 POST)
cli-help-get-no-cache = 호스트 캐시를 읽지도 쓰지도 않습니다
cli-help-get-no-hsts = HSTS를 쓰지 않습니다: 프리로드 목록도 저장소도 http://를 https://로 바꾸지 않고, Strict-Transport-Security 헤더도 기억하지 않습니다
cli-help-get-output = 본문을 표준 출력 대신 FILE에 씁니다
cli-help-get-recursive = 리졸버에 묻지 않고, 이 프로세스 안에서 루트 힌트부터 반복적 질의로 이름을 찾습니다
cli-help-get-resolver = 이 재귀 리졸버에 묻습니다 (기본: /etc/resolv.conf의 첫 번째 nameserver)
cli-help-get-root-hints = --recursive에 쓸 루트 힌트 (named.root 형식. 기본: IANA의 것)
cli-help-get-silent = 표준 오류에 보고를 쓰지 않고, 본문(또는 오류)만 냅니다
cli-help-get-url = 가져올 URL (http:// 또는 https://)
cli-help-get-verbose = curl -v처럼 연결 시도와 요청·응답 헤더를 보여 줍니다
cli-help-help = 도움말을 출력합니다
cli-help-lab-exec-command = 실행할 명령과 그 인자 (`--` 뒤에)
cli-help-lab-exec-host = 호스트 (`roundtrip lab up`이 목록을 보여 줍니다)
cli-help-lab-up-config = 랩 설정(TOML). 기본: 기본 랩 (`roundtrip lab config`)
cli-help-lab-up-dns-port = 랩의 DNS 서버들이 함께 쓰는 포트 (설정보다 우선합니다. 기본: root면 53, 아니면 1053)
cli-help-lab-up-publish = 리졸버와 웹 서버를 이 컴퓨터의 루프백 주소로도 전달합니다 (설정의 [publish]. 기본은 127.0.0.1:1053, 127.0.0.1:8080, 127.0.0.1:8443). 랩 안에서 실행할 수 없는 도구를 위한 것입니다
cli-help-lang = 모든 문장의 언어: en 또는 ko (기본: gettext처럼 LANGUAGE, LC_ALL, LC_MESSAGES, LANG을 읽습니다. ko_KR.UTF-8이면 한국어, 그 밖에는 영어)
cli-help-serve-auth-listen = 요청을 받을 주소와 포트, 예: 127.0.0.2:1053
cli-help-serve-auth-no-packet-cache = 모든 질의에 존을 찾아 답합니다. 앞서 보낸 응답을 담아 둔 패킷 캐시는 쓰지 않습니다
cli-help-serve-auth-udp-workers = UDP 워커 스레드 수
cli-help-serve-auth-zones = 존: `[ORIGIN=]FILE`. ORIGIN이 없으면 파일의 $ORIGIN이나 SOA 레코드의 소유자 이름을 씁니다. 여러 번 줄 수 있습니다
cli-help-serve-resolver-allow = 루프백 말고도 질의를 허용할 클라이언트의 네트워크 (CIDR 형식). 여러 번 줄 수 있습니다
cli-help-serve-resolver-cache-size = 캐시 항목(RRset과 부정 응답)의 최대 수
cli-help-serve-resolver-listen = 요청을 받을 주소와 포트, 예: 127.0.0.53:1053
cli-help-serve-resolver-max-ttl = TTL과 상관없이 레코드를 캐시에 두는 가장 긴 시간(초)
cli-help-serve-resolver-no-qname-minimisation = 이름을 한 레이블씩 보내지 않고, 모든 서버에 이름 전체를 보냅니다 (RFC 9156 끔)
cli-help-serve-resolver-root-hints = IANA named.root 형식의 루트 힌트 (기본: 실제 루트 서버들)
cli-help-serve-resolver-upstream-port = 모든 상위 서버에 묻는 포트 (랩의 서버들은 한 포트를 함께 씁니다)
cli-help-serve-was-db = 데이터베이스: `sqlite://FILE` 또는 `postgres://USER@HOST/DB`
cli-help-serve-was-header-timeout = 클라이언트가 요청 헤더 전체를 보내는 데 주는 시간(초). 넘기면 연결을 닫습니다
cli-help-serve-was-listen = 요청을 받을 주소와 포트, 예: 127.0.0.81:8080
cli-help-serve-was-log-level = 표준 오류에 쓸 것: `error`, `warn`, `info` (요청마다 접근 로그 한 줄), `debug`
cli-help-serve-was-max-body-bytes = 요청 본문의 최대 크기(바이트). 넘으면 413
cli-help-serve-was-max-connections = 풀에 두는 데이터베이스 연결의 최대 수
cli-help-serve-web-access-log = 접근 로그: `off`, `stderr` 또는 파일 (기본: 설정 파일에 적힌 것, 없으면 `stderr`)
cli-help-serve-web-config = TOML 설정 (가상 호스트, 리다이렉트, 제한). 플래그가 설정보다 우선합니다
cli-help-serve-web-header-timeout = 클라이언트가 요청 헤더 전체를 보내는 데 주는 시간(초). slowloris 공격을 막습니다. 넘기면 408
cli-help-serve-web-listen = 요청을 받을 주소와 포트, 예: 127.0.0.80:8080
cli-help-serve-web-max-body-bytes = 요청 본문의 최대 크기(바이트). 넘으면 413
cli-help-serve-web-max-header-bytes = 요청 헤더의 최대 크기(바이트). 넘으면 431
cli-help-serve-web-proxies = 경로 접두어 하나를 상위 서버로 프록시합니다: `PATH_PREFIX=http://HOST:PORT`. 여러 번 줄 수 있고, 같은 접두어를 두 번 주면 두 상위 서버에 번갈아 보냅니다
cli-help-serve-web-root = 문서 루트: 정적 파일을 여기서 제공합니다
cli-help-serve-web-tls-cert = HTTPS: 인증서 체인 (PEM, 서버 자신의 인증서가 맨 앞). --tls-key가 함께 필요합니다. TLS 1.3과 1.2, 클라이언트가 ALPN으로 고르면 HTTP/2
cli-help-serve-web-tls-key = HTTPS: 인증서의 개인 키 (PEM). --tls-cert가 함께 필요합니다
cli-help-serve-web-upstream-timeout = 상위 서버가 프록시된 요청에 답하는 데 주는 시간(초). 넘기면 504
cli-help-serve-web-workers = 런타임 스레드 수 (0 = 코어마다 하나. 1 = 스레드 하나짜리 런타임으로, 서버를 코어 하나에 묶어 둘 때 요청당 비용이 가장 적습니다)
cli-help-tour-config = 랩 설정 (기본: `roundtrip lab config`)
cli-help-tour-fault = 랩의 한 부분을 망가뜨립니다: root-down, nxdomain, was-down, was-slow, db-down, loss (라우터가 요청 세그먼트 하나와 리졸버의 질의 하나를 잃어버립니다. 랩 자체 네트워크가 필요합니다), cert-expired, cert-wrong-name (웹 서버의 인증서. 브라우저가 거부합니다)
cli-help-tour-html = 여정을 시퀀스 다이어그램이 든 HTML 페이지 하나(그것만으로 열림)로도 씁니다
cli-help-tour-json = 여정 전체를 JSON 문서 하나로 출력합니다 (구조: `lab::tour::Tour`)
cli-help-tour-keylog = 브라우저의 TLS 비밀 값을 NSS 키 로그 형식(SSLKEYLOGFILE의 형식)으로도 씁니다
cli-help-tour-no-hsts = HSTS가 없는 브라우저 (프리로드 목록도 저장소도 없음): http://는 평문 HTTP로 나가고, 웹 서버의 301 응답이 https://로 보냅니다
cli-help-tour-no-search = 홈페이지 다음에 검색하지 않습니다
cli-help-tour-pcap = 캡처한 프레임을 pcapng 파일로도 씁니다. 호스트와 링크마다 인터페이스가 하나씩이고, 브라우저의 TLS 비밀 값이 DSB(Decryption Secrets Block)에 들어 있어서 Wireshark와 tshark -r이 따로 설정하지 않아도 복호화한 HTTP/2를 보여 줍니다
cli-help-tour-search = 홈페이지 다음에, 사람이 하듯 이 말로 검색합니다 (동적: 웹 서버 -> WAS -> 데이터베이스)
cli-help-tour-url = 열어 볼 URL (기본: 랩의 홈페이지 http://www.google.com/. 브라우저의 HSTS 프리로드 목록이 이를 https://로 바꿉니다. 루프백으로 대신 실행할 때 일반 사용자라면 https://www.google.com:8443/)
cli-help-tour-visits = 이 횟수만큼 방문합니다: 두 번째 방문에서 캐시가 일하는 모습이 보입니다
cli-help-version = 버전을 출력합니다
cli-help-zone-check-file = 존 파일
cli-help-zone-check-origin = 존의 오리진, 예: `google.com.`, 루트는 `.`
cli-help-zone-check-print = 존을 정규 형식으로 출력합니다: 한 줄에 레코드 하나, 절대 이름, TTL과 클래스까지

## 명령줄: clap의 사용법 오류 (종료 코드 2). clap과 같은 배치로, 사용자가 입력한 값과 플래그는
## 입력한 그대로 인용합니다

clap-error = 오류:
clap-tip = 힌트:
clap-try-help = 자세한 내용은 '{ $help }'로 확인하세요.
clap-error-other = 명령줄을 해석할 수 없습니다 (clap: "{ $detail }")
clap-unknown-argument = 알 수 없는 인자입니다: '{ $arg }'
clap-unrecognized-subcommand = 알 수 없는 명령입니다: '{ $subcommand }'
clap-missing-required = 꼭 필요한 인자가 빠졌습니다:
clap-missing-subcommand = '{ $command }'에는 하위 명령이 필요한데 주어지지 않았습니다
clap-subcommands = [하위 명령: { $values }]
clap-value-required = '{ $arg }'에 값이 필요한데 주어지지 않았습니다
clap-invalid-value = '{ $value }' 값은 '{ $arg }'에 쓸 수 없습니다
clap-invalid-value-because = '{ $value }' 값은 '{ $arg }'에 쓸 수 없습니다: { $reason }
clap-possible-values = [가능한 값: { $values }]
clap-no-equals = '{ $arg }'에 값을 줄 때는 등호(=)가 필요합니다
clap-too-many-values = '{ $arg }'에는 값이 더 올 수 없는데 '{ $value }' 값이 더 있습니다
clap-too-few-values = '{ $arg }'에는 값이 { $min }개 필요한데 { $actual }개만 주어졌습니다
clap-wrong-number-of-values = '{ $arg }'에는 값이 { $expected }개 필요한데 { $actual }개가 주어졌습니다
clap-invalid-utf8 = 인자 가운데 올바른 UTF-8이 아닌 것이 있습니다
clap-conflict-repeated = '{ $name }' { $kind ->
        [subcommand] 명령은
       *[argument] 인자는
    } 한 번만 쓸 수 있습니다
clap-conflict-with = '{ $name }' { $kind ->
        [subcommand] 명령은
       *[argument] 인자는
    } '{ $other }' 인자와 함께 쓸 수 없습니다
clap-conflict-with-these = '{ $name }' { $kind ->
        [subcommand] 명령은
       *[argument] 인자는
    } 다음 인자와 함께 쓸 수 없습니다:
clap-conflict-with-others = '{ $name }' { $kind ->
        [subcommand] 명령은
       *[argument] 인자는
    } 함께 준 다른 인자와 같이 쓸 수 없습니다
clap-tip-similar = { $count ->
        [1] 비슷한 { $what ->
            [subcommand] 명령이
            [value] 값이
           *[argument] 인자가
        } 있습니다: { $names }
       *[other] 비슷한 { $what ->
            [subcommand] 명령들이
            [value] 값들이
           *[argument] 인자들이
        } 있습니다: { $names }
    }
clap-tip-pass-as-value = '{ $value }' 자체를 값으로 넘기려면 '{ $usage }'처럼 쓰세요
clap-tip-exists = '{ $usage }'처럼 쓸 수 있습니다
clap-tip-remove-double-dash = '{ $subcommand }' 명령을 쓰려면 그 앞의 '{ $dashes }'를 빼세요

## 명령줄의 값을 받아들이지 않은 이유 (clap의 값 파서. 영어판은 파서의 원래 문장을 그대로
## 보여 주고, 다른 언어는 오류의 종류에 따라 이 문장들을 보여 줍니다)

value-empty = 값이 비어 있습니다
value-not-a-number = 숫자가 아닙니다
value-too-large = 수가 너무 큽니다
value-too-small = 수가 너무 작습니다
value-out-of-range = { $min }~{ $max } 범위를 벗어납니다
value-not-an-ip-address = IP 주소가 아닙니다 (예: 192.0.2.1, 2001:db8::1)
value-not-a-socket-address = 주소와 포트가 아닙니다 (예: 127.0.0.1:8080, [::1]:8080)
value-not-a-log-level = 로그 수준이 아닙니다: error, warn, info, debug, trace 가운데 하나(또는 1~5의 숫자)를 쓰세요
value-other = 이 인자에 쓸 수 없는 값입니다 (원문: "{ $detail }")
fault-unknown = 알 수 없는 장애 { $value }: 다음 가운데 하나를 쓰세요: { $names }

## 다른 크레이트의 파서가 파일이나 URL을 받아들이지 않은 이유 (영어판은 파서의 원래 문장을 그대로
## 보여 주고, 다른 언어는 오류의 종류에 따라 이 문장들을 보여 줍니다. 파서가 자유롭게 쓴 문장은
## 번역하지 않고, 누가 한 말인지 밝혀 따옴표 안에 그대로 둡니다)

config-unreadable = { $file } 파일을 읽을 수 없습니다: { $error }
config-toml = { $place }: TOML 문법이나 이 설정 파일의 형식에 맞지 않습니다 (toml: "{ $detail }")
tls-certificate-not-pem = PEM 형식의 인증서 파일이 아닙니다: { $why }
tls-no-certificate = 파일에 인증서(BEGIN CERTIFICATE)가 없습니다
tls-key-not-pem = PEM 형식의 개인 키 파일이 아닙니다: { $why }
tls-no-key = 파일에 개인 키(BEGIN PRIVATE KEY)가 없습니다
tls-key-mismatch = 개인 키가 인증서의 공개 키와 짝이 맞지 않습니다
tls-bad-certificate = 인증서를 쓸 수 없습니다: { $why }
tls-unusable-key = 개인 키를 쓸 수 없습니다: { $why }
tls-certificate-bad-encoding = DER 인코딩이 잘못되었습니다
tls-rustls-said = rustls의 설명: "{ $detail }"
pem-missing-end = 구역을 끝내는 -----END { $marker }----- 줄이 없습니다
pem-illegal-start = 구역의 첫 줄이 잘못되었습니다 ({ $line })
pem-base64 = 안에 든 base64를 디코딩할 수 없습니다 (pem: "{ $detail }")
pem-nothing = 그런 항목이 하나도 없습니다
pem-too-large = 256 MB를 넘는 구역이 있습니다
pem-other = PEM 읽기 오류입니다 (pem: "{ $detail }")
db-url-bad = 잘못된 데이터베이스 URL { $url }: { $why }
db-url-sqlite-needs-file = SQLite URL에는 파일이 있어야 합니다: sqlite://FILE
db-url-unknown-scheme = sqlite://FILE 또는 postgres://... 꼴이어야 합니다
db-url-driver = 드라이버가 받아들이지 않았습니다 (sqlx: "{ $detail }")
was-listener = 리스너로 요청을 받을 수 없습니다: { $error }
url-empty-host = 호스트가 비어 있습니다
url-idna = 국제화 도메인 이름이 올바르지 않습니다
url-invalid-port = 포트 번호가 올바르지 않습니다
url-invalid-ipv4 = IPv4 주소가 올바르지 않습니다
url-invalid-ipv6 = IPv6 주소가 올바르지 않습니다
url-invalid-domain-character = 도메인 이름에 쓸 수 없는 문자가 있습니다
url-relative = 스킴이 없는 상대 URL입니다. http:// 또는 https://로 시작해야 합니다
url-too-long = 4 GB를 넘는 URL은 다루지 않습니다
url-other = URL 파서가 받아들이지 않았습니다 (url: "{ $detail }")
url-no-host = 호스트가 없습니다
url-header-value = { $name } 헤더에 실을 수 없는 값입니다: { $value }
url-request = 요청을 만들 수 없습니다 (http: "{ $detail }")


## 랩 설정의 값을 받아들이지 않은 이유 (lab::config. 파일, 줄, 키 다음에 옵니다. 영어판은 설정
## 오류의 Display이기도 합니다)

lab-config-not-ipv4 = IPv4 주소가 아닙니다: { $value }
lab-config-real-internet = { $addr } 주소는 문서용 주소 범위(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24)에도 루프백(127.0.0.0/8)에도 들지 않습니다. 랩은 실제 인터넷의 주소를 쓰지 않습니다
lab-config-mixed-placement = { $addr } 주소 때문에 루프백 주소와 문서용 주소가 섞입니다. 랩은 네임스페이스로 된 네트워크이거나, 전부 루프백 위에 있거나 둘 중 하나입니다
lab-config-address-taken = { $addr } 주소는 이미 { $by }에서 썼습니다. 호스트마다 자기 주소가 따로 있어야 합니다
lab-config-not-ipv6 = IPv6 주소가 아닙니다: { $value }
lab-config-not-documentation-v6 = { $addr } 주소는 문서용 주소 범위 2001:db8::/32에 들지 않습니다
lab-config-unknown-role = 알 수 없는 역할입니다: { $role } (root, tld, authoritative 가운데 하나여야 합니다)
lab-config-not-origin-file = ORIGIN=FILE 꼴이 아닙니다: { $zone }
lab-config-origin-not-a-name = 도메인 이름이 아닙니다: { $origin }
lab-config-no-zone-file = 존 파일이 없습니다: { $path }
lab-config-no-root = 역할이 "root"인 서버가 없습니다. 이대로는 리졸버에게 루트 힌트가 없습니다
lab-config-not-host-url = HOST=URL 꼴이 아닙니다: { $rule }
lab-config-not-positive-seconds = 0보다 큰 초 수가 아닙니다: { $value }
lab-config-bad-hsts = { $value }: max-age=SECONDS[; includeSubDomains] 꼴이어야 합니다
lab-config-bad-database = { $url }: sqlite://FILE 또는 postgres://... 꼴이어야 합니다
lab-config-not-subnet = ADDRESS/PREFIX 꼴이 아닙니다: { $value }
lab-config-not-ip-address = IP 주소가 아닙니다: { $value }
lab-config-not-prefix-length = 프리픽스 길이가 아닙니다: { $value }
lab-config-bad-prefix-length = { $addr }에 쓸 수 있는 프리픽스 길이가 아닙니다: /{ $len }
lab-config-not-documentation-subnet = 문서용 주소 범위 안의 IPv4 서브넷이 아닙니다
lab-config-no-ipv6-subnet = 빠져 있습니다. 랩은 듀얼 스택이라 링크마다 IPv6 서브넷도 있어야 합니다
lab-config-not-documentation-subnet-v6 = 2001:db8::/32 안의 IPv6 서브넷이 아닙니다
lab-config-router-without-addresses = 빠져 있습니다. 라우터에는 주소가 있어야 합니다
lab-config-not-socket-address = 주소와 포트가 아닙니다 (예: 127.0.0.1:1053): { $value }
lab-config-not-loopback = { $ip } 주소는 루프백 주소가 아닙니다. 랩은 이 컴퓨터에만 내보내고, 네트워크로는 내보내지 않습니다
topology-address-on-links = { $node }의 주소 { $addr }: 링크 { $links }개의 서브넷에 듭니다. 주소마다 꼭 한 [[link]]의 서브넷에 들어야 합니다
topology-not-dual-stack = { $node }에는 IPv4 주소와 IPv6 주소가 다 있어야 합니다. 랩은 듀얼 스택입니다
topology-link-joins-nothing = 링크 { $link }에 호스트가 둘보다 적습니다. 이 링크는 아무것도 잇지 않습니다
topology-not-a-router = { $node }: 라우터가 아닌데 여러 링크에 걸쳐 있습니다
topology-links-unreached = { $node }에서 닿지 않는 링크가 있습니다. 라우터들이 모든 링크를 잇지 않습니다


## 존 파일이나 존을 받아들이지 않은 이유 (dns 크레이트. 파일과 줄 번호 다음에 옵니다. 영어판은 오류의
## Display이기도 해서, `zone check`가 그대로 출력합니다)

zone-io = 파일을 읽을 수 없습니다: { $error }
zone-not-utf8 = UTF-8 텍스트 파일이 아닙니다
zone-unopened-parenthesis = 괄호 짝이 맞지 않습니다: 여는 '(' 없이 ')'가 있습니다
zone-unclosed-parenthesis = 괄호 짝이 맞지 않습니다: 연 '('를 닫지 않았습니다
zone-unterminated-quote = 따옴표로 시작한 문자열이 끝나지 않았습니다
zone-unknown-directive = 알 수 없는 지시어입니다: { $directive }
zone-directive-needs-name = { $directive } 뒤에는 도메인 이름이 꼭 하나 와야 합니다
zone-directive-needs-ttl = { $directive } 뒤에는 TTL이 꼭 하나 와야 합니다
zone-directive-needs-file = { $directive } 뒤에는 파일 이름이 오고, 그다음에 오리진이 올 수 있습니다
zone-include-too-deep = $INCLUDE가 파일 { $depth }개보다 깊이 겹칩니다 (파일들이 서로를 포함하는 고리가 있지 않나요?)
zone-bad-ttl = 잘못된 TTL { $text }: { $why }
zone-bad-name = 잘못된 이름 { $text }: { $why }
zone-no-origin = 상대 이름 { $text }: 이름을 완성할 오리진을 알 수 없습니다 ($ORIGIN을 쓰거나 존의 오리진을 알려 주세요)
zone-no-owner = 소유자 이름이 없습니다: 파일의 첫 레코드가 공백으로 시작합니다
zone-no-ttl = TTL이 없습니다: 레코드에도 없고, $TTL도 없고, 앞에서 쓴 TTL도 없습니다
zone-class-mismatch = 레코드의 클래스({ $found })가 존의 클래스({ $zone })와 다릅니다
zone-unknown-type = 알 수 없는 타입이나 클래스입니다: { $word }
zone-missing-type = 레코드에 타입이 없습니다
zone-obsolete-type = { $rtype } 타입은 폐기되었습니다 (RFC 973: MX를 쓰세요)
zone-bad-rdata = { $rtype } 레코드의 데이터가 잘못되었습니다: { $why }
zone-out-of-zone = { $owner }: 존 { $origin } 밖의 이름입니다
zone-no-soa = 존의 꼭대기(apex) { $origin }에 SOA 레코드가 없습니다
zone-no-soa-no-origin = 존의 꼭대기(apex)에 SOA 레코드가 없습니다 ($ORIGIN도 SOA도 없어서 꼭대기가 어디인지 모릅니다)
zone-soa-not-at-apex = SOA 레코드는 존의 꼭대기(apex) { $origin }에 있어야 하는데 { $owner }에 있습니다
zone-multiple-soa = 꼭대기(apex)에 SOA 레코드가 둘 이상 있습니다
zone-no-apex-ns = 존의 꼭대기(apex) { $origin }에 NS 레코드가 없습니다
zone-cname-and-other-data = { $owner }에 CNAME과 다른 데이터가 함께 있습니다 (RFC 1034 §3.6.2)
zone-multiple-cnames = { $owner }에 CNAME 레코드가 둘 이상 있습니다 (RFC 2181 §10.1)
zone-multiple-dnames = { $owner }에 DNAME 레코드가 둘 이상 있습니다 (RFC 6672 §2.4)
zone-missing-glue = NS 대상 { $target }: 존 안의 이름인데 주소 레코드(A나 AAAA)가 없습니다
zone-empty = 존에 레코드가 하나도 없습니다
zone-duration-empty = 비어 있습니다
zone-duration-not-a-duration = 초 수도 아니고 1h30m 같은 기간도 아닙니다
zone-duration-unit-without-number = 숫자 없이 단위만 있습니다
zone-duration-number-after-unit = 단위가 붙은 숫자 뒤에 단위 없는 숫자가 있습니다 (1h30이 아니라 1h30m으로 쓰세요)
zone-duration-too-large-ttl = 2147483647보다 큽니다 (RFC 2181 §8)
zone-duration-too-large = 4294967295보다 큽니다
zone-rdata-ends-too-soon = 데이터가 너무 일찍 끝납니다
zone-rdata-too-long = 데이터가 너무 깁니다
zone-rdata-trailing = 데이터가 끝난 뒤에 뜻밖의 내용이 있습니다
zone-rdata-no-origin = 상대 이름인데 오리진을 알 수 없습니다
zone-rdata-bad-name = 잘못된 도메인 이름입니다: { $why }
zone-rdata-invalid-name = 잘못된 도메인 이름입니다
zone-rdata-bad-escape = 읽을 수 없는 이스케이프 시퀀스입니다
zone-rdata-bad-symbol = 이 자리에 올 수 없는 문자가 있습니다
zone-rdata-non-ascii = ASCII가 아닌 문자가 있습니다
zone-rdata-charstr-too-long = 255바이트보다 긴 문자열이 있습니다
zone-rdata-not-utf8 = UTF-8이 아닙니다
zone-rdata-expected-ipv4 = IPv4 주소가 와야 합니다
zone-rdata-expected-ipv6 = IPv6 주소가 와야 합니다
zone-rdata-expected-number = 10진수 숫자가 와야 합니다
zone-rdata-number-overflow = 숫자가 너무 큽니다
zone-rdata-expected-hex = 16진수 숫자가 와야 합니다
zone-rdata-uneven-hex = 16진수 숫자의 개수가 홀수입니다
zone-rdata-bad-base64 = 올바른 Base64 데이터가 아닙니다
zone-rdata-end-of-entry = 데이터가 너무 일찍 끝납니다
zone-rdata-domain-said = 데이터를 읽지 못했습니다 (domain: "{ $detail }")
zone-rdata-unexpected = 데이터 뒤에 뜻밖의 단어가 있습니다: { $word }
zone-rdata-generic-invalid = \# 데이터가 이 타입에 맞지 않습니다
zone-rdata-generic-names = \# 데이터 안의 이름을 읽을 수 없습니다
zone-rdata-generic-too-long = \# 데이터가 레코드보다 깁니다
zone-rdata-soa-timer = SOA의 { $field } 값 { $text }: { $why }
zone-rdata-no-root-servers = 주소가 있는 루트 서버가 없습니다. 힌트 파일에는 `. NS 이름`과 `이름 A 주소` 꼴의 레코드가 있어야 합니다
zone-warning-ttl-differs = { $owner } { $rtype }: TTL({ $ttl })이 RRset의 TTL({ $kept })과 다릅니다. { $kept }을 씁니다 (RFC 2181 §5.2)
zone-warning-below-delegation = { $name } { $rtype }: { $cut } 위임 아래에 있어서 응답으로 나가지 않습니다
name-invalid = 잘못된 도메인 이름 { $text }: { $why }
name-empty-label = 빈 레이블이 있습니다 (점 두 개가 연달아 있는 경우 등)
name-long-label = 63바이트가 넘는 레이블이 있습니다
name-long = 이름 전체가 255바이트를 넘습니다
name-domain-said = 이름을 읽지 못했습니다 (domain: "{ $detail }")


## 리졸버에 물을 수 있는 네트워크로 받아들이지 않은 이유 (--allow)

allow-not-a-network = 주소도 네트워크도 아닙니다: { $cidr }
allow-bad-prefix = { $cidr }: 프리픽스 길이는 0부터 { $max }까지여야 합니다


## 랩을 시작하지 못했거나, 찾지 못했거나, 들어가지 못한 이유 (lab 크레이트. 영어판은 오류의
## Display입니다)

lab-cannot-listen = { $addr }에서 요청을 받을 수 없습니다: { $error }
lab-part-failed = { $what }: { $error }
lab-part-host-namespace = 호스트의 네임스페이스에 들어가지 못했습니다
lab-part-zone-file = 존 파일을 읽지 못했습니다: { $path }
lab-part-runtime = 랩의 런타임을 만들지 못했습니다
lab-part-database-directory = 데이터베이스 디렉터리를 만들지 못했습니다: { $path }
lab-part-loss-filter = { $router }에 손실 장애용 필터를 넣지 못했습니다
lab-loss-on-loopback = 손실 장애(loss)는 랩 네트워크의 라우터에서 패킷을 버리는데, 이 랩은 루프백에서 돌고 있습니다 ({ $why })
lab-loss-placement-loopback = 설정에 placement = "loopback"이 있습니다
lab-loss-no-router = 손실 장애(loss): { $host }에는 패킷을 잃을 라우터가 없습니다
lab-access-list = 리졸버의 접근 목록을 만들지 못했습니다: { $why }
lab-was-failed = { $addr }의 WAS를 시작하지 못했습니다: { $error }
lab-ca-failed = 랩의 인증 기관(CA)을 준비하지 못했습니다: { $error }
lab-web-certificate = 웹 서버의 인증서를 쓸 수 없습니다: { $path } (원문: "{ $detail }")
ca-pem = PEM 파일을 읽지 못했습니다 (pem: "{ $detail }")
ca-no-intermediate = 인증서 체인에 중간 인증서가 없습니다
ca-make = 랩의 인증서를 만들지 못했습니다 (rcgen: "{ $detail }")
lab-none-nothing-in = 돌고 있는 랩이 없습니다 ({ $dir }에 아무것도 없습니다)
lab-none-alive = 돌고 있는 랩이 없습니다 (`roundtrip lab up`으로 시작하세요. 찾아본 곳: { $dir })
lab-join-user-namespaces = 이 프로세스와 랩이 어느 사용자 네임스페이스에 있는지 알 수 없습니다: { $error }
lab-join-user-namespace = 랩의 사용자 네임스페이스에 들어갈 수 없습니다: { $error }
lab-join-network-namespace = 호스트의 네트워크 네임스페이스에 들어갈 수 없습니다: { $error }
lab-join-mount-namespace = 이 프로세스만의 마운트 네임스페이스를 만들 수 없습니다: { $error }
lab-join-nul-in-path = 랩의 resolv.conf 경로에 NUL 바이트가 있습니다
lab-join-resolv-conf = 랩의 resolv.conf를 /etc/resolv.conf 자리에 마운트할 수 없습니다: { $error }


## 웹 서버 설정의 값을 받아들이지 않은 이유 (파일, 줄, 칸 다음에 옵니다), 또는 그 값을 정하는
## 플래그(--proxy)의 값을 받아들이지 않은 이유. 영어판은 Display이기도 합니다

web-config-not-positive-seconds = { $value }: 0보다 큰 초 수여야 합니다
web-config-header-bytes-too-small = max_header_bytes는 1024 이상이어야 합니다
web-config-uri-bytes-too-small = max_uri_bytes는 16 이상이어야 합니다
web-config-proxy-without-upstream = 프록시에는 업스트림이 하나 이상 있어야 합니다
web-config-vhost-without-name = 가상 호스트(vhost)에는 이름이 하나 이상 있어야 합니다
web-config-bad-redirect-target = { $to }: http(s)://HOST[:PORT] 꼴이어야 하고, 경로는 붙일 수 없습니다
web-config-bad-redirect-status = 리다이렉트 상태 코드 { $status }: 301, 302, 307, 308 가운데 하나여야 합니다
web-config-cert-without-key = tls_cert를 쓰려면 tls_key도 있어야 합니다
web-config-key-without-cert = tls_key를 쓰려면 tls_cert도 있어야 합니다
web-config-bad-hsts = { $value }: max-age=SECONDS[; includeSubDomains][; preload] 꼴이어야 합니다
web-config-redirect-port-zero = https_redirect는 포트 번호라서 1부터 65535까지입니다
web-config-http2-out-of-range = http2.{ $name } 값은 { $min }부터 { $max }까지여야 합니다
web-config-prefix-not-absolute = 프록시할 경로 접두사 { $prefix }: /로 시작해야 합니다
web-config-prefix-not-plain = 프록시할 경로 접두사 { $prefix }: ?, #, \, ..이 없는 평범한 경로여야 합니다
web-config-upstream-https = { $upstream }: 업스트림과는 평문 HTTP(http://)로 이야기합니다
web-config-upstream-with-path = { $upstream }: 업스트림은 경로 없이 HOST:PORT로 씁니다
web-config-upstream-unresolved = 업스트림 { $upstream }: { $why }
web-config-upstream-not-host-port = HOST:PORT 꼴이 아닙니다
web-config-upstream-lookup = 이름을 주소로 바꿀 수 없습니다 (원문: "{ $detail }")
web-config-upstream-no-address = { $upstream }: 이 이름에는 주소가 없습니다
web-config-not-proxy-spec = { $spec }: PATH_PREFIX=http://HOST:PORT 꼴이어야 합니다


## 요청·응답이나 TLS 핸드셰이크가 실패한 이유, 종류별로 (영어판은 curl처럼 hyper와 rustls의 원래
## 문장을 보여 주고, 다른 언어는 이 문장들을 보여 줍니다)

http-fail-reading-body = 본문을 읽는 중에: { $why }
http-fail-closed-mid-message = 메시지가 다 오기 전에 서버가 연결을 닫았습니다
http-fail-closed = 연결이 닫혔습니다
http-fail-timeout = 시간이 초과되었습니다
http-fail-head-too-large = 응답의 헤더 부분이 너무 큽니다
http-fail-bad-status = 상태 줄에 올바른 상태 코드가 없습니다
http-fail-bad-response = 응답이 올바른 HTTP가 아닙니다 (hyper: "{ $detail }")
http-fail-canceled = 요청이 취소되었습니다
http-fail-goaway = HTTP/2: GOAWAY { $reason }(으)로 연결이 닫혔습니다 ({ $by })
http-fail-reset = HTTP/2: RST_STREAM { $reason }(으)로 스트림이 리셋되었습니다 ({ $by })
http-fail-by-server = 서버가 보냄
http-fail-by-client = 이 클라이언트가 보냄
http-fail-other = 요청·응답이 실패했습니다 (hyper: "{ $detail }")
tls-fail-alert = 서버가 핸드셰이크를 거부했습니다: 경고(alert) { $alert }
tls-fail-no-shared-version = 서버와 이 클라이언트가 함께 쓸 수 있는 TLS 버전이나 암호 스위트가 없습니다 ({ $detail })
tls-fail-no-alpn = 서버가 제안한 애플리케이션 프로토콜(ALPN)을 하나도 받아들이지 않습니다
tls-fail-closed = 핸드셰이크 도중에 서버가 연결을 닫았습니다
tls-fail-timeout = { $secs }초 안에 핸드셰이크가 끝나지 않았습니다
tls-fail-not-a-name = TLS가 확인할 수 있는 이름이 아닙니다: { $host }
tls-fail-setup = TLS를 준비할 수 없습니다 (rustls: "{ $detail }")
tls-fail-other = 핸드셰이크가 실패했습니다 (rustls: "{ $detail }")


## 랩의 네트워크를 만들지 못한 단계 (운영체제의 오류 앞에 옵니다)

network-step-namespace = { $node }의 네트워크 네임스페이스를 만들 수 없습니다
network-step-veth = 링크 { $link }: veth 쌍을 만들 수 없습니다
network-step-bridge = 링크 { $link }: 브리지를 만들 수 없습니다
network-step-port = 링크 { $link }: 브리지의 { $port }번 포트를 만들 수 없습니다
network-step-configure = { $node }에 주소와 경로를 설정할 수 없습니다
network-step-bring-up = { $node }의 인터페이스를 올릴 수 없습니다
network-step-bring-link-up = 링크 { $link }의 포트들을 올릴 수 없습니다
network-step-sysctl = 커널 설정 파일에 쓸 수 없습니다: { $path }


## 웹 서버가 시작하지 못한 이유

serve-web-cannot-start = 웹 서버를 시작할 수 없습니다: { $error }
web-start-root = 문서 루트를 쓸 수 없습니다: { $path }: { $error }
web-start-cache-control = cache_control 값이 올바른 헤더 값이 아닙니다
web-start-access-log = 접근 로그 파일을 열 수 없습니다: { $path }: { $error }
lab-web-failed = 웹 서버를 시작하지 못했습니다: { $error }
