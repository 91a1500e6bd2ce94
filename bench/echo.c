/* bench/echo.c: the floor of the kernel's UDP path for the DNS benchmarks.
 *
 * Receives datagrams in batches with recvmmsg and sends each one straight back with sendmmsg,
 * with only the QR bit set: no parsing, no lookup. A DNS server on the same harness can at
 * best approach this figure; authdns.sh runs it as the "echo" server to calibrate each run.
 *
 * Build: gcc -O2 -o echo bench/echo.c      Run: ./echo 127.0.0.250 5353
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define BATCH 64
#define SIZE 4096

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: %s ADDRESS PORT\n", argv[0]);
		return 2;
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
	if (fd < 0 || inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
		perror("echo: bind");
		return 1;
	}
	static char bufs[BATCH][SIZE];
	static struct sockaddr_storage peers[BATCH];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	for (;;) {
		memset(msgs, 0, sizeof msgs);
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = SIZE;
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &peers[i];
			msgs[i].msg_hdr.msg_namelen = sizeof peers[i];
		}
		int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0)
			continue;
		for (int i = 0; i < n; i++) {
			iov[i].iov_len = msgs[i].msg_len;
			if (msgs[i].msg_len > 2)
				bufs[i][2] |= 0x80; /* QR: a "response" */
		}
		int sent = 0;
		while (sent < n) {
			int m = sendmmsg(fd, msgs + sent, n - sent, 0);
			sent += m > 0 ? m : 1;
		}
	}
}
