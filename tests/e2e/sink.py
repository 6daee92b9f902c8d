#!/usr/bin/env python3
"""sink.py - a small SMTP sink for sluice tests (python3 standard library only).

USAGE
    python3 sink.py --port P --dir OUTDIR [--host 127.0.0.1] [--pidfile F]
                    [--reply RCPT_ADDR=CODE_TEXT]... [--no-pipelining]
                    [--greeting CODE_TEXT] [--data-reply CODE_TEXT]
                    [--size N] [--close-at PHASE] [--hang-at PHASE]

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
    message bodies.

    Input lines are limited to 65536 bytes (a longer line closes the
    connection with 500); a session with no input for 300 s is closed.
    SIGTERM and SIGINT make the sink exit 0.
"""
import argparse
import asyncio
import os
import signal
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

    def store(self, mail_from, rcpts, body):
        self.count += 1
        n = self.count
        base = os.path.join(self.dir, "%06d" % n)
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
        return await asyncio.wait_for(reader.readuntil(b"\n"), IDLE_TIMEOUT)

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
                lines.append("250 8BITMIME")
                text = "\r\n".join(lines) + "\r\n"
                for l in lines:
                    self.log(b"S: ", l.encode())
                writer.write(text.encode())
                await writer.drain()
            elif verb == b"HELO":
                mail_from, rcpts = None, []
                await self.send(writer, "250 sink")
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
                    n = self.store(mail_from, rcpts, bytes(body))
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
