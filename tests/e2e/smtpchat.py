#!/usr/bin/env python3
"""smtpchat.py PORT SCRIPT: a scripted SMTP dialogue for tests (the
smtpscript idea). SCRIPT lines:
  > TEXT      send TEXT + CRLF
  >raw EXPR   send the bytes of a Python bytes expression as-is, e.g. >raw b"x" * 3
  < CODE      read one (multi-line) reply; fail unless it starts with CODE
Prints every reply; exits 1 at the first mismatch, 2 on timeout."""
import socket, sys

port, script = int(sys.argv[1]), open(sys.argv[2]).read().splitlines()
s = socket.create_connection(("127.0.0.1", port), 10)
s.settimeout(10)
buf = b""

def reply():
    global buf
    lines = []
    while True:
        while b"\n" not in buf:
            d = s.recv(65536)
            if not d:
                raise EOFError("connection closed")
            buf += d
        line, buf = buf.split(b"\n", 1)
        line = line.rstrip(b"\r").decode("latin-1")
        lines.append(line)
        if len(line) < 4 or line[3] != "-":
            return lines

try:
    for ln in script:
        if ln.startswith(">raw "):
            s.sendall(eval(ln[5:], {"__builtins__": {}}))
        elif ln.startswith("> "):
            s.sendall(ln[2:].encode("latin-1") + b"\r\n")
        elif ln.startswith("< "):
            want = ln[2:].strip()
            got = reply()
            print("\n".join(got))
            if not got[-1].startswith(want):
                print("MISMATCH: wanted %s" % want)
                sys.exit(1)
except socket.timeout:
    print("TIMEOUT"); sys.exit(2)
except EOFError as e:
    print("EOF: %s" % e); sys.exit(1)
