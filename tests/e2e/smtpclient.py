"""smtpclient: a raw SMTP client module for Python dialogues in the e2e tests
(t_smtpd, t_smtpd_limits, t_smtpd_tls and others: export PYTHONPATH=$SLUICE_ROOT/tests/e2e,
then "from smtpclient import Client, fail"). For fixed request/reply
scripts use smtpchat.py instead.

Client(port) connects and reads the greeting; send() writes raw bytes;
reply() reads one (multi-line) reply and returns its lines as text, or
raises EOFError / socket.timeout; last() returns only a reply's last line;
cmd(line) sends a command and returns last(); expect(line, prefix) fails
unless that reply starts with prefix; closed(secs) is true when the server
closes within secs; starttls() wraps the socket in TLS (no certificate
checks). Every read is bounded by the timeout given to Client(). fail(why)
prints the reason and exits 1.

For a test with its own socket: last_reply(f) reads one (multi-line) reply
from f = sock.makefile("rb") and returns its last line without the line
ending, or "" when the connection closes first (reads are bounded by the
socket's timeout, the reply by LAST_REPLY_LINES lines)."""
import socket, ssl, sys, time


class Client:
    def __init__(self, port, timeout=10):
        self.s = socket.create_connection(("127.0.0.1", port), 10)
        self.s.settimeout(timeout)
        self.buf = b""
        self.greeting = self.reply()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.s.sendall(data)

    def reply(self):
        lines = []
        while True:
            while b"\n" not in self.buf:
                d = self.s.recv(65536)
                if not d:
                    raise EOFError("connection closed after %r; partial %r"
                                   % (lines, self.buf[:200]))
                self.buf += d
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.rstrip(b"\r").decode("latin-1")
            print("  <- " + line[:200])
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return lines

    def last(self):
        return self.reply()[-1]

    def cmd(self, line):
        print("  -> " + line[:100])
        self.send(line + "\r\n")
        return self.last()

    def expect(self, line, want):
        r = self.cmd(line)
        if not r.startswith(want):
            fail("%s: wanted [%s], got [%s]" % (line[:60], want, r))
        return r

    def starttls(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.s = ctx.wrap_socket(self.s, server_hostname="relay.example.com")
        self.buf = b""

    def closed(self, secs=10):
        """True when the server closes the connection within secs."""
        self.s.settimeout(secs)
        try:
            while True:
                d = self.s.recv(4096)
                if d == b"":
                    return True
        except (socket.timeout, ssl.SSLError):
            return False
        except ConnectionError:
            return True

    def close(self):
        self.s.close()


LAST_REPLY_LINES = 1000


def last_reply(f):
    for _ in range(LAST_REPLY_LINES):
        line = f.readline().decode("latin-1").rstrip("\r\n")
        if len(line) < 4 or line[3] != "-":
            return line
    raise ValueError("reply of more than %d lines" % LAST_REPLY_LINES)


def fail(why):
    print("FAIL: " + why)
    sys.exit(1)
