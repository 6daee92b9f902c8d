#!/usr/bin/env python3
"""sink.py - a small SMTP sink for sluice tests (python3 standard library only).

USAGE
    python3 sink.py --port P --dir OUTDIR [--host 127.0.0.1] [--pidfile F]
                    [--reply RCPT_ADDR=CODE_TEXT]... [--no-pipelining]
                    [--greeting CODE_TEXT] [--data-reply CODE_TEXT]
                    [--size N] [--close-at PHASE] [--hang-at PHASE]
                    [--tls-cert F --tls-key F] [--auth USER:PASS]...
                    [--auth-mechs LIST] [--auth-tls-only] [--auth-required]
                    [--idle-timeout SECS]

    --port P          TCP port to listen on (required).
    --host H          address to listen on (default 127.0.0.1).
    --dir OUTDIR      where messages are stored (created if missing).
    --pidfile F       written with the sink's pid once it is listening
                      (so a test can wait for F, then kill the pid);
                      removed at exit.
    --reply ADDR=CODE_TEXT
                      answer RCPT TO:<ADDR> (case-insensitive) with
                      CODE_TEXT instead of 250, e.g.
                      --reply reject@example.com="550 5.1.1 User unknown"
                      --reply tmp@example.com="451 4.3.0 Try again later"
                      May be repeated. A literal backslash-n ("\\n") in
                      CODE_TEXT makes a multi-line reply: every part gets
                      the code of the first (550-... / 550 ...).
    --no-pipelining   do not advertise PIPELINING in the EHLO reply.
    --greeting CODE_TEXT
                      the greeting instead of "220 sink ESMTP"; with a 4xx
                      or 5xx greeting every command but QUIT gets
                      "503 5.5.1 Error: no service".
    --data-reply CODE_TEXT
                      reply to the end of DATA instead of 250; a non-2xx
                      reply stores nothing.
    --size N          the limit advertised with SIZE (default 10240000);
                      a MAIL FROM with a larger SIZE= gets 552.
    --close-at PHASE  misbehave for client tests: close the connection
                      without a reply when PHASE is reached; PHASE is
                      connect (before the greeting), ehlo, helo, mail,
                      rcpt, data (the command), body (after the first
                      content line) or dot (after the final ".").
    --hang-at PHASE   like --close-at, but stop answering and keep the
                      connection open (input is read and discarded), so
                      the client runs into its timeout.

    --tls-cert F, --tls-key F
                      offer STARTTLS (PEM certificate chain and key); the
                      EHLO after the handshake no longer offers it.
    --auth USER:PASS  offer AUTH (RFC 4954) and accept these credentials
                      (may be repeated); mechanisms PLAIN and LOGIN.
                      Wrong credentials get "535 5.7.8 Error:
                      authentication failed: authentication failure".
    --auth-mechs LIST the AUTH line's mechanisms (default "PLAIN LOGIN");
                      only PLAIN and LOGIN are implemented, others are
                      advertised but refused with 504.
    --auth-tls-only   offer AUTH only after STARTTLS (as smtpd with
                      smtpd_tls_auth_only = yes).
    --auth-required   MAIL before a successful AUTH gets "530 5.7.0
                      Authentication required".
    --idle-timeout S  close a connection with no input for S seconds
                      (default 300; e.g. 0.5 to drop idle cached
                      connections).

BEHAVIOUR
    Greeting, then EHLO (250-sink, PIPELINING, SIZE N, 8BITMIME) or HELO,
    MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT; anything else gets 502.
    Replies are written in order as commands are read, so a pipelining
    client gets its replies in order. Each accepted message is stored as
        OUTDIR/NNNNNN.eml  the DATA bytes exactly as received after
                           removing dot-stuffing (line ends kept, CRLF
                           normally), without the final "." line;
        OUTDIR/NNNNNN.env  the envelope, no headers: the MAIL FROM
                           command line as received (with parameters),
                           then one "RCPT TO:<...>" line per accepted
                           recipient, each ending in "\\n".
    NNNNNN counts messages from 000001. The .eml file is written first and
    both appear by rename, so a test that sees NNNNNN.env can read both.
    The end-of-data reply is "250 2.0.0 Ok: queued as SINKn" with the same
    n as NNNNNN (without zero padding). OUTDIR/transcript.log gets every
    command line received ("C: ...") and reply sent ("S: ..."), not the
    message bodies (nor the AUTH exchange's lines after the command).
    Each accepted connection appends one line to OUTDIR/connections;
    "S: <TLS TLSv1.3>" marks a finished handshake ("S: <TLS TLSv1.3
    resumed>" when the client resumed a session), and a message that came
    over TLS also gets OUTDIR/NNNNNN.tls (the protocol version).

    Input lines are limited to 65536 bytes (a longer line closes the
    connection with 500); a session with no input for 300 s is closed.
    SIGTERM and SIGINT make the sink exit 0.
"""
import argparse
import asyncio
import base64
import os
import signal
import ssl
import sys

LINE_LIMIT = 65536
IDLE_TIMEOUT = 300


PHASES = ("connect", "ehlo", "helo", "mail", "rcpt", "data", "body", "dot")


class Misbehaved(Exception):
    pass


class Sink:
    def __init__(self, args):
        self.args = args
        self.dir = args.dir
        self.count = 0
        self.replies = {}
        for spec in args.reply or []:
            addr, sep, text = spec.partition("=")
            if not sep or len(text) < 3 or not text[:3].isdigit():
                sys.exit("sink.py: bad --reply %r (want ADDR=CODE TEXT)" % spec)
            self.replies[addr.strip().lower()] = text
        self.transcript = open(os.path.join(self.dir, "transcript.log"), "ab",
                               buffering=0)
        self.connections = open(os.path.join(self.dir, "connections"), "ab",
                                buffering=0)
        self.tls = None
        if args.tls_cert:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(args.tls_cert, args.tls_key or None)
        self.users = {}
        for spec in args.auth or []:
            user, sep, pw = spec.partition(":")
            if not sep:
                sys.exit("sink.py: bad --auth %r (want USER:PASS)" % spec)
            self.users[user] = pw

    def log(self, prefix, line):
        self.transcript.write(prefix + line.rstrip(b"\r\n") + b"\n")

    @staticmethod
    def format_reply(text):
        parts = text.split("\\n")
        code = parts[0][:3]
        out = []
        for i, part in enumerate(parts):
            if i > 0:
                part = code + " " + part
            sep = "-" if i < len(parts) - 1 else " "
            rest = part[4:] if len(part) > 3 else ""
            out.append(code + sep + rest)
        return "\r\n".join(out) + "\r\n"

    async def send(self, writer, text):
        data = self.format_reply(text).encode()
        for line in data.split(b"\r\n")[:-1]:
            self.log(b"S: ", line)
        writer.write(data)
        await writer.drain()

    def store(self, mail_from, rcpts, body, tls=None):
        self.count += 1
        n = self.count
        base = os.path.join(self.dir, "%06d" % n)
        if tls:
            with open(base + ".tls", "w") as f:
                f.write(tls + "\n")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(body)
        os.rename(base + ".eml.tmp", base + ".eml")
        with open(base + ".env.tmp", "wb") as f:
            f.write(mail_from + b"\n")
            for r in rcpts:
                f.write(r + b"\n")
        os.rename(base + ".env.tmp", base + ".env")
        return n

    async def readline(self, reader):
        return await asyncio.wait_for(reader.readuntil(b"\n"),
                                      self.args.idle_timeout)

    async def auth(self, reader, writer, cmd):
        """The AUTH exchange: True when the credentials are good."""
        parts = cmd.split(b" ")
        mech = parts[1].upper() if len(parts) > 1 else b""
        if mech == b"PLAIN":
            if len(parts) > 2:
                resp = parts[2]
            else:
                await self.send(writer, "334 ")
                resp = (await self.readline(reader)).strip()
            try:
                fields = base64.b64decode(resp, validate=True).split(b"\0")
                user, pw = fields[1].decode(), fields[2].decode()
            except (ValueError, IndexError, UnicodeDecodeError):
                return False
        elif mech == b"LOGIN":
            try:
                if len(parts) > 2:
                    user = base64.b64decode(parts[2]).decode()
                else:
                    await self.send(writer, "334 VXNlcm5hbWU6")
                    user = base64.b64decode(
                        (await self.readline(reader)).strip()).decode()
                await self.send(writer, "334 UGFzc3dvcmQ6")
                pw = base64.b64decode(
                    (await self.readline(reader)).strip()).decode()
            except (ValueError, UnicodeDecodeError):
                return False
        else:
            return None
        return self.users.get(user) == pw

    async def misbehave(self, phase, reader):
        """Close (raise) or hang at PHASE if so configured."""
        if self.args.close_at == phase:
            self.log(b"S: ", b"<close at %s>" % phase.encode())
            raise Misbehaved()
        if self.args.hang_at == phase:
            self.log(b"S: ", b"<hang at %s>" % phase.encode())
            while await asyncio.wait_for(reader.read(4096), IDLE_TIMEOUT):
                pass
            raise Misbehaved()

    async def session(self, reader, writer):
        try:
            await self.dialogue(reader, writer)
        except (asyncio.IncompleteReadError, asyncio.TimeoutError,
                ConnectionError, Misbehaved):
            pass
        except asyncio.LimitOverrunError:
            try:
                await self.send(writer, "500 5.5.0 Error: line too long")
            except ConnectionError:
                pass
        finally:
            writer.close()

    async def dialogue(self, reader, writer):
        greeting = self.args.greeting or "220 sink ESMTP"
        self.connections.write(b"connect\n")
        tls = None
        authed = False
        await self.misbehave("connect", reader)
        await self.send(writer, greeting)
        refused = greeting[:1] in ("4", "5")
        mail_from = None
        rcpts = []
        while True:
            line = await self.readline(reader)
            self.log(b"C: ", line)
            cmd = line.rstrip(b"\r\n")
            verb = cmd.split(b" ", 1)[0].upper()
            upper = cmd.upper()
            if verb in (b"EHLO", b"HELO", b"MAIL", b"RCPT", b"DATA"):
                await self.misbehave(verb.decode().lower(), reader)
            if verb == b"QUIT":
                await self.send(writer, "221 2.0.0 Bye")
                return
            if refused:
                await self.send(writer, "503 5.5.1 Error: no service")
                continue
            if verb == b"EHLO":
                mail_from, rcpts = None, []
                lines = ["250-sink"]
                if not self.args.no_pipelining:
                    lines.append("250-PIPELINING")
                lines.append("250-SIZE %d" % self.args.size)
                if self.tls and not tls:
                    lines.append("250-STARTTLS")
                if self.users and (tls or not self.args.auth_tls_only):
                    lines.append("250-AUTH " + self.args.auth_mechs)
                lines.append("250 8BITMIME")
                text = "\r\n".join(lines) + "\r\n"
                for l in lines:
                    self.log(b"S: ", l.encode())
                writer.write(text.encode())
                await writer.drain()
            elif verb == b"HELO":
                mail_from, rcpts = None, []
                await self.send(writer, "250 sink")
            elif verb == b"STARTTLS" and self.tls and not tls:
                await self.send(writer, "220 2.0.0 Ready to start TLS")
                await writer.start_tls(self.tls)
                obj = writer.get_extra_info("ssl_object")
                tls = obj.version() if obj else "TLS"
                resumed = b" resumed" if obj and obj.session_reused else b""
                self.log(b"S: ", b"<TLS %s%s>" % (tls.encode(), resumed))
                mail_from, rcpts, authed = None, [], False
            elif verb == b"AUTH" and self.users and \
                    (tls or not self.args.auth_tls_only) and not authed:
                ok = await self.auth(reader, writer, cmd)
                if ok is None:
                    await self.send(writer, "504 5.5.4 Unrecognized authentication type")
                elif ok:
                    authed = True
                    await self.send(writer, "235 2.7.0 Authentication successful")
                else:
                    await self.send(writer, "535 5.7.8 Error: authentication failed: authentication failure")
            elif upper.startswith(b"MAIL FROM:") and self.args.auth_required \
                    and not authed:
                await self.send(writer, "530 5.7.0 Authentication required")
            elif upper.startswith(b"MAIL FROM:"):
                if mail_from is not None:
                    await self.send(writer, "503 5.5.1 Error: nested MAIL command")
                    continue
                size = None
                for param in cmd.split(b" ")[1:]:
                    if param.upper().startswith(b"SIZE="):
                        try:
                            size = int(param[5:])
                        except ValueError:
                            size = -1
                if size is not None and (size < 0 or size > self.args.size):
                    await self.send(writer, "552 5.3.4 Message size exceeds fixed limit")
                    continue
                mail_from = cmd
                rcpts = []
                await self.send(writer, "250 2.1.0 Ok")
            elif upper.startswith(b"RCPT TO:"):
                if mail_from is None:
                    await self.send(writer, "503 5.5.1 Error: need MAIL command")
                    continue
                arg = cmd[8:].strip()
                addr = arg.split(b" ", 1)[0]
                if addr.startswith(b"<") and addr.endswith(b">"):
                    addr = addr[1:-1]
                reply = self.replies.get(addr.decode("latin-1").lower())
                if reply is not None:
                    await self.send(writer, reply)
                    continue
                rcpts.append(b"RCPT TO:" + arg)
                await self.send(writer, "250 2.1.5 Ok")
            elif verb == b"DATA":
                if mail_from is None or not rcpts:
                    await self.send(writer, "503 5.5.1 Error: need RCPT command")
                    continue
                await self.send(writer, "354 End data with <CR><LF>.<CR><LF>")
                body = bytearray()
                while True:
                    dl = await self.readline(reader)
                    if dl in (b".\r\n", b".\n"):
                        break
                    if not body:
                        await self.misbehave("body", reader)
                    if dl.startswith(b"."):
                        dl = dl[1:]
                    body += dl
                await self.misbehave("dot", reader)
                self.log(b"C: ", b"<%d bytes of message>" % len(body))
                self.log(b"C: ", b".")
                if self.args.data_reply and self.args.data_reply[:1] != "2":
                    await self.send(writer, self.args.data_reply)
                else:
                    n = self.store(mail_from, rcpts, bytes(body), tls)
                    await self.send(writer, self.args.data_reply
                                    or "250 2.0.0 Ok: queued as SINK%d" % n)
                mail_from, rcpts = None, []
            elif verb == b"RSET":
                mail_from, rcpts = None, []
                await self.send(writer, "250 2.0.0 Ok")
            elif verb == b"NOOP":
                await self.send(writer, "250 2.0.0 Ok")
            else:
                await self.send(writer, "502 5.5.2 Error: command not recognized")


async def main():
    ap = argparse.ArgumentParser(description="SMTP sink for sluice tests")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--pidfile")
    ap.add_argument("--reply", action="append")
    ap.add_argument("--no-pipelining", action="store_true")
    ap.add_argument("--greeting")
    ap.add_argument("--data-reply")
    ap.add_argument("--size", type=int, default=10240000)
    ap.add_argument("--close-at", choices=PHASES)
    ap.add_argument("--hang-at", choices=PHASES)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--auth", action="append")
    ap.add_argument("--auth-mechs", default="PLAIN LOGIN")
    ap.add_argument("--auth-tls-only", action="store_true")
    ap.add_argument("--auth-required", action="store_true")
    ap.add_argument("--idle-timeout", type=float, default=IDLE_TIMEOUT)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    sink = Sink(args)
    server = await asyncio.start_server(sink.session, args.host, args.port,
                                        limit=LINE_LIMIT, reuse_address=True)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            sig, lambda: stop.done() or stop.set_result(None))
    if args.pidfile:
        tmp = args.pidfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(tmp, args.pidfile)
    try:
        await stop
    finally:
        server.close()
        if args.pidfile:
            try:
                os.unlink(args.pidfile)
            except OSError:
                pass


if __name__ == "__main__":
    asyncio.run(main())
